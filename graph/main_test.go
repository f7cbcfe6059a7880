package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"gridgov/ent"
	_ "gridgov/ent/runtime" // registers the schemas' hooks and privacy policies
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// gridFields is the selection every test reads grids with.
const gridFields = `fragment G on Grid { id code name kind level path }`

// GridNode is a grid as the API returns it with the G fragment.
type GridNode struct {
	ID    string `json:"id"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Level int    `json:"level"`
	Path  string `json:"path"`
}

// gridSpec is one grid of a test tree; parent names the key of another spec, "" for a root.
type gridSpec struct {
	key, parent, code, name, kind string
}

// baseTree is the small tree most tests build through the API:
//
//	city 郑州市 (level 0)
//	└── d1 中原区
//	    ├── s1 须水街道
//	    │   ├── v1 三王庄村 ── g11, g12
//	    │   ├── v2 桐树王村 ── g21
//	    │   └── c1 须水社区 ── r31
//	    └── s2 林山寨街道
//	d2 二七区 (a second root)
var baseTree = []gridSpec{
	{"city", "", "4101", "郑州市", "CITY"},
	{"d1", "city", "410102", "中原区", "DISTRICT"},
	{"s1", "d1", "410102001", "须水街道", "SUB_DISTRICT"},
	{"s2", "d1", "410102002", "林山寨街道", "SUB_DISTRICT"},
	{"v1", "s1", "410102001001", "三王庄村", "VILLAGE"},
	{"v2", "s1", "410102001002", "桐树王村", "VILLAGE"},
	{"c1", "s1", "410102001003", "须水社区", "COMMUNITY"},
	{"g11", "v1", "410102001001001", "三王庄村第一村民组", "VILLAGER_GROUP"},
	{"g12", "v1", "410102001001002", "三王庄村第二村民组", "VILLAGER_GROUP"},
	{"g21", "v2", "410102001002001", "桐树王村第一村民组", "VILLAGER_GROUP"},
	{"r31", "c1", "410102001003001", "须水社区一号院", "RESIDENTIAL_COMPOUND"},
	{"d2", "", "410103", "二七区", "DISTRICT"},
}

// fixture is a test server on a fresh database with a superuser's token.
type fixture struct {
	env   *servertest.Env
	db    *dbtest.DB
	token string // a superuser's
}

func newFixture(t *testing.T, db *dbtest.DB) *fixture {
	t.Helper()
	env := servertest.New(t, db)
	return &fixture{env: env, db: db, token: env.TokenFor(t, 0, true)}
}

// createGrid creates a grid through the API.
func (f *fixture) createGrid(t *testing.T, parentID, code, name, kind string) GridNode {
	t.Helper()
	input := map[string]any{"code": code, "name": name, "kind": kind}
	if parentID != "" {
		input["parentID"] = parentID
	}
	var out struct{ CreateGrid GridNode }
	f.env.MustDo(t, f.token, `mutation($in: CreateGridInput!) { createGrid(input: $in) { ...G } } `+gridFields,
		map[string]any{"in": input}, &out)
	return out.CreateGrid
}

// buildTree creates specs in order and returns the grids by key.
func (f *fixture) buildTree(t *testing.T, specs []gridSpec) map[string]GridNode {
	t.Helper()
	out := make(map[string]GridNode, len(specs))
	for _, s := range specs {
		parentID := ""
		if s.parent != "" {
			p, ok := out[s.parent]
			if !ok {
				t.Fatalf("tree spec %s: parent %s not created yet", s.key, s.parent)
			}
			parentID = p.ID
		}
		out[s.key] = f.createGrid(t, parentID, s.code, s.name, s.kind)
	}
	return out
}

// createPerson creates a person with a home grid through the API and returns its id.
func (f *fixture) createPerson(t *testing.T, gridID, name string) string {
	t.Helper()
	var out struct{ CreatePerson struct{ ID string } }
	f.env.MustDo(t, f.token, `mutation($in: CreatePersonInput!) { createPerson(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "gridID": gridID}}, &out)
	return out.CreatePerson.ID
}

// assign gives a person a role through the API and returns the assignment's id.
func (f *fixture) assign(t *testing.T, personID, gridID, role, duty string, from time.Time) string {
	t.Helper()
	in := map[string]any{"personID": personID, "gridID": gridID, "role": role, "validFrom": from.Format(time.RFC3339)}
	if duty != "" {
		in["duty"] = duty
	}
	var out struct{ AssignRole struct{ ID string } }
	f.env.MustDo(t, f.token, `mutation($in: CreateAssignmentInput!) { assignRole(input: $in) { id } }`,
		map[string]any{"in": in}, &out)
	return out.AssignRole.ID
}

// end ends an assignment at a moment through the API.
func (f *fixture) end(t *testing.T, assignmentID string, at time.Time) {
	t.Helper()
	f.env.MustDo(t, f.token, `mutation($id: ID!, $at: Time) { endAssignment(id: $id, at: $at, reason: "换届") { id } }`,
		map[string]any{"id": assignmentID, "at": at.Format(time.RFC3339)}, nil)
}

