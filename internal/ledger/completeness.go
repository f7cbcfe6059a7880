package ledger

import (
	"context"
	"fmt"
	"slices"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/ledgeritemtype"
	"gridgov/internal/apperr"
)

// Gap is a grid that has not kept some required ledgers for a period.
type Gap struct {
	Grid    *ent.Grid
	Missing []*ent.LedgerItemType
}

// CompletenessQuery asks which grids under Root lack which required ledgers for Period.
type CompletenessQuery struct {
	RootID int
	// Level, when set, looks only at grids of that tree level.
	Level *int
	// Period is 2026-11, 2026-Q4, 2026 or "" (standing registers); it selects the required
	// types kept at that frequency.
	Period string
	// CategoryID, when set, looks only at the types of one category.
	CategoryID *int
}

// Completeness answers a CompletenessQuery in three queries (types, grids, kept pairs), all
// within the viewer's scope, ordered by grid path.
func Completeness(ctx context.Context, client *ent.Client, q CompletenessQuery) ([]Gap, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	root, err := client.Grid.Get(ctx, q.RootID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjGrid, "gridID", q.RootID)
	}
	if err != nil {
		return nil, err
	}
	kind, ok := PeriodKind(q.Period)
	if !ok {
		return nil, apperr.Invalid("period", "period %q is none of 2026-11, 2026-Q4, 2026 or \"\"", q.Period)
	}
	tq := client.LedgerItemType.Query().Where(ledgeritemtype.Required(true), ledgeritemtype.Active(true), ledgeritemtype.PeriodEQ(kind))
	if q.CategoryID != nil {
		tq = tq.Where(ledgeritemtype.CategoryID(*q.CategoryID))
	}
	types, err := tq.Order(ent.Asc(ledgeritemtype.FieldSortOrder), ent.Asc(ledgeritemtype.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("completeness: required types: %w", err)
	}
	gq := client.Grid.Query().Where(grid.PathHasPrefix(root.Path))
	if q.Level != nil {
		gq = gq.Where(grid.Level(*q.Level))
	}
	grids, err := gq.Order(ent.Asc(grid.FieldPath)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("completeness: grids: %w", err)
	}
	typeIDs := make([]int, len(types))
	for i, t := range types {
		typeIDs[i] = t.ID
	}
	var kept []struct {
		GridID     int `json:"grid_id"`
		ItemTypeID int `json:"item_type_id"`
	}
	if err := client.LedgerEntry.Query().
		Where(ledgerentry.GridPathHasPrefix(root.Path), ledgerentry.Period(q.Period), ledgerentry.ItemTypeIDIn(typeIDs...)).
		GroupBy(ledgerentry.FieldGridID, ledgerentry.FieldItemTypeID).Scan(ctx, &kept); err != nil {
		return nil, fmt.Errorf("completeness: kept ledgers: %w", err)
	}
	has := make(map[[2]int]bool, len(kept))
	for _, k := range kept {
		has[[2]int{k.GridID, k.ItemTypeID}] = true
	}
	var out []Gap
	for _, g := range grids {
		var missing []*ent.LedgerItemType
		for _, t := range types {
			if len(t.RequiredKinds) > 0 && !slices.Contains(t.RequiredKinds, string(g.Kind)) {
				continue
			}
			if !has[[2]int{g.ID, t.ID}] {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			out = append(out, Gap{Grid: g, Missing: missing})
		}
	}
	return out, nil
}
