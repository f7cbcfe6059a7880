package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/ent/predicate"
	"gridgov/ent/vehicle"
)

// Codes of notable demo grids (GB/T 30428 style: 6 district + 3 sub-district + 3 + 3 digits).
const (
	// DistrictCode is the code of the root grid 中原区.
	DistrictCode = "410102"
	// SubDistrictCode is the code of 须水街道, the article's level-1 grid.
	SubDistrictCode = "410102001"
	// SanwangzhuangCode is the code of the level-2 grid 三王庄村, whose first-responsible
	// changes on FirstResponsibleChange.
	SanwangzhuangCode = "410102001002"
	// SanwangzhuangGroupCode is the code of the level-3 grid 三王庄村第一村民组.
	SanwangzhuangGroupCode = "410102001002001"
	// EnterpriseZoneCode is the code of the level-2 grid 须水产业园区.
	EnterpriseZoneCode = "410102001014"
)

// ErrNotEmpty is returned by Load when the database holds grids but not the demo district:
// the demo is never mixed into someone else's data.
var ErrNotEmpty = errors.New("demo: database already holds grids other than the demo data set")

// Summary counts the demo data set as found in the database. Grids counts every grid of the
// demo district, the district itself included; Level1, Level2 and Level3 count its grids at
// tree levels 1 (the sub-district), 2 and 3. People, Assignments and Vehicles count the rows
// belonging to those grids.
type Summary struct {
	Grids, Level1, Level2, Level3, People, Assignments, Vehicles int
}

// Load writes the demo data set in one transaction unless it is there already, and returns
// what the database holds. It is idempotent: when the district DistrictCode exists, Load
// writes nothing. It fails with ErrNotEmpty when the database holds other grids.
func Load(ctx context.Context, client *ent.Client) (*Summary, error) {
	// The demo-load bypass: the demo data set is written and counted by the system, not by a
	// viewer, so privacy rules are skipped here (see STYLE.md, "Deny by default").
	ctx = authz.SystemContext(ctx, "load the demo data set")

	loaded, err := client.Grid.Query().Where(grid.Code(DistrictCode)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: look for district %s: %w", DistrictCode, err)
	}
	if !loaded {
		other, err := client.Grid.Query().Exist(ctx)
		if err != nil {
			return nil, fmt.Errorf("demo: look for grids: %w", err)
		}
		if other {
			return nil, ErrNotEmpty
		}
		if err := writeTx(ctx, client, build()); err != nil {
			// A concurrent Load may have won the race for the unique grid codes; its data
			// set is the same as ours.
			if !ent.IsConstraintError(err) {
				return nil, err
			}
			if ok, qerr := client.Grid.Query().Where(grid.Code(DistrictCode)).Exist(ctx); qerr != nil || !ok {
				return nil, err
			}
		}
	}
	return count(ctx, client)
}

// writeTx writes the plan in one transaction.
func writeTx(ctx context.Context, client *ent.Client, p *plan) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil {
				err = errors.Join(err, fmt.Errorf("demo: rollback: %w", rerr))
			}
		}
	}()
	if err := write(ctx, tx, p); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: commit: %w", err)
	}
	return nil
}

// batch is the number of rows per bulk insert, well below the bind-parameter limits of
// SQLite (32,766) and PostgreSQL (65,535).
const batch = 500

