package main

import (
	"strings"
	"testing"

	"gridgov/ent/eventtally"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
)

// TestRollupVerifyRebuild checks that verify passes on a summary kept by the hooks, reports a
// damaged cell and a missing summary, and that rebuild repairs both.
func TestRollupVerifyRebuild(t *testing.T) {
	bothDBs(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, _, err := demo.LoadWithCases(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, "", "rollup", "verify", "--database-url", db.URL); !strings.Contains(out, "matches the cases") {
			t.Fatalf("verify on a fresh demo: %s", out)
		}

		damaged, err := db.Client.EventTally.Query().Where(eventtally.FoundGT(0)).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.EventTally.UpdateOne(damaged).AddFound(3).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		out, err := run(t, "", "rollup", "verify", "--database-url", db.URL)
		if err == nil || !strings.Contains(err.Error(), "differs from the cases in 1 cells") ||
			!strings.Contains(out, "found stored") {
			t.Fatalf("verify after damaging a cell: %v\n%s", err, out)
		}

		if out := mustRun(t, "", "rollup", "rebuild", "--database-url", db.URL); !strings.Contains(out, "rebuilt the rollup summary") {
			t.Fatalf("rebuild: %s", out)
		}
		if out := mustRun(t, "", "rollup", "verify", "--database-url", db.URL); !strings.Contains(out, "matches the cases") {
			t.Fatalf("verify after rebuild: %s", out)
		}

		// A summary of the older shape (cells for every grid on a case's path, day cells
		// below the root) is cut down to the current one when gridgov opens the database (the
		// PostgreSQL migration event_tallies_top_levels does it at upgrade, this covers SQLite).
		deep, err := db.Client.Grid.Query().Where(grid.ParentIDNotNil()).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		old := 0
		for _, g := range deep {
			if strings.Count(g.Path, "/") < 3 {
				continue
			}
			if err := db.Client.EventTally.Create().SetScopeID(g.ID).SetChildID(0).SetCategoryID(damaged.CategoryID).
				SetGrain("D").SetBucket("2026-03-02").SetFound(2).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			old++
		}
		if old < 2 {
			t.Fatalf("the demo has %d grids below the root", old)
		}
		if diffs, err := rollup.Verify(ctx, db.Client, nil); err != nil || len(diffs) != old {
			t.Fatalf("verify with %d cells of the older shape: %d differences, %v", old, len(diffs), err)
		}
		if out := mustRun(t, "", "rollup", "verify", "--database-url", db.URL); !strings.Contains(out, "matches the cases") ||
			!strings.Contains(out, "cells per case") {
			t.Fatalf("verify after opening a summary of the older shape: %s", out)
		}

		// A database whose summary is missing (cases loaded past the hooks, or from before the
		// summary existed) gets it when gridgov opens it.
		if _, err := db.Client.EventTally.Delete().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, "", "rollup", "verify", "--database-url", db.URL); !strings.Contains(out, "matches the cases") {
			t.Fatalf("verify after the summary was dropped: %s", out)
		}
	})
}
