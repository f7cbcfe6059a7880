package authz_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/ent/inspection"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/schema/ledgerfield"
	"gridgov/ent/vehicle"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// The leak test: for hundreds of random viewers it runs every query shape of the API and
// compares the answer with a brute-force oracle computed without the API, from the tree's
// parent links in memory. Any row outside the viewer's scope, a count that includes one, or
// an error that tells a hidden row from a missing one fails it. Every mutation attempted out
// of scope must be refused with FORBIDDEN and change nothing. New query shapes join
// leakShapes below.

// world is the test data as the oracle knows it.
type world struct {
	grids       []*ent.Grid
	parent      map[int]int // grid → parent grid (0 for the root)
	people      []*ent.Person
	assignments []*ent.Assignment
	vehicles    []*ent.Vehicle
	events      []*ent.Event
	households  []*ent.Household
	visits      []*ent.Visit
	patrols     []*ent.Patrol
	reports     []*ent.DailyReport
	posts       []*ent.BulletinPost
	inspections []*ent.Inspection
	entries     []*ent.LedgerEntry
	projects    []*ent.KeyProject
	itemType    *ent.LedgerItemType
	now         time.Time
}

// viewerCase is a viewer with its grants, as the oracle sees them.
type viewerCase struct {
	name     string
	personID int
	super    bool
	token    string
	grants   []authz.Grant // active grants: role on grid id (as path)
	gridOf   map[string]int
}

func TestLeak(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		rng := rand.New(rand.NewPCG(42, 7))
		w := buildWorld(t, db.Client, rng)
		viewers := makeViewers(t, env, w, rng, 200)
		enf, err := authz.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, db.Client)
		for _, v := range viewers {
			o := newOracle(w, v, enf)
			for _, shape := range leakShapes {
				shape.check(t, env, w, v, o)
			}
		}
		if diff := cmp.Diff(before, snapshot(t, db.Client)); diff != "" {
			t.Errorf("refused mutations changed the database (-before +after):\n%s", diff)
		}
	})
}