// write inserts the plan: grids top-down one level per bulk insert, so that the hooks that
// compute path and level find every parent; then people, assignments and vehicles. Paths and
// levels are never set here: the server's hooks derive them from the parent, and copy the
// grid path onto the rows that belong to a grid.
func write(ctx context.Context, tx *ent.Tx, p *plan) error {
	gridIDs := make([]int, len(p.grids))
	for depth := 0; ; depth++ {
		var idx []int
		var bs []*ent.GridCreate
		for i, g := range p.grids {
			if g.depth != depth {
				continue
			}
			b := tx.Grid.Create().
				SetCode(g.code).SetName(g.name).SetKind(g.kind).
				SetHouseholds(g.households).SetPopulation(g.pop).
				SetAreaDescription(g.area).SetDuties(g.duties)
			if g.parent >= 0 {
				b.SetParentID(gridIDs[g.parent])
			}
			idx = append(idx, i)
			bs = append(bs, b)
		}
		if len(bs) == 0 {
			break
		}
		created, err := tx.Grid.CreateBulk(bs...).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: create level-%d grids: %w", depth, err)
		}
		for k, g := range created {
			gridIDs[idx[k]] = g.ID
		}
	}

	personIDs := make([]int, len(p.people))
	for lo := 0; lo < len(p.people); lo += batch {
		hi := min(lo+batch, len(p.people))
		bs := make([]*ent.PersonCreate, 0, hi-lo)
		for _, r := range p.people[lo:hi] {
			bs = append(bs, tx.Person.Create().
				SetName(r.name).SetGender(r.gender).SetPhone(r.phone).
				SetTitle(r.title).SetUnit(r.unit).SetPartyMember(r.party).
				SetGridID(gridIDs[r.grid]))
		}
		created, err := tx.Person.CreateBulk(bs...).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: create people %d-%d: %w", lo, hi, err)
		}
		for k, c := range created {
			personIDs[lo+k] = c.ID
		}
	}

	for lo := 0; lo < len(p.assignments); lo += batch {
		hi := min(lo+batch, len(p.assignments))
		bs := make([]*ent.AssignmentCreate, 0, hi-lo)
		for _, r := range p.assignments[lo:hi] {
			b := tx.Assignment.Create().
				SetPersonID(personIDs[r.person]).SetGridID(gridIDs[r.grid]).
				SetRole(r.role).SetTitle(r.title).SetValidFrom(r.from)
			if r.duty != "" {
				b.SetDuty(r.duty)
			}
			if !r.to.IsZero() {
				b.SetValidTo(r.to).SetEndReason(r.endReason)
			}
			bs = append(bs, b)
		}
		if err := tx.Assignment.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("demo: create assignments %d-%d: %w", lo, hi, err)
		}
	}

	bs := make([]*ent.VehicleCreate, 0, len(p.vehicles))
	for _, r := range p.vehicles {
		b := tx.Vehicle.Create().
			SetPlate(r.plate).SetKind(r.kind).SetInService(r.inService).
			SetGridID(gridIDs[r.grid])
		if r.person >= 0 {
			b.SetPersonID(personIDs[r.person])
		}
		bs = append(bs, b)
	}
	if err := tx.Vehicle.CreateBulk(bs...).Exec(ctx); err != nil {
		return fmt.Errorf("demo: create vehicles: %w", err)
	}
	return nil
}

// count summarizes what the database holds under the demo district.
func count(ctx context.Context, client *ent.Client) (*Summary, error) {
	inDistrict := grid.CodeHasPrefix(DistrictCode)
	var s Summary
	counts := []struct {
		dst *int
		n   func() (int, error)
	}{
		{&s.Grids, func() (int, error) { return client.Grid.Query().Where(inDistrict).Count(ctx) }},
		{&s.Level1, levelCount(ctx, client, inDistrict, 1)},
		{&s.Level2, levelCount(ctx, client, inDistrict, 2)},
		{&s.Level3, levelCount(ctx, client, inDistrict, 3)},
		{&s.People, func() (int, error) {
			return client.Person.Query().Where(person.HasGridWith(inDistrict)).Count(ctx)
		}},
		{&s.Assignments, func() (int, error) {
			return client.Assignment.Query().Where(assignment.HasGridWith(inDistrict)).Count(ctx)
		}},
		{&s.Vehicles, func() (int, error) {
			return client.Vehicle.Query().Where(vehicle.HasGridWith(inDistrict)).Count(ctx)
		}},
	}
	for _, c := range counts {
		n, err := c.n()
		if err != nil {
			return nil, fmt.Errorf("demo: count: %w", err)
		}
		*c.dst = n
	}
	return &s, nil
}

func levelCount(ctx context.Context, client *ent.Client, where predicate.Grid, level int) func() (int, error) {
	return func() (int, error) { return client.Grid.Query().Where(where, grid.Level(level)).Count(ctx) }
}

// Holder returns the person who held role on the grid with the given code at the moment at
// (the first one by id if several did), for instance the first-responsible of
// SanwangzhuangCode before and after FirstResponsibleChange. The caller's ctx must be allowed
// to read people and assignments. It returns an *ent.NotFoundError when nobody held the role.
func Holder(ctx context.Context, client *ent.Client, code string, role assignment.Role, at time.Time) (*ent.Person, error) {
	a, err := client.Assignment.Query().
		Where(
			assignment.HasGridWith(grid.Code(code)),
			assignment.RoleEQ(role),
			assignment.ValidFromLTE(at),
			assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(at)),
		).
		Order(ent.Asc(assignment.FieldID)).
		WithPerson().
		First(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %s holder of %s at %s: %w", role, code, at.Format(time.DateOnly), err)
	}
	return a.Edges.Person, nil
}
