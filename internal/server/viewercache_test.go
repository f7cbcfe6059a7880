package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent/assignment"
	"gridgov/ent/user"
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
		// Changes committed by the other tests of this process reach every cache of the
		// process (in production one process serves one database), so a pair of requests may
		// meet an invalidation between them: measure until one pair runs undisturbed.
		const typename = "{ __typename }"
		cold, warm := int64(-1), int64(-1)
		uid, err := db.Client.User.Query().Where(user.PersonID(wang.ID)).OnlyID(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		for try := 0; try < 20 && warm != 0; try++ {
			// A new session of the same user: nothing cached for it yet.
			if token, _, err = env.Auth.OpenSession(servertest.System(), uid, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			cold, warm = statements(typename), statements(typename)
		}
		if cold != 3 || warm != 0 {
			t.Errorf("first request after a change: %d statements, want 3 (session, user, assignments); the next: %d, want 0", cold, warm)
		}
		// A page of the viewer's cases with the viewer cached: the statements are the page's own.
		page := "{ events(first: 10) { totalCount edges { node { id } } } }"
		best := int64(1 << 30)
		for range 5 {
			best = min(best, statements(page))
		}
		if best > 2 {
			t.Errorf("my events page with a cached viewer: %d statements at best of 5, want at most 2 (count and page)", best)
		}
		t.Logf("cached viewer: my events page costs %d statements", best)

		// A change to the person's assignments drops the cached viewer.
		mkAssignment(t, db.Client, wang, tr.g21, assignment.RoleGRID_HEAD, time.Now().Add(-time.Minute), nil)
		if got := statements(typename); got != 3 {
			t.Errorf("first request after an assignment change: %d statements, want 3 (loaded again)", got)
		}
	})
}
