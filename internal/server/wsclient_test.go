package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent/assignment"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// TestGraphQLWSClient runs the graphql-ws npm client (testdata/wsclient, versions pinned in its
// package-lock.json; .ci/run installs them) against the server: it signs in through
// connection_init, subscribes, receives a report and a step taken through HTTP, and sees its
// socket closed with 4403 within a second of its role being ended. Skipped when node or the
// client's node_modules is missing (run npm ci in testdata/wsclient), unless
// GRIDGOV_REQUIRE_NODE is set, as in CI.
func TestGraphQLWSClient(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "wsclient")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "graphql-ws"))
	}
	if err != nil {
		if os.Getenv("GRIDGOV_REQUIRE_NODE") != "" {
			t.Fatalf("node or the graphql-ws client is missing (%v): run npm ci in %s", err, dir)
		}
		t.Skipf("node or the graphql-ws client is missing (%v): run npm ci in %s", err, dir)
	}
	db := dbtest.New(t, dialect.SQLite)
	env := servertest.New(t, db)
	ts := httptest.NewServer(env.Handler)
	defer ts.Close()
	if err := workflow.SeedCategories(servertest.System(), db.Client); err != nil {
		t.Fatal(err)
	}
	cat, err := db.Client.EventCategory.Query().FirstID(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	tr := newTree(t, db.Client)
	wang := mkPerson(t, db.Client, "王伟", tr.v1)
	role := mkAssignment(t, db.Client, wang, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)

	cmd := exec.Command(node, "client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GRIDGOV_URL="+ts.URL, "TOKEN="+env.TokenFor(t, wang.ID, false), "ADMIN_TOKEN="+env.TokenFor(t, 0, true),
		"GRID_ID="+strconv.Itoa(tr.g11.ID), "CATEGORY_ID="+strconv.Itoa(cat), "ASSIGNMENT_ID="+strconv.Itoa(role.ID))
	out, err := cmd.Output()
	var res struct {
		OK            bool
		Error         string
		Received      []string
		CloseCode     int
		ClosedAfterMs int
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		t.Fatalf("node client: %v %s %v", err, out, jerr)
	}
	if err != nil || !res.OK || res.ClosedAfterMs > 1000 {
		t.Fatalf("node client: %v: %s", err, out)
	}
	t.Logf("graphql-ws client: received %v, closed with %d %d ms after the role ended", res.Received, res.CloseCode, res.ClosedAfterMs)
}
