package datagen_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/internal/datagen"
	"gridgov/internal/dbtest"
	"gridgov/internal/geo"
	"gridgov/internal/gridmap"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// checksummed are the tables whose rows the seed decides (accounts have salted hashes).
var checksummed = []string{"grids", "persons", "assignments", "vehicles", "events", "event_actions", "households",
	"household_tags", "visits", "patrols", "daily_reports"}

func checksums(t *testing.T, db *dbtest.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range checksummed {
		var sum string
		if err := db.SQL.QueryRowContext(t.Context(),
			fmt.Sprintf("SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM %s t", table)).Scan(&sum); err != nil {
			t.Fatalf("checksum %s: %v", table, err)
		}
		out[table] = sum
	}
	return out
}

func sqlCount(t *testing.T, db *dbtest.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestGenerateSmall generates the small scale and checks it through the real API: counts,
// the village official's scope, lists, node(id), a workflow step on a generated case and a
// new case (so ids and sequences work), the rows' invariants, and that the same seed gives
// the same rows after --reset.
func TestGenerateSmall(t *testing.T) {
	db := dbtest.New(t, dialect.Postgres)
	ctx := t.Context()
	scale, err := datagen.ScaleNamed("small")
	if err != nil {
		t.Fatal(err)
	}
	opts := datagen.Options{URL: db.URL, Scale: scale, Seed: 7}
	res, err := datagen.Generate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	generated := checksums(t, db)
	wantRows := map[string]int{
		"grids":   1 + scale.SubDistricts + scale.SubDistricts*scale.Villages + scale.Grids,
		"persons": scale.People,
		"events":  scale.Events,
	}
	for table, want := range wantRows {
		if got := res.Rows[table]; got != want {
			t.Errorf("%s: wrote %d rows, want %d", table, got, want)
		}
		if got := sqlCount(t, db, "SELECT count(*) FROM "+table); got != want {
			t.Errorf("%s: database holds %d rows, want %d", table, got, want)
		}
	}

	// Every grid has an outline (the generator's Voronoi split), inside its parent's and not
	// over its siblings', as `gridgov import boundaries` would check them.
	checkBoundaries(t, db, wantRows["grids"])

	// Invariants the server keeps, checked on every row.
	invariants := map[string]string{
		"path is the parent's path and the id; code extends the parent's": `SELECT count(*) FROM grids g JOIN grids p ON p.id = g.parent_id
			WHERE g.path <> p.path || g.id || '/' OR left(g.code, length(p.code)) <> p.code OR g.level <> p.level + 1`,
		"version counts the actions": `SELECT count(*) FROM events e WHERE version <> (SELECT count(*) FROM event_actions a WHERE a.event_id = e.id)`,
		"status is the last action's": `SELECT count(*) FROM events e WHERE status <> (SELECT to_status FROM event_actions a
			WHERE a.event_id = e.id ORDER BY created_at DESC, id DESC LIMIT 1)`,
		"grid is the last action's": `SELECT count(*) FROM events e WHERE grid_id <> (SELECT to_grid_id FROM event_actions a
			WHERE a.event_id = e.id ORDER BY created_at DESC, id DESC LIMIT 1)`,
		"rework counts failed verifications": `SELECT count(*) FROM events e WHERE rework_count <> (SELECT count(*) FROM event_actions a
			WHERE a.event_id = e.id AND action = 'VERIFY_FAIL')`,
		"escalations count escalations": `SELECT count(*) FROM events e WHERE escalation_count <> (SELECT count(*) FROM event_actions a
			WHERE a.event_id = e.id AND action = 'ESCALATE')`,
		"closed cases have closed_at, open ones not": `SELECT count(*) FROM events WHERE (closed_at IS NOT NULL) <> (status IN ('CLOSED_FIXED', 'CLOSED_NOT_FIXED', 'VOIDED'))`,
		"registered cases have a deadline": `SELECT count(*) FROM events WHERE (registered_at IS NULL) <> (deadline IS NULL)
			OR (registered_at IS NULL AND status NOT IN ('REPORTED', 'VOIDED'))`,
		"path copies match their grid": `SELECT (SELECT count(*) FROM events e JOIN grids g ON g.id = e.grid_id WHERE e.grid_path <> g.path)
			+ (SELECT count(*) FROM events e JOIN grids g ON g.id = e.origin_grid_id WHERE e.origin_path <> g.path)
			+ (SELECT count(*) FROM persons x JOIN grids g ON g.id = x.grid_id WHERE x.grid_path <> g.path)
			+ (SELECT count(*) FROM assignments x JOIN grids g ON g.id = x.grid_id WHERE x.grid_path <> g.path)
			+ (SELECT count(*) FROM households x JOIN grids g ON g.id = x.grid_id WHERE x.grid_path <> g.path)
			+ (SELECT count(*) FROM daily_reports x JOIN grids g ON g.id = x.grid_id WHERE x.grid_path <> g.path)`,
		"actors hold a role covering the case when they act": `SELECT count(*) FROM event_actions a JOIN events e ON e.id = a.event_id
			JOIN grids g ON g.id = a.from_grid_id
			WHERE a.actor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.person_id = a.actor_id
			  AND g.path LIKE s.grid_path || '%' AND s.valid_from <= a.created_at AND (s.valid_to IS NULL OR s.valid_to > a.created_at))`,
		"households sit on leaf grids": `SELECT count(*) FROM households h JOIN grids g ON g.id = h.grid_id WHERE g.level <> 3`,
	}
	for name, q := range invariants {
		if n := sqlCount(t, db, q); n != 0 {
			t.Errorf("%s: %d rows break it", name, n)
		}
	}
	checkTransitions(t, db)
	if n := sqlCount(t, db, `SELECT count(*) FROM events WHERE status NOT IN ('CLOSED_FIXED', 'CLOSED_NOT_FIXED', 'VOIDED')`); n == 0 {
		t.Error("no open cases")
	}
	if n := sqlCount(t, db, `SELECT count(DISTINCT status) FROM events`); n < 6 {
		t.Errorf("only %d statuses among the cases", n)
	}

	// The rollup summary was built from the cases written past the hooks.
	if n := sqlCount(t, db, "SELECT count(*) FROM event_tallies"); n == 0 {
		t.Error("the rollup summary is empty")
	}
	diffs, err := rollup.Verify(servertest.System(), db.Client, nil)
	if err != nil || len(diffs) > 0 {
		t.Errorf("rollup summary differs from the cases in %d cells (%v)", len(diffs), err)
	}

	env := servertest.New(t, db)
	admin := env.Login(t, datagen.AdminUsername, datagen.DefaultPassword)
	village := env.Login(t, datagen.VillageUsername, datagen.DefaultPassword)

	const counts = `{ me { scope { path } } grids { totalCount } events { totalCount } people { totalCount } }`
	type countsResult struct {
		Me struct {
			Scope []struct{ Path string }
		}
		Grids, Events, People struct{ TotalCount int }
	}
	var all countsResult
	env.MustDo(t, admin, counts, nil, &all)
	if all.Grids.TotalCount != wantRows["grids"] || all.Events.TotalCount != scale.Events || all.People.TotalCount != scale.People {
		t.Errorf("gen-admin sees %d grids, %d cases, %d people; want %d, %d, %d", all.Grids.TotalCount, all.Events.TotalCount,
			all.People.TotalCount, wantRows["grids"], scale.Events, scale.People)
	}

	var mine countsResult
	env.MustDo(t, village, counts, nil, &mine)
	if len(mine.Me.Scope) != 1 {
		t.Fatalf("gen-village's scope: %+v, want one village", mine.Me.Scope)
	}
	root := mine.Me.Scope[0].Path
	if lvl := sqlCount(t, db, "SELECT level FROM grids WHERE path = $1", root); lvl != 2 {
		t.Errorf("gen-village's scope is a level-%d grid, want a village (level 2)", lvl)
	}
	want := countsResult{Me: mine.Me}
	want.Grids.TotalCount = sqlCount(t, db, "SELECT count(*) FROM grids WHERE path LIKE $1 || '%'", root)
	want.Events.TotalCount = sqlCount(t, db, "SELECT count(*) FROM events WHERE grid_path LIKE $1 || '%' OR origin_path LIKE $1 || '%'", root)
	want.People.TotalCount = sqlCount(t, db, `SELECT count(*) FROM persons p WHERE grid_path LIKE $1 || '%'
		OR EXISTS (SELECT 1 FROM assignments a WHERE a.person_id = p.id AND a.grid_path LIKE $1 || '%')`, root)
	if diff := cmp.Diff(want, mine); diff != "" {
		t.Errorf("gen-village sees other than its village (-want +got):\n%s", diff)
	}
	if want.Grids.TotalCount < 2 || want.Events.TotalCount == 0 {
		t.Errorf("gen-village's village is too small to test: %+v", want)
	}

	// The newest cases of the village, one of them by node(id).
	var list struct {
		Events struct {
			Edges []struct {
				Node struct {
					ID       string
					Status   string
					Version  int
					Timeline []struct{ Action string }
				}
			}
		}
	}
	// Every field a case page shows resolves on generated rows (enums, lights, edges).
	env.MustDo(t, village, `{ events(first: 50, orderBy: {field: REPORTED_AT, direction: DESC}) {
		edges { node { id status version statusLabel slaLight overdue deadline source photoUrls
			category { name } grid { name } originGrid { name } reporter { name } assignee { name }
			timeline { action actionLabel actor { name } fromStatus toStatus createdAt } } } }
		households(first: 5) { edges { node { address careLevel } } }
		patrols(first: 5) { edges { node { startedAt distanceM } } }
		dailyReports(first: 5) { edges { node { day summary } } } }`, nil, &list)
	if len(list.Events.Edges) == 0 {
		t.Fatal("gen-village lists no cases")
	}
	first := list.Events.Edges[0].Node
	if len(first.Timeline) != first.Version || first.Timeline[0].Action != "REPORT" {
		t.Errorf("case %s: version %d, timeline %v", first.ID, first.Version, first.Timeline)
	}
	var node struct {
		Node struct{ ID, Title string }
	}
	env.MustDo(t, village, `query($id: ID!) { node(id: $id) { ... on Event { id title } } }`, map[string]any{"id": first.ID}, &node)
	if node.Node.ID != first.ID || node.Node.Title == "" {
		t.Errorf("node(%s) = %+v", first.ID, node.Node)
	}

	// A step on a generated open case, with the version the generator wrote.
	var open struct {
		ID      int
		Version int
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT id, version FROM events WHERE status IN ('REGISTERED', 'DISPATCHED', 'HANDLING')
		AND (grid_path LIKE $1 || '%') ORDER BY id LIMIT 1`, root).Scan(&open.ID, &open.Version); err != nil {
		if err := db.SQL.QueryRowContext(ctx, `SELECT id, version FROM events WHERE status IN ('REGISTERED', 'DISPATCHED', 'HANDLING')
			ORDER BY id LIMIT 1`).Scan(&open.ID, &open.Version); err != nil {
			t.Fatalf("no open case: %v", err)
		}
	}
	var stepped struct {
		EscalateEvent struct {
			Version int
			Status  string
		}
	}
	env.MustDo(t, admin, `mutation($id: ID!, $v: Int) { escalateEvent(id: $id, version: $v, note: "test") { version status } }`,
		map[string]any{"id": strconv.Itoa(open.ID), "v": open.Version}, &stepped)
	if stepped.EscalateEvent.Version != open.Version+1 || stepped.EscalateEvent.Status != "REGISTERED" {
		t.Errorf("escalated case %d: %+v", open.ID, stepped.EscalateEvent)
	}

	// A new case and its first step take ids after the generated ones.
	var leaf, cat int
	if err := db.SQL.QueryRowContext(ctx, `SELECT (SELECT id FROM grids WHERE path LIKE $1 || '%' AND level = 3 ORDER BY id LIMIT 1),
		(SELECT id FROM event_categories WHERE code = 'EXPOSED_GARBAGE')`, root).Scan(&leaf, &cat); err != nil {
		t.Fatal(err)
	}
	var reported struct {
		ReportEvent struct{ ID string }
	}
	env.MustDo(t, village, `mutation($g: ID!, $c: ID!) { reportEvent(input: {gridID: $g, categoryID: $c, title: "测试"}) { id } }`,
		map[string]any{"g": strconv.Itoa(leaf), "c": strconv.Itoa(cat)}, &reported)
	env.MustDo(t, village, `mutation($id: ID!) { acceptEvent(id: $id, version: 1) { id } }`, map[string]any{"id": reported.ReportEvent.ID}, nil)
	newID, _ := strconv.Atoi(reported.ReportEvent.ID)
	if max := sqlCount(t, db, "SELECT max(id) FROM events WHERE id <> $1", newID); newID <= max {
		t.Errorf("new case %d not after the generated ones (up to %d)", newID, max)
	}

	// The same seed writes the same rows, into a database that must be reset first; another
	// seed writes other cases.
	if _, err := datagen.Generate(ctx, opts); !errors.Is(err, datagen.ErrNotEmpty) {
		t.Fatalf("generate into a database with data: %v, want ErrNotEmpty", err)
	}
	opts.Reset = true
	if _, err := datagen.Generate(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(generated, checksums(t, db)); diff != "" {
		t.Errorf("two loads of seed 7 differ (-first +second):\n%s", diff)
	}
	opts.Seed = 8
	if _, err := datagen.Generate(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if checksums(t, db)["events"] == generated["events"] {
		t.Error("seeds 7 and 8 wrote the same cases")
	}
}

// checkTransitions checks every generated step a person takes against the workflow's
// transition table: the step may start from its status and leads where it says.
func checkTransitions(t *testing.T, db *dbtest.DB) {
	t.Helper()
	rows, err := db.SQL.QueryContext(t.Context(), `SELECT id, action, coalesce(from_status, ''), to_status FROM event_actions`)
	if err != nil {
		t.Fatalf("read the generated steps: %v", err)
	}
	defer rows.Close()
	steps := 0
	for rows.Next() {
		var (
			id       int
			action   eventaction.Action
			from, to event.Status
		)
		if err := rows.Scan(&id, &action, &from, &to); err != nil {
			t.Fatalf("read a generated step: %v", err)
		}
		if _, ok := workflow.Transitions[action]; ok {
			steps++
		}
		if !workflow.StepAllowed(action, from, to) {
			t.Errorf("step %d %s goes %s -> %s, which the transition table does not allow", id, action, from, to)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read the generated steps: %v", err)
	}
	if steps == 0 {
		t.Error("no generated step a person takes")
	}
}

// checkBoundaries checks the generated outlines as an import of boundaries would.
func checkBoundaries(t *testing.T, db *dbtest.DB, grids int) {
	t.Helper()
	ctx := servertest.System()
	gs := db.Client.Grid.Query().AllX(ctx)
	bs := db.Client.GridBoundary.Query().AllX(ctx)
	if len(bs) < grids*95/100 {
		t.Errorf("%d of %d grids have an outline", len(bs), grids)
	}
	shape := map[int]geo.Shape{}
	for _, b := range bs {
		s, err := geo.ParseShape([]byte(b.Shape), geo.WGS84)
		if err != nil {
			t.Fatal(err)
		}
		shape[b.GridID] = s
	}
	kids := map[int][]int{}
	for _, g := range gs {
		kids[g.ParentID] = append(kids[g.ParentID], g.ID)
		s, ok := shape[g.ID]
		if !ok {
			continue
		}
		if probs := geo.CheckShape(s); len(probs) > 0 {
			t.Errorf("grid %s: %q", g.Code, probs)
		}
		if ps, ok := shape[g.ParentID]; ok {
			if at, out := geo.Outside(s, ps, gridmap.ParentTolerance); out {
				t.Errorf("grid %s runs outside its parent at %v", g.Code, at)
			}
		}
	}
	for _, ids := range kids {
		for i, a := range ids {
			for _, b := range ids[i+1:] {
				sa, oka := shape[a]
				sb, okb := shape[b]
				if oka && okb {
					if at, over := geo.Overlap(sa, sb, gridmap.SiblingTolerance); over {
						t.Errorf("grids %d and %d overlap at %v", a, b, at)
					}
				}
			}
		}
	}
}
