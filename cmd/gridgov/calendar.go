package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"gridgov/authz"
	"gridgov/internal/calendar"
	"gridgov/internal/store"
)

// calendarCmd is "gridgov calendar import FILE": it replaces the work calendar of the years in
// FILE (CSV date,working,name or a JSON array), all or nothing. Running processes reload it.
func calendarCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stdout, "usage: gridgov calendar import [--database-url URL] FILE\n")
		return errors.New("calendar: want the subcommand import")
	}
	fs := newFlagSet("calendar import")
	dbURL := fs.databaseFlag()
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("calendar import: want one FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("calendar import: %w", err)
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	// Whoever holds the database URL administers the whole tree.
	years, err := calendar.Import(authz.SystemContext(ctx, "calendar import from the command line"), client, data)
	if err != nil {
		return fmt.Errorf("calendar import %s: %w", fs.Arg(0), err)
	}
	for _, y := range years {
		fmt.Fprintf(stdout, "work calendar %d in %s: %d days, covered\n", y.Year, store.RedactURL(*dbURL), len(y.Days))
	}
	return nil
}
