package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/internal/auth"
	"gridgov/internal/bench"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/server"
)

// maxStatements bounds the statements of one request of each scenario with its viewer cached
// (issue 15): a list costs its page, with its count when it has no cursor (COUNT(*) OVER ()), a
// node lookup its row, plus one batch per edge asked for (a case's category and grid). The
// viewer's session and grants come from the cache: no statement of theirs.
var maxStatements = map[string]int{
	bench.VillageEvents: 3, // the page with its count, categories, grids
	// The whole tree's open cases: the count from the summary's status cells (a few hundred,
	// where a count with the page would read every open case of a city), the page, categories,
	// grids.
	bench.AdminEvents: 4,
	bench.Node:        3, // the case, its category, its grid
	// The rollups: the grid, the summary, the grids and categories the rows name. The
	// report as it stands: its checks, inserts, summary and audit entry, and the NOTIFY that
	// tells every process's subscriptions (issue 19).
	bench.RollupMonth:  4,
	bench.RollupYear:   4,
	bench.RollupMatrix: 4,
	bench.ReportCase:   11,
}

// unneeded are columns that the case list and the case lookup do not show: a statement of
// theirs reading one of them reads whole rows instead of the fields asked for.
var unneeded = []string{`"events"."description"`, `"events"."photo_urls"`, `"events"."reporter_phone"`,
	`"grids"."duties"`, `"grids"."area_description"`}

// served is one GraphQL request the server answered, with its statements.
type served struct {
	operation, token, query string
	statements              []string
}

// recorder is a handler in front of the server that records each request's statements.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []served
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req struct {
		OperationName string `json:"operationName"`
		Query         string `json:"query"`
	}
	_ = json.Unmarshal(body, &req)
	ctx, st := dbtest.WithStatements(r.Context())
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.next.ServeHTTP(w, r)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.log = append(rec.log, served{operation: req.OperationName, token: r.Header.Get("Authorization"),
		query: req.Query, statements: st.List()})
}

// take returns the requests recorded since the last call.
func (rec *recorder) take() []served {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.log
	rec.log = nil
	return out
}

// TestStatementsPerRequest runs every bench scenario against the real handler on the demo
// data and counts the statements of each request with the viewer cached (every request of a
// session but its first): each scenario must stay within its bound in maxStatements. No
// statement but sign-in's reads password_hash, and none of the scenarios reads columns its
// response does not show.
func TestStatementsPerRequest(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		loadDemo(t, db)
		counted, _ := dbtest.CountingClient(db)
		enf, err := authz.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		// A cache of its own, not subscribed to the process's changes: the other tests of this
		// binary commit changes to their own databases, whose user ids may equal ours, and
		// would drop our viewers between requests. Nothing here changes a viewer's grants.
		rec := &recorder{next: server.New(server.Config{Client: counted, Enforcer: enf,
			Auth: auth.NewService(counted, enf, time.Hour), Viewers: authz.NewViewerCache(0)})}
		srv := httptest.NewServer(rec)
		t.Cleanup(srv.Close)

		operations := map[string]string{
			bench.VillageEvents: "BenchEvents", bench.AdminEvents: "BenchEvents",
			bench.RollupMonth: "BenchRollup", bench.RollupYear: "BenchRollup", bench.RollupMatrix: "BenchRollupMatrix",
			bench.Node: "BenchNode", bench.ReportCase: "BenchReport",
		}
		for _, name := range bench.Names() {
			bound, ok := maxStatements[name]
			if !ok {
				t.Errorf("scenario %s has no bound in maxStatements", name)
				continue
			}
			_, err := bench.Run(context.Background(), bench.Config{
				URL: srv.URL + "/graphql", Clients: 1, Requests: 4,
				AdminUser: "district-admin", VillageUser: "village", Password: demo.AccountPassword,
				Scenarios: []string{name},
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			seen := map[string]bool{}
			most, measured := 0, 0
			for _, r := range rec.take() {
				cold := !seen[r.token]
				seen[r.token] = true
				checkColumns(t, name, r)
				if r.operation != operations[name] || cold {
					continue
				}
				if measured++; measured == 1 {
					t.Logf("%s:\n%s", name, strings.Join(r.statements, "\n"))
				}
				if len(r.statements) > most {
					most = len(r.statements)
				}
				if len(r.statements) > bound {
					t.Errorf("%s: %d statements, want at most %d:\n%s", name, len(r.statements), bound, strings.Join(r.statements, "\n"))
				}
			}
			if measured == 0 {
				t.Errorf("%s: no request of operation %s measured with a cached viewer", name, operations[name])
			}
			t.Logf("%s: at most %d statements per request (bound %d) over %d requests", name, most, bound, measured)
		}
	})
}

// checkColumns fails t when a statement of r outside sign-in reads password_hash, or one of
// the case list's or lookup's reads a column they do not show.
func checkColumns(t *testing.T, scenario string, r served) {
	t.Helper()
	login := strings.Contains(r.query, "login(")
	for _, st := range r.statements {
		if !login && strings.Contains(st, "password_hash") {
			t.Errorf("%s: %s reads password_hash outside sign-in: %s", scenario, r.operation, st)
		}
		if r.operation != "BenchEvents" && r.operation != "BenchNode" {
			continue
		}
		for _, col := range unneeded {
			if strings.Contains(strings.ReplaceAll(st, "`", `"`), col) {
				t.Errorf("%s: %s reads %s, which no response shows: %s", scenario, r.operation, col, st)
			}
		}
	}
}

// TestPathPrefixPlannedWithIndex: on PostgreSQL the scope predicate of the "my events" page,
// grid_path LIKE $1 with the prefix as an argument, goes as an unnamed statement (in one round
// trip with binary_parameters), which PostgreSQL plans with the argument's value: the prefix
// becomes a range on the varchar_pattern_ops index. A cached generic plan, as a named
// prepared statement gets after five runs, cannot do that; the test shows both (with generic
// plans forced for the session, which an unnamed statement ignores). Sequential
// scans are off, so that the empty test table does not hide whether the index can be used.
func TestPathPrefixPlannedWithIndex(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "postgres")
	ctx := t.Context()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	explain := func(query string, args ...any) string {
		t.Helper()
		rows, err := conn.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(plan, "\n")
	}
	for _, set := range []string{"SET enable_seqscan = off", "SET plan_cache_mode = force_generic_plan",
		`PREPARE generic(text) AS SELECT "events"."id" FROM "events" WHERE "events"."grid_path" LIKE $1`} {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	const indexRange = `Index Cond: (((grid_path)::text ~>=~ '/1/4/'::text) AND ((grid_path)::text ~<~ '/1/40'::text))`
	if plan := explain(`EXPLAIN SELECT "events"."id" FROM "events" WHERE "events"."grid_path" LIKE $1`, "/1/4/%"); !strings.Contains(plan, indexRange) {
		t.Errorf("unnamed statement: the plan has no %s: the prefix was not planned as a value\n%s", indexRange, plan)
	} else {
		t.Logf("unnamed statement with the prefix as an argument:\n%s", plan)
	}
	if plan := explain(`EXPLAIN EXECUTE generic('/1/4/%')`); strings.Contains(plan, "~>=~") {
		t.Errorf("a generic plan has an index range, so this test cannot tell the two apart:\n%s", plan)
	} else {
		t.Logf("generic plan, for comparison:\n%s", plan)
	}
}
