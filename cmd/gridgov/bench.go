package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gridgov/internal/bench"
	"gridgov/internal/datagen"
)

// benchCmd measures a running server through its GraphQL API and prints a table of the
// figures; progress goes to standard error, so that standard output is only the table.
func benchCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("bench")
	url := fs.String("url", "GRIDGOV_BENCH_URL", "http://127.0.0.1:8080/graphql", "the GraphQL endpoint of the running server to measure")
	clients := fs.Int("clients", "GRIDGOV_BENCH_CLIENTS", 16, "concurrent clients, each sending its next request when the last is answered")
	duration := fs.Duration("duration", "GRIDGOV_BENCH_DURATION", 10*time.Second, "how long each scenario is measured")
	requests := fs.Int("requests", "GRIDGOV_BENCH_REQUESTS", 0, "measure this many requests per scenario instead of a duration (0: use --duration)")
	warmup := fs.Duration("warmup", "GRIDGOV_BENCH_WARMUP", 2*time.Second, "how long each scenario runs unmeasured first (0: no warm-up)")
	admin := fs.String("admin-user", "GRIDGOV_BENCH_ADMIN_USER", datagen.AdminUsername, "the unrestricted administrator's account")
	village := fs.String("village-user", "GRIDGOV_BENCH_VILLAGE_USER", datagen.VillageUsername, "the village official's account")
	password := fs.String("password", "GRIDGOV_BENCH_PASSWORD", datagen.DefaultPassword, "the password of both accounts")
	month := fs.String("month", "GRIDGOV_BENCH_MONTH", "", "the rollups' month, YYYY-MM (the year rollup ends with it; default: the month of the latest case)")
	scenarios := fs.String("scenarios", "GRIDGOV_BENCH_SCENARIOS", "", "comma-separated scenarios to run (default all): "+strings.Join(bench.Names(), ", "))
	markdown := fs.Bool("markdown", "GRIDGOV_BENCH_MARKDOWN", false, "print a Markdown table, for docs/benchmarks.md")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench takes no arguments, got %q", fs.Args())
	}
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
