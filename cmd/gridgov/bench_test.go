package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
)

// TestBenchCommand runs gridgov bench against a demo server, with flags and their
// environment twins, and checks that --markdown prints only the table and its notes.
func TestBenchCommand(t *testing.T) {
	migrateMu.Lock()
	db := dbtest.New(t, dialect.SQLite)
	migrateMu.Unlock()
	if _, err := demo.LoadAll(servertest.System(), db.Client); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(servertest.New(t, db).Handler)
	t.Cleanup(srv.Close)
	t.Setenv("GRIDGOV_BENCH_VILLAGE_USER", "village")
	t.Setenv("GRIDGOV_BENCH_PASSWORD", demo.AccountPassword)
	t.Setenv("GRIDGOV_BENCH_REQUESTS", "5")

	out := mustRun(t, "", "bench", "--url", srv.URL+"/graphql", "--admin-user", "district-admin",
		"--clients", "2", "--warmup", "0", "--scenarios", "node,village-events", "--markdown")
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "| scenario | requests | errors | req/s | p50 ms") {
		t.Errorf("output does not start with the Markdown table:\n%s", out)
	}
	for _, want := range []string{"| `village-events`: ", "| `node`: ", "2 concurrent clients, 5 requests per scenario."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// node(id) ran 5 requests without errors: its row reads "| 5 | 0 |".
	for _, l := range lines {
		if strings.HasPrefix(l, "| `node`") && !strings.Contains(l, " | 5 | 0 | ") {
			t.Errorf("node row %q, want 5 requests and 0 errors", l)
		}
	}
	if strings.Contains(out, "admin-events") {
		t.Errorf("ran a scenario not chosen:\n%s", out)
	}
}
