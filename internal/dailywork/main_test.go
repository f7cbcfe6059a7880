package dailywork_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// actor is a person of the test tree with a signed-in token.
type actor struct {
	ID    int
	Key   string // the name tests use for them
	Name  string
	Token string
}

// SID is the person's id as a GraphQL ID.
func (a actor) SID() string { return strconv.Itoa(a.ID) }

// world is a server on a fresh database with the seeded case taxonomy and a small tree:
//
//	district 410102 中原区
//	└── sub 410102001 须水街道                    supervisor (SUPERVISOR)
//	    ├── village 410102001001 三王庄村        villageFirst (FIRST_RESPONSIBLE)
//	    │   └── group 410102001001001            patroller (SPECIFIC_RESPONSIBLE/PATROLLER), gridHead (GRID_HEAD)
//	    └── village2 410102001002 桐树王村       outsider (SPECIFIC_RESPONSIBLE/PATROLLER)
//	        └── group2 410102001002001
//
// plus roleless, a person kept on the group who holds no role, and admin, a superuser linked
// to no person.
type world struct {
	env *servertest.Env
	db  *dbtest.DB

	district, sub, village, group, village2, group2 *ent.Grid

	garbage string // the id of category EXPOSED_GARBAGE

	patroller, gridHead, villageFirst, supervisor, outsider, roleless actor
	admin                                                             string // a superuser's token

	today, yesterday, tomorrow string    // days in Asia/Shanghai
	dayStart                   time.Time // when today began (UTC)

	seq int // makes addresses unique
}

func newWorld(t *testing.T, db *dbtest.DB) *world {
	t.Helper()
	ctx := servertest.System()
	if err := workflow.SeedCategories(ctx, db.Client); err != nil {
		t.Fatalf("seed categories: %v", err)
	}
	w := &world{env: servertest.New(t, db), db: db}
	cats, err := db.Client.EventCategory.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Code == "EXPOSED_GARBAGE" {
			w.garbage = strconv.Itoa(c.ID)
		}
	}
	if w.garbage == "" {
		t.Fatal("category EXPOSED_GARBAGE not seeded")
	}

	mkGrid := func(parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
		t.Helper()
		b := db.Client.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			b.SetParentID(parent.ID)
		}
		g, err := b.Save(ctx)
		if err != nil {
			t.Fatalf("create grid %s: %v", code, err)
		}
		return g
	}
	w.district = mkGrid(nil, "410102", "中原区", grid.KindDISTRICT)
	w.sub = mkGrid(w.district, "410102001", "须水街道", grid.KindSUB_DISTRICT)
	w.village = mkGrid(w.sub, "410102001001", "三王庄村", grid.KindVILLAGE)
	w.group = mkGrid(w.village, "410102001001001", "三王庄村第一村民组", grid.KindVILLAGER_GROUP)
	w.village2 = mkGrid(w.sub, "410102001002", "桐树王村", grid.KindVILLAGE)
	w.group2 = mkGrid(w.village2, "410102001002001", "桐树王村第一村民组", grid.KindVILLAGER_GROUP)
	if w.group.Level != 3 {
		t.Fatalf("group level %d, want 3", w.group.Level)
	}

	past := time.Now().Add(-60 * 24 * time.Hour)
	mkActor := func(key, name string, home, on *ent.Grid, role assignment.Role) actor {
		t.Helper()
		p, err := db.Client.Person.Create().SetName(name).SetGridID(home.ID).Save(ctx)
		if err != nil {
			t.Fatalf("create person %s: %v", name, err)
		}
		if on != nil {
			b := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(on.ID).SetRole(role).SetValidFrom(past)
			if role == assignment.RoleSPECIFIC_RESPONSIBLE {
				b.SetDuty(assignment.DutyPATROLLER)
			}
			if err := b.Exec(ctx); err != nil {
				t.Fatalf("assign %s: %v", name, err)
			}
		}
		return actor{ID: p.ID, Key: key, Name: name, Token: w.env.TokenFor(t, p.ID, false)}
	}
	w.patroller = mkActor("patroller", "王建国", w.group, w.group, assignment.RoleSPECIFIC_RESPONSIBLE)
	w.gridHead = mkActor("gridHead", "李卫东", w.group, w.group, assignment.RoleGRID_HEAD)
	w.villageFirst = mkActor("villageFirst", "孙长林", w.village, w.village, assignment.RoleFIRST_RESPONSIBLE)
	w.supervisor = mkActor("supervisor", "吴秋菊", w.sub, w.sub, assignment.RoleSUPERVISOR)
	w.outsider = mkActor("outsider", "郑铁柱", w.village2, w.village2, assignment.RoleSPECIFIC_RESPONSIBLE)
	w.roleless = mkActor("roleless", "钱无职", w.group, nil, "")
	w.admin = w.env.TokenFor(t, 0, true)

	w.setDays(t)
	return w
}

