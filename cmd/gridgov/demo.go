package main

import (
	"context"
	"fmt"
	"io"

	"gridgov/internal/demo"
	"gridgov/internal/store"
)

func demoCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("demo")
	dbURL := fs.databaseFlag()
	if err := fs.Parse(args); err != nil {
		return err
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	all, err := demo.LoadAll(ctx, client)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data in %s: %d grids, %d people, %d assignments, %d vehicles, %d cases, %d households\n",
		store.RedactURL(*dbURL), all.Grids, all.People, all.Assignments, all.Vehicles, all.Cases, all.Daily.Households)
	return nil
}
