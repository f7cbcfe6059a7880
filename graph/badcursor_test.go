package graph_test

import (
	"bytes"
	"strings"
	"testing"

	"entgo.io/contrib/entgql"

	"gridgov/internal/dbtest"
)

// TestMalformedIDsAndCursors sends ids and cursors this API did not issue and checks that each
// is the client's fault (BAD_USER_INPUT) in words a frontend engineer can act on, never an
// internal error or a driver's or Go's parse text.
func TestMalformedIDsAndCursors(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		person := f.createPerson(t, tree["g11"].ID, "王建国")
		f.assign(t, person, tree["v1"].ID, "GRID_HEAD", "", day(2025, 1, 1))
		cursor := func(id int, v any) string {
			var b bytes.Buffer
			entgql.Cursor[int]{ID: id, Value: v}.MarshalGQL(&b)
			return strings.Trim(b.String(), `"`)
		}
		assignmentConn := orderedConn{parent: "Query", field: "assignments", node: "Assignment"}
		assignmentCursor := connPage(t, f.env, f.token, assignmentConn, "", map[string]any{"field": "VALID_TO"}, "", map[string]any{"first": 1}).end
		const (
			grids       = `query($c: Cursor) { grids(first: 2, after: $c, orderBy: {field: CODE}) { totalCount edges { node { id } } } }`
			assignments = `query($c: Cursor) { assignments(last: 2, before: $c, orderBy: {field: VALID_TO}) { edges { node { id } } } }`
			node        = `query($id: ID!) { node(id: $id) { id } }`
			nodes       = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`
			updateGrid  = `mutation($id: ID!) { updateGrid(id: $id, input: {name: "x"}) { id } }`
			responsible = `query($id: ID!) { responsibles(gridID: $id) { id } }`
		)
		cases := []struct {
			name, query string
			vars        map[string]any
		}{
			{"random base64", grids, map[string]any{"c": "Zm9vYmFyYmF6"}},
			{"base64 of garbage", grids, map[string]any{"c": "AAAAAAAA"}},
			{"cursor of another connection", grids, map[string]any{"c": assignmentCursor}},
			{"cursor of entgql's own form", grids, map[string]any{"c": cursor(1, "410102")}},
			{"cursor of another order", grids, map[string]any{"c": cursor(1, []any{"Grid", "NAME", "x"})}},
			{"number for a code", grids, map[string]any{"c": cursor(1, []any{"Grid", "CODE", 5})}},
			{"string for a time", assignments, map[string]any{"c": cursor(1, []any{"Assignment", "VALID_TO", "yesterday"})}},
			{"list for a time", assignments, map[string]any{"c": cursor(1, []any{"Assignment", "VALID_TO", []any{1, 2}})}},
			{"node abc", node, map[string]any{"id": "abc"}},
			{"node empty", node, map[string]any{"id": ""}},
			{"node huge", node, map[string]any{"id": "99999999999999999999999"}},
			{"nodes abc", nodes, map[string]any{"ids": []string{tree["g11"].ID, "abc"}}},
			{"update abc", updateGrid, map[string]any{"id": "abc"}},
			{"responsibles of abc", responsible, map[string]any{"id": "abc"}},
		}
		// Ids of the right form name no row: a node that is not there (null), a row that is not
		// there (NOT_FOUND) or an argument that names none (BAD_USER_INPUT), never INTERNAL.
		// Ids beyond int64, signed, spaced, hex, exponent or full-width digits are malformed.
		absent := []struct {
			name, query, want string // want "" is null data without an error
		}{
			{"node", node, ""}, {"nodes", nodes, "NOT_FOUND"}, {"update", updateGrid, "NOT_FOUND"},
			{"responsibles", responsible, "BAD_USER_INPUT"},
			{"missingDailyReports", `query($id: ID!) { missingDailyReports(gridID: $id, day: "2026-01-01") { id } }`, "BAD_USER_INPUT"},
			{"rollup", `query($id: ID!) { rollup(gridID: $id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { __typename } }`, "BAD_USER_INPUT"},
			{"grids where", `query($id: ID!) { grids(where: {id: $id}) { totalCount } }`, "none"},
		}
		vars := func(query, id string) map[string]any {
			if query == nodes {
				return map[string]any{"ids": []string{id}}
			}
			return map[string]any{"id": id}
		}
		var wellFormed []struct{ name, query, id, want string }
		for _, a := range absent {
			for _, id := range []string{"-1", "0", "9223372036854775807"} {
				wellFormed = append(wellFormed, struct{ name, query, id, want string }{a.name + " " + id, a.query, id, a.want})
			}
			for _, id := range []string{"99999999999999999999", "-99999999999999999999", "1e3", " 1", "0x10", "-", "１"} {
				cases = append(cases, struct {
					name, query string
					vars        map[string]any
				}{a.name + " " + id, a.query, vars(a.query, id)})
			}
		}
		for _, tc := range wellFormed {
			t.Run(tc.name, func(t *testing.T) {
				resp := f.env.Do(t, f.token, tc.query, vars(tc.query, tc.id))
				switch {
				case tc.want == "none" || tc.want == "":
					if len(resp.Errors) > 0 {
						t.Fatalf("errors %+v, want none", resp.Errors)
					}
					if tc.want == "" && string(resp.Data) != `{"node":null}` {
						t.Errorf("data %s, want a null node", resp.Data)
					}
				case len(resp.Errors) == 0:
					t.Errorf("no error, want %s; data %.200s", tc.want, resp.Data)
				case resp.Errors[0].Code() != tc.want:
					t.Errorf("code %s, want %s (message %q)", resp.Errors[0].Code(), tc.want, resp.Errors[0].Message)
				}
			})
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp := f.env.Do(t, f.token, tc.query, tc.vars)
				if len(resp.Errors) == 0 {
					t.Fatalf("no error; data %.200s", resp.Data)
				}
				e := resp.Errors[0]
				if e.Code() != "BAD_USER_INPUT" {
					t.Errorf("code %s, want BAD_USER_INPUT (message %q)", e.Code(), e.Message)
				}
				for _, leak := range []string{"strconv", "Atoi", "msgpack", "sql", "SQL", "pq:", "syntax"} {
					if strings.Contains(e.Message, leak) {
						t.Errorf("message %q names %q", e.Message, leak)
					}
				}
			})
		}
	})
}
