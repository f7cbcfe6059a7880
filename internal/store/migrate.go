package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/internal/migrations"
)

// ErrSchemaBehind means that a PostgreSQL database lacks migrations that this gridgov has.
var ErrSchemaBehind = errors.New("database schema is behind")

// ErrSchemaModified means that a PostgreSQL database had a migration applied whose file has
// changed since: its schema may not be what this gridgov's files describe.
var ErrSchemaModified = errors.New("database schema does not match the migration files")

// Migrate brings the schema of the database below client up to date: a SQLite database with
// ent's automatic migration (Schema.Create), a PostgreSQL database by applying the pending
// versioned migrations built into gridgov, as `gridgov migrate apply` does (see package
// gridgov/internal/migrations). A server on PostgreSQL should not migrate implicitly: it calls
// CheckSchema and leaves the migration to `gridgov migrate apply`.
func Migrate(ctx context.Context, client *ent.Client) error {
	var err error
	if client.Dialect() == dialect.SQLite {
		if err = migrations.AutoMigrate(ctx, client); err == nil {
			err = backfillSQLite(ctx, client)
		}
	} else {
		_, err = migrations.Apply(ctx, migrations.EntConn(client), migrations.ApplyOptions{})
	}
	if err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	return nil
}

// CheckSchema returns an error wrapping ErrSchemaBehind when the PostgreSQL database db lacks
// migrations that this gridgov has, and one wrapping ErrSchemaModified when a migration file
// changed after it was applied; the messages say what to run. It reads only (two small
// queries), so a readiness probe may call it. Migrations applied by a newer gridgov are no
// error: an older binary keeps working during a rolling upgrade. SQLite databases, which
// Migrate keeps up to date automatically, always pass. dialectName is dialect.Postgres or
// dialect.SQLite, as Dialect returns.
func CheckSchema(ctx context.Context, db *sql.DB, dialectName string) error {
	switch dialectName {
	case dialect.SQLite, "sqlite":
		return nil
	case dialect.Postgres:
	default:
		return fmt.Errorf("check database schema: unknown dialect %q", dialectName)
	}
	st, err := migrations.ReadStatus(ctx, migrations.SQLConn(db))
	if err != nil {
		return fmt.Errorf("check database schema: %w", err)
	}
	if m := st.Modified(); len(m) > 0 {
		return fmt.Errorf("%w: %s changed after it was applied (%s); the files of a released migration must never change: restore them, or repair the database by hand",
			ErrSchemaModified, plural(len(m), "migration"), versions(m))
	}
	if p := st.Pending(); len(p) > 0 {
		return fmt.Errorf("%w: %s pending (%s); run `gridgov migrate apply` with the same --database-url (GRIDGOV_DATABASE_URL)",
			ErrSchemaBehind, plural(len(p), "migration"), versions(p))
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// versions lists migrations by file name, at most five.
func versions(ms []migrations.Migration) string {
	const max = 5
	names := make([]string, 0, max+1)
	for i, m := range ms {
		if i == max {
			names = append(names, fmt.Sprintf("and %d more", len(ms)-max))
			break
		}
		name := m.Version
		if m.Description != "" {
			name += "_" + m.Description
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// backfillSQLite fills in what the PostgreSQL migrations backfill and ent's automatic
// migration cannot: the person and ledger entry codes of rows created before codes existed.
func backfillSQLite(ctx context.Context, client *ent.Client) error {
	if _, err := client.ExecContext(ctx, `UPDATE persons SET person_code = 'P' || id WHERE person_code IS NULL`); err != nil {
		return fmt.Errorf("backfill person codes: %w", err)
	}
	if _, err := client.ExecContext(ctx, `UPDATE ledger_entries SET entry_code = 'L' || id WHERE entry_code IS NULL`); err != nil {
		return fmt.Errorf("backfill ledger entry codes: %w", err)
	}
	return nil
}
