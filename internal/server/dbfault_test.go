package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
)

// TestDatabaseFaults checks that the three ways the database can fail a request are told
// apart: a statement timeout is TIMEOUT with 504, a pool busy for the whole request is
// OVERLOADED with 503 and a longer Retry-After, a database that cannot be reached is
// DATABASE_UNAVAILABLE with 503 (the first two were DATABASE_UNAVAILABLE too); and that a
// public page answers 503 during an outage (it answered 500).
func TestDatabaseFaults(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	env := servertest.New(t, db)
	const read = `{ publicCard(gridCode: "410102001001001") { __typename } }`

	t.Run("statement timeout", func(t *testing.T) {
		t.Parallel()
		ps := newProxiedServer(t, db, env, proxiedConfig{requestTimeout: 10 * time.Second, query: "statement_timeout=300"})
		// A lock held elsewhere keeps the statement waiting until its timeout.
		release := lockTable(t, db.URL, "grids")
		defer release()
		checkFault(t, ps.lc.base, read, http.StatusGatewayTimeout, "TIMEOUT", "")
	})
	t.Run("pool exhausted", func(t *testing.T) {
		t.Parallel()
		ps := newProxiedServer(t, db, env, proxiedConfig{requestTimeout: 500 * time.Millisecond, opts: []store.Option{store.WithMaxOpenConns(1)}})
		conn, err := ps.pool.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		checkFault(t, ps.lc.base, read, http.StatusServiceUnavailable, "OVERLOADED", "30")
	})
	t.Run("database down", func(t *testing.T) {
		t.Parallel()
		ps := newProxiedServer(t, db, env, proxiedConfig{requestTimeout: 5 * time.Second})
		ps.proxy.Stop()
		checkFault(t, ps.lc.base, read, http.StatusServiceUnavailable, "DATABASE_UNAVAILABLE", "5")
		for _, page := range []string{"/cards/410102001001001", "/bulletin/410102001001001", "/report/410102001001001"} {
			resp, err := http.Get(ps.lc.base + page)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("GET %s during the outage = %d (Retry-After %q), want 503 with a Retry-After", page, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}
	})
}

// checkFault sends query to the server at base and checks the status, the code of every
// error and the Retry-After header.
func checkFault(t *testing.T, base, query string, status int, code, retryAfter string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r servertest.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status || !allEqual(r.Codes(), code) || resp.Header.Get("Retry-After") != retryAfter {
		t.Errorf("answered %d %v (Retry-After %q), want %d [%s] (Retry-After %q); errors %+v",
			resp.StatusCode, r.Codes(), resp.Header.Get("Retry-After"), status, code, retryAfter, r.Errors)
	}
}

// lockTable holds an exclusive lock on table, on a connection of its own, until release.
func lockTable(t *testing.T, url, table string) (release func()) {
	t.Helper()
	pool, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		_ = tx.Rollback()
		pool.Close()
	}
}
