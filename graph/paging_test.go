package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent/bulletinpost"
	"gridgov/ent/inspection"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestPagingEveryOrder pages through connections by every value of their order field enum,
// read from the schema so that a new order field is covered, both directions, forward and
// backward, and checks that the pages add up to the whole list: no row lost to a NULL, a
// zero value (level 0, households 0) or a tie.
func TestPagingEveryOrder(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		person := f.createPerson(t, tree["g11"].ID, "王建国")
		for i, key := range []string{"v1", "g11", "g12", "v2", "g21"} {
			a := f.assign(t, person, tree[key].ID, "GRID_HEAD", "", day(2025, 1, 1+i%2))
			if i%2 == 0 { // some ended (validTo set), some held (NULL)
				f.end(t, a, day(2026, 1, 1))
			}
		}
		addInspectionsAndPosts(t, f, tree["g11"].ID, person)
		lists := []struct{ field, enum string }{
			{"grids", "GridOrderField"}, {"assignments", "AssignmentOrderField"},
			{"inspections", "InspectionOrderField"}, {"bulletinPosts", "BulletinPostOrderField"},
		}
		for _, l := range lists {
			var enum struct {
				Type struct{ EnumValues []struct{ Name string } } `json:"__type"`
			}
			f.env.MustDo(t, f.token, `query($n: String!) { __type(name: $n) { enumValues { name } } }`, map[string]any{"n": l.enum}, &enum)
			if len(enum.Type.EnumValues) == 0 {
				t.Fatalf("%s has no values", l.enum)
			}
			for _, v := range enum.Type.EnumValues {
				for _, dir := range []string{"ASC", "DESC"} {
					t.Run(fmt.Sprintf("%s/%s/%s", l.field, v.Name, dir), func(t *testing.T) {
						order := map[string]any{"field": v.Name, "direction": dir}
						all := page(t, f, l.field, order, map[string]any{"first": 500})
						if len(all.ids) < 4 {
							t.Fatalf("only %d rows", len(all.ids))
						}
						var fwd []string
						args := map[string]any{"first": 2}
						for n := 0; ; n++ {
							p := page(t, f, l.field, order, args)
							fwd = append(fwd, p.ids...)
							if !p.hasNext || n > len(all.ids) {
								break
							}
							args = map[string]any{"first": 2, "after": p.end}
						}
						if diff := cmp.Diff(all.ids, fwd); diff != "" {
							t.Errorf("first/after pages differ from the whole list (-want +got):\n%s", diff)
						}
						var back []string
						args = map[string]any{"last": 2}
						for n := 0; ; n++ {
							p := page(t, f, l.field, order, args)
							back = append(slices.Clone(p.ids), back...)
							if !p.hasPrev || n > len(all.ids) {
								break
							}
							args = map[string]any{"last": 2, "before": p.start}
						}
						if diff := cmp.Diff(all.ids, back); diff != "" {
							t.Errorf("last/before pages differ from the whole list (-want +got):\n%s", diff)
						}
					})
				}
			}
		}
	})
}

// addInspectionsAndPosts writes the rows the issue saw lost: inspections whose follow-up is
// not set (NULL FOLLOW_UP_DUE) beside ones that share a due time, and bulletin drafts (NULL
// PUBLISHED_AT) beside posts published at the same moment.
func addInspectionsAndPosts(t *testing.T, f *fixture, gridID, personID string) {
	t.Helper()
	ctx := servertest.System()
	g, err := strconv.Atoi(gridID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(personID)
	if err != nil {
		t.Fatal(err)
	}
	due := day(2026, 3, 1)
	for i, d := range []*time.Time{nil, &due, nil, &due, ptr(day(2026, 2, 1))} {
		if _, err := f.db.Client.Inspection.Create().SetKind(inspection.KindUNANNOUNCED).SetRating(inspection.RatingGOOD).
			SetInspectedAt(day(2026, 1, 1+i%2)).SetNillableFollowUpDue(d).SetGridID(g).SetInspectorID(p).Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, at := range []*time.Time{nil, ptr(day(2026, 1, 5)), nil, ptr(day(2026, 1, 5)), ptr(day(2026, 1, 9))} {
		c := f.db.Client.BulletinPost.Create().SetColumn(bulletinpost.ColumnVILLAGE_AFFAIRS).SetTitle(fmt.Sprint("村务公开第", i+1, "期")).
			SetGridID(g).SetNillablePublishedAt(at)
		if at != nil {
			c.SetStatus(bulletinpost.StatusPUBLISHED)
		}
		if _, err := c.Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// pageResult is one page of a connection.
type pageResult struct {
	ids              []string
	start, end       string
	hasNext, hasPrev bool
}

// page fetches one page of the top-level connection field.
func page(t *testing.T, f *fixture, field string, order, args map[string]any) pageResult {
	t.Helper()
	q := fmt.Sprintf(`query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $order: %sOrder) {
		list: %s(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
			edges { node { id } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }`,
		map[string]string{"grids": "Grid", "assignments": "Assignment", "inspections": "Inspection", "bulletinPosts": "BulletinPost"}[field], field)
	vars := map[string]any{"order": order}
	for k, v := range args {
		vars[k] = v
	}
	var out struct {
		List struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct {
				StartCursor, EndCursor       string
				HasNextPage, HasPreviousPage bool
			}
		}
	}
	resp := f.env.Do(t, f.token, q, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s %v: %+v", field, args, resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil {
		t.Fatal(err)
	}
	p := pageResult{start: out.List.PageInfo.StartCursor, end: out.List.PageInfo.EndCursor,
		hasNext: out.List.PageInfo.HasNextPage, hasPrev: out.List.PageInfo.HasPreviousPage}
	for _, e := range out.List.Edges {
		p.ids = append(p.ids, e.Node.ID)
	}
	return p
}
