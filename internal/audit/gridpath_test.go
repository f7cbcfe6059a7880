package audit_test

import (
	"slices"
	"testing"

	"entgo.io/ent/dialect/sql/schema"

	"gridgov/ent"
	"gridgov/ent/migrate"
	"gridgov/internal/audit"
)

// TestEveryAuditedRowHasAGrid fails when a table's rows would be recorded without a grid
// path although they belong to a grid: such entries reach only the administrators of the
// whole forest. A table either has its own path column, takes the path of a parent row
// (audit's parentPaths), or lies outside the tree.
func TestEveryAuditedRowHasAGrid(t *testing.T) {
	outsideTree := map[string]bool{
		"audit_entries": true, "calendar_days": true, "calendar_years": true, "event_categories": true, "event_tallies": true, "idempotency_keys": true, "import_jobs": true,
		"ledger_categories": true, "ledger_item_types": true, "sessions": true, "users": true, "visit_intervals": true,
	}
	throughParent := map[string]string{"event_actions": ent.TypeEventAction, "photos": ent.TypePhoto, "grid_boundaries": ent.TypeGridBoundary}
	for _, table := range migrate.Tables {
		has := slices.ContainsFunc(table.Columns, func(c *schema.Column) bool {
			return c.Name == "grid_path" || (table.Name == "grids" && c.Name == "path")
		})
		switch typ, parent := throughParent[table.Name]; {
		case has || outsideTree[table.Name]:
		case parent:
			if !slices.Contains(audit.ParentPathTypes(), typ) {
				t.Errorf("table %s: its entries need the grid path of their parent row (add %s to audit's parentPaths)", table.Name, typ)
			}
		default:
			t.Errorf("table %s has no grid path: add it to audit's parentPaths if its rows belong to a grid through a parent, or to outsideTree here", table.Name)
		}
	}
}
