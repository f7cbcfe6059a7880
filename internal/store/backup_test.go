package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/authz"
	_ "gridgov/ent/runtime" // the schemas' defaults and hooks
	"gridgov/internal/store"
)

func TestBackupSQLite(t *testing.T) {
	t.Parallel()
	ctx := authz.SystemContext(context.Background(), "test")
	dir := t.TempDir()
	client, db, err := store.Open(ctx, filepath.Join(dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := store.Migrate(ctx, client); err != nil {
		t.Fatal(err)
	}
	client.User.Create().SetUsername("backup-check").SetPasswordHash("x").SaveX(ctx)

	dest := filepath.Join(dir, "backup.db")
	if err := store.Backup(ctx, db, dialect.SQLite, dest); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	// A write after the backup must not reach it: the copy is a snapshot.
	client.User.Create().SetUsername("after-backup").SetPasswordHash("x").SaveX(ctx)

	copyClient, copyDB, err := store.Open(ctx, dest)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer copyClient.Close()
	if err := store.CheckSchema(ctx, copyDB, dialect.SQLite); err != nil {
		t.Fatalf("the backup's schema: %v", err)
	}
	names := copyClient.User.Query().Select("username").StringsX(ctx)
	if len(names) != 1 || names[0] != "backup-check" {
		t.Fatalf("users in the backup = %v, want [backup-check]", names)
	}

	if err := store.Backup(ctx, db, dialect.SQLite, dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second backup to the same file: err = %v, want an 'already exists' refusal", err)
	}
	if err := store.Backup(ctx, db, dialect.Postgres, filepath.Join(dir, "pg.db")); !errors.Is(err, store.ErrBackupPostgres) {
		t.Fatalf("PostgreSQL backup: err = %v, want store.ErrBackupPostgres", err)
	}
}

func TestCheckScheme(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"postgres://h/db", "POSTGRESQL://h/db", "sqlite:///var/x.db", "sqlite3://x.db",
		"gridgov.db", "./data/x.db", ":memory:", "file:x.db?mode=rwc", "/var/lib/gridgov/x.db?_pragma=a(1)"} {
		if err := store.CheckScheme(ok); err != nil {
			t.Errorf("CheckScheme(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"mysql://root@localhost/gridgov", "http://x/y", "mssql://h/db", " redis://h "} {
		err := store.CheckScheme(bad)
		if err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("CheckScheme(%q) = %v, want a 'not supported' error", bad, err)
		}
	}
	if _, _, err := store.Open(context.Background(), "mysql://root@localhost/gridgov"); err == nil {
		t.Fatal("Open accepted a mysql:// URL")
	}
}
