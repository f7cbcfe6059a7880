package accounts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/person"
	"gridgov/ent/user"
	"gridgov/internal/roster"
)

// RosterAccount is one account FromRoster made, as the office hands it out.
type RosterAccount struct {
	Username   string
	Code       string
	ExpiresAt  time.Time
	PersonID   int
	PersonName string
	// GridCode and GridName are of the highest grid where the person holds an active role.
	GridCode, GridName string
}

// FromRoster makes an account, with its activation code, for every person who holds an
// active role and has no account, in person id order, through client (the caller's
// transaction: all or none). Usernames follow RosterUsername. Each person must be in the
// actor's scope (authz.CheckAccountFor); the command line acts as the system.
func FromRoster(ctx context.Context, client *ent.Client, now time.Time) ([]RosterAccount, error) {
	if err := authz.RequireActor(ctx); err != nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "find the people of the roster without an account")
	people, err := client.Person.Query().
		Where(person.HasAssignmentsWith(roster.HeldAt(now)), person.Not(person.HasUser())).
		WithAssignments(func(q *ent.AssignmentQuery) {
			q.Where(roster.HeldAt(now)).WithGrid().Order(ent.Asc(assignment.FieldGridPath))
		}).
		Order(ent.Asc(person.FieldID)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("roster without accounts: %w", err)
	}
	names, err := client.User.Query().Where(user.UsernameHasPrefix("u")).Select(user.FieldUsername).Strings(sys)
	if err != nil {
		return nil, fmt.Errorf("roster: usernames in use: %w", err)
	}
	taken := map[string]bool{}
	for _, n := range names {
		taken[n] = true
	}
	out := make([]RosterAccount, 0, len(people))
	for _, p := range people {
		if err := authz.CheckAccountFor(ctx, client, p.ID, authz.ActCreate, now); err != nil {
			return nil, fmt.Errorf("person %d: %w", p.ID, err)
		}
		name := RosterUsername(p.ID, taken)
		taken[name] = true
		a, err := create(ctx, client, p.ID, name, now)
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", p.ID, err)
		}
		ra := RosterAccount{Username: name, Code: a.Code, ExpiresAt: a.ExpiresAt, PersonID: p.ID, PersonName: p.Name}
		// Assignments come ordered by grid path: the first one's path is the shortest of
		// its branch, so take the shallowest over all of them.
		var top *ent.Grid
		for _, as := range p.Edges.Assignments {
			if g := as.Edges.Grid; g != nil && (top == nil || strings.Count(g.Path, "/") < strings.Count(top.Path, "/")) {
				top = g
			}
		}
		if top != nil {
			ra.GridCode, ra.GridName = top.Code, top.Name
		}
		out = append(out, ra)
	}
	return out, nil
}

// RosterUsername is the username FromRoster gives person personID: "u" and the id, or, when
// an account already holds that name, the first of "u<id>-2", "u<id>-3", … not in taken.
func RosterUsername(personID int, taken map[string]bool) string {
	base := "u" + strconv.Itoa(personID)
	name := base
	for i := 2; taken[name]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	return name
}
