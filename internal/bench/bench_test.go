package bench_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/internal/auth"
	"gridgov/internal/bench"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// demoServer serves the API over HTTP on the demo grid tree, cases and sign-ins (the daily
// work, which no scenario reads, is left out) and returns its GraphQL URL.
func demoServer(t *testing.T, db *dbtest.DB) string {
	t.Helper()
	loadDemo(t, db)
	srv := httptest.NewServer(servertest.New(t, db).Handler)
	t.Cleanup(srv.Close)
	return srv.URL + "/graphql"
}

// loadDemo loads the demo grid tree, cases and sign-ins, which the scenarios read.
func loadDemo(t *testing.T, db *dbtest.DB) {
	t.Helper()
	ctx := servertest.System()
	if _, err := demo.Load(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	if err := workflow.SeedCategories(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadEvents(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Accounts(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
}

// checkResult fails t unless res measured want requests without an error, with ordered
// percentiles.
func checkResult(t *testing.T, res *bench.Result, want int) {
	t.Helper()
	if res.Errors != 0 {
		t.Errorf("%s: %d errors, the first: %s", res.Name, res.Errors, res.FirstError)
	}
	if res.Requests != want || len(res.Latencies) != want {
		t.Errorf("%s: %d requests and %d samples, want %d", res.Name, res.Requests, len(res.Latencies), want)
	}
	p50, p90, p99, maxLat := res.Percentile(50), res.Percentile(90), res.Percentile(99), res.Max()
	if p50 <= 0 || p50 > p90 || p90 > p99 || p99 > maxLat {
		t.Errorf("%s: percentiles out of order: p50 %v, p90 %v, p99 %v, max %v", res.Name, p50, p90, p99, maxLat)
	}
	if res.Throughput() <= 0 {
		t.Errorf("%s: throughput %v, want more than 0", res.Name, res.Throughput())
	}
}

// TestBenchDemo runs every scenario against the real handler over HTTP, as the demo's
// district administrator and village official, and checks the figures and both tables.
func TestBenchDemo(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		url := demoServer(t, db)
		const n = 30
		rep, err := bench.Run(context.Background(), bench.Config{
			URL: url, Clients: 4, Requests: n,
			AdminUser: "district-admin", VillageUser: "village", Password: demo.AccountPassword,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != len(bench.Names()) {
			t.Errorf("%d results, want one per scenario (%d)", len(rep.Results), len(bench.Names()))
		}
		for _, name := range bench.Names() {
			res := rep.Result(name)
			if res == nil {
				t.Errorf("no result for scenario %s", name)
				continue
			}
			checkResult(t, res, n)
		}

		// Every report request filed a case of its own.
		filed, err := db.Client.Event.Query().Where(event.TitleHasPrefix(bench.ReportTitlePrefix)).Count(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		if filed != n {
			t.Errorf("the report scenario filed %d cases, want %d", filed, n)
		}
		// None of them in the village, whose "my events" list the bench measures.
		village, err := db.Client.Grid.Query().Where(grid.Code(demo.SanwangzhuangCode)).Only(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		inVillage, err := db.Client.Event.Query().
			Where(event.TitleHasPrefix(bench.ReportTitlePrefix), event.OriginPathHasPrefix(village.Path)).Count(servertest.System())
		if err != nil || inVillage != 0 {
			t.Errorf("the report scenario filed %d cases in the village (%v), want none", inVillage, err)
		}

		var text, md strings.Builder
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		for _, want := range append(bench.Names(), "p50 ms", "p99 ms", "req/s", "Authorization cost", "rollup month") {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text report lacks %q:\n%s", want, text.String())
			}
			if !strings.Contains(md.String(), want) {
				t.Errorf("Markdown report lacks %q:\n%s", want, md.String())
			}
		}
		if !strings.Contains(md.String(), "|---|--:|") {
			t.Errorf("Markdown report has no table:\n%s", md.String())
		}
	})
}

// TestBenchSuperuser: a system administrator's scope root is "/", with no grid; the rollups
// then run on the root of the tree. Also measures for a duration, with a warm-up.
func TestBenchSuperuser(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "sqlite")
	url := demoServer(t, db)
	const password = "superuser-password"
	if _, err := auth.CreateUser(servertest.System(), db.Client, auth.NewUser{Username: "root", Password: password, Superuser: true}); err != nil {
		t.Fatal(err)
	}
	rep, err := bench.Run(context.Background(), bench.Config{
		URL: url, Clients: 2, Duration: 50 * time.Millisecond, Warmup: 10 * time.Millisecond,
		AdminUser: "root", Password: password, Month: "2026-03",
		Scenarios: []string{bench.RollupYear, bench.AdminEvents},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, res := range rep.Results {
		got = append(got, res.Name)
		if res.Errors != 0 || res.Requests == 0 {
			t.Errorf("%s: %d requests, %d errors (first: %s), want some and none", res.Name, res.Requests, res.Errors, res.FirstError)
		}
		if res.Elapsed < 50*time.Millisecond {
			t.Errorf("%s: measured for %v, want at least the duration", res.Name, res.Elapsed)
		}
	}
	// Scenarios run in their fixed order, whatever the order asked for.
	if want := []string{bench.AdminEvents, bench.RollupYear}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ran %v, want %v", got, want)
	}
}

// TestBenchRefuses: bad settings and failed sign-ins are errors before anything is measured.
func TestBenchRefuses(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "sqlite")
	url := demoServer(t, db)
	good := bench.Config{URL: url, Clients: 1, Requests: 1, AdminUser: "district-admin", VillageUser: "village", Password: demo.AccountPassword}
	cases := []struct {
		name    string
		edit    func(c *bench.Config)
		wantErr string
	}{
		{"unknown scenario", func(c *bench.Config) { c.Scenarios = []string{"node", "nope"} }, `unknown scenario "nope"`},
		{"no clients", func(c *bench.Config) { c.Clients = 0 }, "clients"},
		{"no duration", func(c *bench.Config) { c.Requests = 0 }, "duration"},
		{"bad month", func(c *bench.Config) { c.Month = "March"; c.Scenarios = []string{bench.RollupMonth} }, "YYYY-MM"},
		{"wrong password", func(c *bench.Config) { c.Password = "wrong-password"; c.Scenarios = []string{bench.Node} }, "sign in as village"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			_, err := bench.Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Run = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}
