package graph_test

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
)

func TestGridsConnection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		where     map[string]any
		orderBy   map[string]any
		want      []string // codes, in the order returned
		wantTotal int
	}{
		{
			name:      "everything",
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"4101", "410102", "410102001", "410102001001", "410102001001001", "410102001001002", "410102001002", "410102001002001", "410102001003", "410102001003001", "410102002", "410103"},
			wantTotal: 12,
		},
		{
			name:      "kind",
			where:     map[string]any{"kind": "VILLAGER_GROUP"},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001001001", "410102001001002", "410102001002001"},
			wantTotal: 3,
		},
		{
			name:      "kindIn",
			where:     map[string]any{"kindIn": []string{"VILLAGE", "COMMUNITY"}},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001001", "410102001002", "410102001003"},
			wantTotal: 3,
		},
		{
			name:      "level",
			where:     map[string]any{"level": 4},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001001001", "410102001001002", "410102001002001", "410102001003001"},
			wantTotal: 4,
		},
		{
			name:      "levelLTE",
			where:     map[string]any{"levelLTE": 1},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"4101", "410102", "410103"},
			wantTotal: 3,
		},
		{
			name:      "nameContains",
			where:     map[string]any{"nameContains": "三王庄"},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001001", "410102001001001", "410102001001002"},
			wantTotal: 3,
		},
		{
			name:      "nameHasPrefix",
			where:     map[string]any{"nameHasPrefix": "须水"},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001", "410102001003", "410102001003001"},
			wantTotal: 3,
		},
		{
			name:      "codeHasPrefix",
			where:     map[string]any{"codeHasPrefix": "410102001001"},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001001", "410102001001001", "410102001001002"},
			wantTotal: 3,
		},
		{
			name:      "or",
			where:     map[string]any{"or": []any{map[string]any{"kind": "CITY"}, map[string]any{"name": "二七区"}}},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"4101", "410103"},
			wantTotal: 2,
		},
		{
			name:      "not",
			where:     map[string]any{"not": map[string]any{"levelGTE": 2}},
			orderBy:   map[string]any{"field": "CODE", "direction": "DESC"},
			want:      []string{"410103", "410102", "4101"},
			wantTotal: 3,
		},
		{
			name:      "and of level and name",
			where:     map[string]any{"and": []any{map[string]any{"level": 3}, map[string]any{"nameHasSuffix": "村"}}},
			orderBy:   map[string]any{"field": "CODE"},
			want:      []string{"410102001001", "410102001002"},
			wantTotal: 2,
		},
		{
			name:      "no match",
			where:     map[string]any{"nameContains": "不存在"},
			want:      []string{},
			wantTotal: 0,
		},
		{
			name:      "code descending",
			where:     map[string]any{"level": 4},
			orderBy:   map[string]any{"field": "CODE", "direction": "DESC"},
			want:      []string{"410102001003001", "410102001002001", "410102001001002", "410102001001001"},
			wantTotal: 4,
		},
		{
			// DISTRICT sorts after CITY; ties on kind are broken by id in the same
			// direction, so the district created last comes first.
			name:      "kind descending, ties by id",
			where:     map[string]any{"kindIn": []string{"CITY", "DISTRICT"}},
			orderBy:   map[string]any{"field": "KIND", "direction": "DESC"},
			want:      []string{"410103", "410102", "4101"},
			wantTotal: 3,
		},
		{
			// Names compare by code point on both databases: 三 U+4E09 < 桐 U+6850 < 须 U+987B.
			name:      "name ascending",
			where:     map[string]any{"level": 3},
			orderBy:   map[string]any{"field": "NAME"},
			want:      []string{"410102001001", "410102001002", "410102001003"},
			wantTotal: 3,
		},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		f.buildTree(t, baseTree)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				vars := map[string]any{"where": tc.where, "orderBy": tc.orderBy}
				var out struct{ Grids gridConn }
				f.env.MustDo(t, f.token, `query($where: GridWhereInput, $orderBy: GridOrder) {
					grids(where: $where, orderBy: $orderBy) { totalCount edges { node { ...G } } }
				} `+gridFields, vars, &out)
				if out.Grids.TotalCount != tc.wantTotal {
					t.Errorf("totalCount = %d, want %d", out.Grids.TotalCount, tc.wantTotal)
				}
				if diff := cmp.Diff(tc.want, codes(out.Grids.nodes())); diff != "" {
					t.Errorf("codes (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestGridsPagination(t *testing.T) {
	t.Parallel()
	const query = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $orderBy: GridOrder, $where: GridWhereInput) {
		grids(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, where: $where) {
			totalCount
			pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
			edges { cursor node { ...G } }
		}
	} ` + gridFields
	cases := []struct {
		name     string
		pageSize int
		orderBy  map[string]any
		where    map[string]any
	}{
		{name: "default order, pages of 1", pageSize: 1},
		{name: "default order, pages of 5", pageSize: 5},
		{name: "code, pages of 3", pageSize: 3, orderBy: map[string]any{"field": "CODE"}},
		{name: "code descending, pages of 5", pageSize: 5, orderBy: map[string]any{"field": "CODE", "direction": "DESC"}},
		// KIND has many ties: the cursor must break them, or rows are skipped or repeated.
		// (LEVEL, HOUSEHOLDS and POPULATION are not orderable: entgql drops a zero sort value
		// from cursors and then pages by id alone.)
		{name: "kind with ties, pages of 2", pageSize: 2, orderBy: map[string]any{"field": "KIND"}},
		{name: "name descending, pages of 4", pageSize: 4, orderBy: map[string]any{"field": "NAME", "direction": "DESC"}},
		{name: "filtered, pages of 2", pageSize: 2, orderBy: map[string]any{"field": "CODE"}, where: map[string]any{"levelGTE": 3}},
		{name: "one page holds all", pageSize: 50, orderBy: map[string]any{"field": "CODE"}},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		f.buildTree(t, baseTree)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var all struct{ Grids gridConn }
				f.env.MustDo(t, f.token, query, map[string]any{"orderBy": tc.orderBy, "where": tc.where}, &all)
				want := codes(all.Grids.nodes())
				if len(want) == 0 || all.Grids.TotalCount != len(want) {
					t.Fatalf("unpaged: %d rows, totalCount %d", len(want), all.Grids.TotalCount)
				}

				// Forward: first/after until hasNextPage is false.
				var got []string
				var after any
				for page := 0; ; page++ {
					if page > len(want)+1 {
						t.Fatalf("forward pagination does not end after %d pages", page)
					}
					var out struct{ Grids gridConn }
					f.env.MustDo(t, f.token, query, map[string]any{"first": tc.pageSize, "after": after, "orderBy": tc.orderBy, "where": tc.where}, &out)
					c := out.Grids
					if c.TotalCount != len(want) {
						t.Errorf("page %d: totalCount %d, want %d", page, c.TotalCount, len(want))
					}
					if len(c.Edges) > tc.pageSize {
						t.Errorf("page %d: %d edges, asked for %d", page, len(c.Edges), tc.pageSize)
					}
					got = append(got, codes(c.nodes())...)
					if len(c.Edges) > 0 && (c.PageInfo.EndCursor == nil || *c.PageInfo.EndCursor != c.Edges[len(c.Edges)-1].Cursor) {
						t.Errorf("page %d: endCursor is not the last edge's cursor", page)
					}
					if page > 0 && !c.PageInfo.HasPreviousPage {
						// Relay allows false here; entgql reports true. Only note it.
						t.Logf("page %d: hasPreviousPage false after a cursor", page)
					}
					if !c.PageInfo.HasNextPage {
						break
					}
					after = *c.PageInfo.EndCursor
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("forward pages (-want +got):\n%s", diff)
				}

				// Backward: last/before until hasPreviousPage is false.
				got = nil
				var before any
				for page := 0; ; page++ {
					if page > len(want)+1 {
						t.Fatalf("backward pagination does not end after %d pages", page)
					}
					var out struct{ Grids gridConn }
					f.env.MustDo(t, f.token, query, map[string]any{"last": tc.pageSize, "before": before, "orderBy": tc.orderBy, "where": tc.where}, &out)
					c := out.Grids
					if len(c.Edges) > tc.pageSize {
						t.Errorf("page %d: %d edges, asked for %d", page, len(c.Edges), tc.pageSize)
					}
					got = append(codes(c.nodes()), got...)
					if !c.PageInfo.HasPreviousPage {
						break
					}
					before = *c.PageInfo.StartCursor
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("backward pages (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestNode(t *testing.T) {
	t.Parallel()
	type ref struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	type node struct {
		Typename string `json:"__typename"`
		ID       string `json:"id"`
		Code     string `json:"code,omitempty"`
		Name     string `json:"name,omitempty"`
		Role     string `json:"role,omitempty"`
		Plate    string `json:"plate,omitempty"`
		Grid     *ref   `json:"grid,omitempty"`
		Person   *ref   `json:"person,omitempty"`
		Holder   *ref   `json:"holder,omitempty"`
	}
	const fragment = `fragment N on Node {
		__typename id
		... on Grid { code name }
		... on Person { name grid { code } }
		... on Assignment { role grid { code } holder: person { name } }
		... on Vehicle { plate grid { code } person { name } }
	}`

	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		g11 := tree["g11"]
		personID := f.createPerson(t, g11.ID, "王建国")
		assignmentID := f.assign(t, personID, g11.ID, "GRID_HEAD", "", day(2025, 1, 1))
		vehicleID := f.createVehicle(t, g11.ID, personID, "须水巡001", "E_BIKE")
		missingGrid := strconv.Itoa(atoi(t, tree["d2"].ID) + 1_000_000)

		cases := []struct {
			name string
			id   string
			want *node
		}{
			{"grid", g11.ID, &node{Typename: "Grid", ID: g11.ID, Code: g11.Code, Name: g11.Name}},
			{"person", personID, &node{Typename: "Person", ID: personID, Name: "王建国", Grid: &ref{Code: g11.Code}}},
			{"assignment", assignmentID, &node{Typename: "Assignment", ID: assignmentID, Role: "GRID_HEAD", Grid: &ref{Code: g11.Code}, Holder: &ref{Name: "王建国"}}},
			{"vehicle", vehicleID, &node{Typename: "Vehicle", ID: vehicleID, Plate: "须水巡001", Grid: &ref{Code: g11.Code}, Person: &ref{Name: "王建国"}}},
			{"missing grid is null", missingGrid, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var out struct{ Node *node }
				f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ...N } } `+fragment, map[string]any{"id": tc.id}, &out)
				if diff := cmp.Diff(tc.want, out.Node); diff != "" {
					t.Errorf("node (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("nodes keeps the order of ids", func(t *testing.T) {
			ids := []string{vehicleID, g11.ID, assignmentID, personID}
			var out struct{ Nodes []*node }
			f.env.MustDo(t, f.token, `query($ids: [ID!]!) { nodes(ids: $ids) { ...N } } `+fragment, map[string]any{"ids": ids}, &out)
			var got []string
			for _, n := range out.Nodes {
				if n == nil {
					got = append(got, "<nil>")
					continue
				}
				got = append(got, n.Typename+" "+n.ID)
			}
			want := []string{"Vehicle " + vehicleID, "Grid " + g11.ID, "Assignment " + assignmentID, "Person " + personID}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
		})
	})
}

