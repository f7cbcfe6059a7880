package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent/assignment"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

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

		counted, n := dbtest.CountingClient(db)
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