// buildWorld makes a tree of 1 district, 3 sub-districts, 4 villages each and 3 groups per
// village, with people, assignments (current, ended and future) and vehicles spread over it.
func buildWorld(t *testing.T, c *ent.Client, rng *rand.Rand) *world {
	ctx := servertest.System()
	w := &world{parent: map[int]int{}, now: time.Now()}
	add := func(parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
		b := c.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			b.SetParentID(parent.ID)
		}
		g, err := b.Save(ctx)
		if err != nil {
			t.Fatalf("create grid %s: %v", code, err)
		}
		w.grids = append(w.grids, g)
		if parent != nil {
			w.parent[g.ID] = parent.ID
		}
		return g
	}
	root := add(nil, "410102", "测试区", grid.KindDISTRICT)
	for s := 1; s <= 3; s++ {
		sub := add(root, fmt.Sprintf("410102%03d", s), fmt.Sprintf("街道%d", s), grid.KindSUB_DISTRICT)
		for v := 1; v <= 4; v++ {
			vil := add(sub, fmt.Sprintf("%s%03d", sub.Code, v), fmt.Sprintf("街道%d村%d", s, v), grid.KindVILLAGE)
			for g := 1; g <= 3; g++ {
				add(vil, fmt.Sprintf("%s%03d", vil.Code, g), fmt.Sprintf("街道%d村%d组%d", s, v, g), grid.KindVILLAGER_GROUP)
			}
		}
	}
	roles := []assignment.Role{assignment.RoleFIRST_RESPONSIBLE, assignment.RoleDIRECT_RESPONSIBLE, assignment.RoleGRID_HEAD,
		assignment.RoleSPECIFIC_RESPONSIBLE, assignment.RoleWORKSTATION_HEAD, assignment.RoleSUPERVISOR}
	for i := range 120 {
		home := w.grids[rng.IntN(len(w.grids))]
		p, err := c.Person.Create().SetName(fmt.Sprintf("人员%03d", i)).SetPhone(fmt.Sprintf("1380000%04d", i)).SetGridID(home.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.people = append(w.people, p)
		for range rng.IntN(3) {
			w.assignments = append(w.assignments, randomAssignment(t, c, w, p.ID, roles[rng.IntN(len(roles))], w.grids[rng.IntN(len(w.grids))], rng))
		}
	}
	for i := range 40 {
		g := w.grids[rng.IntN(len(w.grids))]
		b := c.Vehicle.Create().SetPlate(fmt.Sprintf("测巡%03d", i)).SetKind(vehicle.KindBICYCLE).SetGridID(g.ID)
		if i%2 == 0 {
			b.SetPersonID(w.people[rng.IntN(len(w.people))].ID)
		}
		v, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.vehicles = append(w.vehicles, v)
	}
	if err := workflow.SeedCategories(ctx, c); err != nil {
		t.Fatal(err)
	}
	cat, err := c.EventCategory.Query().Where(eventcategory.Code("EXPOSED_GARBAGE")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		origin := w.grids[rng.IntN(len(w.grids))]
		current := origin
		if p := w.parent[origin.ID]; p != 0 && i%4 == 0 {
			current = gridByID(w, p) // escalated: sits on the parent, reported below
		}
		ev, err := c.Event.Create().SetTitle(fmt.Sprintf("事件%02d", i)).SetSource(event.SourcePATROL).
			SetCategoryID(cat.ID).SetGridID(current.ID).SetOriginGridID(origin.ID).SetOriginPath(origin.Path).
			SetTrackingCode(fmt.Sprintf("LEAKTEST%04d", i)).SetReportedAt(w.now).
			SetReporterName("居民").SetReporterPhone("13900000000").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.EventAction.Create().SetEventID(ev.ID).SetAction(eventaction.ActionREPORT).
			SetToStatus(eventaction.ToStatusREPORTED).SetToGridID(origin.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		w.events = append(w.events, ev)
	}
	buildDailyWork(t, c, w, rng)
	buildOversight(t, c, w, rng)
	buildLedgers(t, c, w, rng)
	return w
}

// buildOversight adds bulletin posts (drafts and published) and inspections spread over the
// tree, some with follow-ups due.
func buildOversight(t *testing.T, c *ent.Client, w *world, rng *rand.Rand) {
	ctx := servertest.System()
	for i := range 30 {
		g := w.grids[rng.IntN(len(w.grids))]
		b := c.BulletinPost.Create().SetGridID(g.ID).SetColumn(bulletinpost.ColumnVILLAGE_AFFAIRS).SetTitle(fmt.Sprintf("公告%02d", i))
		if i%2 == 0 {
			b.SetStatus(bulletinpost.StatusPUBLISHED).SetPublishedAt(w.now)
		}
		p, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.posts = append(w.posts, p)
	}
	due := w.now.Add(24 * time.Hour)
	for i := range 30 {
		g := w.grids[rng.IntN(len(w.grids))]
		b := c.Inspection.Create().SetGridID(g.ID).SetInspectorID(w.people[rng.IntN(len(w.people))].ID).
			SetKind(inspection.KindUNANNOUNCED).SetInspectedAt(w.now.Add(-time.Hour)).SetRating(inspection.RatingFAIR)
		if i%3 == 0 {
			b.SetFollowUpDue(due)
		}
		in, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.inspections = append(w.inspections, in)
	}
}

// buildDailyWork adds households, visits, patrols and daily reports spread over the tree.
func buildDailyWork(t *testing.T, c *ent.Client, w *world, rng *rand.Rand) {
	ctx := servertest.System()
	var groups []*ent.Grid
	for _, g := range w.grids {
		if g.Kind == grid.KindVILLAGER_GROUP {
			groups = append(groups, g)
		}
	}
	for i := range 40 {
		g := groups[rng.IntN(len(groups))]
		h, err := c.Household.Create().SetGridID(g.ID).SetAddress(fmt.Sprintf("地址%02d", i)).SetHeadName("户主").
			SetPhone("13700000000").SetNotes("私密").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.households = append(w.households, h)
		p := w.people[rng.IntN(len(w.people))]
		v, err := c.Visit.Create().SetHouseholdID(h.ID).SetVisitorID(p.ID).SetVisitedAt(w.now.Add(-time.Hour)).
			SetGridPath(h.GridPath).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.visits = append(w.visits, v)
	}
	for i := range 30 {
		g := w.grids[rng.IntN(len(w.grids))]
		p := w.people[i]
		pt, err := c.Patrol.Create().SetGridID(g.ID).SetPersonID(p.ID).SetStartedAt(w.now.Add(-2 * time.Hour)).
			SetEndedAt(w.now.Add(-time.Hour)).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.patrols = append(w.patrols, pt)
		r, err := c.DailyReport.Create().SetGridID(g.ID).SetPersonID(p.ID).SetDay("2026-11-20").SetSubmittedAt(w.now).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.reports = append(w.reports, r)
	}
}

func gridByID(w *world, id int) *ent.Grid {
	for _, g := range w.grids {
		if g.ID == id {
			return g
		}
	}
	return nil
}

// randomAssignment gives person a role on g that is current, ended or not yet started.
func randomAssignment(t *testing.T, c *ent.Client, w *world, personID int, role assignment.Role, g *ent.Grid, rng *rand.Rand) *ent.Assignment {
	b := c.Assignment.Create().SetPersonID(personID).SetGridID(g.ID).SetRole(role)
	if role == assignment.RoleSPECIFIC_RESPONSIBLE {
		b.SetDuty(assignment.DutyPATROLLER)
	}
	switch rng.IntN(5) {
	case 0: // ended
		b.SetValidFrom(w.now.AddDate(-1, 0, 0)).SetValidTo(w.now.AddDate(0, -1, 0))
	case 1: // starts in the future
		b.SetValidFrom(w.now.AddDate(0, 1, 0))
	default:
		b.SetValidFrom(w.now.AddDate(0, -6, 0))
	}
	a, err := b.Save(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// makeViewers returns n random viewers plus the special ones: a superuser, an ADMIN of one
// sub-district, a leaf grid head, a multi-role viewer, one whose only role ended, one whose
// only role starts later, and one with no role at all.
func makeViewers(t *testing.T, env *servertest.Env, w *world, rng *rand.Rand, n int) []*viewerCase {
	ctx := servertest.System()
	var out []*viewerCase
	newViewer := func(name string, super bool, specs ...func(personID int)) *viewerCase {
		p, err := env.Client.Person.Create().SetName(name).SetGridID(w.grids[rng.IntN(len(w.grids))].ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range specs {
			s(p.ID)
		}
		v := &viewerCase{name: name, personID: p.ID, super: super}
		v.token = env.TokenFor(t, p.ID, super)
		out = append(out, v)
		return v
	}
	hold := func(role assignment.Role, g *ent.Grid, from time.Time, to *time.Time) func(int) {
		return func(personID int) {
			b := env.Client.Assignment.Create().SetPersonID(personID).SetGridID(g.ID).SetRole(role).SetValidFrom(from).SetNillableValidTo(to)
			if role == assignment.RoleSPECIFIC_RESPONSIBLE {
				b.SetDuty(assignment.DutyPATROLLER)
			}
			if _, err := b.Save(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	past, ended := w.now.AddDate(-1, 0, 0), w.now.AddDate(0, -1, 0)
	leaf := w.grids[len(w.grids)-1]
	sub := w.grids[1]
	newViewer("superuser", true)
	newViewer("sub-admin", false, hold(assignment.RoleADMIN, sub, past, nil))
	newViewer("leaf-grid-head", false, hold(assignment.RoleGRID_HEAD, leaf, past, nil))
	newViewer("multi-role", false, hold(assignment.RoleGRID_HEAD, w.grids[5], past, nil),
		hold(assignment.RoleSUPERVISOR, w.grids[20], past, nil), hold(assignment.RoleSPECIFIC_RESPONSIBLE, leaf, past, nil))
	newViewer("ended-role", false, hold(assignment.RoleFIRST_RESPONSIBLE, sub, past, &ended))
	newViewer("future-role", false, hold(assignment.RoleFIRST_RESPONSIBLE, sub, w.now.AddDate(0, 1, 0), nil))
	newViewer("no-role", false)
	roles := []assignment.Role{assignment.RoleRESPONSIBLE_LEADER, assignment.RoleFIRST_RESPONSIBLE, assignment.RoleDIRECT_RESPONSIBLE,
		assignment.RoleSPECIFIC_RESPONSIBLE, assignment.RoleGRID_HEAD, assignment.RoleWORKSTATION_HEAD, assignment.RoleSUPERVISOR}
	for i := range n {
		var specs []func(int)
		for range rng.IntN(4) {
			var to *time.Time
			if rng.IntN(6) == 0 {
				to = &ended
			}
			// Deeper grids are more common, as they are in a real tree.
			g := w.grids[len(w.grids)-1-rng.IntN(len(w.grids))*rng.IntN(2)]
			specs = append(specs, hold(roles[rng.IntN(len(roles))], g, past, to))
		}
		newViewer(fmt.Sprintf("random-%03d", i), false, specs...)
	}
	// The oracle's view of grants: read back the assignments the viewers now hold.
	all, err := env.Client.Assignment.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.assignments = all
	for _, v := range out {
		for _, a := range all {
			if a.PersonID == v.personID && !a.ValidFrom.After(w.now) && (a.ValidTo == nil || a.ValidTo.After(w.now)) {
				v.grants = append(v.grants, authz.Grant{Role: string(a.Role), Root: strconv.Itoa(a.GridID)})
			}
		}
	}
	return out
}

// oracle answers "may this viewer read this row" from the parent links, not from paths.
type oracle struct {
	w       *world
	v       *viewerCase
	canRead map[string]map[int]bool // object → grid ids the viewer may read it on
	memo    map[string][]int
}

// cached returns the memoized list named key, computing it once.
func (o *oracle) cached(key string, f func() []int) []int {
	if ids, ok := o.memo[key]; ok {
		return ids
	}
	ids := f()
	o.memo[key] = ids
	return ids
}

func newOracle(w *world, v *viewerCase, enf *authz.Enforcer) *oracle {
	o := &oracle{w: w, v: v, canRead: map[string]map[int]bool{}, memo: map[string][]int{}}
	for _, obj := range []string{authz.ObjGrid, authz.ObjPerson, authz.ObjAssignment, authz.ObjVehicle, authz.ObjEvent,
		authz.ObjHousehold, authz.ObjVisit, authz.ObjPatrol, authz.ObjDailyReport, authz.ObjAudit, authz.ObjBulletin, authz.ObjInspection, authz.ObjLedger, authz.ObjKeyProject, authz.ObjUser} {
		// Grids on which some grant of a role allowed to read obj sits.
		granted := map[int]bool{}
		for _, g := range v.grants {
			if enf.RoleCan(g.Role, obj, authz.ActRead) {
				id, _ := strconv.Atoi(g.Root)
				granted[id] = true
			}
		}
		visible := map[int]bool{}
		for _, g := range w.grids {
			for id := g.ID; id != 0; id = w.parent[id] {
				if v.super || granted[id] {
					visible[g.ID] = true
					break
				}
			}
		}
		o.canRead[obj] = visible
	}
	return o
}

func (o *oracle) grids() []int {
	return o.cached("grids", func() []int {
		var ids []int
		for _, g := range o.w.grids {
			if o.canRead[authz.ObjGrid][g.ID] {
				ids = append(ids, g.ID)
			}
		}
		return sorted(ids)
	})
}

// people visible: home grid in scope, an assignment (any time) in scope, or oneself.
func (o *oracle) people(all []*ent.Person) []int {
	return o.cached("people", func() []int {
		inScope := o.canRead[authz.ObjPerson]
		byPerson := map[int]bool{}
		for _, a := range o.w.assignments {
			if inScope[a.GridID] {
				byPerson[a.PersonID] = true
			}
		}
		var ids []int
		for _, p := range all {
			if inScope[p.GridID] || byPerson[p.ID] || p.ID == o.v.personID {
				ids = append(ids, p.ID)
			}
		}
		return sorted(ids)
	})
}

func (o *oracle) assignments() []int {
	return o.cached("assignments", func() []int {
		var ids []int
		for _, a := range o.w.assignments {
			if o.canRead[authz.ObjAssignment][a.GridID] {
				ids = append(ids, a.ID)
			}
		}
		return sorted(ids)
	})
}

func (o *oracle) vehicles() []int {
	return o.cached("vehicles", func() []int {
		var ids []int
		for _, v := range o.w.vehicles {
			if o.canRead[authz.ObjVehicle][v.GridID] {
				ids = append(ids, v.ID)
			}
		}
		return sorted(ids)
	})
}

func sorted(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	sort.Ints(ids)
	return ids
}

// shape is one query shape of the API, checked for one viewer against the oracle.
type shape struct {
	name  string
	check func(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle)
}

// conn is a decoded connection: ids and totalCount.
type conn struct {
	TotalCount int
	Edges      []struct{ Node struct{ ID string } }
}

func (c conn) ids() []int {
	out := []int{}
	for _, e := range c.Edges {
		id, _ := strconv.Atoi(e.Node.ID)
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}

// leakShapes lists every query and mutation shape of the API. Add new shapes here.
var leakShapes = []shape{
	{"lists", checkLists},
	{"filtered and ordered lists", checkFilteredLists},
	{"node and nodes", checkNodes},
	{"edges of visible grids", checkGridEdges},
	{"edges of visible people and assignments", checkPersonEdges},
	{"lookups by code and responsibles", checkLookups},
	{"me", checkMe},
	{"events", checkEvents},
	{"daily work", checkDailyWork},
	{"rollups", checkRollups},
	{"work rollups", checkWorkRollups},
	{"audit log", checkAuditLog},
	{"bulletin and supervision ledger", checkOversight},
	{"ledgers and key projects", checkLedgers},
	{"accounts", checkUsers},
	{"mutations out of scope", checkMutations},
}

// users visible: one's own account, and the accounts of people holding an active role on a
// grid where the viewer may read users; everything for a superuser.
func (o *oracle) users(all []*ent.User) []int {
	return o.cached("users", func() []int {
		inScope := o.canRead[authz.ObjUser]
		active := map[int]bool{}
		for _, a := range o.w.assignments {
			if inScope[a.GridID] && !a.ValidFrom.After(o.w.now) && (a.ValidTo == nil || a.ValidTo.After(o.w.now)) {
				active[a.PersonID] = true
			}
		}
		ids := []int{}
		for _, u := range all {
			if o.v.super || (u.PersonID != nil && (*u.PersonID == o.v.personID || active[*u.PersonID])) {
				ids = append(ids, u.ID)
			}
		}
		return sorted(ids)
	})
}

// checkUsers compares the users connection, filtered and unfiltered, with the oracle, and
// tries to disable an account outside the scope.
func checkUsers(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	all, err := env.Client.User.Query().All(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	want := o.users(all)
	var got struct{ Users, Enabled conn }
	mustData(t, env, v, `{
		users(first: 500) { totalCount edges { node { id } } }
		enabled: users(first: 500, where: {disabled: false, usernameContains: "user"}, orderBy: {field: LAST_SIGN_IN_AT}) { totalCount edges { node { id } } }
	}`, nil, &got)
	if diff := cmp.Diff(want, got.Users.ids()); diff != "" || got.Users.TotalCount != len(want) {
		t.Errorf("%s: users differ from the oracle (totalCount %d, want %d) (-want +got):\n%s", v.name, got.Users.TotalCount, len(want), diff)
	}
	if diff := cmp.Diff(want, got.Enabled.ids()); diff != "" {
		t.Errorf("%s: filtered users differ from the oracle (-want +got):\n%s", v.name, diff)
	}
	for _, u := range all {
		if slices.Contains(want, u.ID) {
			continue
		}
		resp := env.Do(t, v.token, `mutation($id: ID!) { disableUser(userID: $id) { id } }`, map[string]any{"id": strconv.Itoa(u.ID)})
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "FORBIDDEN" {
			t.Errorf("%s: disableUser of hidden account %d answered %+v, want FORBIDDEN", v.name, u.ID, resp.Errors)
		}
		resp = env.Do(t, v.token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": strconv.Itoa(u.ID)})
		if len(resp.Errors) == 0 && !strings.Contains(string(resp.Data), "null") {
			t.Errorf("%s: node(id) of hidden account %d answered %s", v.name, u.ID, resp.Data)
		}
		break
	}
}

func mustData(t *testing.T, env *servertest.Env, v *viewerCase, q string, vars map[string]any, out any) {
	t.Helper()
	resp := env.Do(t, v.token, q, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s: %+v\n%s", v.name, resp.Errors, q)
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		t.Fatal(err)
	}
}

func checkLists(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var got struct{ Grids, People, Assignments, Vehicles conn }
	mustData(t, env, v, `{
		grids(first: 500) { totalCount edges { node { id } } }
		people(first: 500) { totalCount edges { node { id } } }
		assignments(first: 500) { totalCount edges { node { id } } }
		vehicles(first: 500) { totalCount edges { node { id } } }
	}`, nil, &got)
	people := allPeople(t, env)
	want := map[string][]int{"grids": o.grids(), "people": o.people(people), "assignments": o.assignments(), "vehicles": o.vehicles()}
	gotIDs := map[string][]int{"grids": got.Grids.ids(), "people": got.People.ids(), "assignments": got.Assignments.ids(), "vehicles": got.Vehicles.ids()}
	if diff := cmp.Diff(want, gotIDs); diff != "" {
		t.Errorf("%s: lists differ from the oracle (-want +got):\n%s", v.name, diff)
	}
	counts := map[string]int{"grids": got.Grids.TotalCount, "people": got.People.TotalCount, "assignments": got.Assignments.TotalCount, "vehicles": got.Vehicles.TotalCount}
	for k, ids := range want {
		if counts[k] != len(ids) {
			t.Errorf("%s: %s totalCount = %d, want %d", v.name, k, counts[k], len(ids))
		}
	}
}

func checkFilteredLists(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var got struct {
		Villages conn
		Deep     conn
		Named    conn
		Page     conn
		Active   conn
	}
	mustData(t, env, v, `{
		villages: grids(first: 500, where: {kind: VILLAGE}, orderBy: {field: NAME, direction: DESC}) { totalCount edges { node { id } } }
		deep: grids(first: 500, where: {or: [{level: 3}, {levelLT: 1}]}) { totalCount edges { node { id } } }
		named: grids(first: 500, where: {nameContains: "村1"}) { totalCount edges { node { id } } }
		page: grids(last: 3) { totalCount edges { node { id } } }
		active: assignments(first: 500, where: {validToIsNil: true}) { totalCount edges { node { id } } }
	}`, nil, &got)
	var villages, deep, named []int
	for _, g := range w.grids {
		if !o.canRead[authz.ObjGrid][g.ID] {
			continue
		}
		if g.Kind == grid.KindVILLAGE {
			villages = append(villages, g.ID)
		}
		if g.Level == 3 || g.Level < 1 {
			deep = append(deep, g.ID)
		}
		if strings.Contains(g.Name, "村1") {
			named = append(named, g.ID)
		}
	}
	var active []int
	for _, id := range o.assignments() {
		for _, a := range w.assignments {
			if a.ID == id && a.ValidTo == nil {
				active = append(active, id)
			}
		}
	}
	check := func(what string, want []int, c conn) {
		if diff := cmp.Diff(sorted(want), c.ids()); diff != "" || c.TotalCount != len(want) {
			t.Errorf("%s: %s: totalCount %d want %d; ids (-want +got):\n%s", v.name, what, c.TotalCount, len(want), diff)
		}
	}
	check("villages", villages, got.Villages)
	check("deep", deep, got.Deep)
	check("named", named, got.Named)
	check("active", active, got.Active)
	if got.Page.TotalCount != len(o.grids()) {
		t.Errorf("%s: last page totalCount %d, want %d", v.name, got.Page.TotalCount, len(o.grids()))
	}
	for _, id := range got.Page.ids() {
		if !o.canRead[authz.ObjGrid][id] {
			t.Errorf("%s: last page holds hidden grid %d", v.name, id)
		}
	}
}

// sampleIDs returns a few ids of each kind: some visible, some hidden, one that does not exist.
func sampleIDs(w *world) []int {
	ids := []int{w.grids[0].ID, w.grids[7].ID, w.grids[len(w.grids)-1].ID, w.people[3].ID, w.people[50].ID,
		w.assignments[0].ID, w.assignments[len(w.assignments)/2].ID, w.vehicles[1].ID, w.vehicles[30].ID, w.grids[0].ID + 100000}
	return ids
}

func checkNodes(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	people := allPeople(t, env)
	visible := map[int]bool{}
	for _, id := range slices.Concat(o.grids(), o.people(people), o.assignments(), o.vehicles()) {
		visible[id] = true
	}
	ids := sampleIDs(w)
	for _, id := range ids {
		resp := env.Do(t, v.token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		var got struct{ Node *struct{ ID string } }
		_ = json.Unmarshal(resp.Data, &got)
		if visible[id] != (got.Node != nil) {
			t.Errorf("%s: node(%d) returned %v, visible=%v (errors %+v)", v.name, id, got.Node, visible[id], resp.Errors)
		}
		if len(resp.Errors) > 0 {
			t.Errorf("%s: node(%d) errors: %+v", v.name, id, resp.Errors)
		}
	}
	resp := env.Do(t, v.token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
	var got struct{ Nodes []*struct{ ID string } }
	_ = json.Unmarshal(resp.Data, &got)
	if len(got.Nodes) != len(ids) {
		t.Fatalf("%s: nodes returned %d entries for %d ids", v.name, len(got.Nodes), len(ids))
	}
	var msgs []string
	for i, id := range ids {
		if visible[id] != (got.Nodes[i] != nil) {
			t.Errorf("%s: nodes[%d] (id %d) = %v, visible=%v", v.name, i, id, got.Nodes[i], visible[id])
		}
	}
	// The error for a hidden id must read like the one for a missing id.
	for _, e := range resp.Errors {
		msgs = append(msgs, idPattern.ReplaceAllString(e.Message, "<id>")+"/"+e.Code())
	}
	for _, m := range msgs {
		if m != msgs[0] {
			t.Errorf("%s: nodes errors differ between hidden and missing ids: %q", v.name, msgs)
			break
		}
	}
}

var idPattern = regexp.MustCompile(`\d+`)

func checkGridEdges(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	visible := o.grids()
	if len(visible) == 0 {
		return
	}
	people := allPeople(t, env)
	personGrid := map[int]int{}
	for _, p := range people {
		personGrid[p.ID] = p.GridID
	}
	// Check a few visible grids: the first, a middle and the last.
	for _, id := range []int{visible[0], visible[len(visible)/2], visible[len(visible)-1]} {
		var got struct {
			Node struct {
				Parent       *struct{ ID string }
				Children     conn
				Assignments  conn
				Vehicles     conn
				Members      conn
				Descendants  conn
				Ancestors    []struct{ ID string }
				Responsibles []struct {
					ID     string
					Person struct{ ID string }
				}
			}
		}
		mustData(t, env, v, `query($id: ID!) { node(id: $id) { ... on Grid {
			parent { id }
			children(first: 100) { totalCount edges { node { id } } }
			assignments(first: 500) { totalCount edges { node { id } } }
			vehicles(first: 100) { totalCount edges { node { id } } }
			members(first: 100) { totalCount edges { node { id } } }
			descendants(first: 500) { totalCount edges { node { id } } }
			ancestors { id }
			responsibles { id person { id } }
		} } }`, map[string]any{"id": id}, &got)
		n := got.Node
		var want struct{ children, assignments, vehicles, members, descendants, ancestors []int }
		for _, g := range w.grids {
			if w.parent[g.ID] == id && o.canRead[authz.ObjGrid][g.ID] {
				want.children = append(want.children, g.ID)
			}
			if g.ID != id && o.canRead[authz.ObjGrid][g.ID] && isAncestor(w, id, g.ID) {
				want.descendants = append(want.descendants, g.ID)
			}
			if g.ID != id && o.canRead[authz.ObjGrid][g.ID] && isAncestor(w, g.ID, id) {
				want.ancestors = append(want.ancestors, g.ID)
			}
		}
		for _, a := range o.assignments() {
			if assignmentGrid(w, a) == id {
				want.assignments = append(want.assignments, a)
			}
		}
		for _, vid := range o.vehicles() {
			for _, veh := range w.vehicles {
				if veh.ID == vid && veh.GridID == id {
					want.vehicles = append(want.vehicles, vid)
				}
			}
		}
		for _, pid := range o.people(people) {
			if personGrid[pid] == id {
				want.members = append(want.members, pid)
			}
		}
		check := func(what string, want []int, c conn) {
			if diff := cmp.Diff(sorted(want), c.ids()); diff != "" || c.TotalCount != len(want) {
				t.Errorf("%s: grid %d %s: totalCount %d want %d (-want +got):\n%s", v.name, id, what, c.TotalCount, len(want), diff)
			}
		}
		check("children", want.children, n.Children)
		check("assignments", want.assignments, n.Assignments)
		check("vehicles", want.vehicles, n.Vehicles)
		check("members", want.members, n.Members)
		check("descendants", want.descendants, n.Descendants)
		var anc []int
		for _, a := range n.Ancestors {
			x, _ := strconv.Atoi(a.ID)
			anc = append(anc, x)
		}
		if diff := cmp.Diff(sorted(want.ancestors), sorted(anc)); diff != "" {
			t.Errorf("%s: grid %d ancestors (-want +got):\n%s", v.name, id, diff)
		}
		if p := n.Parent; p != nil {
			pid, _ := strconv.Atoi(p.ID)
			if !o.canRead[authz.ObjGrid][pid] {
				t.Errorf("%s: grid %d shows hidden parent %d", v.name, id, pid)
			}
		} else if parent := w.parent[id]; parent != 0 && o.canRead[authz.ObjGrid][parent] {
			t.Errorf("%s: grid %d hides visible parent %d", v.name, id, parent)
		}
		for _, r := range n.Responsibles {
			rid, _ := strconv.Atoi(r.ID)
			if !slices.Contains(o.assignments(), rid) {
				t.Errorf("%s: grid %d responsibles shows hidden assignment %d", v.name, id, rid)
			}
		}
	}
}

func checkPersonEdges(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	people := allPeople(t, env)
	visible := o.people(people)
	if len(visible) == 0 {
		return
	}
	for _, id := range []int{visible[0], visible[len(visible)-1]} {
		resp := env.Do(t, v.token, `query($id: ID!) { node(id: $id) { ... on Person {
			grid { id }
			assignments(first: 100) { totalCount edges { node { id grid { id } } } }
			activeAssignments { id grid { id } }
			vehicles(first: 100) { totalCount edges { node { id } } }
		} } }`, map[string]any{"id": id})
		var got struct {
			Node *struct {
				Grid        *struct{ ID string }
				Assignments conn
				Vehicles    conn
			}
		}
		_ = json.Unmarshal(resp.Data, &got)
		if got.Node == nil {
			// The home grid is a required edge: when it is hidden the node is nulled with an
			// error, which must say nothing about the hidden grid.
			for _, e := range resp.Errors {
				if idPattern.MatchString(e.Message) {
					t.Errorf("%s: person %d error names an id: %q", v.name, id, e.Message)
				}
			}
			continue
		}
		var want []int
		for _, a := range o.assignments() {
			for _, as := range w.assignments {
				if as.ID == a && as.PersonID == id {
					want = append(want, a)
				}
			}
		}
		if diff := cmp.Diff(sorted(want), got.Node.Assignments.ids()); diff != "" {
			t.Errorf("%s: person %d assignments (-want +got):\n%s", v.name, id, diff)
		}
		for _, vid := range got.Node.Vehicles.ids() {
			if !slices.Contains(o.vehicles(), vid) {
				t.Errorf("%s: person %d shows hidden vehicle %d", v.name, id, vid)
			}
		}
	}
}

func checkLookups(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	for _, g := range []*ent.Grid{w.grids[0], w.grids[9], w.grids[len(w.grids)-1]} {
		var got struct{ GridByCode *struct{ ID string } }
		mustData(t, env, v, `query($c: String!) { gridByCode(code: $c) { id } }`, map[string]any{"c": g.Code}, &got)
		if (got.GridByCode != nil) != o.canRead[authz.ObjGrid][g.ID] {
			t.Errorf("%s: gridByCode(%s) = %v, visible=%v", v.name, g.Code, got.GridByCode, o.canRead[authz.ObjGrid][g.ID])
		}
		resp := env.Do(t, v.token, `query($id: ID!) { responsibles(gridID: $id, inherited: true) { id } }`, map[string]any{"id": g.ID})
		if !o.canRead[authz.ObjGrid][g.ID] {
			missing := env.Do(t, v.token, `query($id: ID!) { responsibles(gridID: $id) { id } }`, map[string]any{"id": g.ID + 100000})
			if len(resp.Errors) != 1 || len(missing.Errors) != 1 ||
				idPattern.ReplaceAllString(resp.Errors[0].Message, "<id>") != idPattern.ReplaceAllString(missing.Errors[0].Message, "<id>") ||
				resp.Errors[0].Code() != missing.Errors[0].Code() {
				t.Errorf("%s: responsibles on a hidden grid answered %+v, on a missing grid %+v", v.name, resp.Errors, missing.Errors)
			}
			continue
		}
		var rs struct{ Responsibles []struct{ ID string } }
		_ = json.Unmarshal(resp.Data, &rs)
		for _, r := range rs.Responsibles {
			id, _ := strconv.Atoi(r.ID)
			if !slices.Contains(o.assignments(), id) {
				t.Errorf("%s: responsibles(%s) shows hidden assignment %d", v.name, g.Code, id)
			}
		}
	}
}

func checkMe(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var got struct {
		Me struct {
			Roles []struct{ ID string }
			Scope []struct {
				Grid *struct{ ID string }
			}
		}
	}
	mustData(t, env, v, `{ me { roles { id } scope { grid { id } } } }`, nil, &got)
	if len(got.Me.Roles) != len(v.grants) {
		t.Errorf("%s: me.roles has %d entries, want %d", v.name, len(got.Me.Roles), len(v.grants))
	}
	for _, s := range got.Me.Scope {
		if s.Grid == nil {
			continue
		}
		id, _ := strconv.Atoi(s.Grid.ID)
		if !o.canRead[authz.ObjGrid][id] {
			t.Errorf("%s: me.scope names grid %d outside the scope", v.name, id)
		}
	}
}

// checkMutations tries every mutation against a grid the viewer may not write and expects
// FORBIDDEN, with the same message for a hidden grid as for a missing one.
func checkMutations(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	if v.super {
		return
	}
	// A grid the viewer cannot read at all, if there is one.
	var hidden *ent.Grid
	for _, g := range w.grids {
		if !o.canRead[authz.ObjGrid][g.ID] {
			hidden = g
			break
		}
	}
	if hidden == nil {
		return
	}
	var hiddenAssignment, hiddenPerson, hiddenVehicle int
	for _, a := range w.assignments {
		if !o.canRead[authz.ObjAssignment][a.GridID] && a.ValidTo == nil {
			hiddenAssignment = a.ID
			break
		}
	}
	people := allPeople(t, env)
	for _, p := range people {
		if !slices.Contains(o.people(people), p.ID) {
			hiddenPerson = p.ID
			break
		}
	}
	for _, veh := range w.vehicles {
		if !o.canRead[authz.ObjVehicle][veh.GridID] {
			hiddenVehicle = veh.ID
			break
		}
	}
	own := w.grids[0].ID
	if len(o.grids()) > 0 {
		own = o.grids()[len(o.grids())-1]
	}
	type attempt struct {
		name string
		q    string
		vars func(id int) map[string]any
		id   int
	}
	attempts := []attempt{
		{"updateGrid", `mutation($id: ID!) { updateGrid(id: $id, input: {name: "x"}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hidden.ID},
		{"deleteGrid", `mutation($id: ID!) { deleteGrid(id: $id) }`, func(id int) map[string]any { return map[string]any{"id": id} }, hidden.ID},
		{"moveGrid from", `mutation($id: ID!, $to: ID!) { moveGrid(id: $id, newParentID: $to) { id } }`, func(id int) map[string]any { return map[string]any{"id": id, "to": own} }, hidden.ID},
		{"moveGrid to", `mutation($id: ID!, $to: ID!) { moveGrid(id: $id, newParentID: $to) { id } }`, func(id int) map[string]any { return map[string]any{"id": own, "to": id} }, hidden.ID},
		{"createGrid", `mutation($id: ID!) { createGrid(input: {parentID: $id, code: "999999999999999", name: "x", kind: UNIT_GRID}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hidden.ID},
		{"createPerson", `mutation($id: ID!) { createPerson(input: {gridID: $id, name: "x"}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hidden.ID},
		{"assignRole", `mutation($id: ID!, $p: ID!) { assignRole(input: {gridID: $id, personID: $p, role: GRID_HEAD, validFrom: "2026-01-01T00:00:00Z"}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id, "p": v.personID} }, hidden.ID},
		{"createVehicle", `mutation($id: ID!) { createVehicle(input: {gridID: $id, plate: "leak-x", kind: BICYCLE}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hidden.ID},
	}
	if hiddenAssignment != 0 {
		attempts = append(attempts, attempt{"endAssignment", `mutation($id: ID!) { endAssignment(id: $id) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hiddenAssignment})
	}
	if hiddenPerson != 0 {
		attempts = append(attempts, attempt{"updatePerson", `mutation($id: ID!) { updatePerson(id: $id, input: {name: "x"}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hiddenPerson})
		attempts = append(attempts, attempt{"assignRole hidden person", `mutation($g: ID!, $id: ID!) { assignRole(input: {gridID: $g, personID: $id, role: GRID_HEAD, validFrom: "2026-01-01T00:00:00Z"}) { id } }`, func(id int) map[string]any { return map[string]any{"g": own, "id": id} }, hiddenPerson})
	}
	if hiddenVehicle != 0 {
		attempts = append(attempts, attempt{"updateVehicle", `mutation($id: ID!) { updateVehicle(id: $id, input: {plate: "x"}) { id } }`, func(id int) map[string]any { return map[string]any{"id": id} }, hiddenVehicle})
	}
	for _, a := range attempts {
		resp := env.Do(t, v.token, a.q, a.vars(a.id))
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "FORBIDDEN" {
			// assignRole of a hidden person on an own grid may also fail for lack of the
			// assign permission: that too must be FORBIDDEN.
			t.Errorf("%s: %s on hidden %d: want FORBIDDEN, got %+v", v.name, a.name, a.id, resp.Errors)
			continue
		}
		missing := env.Do(t, v.token, a.q, a.vars(a.id+100000))
		if len(missing.Errors) == 0 {
			t.Errorf("%s: %s on a missing id succeeded", v.name, a.name)
			continue
		}
		h, m := idPattern.ReplaceAllString(resp.Errors[0].Message, "<id>"), idPattern.ReplaceAllString(missing.Errors[0].Message, "<id>")
		if h != m || resp.Errors[0].Code() != missing.Errors[0].Code() {
			t.Errorf("%s: %s tells a hidden id from a missing one: %q/%s vs %q/%s", v.name, a.name, h, resp.Errors[0].Code(), m, missing.Errors[0].Code())
		}
	}
}

// isAncestor reports whether a is a proper ancestor of g, by parent links.
func isAncestor(w *world, a, g int) bool {
	for id := w.parent[g]; id != 0; id = w.parent[id] {
		if id == a {
			return true
		}
	}
	return false
}

func assignmentGrid(w *world, id int) int {
	for _, a := range w.assignments {
		if a.ID == id {
			return a.GridID
		}
	}
	return 0
}

// allPeople returns every person; the refused mutations change none, so one read serves the
// whole test.
func allPeople(t *testing.T, env *servertest.Env) []*ent.Person {
	peopleMu.Lock()
	defer peopleMu.Unlock()
	if ps, ok := peopleCache[env]; ok {
		return ps
	}
	ps, err := env.Client.Person.Query().All(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	peopleCache[env] = ps
	return ps
}

var (
	peopleMu    sync.Mutex
	peopleCache = map[*servertest.Env][]*ent.Person{}
)

// snapshot is a digest of every row the API can change, to prove refused mutations wrote
// nothing.
func snapshot(t *testing.T, c *ent.Client) []string {
	ctx := servertest.System()
	var out []string
	gs, err := c.Grid.Query().Order(ent.Asc(grid.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		out = append(out, fmt.Sprintf("grid %d %s %s %s %d", g.ID, g.Code, g.Name, g.Path, g.ParentID))
	}
	ps, _ := c.Person.Query().All(ctx)
	for _, p := range ps {
		out = append(out, fmt.Sprintf("person %d %s %d %s", p.ID, p.Name, p.GridID, p.GridPath))
	}
	as, _ := c.Assignment.Query().All(ctx)
	for _, a := range as {
		out = append(out, fmt.Sprintf("assignment %d %s %d %v", a.ID, a.Role, a.GridID, a.ValidTo))
	}
	es, _ := c.Event.Query().All(ctx)
	for _, e := range es {
		out = append(out, fmt.Sprintf("event %d %s %d v%d", e.ID, e.Status, e.GridID, e.Version))
	}
	vs, _ := c.Vehicle.Query().All(ctx)
	for _, v := range vs {
		out = append(out, fmt.Sprintf("vehicle %d %s %d", v.ID, v.Plate, v.GridID))
	}
	n, _ := c.AuditEntry.Query().Count(ctx)
	out = append(out, fmt.Sprintf("audit entries %d", n))
	bs, _ := c.BulletinPost.Query().All(ctx)
	for _, b := range bs {
		out = append(out, fmt.Sprintf("post %d %s %s %d", b.ID, b.Title, b.Status, b.GridID))
	}
	is, _ := c.Inspection.Query().All(ctx)
	for _, in := range is {
		out = append(out, fmt.Sprintf("inspection %d %d %v", in.ID, in.GridID, in.FollowedUpAt))
	}
	les, _ := c.LedgerEntry.Query().All(ctx)
	for _, e := range les {
		out = append(out, fmt.Sprintf("ledger entry %d %d v%d %v", e.ID, e.GridID, e.Version, e.Values))
	}
	kps, _ := c.KeyProject.Query().All(ctx)
	for _, p := range kps {
		out = append(out, fmt.Sprintf("key project %d %s %s", p.ID, p.Code, p.Status))
	}
	return out
}

// TestSiblingPrefixes proves scoping is exact on path segments where ids share digits: a grant
// on /1/4/ covers /1/4/ and /1/4/7/ but never /1/40/ or /1/41/. Real ids (globalid ranges)
// all have the same number of digits, so the paths are rewritten by hand here to make the
// siblings 4, 40 and 41.
func TestSiblingPrefixes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		ctx := servertest.System()
		c := db.Client
		mk := func(parent *ent.Grid, code string, kind grid.Kind) *ent.Grid {
			b := c.Grid.Create().SetCode(code).SetName(code).SetKind(kind)
			if parent != nil {
				b.SetParentID(parent.ID)
			}
			g, err := b.Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		root := mk(nil, "410102", grid.KindDISTRICT)
		g4 := mk(root, "410102004", grid.KindSUB_DISTRICT)
		g40 := mk(root, "410102040", grid.KindSUB_DISTRICT)
		g41 := mk(root, "410102041", grid.KindSUB_DISTRICT)
		g47 := mk(g4, "410102004007", grid.KindVILLAGE)
		g407 := mk(g40, "410102040007", grid.KindVILLAGE)
		paths := map[int]string{root.ID: "/1/", g4.ID: "/1/4/", g40.ID: "/1/40/", g41.ID: "/1/41/", g47.ID: "/1/4/7/", g407.ID: "/1/40/7/"}
		for id, p := range paths {
			if err := c.Grid.UpdateOneID(id).SetPath(p).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		p, err := c.Person.Create().SetName("四号网格长").SetGridID(g4.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Assignment.Create().SetPersonID(p.ID).SetGridID(g4.ID).SetRole(assignment.RoleGRID_HEAD).
			SetValidFrom(time.Now().Add(-time.Hour)).Save(ctx); err != nil {
			t.Fatal(err)
		}
		token := env.TokenFor(t, p.ID, false)
		var got struct{ Grids conn }
		env.MustDo(t, token, `{ grids(first: 50) { totalCount edges { node { id } } } }`, nil, &got)
		if diff := cmp.Diff(sorted([]int{g4.ID, g47.ID}), got.Grids.ids()); diff != "" {
			t.Errorf("grant on /1/4/ sees (-want +got):\n%s", diff)
		}
		resp := env.Do(t, token, `mutation($id: ID!) { updateGrid(id: $id, input: {name: "x"}) { id } }`, map[string]any{"id": g40.ID})
		if diff := cmp.Diff([]string{"FORBIDDEN"}, resp.Codes()); diff != "" {
			t.Errorf("update of /1/40/ by a grant on /1/4/ (-want +got):\n%s", diff)
		}
	})
}

// events visible: where the case sits now or where it was reported.
func (o *oracle) events() []int {
	return o.cached("events", func() []int {
		var ids []int
		for _, e := range o.w.events {
			if o.canRead[authz.ObjEvent][e.GridID] || o.canRead[authz.ObjEvent][e.OriginGridID] {
				ids = append(ids, e.ID)
			}
		}
		return sorted(ids)
	})
}

func checkEvents(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var got struct {
		Events   conn
		Reported conn
		Overdue  conn
	}
	mustData(t, env, v, `{
		events(first: 500) { totalCount edges { node { id } } }
		reported: events(first: 500, where: {status: REPORTED}, orderBy: {field: REPORTED_AT, direction: DESC}) { totalCount edges { node { id } } }
		overdue: events(first: 500, overdue: false) { totalCount edges { node { id } } }
	}`, nil, &got)
	want := o.events()
	for name, c := range map[string]conn{"events": got.Events, "reported": got.Reported, "not overdue": got.Overdue} {
		if diff := cmp.Diff(want, c.ids()); diff != "" || c.TotalCount != len(want) {
			t.Errorf("%s: %s totalCount %d want %d (-want +got):\n%s", v.name, name, c.TotalCount, len(want), diff)
		}
	}
	for _, ev := range []*ent.Event{w.events[0], w.events[4], w.events[len(w.events)-1]} {
		visible := slices.Contains(want, ev.ID)
		var n struct {
			Node *struct {
				ID       string
				Timeline []struct{ ID string }
			}
			EventByTrackingCode *struct{ ID string }
		}
		mustData(t, env, v, `query($id: ID!, $c: String!) { node(id: $id) { id ... on Event { timeline { id } } } eventByTrackingCode(code: $c) { id } }`,
			map[string]any{"id": ev.ID, "c": ev.TrackingCode}, &n)
		if (n.Node != nil) != visible || (n.EventByTrackingCode != nil) != visible {
			t.Errorf("%s: case %d node=%v byCode=%v, visible=%v", v.name, ev.ID, n.Node, n.EventByTrackingCode, visible)
		}
		if n.Node != nil && len(n.Node.Timeline) != 1 {
			t.Errorf("%s: case %d timeline has %d steps, want 1", v.name, ev.ID, len(n.Node.Timeline))
		}
		if visible || v.super {
			continue
		}
		// Steps on a hidden case are refused like steps on a missing one.
		q := `mutation($id: ID!) { acceptEvent(id: $id) { id } }`
		hidden := env.Do(t, v.token, q, map[string]any{"id": ev.ID})
		missing := env.Do(t, v.token, q, map[string]any{"id": ev.ID + 100000})
		if len(hidden.Errors) == 0 || hidden.Errors[0].Code() != "FORBIDDEN" || len(missing.Errors) == 0 ||
			idPattern.ReplaceAllString(hidden.Errors[0].Message, "<id>") != idPattern.ReplaceAllString(missing.Errors[0].Message, "<id>") {
			t.Errorf("%s: acceptEvent on hidden case %d: %+v; on a missing one: %+v", v.name, ev.ID, hidden.Errors, missing.Errors)
		}
		// Reporting on a grid the viewer cannot see is refused too.
		if !o.canRead[authz.ObjGrid][ev.OriginGridID] {
			rep := env.Do(t, v.token, `mutation($g: ID!, $c: ID!) { reportEvent(input: {gridID: $g, categoryID: $c, title: "x"}) { id } }`,
				map[string]any{"g": ev.OriginGridID, "c": ev.CategoryID})
			if len(rep.Errors) == 0 || rep.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("%s: reportEvent on hidden grid %d: %+v", v.name, ev.OriginGridID, rep.Errors)
			}
		}
	}
}

func checkDailyWork(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var got struct{ Households, Visits, Patrols, DailyReports conn }
	mustData(t, env, v, `{
		households(first: 500) { totalCount edges { node { id } } }
		visits(first: 500) { totalCount edges { node { id } } }
		patrols(first: 500) { totalCount edges { node { id } } }
		dailyReports(first: 500) { totalCount edges { node { id } } }
	}`, nil, &got)
	var households, visits, patrols, reports []int
	for _, h := range w.households {
		if o.canRead[authz.ObjHousehold][h.GridID] {
			households = append(households, h.ID)
		}
	}
	for _, x := range w.visits {
		h := householdByID(w, x.HouseholdID)
		if o.canRead[authz.ObjVisit][h.GridID] || x.VisitorID == v.personID {
			visits = append(visits, x.ID)
		}
	}
	for _, x := range w.patrols {
		if o.canRead[authz.ObjPatrol][x.GridID] || x.PersonID == v.personID {
			patrols = append(patrols, x.ID)
		}
	}
	for _, x := range w.reports {
		if o.canRead[authz.ObjDailyReport][x.GridID] || x.PersonID == v.personID {
			reports = append(reports, x.ID)
		}
	}
	for name, pair := range map[string]struct {
		want []int
		got  conn
	}{"households": {households, got.Households}, "visits": {visits, got.Visits}, "patrols": {patrols, got.Patrols}, "dailyReports": {reports, got.DailyReports}} {
		if diff := cmp.Diff(sorted(pair.want), pair.got.ids()); diff != "" || pair.got.TotalCount != len(pair.want) {
			t.Errorf("%s: %s totalCount %d want %d (-want +got):\n%s", v.name, name, pair.got.TotalCount, len(pair.want), diff)
		}
	}
	// Compliance questions about a grid outside the scope answer nothing.
	for _, g := range w.grids {
		if o.canRead[authz.ObjGrid][g.ID] {
			continue
		}
		resp := env.Do(t, v.token, `query($g: ID!) { missingDailyReports(gridID: $g, day: "2026-11-20") { id }
			overdueHouseholds(gridID: $g) { id } workCounts(gridID: $g, from: "2026-11-01", to: "2026-11-30") { visits } }`,
			map[string]any{"g": g.ID})
		if string(resp.Data) != "null" || len(resp.Errors) == 0 {
			t.Errorf("%s: compliance on hidden grid %d answered %s %+v", v.name, g.ID, resp.Data, resp.Errors)
		}
		break
	}
}

func householdByID(w *world, id int) *ent.Household {
	for _, h := range w.households {
		if h.ID == id {
			return h
		}
	}
	return nil
}

func checkRollups(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	q := `query($g: ID!) { rollup(gridID: $g, from: "2020-01-01T00:00:00Z", to: "2029-01-01T00:00:00Z", groupBy: CHILD_GRID) {
		totals { found } rows { key found } } }`
	for _, g := range []*ent.Grid{w.grids[0], w.grids[1], w.grids[len(w.grids)-1]} {
		resp := env.Do(t, v.token, q, map[string]any{"g": g.ID})
		if !o.canRead[authz.ObjGrid][g.ID] {
			if len(resp.Errors) == 0 || resp.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("%s: rollup of hidden grid %d: %s %+v", v.name, g.ID, resp.Data, resp.Errors)
			}
			continue
		}
		var got struct {
			Rollup struct {
				Totals struct{ Found int }
				Rows   []struct {
					Key   string
					Found int
				}
			}
		}
		if err := json.Unmarshal(resp.Data, &got); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("%s: rollup: %v %+v", v.name, err, resp.Errors)
		}
		want := 0
		for _, e := range w.events {
			visible := o.canRead[authz.ObjEvent][e.GridID] || o.canRead[authz.ObjEvent][e.OriginGridID]
			if visible && (e.OriginGridID == g.ID || isAncestor(w, g.ID, e.OriginGridID)) {
				want++
			}
		}
		if got.Rollup.Totals.Found != want {
			t.Errorf("%s: rollup of grid %d found %d, want %d", v.name, g.ID, got.Rollup.Totals.Found, want)
		}
	}
}

// checkWorkRollups checks that the daily-work rollup is refused on hidden grids and counts
// only the patrols the viewer may see.
func checkWorkRollups(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	q := `query($g: ID!) { workRollup(gridID: $g, from: "2020-01-01T00:00:00Z", to: "2029-01-01T00:00:00Z") {
		totals { patrols } rows { key patrols } } }`
	for _, g := range []*ent.Grid{w.grids[0], w.grids[1], w.grids[len(w.grids)-1]} {
		resp := env.Do(t, v.token, q, map[string]any{"g": g.ID})
		if !o.canRead[authz.ObjGrid][g.ID] {
			if len(resp.Errors) == 0 || resp.Errors[0].Code() != "FORBIDDEN" {
				t.Errorf("%s: work rollup of hidden grid %d: %s %+v", v.name, g.ID, resp.Data, resp.Errors)
			}
			continue
		}
		var got struct {
			WorkRollup struct {
				Totals struct{ Patrols int }
			}
		}
		if err := json.Unmarshal(resp.Data, &got); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("%s: work rollup: %v %+v", v.name, err, resp.Errors)
		}
		want := 0
		for _, p := range w.patrols {
			if o.canRead[authz.ObjPatrol][p.GridID] && (p.GridID == g.ID || isAncestor(w, g.ID, p.GridID)) {
				want++
			}
		}
		if got.WorkRollup.Totals.Patrols != want {
			t.Errorf("%s: work rollup of grid %d: %d patrols, want %d", v.name, g.ID, got.WorkRollup.Totals.Patrols, want)
		}
	}
}

var (
	auditMu    sync.Mutex
	auditCache = map[*servertest.Env][]*ent.AuditEntry{}
)

// allAuditEntries reads the audit log on the system's account, once per server: refused
// mutations add nothing to it (snapshot checks that).
func allAuditEntries(t *testing.T, env *servertest.Env) []*ent.AuditEntry {
	auditMu.Lock()
	defer auditMu.Unlock()
	if es, ok := auditCache[env]; ok {
		return es
	}
	es, err := env.Client.AuditEntry.Query().All(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	auditCache[env] = es
	return es
}

// auditEntries visible: the entry's grid (the last id of its path) lies under a grant of a
// role that may read the audit log; entries outside the tree only for a superuser.
func (o *oracle) auditEntries(all []*ent.AuditEntry) []int {
	return o.cached("audit", func() []int {
		var ids []int
		for _, e := range all {
			if o.v.super || (e.GridPath != "" && o.canRead[authz.ObjAudit][lastGridID(e.GridPath)]) {
				ids = append(ids, e.ID)
			}
		}
		return sorted(ids)
	})
}

// lastGridID is the id of the grid a path ends in.
func lastGridID(path string) int {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	id, _ := strconv.Atoi(parts[len(parts)-1])
	return id
}

func checkAuditLog(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	all := allAuditEntries(t, env)
	want := o.auditEntries(all)
	wantSet := map[int]bool{}
	for _, id := range want {
		wantSet[id] = true
	}
	var got struct{ AuditLog conn }
	mustData(t, env, v, `{ auditLog(first: 500) { totalCount edges { node { id } } } }`, nil, &got)
	if got.AuditLog.TotalCount != len(want) {
		t.Errorf("%s: auditLog totalCount %d, want %d", v.name, got.AuditLog.TotalCount, len(want))
	}
	for _, id := range got.AuditLog.ids() {
		if !wantSet[id] {
			t.Errorf("%s: auditLog shows entry %d outside the viewer's scope", v.name, id)
		}
	}

	// One subtree and one entity type, through gridID and where.
	g := w.grids[v.personID%len(w.grids)]
	resp := env.Do(t, v.token, `query($g: ID) { auditLog(gridID: $g, where: {entityType: "Event"}) { totalCount edges { node { id } } } }`,
		map[string]any{"g": g.ID})
	if !o.canRead[authz.ObjGrid][g.ID] {
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "FORBIDDEN" {
			t.Errorf("%s: auditLog(gridID: hidden grid %d) = %s, errors %+v; want FORBIDDEN", v.name, g.ID, resp.Data, resp.Errors)
		}
	} else {
		var sub struct{ AuditLog conn }
		if err := json.Unmarshal(resp.Data, &sub); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("%s: auditLog(gridID: %d): %v %+v", v.name, g.ID, err, resp.Errors)
		}
		n := 0
		for _, e := range all {
			if wantSet[e.ID] && e.EntityType == ent.TypeEvent && strings.HasPrefix(e.GridPath, g.Path) {
				n++
			}
		}
		if sub.AuditLog.TotalCount != n {
			t.Errorf("%s: auditLog(gridID: %d, Event) totalCount %d, want %d", v.name, g.ID, sub.AuditLog.TotalCount, n)
		}
		for _, id := range sub.AuditLog.ids() {
			if !wantSet[id] {
				t.Errorf("%s: auditLog(gridID: %d) shows entry %d outside the viewer's scope", v.name, g.ID, id)
			}
		}
	}

	// node(id) on a sample of entries.
	for i := 0; i < len(all); i += 97 {
		e := all[i]
		var n struct{ Node *struct{ ID string } }
		resp := env.Do(t, v.token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": e.ID})
		_ = json.Unmarshal(resp.Data, &n)
		if wantSet[e.ID] != (n.Node != nil) {
			t.Errorf("%s: node(audit entry %d) = %v, visible=%v", v.name, e.ID, n.Node, wantSet[e.ID])
		}
	}
}

// checkOversight: bulletin posts and the supervision ledger are scoped like everything else
// (inspections also to their own inspector), and writes to hidden ones are refused like
// writes to missing ones, changing nothing.
func checkOversight(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var got struct {
		BulletinPosts, Inspections, Mine conn
		FollowUpsDue                     []struct{ ID string }
	}
	mustData(t, env, v, `{
		bulletinPosts(first: 500) { totalCount edges { node { id } } }
		inspections(first: 500) { totalCount edges { node { id } } }
		mine: inspections(first: 500, mine: true) { totalCount edges { node { id } } }
		followUpsDue(before: "2100-01-01T00:00:00Z", first: 500) { id }
	}`, nil, &got)
	var posts, inspections, mine, due []int
	for _, p := range w.posts {
		if o.canRead[authz.ObjBulletin][p.GridID] {
			posts = append(posts, p.ID)
		}
	}
	for _, in := range w.inspections {
		if o.canRead[authz.ObjInspection][in.GridID] || in.InspectorID == v.personID {
			inspections = append(inspections, in.ID)
			if in.FollowUpDue != nil {
				due = append(due, in.ID)
			}
		}
		if in.InspectorID == v.personID {
			mine = append(mine, in.ID)
		}
	}
	var dueGot []int
	for _, f := range got.FollowUpsDue {
		id, _ := strconv.Atoi(f.ID)
		dueGot = append(dueGot, id)
	}
	for name, pair := range map[string]struct {
		want []int
		got  conn
	}{"bulletinPosts": {posts, got.BulletinPosts}, "inspections": {inspections, got.Inspections}, "inspections(mine)": {mine, got.Mine}} {
		if diff := cmp.Diff(sorted(pair.want), pair.got.ids()); diff != "" || pair.got.TotalCount != len(pair.want) {
			t.Errorf("%s: %s totalCount %d want %d (-want +got):\n%s", v.name, name, pair.got.TotalCount, len(pair.want), diff)
		}
	}
	if diff := cmp.Diff(sorted(due), sorted(dueGot)); diff != "" {
		t.Errorf("%s: followUpsDue (-want +got):\n%s", v.name, diff)
	}
	if v.super {
		return
	}
	// Writes to a hidden post, grid or inspection read like writes to missing ones.
	refuse := func(what, q string, hidden, missing map[string]any) {
		t.Helper()
		h := env.Do(t, v.token, q, hidden)
		m := env.Do(t, v.token, q, missing)
		if len(h.Errors) == 0 || h.Errors[0].Code() != "FORBIDDEN" || len(m.Errors) == 0 ||
			idPattern.ReplaceAllString(h.Errors[0].Message, "<id>") != idPattern.ReplaceAllString(m.Errors[0].Message, "<id>") {
			t.Errorf("%s: %s on a hidden row: %+v; on a missing one: %+v", v.name, what, h.Errors, m.Errors)
		}
	}
	for _, p := range w.posts {
		if o.canRead[authz.ObjBulletin][p.GridID] {
			continue
		}
		for _, q := range []string{
			`mutation($id: ID!) { publishBulletinPost(id: $id) { id } }`,
			`mutation($id: ID!) { updateBulletinPost(id: $id, input: {title: "x"}) { id } }`,
		} {
			refuse(q, q, map[string]any{"id": p.ID}, map[string]any{"id": p.ID + 100000})
		}
		break
	}
	for _, g := range w.grids {
		if o.canRead[authz.ObjGrid][g.ID] {
			continue
		}
		q := `mutation($g: ID!) { createBulletinPost(input: {gridID: $g, column: PARTY_AFFAIRS, title: "x"}) { id } }`
		refuse("createBulletinPost", q, map[string]any{"g": g.ID}, map[string]any{"g": g.ID + 100000})
		q = `mutation($g: ID!) { recordInspection(input: {gridID: $g, rating: GOOD}) { id } }`
		if v.personID != 0 {
			refuse("recordInspection", q, map[string]any{"g": g.ID}, map[string]any{"g": g.ID + 100000})
		}
		break
	}
	for _, in := range w.inspections {
		if o.canRead[authz.ObjInspection][in.GridID] || in.InspectorID == v.personID || in.FollowUpDue == nil {
			continue
		}
		q := `mutation($id: ID!) { completeFollowUp(id: $id, note: "x") { id } }`
		refuse("completeFollowUp", q, map[string]any{"id": in.ID}, map[string]any{"id": in.ID + 100000})
		break
	}
}

// buildLedgers adds a ledger type with entries, and key projects with a metric and a
// reading, spread over the tree.
func buildLedgers(t *testing.T, c *ent.Client, w *world, rng *rand.Rand) {
	ctx := servertest.System()
	cat, err := c.LedgerCategory.Create().SetCode("TEST").SetName("Test").SetLabel("测试").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.itemType, err = c.LedgerItemType.Create().SetCode("LEAK").SetName("Leak").SetLabel("测试台账").SetCategoryID(cat.ID).
		SetPeriod(ledgeritemtype.PeriodMONTH).SetRequired(true).
		SetFields([]ledgerfield.Def{{Key: "note", Label: "备注", Type: ledgerfield.Text, Required: true}}).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		g := w.grids[rng.IntN(len(w.grids))]
		p, err := c.KeyProject.Create().SetCode(fmt.Sprintf("KP-%02d", i)).SetName(fmt.Sprintf("项目%02d", i)).SetGridID(g.ID).
			SetGridIds([]int{g.ID}).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, err := c.KeyProjectMetric.Create().SetProjectID(p.ID).SetCode("M").SetLabel("指标").SetTarget(10).SetGridPath(p.GridPath).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.KeyProjectProgress.Create().SetMetricID(m.ID).SetDay("2026-11-01").SetValue(5).SetGridPath(p.GridPath).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		w.projects = append(w.projects, p)
	}
	for i := range 50 {
		g := w.grids[rng.IntN(len(w.grids))]
		b := c.LedgerEntry.Create().SetItemTypeID(w.itemType.ID).SetGridID(g.ID).SetPeriod("2026-11").
			SetValues(map[string]string{"note": fmt.Sprintf("记录%02d", i)})
		if i%5 == 0 {
			b.SetKeyProjectID(w.projects[rng.IntN(len(w.projects))].ID)
		}
		e, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.entries = append(w.entries, e)
	}
}

// checkLedgers runs the ledger and key-project shapes: lists, filtered lists, nodes and edges,
// completeness, progress, and writes and downloads aimed outside the scope.
func checkLedgers(t *testing.T, env *servertest.Env, w *world, v *viewerCase, o *oracle) {
	var entries, projects []int
	for _, e := range w.entries {
		if o.canRead[authz.ObjLedger][e.GridID] {
			entries = append(entries, e.ID)
		}
	}
	for _, p := range w.projects {
		if o.canRead[authz.ObjKeyProject][p.GridID] {
			projects = append(projects, p.ID)
		}
	}
	var got struct {
		LedgerEntries, Filtered, KeyProjects conn
	}
	// 15 of the 12 projects: 500 projects with their metrics' histories is beyond the
	// complexity budget, which counts every list by its length.
	mustData(t, env, v, `query($t: ID!) {
		ledgerEntries(first: 500) { totalCount edges { node { id keyProject { id } revisions { id } } } }
		filtered: ledgerEntries(first: 500, itemTypeID: $t, where: {period: "2026-11"}) { totalCount edges { node { id } } }
		keyProjects(first: 15) { totalCount edges { node { id grids { id } metrics { metric { id history { id } } } } } }
	}`, map[string]any{"t": w.itemType.ID}, &got)
	for name, pair := range map[string]struct {
		want []int
		got  conn
	}{"ledgerEntries": {entries, got.LedgerEntries}, "filtered ledgerEntries": {entries, got.Filtered}, "keyProjects": {projects, got.KeyProjects}} {
		if diff := cmp.Diff(sorted(pair.want), pair.got.ids()); diff != "" || pair.got.TotalCount != len(pair.want) {
			t.Errorf("%s: %s totalCount %d want %d (-want +got):\n%s", v.name, name, pair.got.TotalCount, len(pair.want), diff)
		}
	}
	for _, e := range []*ent.LedgerEntry{w.entries[0], w.entries[len(w.entries)-1]} {
		var n struct{ Node *struct{ ID string } }
		mustData(t, env, v, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": e.ID}, &n)
		if (n.Node != nil) != slices.Contains(entries, e.ID) {
			t.Errorf("%s: node(ledger entry %d) = %v", v.name, e.ID, n.Node)
		}
	}
	// Subtree questions about a hidden grid are refused like questions about a missing one;
	// about a visible grid, they name only visible grids and projects.
	for _, g := range []*ent.Grid{w.grids[0], w.grids[1], w.grids[len(w.grids)-1]} {
		q := `query($g: ID!) { ledgerCompleteness(gridID: $g, period: "2026-11") { grid { id } }
			keyProjectProgress(gridID: $g) { project { id } } }`
		resp := env.Do(t, v.token, q, map[string]any{"g": g.ID})
		if !o.canRead[authz.ObjGrid][g.ID] {
			missing := env.Do(t, v.token, q, map[string]any{"g": g.ID + 100000})
			if len(resp.Errors) == 0 || len(missing.Errors) == 0 || resp.Errors[0].Code() != missing.Errors[0].Code() ||
				idPattern.ReplaceAllString(resp.Errors[0].Message, "<id>") != idPattern.ReplaceAllString(missing.Errors[0].Message, "<id>") {
				t.Errorf("%s: completeness of hidden grid %d: %+v; of a missing one: %+v", v.name, g.ID, resp.Errors, missing.Errors)
			}
			continue
		}
		var ans struct {
			LedgerCompleteness []struct{ Grid struct{ ID string } }
			KeyProjectProgress []struct{ Project struct{ ID string } }
		}
		if err := json.Unmarshal(resp.Data, &ans); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("%s: completeness: %v %+v", v.name, err, resp.Errors)
		}
		for _, c := range ans.LedgerCompleteness {
			id, _ := strconv.Atoi(c.Grid.ID)
			if !o.canRead[authz.ObjGrid][id] {
				t.Errorf("%s: completeness names hidden grid %d", v.name, id)
			}
		}
		for _, p := range ans.KeyProjectProgress {
			id, _ := strconv.Atoi(p.Project.ID)
			if !slices.Contains(projects, id) {
				t.Errorf("%s: progress names hidden project %d", v.name, id)
			}
		}
	}
	if v.super {
		return
	}
	// Writes and downloads aimed at hidden rows are refused as if the rows did not exist.
	var hiddenGrid *ent.Grid
	for _, g := range w.grids {
		if !o.canRead[authz.ObjGrid][g.ID] {
			hiddenGrid = g
			break
		}
	}
	var hiddenEntry, hiddenProject int
	for _, e := range w.entries {
		if !slices.Contains(entries, e.ID) {
			hiddenEntry = e.ID
			break
		}
	}
	for _, p := range w.projects {
		if !slices.Contains(projects, p.ID) {
			hiddenProject = p.ID
			break
		}
	}
	type attempt struct {
		name, q string
		vars    func(id int) map[string]any
		id      int
	}
	var attempts []attempt
	if hiddenGrid != nil {
		attempts = append(attempts,
			attempt{"createLedgerEntry", `mutation($g: ID!, $t: ID!) { createLedgerEntry(input: {itemTypeID: $t, gridID: $g, period: "2026-11", values: [{key: "note", value: "x"}]}) { id } }`,
				func(id int) map[string]any { return map[string]any{"g": id, "t": w.itemType.ID} }, hiddenGrid.ID},
			attempt{"requestExport", `mutation($g: ID!) { requestExport(kind: LEDGERS, gridID: $g) { url } }`,
				func(id int) map[string]any { return map[string]any{"g": id} }, hiddenGrid.ID},
			attempt{"createKeyProject", `mutation($g: ID!) { createKeyProject(input: {code: "LEAK-X", name: "x", gridID: $g}) { id } }`,
				func(id int) map[string]any { return map[string]any{"g": id} }, hiddenGrid.ID})
	}
	if hiddenEntry != 0 {
		attempts = append(attempts, attempt{"updateLedgerEntry", `mutation($id: ID!) { updateLedgerEntry(id: $id, input: {values: [{key: "note", value: "x"}]}) { id } }`,
			func(id int) map[string]any { return map[string]any{"id": id} }, hiddenEntry})
	}
	if hiddenProject != 0 {
		attempts = append(attempts, attempt{"setKeyProjectStatus", `mutation($id: ID!) { setKeyProjectStatus(id: $id, status: COMPLETED) { id } }`,
			func(id int) map[string]any { return map[string]any{"id": id} }, hiddenProject})
	}
	for _, a := range attempts {
		resp := env.Do(t, v.token, a.q, a.vars(a.id))
		missing := env.Do(t, v.token, a.q, a.vars(a.id+100000))
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "FORBIDDEN" || len(missing.Errors) == 0 ||
			resp.Errors[0].Code() != missing.Errors[0].Code() ||
			idPattern.ReplaceAllString(resp.Errors[0].Message, "<id>") != idPattern.ReplaceAllString(missing.Errors[0].Message, "<id>") {
			t.Errorf("%s: %s on hidden %d: %+v; on a missing one: %+v", v.name, a.name, a.id, resp.Errors, missing.Errors)
		}
	}
}
