package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	entmigrate "gridgov/ent/migrate"
	"gridgov/internal/migrations"
	"gridgov/internal/migrations/migrationstest"
)

// TestMigrationsUpToDate fails when the ent schema has changes that no migration file holds.
func TestMigrationsUpToDate(t *testing.T) {
	t.Parallel()
	missing, err := migrations.Drift(t.Context(), migrationstest.EmptyDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	if missing != "" {
		t.Fatalf("the ent schema has changes that no migration file in ent/migrate/migrations holds; generate one, review it and commit it:\n\n"+
			"\tgo run -mod=mod ./internal/migrations/gen.go NAME\n\nIt would contain:\n%s", missing)
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	files, err := migrations.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no migration files built in")
	}
	for _, f := range files {
		if len(f.Stmts) == 0 {
			t.Errorf("%s has no statements", f.Name)
		}
	}
}

// TestApplyMatchesEnt applies every migration file to an empty database and checks that the
// result is what ent's automatic migration builds from the schema.
func TestApplyMatchesEnt(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	migrated := migrationstest.Open(t, migrationstest.EmptyDatabase(t))
	applied, err := migrations.Apply(ctx, migrations.SQLConn(migrated), migrations.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := migrations.Files()
	if len(applied) != len(files) {
		t.Errorf("applied %d migrations, want %d", len(applied), len(files))
	}

	// ent finds nothing to change in the migrated database.
	diff, err := migrations.DiffDatabase(ctx, migrated)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("ent's diff against the migrated database is not empty; the migration files miss (go run -mod=mod ./internal/migrations/gen.go NAME):\n%s", diff)
	}

	// The same schema as ent's Schema.Create builds, global id ranges included.
	created := migrationstest.Open(t, migrationstest.EmptyDatabase(t))
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, created)))
	if err := migrations.AutoMigrate(ctx, client); err != nil {
		t.Fatal(err)
	}
	want, got := inspect(t, created), inspect(t, migrated)
	drv, err := postgres.Open(created)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := drv.SchemaDiff(want, got)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) > 0 {
		plan, err := drv.PlanChanges(ctx, "diff", changes)
		if err != nil {
			t.Fatal(err)
		}
		var stmts []string
		for _, c := range plan.Changes {
			stmts = append(stmts, c.Cmd)
		}
		t.Errorf("the migrated schema differs from ent's Schema.Create; turning it into the migrated one takes:\n%s", strings.Join(stmts, "\n"))
	}
	if diff := cmp.Diff(identities(t, created), identities(t, migrated)); diff != "" {
		t.Errorf("identity columns differ (-Schema.Create +migrations):\n%s", diff)
	}
	for _, tbl := range entmigrate.Tables {
		if tbl.Annotation == nil || tbl.Annotation.IncrementStart == nil || *tbl.Annotation.IncrementStart == 0 {
			continue
		}
		if got, want := identities(t, migrated)[tbl.Name+".id"], *tbl.Annotation.IncrementStart; got != int64(want) {
			t.Errorf("%s.id starts at %d, want the global id range %d", tbl.Name, got, want)
		}
	}

	// Applying again changes nothing.
	again, err := migrations.Apply(ctx, migrations.SQLConn(migrated), migrations.ApplyOptions{})
	if err != nil || len(again) != 0 {
		t.Errorf("second Apply = %v, %v; want nothing applied", again, err)
	}
	st, err := migrations.ReadStatus(ctx, migrations.SQLConn(migrated))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Migrations {
		if m.State != migrations.Applied || m.AppliedAt.IsZero() {
			t.Errorf("migration %s is %s (applied at %v), want applied", m.Version, m.State, m.AppliedAt)
		}
	}
}

