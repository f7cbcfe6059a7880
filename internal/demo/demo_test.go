package demo

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/ent/privacy"
	_ "gridgov/ent/runtime" // registers hooks and policies
	"gridgov/ent/vehicle"
	"gridgov/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// allow is the privacy bypass of the tests, as callers of Load pass it.
func allow(t *testing.T) context.Context {
	return privacy.DecisionContext(t.Context(), privacy.Allow)
}

// load loads the demo into client and logs how long it took.
func load(t *testing.T, client *ent.Client) *Summary {
	t.Helper()
	start := time.Now()
	s, err := Load(allow(t), client)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("Load took %v: %+v", time.Since(start), *s)
	return s
}

func TestPlan(t *testing.T) {
	t.Parallel()
	p := build()
	kinds := map[int]map[grid.Kind]int{}
	for _, g := range p.grids {
		if kinds[g.depth] == nil {
			kinds[g.depth] = map[grid.Kind]int{}
		}
		kinds[g.depth][g.kind]++
	}
	want := map[int]map[grid.Kind]int{
		0: {grid.KindDISTRICT: 1},
		1: {grid.KindSUB_DISTRICT: 1},
		2: {grid.KindVILLAGE: 10, grid.KindCOMMUNITY: 3, grid.KindENTERPRISE_ZONE: 1},
		3: {grid.KindVILLAGER_GROUP: 61, grid.KindKEY_ENTERPRISE: 15, grid.KindRESIDENTIAL_COMPOUND: 20},
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("grid kinds by level (-want +got):\n%s", diff)
	}
	t.Logf("%d grids, %d people, %d assignments, %d vehicles", len(p.grids), len(p.people), len(p.assignments), len(p.vehicles))
	if n := len(p.people); n < 1000 || n > 1300 {
		t.Errorf("%d people, want about 1,150", n)
	}
	if diff := cmp.Diff(build(), p, cmp.AllowUnexported(plan{}, gridRow{}, personRow{}, assignmentRow{}, vehicleRow{})); diff != "" {
		t.Errorf("build is not deterministic (-first +second):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, testLoad)
}

func testLoad(t *testing.T, db *dbtest.DB) {
	ctx, client := allow(t), db.Client
	got := load(t, client)
	p := build()
	want := &Summary{Grids: 112, Level1: 1, Level2: 14, Level3: 96, People: len(p.people), Assignments: len(p.assignments), Vehicles: 66}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("summary (-want +got):\n%s", diff)
	}
	if got.People <= 1000 || got.Vehicles < 60 {
		t.Errorf("summary %+v: want more than 1,000 people and 60+ vehicles", *got)
	}

	t.Run("tree", func(t *testing.T) {
		grids := client.Grid.Query().AllX(ctx)
		byID := map[int]*ent.Grid{}
		for _, g := range grids {
			byID[g.ID] = g
		}
		sums := map[int][2]int{}
		names := map[string]string{}
		for _, g := range grids {
			names[g.Code] = g.Name
			if g.ParentID == 0 {
				if g.Code != DistrictCode || g.Level != 0 || g.Kind != grid.KindDISTRICT {
					t.Errorf("root %s %s level %d kind %s", g.Code, g.Name, g.Level, g.Kind)
				}
				continue
			}
			parent := byID[g.ParentID]
			if g.Level != parent.Level+1 {
				t.Errorf("%s: level %d under level %d", g.Code, g.Level, parent.Level)
			}
			if !strings.HasPrefix(g.Code, parent.Code) || len(g.Code) != len(parent.Code)+3 {
				t.Errorf("code %s under %s", g.Code, parent.Code)
			}
			if !strings.HasPrefix(g.Path, parent.Path) || g.Path == parent.Path {
				t.Errorf("%s: path %q under %q", g.Code, g.Path, parent.Path)
			}
			if g.Level == 3 {
				if g.Households < 120 || g.Households > 450 {
					t.Errorf("%s: %d households", g.Code, g.Households)
				}
				if r := float64(g.Population) / float64(g.Households); r < 2.9 || r > 3.5 {
					t.Errorf("%s: %d people in %d households", g.Code, g.Population, g.Households)
				}
			}
			if g.AreaDescription == "" || g.Duties == "" {
				t.Errorf("%s: area %q, duties %q", g.Code, g.AreaDescription, g.Duties)
			}
			s := sums[parent.ID]
			sums[parent.ID] = [2]int{s[0] + g.Households, s[1] + g.Population}
		}
		for id, s := range sums {
			if g := byID[id]; g.Households != s[0] || g.Population != s[1] {
				t.Errorf("%s: households %d, population %d; children sum to %v", g.Code, g.Households, g.Population, s)
			}
		}
		for code, name := range map[string]string{
			SubDistrictCode: "须水街道", SanwangzhuangCode: "三王庄村", SanwangzhuangGroupCode: "三王庄村第一村民组",
			EnterpriseZoneCode: "须水产业园区", "410102001003": "桐树王村", "410102001004": "庙王村",
		} {
			if names[code] != name {
				t.Errorf("grid %s is %q, want %q", code, names[code], name)
			}
		}
	})

	t.Run("people", func(t *testing.T) {
		people := client.Person.Query().WithGrid().WithAssignments().AllX(ctx)
		phone := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
		phones, party := map[string]bool{}, 0
		for _, p := range people {
			if excludedNames[p.Name] {
				t.Errorf("person %q is named in the article", p.Name)
			}
			if !phone.MatchString(p.Phone) || phones[p.Phone] {
				t.Errorf("%s: phone %q malformed or repeated", p.Name, p.Phone)
			}
			phones[p.Phone] = true
			if p.GridPath != p.Edges.Grid.Path {
				t.Errorf("%s: grid_path %q, grid path %q", p.Name, p.GridPath, p.Edges.Grid.Path)
			}
			if len(p.Edges.Assignments) == 0 {
				t.Errorf("%s holds no assignment", p.Name)
			}
			if p.PartyMember {
				party++
			}
		}
		if share := float64(party) / float64(len(people)); share < 0.3 || share > 0.5 {
			t.Errorf("party members: %.2f of people, want about 0.4", share)
		}
	})

	t.Run("roles", func(t *testing.T) {
		active := client.Assignment.Query().Where(assignment.ValidToIsNil()).WithGrid().AllX(ctx)
		heads, firsts := map[int][]int{}, map[int][]int{}
		sub := map[assignment.Role]int{}
		workstations := 0
		for _, a := range active {
			if a.GridPath != a.Edges.Grid.Path {
				t.Errorf("assignment %d: grid_path %q, grid path %q", a.ID, a.GridPath, a.Edges.Grid.Path)
			}
			switch {
			case a.Edges.Grid.Level == 1:
				sub[a.Role]++
			case a.Edges.Grid.Level == 2 && a.Role == assignment.RoleWORKSTATION_HEAD:
				workstations++
			case a.Edges.Grid.Level == 3 && a.Role == assignment.RoleGRID_HEAD:
				heads[a.GridID] = append(heads[a.GridID], a.PersonID)
			case a.Edges.Grid.Level == 3 && a.Role == assignment.RoleFIRST_RESPONSIBLE:
				firsts[a.GridID] = append(firsts[a.GridID], a.PersonID)
			}
			if (a.Role == assignment.RoleSPECIFIC_RESPONSIBLE) != (a.Duty != nil) {
				t.Errorf("assignment %d: role %s with duty %v", a.ID, a.Role, a.Duty)
			}
		}
		if sub[assignment.RoleRESPONSIBLE_LEADER] != 1 || sub[assignment.RoleFIRST_RESPONSIBLE] != 2 {
			t.Errorf("sub-district roles %v: want 1 responsible leader and 2 first-responsible", sub)
		}
		if workstations != 14 {
			t.Errorf("%d workstation heads, want 14", workstations)
		}
		if len(heads) != 96 {
			t.Errorf("%d level-3 grids with a grid head, want 96", len(heads))
		}
		for g, hs := range heads {
			if len(hs) != 1 || !slices.Equal(hs, firsts[g]) {
				t.Errorf("grid %d: grid heads %v, first-responsible %v; want one, the same", g, hs, firsts[g])
			}
		}
	})

	t.Run("history", func(t *testing.T) {
		ended := client.Assignment.Query().Where(assignment.ValidToNotNil()).AllX(ctx)
		if len(ended) != 20 {
			t.Errorf("%d ended assignments, want 20", len(ended))
		}
		for _, a := range ended {
			if a.EndReason != EndReason {
				t.Errorf("assignment %d ended for %q", a.ID, a.EndReason)
			}
			q := client.Assignment.Query().Where(
				assignment.GridID(a.GridID), assignment.RoleEQ(a.Role),
				assignment.ValidFrom(*a.ValidTo), assignment.ValidToIsNil(), assignment.PersonIDNEQ(a.PersonID))
			if a.Duty != nil {
				q.Where(assignment.DutyEQ(*a.Duty))
			}
			if n := q.CountX(ctx); n != 1 {
				t.Errorf("assignment %d (%s on grid %d) ended at %v: %d successors, want 1", a.ID, a.Role, a.GridID, a.ValidTo, n)
			}
		}
		before, err := Holder(ctx, client, SanwangzhuangCode, assignment.RoleFIRST_RESPONSIBLE, day(2026, 3, 1))
		if err != nil {
			t.Fatal(err)
		}
		after, err := Holder(ctx, client, SanwangzhuangCode, assignment.RoleFIRST_RESPONSIBLE, FirstResponsibleChange)
		if err != nil {
			t.Fatal(err)
		}
		if before.ID == after.ID {
			t.Errorf("三王庄村 first-responsible %s both before and after %v", before.Name, FirstResponsibleChange)
		}
		if _, err := Holder(ctx, client, SanwangzhuangCode, assignment.RoleFIRST_RESPONSIBLE, day(2024, 12, 31)); !ent.IsNotFound(err) {
			t.Errorf("Holder before the term: %v, want not found", err)
		}
	})

	t.Run("vehicles", func(t *testing.T) {
		vs := client.Vehicle.Query().WithGrid().Order(ent.Asc(vehicle.FieldPlate)).AllX(ctx)
		kinds, ridden := map[vehicle.Kind]int{}, 0
		for i, v := range vs {
			kinds[v.Kind]++
			if want := fmt.Sprintf("须水巡%03d", i+1); v.Plate != want {
				t.Errorf("plate %s, want %s", v.Plate, want)
			}
			if v.Edges.Grid.Level != 2 || v.GridPath != v.Edges.Grid.Path {
				t.Errorf("%s kept by %s at level %d, grid_path %q", v.Plate, v.Edges.Grid.Code, v.Edges.Grid.Level, v.GridPath)
			}
			if v.PersonID == nil {
				continue
			}
			ridden++
			patrols := client.Assignment.Query().Where(assignment.PersonID(*v.PersonID),
				assignment.DutyEQ(assignment.DutyPATROLLER), assignment.ValidToIsNil()).ExistX(ctx)
			if !patrols {
				t.Errorf("%s ridden by person %d, not a patroller", v.Plate, *v.PersonID)
			}
		}
		if diff := cmp.Diff(map[vehicle.Kind]int{vehicle.KindBICYCLE: 62, vehicle.KindE_BIKE: 4}, kinds); diff != "" {
			t.Errorf("vehicle kinds (-want +got):\n%s", diff)
		}
		if ridden < len(vs)*3/4 {
			t.Errorf("%d of %d vehicles assigned, want most", ridden, len(vs))
		}
	})
}

func TestLoadTwice(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		first := load(t, db.Client)
		before := digest(dbLines(t, db.Client))
		second := load(t, db.Client)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("second load summary (-first +second):\n%s", diff)
		}
		if after := digest(dbLines(t, db.Client)); after != before {
			t.Errorf("second load changed the data: digest %s, was %s", after, before)
		}
	})
}