// setDays fixes today, yesterday and tomorrow in Asia/Shanghai. The server reads the real
// clock, so a test that starts in the last minute of a day waits for the next one rather
// than see its records fall on two days.
func (w *world) setDays(t *testing.T) {
	t.Helper()
	loc := workcal.Default().Location()
	now := time.Now().In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	if left := midnight.Sub(now); left < 90*time.Second {
		t.Logf("waiting %s for the day to turn in Asia/Shanghai", left)
		time.Sleep(left + time.Second)
		now = time.Now().In(loc)
	}
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	w.dayStart = start.UTC()
	w.today = start.Format(time.DateOnly)
	w.yesterday = start.AddDate(0, 0, -1).Format(time.DateOnly)
	w.tomorrow = start.AddDate(0, 0, 1).Format(time.DateOnly)
}

// recentToday is a moment at most ago before now that still lies in today (Asia/Shanghai).
func (w *world) recentToday(ago time.Duration) time.Time {
	at := time.Now().UTC().Add(-ago)
	if at.Before(w.dayStart) {
		at = w.dayStart
	}
	return at
}

// ---- GraphQL operations ----

// Household is a household as the API returns it with householdFragment.
type Household struct {
	ID             string     `json:"id"`
	Address        string     `json:"address"`
	HeadName       string     `json:"headName"`
	Members        int        `json:"members"`
	Phone          string     `json:"phone"`
	Notes          string     `json:"notes"`
	CareLevel      string     `json:"careLevel"`
	CareLevelLabel string     `json:"careLevelLabel"`
	GridPath       string     `json:"gridPath"`
	LastVisitedAt  *time.Time `json:"lastVisitedAt"`
	Tags           []Tag      `json:"tags"`
}

// Tag is a household plate.
type Tag struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	KindLabel   string    `json:"kindLabel"`
	Post        string    `json:"post"`
	Pledge      string    `json:"pledge"`
	PlateHungAt time.Time `json:"plateHungAt"`
}

const householdFragment = `fragment H on Household {
  id address headName members phone notes careLevel careLevelLabel gridPath lastVisitedAt
  tags { id kind kindLabel post pledge plateHungAt }
}`

// Visit is a visit as the API returns it with visitFragment.
type Visit struct {
	ID        string    `json:"id"`
	VisitedAt time.Time `json:"visitedAt"`
	Notes     string    `json:"notes"`
	Concerns  string    `json:"concerns"`
	GridPath  string    `json:"gridPath"`
	Household *Ref      `json:"household"`
	Visitor   *Ref      `json:"visitor"`
	Event     *struct {
		ID       string `json:"id"`
		Source   string `json:"source"`
		Status   string `json:"status"`
		Grid     *Ref   `json:"grid"`
		Reporter *Ref   `json:"reporter"`
	} `json:"event"`
}

const visitFragment = `fragment V on Visit {
  id visitedAt notes concerns gridPath household { id } visitor { id }
  event { id source status grid { id } reporter { id } }
}`

// Patrol is a patrol as the API returns it with patrolFragment.
type Patrol struct {
	ID              string    `json:"id"`
	StartedAt       time.Time `json:"startedAt"`
	EndedAt         time.Time `json:"endedAt"`
	DistanceM       float64   `json:"distanceM"`
	DurationMinutes int       `json:"durationMinutes"`
	Findings        string    `json:"findings"`
	GridPath        string    `json:"gridPath"`
	Grid            *Ref      `json:"grid"`
	Person          *Ref      `json:"person"`
	Track           []struct {
		Lat float64 `json:"lat"`
		Lng float64 `json:"lng"`
		At  string  `json:"at"`
	} `json:"track"`
}

