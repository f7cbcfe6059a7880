package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// scenario is one measured request shape.
type scenario struct {
	name  string
	title string
	// prepare runs once, before any clock starts, and returns what the workers send.
	prepare func(ctx context.Context, s *setup) (*workload, error)
}

// workload is what a scenario's workers send: build returns the i-th request (i counts from 0
// over the warm-up and the measurement, so that every request can differ) and must be safe
// for concurrent use; check, if set, inspects the data of a response without GraphQL errors.
type workload struct {
	build func(i int) request
	check func(data json.RawMessage) error
}

// The scenarios' names, as --scenarios takes them.
const (
	VillageEvents = "village-events"
	AdminEvents   = "admin-events"
	RollupMonth   = "rollup-month"
	RollupYear    = "rollup-year"
	RollupMatrix  = "rollup-year-matrix"
	Node          = "node"
	ReportCase    = "report"
)

// scenarios are all scenarios, in the order they run: reads before the writes of report.
var scenarios = []scenario{
	{VillageEvents, "village official's events: first 50, open statuses, newest first", villageEvents},
	{AdminEvents, "the same list as the unrestricted administrator", adminEvents},
	{RollupMonth, "district rollup, child grid × category, one month", rollupScenario(false)},
	{RollupYear, "district rollup, child grid × category, one year", rollupScenario(true)},
	{RollupMatrix, "the same year's counts as matrices", matrixScenario},
	{Node, "node(id) of a case the village official sees", nodeScenario},
	{ReportCase, "an administrator reports a new case, outside the village's subtree", reportScenario},
}

// Names returns the names of all scenarios in the order they run.
func Names() []string {
	out := make([]string, len(scenarios))
	for i, sc := range scenarios {
		out[i] = sc.name
	}
	return out
}

// eventsQuery is the "my events" page: the first 50 cases in some statuses, newest first,
// with what a list shows of each and the total for the pager.
const eventsQuery = `query BenchEvents($status: [EventStatus!]) {
  events(first: 50, where: {statusIn: $status}, orderBy: {field: REPORTED_AT, direction: DESC}) {
    totalCount
    edges { node { id title status statusLabel reportedAt deadline slaLight overdue
      category { name } grid { name } } }
  }
}`

// openStatuses are the statuses of the "my events" page: the cases still to act on.
var openStatuses = []string{"REPORTED", "REGISTERED", "DISPATCHED", "HANDLING"}

func eventsWorkload(token string) *workload {
	r := request{token: token, operation: "BenchEvents", query: eventsQuery, vars: map[string]any{"status": openStatuses}}
	return &workload{build: func(int) request { return r }}
}

func villageEvents(ctx context.Context, s *setup) (*workload, error) {
	v, err := s.village(ctx)
	if err != nil {
		return nil, err
	}
	return eventsWorkload(v.token), nil
}

func adminEvents(ctx context.Context, s *setup) (*workload, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return nil, err
	}
	return eventsWorkload(a.token), nil
}

// rollupQuery is the district rollup by child grid and then category. The thenBy argument is
// new in the rollup API; against a server without it the rollup scenarios drop it (thenByArg)
// and group by child grid only, saying so.
const rollupQuery = `query BenchRollup($g: ID!, $from: Time!, $to: Time!) {
  rollup(gridID: $g, from: $from, to: $to, groupBy: CHILD_GRID, thenBy: CATEGORY) {
    totals { found closed closureRate onTimeClosureRate reworkRate }
    rows { key label found registered due closed closedFixed closedNotFixed closedOnTime
      overdue reworked escalated voided closureRate onTimeClosureRate reworkRate }
  }
}`

// thenByArg is the part of rollupQuery that a server without thenBy refuses.
const thenByArg = ", thenBy: CATEGORY"

// rollupScenario returns the rollup scenario over the month of the rollups or, with year,
// over the twelve months ending with it.
func rollupScenario(year bool) func(ctx context.Context, s *setup) (*workload, error) {
	return func(ctx context.Context, s *setup) (*workload, error) {
		a, err := s.admin(ctx)
		if err != nil {
			return nil, err
		}
		month, err := s.month(ctx)
		if err != nil {
			return nil, err
		}
		from, to := month, month.AddDate(0, 1, 0)
		if year {
			from = month.AddDate(0, -11, 0)
		}
		q, err := s.rollupQuery(ctx, a)
		if err != nil {
			return nil, err
		}
		r := request{token: a.token, operation: "BenchRollup", query: q, vars: map[string]any{
			"g": a.root, "from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339),
		}}
		return &workload{build: func(int) request { return r }}, nil
	}
}