func TestGridByCode(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		cases := []struct {
			code string
			want *GridNode
		}{
			{"410102001001", ptr(tree["v1"])},
			{"4101", ptr(tree["city"])},
			{"410102001001001", ptr(tree["g11"])},
			{"410102009", nil},
			{"", nil},
			{"4101020010", nil},
		}
		for _, tc := range cases {
			t.Run(tc.code, func(t *testing.T) {
				var out struct{ GridByCode *GridNode }
				f.env.MustDo(t, f.token, `query($code: String!) { gridByCode(code: $code) { ...G } } `+gridFields, map[string]any{"code": tc.code}, &out)
				if diff := cmp.Diff(tc.want, out.GridByCode); diff != "" {
					t.Errorf("gridByCode (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestDescendantsAndAncestors(t *testing.T) {
	t.Parallel()
	intp := func(n int) *int { return &n }
	descendants := []struct {
		name     string
		root     string
		maxDepth *int
		where    map[string]any
		want     []string // keys
	}{
		{"children of a sub-district", "s1", intp(1), nil, []string{"v1", "v2", "c1"}},
		{"two levels of a sub-district", "s1", intp(2), nil, []string{"v1", "v2", "c1", "g11", "g12", "g21", "r31"}},
		{"all of a sub-district", "s1", nil, nil, []string{"v1", "v2", "c1", "g11", "g12", "g21", "r31"}},
		{"children of a district", "d1", intp(1), nil, []string{"s1", "s2"}},
		{"two levels of a district", "d1", intp(2), nil, []string{"s1", "s2", "v1", "v2", "c1"}},
		{"three levels of a district", "d1", intp(3), nil, []string{"s1", "s2", "v1", "v2", "c1", "g11", "g12", "g21", "r31"}},
		{"all of the city", "city", nil, nil, []string{"d1", "s1", "s2", "v1", "v2", "c1", "g11", "g12", "g21", "r31"}},
		{"depth beyond the tree", "v1", intp(9), nil, []string{"g11", "g12"}},
		{"a leaf has none", "g11", nil, nil, []string{}},
		{"a root without children", "d2", intp(1), nil, []string{}},
		{"filtered by kind", "d1", nil, map[string]any{"kind": "VILLAGER_GROUP"}, []string{"g11", "g12", "g21"}},
		{"filtered by level", "city", nil, map[string]any{"level": 3}, []string{"v1", "v2", "c1"}},
		{"depth and filter", "d1", intp(2), map[string]any{"nameContains": "村"}, []string{"v1", "v2"}},
	}
	ancestors := []struct {
		grid string
		want []string // keys, root first
	}{
		{"g11", []string{"city", "d1", "s1", "v1"}},
		{"r31", []string{"city", "d1", "s1", "c1"}},
		{"v2", []string{"city", "d1", "s1"}},
		{"s2", []string{"city", "d1"}},
		{"d1", []string{"city"}},
		{"city", []string{}},
		{"d2", []string{}},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		keysToCodes := func(keys []string) []string {
			out := make([]string, len(keys))
			for i, k := range keys {
				out[i] = tree[k].Code
			}
			return out
		}
		for _, tc := range descendants {
			t.Run("descendants/"+tc.name, func(t *testing.T) {
				var out struct {
					Node struct{ Descendants gridConn }
				}
				f.env.MustDo(t, f.token, `query($id: ID!, $d: Int, $w: GridWhereInput) {
					node(id: $id) { ... on Grid { descendants(maxDepth: $d, where: $w) { totalCount edges { node { ...G } } } } }
				} `+gridFields, map[string]any{"id": tree[tc.root].ID, "d": tc.maxDepth, "w": tc.where}, &out)
				want := keysToCodes(tc.want)
				slices.Sort(want)
				got := sortedCodes(out.Node.Descendants.nodes())
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("descendants (-want +got):\n%s", diff)
				}
				if out.Node.Descendants.TotalCount != len(want) {
					t.Errorf("totalCount = %d, want %d", out.Node.Descendants.TotalCount, len(want))
				}
			})
		}
		for _, tc := range ancestors {
			t.Run("ancestors/"+tc.grid, func(t *testing.T) {
				var out struct {
					Node struct{ Ancestors []GridNode }
				}
				f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Grid { ancestors { ...G } } } } `+gridFields,
					map[string]any{"id": tree[tc.grid].ID}, &out)
				if diff := cmp.Diff(keysToCodes(tc.want), codes(out.Node.Ancestors)); diff != "" {
					t.Errorf("ancestors, root first (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// assignmentOut is an assignment as the responsibles tests read it.
type assignmentOut struct {
	Role      string     `json:"role"`
	RoleLabel string     `json:"roleLabel"`
	Duty      *string    `json:"duty"`
	DutyLabel *string    `json:"dutyLabel"`
	ValidFrom time.Time  `json:"validFrom"`
	ValidTo   *time.Time `json:"validTo"`
	Active    bool       `json:"active"`
	Person    struct {
		Name string `json:"name"`
	} `json:"person"`
	Grid struct {
		Code string `json:"code"`
	} `json:"grid"`
}

// holders renders assignments as "grid role person", in order.
func holders(as []assignmentOut) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Grid.Code + " " + a.Role + " " + a.Person.Name
	}
	return out
}

func TestResponsibles(t *testing.T) {
	t.Parallel()
	handover := day(2026, 6, 1)
	cases := []struct {
		name      string
		grid      string
		at        *time.Time
		roles     []string
		inherited bool
		want      []string // "grid role person"; nil means compare as a set
		wantSet   []string
	}{
		{name: "first-responsible before the handover", grid: "v1", at: ptr(day(2026, 3, 1)), roles: []string{"FIRST_RESPONSIBLE"},
			want: []string{"410102001001 FIRST_RESPONSIBLE 老李"}},
		{name: "first-responsible now", grid: "v1", roles: []string{"FIRST_RESPONSIBLE"},
			want: []string{"410102001001 FIRST_RESPONSIBLE 小张"}},
		{name: "the handover moment belongs to the successor", grid: "v1", at: &handover, roles: []string{"FIRST_RESPONSIBLE"},
			want: []string{"410102001001 FIRST_RESPONSIBLE 小张"}},
		{name: "a second before the handover", grid: "v1", at: ptr(handover.Add(-time.Second)), roles: []string{"FIRST_RESPONSIBLE"},
			want: []string{"410102001001 FIRST_RESPONSIBLE 老李"}},
		{name: "all roles on a date", grid: "v1", at: ptr(day(2026, 3, 1)),
			wantSet: []string{"410102001001 FIRST_RESPONSIBLE 老李", "410102001001 DIRECT_RESPONSIBLE 村主任"}},
		{name: "before anyone", grid: "v1", at: ptr(day(2024, 1, 1)), want: []string{}},
		{name: "own grid only", grid: "g11", want: []string{"410102001001001 GRID_HEAD 网格长甲"}},
		{name: "future assignment counts from its start", grid: "g11", at: ptr(day(2027, 2, 1)),
			wantSet: []string{"410102001001001 GRID_HEAD 网格长甲", "410102001001001 SPECIFIC_RESPONSIBLE 巡防员乙"}},
		{name: "inherited, nearest grid first", grid: "g11", inherited: true,
			want: []string{
				"410102001001001 GRID_HEAD 网格长甲",
				"410102001001 DIRECT_RESPONSIBLE 村主任",
				"410102001001 FIRST_RESPONSIBLE 小张",
				"410102001 RESPONSIBLE_LEADER 街道领导",
			}},
		{name: "inherited with a role filter", grid: "g11", inherited: true, roles: []string{"FIRST_RESPONSIBLE", "RESPONSIBLE_LEADER"},
			want: []string{"410102001001 FIRST_RESPONSIBLE 小张", "410102001 RESPONSIBLE_LEADER 街道领导"}},
		{name: "a grid beside is not covered", grid: "g21", inherited: true,
			want: []string{"410102001 RESPONSIBLE_LEADER 街道领导"}},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		v1, g11, s1 := tree["v1"].ID, tree["g11"].ID, tree["s1"].ID
		old := f.createPerson(t, v1, "老李")
		successor := f.createPerson(t, v1, "小张")
		director := f.createPerson(t, v1, "村主任")
		head := f.createPerson(t, g11, "网格长甲")
		patroller := f.createPerson(t, g11, "巡防员乙")
		leader := f.createPerson(t, s1, "街道领导")
		a := f.assign(t, old, v1, "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		f.end(t, a, handover)
		f.assign(t, successor, v1, "FIRST_RESPONSIBLE", "", handover)
		f.assign(t, director, v1, "DIRECT_RESPONSIBLE", "", day(2025, 1, 1))
		f.assign(t, head, g11, "GRID_HEAD", "", day(2025, 1, 1))
		f.assign(t, patroller, g11, "SPECIFIC_RESPONSIBLE", "PATROLLER", day(2027, 1, 1))
		f.assign(t, leader, s1, "RESPONSIBLE_LEADER", "", day(2025, 1, 1))

		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				vars := map[string]any{"id": tree[tc.grid].ID, "roles": tc.roles, "inherited": tc.inherited}
				if tc.at != nil {
					vars["at"] = tc.at.Format(time.RFC3339)
				}
				var out struct {
					Responsibles []assignmentOut
					Node         struct{ Responsibles []assignmentOut }
				}
				f.env.MustDo(t, f.token, `query($id: ID!, $at: Time, $roles: [Role!], $inherited: Boolean) {
					responsibles(gridID: $id, at: $at, roles: $roles, inherited: $inherited) { role person { name } grid { code } }
					node(id: $id) { ... on Grid { responsibles(at: $at, roles: $roles) { role person { name } grid { code } } } }
				}`, vars, &out)
				got := holders(out.Responsibles)
				if tc.want != nil {
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("Query.responsibles (-want +got):\n%s", diff)
					}
				} else {
					want := slices.Sorted(slices.Values(tc.wantSet))
					if diff := cmp.Diff(want, slices.Sorted(slices.Values(got))); diff != "" {
						t.Errorf("Query.responsibles (-want +got):\n%s", diff)
					}
				}
				// Grid.responsibles is the same without inheritance.
				var own []string
				for _, h := range got {
					if strings.HasPrefix(h, tree[tc.grid].Code+" ") {
						own = append(own, h)
					}
				}
				if diff := cmp.Diff(slices.Sorted(slices.Values(own)), slices.Sorted(slices.Values(holders(out.Node.Responsibles))), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Grid.responsibles (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestEnumLabels(t *testing.T) {
	t.Parallel()
	type label struct{ Value, Label string }
	cases := []struct {
		enum string
		want []label // nil: only check that every value has a label
	}{
		{"Role", []label{
			{"RESPONSIBLE_LEADER", "责任领导"}, {"FIRST_RESPONSIBLE", "第一责任人"}, {"DIRECT_RESPONSIBLE", "直接责任人"},
			{"SPECIFIC_RESPONSIBLE", "具体责任人"}, {"GRID_HEAD", "网格长"}, {"WORKSTATION_HEAD", "网格工作站站长"},
			{"SUPERVISOR", "督察"}, {"ADMIN", "系统管理员"},
		}},
		{"VehicleKind", []label{{"BICYCLE", "自行车"}, {"E_BIKE", "电动车"}}},
		{"Gender", []label{{"MALE", "男"}, {"FEMALE", "女"}, {"UNSPECIFIED", "未填写"}}},
		{"GridKind", nil},
		{"Duty", nil},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		for _, tc := range cases {
			t.Run(tc.enum, func(t *testing.T) {
				var out struct {
					EnumLabels []label
					Type       struct {
						EnumValues []struct{ Name string }
					} `json:"__type"`
				}
				f.env.MustDo(t, f.token, `query($e: String!) { enumLabels(enum: $e) { value label } __type(name: $e) { enumValues { name } } }`,
					map[string]any{"e": tc.enum}, &out)
				if tc.want != nil {
					if diff := cmp.Diff(tc.want, out.EnumLabels); diff != "" {
						t.Errorf("labels (-want +got):\n%s", diff)
					}
				}
				// Every value of the GraphQL enum, in schema order, has a zh-CN label.
				var schemaValues, labelled []string
				for _, v := range out.Type.EnumValues {
					schemaValues = append(schemaValues, v.Name)
				}
				for _, l := range out.EnumLabels {
					labelled = append(labelled, l.Value)
					if l.Label == "" || l.Label == l.Value {
						t.Errorf("%s.%s has no zh-CN label (got %q)", tc.enum, l.Value, l.Label)
					}
				}
				if diff := cmp.Diff(schemaValues, labelled); diff != "" {
					t.Errorf("labelled values vs the schema's enum (-schema +labels):\n%s", diff)
				}
			})
		}
	})
}

func TestLabelFields(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		p := f.createPerson(t, tree["g11"].ID, "刘巡防")
		f.env.MustDo(t, f.token, `mutation($id: ID!) { updatePerson(id: $id, input: {gender: FEMALE}) { id } }`, map[string]any{"id": p}, nil)
		f.assign(t, p, tree["g11"].ID, "SPECIFIC_RESPONSIBLE", "PATROLLER", day(2025, 1, 1))
		f.assign(t, p, tree["v1"].ID, "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		f.createVehicle(t, tree["g11"].ID, p, "须水巡007", "BICYCLE")

		type out struct {
			Grids struct {
				Edges []struct {
					Node struct{ Code, KindLabel string }
				}
			}
			Node struct {
				GenderLabel       string
				ActiveAssignments []struct {
					Role, RoleLabel string
					DutyLabel       *string
				}
				Vehicles struct {
					Edges []struct{ Node struct{ KindLabel string } }
				}
			}
		}
		var got out
		f.env.MustDo(t, f.token, `query($p: ID!) {
			grids(orderBy: {field: CODE}, where: {codeIn: ["4101", "410102", "410102001", "410102001001", "410102001001001", "410102001003", "410102001003001"]}) { edges { node { code kindLabel } } }
			node(id: $p) { ... on Person { genderLabel activeAssignments { role roleLabel dutyLabel } vehicles { edges { node { kindLabel } } } } }
		}`, map[string]any{"p": p}, &got)
		wantKinds := map[string]string{
			"4101": "市", "410102": "区（县）", "410102001": "街道", "410102001001": "行政村",
			"410102001001001": "村民组", "410102001003": "社区", "410102001003001": "居民楼院",
		}
		gotKinds := map[string]string{}
		for _, e := range got.Grids.Edges {
			gotKinds[e.Node.Code] = e.Node.KindLabel
		}
		if diff := cmp.Diff(wantKinds, gotKinds); diff != "" {
			t.Errorf("kindLabel (-want +got):\n%s", diff)
		}
		if got.Node.GenderLabel != "女" {
			t.Errorf("genderLabel = %q, want 女", got.Node.GenderLabel)
		}
		roles := map[string]string{}
		for _, a := range got.Node.ActiveAssignments {
			d := "<null>"
			if a.DutyLabel != nil {
				d = *a.DutyLabel
			}
			roles[a.Role] = a.RoleLabel + " / " + d
		}
		wantRoles := map[string]string{"SPECIFIC_RESPONSIBLE": "具体责任人 / 巡防员", "FIRST_RESPONSIBLE": "第一责任人 / <null>"}
		if diff := cmp.Diff(wantRoles, roles); diff != "" {
			t.Errorf("roleLabel / dutyLabel (-want +got):\n%s", diff)
		}
		if len(got.Node.Vehicles.Edges) != 1 || got.Node.Vehicles.Edges[0].Node.KindLabel != "自行车" {
			t.Errorf("vehicle kindLabel: %+v, want one 自行车", got.Node.Vehicles.Edges)
		}
	})
}

// TestDemo checks the Xushui demo data set through the API as a superuser, and runs the
// README's example queries on it.
func TestDemo(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		if _, err := demo.Load(servertest.System(), db.Client); err != nil {
			t.Fatalf("load demo: %v", err)
		}
		f := newFixture(t, db)

		t.Run("shape", func(t *testing.T) {
			type count struct{ TotalCount int }
			var out struct {
				District struct {
					Level  int
					Level1 count
					All    count
				}
				Sub struct {
					Name, Kind string
					Level      int
					Children   count
					Depth1     count
					Depth2     count
					Level2     count
					Level3     count
					All        count
					Ancestors  []struct{ Name string }
				}
				Grids, People, Vehicles, Assignments count
			}
			f.env.MustDo(t, f.token, `query($d: String!, $s: String!) {
				district: gridByCode(code: $d) { level level1: descendants(where: {level: 1}) { totalCount } all: descendants { totalCount } }
				sub: gridByCode(code: $s) {
					name kind level
					children { totalCount }
					depth1: descendants(maxDepth: 1) { totalCount }
					depth2: descendants(maxDepth: 2) { totalCount }
					level2: descendants(where: {level: 2}) { totalCount }
					level3: descendants(where: {level: 3}) { totalCount }
					all: descendants { totalCount }
					ancestors { name }
				}
				grids { totalCount } people { totalCount } vehicles { totalCount } assignments { totalCount }
			}`, map[string]any{"d": demo.DistrictCode, "s": demo.SubDistrictCode}, &out)
			t.Logf("demo through the API: %+v", out)
			type shape struct {
				DistrictLevel, Level1, DistrictAll, SubLevel                   int
				SubName, SubKind                                               string
				Children, Depth1, Depth2, Level2, Level3, SubAll, Grids        int
				Breadcrumb                                                     []string
				MoreThan1000People, AtLeast60Vehicles, MoreThan1000Assignments bool
			}
			var crumbs []string
			for _, a := range out.Sub.Ancestors {
				crumbs = append(crumbs, a.Name)
			}
			got := shape{
				DistrictLevel: out.District.Level, Level1: out.District.Level1.TotalCount, DistrictAll: out.District.All.TotalCount,
				SubLevel: out.Sub.Level, SubName: out.Sub.Name, SubKind: out.Sub.Kind,
				Children: out.Sub.Children.TotalCount, Depth1: out.Sub.Depth1.TotalCount, Depth2: out.Sub.Depth2.TotalCount,
				Level2: out.Sub.Level2.TotalCount, Level3: out.Sub.Level3.TotalCount, SubAll: out.Sub.All.TotalCount,
				Grids: out.Grids.TotalCount, Breadcrumb: crumbs,
				MoreThan1000People:      out.People.TotalCount > 1000,
				AtLeast60Vehicles:       out.Vehicles.TotalCount >= 60,
				MoreThan1000Assignments: out.Assignments.TotalCount > 1000,
			}
			want := shape{
				DistrictLevel: 0, Level1: 1, DistrictAll: 1 + 14 + 96, SubLevel: 1, SubName: "须水街道", SubKind: "SUB_DISTRICT",
				Children: 14, Depth1: 14, Depth2: 14 + 96, Level2: 14, Level3: 96, SubAll: 14 + 96, Grids: 1 + 1 + 14 + 96,
				Breadcrumb:         []string{"中原区"},
				MoreThan1000People: true, AtLeast60Vehicles: true, MoreThan1000Assignments: true,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("demo shape (-want +got):\n%s", diff)
			}
		})

		t.Run("villages", func(t *testing.T) {
			var out struct {
				GridByCode struct {
					Children struct {
						Edges []struct {
							Node struct{ Name, Kind, Code string }
						}
					}
				}
			}
			f.env.MustDo(t, f.token, `query($s: String!) { gridByCode(code: $s) { children(first: 20, orderBy: {field: CODE}) { edges { node { name kind code } } } } }`,
				map[string]any{"s": demo.SubDistrictCode}, &out)
			names := map[string]bool{}
			kinds := map[string]int{}
			for _, e := range out.GridByCode.Children.Edges {
				names[e.Node.Name] = true
				kinds[e.Node.Kind]++
				if !strings.HasPrefix(e.Node.Code, demo.SubDistrictCode) || len(e.Node.Code) != 12 {
					t.Errorf("level-2 grid %s has code %s", e.Node.Name, e.Node.Code)
				}
			}
			for _, n := range []string{"三王庄村", "桐树王村", "庙王村"} {
				if !names[n] {
					t.Errorf("no level-2 grid %s under 须水街道", n)
				}
			}
			if diff := cmp.Diff(map[string]int{"VILLAGE": 10, "COMMUNITY": 3, "ENTERPRISE_ZONE": 1}, kinds); diff != "" {
				t.Errorf("level-2 kinds (-want +got):\n%s", diff)
			}
		})

		t.Run("first-responsible of 三王庄村 on 2026-03-01 differs from now", func(t *testing.T) {
			var out struct {
				Then, Now, Handover struct {
					ID           string
					Responsibles []assignmentOut
				}
			}
			f.env.MustDo(t, f.token, `query($c: String!, $handover: Time!) {
				then: gridByCode(code: $c) { id responsibles(at: "2026-03-01T00:00:00Z", roles: [FIRST_RESPONSIBLE]) { role roleLabel active validFrom validTo person { name } grid { code } } }
				now: gridByCode(code: $c) { id responsibles(roles: [FIRST_RESPONSIBLE]) { role roleLabel active validFrom validTo person { name } grid { code } } }
				handover: gridByCode(code: $c) { id responsibles(at: $handover, roles: [FIRST_RESPONSIBLE]) { role active validFrom validTo person { name } grid { code } } }
			}`, map[string]any{"c": demo.SanwangzhuangCode, "handover": demo.FirstResponsibleChange.Format(time.RFC3339)}, &out)
			if len(out.Then.Responsibles) != 1 || len(out.Now.Responsibles) != 1 {
				t.Fatalf("then %+v, now %+v: want one first-responsible each", out.Then.Responsibles, out.Now.Responsibles)
			}
			then, now := out.Then.Responsibles[0], out.Now.Responsibles[0]
			t.Logf("三王庄村 第一责任人: on 2026-03-01 %s (%s … %v), now %s (from %s)", then.Person.Name, then.ValidFrom, then.ValidTo, now.Person.Name, now.ValidFrom)
			if then.Person.Name == now.Person.Name {
				t.Errorf("the same person %s then and now; want the handover of %s", now.Person.Name, demo.FirstResponsibleChange)
			}
			if then.ValidTo == nil || !then.ValidTo.Equal(demo.FirstResponsibleChange) || then.Active {
				t.Errorf("then: validTo %v active %v, want ended at %s, inactive", then.ValidTo, then.Active, demo.FirstResponsibleChange)
			}
			if now.ValidTo != nil || !now.ValidFrom.Equal(demo.FirstResponsibleChange) || !now.Active || now.RoleLabel != "第一责任人" {
				t.Errorf("now: %+v, want held since %s, active, 第一责任人", now, demo.FirstResponsibleChange)
			}
			if len(out.Handover.Responsibles) != 1 || out.Handover.Responsibles[0].Person.Name != now.Person.Name {
				t.Errorf("at the handover moment: %+v, want only the successor %s", out.Handover.Responsibles, now.Person.Name)
			}

			// The same through Query.responsibles, with the inherited roles of 须水街道.
			var q struct{ Then, Now []assignmentOut }
			f.env.MustDo(t, f.token, `query($id: ID!) {
				then: responsibles(gridID: $id, at: "2026-03-01T00:00:00Z", roles: [FIRST_RESPONSIBLE], inherited: true) { role person { name } grid { code } }
				now: responsibles(gridID: $id, roles: [FIRST_RESPONSIBLE], inherited: true) { role person { name } grid { code } }
			}`, map[string]any{"id": out.Then.ID}, &q)
			for name, list := range map[string][]assignmentOut{"then": q.Then, "now": q.Now} {
				if len(list) < 2 || list[0].Grid.Code != demo.SanwangzhuangCode {
					t.Errorf("%s, inherited: %v, want 三王庄村's first and then 须水街道's", name, holders(list))
					continue
				}
				for _, a := range list[1:] {
					if a.Grid.Code != demo.SubDistrictCode {
						t.Errorf("%s, inherited: %s is not 须水街道 (%s)", name, a.Grid.Code, demo.SubDistrictCode)
					}
				}
			}
			if len(q.Then) > 0 && q.Then[0].Person.Name != then.Person.Name {
				t.Errorf("Query.responsibles then: %s, Grid.responsibles: %s", q.Then[0].Person.Name, then.Person.Name)
			}

			// The predecessor's history: no active role there now, the ended assignment still listed.
			var p struct {
				People struct {
					Edges []struct {
						Node struct {
							Name              string
							ActiveAssignments []struct{ Role string }
							ThenActive        []struct{ Role string } `json:"thenActive"`
							Assignments       struct {
								TotalCount int
								Edges      []struct{ Node assignmentOut }
							}
						}
					}
				}
			}
			f.env.MustDo(t, f.token, `query($n: String!) {
				people(where: {name: $n}) { edges { node {
					name
					activeAssignments { role }
					thenActive: activeAssignments(at: "2026-03-01T00:00:00Z") { role }
					assignments(first: 10) { totalCount edges { node { role active validTo grid { code } } } }
				} } }
			}`, map[string]any{"n": then.Person.Name}, &p)
			if len(p.People.Edges) == 0 {
				t.Fatalf("person %s not found", then.Person.Name)
			}
			pred := p.People.Edges[0].Node
			var ended bool
			for _, e := range pred.Assignments.Edges {
				if e.Node.Grid.Code == demo.SanwangzhuangCode && e.Node.Role == "FIRST_RESPONSIBLE" && !e.Node.Active && e.Node.ValidTo != nil {
					ended = true
				}
			}
			if !ended {
				t.Errorf("%s's assignments do not list the ended FIRST_RESPONSIBLE on 三王庄村: %+v", pred.Name, pred.Assignments)
			}
			if len(pred.ThenActive) <= len(pred.ActiveAssignments) {
				t.Errorf("%s: %d active roles on 2026-03-01, %d now; want one more then", pred.Name, len(pred.ThenActive), len(pred.ActiveAssignments))
			}
		})

		t.Run("README queries", func(t *testing.T) {
			readme := []string{
				`{
				  gridByCode(code: "410102001") {
				    name
				    kindLabel
				    children(first: 20, orderBy: {field: CODE}) {
				      totalCount
				      edges { node { code name kindLabel households
				        descendants(maxDepth: 1) { totalCount } } }
				    }
				    level3: descendants(where: {level: 3}) { totalCount }
				  }
				}`,
				`{
				  then: gridByCode(code: "410102001002") {
				    responsibles(at: "2026-03-01T00:00:00Z", roles: [FIRST_RESPONSIBLE]) {
				      roleLabel title validFrom validTo person { name phone }
				    }
				  }
				  now: gridByCode(code: "410102001002") {
				    responsibles(roles: [FIRST_RESPONSIBLE]) { person { name } validFrom }
				  }
				}`,
				`{
				  people(first: 5, where: {nameHasPrefix: "王"}) {
				    totalCount
				    edges { node { name title genderLabel
				      activeAssignments { roleLabel dutyLabel grid { name ancestors { name } } } } }
				  }
				  vehicles(first: 5, where: {kind: E_BIKE}) { totalCount edges { node { plate kindLabel person { name } } } }
				  enumLabels(enum: "Duty") { value label }
				}`,
			}
			for i, q := range readme {
				resp := f.env.Do(t, f.token, q, nil)
				if len(resp.Errors) > 0 {
					t.Errorf("README query %d: %+v", i+1, resp.Errors)
					continue
				}
				t.Logf("README query %d: %.600s", i+1, resp.Data)
			}
		})
	})
}

func TestCreateGrid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, parent, code, kind string
		wantLevel                int
	}{
		{"root district", "", "410105", "DISTRICT", 0},
		{"root city", "", "4102", "CITY", 0},
		{"township under a district", "d1", "410102003", "TOWNSHIP", 2},
		{"enterprise zone under a sub-district", "s2", "410102002001", "ENTERPRISE_ZONE", 3},
		{"key enterprise under a community", "c1", "410102001003002", "KEY_ENTERPRISE", 4},
		{"unit grid under a village", "v2", "410102001002009", "UNIT_GRID", 4},
		// A level may be skipped: a village directly under a district.
		{"village directly under a district", "d2", "410103001001", "VILLAGE", 1},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		t.Run("base tree", func(t *testing.T) {
			checkPaths(servertest.System(), t, db.Client)
			for _, s := range baseTree {
				g := tree[s.key]
				want := "/" + g.ID + "/"
				if s.parent != "" {
					want = tree[s.parent].Path + g.ID + "/"
				}
				if g.Path != want {
					t.Errorf("%s: path %s, want %s", s.key, g.Path, want)
				}
			}
		})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{
					"code": tc.code, "name": tc.name, "kind": tc.kind,
					"households": 120, "population": 455, "areaDescription": "东至须水河", "duties": "巡查走访",
				}
				parentPath := "/"
				if tc.parent != "" {
					in["parentID"] = tree[tc.parent].ID
					parentPath = tree[tc.parent].Path
				}
				type created struct {
					GridNode
					Households, Population  int
					AreaDescription, Duties string
					Parent                  *struct{ ID string }
				}
				var out struct{ CreateGrid created }
				f.env.MustDo(t, f.token, `mutation($in: CreateGridInput!) {
					createGrid(input: $in) { ...G households population areaDescription duties parent { id } }
				} `+gridFields, map[string]any{"in": in}, &out)
				g := out.CreateGrid
				want := created{
					GridNode:   GridNode{ID: g.ID, Code: tc.code, Name: tc.name, Kind: tc.kind, Level: tc.wantLevel, Path: parentPath + g.ID + "/"},
					Households: 120, Population: 455, AreaDescription: "东至须水河", Duties: "巡查走访",
				}
				if tc.parent != "" {
					want.Parent = &struct{ ID string }{tree[tc.parent].ID}
				}
				if diff := cmp.Diff(want, g); diff != "" {
					t.Errorf("createGrid (-want +got):\n%s", diff)
				}
				// What the database holds agrees.
				row, err := db.Client.Grid.Get(servertest.System(), atoi(t, g.ID))
				if err != nil {
					t.Fatal(err)
				}
				if row.Path != want.Path || row.Level != tc.wantLevel {
					t.Errorf("stored path %s level %d, want %s %d", row.Path, row.Level, want.Path, tc.wantLevel)
				}
			})
		}
		checkPaths(servertest.System(), t, db.Client)
	})
}

func TestUpdateGrid(t *testing.T) {
	t.Parallel()
	type fields struct {
		Code, Name, Kind, Path, AreaDescription, Duties string
		Level, Households, Population                   int
	}
	cases := []struct {
		name  string
		grid  string
		input map[string]any
		want  func(before fields) fields
	}{
		{"rename", "v1", map[string]any{"name": "三王庄行政村"}, func(b fields) fields { b.Name = "三王庄行政村"; return b }},
		{"numbers and texts", "g11", map[string]any{"households": 87, "population": 301, "areaDescription": "东至村道", "duties": "入户走访"},
			func(b fields) fields {
				b.Households, b.Population, b.AreaDescription, b.Duties = 87, 301, "东至村道", "入户走访"
				return b
			}},
		{"code that still fits", "g12", map[string]any{"code": "410102001001009"}, func(b fields) fields { b.Code = "410102001001009"; return b }},
		{"kind within the tier", "v2", map[string]any{"kind": "COMMUNITY"}, func(b fields) fields { b.Kind = "COMMUNITY"; return b }},
		{"kind of a leaf", "r31", map[string]any{"kind": "UNIT_GRID"}, func(b fields) fields { b.Kind = "UNIT_GRID"; return b }},
		{"nothing", "s2", map[string]any{}, func(b fields) fields { return b }},
	}
	const sel = `code name kind path level households population areaDescription duties`
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id := tree[tc.grid].ID
				var before struct{ Node fields }
				f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Grid { `+sel+` } } }`, map[string]any{"id": id}, &before)
				var out struct{ UpdateGrid fields }
				f.env.MustDo(t, f.token, `mutation($id: ID!, $in: UpdateGridInput!) { updateGrid(id: $id, input: $in) { `+sel+` } }`,
					map[string]any{"id": id, "in": tc.input}, &out)
				want := tc.want(before.Node)
				if diff := cmp.Diff(want, out.UpdateGrid); diff != "" {
					t.Errorf("updateGrid (-want +got):\n%s", diff)
				}
				var after struct{ Node fields }
				f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Grid { `+sel+` } } }`, map[string]any{"id": id}, &after)
				if diff := cmp.Diff(want, after.Node); diff != "" {
					t.Errorf("read back (-want +got):\n%s", diff)
				}
			})
		}
		checkPaths(servertest.System(), t, db.Client)
	})
}

func TestMoveGrid(t *testing.T) {
	t.Parallel()
	// The moves run in order on one tree; each is checked against the whole database.
	cases := []struct {
		name, grid, newParent string
		wantAncestors         map[string][]string // grid → its breadcrumb after the move
		wantLevels            map[string]int
	}{
		{
			name: "sub-district with three levels under another district, one level up", grid: "s1", newParent: "d2",
			wantAncestors: map[string][]string{"s1": {"d2"}, "v1": {"d2", "s1"}, "g11": {"d2", "s1", "v1"}, "r31": {"d2", "s1", "c1"}},
			wantLevels:    map[string]int{"s1": 1, "v1": 2, "v2": 2, "c1": 2, "g11": 3, "g12": 3, "g21": 3, "r31": 3},
		},
		{
			name: "village to a sub-district of another district, one level down", grid: "v1", newParent: "s2",
			wantAncestors: map[string][]string{"v1": {"city", "d1", "s2"}, "g11": {"city", "d1", "s2", "v1"}, "g12": {"city", "d1", "s2", "v1"}},
			wantLevels:    map[string]int{"v1": 3, "g11": 4, "g12": 4},
		},
		{
			name: "village directly under a district", grid: "v2", newParent: "d1",
			wantAncestors: map[string][]string{"v2": {"city", "d1"}, "g21": {"city", "d1", "v2"}},
			wantLevels:    map[string]int{"v2": 2, "g21": 3},
		},
		{
			name: "to the same parent changes nothing", grid: "v2", newParent: "d1",
			wantAncestors: map[string][]string{"v2": {"city", "d1"}, "g21": {"city", "d1", "v2"}},
			wantLevels:    map[string]int{"v2": 2, "g21": 3},
		},
		{
			name: "leaf group to a community", grid: "g12", newParent: "c1",
			wantAncestors: map[string][]string{"g12": {"d2", "s1", "c1"}},
			wantLevels:    map[string]int{"g12": 3},
		},
		{
			name: "the moved subtree back", grid: "s1", newParent: "d1",
			wantAncestors: map[string][]string{"s1": {"city", "d1"}, "g12": {"city", "d1", "s1", "c1"}, "g11": {"city", "d1", "s2", "v1"}},
			wantLevels:    map[string]int{"s1": 2, "c1": 3, "g12": 4, "r31": 4, "v1": 3, "g11": 4},
		},
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		ctx := servertest.System()
		byID := map[string]string{}
		for k, g := range tree {
			byID[g.ID] = k
		}
		// People, assignments (one ended) and vehicles all over the subtree, and beside it.
		people := map[string]string{}
		for _, k := range []string{"s1", "v1", "g11", "g12", "g21", "r31", "s2", "d2"} {
			people[k] = f.createPerson(t, tree[k].ID, "成员"+k)
		}
		f.assign(t, people["s1"], tree["s1"].ID, "RESPONSIBLE_LEADER", "", day(2025, 1, 1))
		ended := f.assign(t, people["v1"], tree["v1"].ID, "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		f.end(t, ended, day(2026, 6, 1))
		f.assign(t, people["v1"], tree["v1"].ID, "DIRECT_RESPONSIBLE", "", day(2025, 1, 1))
		f.assign(t, people["g11"], tree["g11"].ID, "GRID_HEAD", "", day(2025, 1, 1))
		f.assign(t, people["g21"], tree["g21"].ID, "SPECIFIC_RESPONSIBLE", "CLEANER", day(2025, 1, 1))
		f.assign(t, people["s2"], tree["g12"].ID, "SPECIFIC_RESPONSIBLE", "PATROLLER", day(2025, 1, 1)) // a person from beside
		f.assign(t, people["s2"], tree["s2"].ID, "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		f.createVehicle(t, tree["g11"].ID, people["g11"], "须水巡101", "E_BIKE")
		f.createVehicle(t, tree["r31"].ID, "", "须水巡102", "BICYCLE")
		f.createVehicle(t, tree["s2"].ID, people["s2"], "林山巡001", "BICYCLE")
		checkPaths(ctx, t, db.Client)

		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				id, newParent := tree[tc.grid].ID, tree[tc.newParent].ID
				var out struct {
					MoveGrid struct {
						GridNode
						Parent struct{ ID string }
					}
				}
				f.env.MustDo(t, f.token, `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { ...G parent { id } } } `+gridFields,
					map[string]any{"id": id, "p": newParent}, &out)
				if out.MoveGrid.Parent.ID != newParent {
					t.Errorf("parent after the move: %s, want %s", out.MoveGrid.Parent.ID, newParent)
				}
				checkPaths(ctx, t, db.Client)

				// The new parent's descendants hold the moved subtree, the API agrees with the
				// database, and the breadcrumbs and levels are the new ones.
				moved, err := db.Client.Grid.Get(ctx, atoi(t, id))
				if err != nil {
					t.Fatal(err)
				}
				if out.MoveGrid.Path != moved.Path || out.MoveGrid.Level != moved.Level {
					t.Errorf("moveGrid returned path %s level %d, the database holds %s %d", out.MoveGrid.Path, out.MoveGrid.Level, moved.Path, moved.Level)
				}
				subtree, err := db.Client.Grid.Query().Where(grid.PathHasPrefix(moved.Path)).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var q struct {
					Parent struct{ Descendants gridConn }
					Grids  gridConn
				}
				f.env.MustDo(t, f.token, `query($p: ID!) {
					parent: node(id: $p) { ... on Grid { descendants { edges { node { ...G } } } } }
					grids { edges { node { ...G } } }
				} `+gridFields, map[string]any{"p": newParent}, &q)
				under := map[string]GridNode{}
				for _, g := range q.Parent.Descendants.nodes() {
					under[g.ID] = g
				}
				for _, g := range subtree {
					got, ok := under[strconv.Itoa(g.ID)]
					if !ok {
						t.Errorf("descendants of %s lack %s (%s)", tc.newParent, g.Code, byID[strconv.Itoa(g.ID)])
						continue
					}
					if got.Path != g.Path || got.Level != g.Level {
						t.Errorf("%s through the API: path %s level %d, stored %s %d", g.Code, got.Path, got.Level, g.Path, g.Level)
					}
				}
				levels := map[string]int{}
				for _, g := range q.Grids.nodes() {
					if _, ok := tc.wantLevels[byID[g.ID]]; ok {
						levels[byID[g.ID]] = g.Level
					}
				}
				if diff := cmp.Diff(tc.wantLevels, levels); diff != "" {
					t.Errorf("levels after the move (-want +got):\n%s", diff)
				}
				for k, want := range tc.wantAncestors {
					var a struct {
						Node struct{ Ancestors []GridNode }
					}
					f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Grid { ancestors { ...G } } } } `+gridFields,
						map[string]any{"id": tree[k].ID}, &a)
					var got []string
					for _, g := range a.Node.Ancestors {
						got = append(got, byID[g.ID])
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("ancestors of %s (-want +got):\n%s", k, diff)
					}
				}

				// The copies are visible through the API too (gridPath of people, assignments,
				// vehicles under the moved grid).
				var copies struct {
					People struct {
						Edges []struct {
							Node struct {
								GridPath string
								Grid     struct{ Path string }
							}
						}
					}
					Assignments struct {
						Edges []struct {
							Node struct {
								GridPath string
								Grid     struct{ Path string }
							}
						}
					}
					Vehicles struct {
						Edges []struct {
							Node struct {
								GridPath string
								Grid     struct{ Path string }
							}
						}
					}
				}
				f.env.MustDo(t, f.token, `{
					people { edges { node { gridPath grid { path } } } }
					assignments { edges { node { gridPath grid { path } } } }
					vehicles { edges { node { gridPath grid { path } } } }
				}`, nil, &copies)
				for what, edges := range map[string][]struct {
					Node struct {
						GridPath string
						Grid     struct{ Path string }
					}
				}{
					"person": copies.People.Edges, "assignment": copies.Assignments.Edges, "vehicle": copies.Vehicles.Edges,
				} {
					for _, e := range edges {
						if e.Node.GridPath != e.Node.Grid.Path {
							t.Errorf("%s: gridPath %s, grid.path %s", what, e.Node.GridPath, e.Node.Grid.Path)
						}
					}
				}
			})
		}

		t.Run("history survives the moves", func(t *testing.T) {
			var out struct {
				Responsibles []assignmentOut
			}
			f.env.MustDo(t, f.token, `query($id: ID!) { responsibles(gridID: $id, at: "2026-03-01T00:00:00Z", roles: [FIRST_RESPONSIBLE]) { role person { name } grid { code } } }`,
				map[string]any{"id": tree["v1"].ID}, &out)
			if diff := cmp.Diff([]string{"410102001001 FIRST_RESPONSIBLE 成员v1"}, holders(out.Responsibles)); diff != "" {
				t.Errorf("first-responsible of the moved village on 2026-03-01 (-want +got):\n%s", diff)
			}
		})
	})
}

