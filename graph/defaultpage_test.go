package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/gqllimits"
	"gridgov/internal/servertest"
)

// TestDefaultPageSize asks for connections without first or last, at the top, nested, in a
// fragment and with a null variable, on more rows than the default page: each returns exactly
// gqllimits.DefaultPageSize rows and says there is a next page; first or last given still wins.
func TestDefaultPageSize(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		ctx := servertest.System()
		root, err := db.Client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const children = gqllimits.DefaultPageSize + 7
		for i := range children {
			if _, err := db.Client.Grid.Create().SetCode(fmt.Sprintf("410102%03d", i+1)).SetName(fmt.Sprintf("街道%d", i)).
				SetKind(grid.KindSUB_DISTRICT).SetParentID(root.ID).Save(ctx); err != nil {
				t.Fatal(err)
			}
		}
		const conn = `totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage }`
		cases := []struct {
			name, query  string
			vars         map[string]any
			wantEdges    int
			wantNextPage bool
		}{
			{name: "top level", query: `{ c: grids { ` + conn + ` } }`, wantEdges: gqllimits.DefaultPageSize, wantNextPage: true},
			{name: "nested", query: `{ gridByCode(code: "410102") { c: children { ` + conn + ` } } }`, wantEdges: gqllimits.DefaultPageSize, wantNextPage: true},
			{name: "in a fragment", query: `{ gridByCode(code: "410102") { ...F } } fragment F on Grid { c: children(orderBy: {field: CODE}) { ` + conn + ` } }`,
				wantEdges: gqllimits.DefaultPageSize, wantNextPage: true},
			{name: "null variable", query: `query($n: Int) { c: grids(first: $n) { ` + conn + ` } }`, vars: map[string]any{"n": nil},
				wantEdges: gqllimits.DefaultPageSize, wantNextPage: true},
			{name: "first given", query: `{ c: grids(first: 60) { ` + conn + ` } }`, wantEdges: 58},
			{name: "last given", query: `{ c: grids(last: 3) { ` + conn + ` } }`, wantEdges: 3},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var out struct {
					C          *connOut
					GridByCode *struct{ C connOut }
				}
				f.env.MustDo(t, f.token, tc.query, tc.vars, &out)
				c := out.C
				if c == nil {
					c = &out.GridByCode.C
				}
				if len(c.Edges) != tc.wantEdges || c.PageInfo.HasNextPage != tc.wantNextPage {
					t.Errorf("%d edges, hasNextPage %v; want %d, %v (totalCount %d)",
						len(c.Edges), c.PageInfo.HasNextPage, tc.wantEdges, tc.wantNextPage, c.TotalCount)
				}
			})
		}
	})
}

// TestDefaultPageSizeDescribed wants introspection to tell a client the default page size.
func TestDefaultPageSizeDescribed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.New(t, "sqlite"))
	var out struct {
		Type struct {
			Fields []struct {
				Name string
				Args []struct{ Name, Description string }
			}
		} `json:"__type"`
	}
	f.env.MustDo(t, f.token, `{ __type(name: "Query") { fields { name args { name description } } } }`, nil, &out)
	want := fmt.Sprintf("%d when neither first nor last is given", gqllimits.DefaultPageSize)
	for _, fd := range out.Type.Fields {
		if fd.Name != "grids" {
			continue
		}
		for _, a := range fd.Args {
			if a.Name == "first" && strings.Contains(a.Description, want) {
				return
			}
		}
		t.Fatalf("grids(first:) is not described with %q: %+v", want, fd.Args)
	}
	t.Fatal("no field grids on Query")
}

// connOut is a connection as TestDefaultPageSize reads it.
type connOut struct {
	TotalCount int
	Edges      []struct{ Node struct{ ID string } }
	PageInfo   struct{ HasNextPage, HasPreviousPage bool }
}
