package main

import (
	"fmt"

	"gridgov/internal/ledger"
	"gridgov/internal/store"
)

// catalogueCmd is "gridgov catalogue load".
type catalogueCmd struct {
	DB dbFlag `embed:""`
}

// Run writes the starter ledger catalogue, changing types in place by code, so running it
// again is harmless.
func (c *catalogueCmd) Run(e *runEnv) error {
	client, err := openDatabase(e.ctx, c.DB.URL)
	if err != nil {
		return err
	}
	defer client.Close()
	cat, err := ledger.Starter()
	if err != nil {
		return err
	}
	sum, err := ledger.LoadCatalogue(e.ctx, client, cat)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ledger catalogue in %s: %d categories, %d item types\n", store.RedactURL(c.DB.URL), sum.Categories, sum.Types)
	return nil
}