// createVehicle registers a vehicle through the API and returns its id.
func (f *fixture) createVehicle(t *testing.T, gridID, personID, plate, kind string) string {
	t.Helper()
	in := map[string]any{"plate": plate, "kind": kind, "gridID": gridID}
	if personID != "" {
		in["personID"] = personID
	}
	var out struct{ CreateVehicle struct{ ID string } }
	f.env.MustDo(t, f.token, `mutation($in: CreateVehicleInput!) { createVehicle(input: $in) { id } }`,
		map[string]any{"in": in}, &out)
	return out.CreateVehicle.ID
}

// atoi turns a GraphQL ID into the int id ent uses.
func atoi(t *testing.T, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("id %q is not an int: %v", id, err)
	}
	return n
}

// codes returns the codes of grids, in order.
func codes(gs []GridNode) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Code
	}
	return out
}

// sortedCodes returns the codes of grids, sorted.
func sortedCodes(gs []GridNode) []string {
	out := codes(gs)
	slices.Sort(out)
	return out
}

// gridConn is a grid connection as the API returns it.
type gridConn struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Cursor string   `json:"cursor"`
		Node   GridNode `json:"node"`
	} `json:"edges"`
}

// nodes returns the grids of the connection's edges.
func (c gridConn) nodes() []GridNode {
	out := make([]GridNode, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// state is everything the tests can write, read on the system's account, so that a refused
// mutation can be shown to have written nothing.
type state struct {
	Grids       []string
	People      []string
	Assignments []string
	Vehicles    []string
}

func snapshot(t *testing.T, client *ent.Client) state {
	t.Helper()
	ctx := servertest.System()
	var s state
	grids, err := client.Grid.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range grids {
		s.Grids = append(s.Grids, fmt.Sprintf("%d %s %q %s level=%d path=%s parent=%d hh=%d pop=%d", g.ID, g.Code, g.Name, g.Kind, g.Level, g.Path, g.ParentID, g.Households, g.Population))
	}
	people, err := client.Person.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		s.People = append(s.People, fmt.Sprintf("%d %q grid=%d path=%s phone=%q", p.ID, p.Name, p.GridID, p.GridPath, p.Phone))
	}
	as, err := client.Assignment.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		s.Assignments = append(s.Assignments, fmt.Sprintf("%d person=%d grid=%d %s duty=%s from=%s to=%s reason=%q path=%s", a.ID, a.PersonID, a.GridID, a.Role, deref(a.Duty), a.ValidFrom.UTC(), deref(a.ValidTo), a.EndReason, a.GridPath))
	}
	vs, err := client.Vehicle.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		s.Vehicles = append(s.Vehicles, fmt.Sprintf("%d %s %s grid=%d person=%s service=%t path=%s", v.ID, v.Plate, v.Kind, v.GridID, deref(v.PersonID), v.InService, v.GridPath))
	}
	return s
}

// deref formats what p points at, or <nil>.
func deref[T any](p *T) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// day is midnight UTC of a date.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// checkPaths verifies, on the system's account, that every grid's path and level follow from
// its parent and that every copy of a grid path (people, assignments, vehicles) equals the
// path of its grid.
func checkPaths(ctx context.Context, t *testing.T, client *ent.Client) {
	t.Helper()
	grids, err := client.Grid.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := make(map[int]*ent.Grid, len(grids))
	for _, g := range grids {
		byID[g.ID] = g
	}
	for _, g := range grids {
		wantPath, wantLevel := "/"+strconv.Itoa(g.ID)+"/", 0
		if g.ParentID != 0 {
			p := byID[g.ParentID]
			if p == nil {
				t.Errorf("grid %s: parent %d missing", g.Code, g.ParentID)
				continue
			}
			wantPath, wantLevel = p.Path+strconv.Itoa(g.ID)+"/", p.Level+1
		}
		if g.Path != wantPath || g.Level != wantLevel {
			t.Errorf("grid %s: path %s level %d, want path %s level %d", g.Code, g.Path, g.Level, wantPath, wantLevel)
		}
	}
	pathOf := func(gridID int) string {
		if g := byID[gridID]; g != nil {
			return g.Path
		}
		return "<missing grid>"
	}
	people, err := client.Person.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if want := pathOf(p.GridID); p.GridPath != want {
			t.Errorf("person %d (%s): grid_path %s, want %s (its grid's path)", p.ID, p.Name, p.GridPath, want)
		}
	}
	as, err := client.Assignment.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if want := pathOf(a.GridID); a.GridPath != want {
			t.Errorf("assignment %d: grid_path %s, want %s (its grid's path)", a.ID, a.GridPath, want)
		}
	}
	vs, err := client.Vehicle.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if want := pathOf(v.GridID); v.GridPath != want {
			t.Errorf("vehicle %d (%s): grid_path %s, want %s (its grid's path)", v.ID, v.Plate, v.GridPath, want)
		}
	}
}
