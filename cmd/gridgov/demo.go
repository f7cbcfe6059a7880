package main

import (
	"context"
	"fmt"
	"io"

	"gridgov/internal/demo"
	"gridgov/internal/store"
	"gridgov/internal/workflow"
)

func demoCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("demo")
	dbURL := fs.databaseFlag()
	if err := fs.Parse(args); err != nil {
		return err
	}
	client, _, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := store.Migrate(ctx, client); err != nil {
		return err
	}
	if err := workflow.SeedCategories(ctx, client); err != nil {
		return err
	}
	sum, err := demo.Load(ctx, client)
	if err != nil {
		return err
	}
	cases, err := demo.LoadEvents(ctx, client)
	if err != nil {
		return err
	}
	daily, err := demo.LoadDailyWork(ctx, client)
	if err != nil {
		return err
	}
	if _, err := demo.Accounts(ctx, client); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data in %s: %d grids, %d people, %d assignments, %d vehicles, %d cases, %d households\n",
		store.RedactURL(*dbURL), sum.Grids, sum.People, sum.Assignments, sum.Vehicles, cases, daily.Households)
	return nil
}