const patrolFragment = `fragment P on Patrol {
  id startedAt endedAt distanceM durationMinutes findings gridPath grid { id } person { id } track { lat lng at }
}`

// Report is a daily report as the API returns it with reportFragment.
type Report struct {
	ID             string    `json:"id"`
	Day            string    `json:"day"`
	Summary        string    `json:"summary"`
	SubmittedAt    time.Time `json:"submittedAt"`
	GridPath       string    `json:"gridPath"`
	Grid           *Ref      `json:"grid"`
	Person         *Ref      `json:"person"`
	Visits         int       `json:"visits"`
	Patrols        int       `json:"patrols"`
	EventsReported int       `json:"eventsReported"`
}

const reportFragment = `fragment R on DailyReport {
  id day summary submittedAt gridPath grid { id } person { id } visits patrols eventsReported
}`

// Ref is a node by id.
type Ref struct {
	ID string `json:"id"`
}

const (
	createHouseholdQ = `mutation($in: CreateHouseholdInput!) { createHousehold(input: $in) { ...H } } ` + householdFragment
	updateHouseholdQ = `mutation($id: ID!, $in: UpdateHouseholdInput!) { updateHousehold(id: $id, input: $in) { ...H } } ` + householdFragment
	tagQ             = `mutation($h: ID!, $kind: HouseholdTagKind!, $post: String!, $pledge: String!, $at: Time!) {
		tagHousehold(householdID: $h, kind: $kind, post: $post, pledge: $pledge, plateHungAt: $at) { id kind kindLabel post pledge plateHungAt } }`
	untagQ = `mutation($h: ID!, $kind: HouseholdTagKind!) { untagHousehold(householdID: $h, kind: $kind) }`
	visitQ = `mutation($h: ID!, $at: Time!, $notes: String, $concerns: String, $key: String) {
		recordVisit(householdID: $h, visitedAt: $at, notes: $notes, concerns: $concerns, idempotencyKey: $key) { ...V } } ` + visitFragment
	concernQ = `mutation($v: ID!, $cat: ID!, $title: String!) { visitConcernToEvent(visitID: $v, categoryID: $cat, title: $title) { ...V } } ` + visitFragment
	patrolQ  = `mutation($g: ID!, $from: Time!, $to: Time!, $track: [TrackPointInput!], $findings: String, $key: String) {
		recordPatrol(gridID: $g, startedAt: $from, endedAt: $to, track: $track, findings: $findings, idempotencyKey: $key) { ...P } } ` + patrolFragment
	reportQ = `mutation($day: String, $summary: String!, $g: ID, $p: ID) {
		submitDailyReport(day: $day, summary: $summary, gridID: $g, personID: $p) { ...R } } ` + reportFragment
	intervalQ     = `mutation($level: CareLevel!, $days: Int!) { setVisitInterval(careLevel: $level, days: $days) { careLevel careLevelLabel days } }`
	missingRepQ   = `query($g: ID!, $day: String!) { missingDailyReports(gridID: $g, day: $day) { id } }`
	missingPatQ   = `query($g: ID!, $day: String!) { missingPatrols(gridID: $g, day: $day) { id } }`
	overdueQ      = `query($g: ID!, $level: CareLevel) { overdueHouseholds(gridID: $g, careLevel: $level) { id careLevel } }`
	workCountsQ   = `query($g: ID!, $from: String!, $to: String!) { workCounts(gridID: $g, from: $from, to: $to) { person { id } visits patrols dailyReports eventsReported } }`
	nodeQ         = `query($id: ID!) { node(id: $id) { id } }`
	householdNode = `query($id: ID!) { node(id: $id) { ... on Household { ...H } } } ` + householdFragment
)

