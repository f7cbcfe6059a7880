package dbtest_test

import (
	"context"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/privacy"
	_ "gridgov/ent/runtime" // schema defaults, hooks and policies
	"gridgov/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func countGrids(ctx context.Context, t *testing.T, client *ent.Client) int {
	t.Helper()
	n, err := client.Grid.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIsolated(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		// Tests of the database layer itself bypass the privacy policies; see authz for those.
		ctx := privacy.DecisionContext(t.Context(), privacy.Allow)
		other := dbtest.New(t, db.Dialect)
		if db.URL == other.URL {
			t.Fatalf("two databases share the URL %s", db.URL)
		}

		if _, err := db.Client.Grid.Create().
			SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).SetLevel(0).SetPath("/1/").
			Save(ctx); err != nil {
			t.Fatalf("create grid: %v", err)
		}
		if got := countGrids(ctx, t, db.Client); got != 1 {
			t.Errorf("database written to has %d grids, want 1", got)
		}
		if got := countGrids(ctx, t, other.Client); got != 0 {
			t.Errorf("other database has %d grids, want 0", got)
		}

		// The same with raw SQL, which no hook or policy can get in the way of.
		if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE probe (x int)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL.ExecContext(ctx, "INSERT INTO probe (x) VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		if _, err := other.SQL.ExecContext(ctx, "SELECT x FROM probe"); err == nil {
			t.Error("table created in one database is visible in the other")
		}
	})
}

func TestMigrated(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := t.Context()
		var query string
		switch db.Dialect {
		case dialect.SQLite:
			query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('grids', 'assignments', 'persons', 'users')"
		case dialect.Postgres:
			query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('grids', 'assignments', 'persons', 'users')"
		default:
			t.Fatalf("unexpected dialect %q", db.Dialect)
		}
		var n int
		if err := db.SQL.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("%d of 4 tables exist", n)
		}
		// Foreign keys are declared and, on SQLite, switched on.
		switch db.Dialect {
		case dialect.SQLite:
			query = "SELECT count(*) FROM pragma_foreign_key_list('grids')"
		case dialect.Postgres:
			query = "SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'grids' AND constraint_type = 'FOREIGN KEY'"
		}
		if err := db.SQL.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Error("grids has no foreign keys")
		}
		if db.Dialect == dialect.SQLite {
			if err := db.SQL.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Error("foreign keys are off")
			}
		}
	})
}

// TestManyParallel creates databases concurrently, as a package full of parallel tests does.
func TestManyParallel(t *testing.T) {
	t.Parallel()
	for i := range 8 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
				if err := db.SQL.PingContext(t.Context()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkNew(b *testing.B) {
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		b.Run(d, func(b *testing.B) {
			dbtest.New(b, d) // the template is made once, outside the measurement
			b.ResetTimer()
			for b.Loop() {
				dbtest.New(b, d)
			}
		})
	}
}
