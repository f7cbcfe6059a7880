package main

import (
	"os"
	"strings"
	"time"

	"gridgov/internal/bench"
)

// benchCmd is "gridgov bench": it measures a running server through its GraphQL API and
// prints a table of the figures; progress goes to standard error, so that standard output is
// only the table.
type benchCmd struct {
	URL       string        `name:"url" env:"GRIDGOV_BENCH_URL" default:"http://127.0.0.1:8080/graphql" help:"the GraphQL endpoint of the running server to measure"`
	Clients   int           `name:"clients" env:"GRIDGOV_BENCH_CLIENTS" default:"16" help:"concurrent clients, each sending its next request when the last is answered"`
	Duration  time.Duration `name:"duration" env:"GRIDGOV_BENCH_DURATION" default:"10s" help:"how long each scenario is measured"`
	Requests  int           `name:"requests" env:"GRIDGOV_BENCH_REQUESTS" default:"0" help:"measure this many requests per scenario instead of a duration (0: use --duration)"`
	Warmup    time.Duration `name:"warmup" env:"GRIDGOV_BENCH_WARMUP" default:"2s" help:"how long each scenario runs unmeasured first (0: no warm-up)"`
	Admin     string        `name:"admin-user" env:"GRIDGOV_BENCH_ADMIN_USER" default:"${bench_admin}" help:"the unrestricted administrator's account"`
	Village   string        `name:"village-user" env:"GRIDGOV_BENCH_VILLAGE_USER" default:"${bench_village}" help:"the village official's account"`
	Password  string        `name:"password" env:"GRIDGOV_BENCH_PASSWORD" default:"${gen_password}" help:"the password of both accounts"`
	Month     string        `name:"month" env:"GRIDGOV_BENCH_MONTH" help:"the rollups' month, YYYY-MM (the year rollup ends with it; default: the month of the latest case)"`
	Scenarios string        `name:"scenarios" env:"GRIDGOV_BENCH_SCENARIOS" help:"comma-separated scenarios to run (default all): ${bench_scenario_list}"`
	Markdown  bool          `name:"markdown" env:"GRIDGOV_BENCH_MARKDOWN" help:"print a Markdown table, for docs/benchmarks.md"`
}

// Run measures the server.
func (c *benchCmd) Run(e *runEnv) error {
	ctx, stdout := e.ctx, e.stdout
	url, clients, duration, requests, warmup, admin, village, password, month, scenarios, markdown := &c.URL, &c.Clients, &c.Duration, &c.Requests, &c.Warmup, &c.Admin, &c.Village, &c.Password, &c.Month, &c.Scenarios, &c.Markdown
	var chosen []string
	if *scenarios != "" {
		chosen = strings.Split(*scenarios, ",")
	}
	rep, err := bench.Run(ctx, bench.Config{
		URL: *url, Clients: *clients, Duration: *duration, Requests: *requests, Warmup: *warmup,
		AdminUser: *admin, VillageUser: *village, Password: *password,
		Month: *month, Scenarios: chosen, Log: os.Stderr,
	})
	if err != nil {
		return err
	}
	if *markdown {
		return rep.WriteMarkdown(stdout)
	}
	return rep.WriteText(stdout)
}
