package audit_test

import (
	"fmt"
	"testing"

	"gridgov/ent"
	"gridgov/ent/auditentry"
	"gridgov/ent/grid"
	_ "gridgov/ent/runtime" // the schemas' hooks, among them the audit hook
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestStatementsDoNotGrowWithRows updates 3 and then 30 rows in one statement each and counts
// what reaches the database: the audit log adds one query for the rows before the change and
// one INSERT at commit, whatever the number of rows; each row still gets its entry.
func TestStatementsDoNotGrowWithRows(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		client, n := dbtest.CountingClient(db)
		counts := map[int]int64{}
		for i, rows := range []int{3, 30} {
			code := fmt.Sprintf("41010%d", 2+i)
			root, err := db.Client.Grid.Create().SetCode(code).SetName("区" + code).SetKind(grid.KindDISTRICT).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for c := 1; c <= rows; c++ {
				if err := db.Client.Grid.Create().SetCode(fmt.Sprintf("%s%03d", code, c)).SetName(fmt.Sprintf("街道%d", c)).
					SetKind(grid.KindSUB_DISTRICT).SetParentID(root.ID).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			tx, err := client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n.Store(0)
			if err := tx.Grid.Update().Where(grid.ParentID(root.ID)).SetDuties("巡查").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			counts[rows] = n.Load()
			entries, err := db.Client.AuditEntry.Query().Where(auditentry.EntityType(ent.TypeGrid), auditentry.ActionEQ(auditentry.ActionUPDATE)).
				Where(auditentry.GridPathHasPrefix(root.Path)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != rows {
				t.Errorf("%d rows updated, %d entries", rows, len(entries))
			}
			for _, e := range entries {
				if e.Before["duties"] != "" || e.After["duties"] != "巡查" || len(e.After) != 1 {
					t.Errorf("entry %d: before %v after %v, want duties from \"\" to 巡查 only", e.ID, e.Before, e.After)
				}
			}
		}
		// The update itself, the rows before it, the entries' INSERT.
		if counts[3] != 3 || counts[30] != 3 {
			t.Errorf("statements for 3 rows: %d, for 30 rows: %d; want 3 each", counts[3], counts[30])
		}
	})
}

// TestRolledBackChangeLeavesNoEntry writes in a transaction that rolls back: neither the rows
// nor their entries remain; the same writes committed leave one entry per row.
func TestRolledBackChangeLeavesNoEntry(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		write := func(commit bool) {
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			root, err := tx.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Grid.UpdateOne(root).SetPopulation(100).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if commit {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			n, err := db.Client.AuditEntry.Query().Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		write(false)
		if n := count(); n != 0 {
			t.Errorf("a rolled-back transaction left %d entries", n)
		}
		write(true)
		if n := count(); n != 2 {
			t.Errorf("a committed create and update left %d entries, want 2", n)
		}
	})
}