func TestDeleteGrid(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		// g21 had a person who moved to another home grid: nothing hangs on it any more.
		p := f.createPerson(t, tree["g21"].ID, "搬走的人")
		f.env.MustDo(t, f.token, `mutation($id: ID!, $g: ID!) { updatePerson(id: $id, input: {gridID: $g}) { id } }`,
			map[string]any{"id": p, "g": tree["v2"].ID}, nil)

		cases := []struct {
			name, grid   string
			wantChildren []string // keys of the parent's children afterwards
			parent       string
		}{
			{"leaf with nothing attached", "g12", []string{"g11"}, "v1"},
			{"leaf whose person moved away", "g21", []string{}, "v2"},
			{"root without children", "d2", nil, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, db.Client)
				g := tree[tc.grid]
				var out struct{ DeleteGrid string }
				f.env.MustDo(t, f.token, `mutation($id: ID!) { deleteGrid(id: $id) }`, map[string]any{"id": g.ID}, &out)
				if out.DeleteGrid != g.ID {
					t.Errorf("deleteGrid returned %q, want %s", out.DeleteGrid, g.ID)
				}
				var q struct {
					GridByCode *GridNode
					Node       *GridNode
					Grids      struct{ TotalCount int }
				}
				f.env.MustDo(t, f.token, `query($c: String!, $id: ID!) { gridByCode(code: $c) { ...G } node(id: $id) { ... on Grid { ...G } } grids { totalCount } } `+gridFields,
					map[string]any{"c": g.Code, "id": g.ID}, &q)
				if q.GridByCode != nil || q.Node != nil {
					t.Errorf("deleted grid still found: byCode %+v node %+v", q.GridByCode, q.Node)
				}
				if q.Grids.TotalCount != len(before.Grids)-1 {
					t.Errorf("%d grids after the delete, want %d", q.Grids.TotalCount, len(before.Grids)-1)
				}
				after := snapshot(t, db.Client)
				if diff := cmp.Diff(before.People, after.People); diff != "" {
					t.Errorf("people changed (-before +after):\n%s", diff)
				}
				if tc.parent != "" {
					var c struct {
						Node struct{ Children gridConn }
					}
					f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Grid { children { edges { node { ...G } } } } } } `+gridFields,
						map[string]any{"id": tree[tc.parent].ID}, &c)
					want := make([]string, len(tc.wantChildren))
					for i, k := range tc.wantChildren {
						want[i] = tree[k].Code
					}
					if diff := cmp.Diff(want, sortedCodes(c.Node.Children.nodes())); diff != "" {
						t.Errorf("children of %s (-want +got):\n%s", tc.parent, diff)
					}
				}
			})
		}
	})
}

// recordingDriver records the SQL of every query that goes through it.
type recordingDriver struct {
	dialect.Driver
	queries []recorded
}

type recorded struct {
	query string
	args  []any
}

func (d *recordingDriver) Query(ctx context.Context, query string, args, v any) error {
	a, _ := args.([]any)
	d.queries = append(d.queries, recorded{query, a})
	return d.Driver.Query(ctx, query, args, v)
}

// TestGridPathIndexPostgres shows that the subtree query ent generates for a path prefix
// (grid.PathHasPrefix) uses the grid_path_prefix index on PostgreSQL, on a table of a
// realistic size where the planner chooses freely.
func TestGridPathIndexPostgres(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		if db.Dialect != dialect.Postgres {
			t.Skip("the index and its operator class are PostgreSQL's")
		}
		ctx := servertest.System()
		root, err := db.Client.Grid.Create().SetCode("4101").SetName("郑州市").SetKind(grid.KindCITY).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 20 districts × 10 sub-districts × 10 communities below the root: 2,221 grids, with
		// paths and levels as the server writes them, ids in the grid id range.
		const districts, subs, communities = 20, 10, 10
		if _, err := db.SQL.ExecContext(ctx, `
			WITH d AS (
				SELECT i, $1::bigint + i AS id FROM generate_series(1, $2::int) i
			), s AS (
				SELECT d.i AS di, j, d.id AS parent, $1::bigint + 1000 + (d.i - 1) * $3::int + j AS id
				FROM d, generate_series(1, $3::int) j
			), c AS (
				SELECT s.di, s.j, k, s.parent AS grand, s.id AS parent, $1::bigint + 100000 + ((s.di - 1) * $3::int + s.j - 1) * $4::int + k AS id
				FROM s, generate_series(1, $4::int) k
			)
			INSERT INTO grids (id, created_at, updated_at, code, name, kind, level, path, households, population, area_description, duties, parent_id)
			SELECT id, now(), now(), '41' || lpad(i::text, 4, '0'), '区' || i, 'DISTRICT', 1, $5 || id || '/', 0, 0, '', '', $1::bigint FROM d
			UNION ALL
			SELECT id, now(), now(), '41' || lpad(di::text, 4, '0') || lpad(j::text, 3, '0'), '街道' || id, 'SUB_DISTRICT', 2, $5 || parent || '/' || id || '/', 0, 0, '', '', parent FROM s
			UNION ALL
			SELECT id, now(), now(), '41' || lpad(di::text, 4, '0') || lpad(j::text, 3, '0') || lpad(k::text, 3, '0'), '社区' || id, 'COMMUNITY', 3, $5 || grand || '/' || parent || '/' || id || '/', 0, 0, '', '', parent FROM c`,
			root.ID, districts, subs, communities, root.Path); err != nil {
			t.Fatalf("insert grids: %v", err)
		}
		if _, err := db.SQL.ExecContext(ctx, "ANALYZE grids"); err != nil {
			t.Fatal(err)
		}
		total, err := db.Client.Grid.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + districts*(1+subs*(1+communities)); total != want {
			t.Fatalf("%d grids, want %d", total, want)
		}
		checkPaths(ctx, t, db.Client)

		// A sub-district's subtree, as ent queries it.
		sub, err := db.Client.Grid.Query().Where(grid.Level(2)).Order(ent.Asc(grid.FieldID)).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recordingDriver{Driver: entsql.OpenDB(dialect.Postgres, db.SQL)}
		client := ent.NewClient(ent.Driver(rec))
		got, err := client.Grid.Query().Where(grid.PathHasPrefix(sub.Path)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1+communities {
			t.Errorf("subtree of %s: %d grids, want %d", sub.Path, len(got), 1+communities)
		}
		var q *recorded
		for i := range rec.queries {
			if strings.Contains(rec.queries[i].query, `FROM "grids"`) && strings.Contains(rec.queries[i].query, "LIKE") {
				q = &rec.queries[i]
			}
		}
		if q == nil {
			t.Fatalf("no grid query with LIKE among %+v", rec.queries)
		}
		plan := explain(ctx, t, db.SQL, q.query, q.args)
		t.Logf("ent's subtree query: %s %v\n%s", q.query, q.args, plan)
		if !strings.Contains(plan, "grid_path_prefix") || !(strings.Contains(plan, "Index Scan") || strings.Contains(plan, "Bitmap Index Scan") || strings.Contains(plan, "Index Only Scan")) {
			t.Errorf("the subtree query does not use the index grid_path_prefix:\n%s", plan)
		}

		// A leaf's own prefix must use the index too; a district's subtree (5% of this small
		// table) is logged only, since a sequential scan may rightly win there.
		leaf := got[len(got)-1].Path
		plan = explain(ctx, t, db.SQL, `SELECT id FROM grids WHERE path LIKE $1`, []any{leaf + "%"})
		t.Logf("leaf prefix %s:\n%s", leaf, plan)
		if !strings.Contains(plan, "grid_path_prefix") {
			t.Errorf("leaf prefix %s does not use grid_path_prefix:\n%s", leaf, plan)
		}
		district := strings.TrimSuffix(sub.Path, strconv.Itoa(sub.ID)+"/")
		t.Logf("district prefix %s:\n%s", district, explain(ctx, t, db.SQL, `SELECT id FROM grids WHERE path LIKE $1`, []any{district + "%"}))
	})
}

// explain returns PostgreSQL's plan of query.
func explain(ctx context.Context, t *testing.T, db *sql.DB, query string, args []any) string {
	t.Helper()
	rows, err := db.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func ptr[T any](v T) *T { return &v }

// TestDescendantsOfAList reads the descendants of every grid of a list, which are paged for
// the whole list at once (issue 13), nested parents included (the city, its district and its
// sub-district share descendants), and wants each grid's connection to be the one it gets
// asked for alone, for the arguments that shape a page: depth, filter, order, first and last,
// a cursor; and, for the whole list, the grids whose paths the parent's path starts.
func TestDescendantsOfAList(t *testing.T) {
	t.Parallel()
	const conn = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ...G } }`
	const args = `maxDepth: $d, where: $w, orderBy: $o, first: $first, last: $last, after: $after`
	const vars = `$d: Int, $w: GridWhereInput, $o: GridOrder, $first: Int, $last: Int, $after: Cursor`
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		// A viewer of 三王庄村 and 须水社区 only.
		person := f.createPerson(t, tree["v1"].ID, "三王庄村书记")
		f.assign(t, person, tree["v1"].ID, "FIRST_RESPONSIBLE", "", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		f.assign(t, person, tree["c1"].ID, "FIRST_RESPONSIBLE", "", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		scoped := f.env.TokenFor(t, atoi(t, person), false)
		var first struct {
			Node struct{ Descendants gridConn }
		}
		f.env.MustDo(t, f.token, `query($id: ID!) { node(id: $id) { ... on Grid { descendants(first: 1, orderBy: {field: CODE}) { `+conn+` } } } } `+gridFields,
			map[string]any{"id": tree["s1"].ID}, &first)
		afterV1 := first.Node.Descendants.PageInfo.EndCursor // the cursor of 三王庄村 by code
		if afterV1 == nil {
			t.Fatal("no cursor for the first descendant of 须水街道")
		}
		cases := []struct {
			name string
			vars map[string]any
		}{
			{"default", map[string]any{}},
			{"children", map[string]any{"d": 1}},
			{"two levels, by name descending, first 2", map[string]any{"d": 2, "first": 2, "o": map[string]any{"field": "NAME", "direction": "DESC"}}},
			{"last 2 by code", map[string]any{"last": 2, "o": map[string]any{"field": "CODE"}}},
			{"filtered, first 1", map[string]any{"first": 1, "w": map[string]any{"kind": "VILLAGER_GROUP"}}},
			{"after a cursor", map[string]any{"first": 3, "after": *afterV1, "o": map[string]any{"field": "CODE"}}},
			{"no rows asked", map[string]any{"first": 0}},
		}
		for _, viewer := range []struct{ name, token string }{{"superuser", f.token}, {"scoped", scoped}} {
			for _, tc := range cases {
				t.Run(viewer.name+"/"+tc.name, func(t *testing.T) {
					var list struct {
						Grids struct {
							Edges []struct {
								Node struct {
									GridNode
									Descendants gridConn
								}
							}
						}
					}
					f.env.MustDo(t, viewer.token, `query(`+vars+`) { grids(first: 20, orderBy: {field: CODE}) { edges { node {
						...G descendants(`+args+`) { `+conn+` } } } } } `+gridFields, tc.vars, &list)
					if len(list.Grids.Edges) < 3 {
						t.Fatalf("%d grids in the list", len(list.Grids.Edges))
					}
					all := make([]GridNode, len(list.Grids.Edges))
					for i, e := range list.Grids.Edges {
						all[i] = e.Node.GridNode
					}
					nonEmpty := 0
					for _, e := range list.Grids.Edges {
						parent := e.Node.GridNode
						var alone struct {
							Node struct{ Descendants gridConn }
						}
						v := maps.Clone(tc.vars)
						v["id"] = parent.ID
						f.env.MustDo(t, viewer.token, `query($id: ID!, `+vars+`) { node(id: $id) { ... on Grid { descendants(`+args+`) { `+conn+` } } } } `+gridFields, v, &alone)
						if diff := cmp.Diff(alone.Node.Descendants, e.Node.Descendants); diff != "" {
							t.Errorf("descendants of %s in the list differ from its own (-alone +list):\n%s", parent.Code, diff)
						}
						if len(e.Node.Descendants.Edges) > 0 {
							nonEmpty++
						}
						if tc.name != "default" {
							continue
						}
						// Every grid of the list the parent's path starts, and nothing else.
						var want []string
						for _, g := range all {
							if g.ID != parent.ID && strings.HasPrefix(g.Path, parent.Path) {
								want = append(want, g.Code)
							}
						}
						slices.Sort(want)
						if diff := cmp.Diff(want, sortedCodes(e.Node.Descendants.nodes()), cmpopts.EquateEmpty()); diff != "" {
							t.Errorf("descendants of %s (-want +got):\n%s", parent.Code, diff)
						}
						if e.Node.Descendants.TotalCount != len(want) {
							t.Errorf("descendants of %s: totalCount %d, want %d", parent.Code, e.Node.Descendants.TotalCount, len(want))
						}
					}
					// The superuser's lists hold parents that share descendants; the scoped
					// viewer's two roots have none in common.
					if want := map[bool]int{true: 2, false: 1}[viewer.token == f.token]; nonEmpty < want && tc.name != "no rows asked" {
						t.Errorf("only %d grids of the list have descendants on their page, want %d", nonEmpty, want)
					}
				})
			}
		}
	})
}