// one decodes the single top-level field of a response's data into out.
func one(t testing.TB, resp *servertest.Response, field string, out any) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(resp.Data, &m); err != nil {
		t.Fatalf("decode %s: %v\n%s", field, err, resp.Data)
	}
	raw, ok := m[field]
	if !ok || string(raw) == "null" {
		t.Fatalf("%s returned null: %s (errors %+v)", field, resp.Data, resp.Errors)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode %s: %v\n%s", field, err, raw)
	}
}

// must sends a request that must succeed and decodes its one field into out.
func (w *world) must(t testing.TB, token, query string, vars map[string]any, field string, out any) {
	t.Helper()
	resp := w.env.Do(t, token, query, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s failed: %+v\nvars: %v", field, resp.Errors, vars)
	}
	one(t, resp, field, out)
}

// householdInput is a valid createHousehold input on g.
func (w *world) householdInput(g *ent.Grid, level string) map[string]any {
	w.seq++
	return map[string]any{
		"address": fmt.Sprintf("%s%02d号", g.Name, w.seq), "headName": fmt.Sprintf("户主%02d", w.seq),
		"members": 3, "phone": fmt.Sprintf("1390000%04d", w.seq), "careLevel": level,
		"notes": fmt.Sprintf("私密备注%02d", w.seq), "gridID": strconv.Itoa(g.ID),
	}
}

// household creates a household of care level on g as a superuser.
func (w *world) household(t testing.TB, g *ent.Grid, level string) Household {
	t.Helper()
	var h Household
	w.must(t, w.admin, createHouseholdQ, map[string]any{"in": w.householdInput(g, level)}, "createHousehold", &h)
	return h
}

// visit records a visit as a.
func (w *world) visit(t testing.TB, a actor, householdID string, at time.Time, concerns string) Visit {
	t.Helper()
	var v Visit
	w.must(t, a.Token, visitQ, map[string]any{"h": householdID, "at": at, "notes": "入户走访", "concerns": concerns}, "recordVisit", &v)
	return v
}

// trackPoint is one fix of a track, as recordPatrol takes it.
type trackPoint = map[string]any

// walk is a track of n fixes spread evenly over [from, to] at walking speed (1.2 m/s)
// heading north from a point in the village.
func walk(n int, from, to time.Time) []trackPoint {
	out := make([]trackPoint, n)
	step := to.Sub(from) / time.Duration(n-1)
	for i := range out {
		at := from.Add(time.Duration(i) * step)
		metres := 1.2 * at.Sub(from).Seconds()
		out[i] = trackPoint{"lat": 34.7500 + metres/111_195, "lng": 113.5200, "at": at.UTC().Format(time.RFC3339)}
	}
	return out
}

// patrolWindow is a patrol of up to 40 minutes that started today and ends no later than a
// few minutes from now.
func (w *world) patrolWindow() (time.Time, time.Time) {
	start := w.recentToday(45 * time.Minute).Truncate(time.Second)
	end := start.Add(40 * time.Minute)
	if limit := time.Now().UTC().Add(5 * time.Minute).Truncate(time.Second); end.After(limit) {
		end = limit
	}
	return start, end
}

// patrolVars are the variables of a valid recordPatrol on g.
func (w *world) patrolVars(g *ent.Grid) map[string]any {
	from, to := w.patrolWindow()
	return map[string]any{"g": strconv.Itoa(g.ID), "from": from, "to": to, "track": walk(6, from, to), "findings": "村口路边有暴露垃圾"}
}

// patrol records a valid patrol on g as a.
func (w *world) patrol(t testing.TB, a actor, g *ent.Grid) Patrol {
	t.Helper()
	var p Patrol
	w.must(t, a.Token, patrolQ, w.patrolVars(g), "recordPatrol", &p)
	return p
}

// report files a's daily report for today.
func (w *world) report(t testing.TB, a actor, summary string) Report {
	t.Helper()
	var r Report
	w.must(t, a.Token, reportQ, map[string]any{"summary": summary}, "submitDailyReport", &r)
	return r
}

// ids returns the ids of a list of nodes, sorted.
func ids[T any](nodes []T, id func(T) string) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, id(n))
	}
	slices.Sort(out)
	return out
}

