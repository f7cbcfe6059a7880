package gridtree

import (
	"context"
	"fmt"

	"entgo.io/ent"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/hook"
	"gridgov/ent/householdtag"
	"gridgov/ent/visit"
	"gridgov/internal/apperr"
	"gridgov/internal/audit"
)

// HouseholdHook keeps households on level-3 grids (villager groups, enterprises, compounds,
// unit grids) and, when a household moves to another grid, carries its plates and visits
// along: they are scoped by the household's path.
func HouseholdHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.HouseholdFunc(func(ctx context.Context, m *gen.HouseholdMutation) (ent.Value, error) {
			gridID, moved := m.GridID()
			if !moved {
				return next.Mutate(ctx, m)
			}
			sys := authz.SystemContext(ctx, "keep household paths")
			g, err := m.Client().Grid.Query().Where(grid.ID(gridID)).Only(sys)
			if err != nil && !gen.IsNotFound(err) {
				return nil, fmt.Errorf("load grid %d: %w", gridID, err)
			}
			if g != nil && TierOf(g.Kind) != TierGrid {
				return nil, apperr.Invalid("gridID", "households belong to level-3 grids (villager groups, enterprises, compounds); %s is a %s", g.Name, g.Kind)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil || m.Op().Is(ent.OpCreate) {
				return v, err
			}
			ids, err := m.IDs(sys)
			if err != nil {
				return nil, err
			}
			copies := audit.Derived(sys, "plates and visits follow their household: its move records it")
			if err := m.Client().HouseholdTag.Update().Where(householdtag.HouseholdIDIn(ids...)).SetGridPath(g.Path).Exec(copies); err != nil {
				return nil, fmt.Errorf("move plates of households %v: %w", ids, err)
			}
			if err := m.Client().Visit.Update().Where(visit.HouseholdIDIn(ids...)).SetGridPath(g.Path).Exec(copies); err != nil {
				return nil, fmt.Errorf("move visits of households %v: %w", ids, err)
			}
			return v, nil
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}
