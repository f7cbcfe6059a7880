package main

import (
	"fmt"

	"gridgov/internal/demo"
	"gridgov/internal/store"
)

// demoCmd is "gridgov demo".
type demoCmd struct {
	DB dbFlag `embed:""`
}

// Run loads the demo data set into the database.
func (c *demoCmd) Run(e *runEnv) error {
	client, err := openDatabase(e.ctx, c.DB.URL)
	if err != nil {
		return err
	}
	defer client.Close()
	all, err := demo.LoadAll(e.ctx, client)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo data in %s: %d grids, %d people, %d assignments, %d vehicles, %d cases, %d households\n",
		store.RedactURL(c.DB.URL), all.Grids, all.People, all.Assignments, all.Vehicles, all.Cases, all.Daily.Households)
	return nil
}