// rollupMatrixQuery is the year rollup of rollupQuery answered as matrices: every indicator's
// 255 counts as lists of integers, the form a dashboard's table asks for.
const rollupMatrixQuery = `query BenchRollupMatrix($g: ID!, $from: Time!, $to: Time!) {
  rollup(gridID: $g, from: $from, to: $to, groupBy: CHILD_GRID, thenBy: CATEGORY) {
    totals { found closed closureRate onTimeClosureRate reworkRate }
    matrix { rowKeys rowLabels columnKeys columnLabels found registered due closed closedFixed
      closedNotFixed closedOnTime overdue reworked escalated voided }
  }
}`

// matrixScenario is the year rollup as matrices; a server without thenBy or matrix cannot
// run it.
func matrixScenario(ctx context.Context, s *setup) (*workload, error) {
	w, err := rollupScenario(true)(ctx, s)
	if err != nil {
		return nil, err
	}
	r := w.build(0)
	if !strings.Contains(r.query, thenByArg) {
		return nil, errors.New("the server's rollup has no thenBy argument, so no matrix either")
	}
	r.operation, r.query = "BenchRollupMatrix", rollupMatrixQuery
	return &workload{build: func(int) request { return r }}, nil
}

// nodeQuery fetches a case by its global id, as a detail page opens.
const nodeQuery = `query BenchNode($id: ID!) {
  node(id: $id) { id ... on Event { title status statusLabel version reportedAt deadline
    category { name } grid { name } } }
}`

func nodeScenario(ctx context.Context, s *setup) (*workload, error) {
	v, seen, err := s.villageCases(ctx)
	if err != nil {
		return nil, err
	}
	if len(seen.ids) == 0 {
		return nil, fmt.Errorf("the village official %s sees no cases: there is nothing to look up", s.cfg.VillageUser)
	}
	ids := seen.ids
	return &workload{
		build: func(i int) request {
			return request{token: v.token, operation: "BenchNode", query: nodeQuery, vars: map[string]any{"id": ids[i%len(ids)]}}
		},
		check: func(data json.RawMessage) error {
			var out struct{ Node *struct{ ID string } }
			if err := json.Unmarshal(data, &out); err != nil {
				return err
			}
			if out.Node == nil {
				return errors.New("node is null for a case the village official saw")
			}
			return nil
		},
	}, nil
}

// reportMutation files a new case, as the "report" button does.
const reportMutation = `mutation BenchReport($input: ReportEventInput!) {
  reportEvent(input: $input) { id trackingCode status }
}`

// ReportTitlePrefix starts the title of every case the report scenario files, so that they
// can be told from the data set's own cases.
const ReportTitlePrefix = "[bench] "

// reportScenario files cases as the administrator on the grids of their latest cases that lie
// outside the village official's subtree: the new cases must not pile up in the village's
// "my events" list, which the first scenario measures and later runs measure again.
func reportScenario(ctx context.Context, s *setup) (*workload, error) {
	village, err := s.village(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.admin(ctx)
	if err != nil {
		return nil, err
	}
	grids, err := s.gridsOutside(ctx, v.token, village.root)
	if err != nil {
		return nil, err
	}
	var cats struct {
		EventCategories []struct {
			ID     string
			Parent *struct{ ID string }
		}
	}
	if err := s.c.query(ctx, request{token: v.token, operation: "BenchCategories",
		query: `query BenchCategories { eventCategories { id parent { id } } }`}, &cats); err != nil {
		return nil, err
	}
	// Cases are filed under minor categories (the leaves) when there are any.
	var categories, all []string
	for _, c := range cats.EventCategories {
		all = append(all, c.ID)
		if c.Parent != nil {
			categories = append(categories, c.ID)
		}
	}
	if len(categories) == 0 {
		categories = all
	}
	if len(categories) == 0 {
		return nil, errors.New("there are no active case categories to report under")
	}
	return &workload{build: func(i int) request {
		return request{token: v.token, operation: "BenchReport", query: reportMutation, vars: map[string]any{
			"input": map[string]any{
				"gridID":      grids[i%len(grids)],
				"categoryID":  categories[i%len(categories)],
				"title":       fmt.Sprintf("%scase %d", ReportTitlePrefix, i),
				"description": "filed by gridgov bench",
			},
		}}
	}}, nil
}

// selectScenarios returns the scenarios named, in their running order; all for none.
func selectScenarios(names []string) ([]scenario, error) {
	if len(names) == 0 {
		return scenarios, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		known := false
		for _, sc := range scenarios {
			known = known || sc.name == n
		}
		if !known {
			return nil, fmt.Errorf("unknown scenario %q: choose from %s", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var out []scenario
	for _, sc := range scenarios {
		if want[sc.name] {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario chosen: choose from %s", strings.Join(Names(), ", "))
	}
	return out, nil
}
