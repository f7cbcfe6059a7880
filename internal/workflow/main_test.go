package workflow_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// actor is a person of the test tree with a signed-in token.
type actor struct {
	ID    int
	Key   string // the name tests use for them
	Name  string
	Phone string
	Token string
}

// SID is the person's id as a GraphQL ID.
func (a actor) SID() string { return strconv.Itoa(a.ID) }

// world is a server on a fresh database with the seeded taxonomy and a small tree:
//
//	district 410102 中原区 (level 0, root)
//	└── sub 410102001 须水街道 (level 1)         subFirst (FIRST_RESPONSIBLE), supervisor (SUPERVISOR)
//	    ├── village 410102001001 三王庄村 (2)    villageDirect (DIRECT_RESPONSIBLE), villageFirst (FIRST_RESPONSIBLE)
//	    │   └── group 410102001001001 (3)       patroller, patroller2 (SPECIFIC_RESPONSIBLE/PATROLLER)
//	    └── village2 410102001002 桐树王村 (2)   outsider (DIRECT_RESPONSIBLE)
//	        └── group2 410102001002001 (3)
type world struct {
	env *servertest.Env
	db  *dbtest.DB

	district, sub, village, group, village2, group2 *ent.Grid

	cat map[string]int // category code → id

	patroller, patroller2, villageDirect, villageFirst, subFirst, supervisor, outsider actor
	admin                                                                              string // a superuser's token

	seq int // makes titles unique
}

// people lists every person of the tree, for leak checks.
func (w *world) people() []actor {
	return []actor{w.patroller, w.patroller2, w.villageDirect, w.villageFirst, w.subFirst, w.supervisor, w.outsider}
}

func newWorld(t *testing.T, db *dbtest.DB) *world {
	t.Helper()
	ctx := servertest.System()
	if err := workflow.SeedCategories(ctx, db.Client); err != nil {
		t.Fatalf("seed categories: %v", err)
	}
	w := &world{env: servertest.New(t, db), db: db, cat: map[string]int{}}
	cats, err := db.Client.EventCategory.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		w.cat[c.Code] = c.ID
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

	past := time.Now().Add(-30 * 24 * time.Hour)
	mkActor := func(key, name, phone string, home *ent.Grid, on *ent.Grid, role assignment.Role) actor {
		t.Helper()
		p, err := db.Client.Person.Create().SetName(name).SetPhone(phone).SetGridID(home.ID).Save(ctx)
		if err != nil {
			t.Fatalf("create person %s: %v", name, err)
		}
		b := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(on.ID).SetRole(role).SetValidFrom(past)
		if role == assignment.RoleSPECIFIC_RESPONSIBLE {
			b.SetDuty(assignment.DutyPATROLLER)
		}
		if err := b.Exec(ctx); err != nil {
			t.Fatalf("assign %s: %v", name, err)
		}
		return actor{ID: p.ID, Key: key, Name: name, Phone: phone, Token: w.env.TokenFor(t, p.ID, false)}
	}
	w.patroller = mkActor("patroller", "王建国", "13800000001", w.group, w.group, assignment.RoleSPECIFIC_RESPONSIBLE)
	w.patroller2 = mkActor("patroller2", "李卫东", "13800000002", w.group, w.group, assignment.RoleSPECIFIC_RESPONSIBLE)
	w.villageDirect = mkActor("villageDirect", "赵德厚", "13800000003", w.village, w.village, assignment.RoleDIRECT_RESPONSIBLE)
	w.villageFirst = mkActor("villageFirst", "孙长林", "13800000004", w.village, w.village, assignment.RoleFIRST_RESPONSIBLE)
	w.subFirst = mkActor("subFirst", "周明远", "13800000005", w.sub, w.sub, assignment.RoleFIRST_RESPONSIBLE)
	w.supervisor = mkActor("supervisor", "吴秋菊", "13800000006", w.sub, w.sub, assignment.RoleSUPERVISOR)
	w.outsider = mkActor("outsider", "郑铁柱", "13800000007", w.village2, w.village2, assignment.RoleDIRECT_RESPONSIBLE)
	w.admin = w.env.TokenFor(t, 0, true)
	return w
}

