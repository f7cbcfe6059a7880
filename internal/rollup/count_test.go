package rollup_test

import (
	"io/fs"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventtally"
	"gridgov/ent/grid"
	"gridgov/ent/migrate/migrations"
	"gridgov/ent/schema"
	"gridgov/internal/dbtest"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
)

// checkCounts compares CountCases with counts of the cases themselves: every status alone,
// the open ones, none, and every status at once, for the whole forest and for its root.
func checkCounts(t *testing.T, client *ent.Client) {
	t.Helper()
	ctx := servertest.System()
	root, err := client.Grid.Query().Where(grid.ParentIDIsNil()).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sets := [][]string{nil, {}, {"REPORTED", "REGISTERED", "DISPATCHED", "HANDLING"}, {"CLOSED_FIXED", "VOIDED"}}
	for _, s := range schema.EventStatuses {
		sets = append(sets, []string{s})
	}
	for _, statuses := range sets {
		q := client.Event.Query()
		if statuses != nil {
			in := make([]event.Status, len(statuses))
			for i, s := range statuses {
				in[i] = event.Status(s)
			}
			q.Where(event.StatusIn(in...))
		}
		want, err := q.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, roots := range [][]string{{"/"}, {root.Path}} {
			got, ok, err := rollup.CountCases(ctx, client, roots, statuses)
			if err != nil || !ok || got != want {
				t.Errorf("CountCases(%v, %v) = %d, %v, %v; the cases count %d", roots, statuses, got, ok, err, want)
			}
		}
	}
}

// TestCountCasesScope: only whole trees are counted from the summary; a district's cases, or
// a tree beside others, are left to a count of the cases.
func TestCountCasesScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		loadDemo(t, db)
		ctx := servertest.System()
		checkCounts(t, db.Client)
		child, err := db.Client.Grid.Query().Where(grid.HasParentWith(grid.ParentIDIsNil())).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := rollup.CountCases(ctx, db.Client, []string{child.Path}, nil); err != nil || ok {
			t.Errorf("CountCases of a root's child: ok %v, %v; want a count of the cases instead", ok, err)
		}
		if _, ok, err := rollup.CountCases(ctx, db.Client, nil, nil); err != nil || ok {
			t.Errorf("CountCases of no roots: ok %v, %v; want not ok", ok, err)
		}
		// A second tree with cases: the first tree's root alone no longer tells.
		root, err := db.Client.Grid.Query().Where(grid.ParentIDIsNil()).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.Client.Grid.Create().SetCode("999999").SetName("另一区").SetKind(grid.KindDISTRICT).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.Client.Event.Query().First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Event.Create().SetTrackingCode("T99999999999").SetSource(event.SourcePATROL).SetTitle("test").
			SetReportedAt(e.ReportedAt).SetStatus(event.StatusREPORTED).SetGridID(other.ID).SetOriginGridID(other.ID).
			SetOriginPath(other.Path).SetCategoryID(e.CategoryID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := rollup.CountCases(ctx, db.Client, []string{root.Path}, nil); err != nil || ok {
			t.Errorf("CountCases of one tree of two: ok %v, %v; want a count of the cases instead", ok, err)
		}
		want, err := db.Client.Event.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok, err := rollup.CountCases(ctx, db.Client, []string{"/"}, nil); err != nil || !ok || got != want {
			t.Errorf("CountCases of the forest = %d, %v, %v; want %d", got, ok, err, want)
		}
		if got, ok, err := rollup.CountCases(ctx, db.Client, []string{root.Path, other.Path}, nil); err != nil || !ok || got != want {
			t.Errorf("CountCases of both trees = %d, %v, %v; want %d", got, ok, err, want)
		}
	})
}

// TestStatusCellsMigration: the PostgreSQL migration that adds the status cells to a summary
// kept before them writes exactly the cells the hooks keep.
func TestStatusCellsMigration(t *testing.T) {
	db := dbtest.New(t, dialect.Postgres)
	loadDemo(t, db)
	ctx := servertest.System()
	before := tallyRows(t, db.Client)
	if _, err := db.Client.EventTally.Delete().Where(eventtally.Grain("S")).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	file, err := fs.ReadFile(migrations.FS, "20261203135000_event_tally_status_cells.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, string(file)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, tallyRows(t, db.Client)); diff != "" {
		t.Errorf("the migration's status cells differ from the hooks' (-hooks +migration):\n%s", diff)
	}
}
