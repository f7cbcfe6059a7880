// Package migrationstest gives tests empty PostgreSQL databases, to apply migrations to.
//
// It follows internal/dbtest's conventions: the server is $GRIDGOV_TEST_POSTGRES_URL (default
// dbtest.DefaultPostgresURL); when it is not reachable the test is skipped, unless
// GRIDGOV_REQUIRE_POSTGRES=1 makes it fail. Databases are named like dbtest's, so that dbtest
// removes those a killed test left behind.
package migrationstest

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/lib/pq"

	"gridgov/internal/migrations"
)

// ServerURL returns the PostgreSQL server the tests use.
func ServerURL() string {
	if u := os.Getenv("GRIDGOV_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return migrations.DefaultDevURL
}

// EmptyDatabase creates an empty PostgreSQL database, dropped when t ends, and returns its URL.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	url, drop, err := migrations.TempDatabase(ctx, ServerURL())
	if err != nil {
		if os.Getenv("GRIDGOV_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL at $GRIDGOV_TEST_POSTGRES_URL or %s: %v (GRIDGOV_REQUIRE_POSTGRES=1)", migrations.DefaultDevURL, err)
		}
		t.Skipf("PostgreSQL not reachable at $GRIDGOV_TEST_POSTGRES_URL or %s: %v", migrations.DefaultDevURL, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Errorf("migrationstest: %v", err)
		}
	})
	return url
}

// Open opens url with lib/pq and closes it when t ends.
func Open(t testing.TB, url string) *sql.DB {
	t.Helper()
	connector, err := pq.NewConnector(url)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return db
}