func TestLoadDeterministic(t *testing.T) {
	t.Parallel()
	want := digest(planLines(build()))
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		other := dbtest.New(t, db.Dialect)
		for _, client := range []*ent.Client{db.Client, other.Client} {
			load(t, client)
			if got := digest(dbLines(t, client)); got != want {
				t.Errorf("loaded data digest %s, want the plan's %s", got, want)
			}
		}
	})
}

func TestLoadRefusesOtherData(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx, client := allow(t), db.Client
		client.Grid.Create().SetCode("110101").SetName("东城区").SetKind(grid.KindDISTRICT).SaveX(ctx)
		if _, err := Load(ctx, client); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("Load into a database with other grids: %v, want ErrNotEmpty", err)
		}
		if n := client.Grid.Query().CountX(ctx); n != 1 {
			t.Errorf("%d grids after refused load, want 1", n)
		}
	})
}

// digest hashes lines describing a data set in any order.
func digest(lines []string) string {
	slices.Sort(lines)
	return fmt.Sprintf("%x (%d rows)", sha256.Sum256([]byte(strings.Join(lines, "\n"))), len(lines))
}

// planLines describes the plan as dbLines describes the database.
func planLines(p *plan) []string {
	var lines []string
	for _, g := range p.grids {
		parent := ""
		if g.parent >= 0 {
			parent = p.grids[g.parent].code
		}
		lines = append(lines, gridLine(g.code, g.name, g.kind, g.depth, parent, g.households, g.pop, g.area, g.duties))
	}
	for _, r := range p.people {
		lines = append(lines, personLine(r.name, r.gender, r.phone, r.title, r.unit, r.party, p.grids[r.grid].code))
	}
	for _, a := range p.assignments {
		var to *time.Time
		if !a.to.IsZero() {
			to = &a.to
		}
		lines = append(lines, assignmentLine(p.people[a.person].name, p.grids[a.grid].code, a.role, string(a.duty), a.title, a.from, to, a.endReason))
	}
	for _, v := range p.vehicles {
		rider := ""
		if v.person >= 0 {
			rider = p.people[v.person].name
		}
		lines = append(lines, vehicleLine(v.plate, v.kind, v.inService, p.grids[v.grid].code, rider))
	}
	return lines
}

