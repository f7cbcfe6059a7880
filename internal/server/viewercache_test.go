package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// countingDriver counts the statements sent to the database, in and out of transactions.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	return countingTx{Tx: tx, n: d.n}, err
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, query, args, v)
}

// TestCachedViewerCostsNoStatement: the first request of a session loads its viewer (the
// session with its user, then the assignments); every later request of the session takes it
// from the cache and costs no statement for it, until a change drops it.
func TestCachedViewerCostsNoStatement(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		wang := mkPerson(t, db.Client, "王伟", tr.v1)
		mkAssignment(t, db.Client, wang, tr.g11, assignment.RoleGRID_HEAD, time.Now().Add(-time.Hour), nil)
		token := env.TokenFor(t, wang.ID, false)

		var n atomic.Int64
		counted := ent.NewClient(ent.Driver(countingDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL), n: &n}))
		enf, err := authz.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		h := server.New(server.Config{Client: counted, Enforcer: enf, Auth: auth.NewService(counted, enf, time.Hour)})
		statements := func(query string) int64 {
			t.Helper()
			before := n.Load()
			rec := send(h, http.MethodPost, "/graphql", map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"},
				`{"query": "`+query+`"}`)
			if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
				t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
			}
			return n.Load() - before
		}
		const typename = "{ __typename }"
		if got := statements(typename); got != 3 {
			t.Errorf("first request of the session: %d statements, want 3 (session, user, assignments)", got)
		}
		if got := statements(typename); got != 0 {
			t.Errorf("second request of the session: %d statements, want 0", got)
		}
		// A page of the viewer's cases: the statements are the page's own.
		page := "{ events(first: 10) { totalCount edges { node { id } } } }"
		first, again := statements(page), statements(page)
		if first != again {
			t.Errorf("the same page twice: %d then %d statements", first, again)
		}
		t.Logf("cached viewer: my events page costs %d statements", again)

		// A change to the person's assignments drops the cached viewer.
		mkAssignment(t, db.Client, wang, tr.g21, assignment.RoleGRID_HEAD, time.Now().Add(-time.Minute), nil)
		if got := statements(typename); got != 3 {
			t.Errorf("first request after an assignment change: %d statements, want 3 (loaded again)", got)
		}
	})
}
