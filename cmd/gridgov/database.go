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

// openDatabase opens the database at url, brings its schema up to date and prepares it
// (prepareDatabase). The caller closes the client.
func openDatabase(ctx context.Context, url string) (*ent.Client, error) {
	client, _, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	if err := prepareDatabase(ctx, client); err != nil {
		client.Close()
		return nil, err
	}
	return client, nil
}

// prepareDatabase seeds the case taxonomy if it is empty and builds the rollup summary if the
// database has cases but no summary (they predate it, or were loaded past the hooks). Every
// command that opens a database runs it, serve included.
func prepareDatabase(ctx context.Context, client *ent.Client) error {
	if err := workflow.SeedCategories(ctx, client); err != nil {
		return err
	}
	rebuilt, err := rollup.EnsureSummary(authz.SystemContext(ctx, "build a missing rollup summary"), client)
	if rebuilt {
		slog.Info("built the rollup summary from the existing cases")
	}
	return err
}
