package graph_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestBadInput sends invalid requests and checks that each gets an error with the right
// extensions.code (and extensions.field where the input is at fault) and writes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		id := func(key string) string { return tree[key].ID }
		person := f.createPerson(t, id("g11"), "王建国")
		active := f.assign(t, person, id("v1"), "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		ended := f.assign(t, person, id("g12"), "GRID_HEAD", "", day(2025, 1, 1))
		f.end(t, ended, day(2026, 1, 1))
		// A leaf whose only attachment is a current role.
		roleOnly := f.createGrid(t, id("v2"), "410102001002002", "桐树王砖厂", "KEY_ENTERPRISE").ID
		f.assign(t, person, roleOnly, "DIRECT_RESPONSIBLE", "", day(2025, 1, 1))
		f.createVehicle(t, id("g21"), "", "须水巡001", "E_BIKE")
		vehicle := f.createVehicle(t, id("r31"), person, "须水巡002", "BICYCLE")
		// A viewer whose scope is 林山寨街道 only.
		scopedPerson := f.createPerson(t, id("s2"), "林山寨书记")
		f.assign(t, scopedPerson, id("s2"), "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		scoped := f.env.TokenFor(t, atoi(t, scopedPerson), false)

		missingGrid := strconv.Itoa(atoi(t, id("d2")) + 1_000_000)
		missingAssignment := strconv.Itoa(atoi(t, active) + 1_000_000)
		long := strings.Repeat("网", 10_000)
		ids501 := make([]string, 501)
		for i := range ids501 {
			ids501[i] = id("g11")
		}

		const (
			create  = `mutation($in: CreateGridInput!) { createGrid(input: $in) { id } }`
			update  = `mutation($id: ID!, $in: UpdateGridInput!) { updateGrid(id: $id, input: $in) { id } }`
			move    = `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { id } }`
			del     = `mutation($id: ID!) { deleteGrid(id: $id) }`
			assign  = `mutation($in: CreateAssignmentInput!) { assignRole(input: $in) { id } }`
			end     = `mutation($id: ID!, $at: Time) { endAssignment(id: $id, at: $at) { id } }`
			newP    = `mutation($in: CreatePersonInput!) { createPerson(input: $in) { id } }`
			updP    = `mutation($id: ID!, $in: UpdatePersonInput!) { updatePerson(id: $id, input: $in) { id } }`
			newV    = `mutation($in: CreateVehicleInput!) { createVehicle(input: $in) { id } }`
			updV    = `mutation($id: ID!, $in: UpdateVehicleInput!) { updateVehicle(id: $id, input: $in) { id } }`
			node    = `query($id: ID!) { node(id: $id) { id } }`
			badUser = "BAD_USER_INPUT"
		)
		grid := func(parent, code, name, kind string) map[string]any {
			in := map[string]any{"in": map[string]any{"code": code, "name": name, "kind": kind}}
			if parent != "" {
				in["in"].(map[string]any)["parentID"] = parent
			}
			return in
		}
		role := func(gridID, role string, extra map[string]any) map[string]any {
			in := map[string]any{"personID": person, "gridID": gridID, "role": role, "validFrom": day(2025, 3, 1).Format(time.RFC3339)}
			for k, v := range extra {
				in[k] = v
			}
			return map[string]any{"in": in}
		}

		cases := []struct {
			name   string
			viewer string // "" for the superuser, "scoped" for 林山寨街道's first-responsible
			query  string
			vars   map[string]any
			codes  []string // acceptable codes of the first error; "" allows no error at all
			field  string   // wanted extensions.field, if any
		}{
			// Moves.
			{name: "move under itself", query: move, vars: map[string]any{"id": id("s1"), "p": id("s1")}, codes: []string{badUser}, field: "newParentID"},
			{name: "move under its child", query: move, vars: map[string]any{"id": id("s1"), "p": id("v1")}, codes: []string{badUser}, field: "newParentID"},
			{name: "move under a deep descendant", query: move, vars: map[string]any{"id": id("d1"), "p": id("g11")}, codes: []string{badUser}, field: "newParentID"},
			{name: "move a root under its descendant", query: move, vars: map[string]any{"id": id("city"), "p": id("r31")}, codes: []string{badUser}, field: "newParentID"},
			{name: "move under a shallower kind's grid", query: move, vars: map[string]any{"id": id("s2"), "p": id("v1")}, codes: []string{badUser}, field: "newParentID"},
			{name: "move under the same tier", query: move, vars: map[string]any{"id": id("v2"), "p": id("c1")}, codes: []string{badUser}, field: "newParentID"},
			{name: "move under an unknown grid", query: move, vars: map[string]any{"id": id("v2"), "p": missingGrid}, codes: []string{badUser}, field: "newParentID"},
			{name: "move an unknown grid", query: move, vars: map[string]any{"id": missingGrid, "p": id("s2")}, codes: []string{badUser}, field: "id"},
			{name: "move with a malformed id", query: move, vars: map[string]any{"id": "abc", "p": id("s2")}, codes: []string{badUser}},

			// Creating grids.
			{name: "duplicate code", query: create, vars: grid(id("s1"), "410102001001", "重复村", "VILLAGE"), codes: []string{"CONFLICT"}},
			{name: "duplicate root code", query: create, vars: grid("", "410103", "重复区", "DISTRICT"), codes: []string{"CONFLICT"}},
			{name: "code too short for the kind", query: create, vars: grid(id("s1"), "4101020010", "短码村", "VILLAGE"), codes: []string{badUser}, field: "code"},
			{name: "code too long for the kind", query: create, vars: grid(id("s1"), "4101020010091", "长码村", "VILLAGE"), codes: []string{badUser}, field: "code"},
			{name: "code with a letter", query: create, vars: grid(id("s1"), "41010200100A", "字母村", "VILLAGE"), codes: []string{badUser}, field: "code"},
			{name: "code not extending the parent's", query: create, vars: grid(id("s1"), "410103001004", "错码村", "VILLAGE"), codes: []string{badUser}, field: "code"},
			{name: "group with the parent's code length", query: create, vars: grid(id("v1"), "410102001001", "村民组", "VILLAGER_GROUP"), codes: []string{badUser}, field: "code"},
			{name: "empty code", query: create, vars: grid(id("s1"), "", "空码村", "VILLAGE"), codes: []string{badUser}, field: "code"},
			{name: "kind not deeper than the parent's", query: create, vars: grid(id("s1"), "410102009", "街道", "SUB_DISTRICT"), codes: []string{badUser}, field: "kind"},
			{name: "kind on the parent's tier", query: create, vars: grid(id("v1"), "410102001009", "社区", "COMMUNITY"), codes: []string{badUser}, field: "kind"},
			{name: "kind above the parent's", query: create, vars: grid(id("g11"), "410102", "区", "DISTRICT"), codes: []string{badUser}, field: "kind"},
			{name: "unknown parent", query: create, vars: grid(missingGrid, "410102001009", "孤儿村", "VILLAGE"), codes: []string{badUser}, field: "parentID"},
			{name: "parent id of a person", query: create, vars: grid(person, "410102001009", "孤儿村", "VILLAGE"), codes: []string{badUser}, field: "parentID"},
			{name: "malformed parent id", query: create, vars: grid("abc", "410102001009", "孤儿村", "VILLAGE"), codes: []string{badUser}},
			{name: "grid name of 10,000 characters", query: create, vars: grid(id("s1"), "410102001009", long, "VILLAGE"), codes: []string{badUser}, field: "name"},
			{name: "empty grid name", query: create, vars: grid(id("s1"), "410102001009", "", "VILLAGE"), codes: []string{badUser}, field: "name"},
			{name: "area description of 100,000 characters", query: create, vars: map[string]any{"in": map[string]any{
				"code": "410102001009", "name": "长村", "kind": "VILLAGE", "parentID": id("s1"), "areaDescription": strings.Repeat("a", 100_000)}},
				codes: []string{badUser}, field: "areaDescription"},
			{name: "negative households", query: create, vars: map[string]any{"in": map[string]any{
				"code": "410102001009", "name": "负村", "kind": "VILLAGE", "parentID": id("s1"), "households": -1}},
				codes: []string{badUser}, field: "households"},
			{name: "unknown kind", query: create, vars: grid(id("s1"), "410102001009", "星球", "PLANET"), codes: []string{badUser, "GRAPHQL_VALIDATION_FAILED"}},

			// Updating grids.
			{name: "rename to 10,000 characters", query: update, vars: map[string]any{"id": id("v1"), "in": map[string]any{"name": long}}, codes: []string{badUser}, field: "name"},
			{name: "code that does not fit", query: update, vars: map[string]any{"id": id("v1"), "in": map[string]any{"code": "4101020010"}}, codes: []string{badUser}, field: "code"},
			{name: "code leaving the parent's", query: update, vars: map[string]any{"id": id("g11"), "in": map[string]any{"code": "410102001002009"}}, codes: []string{badUser}, field: "code"},
			// g21's code 410102001002001 would no longer extend its parent's code.
			{name: "recode a grid with children", query: update, vars: map[string]any{"id": id("v2"), "in": map[string]any{"code": "410102001008"}}, codes: []string{badUser, "CONFLICT"}, field: "code"},
			{name: "code taken", query: update, vars: map[string]any{"id": id("g12"), "in": map[string]any{"code": "410102001001001"}}, codes: []string{"CONFLICT"}},
			{name: "kind at the children's tier", query: update, vars: map[string]any{"id": id("v1"), "in": map[string]any{"kind": "VILLAGER_GROUP", "code": "410102001001009"}}, codes: []string{badUser}, field: "kind"},
			{name: "update an unknown grid", query: update, vars: map[string]any{"id": missingGrid, "in": map[string]any{"name": "无"}}, codes: []string{badUser, "NOT_FOUND"}},

			// Deleting grids.
			{name: "delete a grid with children", query: del, vars: map[string]any{"id": id("s1")}, codes: []string{"CONFLICT"}},
			{name: "delete a grid with history", query: del, vars: map[string]any{"id": id("g12")}, codes: []string{"CONFLICT"}},
			{name: "delete a grid with a current role", query: del, vars: map[string]any{"id": roleOnly}, codes: []string{"CONFLICT"}},
			{name: "delete a grid with a person", query: del, vars: map[string]any{"id": id("g11")}, codes: []string{"CONFLICT"}},
			{name: "delete a grid with a vehicle", query: del, vars: map[string]any{"id": id("g21")}, codes: []string{"CONFLICT"}},
			{name: "delete an unknown grid", query: del, vars: map[string]any{"id": missingGrid}, codes: []string{badUser}, field: "id"},

			// Assignments.
			{name: "validTo before validFrom", query: assign, vars: role(id("v2"), "DIRECT_RESPONSIBLE", map[string]any{"validTo": day(2025, 2, 1).Format(time.RFC3339)}), codes: []string{badUser}, field: "validTo"},
			{name: "validTo equal to validFrom", query: assign, vars: role(id("v2"), "DIRECT_RESPONSIBLE", map[string]any{"validTo": day(2025, 3, 1).Format(time.RFC3339)}), codes: []string{badUser}, field: "validTo"},
			{name: "specific responsible without duty", query: assign, vars: role(id("v2"), "SPECIFIC_RESPONSIBLE", nil), codes: []string{badUser}, field: "duty"},
			{name: "assignment title of 10,000 characters", query: assign, vars: role(id("v2"), "DIRECT_RESPONSIBLE", map[string]any{"title": long}), codes: []string{badUser}, field: "title"},
			{name: "assignment on an unknown grid", query: assign, vars: role(missingGrid, "DIRECT_RESPONSIBLE", nil), codes: []string{badUser}, field: "gridID"},
			{name: "assignment of an unknown person", query: assign, vars: map[string]any{"in": map[string]any{
				"personID": strconv.Itoa(atoi(t, person) + 1_000_000), "gridID": id("v2"), "role": "DIRECT_RESPONSIBLE", "validFrom": "2025-03-01T00:00:00Z"}},
				codes: []string{badUser, "NOT_FOUND"}, field: "personID"},
			{name: "malformed validFrom", query: assign, vars: role(id("v2"), "DIRECT_RESPONSIBLE", map[string]any{"validFrom": "yesterday"}), codes: []string{badUser, "GRAPHQL_VALIDATION_FAILED"}},
			{name: "end an ended assignment", query: end, vars: map[string]any{"id": ended}, codes: []string{"CONFLICT"}},
			{name: "end before the start", query: end, vars: map[string]any{"id": active, "at": "2024-12-31T00:00:00Z"}, codes: []string{badUser}, field: "at"},
			{name: "end an unknown assignment", query: end, vars: map[string]any{"id": missingAssignment}, codes: []string{badUser, "NOT_FOUND"}},

			// People.
			{name: "person name of 10,000 characters", query: newP, vars: map[string]any{"in": map[string]any{"name": long, "gridID": id("g11")}}, codes: []string{badUser}, field: "name"},
			{name: "person photo javascript: link", query: newP, vars: map[string]any{"in": map[string]any{"name": "王五", "gridID": id("g11"), "photoURL": "javascript:alert(1)"}}, codes: []string{badUser}, field: "photoURL"},
			{name: "person photo changed to a data: link", query: updP, vars: map[string]any{"id": person, "in": map[string]any{"photoURL": "data:text/html,x"}}, codes: []string{badUser}, field: "photoURL"},
			{name: "empty person name", query: newP, vars: map[string]any{"in": map[string]any{"name": "", "gridID": id("g11")}}, codes: []string{badUser}, field: "name"},
			{name: "phone of 10,000 characters", query: newP, vars: map[string]any{"in": map[string]any{"name": "张三", "phone": strings.Repeat("1", 10_000), "gridID": id("g11")}}, codes: []string{badUser}, field: "phone"},
			{name: "person on an unknown grid", query: newP, vars: map[string]any{"in": map[string]any{"name": "张三", "gridID": missingGrid}}, codes: []string{badUser}, field: "gridID"},
			{name: "rename a person to 10,000 characters", query: updP, vars: map[string]any{"id": person, "in": map[string]any{"name": long}}, codes: []string{badUser}, field: "name"},
			{name: "move a person to an unknown grid", query: updP, vars: map[string]any{"id": person, "in": map[string]any{"gridID": missingGrid}}, codes: []string{badUser}, field: "gridID"},

			// Vehicles.
			{name: "duplicate plate", query: newV, vars: map[string]any{"in": map[string]any{"plate": "须水巡001", "kind": "E_BIKE", "gridID": id("g11")}}, codes: []string{"CONFLICT"}},
			{name: "plate changed to a taken one", query: updV, vars: map[string]any{"id": vehicle, "in": map[string]any{"plate": "须水巡001"}}, codes: []string{"CONFLICT"}},
			{name: "plate of 10,000 characters", query: newV, vars: map[string]any{"in": map[string]any{"plate": long, "kind": "E_BIKE", "gridID": id("g11")}}, codes: []string{badUser}, field: "plate"},
			{name: "vehicle for an unknown person", query: newV, vars: map[string]any{"in": map[string]any{"plate": "须水巡099", "kind": "E_BIKE", "gridID": id("g11"), "personID": strconv.Itoa(atoi(t, person) + 1_000_000)}},
				codes: []string{badUser, "NOT_FOUND"}, field: "personID"},

			// Global ids.
			{name: "node with a malformed id", query: node, vars: map[string]any{"id": "abc"}, codes: []string{badUser}},
			{name: "node with an id of no type", query: node, vars: map[string]any{"id": "99999999999999"}, codes: []string{"", badUser, "NOT_FOUND"}},
			{name: "node with a negative id", query: node, vars: map[string]any{"id": "-1"}, codes: []string{"", badUser, "NOT_FOUND"}},
			{name: "node with an id overflowing int64", query: node, vars: map[string]any{"id": "99999999999999999999999"}, codes: []string{badUser}},
			{name: "nodes with a malformed id", query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, vars: map[string]any{"ids": []string{id("g11"), "abc"}}, codes: []string{badUser}},
			{name: "nodes with 501 ids", query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, vars: map[string]any{"ids": ids501}, codes: []string{badUser}, field: "ids"},

			// Lists.
			{name: "first: 501", query: `{ grids(first: 501) { totalCount } }`, codes: []string{badUser}, field: "first"},
			{name: "first: 100000", query: `{ grids(first: 100000) { totalCount } }`, codes: []string{badUser}, field: "first"},
			{name: "last: 100000", query: `{ people(last: 100000) { totalCount } }`, codes: []string{badUser}, field: "last"},
			{name: "first: -1", query: `{ vehicles(first: -1) { totalCount } }`, codes: []string{badUser}, field: "first"},
			{name: "first: 100000 on a nested connection", query: `query($id: ID!) { node(id: $id) { ... on Grid { children(first: 100000) { totalCount } } } }`, vars: map[string]any{"id": id("s1")}, codes: []string{badUser}, field: "first"},
			{name: "first: 100000 on descendants", query: `query($id: ID!) { node(id: $id) { ... on Grid { descendants(first: 100000) { totalCount } } } }`, vars: map[string]any{"id": id("s1")}, codes: []string{badUser}, field: "first"},
			// Four nested pages of 500 could return 500⁴ rows: the complexity limit must refuse it
			// as it refuses the same nesting of children.
			{name: "nested descendants of 500 each", query: `{ grids(first: 500) { edges { node {
				descendants(first: 500) { edges { node { descendants(first: 500) { edges { node {
				descendants(first: 500) { totalCount } } } } } } } } } } }`, codes: []string{badUser, "COMPLEXITY_LIMIT_EXCEEDED"}},
			{name: "descendants maxDepth 0", query: `query($id: ID!) { node(id: $id) { ... on Grid { descendants(maxDepth: 0) { totalCount } } } }`, vars: map[string]any{"id": id("s1")}, codes: []string{badUser}, field: "maxDepth"},
			{name: "malformed cursor", query: `{ grids(first: 2, after: "not-a-cursor") { totalCount } }`, codes: []string{badUser, "GRAPHQL_VALIDATION_FAILED"}},
			// A cursor cut short ends in io.EOF, as a database connection cut short does: still the
			// client's fault.
			{name: "empty cursor", query: `{ grids(first: 2, after: "") { totalCount } }`, codes: []string{badUser, "GRAPHQL_VALIDATION_FAILED"}},
			{name: "truncated cursor", query: `{ grids(first: 2, after: "gqJpZA") { totalCount } }`, codes: []string{badUser, "GRAPHQL_VALIDATION_FAILED"}},
			{name: "unknown enum for labels", query: `{ enumLabels(enum: "Planet") { value label } }`, codes: []string{badUser}, field: "enum"},
			{name: "responsibles of an unknown grid", query: `query($id: ID!) { responsibles(gridID: $id) { id } }`, vars: map[string]any{"id": missingGrid}, codes: []string{badUser}, field: "gridID"},

			// A viewer with a scope is told neither that a grid exists nor that it does not.
			{name: "scoped: unknown parent", viewer: "scoped", query: create, vars: grid(missingGrid, "410102002009", "孤儿村", "VILLAGE"), codes: []string{"FORBIDDEN"}},
			{name: "scoped: parent outside the scope", viewer: "scoped", query: create, vars: grid(id("s1"), "410102001009", "越界村", "VILLAGE"), codes: []string{"FORBIDDEN"}},
			{name: "scoped: move into the scope from outside", viewer: "scoped", query: move, vars: map[string]any{"id": id("v2"), "p": id("s2")}, codes: []string{"FORBIDDEN"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				token := f.token
				if tc.viewer == "scoped" {
					token = scoped
				}
				before := snapshot(t, db.Client)
				resp := f.env.Do(t, token, tc.query, tc.vars)
				after := snapshot(t, db.Client)
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("the refused request changed the database (-before +after):\n%s", diff)
				}
				if len(resp.Errors) == 0 {
					if !slices.Contains(tc.codes, "") {
						t.Errorf("no error; want %v. data: %.300s", tc.codes, resp.Data)
					}
					return
				}
				for _, e := range resp.Errors {
					if e.Code() == "" {
						t.Errorf("error without extensions.code: %+v", e)
					}
					if e.Message == "" {
						t.Errorf("error without a message: %+v", e)
					}
				}
				e := resp.Errors[0]
				field, _ := e.Extensions["field"].(string)
				t.Logf("%s: %s field=%q %q", tc.name, e.Code(), field, e.Message)
				if !slices.Contains(tc.codes, e.Code()) {
					t.Errorf("code %s, want one of %v (message %q)", e.Code(), tc.codes, e.Message)
				}
				if tc.field != "" && field != tc.field {
					t.Errorf("extensions.field %q, want %q (message %q)", field, tc.field, e.Message)
				}
				if len(e.Message) > 1000 {
					t.Errorf("message of %d bytes: the input is echoed back whole", len(e.Message))
				}
			})
		}

		// The refusals left no transaction or lock behind: a valid write still goes through.
		t.Run("still writable", func(t *testing.T) {
			g := f.createGrid(t, id("s1"), "410102001009", "新村", "VILLAGE")
			if want := tree["s1"].Path + g.ID + "/"; g.Path != want {
				t.Errorf("path %s, want %s", g.Path, want)
			}
			f.env.MustDo(t, f.token, end, map[string]any{"id": active}, nil)
			checkPaths(servertest.System(), t, db.Client)
		})
	})
}
