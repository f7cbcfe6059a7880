package store_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/migrations"
	"gridgov/internal/migrations/migrationstest"
	"gridgov/internal/store"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestCheckSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client, db, err := store.Open(ctx, migrationstest.EmptyDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	files, err := migrations.Files()
	if err != nil {
		t.Fatal(err)
	}

	// Nothing applied: behind, with what is pending and what to run.
	err = store.CheckSchema(ctx, db, dialect.Postgres)
	if !errors.Is(err, store.ErrSchemaBehind) {
		t.Fatalf("CheckSchema on an empty database: %v, want ErrSchemaBehind", err)
	}
	for _, want := range []string{"database schema is behind: ", files[0].Version + "_" + files[0].Description, "pending", "run `gridgov migrate apply`"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckSchema error %q does not contain %q", err, want)
		}
	}

	// All applied: current, and ent finds nothing to change.
	if _, err := migrations.Apply(ctx, migrations.SQLConn(db), migrations.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckSchema(ctx, db, dialect.Postgres); err != nil {
		t.Errorf("CheckSchema after migrations.Apply: %v", err)
	}
	diff, err := migrations.DiffDatabase(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("ent's diff against the migrated database is not empty; generate the missing migration with go run -mod=mod ./internal/migrations/gen.go NAME:\n%s", diff)
	}

	// A migration from a newer gridgov is no reason to stop.
	if _, err := db.ExecContext(ctx, `INSERT INTO `+migrations.HistoryTable+` (version, description, hash) VALUES ('99990101000000', 'future', 'x')`); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckSchema(ctx, db, dialect.Postgres); err != nil {
		t.Errorf("CheckSchema with a newer migration applied: %v", err)
	}

	// An applied file that changed since.
	if _, err := db.ExecContext(ctx, `UPDATE `+migrations.HistoryTable+` SET hash = 'changed' WHERE version = $1`, files[0].Version); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckSchema(ctx, db, dialect.Postgres); !errors.Is(err, store.ErrSchemaModified) {
		t.Errorf("CheckSchema with a changed migration: %v, want ErrSchemaModified", err)
	}

	if err := store.CheckSchema(ctx, db, "mysql"); err == nil {
		t.Error("CheckSchema accepted an unknown dialect")
	}
}

// TestMigrate checks that Migrate leaves databases of both dialects current, as CheckSchema
// sees them: test databases (made by dbtest with Migrate) are shaped like production ones.
func TestMigrate(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		if err := store.CheckSchema(t.Context(), db.SQL, db.Dialect); err != nil {
			t.Errorf("CheckSchema on a migrated %s database: %v", db.Dialect, err)
		}
		// Migrating again changes nothing.
		if err := store.Migrate(t.Context(), db.Client); err != nil {
			t.Errorf("second Migrate: %v", err)
		}
	})
}

func TestMigrateEmptyPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client, db, err := store.Open(ctx, migrationstest.EmptyDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := store.Migrate(ctx, client); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckSchema(ctx, db, dialect.Postgres); err != nil {
		t.Errorf("CheckSchema after Migrate: %v", err)
	}
}