// Ev is a case as the API returns it with eventFragment.
type Ev struct {
	ID                string     `json:"id"`
	Status            string     `json:"status"`
	StatusLabel       string     `json:"statusLabel"`
	SourceLabel       string     `json:"sourceLabel"`
	Version           int        `json:"version"`
	ReworkCount       int        `json:"reworkCount"`
	EscalationCount   int        `json:"escalationCount"`
	TrackingCode      string     `json:"trackingCode"`
	Title             string     `json:"title"`
	ReportedAt        time.Time  `json:"reportedAt"`
	RegisteredAt      *time.Time `json:"registeredAt"`
	Deadline          *time.Time `json:"deadline"`
	RequestedDeadline *time.Time `json:"requestedDeadline"`
	ClosedAt          *time.Time `json:"closedAt"`
	Feedback          string     `json:"feedback"`
	SlaLight          *string    `json:"slaLight"`
	Overdue           bool       `json:"overdue"`
	LimitUnit         *string    `json:"limitUnit"`
	PhotoUrls         []string   `json:"photoUrls"`
	GridPath          string     `json:"gridPath"`
	OriginPath        string     `json:"originPath"`
	Assignee          *Ref       `json:"assignee"`
	Reporter          *Ref       `json:"reporter"`
	DuplicateOf       *Ref       `json:"duplicateOf"`
	Category          *Ref       `json:"category"`
}

// Ref is a node by id (and code, for grids and categories).
type Ref struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

const eventFragment = `fragment E on Event {
  id status statusLabel sourceLabel version reworkCount escalationCount trackingCode title
  reportedAt registeredAt deadline requestedDeadline closedAt feedback slaLight overdue limitUnit photoUrls
  gridPath originPath assignee { id } reporter { id } duplicateOf { id } category { id code }
}`

// argTypes are the GraphQL types of the steps' arguments.
var argTypes = map[string]string{
	"id": "ID!", "version": "Int", "note": "String", "idempotencyKey": "String",
	"toPersonID": "ID", "toGridID": "ID", "photoUrls": "[String!]", "passed": "Boolean!",
	"fixed": "Boolean!", "feedback": "String!", "newDeadline": "Time!", "approve": "Boolean!",
	"duplicateOfID": "ID",
}

// stepQuery builds the mutation op(args…) selecting the case.
func stepQuery(op string, args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var decl, call []string
	for _, k := range keys {
		typ, ok := argTypes[k]
		if !ok {
			panic("stepQuery: unknown argument " + k)
		}
		decl = append(decl, "$"+k+": "+typ)
		call = append(call, k+": $"+k)
	}
	return fmt.Sprintf("mutation(%s) { %s(%s) { ...E } } %s", strings.Join(decl, ", "), op, strings.Join(call, ", "), eventFragment)
}

// with returns args plus id.
func with(id string, args map[string]any) map[string]any {
	out := map[string]any{"id": id}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// do sends a step and returns the raw response.
func (w *world) do(t testing.TB, token, op, id string, args map[string]any) *servertest.Response {
	t.Helper()
	return w.env.Do(t, token, stepQuery(op, with(id, args)), with(id, args))
}

// must takes a step and fails the test on any error.
func (w *world) must(t testing.TB, a actor, op, id string, args map[string]any) Ev {
	t.Helper()
	return w.mustTok(t, a.Token, op, id, args)
}

func (w *world) mustTok(t testing.TB, token, op, id string, args map[string]any) Ev {
	t.Helper()
	resp := w.do(t, token, op, id, args)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s(%s %v) failed: %+v", op, id, args, resp.Errors)
	}
	return decodeOne(t, resp, op)
}

func decodeOne(t testing.TB, resp *servertest.Response, field string) Ev {
	t.Helper()
	var out map[string]*Ev
	if err := json.Unmarshal(resp.Data, &out); err != nil {
		t.Fatalf("decode %s: %v\n%s", field, err, resp.Data)
	}
	if out[field] == nil {
		t.Fatalf("%s returned null: %s", field, resp.Data)
	}
	return *out[field]
}

// refuse sends a step that must fail with code, and checks that it changed nothing: the
// case's row, its timeline and the number of cases are as before.
func (w *world) refuse(t testing.TB, token, op, id string, args map[string]any, code string) servertest.Error {
	t.Helper()
	before := w.snap(t, id)
	resp := w.do(t, token, op, id, args)
	var got servertest.Error
	found := false
	for _, e := range resp.Errors {
		if e.Code() == code {
			got, found = e, true
			break
		}
	}
	if !found {
		t.Errorf("%s(%s %v): want %s, got errors %+v data %s", op, id, args, code, resp.Errors, resp.Data)
	}
	if after := w.snap(t, id); after != before {
		t.Errorf("%s(%s) refused with %v but changed the case:\nbefore %s\nafter  %s", op, id, resp.Codes(), before, after)
	}
	return got
}

