package main

import (
	"context"
	"log/slog"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/rollup"
	"gridgov/internal/store"
	"gridgov/internal/workflow"
)

// openDatabase opens the database at url, brings its schema up to date and seeds the case
// taxonomy if it is empty. The caller closes the client.
func openDatabase(ctx context.Context, url string) (*ent.Client, error) {
	client, _, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	if err := workflow.SeedCategories(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	if rebuilt, err := rollup.EnsureSummary(authz.SystemContext(ctx, "build a missing rollup summary"), client); err != nil {
		client.Close()
		return nil, err
	} else if rebuilt {
		slog.Info("built the rollup summary from the existing cases")
	}
	return client, nil
}
