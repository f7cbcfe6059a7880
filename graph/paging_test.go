package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/ent/assignment"
	"gridgov/ent/auditentry"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/ent/household"
	"gridgov/ent/inspection"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/migrate"
	"gridgov/ent/patrol"
	"gridgov/ent/person"
	"gridgov/ent/user"
	"gridgov/ent/vehicle"
	"gridgov/ent/visit"
	"gridgov/graph/generated"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
)

// orderedConn is a connection field that takes orderBy: on Query, or an edge of parent.
type orderedConn struct {
	parent, field, node string
	values              []string // of its order field enum
	// fields are the values the node type has a field of (by camel), nullable those of them
	// it declares nullable.
	fields, nullable map[string]bool
}

func (c orderedConn) String() string { return c.parent + "." + c.field }

// orderedConnections walks the executable schema for every field returning a *Connection with
// an orderBy argument, so that a new connection or a new order field is covered unasked.
func orderedConnections(t *testing.T) []orderedConn {
	t.Helper()
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	var out []orderedConn
	for _, typ := range s.Types {
		if typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "__") {
			continue
		}
		for _, f := range typ.Fields {
			conn := f.Type.Name()
			orderBy := f.Arguments.ForName("orderBy")
			if !strings.HasSuffix(conn, "Connection") || orderBy == nil {
				continue
			}
			node := strings.TrimSuffix(conn, "Connection")
			enum := s.Types[s.Types[orderBy.Type.Name()].Fields.ForName("field").Type.Name()]
			c := orderedConn{parent: typ.Name, field: f.Name, node: node, fields: map[string]bool{}, nullable: map[string]bool{}}
			for _, v := range enum.EnumValues {
				c.values = append(c.values, v.Name)
				if nf := s.Types[node].Fields.ForName(camel(v.Name)); nf != nil {
					c.fields[camel(v.Name)] = true
					c.nullable[v.Name] = !nf.Type.NonNull
				}
			}
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b orderedConn) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// camel is the GraphQL field of an order enum value: FOLLOW_UP_DUE is followUpDue.
func camel(v string) string {
	parts := strings.Split(strings.ToLower(v), "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// minRows is how many rows each list must hold: more than two pages of 7 in both directions.
const minRows = 15

// maxPage is the largest page the API serves, in which a list is read whole.
const maxPage = 500

// TestPagingEveryOrder pages through every connection that takes orderBy, by every value of its
// order field enum, both directions, forward (first/after) and backward (last/before) in pages
// of 7, on the demo data as the official of one village (in a scope small enough to page
// through, large enough that every list holds more than two pages), and checks that the pages
// add up to the list read in one page: no row lost to a NULL, a zero value or a tie. The data
// is checked to hold what the pages must get right: NULLs in every nullable order field, and
// ties.
func TestPagingEveryOrder(t *testing.T) {
	t.Parallel()
	conns := orderedConnections(t)
	if len(conns) < 10 {
		t.Fatalf("only %d ordered connections found in the schema", len(conns))
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		if _, err := demo.LoadAll(servertest.System(), db.Client); err != nil {
			t.Fatal(err)
		}
		env := servertest.New(t, db)
		supervisor := topUp(t, env, db)
		// The demo has a handful of accounts: more, so that users has pages to turn.
		for range minRows {
			env.TokenFor(t, 0, false)
		}
		tie(t, db)
		// Viewers from the narrowest scope to the widest: each list is paged as the first
		// that sees between minRows and maxPage rows of it.
		var viewers []string
		for _, name := range []string{"gridhead", "village", "subdistrict", "supervisor", "district-admin"} {
			viewers = append(viewers, env.Login(t, name, demo.AccountPassword))
		}
		viewers = slices.Insert(viewers, 1, supervisor)
		viewers = append(viewers, env.TokenFor(t, 0, true))
		for _, c := range conns {
			t.Run(c.String(), func(t *testing.T) {
				token, parent, sizes := "", "", []int{}
				for _, v := range viewers {
					p := ""
					if c.parent != "Query" {
						p = busiestParent(t, env, v, conns, c)
					}
					n := len(connPage(t, env, v, c, p, nil, "", map[string]any{"first": maxPage}).ids)
					sizes = append(sizes, n)
					if n >= minRows && n < maxPage {
						token, parent = v, p
						break
					}
				}
				if token == "" {
					t.Fatalf("no viewer sees %d to %d rows (from the narrowest scope: %v)", minRows, maxPage-1, sizes)
				}
				for _, v := range c.values {
					for _, dir := range []string{"ASC", "DESC"} {
						t.Run(v+"/"+dir, func(t *testing.T) {
							order := map[string]any{"field": v, "direction": dir}
							all := connPage(t, env, token, c, parent, order, camel(v), map[string]any{"first": maxPage})
							checkValues(t, c, v, all.values)
							var fwd []string
							args := map[string]any{"first": 7}
							for n := 0; ; n++ {
								p := connPage(t, env, token, c, parent, order, "", args)
								fwd = append(fwd, p.ids...)
								if !p.hasNext || n > len(all.ids) {
									break
								}
								args = map[string]any{"first": 7, "after": p.end}
							}
							if diff := cmp.Diff(all.ids, fwd); diff != "" {
								t.Errorf("first/after pages differ from the whole list (-want +got):\n%s", diff)
							}
							var back []string
							args = map[string]any{"last": 7}
							for n := 0; ; n++ {
								p := connPage(t, env, token, c, parent, order, "", args)
								back = append(slices.Clone(p.ids), back...)
								if !p.hasPrev || n > len(all.ids) {
									break
								}
								args = map[string]any{"last": 7, "before": p.start}
							}
							if diff := cmp.Diff(all.ids, back); diff != "" {
								t.Errorf("last/before pages differ from the whole list (-want +got):\n%s", diff)
							}
						})
					}
				}
			})
		}
	})
}

// checkValues wants the values of the order field to hold NULLs beside values when the field
// is nullable and, unless the field is unique, a tie among the values.
func checkValues(t *testing.T, c orderedConn, v string, values []json.RawMessage) {
	t.Helper()
	if values == nil { // the node type has no field by the enum value's name
		return
	}
	seen := map[string]int{}
	for _, x := range values {
		seen[string(x)]++
	}
	if c.nullable[v] && (seen["null"] < 2 || len(seen) < 2) {
		t.Errorf("nullable %s: %d NULLs among %d distinct values; the data must hold both, NULLs tied", v, seen["null"], len(seen))
	}
	if len(seen) == len(values) && !unique[c.node+"."+v] {
		t.Errorf("%s: every value differs; the data must hold a tie", v)
	}
}

// unique are the order fields whose values cannot tie.
var unique = map[string]bool{"Grid.CODE": true, "EventCategory.CODE": true, "Vehicle.PLATE": true, "LedgerItemType.CODE": true, "KeyProject.CODE": true, "User.USERNAME": true}

// busiestParent returns the parent in the viewer's scope with the most rows on the edge,
// found through the Query connection of the parent's type.
func busiestParent(t *testing.T, env *servertest.Env, token string, conns []orderedConn, c orderedConn) string {
	t.Helper()
	i := slices.IndexFunc(conns, func(q orderedConn) bool { return q.parent == "Query" && q.node == c.parent })
	if i < 0 {
		t.Fatalf("no Query connection of %s to find a parent of %s in", c.parent, c)
	}
	var out map[string]struct {
		Edges []struct {
			Node struct {
				ID   string
				Edge struct{ TotalCount int }
			}
		}
	}
	env.MustDo(t, token, fmt.Sprintf(`{ list: %s(first: %d) { edges { node { id edge: %s(first: 1) { totalCount } } } } }`, conns[i].field, maxPage, c.field), nil, &out)
	best, most := "", -1
	for _, e := range out["list"].Edges {
		if e.Node.Edge.TotalCount > most {
			best, most = e.Node.ID, e.Node.Edge.TotalCount
		}
	}
	return best
}

// pageResult is one page of a connection, with the value of the order field of each row when
// asked for.
type pageResult struct {
	ids              []string
	values           []json.RawMessage
	start, end       string
	hasNext, hasPrev bool
}

// connPage fetches one page of c (an edge of the node parent unless c is on Query) with the
// value of the node's field named value, unless value is "" or the node has no such field.
func connPage(t *testing.T, env *servertest.Env, token string, c orderedConn, parent string, order map[string]any, value string, args map[string]any) pageResult {
	t.Helper()
	sel := "id"
	if value != "" && c.fields[value] {
		sel += " value: " + value
	}
	list := fmt.Sprintf(`list: %s(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
		edges { node { %s } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } }`, c.field, sel)
	vars := map[string]any{}
	if order != nil {
		vars["order"] = order
	}
	q := fmt.Sprintf(`query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $order: %sOrder) { %s }`, c.node, list)
	if parent != "" {
		q = fmt.Sprintf(`query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $order: %sOrder, $parent: ID!) {
			parent: node(id: $parent) { ... on %s { %s } } }`, c.node, c.parent, list)
		vars["parent"] = parent
	}
	for k, v := range args {
		vars[k] = v
	}
	type conn struct {
		Edges []struct {
			Node struct {
				ID    string
				Value json.RawMessage
			}
		}
		PageInfo struct {
			StartCursor, EndCursor       string
			HasNextPage, HasPreviousPage bool
		}
	}
	var out struct {
		List   *conn
		Parent struct{ List *conn }
	}
	resp := env.Do(t, token, q, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("%s %v: %+v", c, args, resp.Errors)
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil {
		t.Fatal(err)
	}
	l := out.List
	if parent != "" {
		l = out.Parent.List
	}
	if l == nil {
		t.Fatalf("%s: no list in %.200s", c, resp.Data)
	}
	p := pageResult{start: l.PageInfo.StartCursor, end: l.PageInfo.EndCursor,
		hasNext: l.PageInfo.HasNextPage, hasPrev: l.PageInfo.HasPreviousPage}
	for _, e := range l.Edges {
		p.ids = append(p.ids, e.Node.ID)
		if strings.Contains(sel, "value") {
			p.values = append(p.values, e.Node.Value)
		}
	}
	return p
}

// tie makes ties in the order fields of the demo data that hold none: every row of an even id
// takes the created and updated times of the row before it, and the same for the fields
// below, so that every scope holds ties.
func tie(t *testing.T, db *dbtest.DB) {
	t.Helper()
	cols := map[string][]string{event.Table: {event.FieldReportedAt}, patrol.Table: {patrol.FieldStartedAt},
		person.Table: {person.FieldName}, household.Table: {household.FieldAddress}, ledgeritemtype.Table: {ledgeritemtype.FieldLabel}, grid.Table: {grid.FieldName},
		visit.Table: {visit.FieldVisitedAt}, auditentry.Table: {auditentry.FieldOccurredAt}}
	hasGrid := map[string]bool{}
	for _, table := range migrate.Tables {
		for _, c := range table.Columns {
			hasGrid[table.Name] = hasGrid[table.Name] || c.Name == "grid_path"
			if c.Name == "created_at" || c.Name == "updated_at" {
				cols[table.Name] = append(cols[table.Name], c.Name)
			}
		}
	}
	ctx := servertest.System()
	for table, cs := range cols {
		for _, c := range cs {
			// The row before in the same grid, if the table copies grid paths, so that a
			// narrow scope sees the tie too.
			same := ""
			if hasGrid[table] {
				same = fmt.Sprintf("p.grid_path = %s.grid_path AND ", table)
			}
			q := fmt.Sprintf(`UPDATE %[1]s SET %[2]s = COALESCE((SELECT p.%[2]s FROM %[1]s p WHERE %[3]sp.id < %[1]s.id ORDER BY p.id DESC LIMIT 1), %[2]s) WHERE id %% 2 = 0`, table, c, same)
			if _, err := db.SQL.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

// topUp adds rows to the lists the demo keeps short, so that each holds more than two pages of
// 7 with NULLs and ties in its order fields: villages beside the demo's 14 under 须水街道, and
// in the demo grid head's grid vehicles of one grid and one person, assignments of one person
// (some ended), inspections (some without a follow-up), bulletin posts (some drafts) and key
// projects. It returns a token of a supervisor of that grid, who reads the audit entries of
// these writes.
func topUp(t *testing.T, env *servertest.Env, db *dbtest.DB) string {
	t.Helper()
	ctx, c := servertest.System(), db.Client
	sub := c.Grid.Query().Where(grid.Code("410102001")).OnlyX(ctx)
	head := c.User.Query().Where(user.Username("gridhead")).QueryPerson().OnlyX(ctx)
	g := c.Assignment.Query().Where(assignment.PersonID(head.ID), assignment.RoleEQ(assignment.RoleGRID_HEAD)).QueryGrid().FirstX(ctx)
	village := c.Grid.GetX(ctx, g.ParentID)
	p := c.Person.Create().SetName("测试督察").SetGridID(g.ID).SaveX(ctx)
	c.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(assignment.RoleSUPERVISOR).SetValidFrom(day(2024, 1, 1)).SaveX(ctx)
	for i := range 2 {
		c.Grid.Create().SetCode(fmt.Sprintf("4101020010%02d", 90+i)).SetName("新建村").SetKind(grid.KindVILLAGE).SetParentID(sub.ID).SaveX(ctx)
	}
	due, at := day(2026, 3, 1), day(2026, 1, 5)
	for i := range minRows {
		c.Vehicle.Create().SetPlate(fmt.Sprintf("须水测%03d", i)).SetKind([]vehicle.Kind{vehicle.KindBICYCLE, vehicle.KindE_BIKE}[i%2]).
			SetGridID(g.ID).SetPersonID(p.ID).SaveX(ctx)
		a := c.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(assignment.RoleSPECIFIC_RESPONSIBLE).SetValidFrom(day(2024, 1, 1+i%3))
		if i%2 == 0 {
			a.SetValidTo(day(2025, 1, 1+i%3)).SetEndReason("换届")
		}
		a.SaveX(ctx)
		var d, pub *time.Time // NULL every third row, tied otherwise
		if i%3 != 0 {
			d, pub = &due, &at
		}
		c.Inspection.Create().SetKind(inspection.KindUNANNOUNCED).SetRating(inspection.RatingGOOD).
			SetInspectedAt(day(2026, 1, 1+i%2)).SetNillableFollowUpDue(d).SetGridID(g.ID).SetInspectorID(p.ID).SaveX(ctx)
		post := c.BulletinPost.Create().SetColumn(bulletinpost.ColumnVILLAGE_AFFAIRS).SetTitle(fmt.Sprint("村务公开第", i+1, "期")).
			SetGridID(g.ID).SetNillablePublishedAt(pub)
		if pub != nil {
			post.SetStatus(bulletinpost.StatusPUBLISHED)
		}
		post.SaveX(ctx)
		kp := c.KeyProject.Create().SetCode(fmt.Sprintf("KP-TEST-%03d", i)).SetName(fmt.Sprint("重点项目", i/2)).SetGridID(village.ID)
		if i%3 != 0 {
			kp.SetStartsOn(due).SetDueOn(due)
		}
		kp.SaveX(ctx)
	}
	return env.TokenFor(t, p.ID, false)
}
