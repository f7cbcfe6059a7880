package main

import (
	"strings"
	"testing"

	"gridgov/ent/eventtally"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
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
