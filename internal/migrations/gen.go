//go:build ignore

// Command gen writes a new PostgreSQL migration file into ent/migrate/migrations holding what
// the ent schema has and the existing files lack. Run it from the repository root after
// changing ent/schema and regenerating the ent code:
//
//	go run -mod=mod ./internal/migrations/gen.go NAME
//
// It needs a PostgreSQL server where it may create a throwaway database:
// $GRIDGOV_DEV_POSTGRES_URL, by default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"time"

	"gridgov/internal/migrations"
)

// dir is the migration directory, relative to the repository root.
const dir = "ent/migrate/migrations"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) != 1 || !regexp.MustCompile(`^[a-z0-9_]+$`).MatchString(args[0]) {
		return fmt.Errorf("usage: go run -mod=mod ./internal/migrations/gen.go NAME (lower case, digits and _, e.g. add_audit_log)")
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	devURL, drop, err := migrations.TempDatabase(ctx, migrations.DevURL())
	if err != nil {
		return fmt.Errorf("dev database on $GRIDGOV_DEV_POSTGRES_URL or %s: %w", migrations.DefaultDevURL, err)
	}
	name, err := migrations.Generate(ctx, devURL, dir, args[0])
	if derr := drop(context.WithoutCancel(ctx)); err == nil {
		err = derr
	}
	if err != nil {
		return err
	}
	if name == "" {
		fmt.Println("no changes: the migration files match the ent schema")
		return nil
	}
	fmt.Printf("wrote %s/%s and updated atlas.sum; review it and commit it with the schema change\n", dir, name)
	return nil
}