// sortedIDs sorts and returns ids.
func sortedIDs(in ...string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// people runs a query returning [Person!] and returns their ids, sorted.
func (w *world) people(t testing.TB, token, query, field string, vars map[string]any) []string {
	t.Helper()
	var out []Ref
	w.must(t, token, query, vars, field, &out)
	return ids(out, func(r Ref) string { return r.ID })
}

// connection lists the ids a viewer sees in one of the list connections.
func (w *world) connection(t testing.TB, token, field string) []string {
	t.Helper()
	var out struct {
		TotalCount int `json:"totalCount"`
		Edges      []struct {
			Node Ref `json:"node"`
		} `json:"edges"`
	}
	w.must(t, token, fmt.Sprintf(`query { %s(first: 100) { totalCount edges { node { id } } } }`, field), nil, field, &out)
	got := make([]string, 0, len(out.Edges))
	for _, e := range out.Edges {
		got = append(got, e.Node.ID)
	}
	if len(got) != out.TotalCount {
		t.Errorf("%s: %d edges but totalCount %d", field, len(got), out.TotalCount)
	}
	slices.Sort(got)
	return got
}

// node reads a node's id as a viewer; "" when it is not visible.
func (w *world) node(t testing.TB, token, id string) string {
	t.Helper()
	var out struct {
		Node *Ref `json:"node"`
	}
	w.env.MustDo(t, token, nodeQ, map[string]any{"id": id}, &out)
	if out.Node == nil {
		return ""
	}
	return out.Node.ID
}

// counts describes every daily-work table as stored, read on the system's account, so that
// a refused request can be shown to have changed nothing.
func (w *world) counts(t testing.TB) string {
	t.Helper()
	ctx := servertest.System()
	c := w.db.Client
	var parts []string
	for _, q := range []struct {
		name  string
		count func() (int, error)
	}{
		{"households", func() (int, error) { return c.Household.Query().Count(ctx) }},
		{"tags", func() (int, error) { return c.HouseholdTag.Query().Count(ctx) }},
		{"visits", func() (int, error) { return c.Visit.Query().Count(ctx) }},
		{"patrols", func() (int, error) { return c.Patrol.Query().Count(ctx) }},
		{"reports", func() (int, error) { return c.DailyReport.Query().Count(ctx) }},
		{"events", func() (int, error) { return c.Event.Query().Count(ctx) }},
		{"intervals", func() (int, error) { return c.VisitInterval.Query().Count(ctx) }},
		{"keys", func() (int, error) { return c.IdempotencyKey.Query().Count(ctx) }},
	} {
		n, err := q.count()
		if err != nil {
			t.Fatalf("count %s: %v", q.name, err)
		}
		parts = append(parts, fmt.Sprintf("%s=%d", q.name, n))
	}
	reports, err := c.DailyReport.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		parts = append(parts, fmt.Sprintf("report%d=%q@%s", r.ID, r.Summary, r.SubmittedAt.UTC().Format(time.RFC3339Nano)))
	}
	hs, err := c.Household.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		parts = append(parts, fmt.Sprintf("household%d=%s/%s/%s", h.ID, h.CareLevel, h.GridPath, h.Phone))
	}
	return strings.Join(parts, " ")
}

// refuse sends a request that must fail with code (and, when field is not "", name that
// input field) and change nothing.
func (w *world) refuse(t testing.TB, token, query string, vars map[string]any, code, field string) {
	t.Helper()
	before := w.counts(t)
	resp := w.env.Do(t, token, query, vars)
	var got *servertest.Error
	for i, e := range resp.Errors {
		if e.Code() == code {
			got = &resp.Errors[i]
			break
		}
	}
	switch {
	case got == nil:
		t.Errorf("want %s, got errors %+v, data %s", code, resp.Errors, resp.Data)
	case field != "" && got.Extensions["field"] != field:
		t.Errorf("want %s on field %q, got field %v (%s)", code, field, got.Extensions["field"], got.Message)
	}
	if after := w.counts(t); after != before {
		t.Errorf("refused with %v but changed the data:\nbefore %s\nafter  %s", resp.Codes(), before, after)
	}
}

// gid is a grid's id as a GraphQL ID.
func gid(g *ent.Grid) string { return strconv.Itoa(g.ID) }
