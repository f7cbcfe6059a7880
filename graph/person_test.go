package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// personOut is a person as the person tests read it.
type personOut struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Gender      string `json:"gender"`
	GenderLabel string `json:"genderLabel"`
	Phone       string `json:"phone"`
	Title       string `json:"title"`
	Unit        string `json:"unit"`
	PhotoURL    string `json:"photoURL"`
	PartyMember bool   `json:"partyMember"`
	GridPath    string `json:"gridPath"`
	Grid        struct {
		Code string `json:"code"`
		Path string `json:"path"`
	} `json:"grid"`
}

const personFields = `id name gender genderLabel phone title unit photoURL partyMember gridPath grid { code path }`

func TestCreateAndUpdatePerson(t *testing.T) {
	t.Parallel()
	// The steps run in order on one person.
	cases := []struct {
		name  string
		input map[string]any // gridID holds a tree key, replaced by its id
		want  func(p personOut) personOut
	}{
		{
			name:  "rename and phone",
			input: map[string]any{"name": "王建军", "phone": "13800000001"},
			want:  func(p personOut) personOut { p.Name, p.Phone = "王建军", "13800000001"; return p },
		},
		{
			name:  "gender, title, unit, photo, party",
			input: map[string]any{"gender": "MALE", "title": "村党支部书记", "unit": "三王庄村委会", "photoURL": "https://example.org/p/1.jpg", "partyMember": true},
			want: func(p personOut) personOut {
				p.Gender, p.GenderLabel, p.Title, p.Unit, p.PhotoURL, p.PartyMember = "MALE", "男", "村党支部书记", "三王庄村委会", "https://example.org/p/1.jpg", true
				return p
			},
		},
		{
			name:  "new home grid copies its path",
			input: map[string]any{"gridID": "g21"},
			want: func(p personOut) personOut {
				p.Grid.Code = "410102001002001"
				return p
			},
		},
		{
			name:  "home grid higher up",
			input: map[string]any{"gridID": "s2", "partyMember": false},
			want: func(p personOut) personOut {
				p.Grid.Code, p.PartyMember = "410102002", false
				return p
			},
		},
		{
			name:  "clearing texts",
			input: map[string]any{"phone": "", "title": ""},
			want:  func(p personOut) personOut { p.Phone, p.Title = "", ""; return p },
		},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		var created struct{ CreatePerson personOut }
		f.env.MustDo(t, f.token, `mutation($in: CreatePersonInput!) { createPerson(input: $in) { `+personFields+` } }`,
			map[string]any{"in": map[string]any{"name": "王建国", "gridID": tree["g11"].ID, "unit": "须水街道办事处"}}, &created)
		p := created.CreatePerson
		want := personOut{
			ID: p.ID, Name: "王建国", Gender: "UNSPECIFIED", GenderLabel: "未填写", Unit: "须水街道办事处",
			GridPath: tree["g11"].Path,
		}
		want.Grid.Code, want.Grid.Path = tree["g11"].Code, tree["g11"].Path
		if diff := cmp.Diff(want, p); diff != "" {
			t.Fatalf("createPerson (-want +got):\n%s", diff)
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{}
				for k, v := range tc.input {
					in[k] = v
				}
				if key, ok := in["gridID"].(string); ok {
					in["gridID"] = tree[key].ID
				}
				want = tc.want(want)
				for _, g := range tree {
					if g.Code == want.Grid.Code {
						want.Grid.Path, want.GridPath = g.Path, g.Path
					}
				}
				var out struct{ UpdatePerson personOut }
				f.env.MustDo(t, f.token, `mutation($id: ID!, $in: UpdatePersonInput!) { updatePerson(id: $id, input: $in) { `+personFields+` } }`,
					map[string]any{"id": p.ID, "in": in}, &out)
				if diff := cmp.Diff(want, out.UpdatePerson); diff != "" {
					t.Errorf("updatePerson (-want +got):\n%s", diff)
				}
				var read struct{ Node personOut }
				f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Person { `+personFields+` } } }`, map[string]any{"id": p.ID}, &read)
				if diff := cmp.Diff(want, read.Node); diff != "" {
					t.Errorf("read back (-want +got):\n%s", diff)
				}
			})
		}
		checkPaths(servertest.System(), t, db.Client)

		t.Run("people connection", func(t *testing.T) {
			for _, n := range []string{"王小明", "王小红", "李四"} {
				f.createPerson(t, tree["v1"].ID, n)
			}
			var out struct {
				People struct {
					TotalCount int
					Edges      []struct{ Node struct{ Name string } }
				}
			}
			f.env.MustDo(t, f.token, `{ people(where: {nameHasPrefix: "王"}, orderBy: {field: NAME, direction: DESC}) { totalCount edges { node { name } } } }`, nil, &out)
			var names []string
			for _, e := range out.People.Edges {
				names = append(names, e.Node.Name)
			}
			if diff := cmp.Diff([]string{"王建军", "王小红", "王小明"}, names); diff != "" || out.People.TotalCount != 3 {
				t.Errorf("people named 王…, totalCount %d (-want +got):\n%s", out.People.TotalCount, diff)
			}
		})
	})
}

func TestAssignRoleAndEnd(t *testing.T) {
	t.Parallel()
	const aFields = `id role roleLabel duty dutyLabel title validFrom validTo endReason active gridPath person { name } grid { code }`
	type aOut struct {
		ID        string     `json:"id"`
		Role      string     `json:"role"`
		RoleLabel string     `json:"roleLabel"`
		Duty      *string    `json:"duty"`
		DutyLabel *string    `json:"dutyLabel"`
		Title     string     `json:"title"`
		ValidFrom time.Time  `json:"validFrom"`
		ValidTo   *time.Time `json:"validTo"`
		EndReason string     `json:"endReason"`
		Active    bool       `json:"active"`
		GridPath  string     `json:"gridPath"`
		Person    struct{ Name string }
		Grid      struct{ Code string }
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		v1, g11 := tree["v1"], tree["g11"]
		p := f.createPerson(t, v1.ID, "赵驻村")
		from, endAt := day(2025, 1, 1), day(2026, 6, 1)

		// Assign two roles; end one of them at a fixed moment and one without a moment (now).
		var first struct{ AssignRole aOut }
		f.env.MustDo(t, f.token, `mutation($in: CreateAssignmentInput!) { assignRole(input: $in) { `+aFields+` } }`, map[string]any{"in": map[string]any{
			"personID": p, "gridID": v1.ID, "role": "FIRST_RESPONSIBLE", "title": "驻村干部", "validFrom": from.Format(time.RFC3339),
		}}, &first)
		a := first.AssignRole
		want := aOut{ID: a.ID, Role: "FIRST_RESPONSIBLE", RoleLabel: "第一责任人", Title: "驻村干部", ValidFrom: from, Active: true, GridPath: v1.Path}
		want.Person.Name, want.Grid.Code = "赵驻村", v1.Code
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("assignRole (-want +got):\n%s", diff)
		}
		var second struct{ AssignRole aOut }
		f.env.MustDo(t, f.token, `mutation($in: CreateAssignmentInput!) { assignRole(input: $in) { `+aFields+` } }`, map[string]any{"in": map[string]any{
			"personID": p, "gridID": g11.ID, "role": "SPECIFIC_RESPONSIBLE", "duty": "SAFETY_INSPECTOR", "validFrom": from.Format(time.RFC3339),
		}}, &second)
		b := second.AssignRole
		if b.DutyLabel == nil || *b.DutyLabel != "安监员" || !b.Active || b.GridPath != g11.Path {
			t.Errorf("specific responsible: %+v, want duty 安监员, active, gridPath %s", b, g11.Path)
		}
		// A role given with an end in the future is active until then.
		var third struct{ AssignRole aOut }
		future := time.Now().UTC().Add(365 * 24 * time.Hour).Truncate(time.Second)
		f.env.MustDo(t, f.token, `mutation($in: CreateAssignmentInput!) { assignRole(input: $in) { `+aFields+` } }`, map[string]any{"in": map[string]any{
			"personID": p, "gridID": tree["s1"].ID, "role": "WORKSTATION_HEAD", "validFrom": from.Format(time.RFC3339), "validTo": future.Format(time.RFC3339),
		}}, &third)
		if c := third.AssignRole; !c.Active || c.ValidTo == nil || !c.ValidTo.Equal(future) {
			t.Errorf("assignment with a future end: %+v, want active until %s", c, future)
		}

		var ended struct{ EndAssignment aOut }
		f.env.MustDo(t, f.token, `mutation($id: ID!, $at: Time) { endAssignment(id: $id, at: $at, reason: "换届调整") { `+aFields+` } }`,
			map[string]any{"id": a.ID, "at": endAt.Format(time.RFC3339)}, &ended)
		want.ValidTo, want.EndReason, want.Active = &endAt, "换届调整", false
		if diff := cmp.Diff(want, ended.EndAssignment); diff != "" {
			t.Errorf("endAssignment (-want +got):\n%s", diff)
		}
		before := time.Now()
		var endedNow struct{ EndAssignment aOut }
		f.env.MustDo(t, f.token, `mutation($id: ID!) { endAssignment(id: $id) { `+aFields+` } }`, map[string]any{"id": b.ID}, &endedNow)
		if e := endedNow.EndAssignment; e.Active || e.ValidTo == nil || e.ValidTo.Before(before.Add(-time.Second)) || e.ValidTo.After(time.Now().Add(time.Second)) || e.EndReason != "" {
			t.Errorf("ended without a moment: %+v, want inactive, validTo about now, no reason", e)
		}

		t.Run("history stays listed", func(t *testing.T) {
			var out struct {
				Node struct {
					Active      []struct{ ID string } `json:"activeAssignments"`
					Then        []struct{ ID string } `json:"then"`
					Assignments struct {
						TotalCount int
						Edges      []struct{ Node aOut }
					}
				}
				Grid struct {
					Assignments struct{ TotalCount int }
				}
				Ended   struct{ TotalCount int }
				Current struct{ TotalCount int }
			}
			f.env.MustDo(t, f.token, `query($p: ID!, $v1: ID!) {
				node(id: $p) { ... on Person {
					activeAssignments { id }
					then: activeAssignments(at: "2026-03-01T00:00:00Z") { id }
					assignments(orderBy: {field: VALID_FROM}) { totalCount edges { node { `+aFields+` } } }
				} }
				grid: node(id: $v1) { ... on Grid { assignments { totalCount } } }
				ended: assignments(where: {validToNotNil: true}) { totalCount }
				current: assignments(where: {validToIsNil: true}) { totalCount }
			}`, map[string]any{"p": p, "v1": v1.ID}, &out)
			ids := func(xs []struct{ ID string }) []string {
				var out []string
				for _, x := range xs {
					out = append(out, x.ID)
				}
				slices.Sort(out)
				return out
			}
			if diff := cmp.Diff([]string{third.AssignRole.ID}, ids(out.Node.Active)); diff != "" {
				t.Errorf("activeAssignments now (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values([]string{a.ID, b.ID, third.AssignRole.ID})), ids(out.Node.Then)); diff != "" {
				t.Errorf("activeAssignments on 2026-03-01 (-want +got):\n%s", diff)
			}
			if out.Node.Assignments.TotalCount != 3 || out.Grid.Assignments.TotalCount != 1 {
				t.Errorf("person has %d assignments listed, 三王庄村 %d; want 3 and 1 (ended ones stay)", out.Node.Assignments.TotalCount, out.Grid.Assignments.TotalCount)
			}
			for _, e := range out.Node.Assignments.Edges {
				if e.Node.ID == a.ID && (e.Node.Active || e.Node.ValidTo == nil) {
					t.Errorf("ended assignment listed as %+v", e.Node)
				}
			}
			if out.Ended.TotalCount != 3 || out.Current.TotalCount != 0 {
				t.Errorf("assignments with validTo: %d, without: %d; want 3 and 0", out.Ended.TotalCount, out.Current.TotalCount)
			}
		})

		t.Run("responsibles before the end still show it", func(t *testing.T) {
			cases := []struct {
				at   string
				want []string
			}{
				{"2026-05-31T23:59:59Z", []string{"410102001001 FIRST_RESPONSIBLE 赵驻村"}},
				{"2026-06-01T00:00:00Z", []string{}},
				{"2024-12-31T23:59:59Z", []string{}},
			}
			for _, tc := range cases {
				var out struct{ Responsibles []assignmentOut }
				f.env.MustDo(t, f.token, `query($id: ID!, $at: Time) { responsibles(gridID: $id, at: $at) { role person { name } grid { code } } }`,
					map[string]any{"id": v1.ID, "at": tc.at}, &out)
				if diff := cmp.Diff(tc.want, holders(out.Responsibles), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("responsibles at %s (-want +got):\n%s", tc.at, diff)
				}
			}
		})

		t.Run("assignments connection pages", func(t *testing.T) {
			for i, g := range []string{"g12", "g21", "r31", "c1"} {
				f.assign(t, p, tree[g].ID, "GRID_HEAD", "", day(2025, time.Month(2+i), 1))
			}
			const q = `query($p: ID!, $after: Cursor) { node(id: $p) { ... on Person {
				assignments(first: 2, after: $after, orderBy: {field: VALID_FROM, direction: DESC}) {
					totalCount pageInfo { hasNextPage endCursor } edges { node { id validFrom } } } } } }`
			var seen []string
			var after any
			for page := 0; page < 10; page++ {
				var out struct {
					Node struct {
						Assignments struct {
							TotalCount int
							PageInfo   struct {
								HasNextPage bool
								EndCursor   *string
							}
							Edges []struct {
								Node struct {
									ID        string
									ValidFrom time.Time
								}
							}
						}
					}
				}
				f.env.MustDo(t, f.token, q, map[string]any{"p": p, "after": after}, &out)
				c := out.Node.Assignments
				if c.TotalCount != 7 {
					t.Errorf("totalCount %d, want 7", c.TotalCount)
				}
				for _, e := range c.Edges {
					seen = append(seen, e.Node.ID)
				}
				if !c.PageInfo.HasNextPage {
					break
				}
				after = *c.PageInfo.EndCursor
			}
			if len(seen) != 7 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 7 {
				t.Errorf("pages listed %v, want 7 distinct assignments", seen)
			}
		})
		checkPaths(servertest.System(), t, db.Client)
	})
}

func TestVehicles(t *testing.T) {
	t.Parallel()
	type vOut struct {
		ID        string `json:"id"`
		Plate     string `json:"plate"`
		Kind      string `json:"kind"`
		KindLabel string `json:"kindLabel"`
		InService bool   `json:"inService"`
		GridPath  string `json:"gridPath"`
		Grid      struct{ Code string }
		Person    *struct{ Name string }
	}
	const vFields = `id plate kind kindLabel inService gridPath grid { code } person { name }`
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		p := f.createPerson(t, tree["g11"].ID, "巡防员丙")
		var created struct{ CreateVehicle vOut }
		f.env.MustDo(t, f.token, `mutation($in: CreateVehicleInput!) { createVehicle(input: $in) { `+vFields+` } }`,
			map[string]any{"in": map[string]any{"plate": "须水巡001", "kind": "E_BIKE", "gridID": tree["g11"].ID, "personID": p}}, &created)
		v := created.CreateVehicle
		want := vOut{ID: v.ID, Plate: "须水巡001", Kind: "E_BIKE", KindLabel: "电动车", InService: true, GridPath: tree["g11"].Path,
			Grid: struct{ Code string }{tree["g11"].Code}, Person: &struct{ Name string }{"巡防员丙"}}
		if diff := cmp.Diff(want, v); diff != "" {
			t.Fatalf("createVehicle (-want +got):\n%s", diff)
		}

		cases := []struct {
			name  string
			input map[string]any
			want  func(v vOut) vOut
		}{
			{"new plate and kind", map[string]any{"plate": "须水巡009", "kind": "BICYCLE"},
				func(v vOut) vOut { v.Plate, v.Kind, v.KindLabel = "须水巡009", "BICYCLE", "自行车"; return v }},
			{"to another grid", map[string]any{"gridID": tree["c1"].ID},
				func(v vOut) vOut { v.Grid.Code, v.GridPath = tree["c1"].Code, tree["c1"].Path; return v }},
			{"no longer assigned", map[string]any{"clearPerson": true},
				func(v vOut) vOut { v.Person = nil; return v }},
			{"retired", map[string]any{"inService": false},
				func(v vOut) vOut { v.InService = false; return v }},
			{"assigned again", map[string]any{"personID": p},
				func(v vOut) vOut { v.Person = &struct{ Name string }{"巡防员丙"}; return v }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				want = tc.want(want)
				var out struct{ UpdateVehicle vOut }
				f.env.MustDo(t, f.token, `mutation($id: ID!, $in: UpdateVehicleInput!) { updateVehicle(id: $id, input: $in) { `+vFields+` } }`,
					map[string]any{"id": v.ID, "in": tc.input}, &out)
				if diff := cmp.Diff(want, out.UpdateVehicle); diff != "" {
					t.Errorf("updateVehicle (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("vehicles connection", func(t *testing.T) {
			f.createVehicle(t, tree["g21"].ID, "", "须水巡002", "E_BIKE")
			f.createVehicle(t, tree["g21"].ID, p, "须水巡003", "E_BIKE")
			var out struct {
				EBikes  struct{ TotalCount int }
				Retired struct{ TotalCount int }
				ByPlate struct {
					Edges []struct{ Node struct{ Plate string } }
				}
				Grid     struct{ Vehicles struct{ TotalCount int } }
				Assigned struct {
					Vehicles struct{ TotalCount int }
				}
			}
			f.env.MustDo(t, f.token, `query($g: ID!, $p: ID!) {
				eBikes: vehicles(where: {kind: E_BIKE}) { totalCount }
				retired: vehicles(where: {inService: false}) { totalCount }
				byPlate: vehicles(orderBy: {field: PLATE, direction: DESC}) { edges { node { plate } } }
				grid: node(id: $g) { ... on Grid { vehicles { totalCount } } }
				assigned: node(id: $p) { ... on Person { vehicles { totalCount } } }
			}`, map[string]any{"g": tree["g21"].ID, "p": p}, &out)
			var plates []string
			for _, e := range out.ByPlate.Edges {
				plates = append(plates, e.Node.Plate)
			}
			got := []any{out.EBikes.TotalCount, out.Retired.TotalCount, plates, out.Grid.Vehicles.TotalCount, out.Assigned.Vehicles.TotalCount}
			wantConn := []any{2, 1, []string{"须水巡009", "须水巡003", "须水巡002"}, 2, 2}
			if diff := cmp.Diff(wantConn, got); diff != "" {
				t.Errorf("[e-bikes, retired, plates desc, on g21, assigned to 丙] (-want +got):\n%s", diff)
			}
		})
		checkPaths(servertest.System(), t, db.Client)
	})
}
