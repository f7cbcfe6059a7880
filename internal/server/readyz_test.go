package server_test

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestReadyAfterUnnoticedRestart breaks every idle connection of the pool while the server
// is idle (a restart of PostgreSQL it did not see) and checks that the first /readyz probe
// after the database is back passes: it failed once per broken connection.
func TestReadyAfterUnnoticedRestart(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	ps := newProxiedServer(t, db, servertest.New(t, db), proxiedConfig{requestTimeout: 5 * time.Second})
	fillPool(t, ps.pool, 6)
	if idle := ps.pool.Stats().Idle; idle < 6 {
		t.Fatalf("%d idle connections in the pool, want at least 6", idle)
	}
	ps.proxy.Stop()
	if err := ps.proxy.Start(); err != nil {
		t.Fatal(err)
	}
	if status := ps.lc.readyz(t); status != http.StatusOK {
		t.Errorf("first GET /readyz after the restart = %d, want 200", status)
	}
}

// fillPool opens n connections at once and returns them to the pool, idle.
func fillPool(t *testing.T, pool *sql.DB, n int) {
	t.Helper()
	var conns []*sql.Conn
	for range n {
		c, err := pool.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PingContext(context.Background()); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}
