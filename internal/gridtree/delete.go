package gridtree

import (
	"context"
	"fmt"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/grid"
	"gridgov/ent/inspection"
	"gridgov/ent/person"
	"gridgov/ent/vehicle"
	"gridgov/internal/apperr"
)

// Delete removes grid id when nothing hangs on it: no children, no assignments (current or
// ended: they are history), no people and no vehicles. A grid with history is kept; rename
// or move it instead.
func Delete(ctx context.Context, client *gen.Client, id int) error {
	g, err := client.Grid.Get(ctx, id)
	if err != nil {
		return notVisible(ctx, err, "id", id)
	}
	sys := authz.SystemContext(ctx, "check what hangs on a grid")
	checks := []struct {
		what  string
		exist func(context.Context) (bool, error)
	}{
		{"child grids", client.Grid.Query().Where(grid.ParentID(id)).Exist},
		{"role assignments (history is kept)", client.Assignment.Query().Where(assignment.GridID(id)).Exist},
		{"people whose home grid it is", client.Person.Query().Where(person.GridID(id)).Exist},
		{"vehicles", client.Vehicle.Query().Where(vehicle.GridID(id)).Exist},
		{"bulletin posts", client.BulletinPost.Query().Where(bulletinpost.GridID(id)).Exist},
		{"inspections in the supervision ledger", client.Inspection.Query().Where(inspection.GridID(id)).Exist},
	}
	for _, c := range checks {
		found, err := c.exist(sys)
		if err != nil {
			return fmt.Errorf("delete grid %d: check %s: %w", id, c.what, err)
		}
		if found {
			return apperr.New(apperr.Conflict, "grid %s (%s) cannot be deleted: it has %s", g.Name, g.Code, c.what)
		}
	}
	if err := client.Grid.DeleteOneID(id).Exec(ctx); err != nil {
		return fmt.Errorf("delete grid %d: %w", id, err)
	}
	return nil
}
