package gridtree

import (
	"testing"

	"gridgov/ent/auditentry"
	"gridgov/ent/grid"
	"gridgov/ent/migrate"
)

// TestEveryPathCopyMoves fails when a table copies a grid path (a grid_path or origin_path
// column) but Move does not rewrite it: such rows would stay scoped to the old place.
func TestEveryPathCopyMoves(t *testing.T) {
	for _, table := range migrate.Tables {
		// The audit log keeps where a row was when it changed; its entries are never rewritten.
		if table.Name == grid.Table || table.Name == auditentry.Table {
			continue
		}
		for _, col := range table.Columns {
			if col.Name != "grid_path" && col.Name != "origin_path" {
				continue
			}
			if _, ok := pathCopies[table.Name]; !ok {
				t.Errorf("table %s has %s but Move does not rewrite it: add it to pathCopies", table.Name, col.Name)
			}
		}
	}
}
