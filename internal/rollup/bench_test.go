package rollup_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
)

// envBenchURL names a generated data set (gridgov gen --scale district) for the rollup
// benchmarks; without it they run on the demo data set in a fresh PostgreSQL database.
const envBenchURL = "GRIDGOV_ROLLUP_BENCH_URL"

// benchQuery is the long form of the year rollup by child grid then category, as the bench
// command's rollup-year scenario asks it.
const benchQuery = `query BenchRollup($g: ID!, $from: Time!, $to: Time!) {
  rollup(gridID: $g, from: $from, to: $to, groupBy: CHILD_GRID, thenBy: CATEGORY) {
    totals { found closed closureRate onTimeClosureRate reworkRate }
    rows { key label found registered due closed closedFixed closedNotFixed closedOnTime
      overdue reworked escalated voided closureRate onTimeClosureRate reworkRate }
  }
}`

// benchMatrixQuery is the compact form of the same rollup: the matrix of every indicator the
// long form asks for, with the row and column labels.
const benchMatrixQuery = `query BenchRollupMatrix($g: ID!, $from: Time!, $to: Time!) {
  rollup(gridID: $g, from: $from, to: $to, groupBy: CHILD_GRID, thenBy: CATEGORY) {
    totals { found closed closureRate onTimeClosureRate reworkRate }
    matrix { rowKeys rowLabels columnKeys columnLabels found registered due closed closedFixed
      closedNotFixed closedOnTime overdue reworked escalated voided }
  }
}`

// benchSetup is the data set of a rollup benchmark: the server, a token that sees the whole
// tree, and the year rollup of the root grid over the twelve months ending with the month of
// the latest case.
type benchSetup struct {
	env   *servertest.Env
	token string
	query rollup.Query
}

// newBenchSetup opens the data set named by GRIDGOV_ROLLUP_BENCH_URL (signing in as its
// gen-admin), or loads the demo into a fresh PostgreSQL database.
func newBenchSetup(b *testing.B) *benchSetup {
	b.Helper()
	var db *dbtest.DB
	if url := os.Getenv(envBenchURL); url != "" {
		client, sqlDB, err := store.Open(b.Context(), url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { client.Close() })
		db = &dbtest.DB{Client: client, SQL: sqlDB, Dialect: dialect.Postgres, URL: url}
	} else {
		db = dbtest.New(b, dialect.Postgres)
		if _, _, err := demo.LoadWithCases(servertest.System(), db.Client); err != nil {
			b.Fatal(err)
		}
	}
	env := servertest.New(b, db)
	var token string
	if os.Getenv(envBenchURL) != "" {
		token = env.Login(b, "gen-admin", "gridgov-bench")
	} else {
		token = env.TokenFor(b, 0, true)
	}
	ctx := servertest.System()
	root, err := db.Client.Grid.Query().Where(grid.ParentIDIsNil()).Order(grid.ByID()).First(ctx)
	if err != nil {
		b.Fatal(err)
	}
	latest, err := db.Client.Event.Query().Order(ent.Desc(event.FieldReportedAt)).First(ctx)
	if err != nil {
		b.Fatal(err)
	}
	l := latest.ReportedAt.In(cst)
	to := time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, cst)
	return &benchSetup{env: env, token: token, query: rollup.Query{
		GridID: root.ID, From: to.AddDate(-1, 0, 0), To: to, GroupBy: rollup.ChildGrid, ThenBy: rollup.Category,
	}}
}

// vars are the GraphQL variables of the setup's rollup.
func (s *benchSetup) vars() map[string]any {
	return map[string]any{"g": s.query.GridID, "from": s.query.From.Format(time.RFC3339), "to": s.query.To.Format(time.RFC3339)}
}

// measure runs op b.N times and reports the median time of one run in milliseconds, the
// figure the bench command reports for one client.
func measure(b *testing.B, op func() error) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkRollupYear measures the year rollup by child grid then category: rollup.Run alone,
// the GraphQL request with every indicator of every row, and the same counts as matrices.
func BenchmarkRollupYear(b *testing.B) {
	s := newBenchSetup(b)
	b.Run("run", func(b *testing.B) {
		ctx := servertest.System()
		measure(b, func() error {
			_, _, err := rollup.Run(ctx, s.env.Client, s.query)
			return err
		})
	})
	// A child of the root (a sub-district at district scale) has month cells only: its year
	// adds the open cases due earlier in the current month to the cells. A grandchild (a
	// village) has no cells: its year is one grouped query over its cases.
	ctx := servertest.System()
	parent := s.query.GridID
	for _, name := range []string{"run-child", "run-grandchild"} {
		g, err := s.env.Client.Grid.Query().Where(grid.ParentID(parent)).Order(grid.ByID()).First(ctx)
		if err != nil {
			b.Fatal(err)
		}
		parent = g.ID
		q := s.query
		q.GridID = g.ID
		b.Run(name, func(b *testing.B) {
			measure(b, func() error {
				_, _, err := rollup.Run(ctx, s.env.Client, q)
				return err
			})
		})
	}
	b.Run("graphql-rows", func(b *testing.B) {
		measure(b, func() error {
			if r := s.env.Do(b, s.token, benchQuery, s.vars()); len(r.Errors) > 0 {
				b.Fatalf("rollup: %v", r.Errors)
			}
			return nil
		})
	})
	b.Run("graphql-matrix", func(b *testing.B) {
		measure(b, func() error {
			if r := s.env.Do(b, s.token, benchMatrixQuery, s.vars()); len(r.Errors) > 0 {
				b.Fatalf("rollup: %v", r.Errors)
			}
			return nil
		})
	})
}
