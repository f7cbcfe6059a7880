package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"gridgov/internal/ledger"
	"gridgov/internal/store"
)

// catalogueCmd runs "gridgov catalogue load": it writes the starter ledger catalogue, changing
// types in place by code, so running it again is harmless.
func catalogueCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "load" {
		fmt.Fprint(stdout, "usage: gridgov catalogue load [--database-url URL]\n")
		return errors.New("catalogue: want the subcommand load")
	}
	fs := newFlagSet("catalogue load")
	dbURL := fs.databaseFlag()
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	c, err := ledger.Starter()
	if err != nil {
		return err
	}
	sum, err := ledger.LoadCatalogue(ctx, client, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ledger catalogue in %s: %d categories, %d item types\n", store.RedactURL(*dbURL), sum.Categories, sum.Types)
	return nil
}