// snap describes a case and its timeline as stored, read on the system's account.
func (w *world) snap(t testing.TB, id string) string {
	t.Helper()
	ctx := servertest.System()
	ev, err := w.db.Client.Event.Get(ctx, atoi(t, id))
	if err != nil {
		t.Fatalf("load case %s: %v", id, err)
	}
	n, err := w.db.Client.EventAction.Query().Where(eventaction.EventID(ev.ID)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total, err := w.db.Client.Event.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("status=%s version=%d grid=%d path=%s assignee=%s deadline=%s requested=%s registered=%s closed=%s rework=%d escalations=%d feedback=%q duplicateOf=%s photos=%d timeline=%d cases=%d",
		ev.Status, ev.Version, ev.GridID, ev.GridPath, ptr(ev.AssigneeID), ptrTime(ev.Deadline), ptrTime(ev.RequestedDeadline), ptrTime(ev.RegisteredAt),
		ptrTime(ev.ClosedAt), ev.ReworkCount, ev.EscalationCount, ev.Feedback, ptr(ev.DuplicateOfID), len(ev.PhotoUrls), n, total)
}

// stored loads a case on the system's account.
func (w *world) stored(t testing.TB, id string) *ent.Event {
	t.Helper()
	ev, err := w.db.Client.Event.Get(servertest.System(), atoi(t, id))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// countActions counts the case's actions of one kind (all kinds when kind is "").
func (w *world) countActions(t testing.TB, id string, kind eventaction.Action) int {
	t.Helper()
	q := w.db.Client.EventAction.Query().Where(eventaction.EventID(atoi(t, id)))
	if kind != "" {
		q = q.Where(eventaction.ActionEQ(kind))
	}
	n, err := q.Count(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// countCases counts every case, on the system's account.
func (w *world) countCases(t testing.TB) int {
	t.Helper()
	n, err := w.db.Client.Event.Query().Count(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](p *T) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func ptrTime(p *time.Time) string {
	if p == nil {
		return "<nil>"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

const reportMutation = `mutation($in: ReportEventInput!, $key: String) { reportEvent(input: $in, idempotencyKey: $key) { ...E } } ` + eventFragment

// reportInput is a valid report on grid g of category code.
func (w *world) reportInput(g *ent.Grid, category string) map[string]any {
	w.seq++
	return map[string]any{
		"gridID": strconv.Itoa(g.ID), "categoryID": strconv.Itoa(w.cat[category]), "source": "PATROL",
		"title": fmt.Sprintf("案件%03d: 路边暴露垃圾", w.seq), "description": "村口东侧路边堆放生活垃圾约2立方米",
		"address": "三王庄村村口东侧", "latitude": 34.75, "longitude": 113.52,
		"photoUrls": []string{"https://img.example.com/a.jpg"}, "quantity": 2.5, "unit": "m³",
	}
}

// reportAs files a case through the API.
func (w *world) reportAs(t testing.TB, a actor, in map[string]any) Ev {
	t.Helper()
	resp := w.env.Do(t, a.Token, reportMutation, map[string]any{"in": in})
	if len(resp.Errors) > 0 {
		t.Fatalf("reportEvent as %s failed: %+v", a.Key, resp.Errors)
	}
	return decodeOne(t, resp, "reportEvent")
}

// report files a case of category on the group as the patroller.
func (w *world) report(t testing.TB, category string) Ev {
	t.Helper()
	return w.reportAs(t, w.patroller, w.reportInput(w.group, category))
}

// drive returns a fresh case (exposed garbage on the group, reported by the patroller) taken
// through the normal path to status: accepted by the village, dispatched to the patroller,
// handled by them, verified by the supervisor, closed by the village's first-responsible;
// VOIDED is a reported case voided by the village.
func (w *world) drive(t testing.TB, status string) Ev {
	t.Helper()
	ev := w.report(t, "EXPOSED_GARBAGE")
	if status == "REPORTED" {
		return ev
	}
	if status == "VOIDED" {
		return w.must(t, w.villageDirect, "voidEvent", ev.ID, map[string]any{"note": "无效上报"})
	}
	steps := []struct {
		until string
		a     actor
		op    string
		args  map[string]any
	}{
		{"REGISTERED", w.villageDirect, "acceptEvent", nil},
		{"DISPATCHED", w.villageDirect, "dispatchEvent", map[string]any{"toPersonID": w.patroller.SID()}},
		{"HANDLING", w.patroller, "startHandling", nil},
		{"HANDLED", w.patroller, "reportBack", map[string]any{"note": "已清运", "photoUrls": []string{"https://img.example.com/after.jpg"}}},
		{"VERIFIED", w.supervisor, "verifyEvent", map[string]any{"passed": true}},
	}
	for _, s := range steps {
		ev = w.must(t, s.a, s.op, ev.ID, s.args)
		if ev.Status != s.until {
			t.Fatalf("drive: after %s status %s, want %s", s.op, ev.Status, s.until)
		}
		if s.until == status {
			return ev
		}
	}
	switch status {
	case "CLOSED_FIXED":
		return w.must(t, w.villageFirst, "closeEvent", ev.ID, map[string]any{"fixed": true, "feedback": "已清运完毕"})
	case "CLOSED_NOT_FIXED":
		return w.must(t, w.villageFirst, "closeEvent", ev.ID, map[string]any{"fixed": false, "feedback": "权属不清，暂无法处置"})
	}
	t.Fatalf("drive: unknown status %s", status)
	return Ev{}
}

// Step is one entry of a timeline as the API returns it.
type Step struct {
	Action      string    `json:"action"`
	ActionLabel string    `json:"actionLabel"`
	FromStatus  *string   `json:"fromStatus"`
	ToStatus    string    `json:"toStatus"`
	FromGrid    *Ref      `json:"fromGrid"`
	ToGrid      *Ref      `json:"toGrid"`
	Actor       *Ref      `json:"actor"`
	Note        string    `json:"note"`
	System      bool      `json:"system"`
	CreatedAt   time.Time `json:"createdAt"`
}

// timeline reads a case's timeline as a viewer.
func (w *world) timeline(t testing.TB, token, id string) []Step {
	t.Helper()
	var out struct {
		Node *struct {
			Timeline []Step `json:"timeline"`
		} `json:"node"`
	}
	w.env.MustDo(t, token, `query($id: ID!) { node(id: $id) { ... on Event { timeline {
		action actionLabel fromStatus toStatus fromGrid { id code } toGrid { id code } actor { id } note system createdAt } } } }`,
		map[string]any{"id": id}, &out)
	if out.Node == nil {
		t.Fatalf("case %s not visible", id)
	}
	return out.Node.Timeline
}

// get reads a case by id as a viewer; nil when it is not visible.
func (w *world) get(t testing.TB, token, id string) *Ev {
	t.Helper()
	var out struct {
		Node *Ev `json:"node"`
	}
	w.env.MustDo(t, token, `query($id: ID!) { node(id: $id) { ...E } } `+eventFragment, map[string]any{"id": id}, &out)
	return out.Node
}

// listIDs returns the ids of the cases events(…) lists for a viewer.
func (w *world) listIDs(t testing.TB, token string, vars map[string]any) []string {
	t.Helper()
	var out struct {
		Events struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					ID string `json:"id"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"events"`
	}
	w.env.MustDo(t, token, `query($overdue: Boolean, $where: EventWhereInput) {
		events(first: 100, overdue: $overdue, where: $where) { totalCount edges { node { id } } } }`, vars, &out)
	ids := make([]string, 0, len(out.Events.Edges))
	for _, e := range out.Events.Edges {
		ids = append(ids, e.Node.ID)
	}
	if len(ids) != out.Events.TotalCount {
		t.Errorf("events(%v): %d edges but totalCount %d", vars, len(ids), out.Events.TotalCount)
	}
	return ids
}

// actionsOf returns the kinds of a timeline, in order.
func actionsOf(steps []Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Action
	}
	return out
}

// setDeadline moves a case's registration and deadline on the system's account, to simulate
// the passing of time.
func (w *world) setDeadline(t testing.TB, id string, registered, deadline time.Time) {
	t.Helper()
	if err := w.db.Client.Event.UpdateOneID(atoi(t, id)).SetRegisteredAt(registered).SetDeadline(deadline).
		Exec(servertest.System()); err != nil {
		t.Fatalf("set deadline of case %s: %v", id, err)
	}
}

// containsID reports whether ids holds id.
func containsID(ids []string, id string) bool { return slices.Contains(ids, id) }

// statusOf reads a case's status on the system's account.
func (w *world) statusOf(t testing.TB, id string) event.Status { return w.stored(t, id).Status }
