package demo

import (
	"context"
	"fmt"
	"gridgov/internal/clock"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/ent/user"
	"gridgov/internal/auth"
)

// AccountPassword is the password of every demo sign-in. Demo only: never in production.
const AccountPassword = "gridgov-demo"

// Account is one demo sign-in.
type Account struct {
	Username    string
	Description string
}

// accountsSince is when the system roles created for demo accounts start.
var accountsSince = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Accounts creates the demo sign-ins, one per kind of viewer the demo should show, unless they
// exist, and returns them. It needs the demo data set (Load) in the database.
func Accounts(ctx context.Context, client *ent.Client) ([]Account, error) {
	sys := authz.SystemContext(ctx, "create demo accounts")
	now := clock.Now()
	type spec struct {
		Account
		person func() (int, error)
	}
	holder := func(code string, role assignment.Role, duty *assignment.Duty) func() (int, error) {
		return func() (int, error) {
			q := client.Assignment.Query().Where(
				assignment.HasGridWith(grid.Code(code)), assignment.RoleEQ(role),
				assignment.ValidFromLTE(now), assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(now)),
				assignment.Not(assignment.HasPersonWith(person.HasUser())),
			)
			if duty != nil {
				q = q.Where(assignment.DutyEQ(*duty))
			}
			a, err := q.Order(ent.Asc(assignment.FieldID)).First(sys)
			if err != nil {
				return 0, fmt.Errorf("demo accounts: %s on %s: %w", role, code, err)
			}
			return a.PersonID, nil
		}
	}
	// systemRole creates a person holding a system role (ADMIN, SUPERVISOR) on a grid.
	systemRole := func(code, name, title string, role assignment.Role) func() (int, error) {
		return func() (int, error) {
			g, err := client.Grid.Query().Where(grid.Code(code)).Only(sys)
			if err != nil {
				return 0, fmt.Errorf("demo accounts: grid %s: %w", code, err)
			}
			p, err := client.Person.Create().SetName(name).SetTitle(title).SetUnit("中原区网格化管理中心").
				SetGridID(g.ID).Save(sys)
			if err != nil {
				return 0, fmt.Errorf("demo accounts: person %s: %w", name, err)
			}
			err = client.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(role).SetTitle(title).
				SetValidFrom(accountsSince).Exec(sys)
			return p.ID, err
		}
	}
	// soleGridHead finds a level-3 grid head whose every current role is on that one grid, so
	// that the account shows exactly one grid (most village cadres head several groups).
	soleGridHead := func() (int, error) {
		heads, err := client.Assignment.Query().
			Where(assignment.RoleEQ(assignment.RoleGRID_HEAD), assignment.ValidToIsNil(),
				assignment.HasGridWith(grid.Level(3)), assignment.Not(assignment.HasPersonWith(person.HasUser()))).
			Order(ent.Asc(assignment.FieldID)).
			WithPerson(func(q *ent.PersonQuery) {
				q.WithAssignments(func(q *ent.AssignmentQuery) { q.Where(assignment.ValidToIsNil()) })
			}).
			All(sys)
		if err != nil {
			return 0, fmt.Errorf("demo accounts: grid heads: %w", err)
		}
		for _, h := range heads {
			sole := true
			for _, a := range h.Edges.Person.Edges.Assignments {
				sole = sole && a.GridID == h.GridID
			}
			if sole {
				return h.PersonID, nil
			}
		}
		return 0, fmt.Errorf("demo accounts: no level-3 grid head holds roles on one grid only")
	}
	patroller := assignment.DutyPATROLLER
	specs := []spec{
		{Account{"district-admin", "系统管理员 (ADMIN) of 中原区: sees and manages everything"},
			systemRole(DistrictCode, "区网格中心管理员", "系统管理员", assignment.RoleADMIN)},
		{Account{"subdistrict", "第一责任人 of 须水街道: the whole sub-district"},
			holder(SubDistrictCode, assignment.RoleFIRST_RESPONSIBLE, nil)},
		{Account{"village", "直接责任人 of 三王庄村: that village only"},
			holder(SanwangzhuangCode, assignment.RoleDIRECT_RESPONSIBLE, nil)},
		{Account{"gridhead", "网格长 of one level-3 grid, and nothing else"}, soleGridHead},
		{Account{"patroller", "巡防员 (具体责任人) of 三王庄村第一村民组"},
			holder(SanwangzhuangGroupCode, assignment.RoleSPECIFIC_RESPONSIBLE, &patroller)},
		{Account{"supervisor", "督察 (SUPERVISOR) of 须水街道: reads and inspects the sub-district"},
			systemRole(SubDistrictCode, "街道督察组组员", "督察组组员", assignment.RoleSUPERVISOR)},
	}
	out := make([]Account, 0, len(specs))
	for _, s := range specs {
		out = append(out, s.Account)
		exists, err := client.User.Query().Where(user.Username(s.Username)).Exist(sys)
		if err != nil {
			return nil, fmt.Errorf("demo accounts: %w", err)
		}
		if exists {
			continue
		}
		personID, err := s.person()
		if err != nil {
			return nil, err
		}
		if _, err := auth.CreateUser(ctx, client, auth.NewUser{Username: s.Username, Password: AccountPassword, PersonID: personID}); err != nil {
			return nil, fmt.Errorf("demo accounts: %s: %w", s.Username, err)
		}
	}
	return out, nil
}

// accountNames are the usernames Accounts creates.
var accountNames = []string{"district-admin", "subdistrict", "village", "gridhead", "patroller", "supervisor"}

// WithPublishedPassword returns the demo accounts that still have AccountPassword, which is
// printed in the README: a production server must not start while any does.
func WithPublishedPassword(ctx context.Context, client *ent.Client) ([]string, error) {
	users, err := client.User.Query().Where(user.UsernameIn(accountNames...), user.Disabled(false)).
		All(authz.SystemContext(ctx, "look for demo accounts"))
	if err != nil {
		return nil, fmt.Errorf("look for demo accounts: %w", err)
	}
	var out []string
	for _, u := range users {
		if ok, err := auth.VerifyPassword(u.PasswordHash, AccountPassword); err == nil && ok {
			out = append(out, u.Username)
		}
	}
	return out, nil
}