// dbLines describes the data set in the database, ids and paths left out.
func dbLines(t *testing.T, client *ent.Client) []string {
	t.Helper()
	ctx := allow(t)
	var lines []string
	for _, g := range client.Grid.Query().WithParent().AllX(ctx) {
		parent := ""
		if g.Edges.Parent != nil {
			parent = g.Edges.Parent.Code
		}
		lines = append(lines, gridLine(g.Code, g.Name, g.Kind, g.Level, parent, g.Households, g.Population, g.AreaDescription, g.Duties))
	}
	for _, p := range client.Person.Query().WithGrid().AllX(ctx) {
		lines = append(lines, personLine(p.Name, p.Gender, p.Phone, p.Title, p.Unit, p.PartyMember, p.Edges.Grid.Code))
	}
	for _, a := range client.Assignment.Query().WithGrid().WithPerson().AllX(ctx) {
		duty := ""
		if a.Duty != nil {
			duty = a.Duty.String()
		}
		lines = append(lines, assignmentLine(a.Edges.Person.Name, a.Edges.Grid.Code, a.Role, duty, a.Title, a.ValidFrom, a.ValidTo, a.EndReason))
	}
	for _, v := range client.Vehicle.Query().WithGrid().WithPerson().AllX(ctx) {
		rider := ""
		if v.Edges.Person != nil {
			rider = v.Edges.Person.Name
		}
		lines = append(lines, vehicleLine(v.Plate, v.Kind, v.InService, v.Edges.Grid.Code, rider))
	}
	return lines
}

func gridLine(code, name string, kind grid.Kind, level int, parent string, households, pop int, area, duties string) string {
	return fmt.Sprintf("grid|%s|%s|%s|%d|%s|%d|%d|%s|%s", code, name, kind, level, parent, households, pop, area, duties)
}

func personLine(name string, gender person.Gender, phone, title, unit string, party bool, gridCode string) string {
	return fmt.Sprintf("person|%s|%s|%s|%s|%s|%t|%s", name, gender, phone, title, unit, party, gridCode)
}

func assignmentLine(name, gridCode string, role assignment.Role, duty, title string, from time.Time, to *time.Time, reason string) string {
	end := ""
	if to != nil {
		end = to.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("assignment|%s|%s|%s|%s|%s|%s|%s|%s", name, gridCode, role, duty, title, from.UTC().Format(time.RFC3339), end, reason)
}

func vehicleLine(plate string, kind vehicle.Kind, inService bool, gridCode, rider string) string {
	return fmt.Sprintf("vehicle|%s|%s|%t|%s|%s", plate, kind, inService, gridCode, rider)
}
