package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/internal/migrations"
	"gridgov/internal/store"
)

// migrateStatusCmd is "gridgov migrate status".
type migrateStatusCmd struct {
	DB dbFlag `embed:""`
}

// migrateApplyCmd is "gridgov migrate apply".
type migrateApplyCmd struct {
	DB       dbFlag `embed:""`
	Baseline string `name:"baseline" placeholder:"VERSION" help:"record the migrations up to this version as applied without running them, then apply the rest; for a database without migration history whose tables an earlier gridgov created automatically"`
}

// Run runs migrate status.
func (c *migrateStatusCmd) Run(e *runEnv) error {
	return runMigrate(e.ctx, "status", c.DB.URL, "", e.stdout)
}

// Run runs migrate apply.
func (c *migrateApplyCmd) Run(e *runEnv) error {
	return runMigrate(e.ctx, "apply", c.DB.URL, c.Baseline, e.stdout)
}

// runMigrate runs "gridgov migrate status|apply": the versioned migrations of a PostgreSQL
// database. SQLite databases migrate automatically when gridgov opens them.
func runMigrate(ctx context.Context, verb, url, baseline string, stdout io.Writer) error {
	dbURL := &url
	where := store.RedactURL(*dbURL)
	sqlite := store.Dialect(*dbURL) != dialect.Postgres
	if sqlite && verb == "status" {
		// Not opened: opening would create the file.
		fmt.Fprintf(stdout, "%s is a SQLite database: gridgov migrates SQLite automatically (ent's Schema.Create) whenever it opens it; versioned migrations are for PostgreSQL\n", where)
		return nil
	}
	if sqlite && baseline != "" {
		return errors.New("--baseline is for PostgreSQL databases")
	}
	client, db, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()

	if sqlite {
		if err := store.Migrate(ctx, client); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is a SQLite database: migrated automatically (ent's Schema.Create); versioned migrations are for PostgreSQL\n", where)
		return nil
	}

	conn := migrations.SQLConn(db)
	if verb == "apply" {
		applied, err := migrations.Apply(ctx, conn, migrations.ApplyOptions{
			Baseline: baseline,
			Applied: func(m migrations.Migration, stmts int, took time.Duration) {
				fmt.Fprintf(stdout, "applied %s_%s (%d statements, %s)\n", m.Version, m.Description, stmts, took.Round(time.Millisecond))
			},
		})
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if len(applied) == 0 && baseline == "" {
			fmt.Fprintf(stdout, "%s: schema is up to date, no migration pending\n", where)
			return nil
		}
	}
	st, err := migrations.ReadStatus(ctx, conn)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	printStatus(stdout, where, st)
	return nil
}

// printStatus writes a table of the migrations and a summary line.
func printStatus(w io.Writer, where string, st *migrations.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tDESCRIPTION\tSTATE\tAPPLIED AT")
	for _, m := range st.Migrations {
		at := ""
		if !m.AppliedAt.IsZero() {
			at = m.AppliedAt.UTC().Format(time.DateTime + " MST")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Version, m.Description, m.State, at)
	}
	tw.Flush()
	pending, modified, unknown := len(st.Pending()), len(st.Modified()), len(st.Unknown())
	switch {
	case modified > 0:
		fmt.Fprintf(w, "%s: %s changed after being applied; the files of a released migration must never change\n", where, countMigrations(modified))
	case pending > 0:
		fmt.Fprintf(w, "%s: %s pending; run `gridgov migrate apply`\n", where, countMigrations(pending))
	default:
		fmt.Fprintf(w, "%s: schema is up to date\n", where)
	}
	if unknown > 0 {
		fmt.Fprintf(w, "%s: %s applied by a newer gridgov, unknown to this one\n", where, countMigrations(unknown))
	}
}

// countMigrations says "1 migration" or "N migrations".
func countMigrations(n int) string {
	if n == 1 {
		return "1 migration"
	}
	return fmt.Sprintf("%d migrations", n)
}