// inspect returns the current schema of db without the migration history table.
func inspect(t *testing.T, db *sql.DB) *atlasschema.Schema {
	t.Helper()
	drv, err := postgres.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := drv.InspectSchema(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	tables := s.Tables[:0]
	for _, tbl := range s.Tables {
		if tbl.Name != migrations.HistoryTable {
			tables = append(tables, tbl)
		}
	}
	s.Tables = tables
	return s
}

// identities returns the start values of db's identity columns by table.column.
func identities(t *testing.T, db *sql.DB) map[string]int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `
		SELECT table_name || '.' || column_name, identity_start::bigint
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]int64{}
	for rows.Next() {
		var col string
		var start int64
		if err := rows.Scan(&col, &start); err != nil {
			t.Fatal(err)
		}
		ids[col] = start
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestReadStatusEmpty(t *testing.T) {
	t.Parallel()
	db := migrationstest.Open(t, migrationstest.EmptyDatabase(t))
	st, err := migrations.ReadStatus(t.Context(), migrations.SQLConn(db))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := migrations.Files()
	if got := len(st.Pending()); got != len(files) || got == 0 {
		t.Errorf("%d pending on an empty database, want all %d", got, len(files))
	}
	// Reading created nothing.
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("ReadStatus created %d tables", n)
	}
}

// TestApplyRefusesAutoMigrated checks that a database built by ent's automatic migration is
// not migrated over, and can be baselined.
func TestApplyRefusesAutoMigrated(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := migrationstest.Open(t, migrationstest.EmptyDatabase(t))
	if err := migrations.AutoMigrate(ctx, ent.NewClient(ent.Driver(entsql.OpenDB(dialect.Postgres, db)))); err != nil {
		t.Fatal(err)
	}
	_, err := migrations.Apply(ctx, migrations.SQLConn(db), migrations.ApplyOptions{})
	if !errors.Is(err, migrations.ErrNotVersioned) || !strings.Contains(err.Error(), "--baseline") {
		t.Fatalf("Apply on an automatically migrated database: %v, want ErrNotVersioned with a --baseline hint", err)
	}
	files, _ := migrations.Files()
	last := files[len(files)-1].Version
	applied, err := migrations.Apply(ctx, migrations.SQLConn(db), migrations.ApplyOptions{Baseline: last})
	if err != nil || len(applied) != 0 {
		t.Fatalf("Apply with baseline %s = %v, %v; want nothing run", last, applied, err)
	}
	st, err := migrations.ReadStatus(ctx, migrations.SQLConn(db))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Migrations {
		if m.State != migrations.Baseline {
			t.Errorf("migration %s is %s, want baseline", m.Version, m.State)
		}
	}
	if _, err := migrations.Apply(ctx, migrations.SQLConn(db), migrations.ApplyOptions{Baseline: last}); err == nil {
		t.Error("a second baseline succeeded")
	}
}

// TestConcurrentApply starts several Apply calls on one empty database at once, as several
// API processes starting together would.
func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := migrationstest.Open(t, migrationstest.EmptyDatabase(t))
	const n = 4
	errs := make(chan error, n)
	total := make(chan int, n)
	for range n {
		go func() {
			applied, err := migrations.Apply(ctx, migrations.SQLConn(db), migrations.ApplyOptions{})
			errs <- err
			total <- len(applied)
		}()
	}
	sum := 0
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		sum += <-total
	}
	files, _ := migrations.Files()
	if sum != len(files) {
		t.Errorf("%d concurrent Apply calls applied %d migrations together, want %d", n, sum, len(files))
	}
}

func TestDriftOnChangedSchema(t *testing.T) {
	t.Parallel()
	// DiffDatabase sees what a database lacks: here, one index dropped after migrating.
	ctx := context.Background()
	db := migrationstest.Open(t, migrationstest.EmptyDatabase(t))
	if _, err := migrations.Apply(ctx, migrations.SQLConn(db), migrations.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DROP INDEX grid_path_prefix`); err != nil {
		t.Fatal(err)
	}
	diff, err := migrations.DiffDatabase(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diff, `CREATE INDEX "grid_path_prefix"`) {
		t.Errorf("DiffDatabase after dropping an index = %q, want it created again", diff)
	}
}
