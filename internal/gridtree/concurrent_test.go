package gridtree_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/gridtree"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// copyChecks are, per table that copies a grid path, the SQL that counts its rows whose copy
// differs from the path of the grid it belongs to (directly or through a parent row).
var copyChecks = map[string][]string{
	"events": {
		`SELECT count(*) FROM events t JOIN grids g ON g.id = t.grid_id WHERE t.grid_path <> g.path`,
		`SELECT count(*) FROM events t JOIN grids g ON g.id = t.origin_grid_id WHERE t.origin_path <> g.path`,
	},
	"household_tags": {`SELECT count(*) FROM household_tags t JOIN households h ON h.id = t.household_id JOIN grids g ON g.id = h.grid_id WHERE t.grid_path <> g.path`},
	"visits":         {`SELECT count(*) FROM visits t JOIN households h ON h.id = t.household_id JOIN grids g ON g.id = h.grid_id WHERE t.grid_path <> g.path`},
	"key_project_milestones": {
		`SELECT count(*) FROM key_project_milestones t JOIN key_projects p ON p.id = t.project_id JOIN grids g ON g.id = p.grid_id WHERE t.grid_path <> g.path`,
	},
	"key_project_metrics": {
		`SELECT count(*) FROM key_project_metrics t JOIN key_projects p ON p.id = t.project_id JOIN grids g ON g.id = p.grid_id WHERE t.grid_path <> g.path`,
	},
	"key_project_progresses": {
		`SELECT count(*) FROM key_project_progresses t JOIN key_project_metrics m ON m.id = t.metric_id JOIN key_projects p ON p.id = m.project_id JOIN grids g ON g.id = p.grid_id WHERE t.grid_path <> g.path`,
	},
}

// copyCheck returns the checks of table: by default its grid_id's path.
func copyCheck(table string) []string {
	if c, ok := copyChecks[table]; ok {
		return c
	}
	return []string{fmt.Sprintf(`SELECT count(*) FROM %s t JOIN grids g ON g.id = t.grid_id WHERE t.grid_path <> g.path`, table)}
}

// TestConcurrentMoves runs twenty moves at once over one subtree, with cases reported and
// accepted, visits recorded and ledger entries made in the moving subtrees meanwhile, and
// then checks that the tree and every path copy are true and the rollup summary equals the
// cases. Moves that would put a grid under one of its descendants, or a grid under a
// shallower kind, race their inverse moves and must be refused cleanly.
func TestConcurrentMoves(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		env := servertest.New(t, db)
		if err := workflow.SeedCategories(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		cat, err := db.Client.EventCategory.Query().First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mk := func(parent *ent.Grid, code string, kind grid.Kind) *ent.Grid {
			t.Helper()
			b := db.Client.Grid.Create().SetCode(code).SetName("网格" + code).SetKind(kind)
			if parent != nil {
				b.SetParentID(parent.ID)
			}
			g, err := b.Save(ctx)
			if err != nil {
				t.Fatalf("create grid %s: %v", code, err)
			}
			return g
		}
		//	city 4101 ─┬ d1 410102 ─┬ s1 410102001 ─ v0, v1, v2 (each with one villager group)
		//	           │            └ s2 410102002 ─ v3, v4
		//	           └ d2 410103 ─── s3 410103001 ─ v5
		city := mk(nil, "4101", grid.KindCITY)
		d := []*ent.Grid{mk(city, "410102", grid.KindDISTRICT), mk(city, "410103", grid.KindDISTRICT)}
		s := []*ent.Grid{mk(d[0], "410102001", grid.KindSUB_DISTRICT), mk(d[0], "410102002", grid.KindSUB_DISTRICT), mk(d[1], "410103001", grid.KindSUB_DISTRICT)}
		var v, g []*ent.Grid
		for i, sub := range []int{0, 0, 0, 1, 1, 2} {
			v = append(v, mk(s[sub], fmt.Sprintf("%s%03d", s[sub].Code, i+1), grid.KindVILLAGE))
			g = append(g, mk(v[i], v[i].Code+"001", grid.KindVILLAGER_GROUP))
		}
		me, err := db.Client.Person.Create().SetName("管理员").SetGridID(city.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		token := env.TokenFor(t, me.ID, true)
		var households []int
		for i := range g {
			h, err := db.Client.Household.Create().SetAddress(fmt.Sprintf("%d号", i)).SetHeadName("户主").SetGridID(g[i].ID).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			households = append(households, h.ID)
		}
		env.MustDo(t, token, `mutation { defineLedgerCategory(input: {code: "C", name: "c", label: "c"}) { id } }`, nil, nil)
		var lt struct{ DefineLedgerItemType struct{ ID string } }
		env.MustDo(t, token, `mutation($in: DefineLedgerItemTypeInput!) { defineLedgerItemType(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"categoryCode": "C", "code": "T", "name": "t", "label": "t", "period": "MONTH",
			"fields": []map[string]any{{"key": "note", "label": "备注", "type": "TEXT", "required": true}},
		}}, &lt)
		const report = `mutation($g: ID!, $c: ID!, $t: String!) { reportEvent(input: {gridID: $g, categoryID: $c, title: $t}) { id version } }`
		reportVars := func(on *ent.Grid, n int) map[string]any {
			return map[string]any{"g": id(on), "c": strconv.Itoa(cat.ID), "t": fmt.Sprintf("案件%d", n)}
		}
		var toAccept []string
		for i := range 12 {
			var out struct{ ReportEvent struct{ ID string } }
			env.MustDo(t, token, report, reportVars(g[i%len(g)], i), &out)
			toAccept = append(toAccept, out.ReportEvent.ID)
		}

		type op struct {
			query  string
			vars   map[string]any
			refuse bool // must fail with BAD_USER_INPUT
		}
		move := func(x, under *ent.Grid) op {
			return op{query: `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { id } }`, vars: map[string]any{"id": id(x), "p": id(under)}}
		}
		refused := func(o op) op { o.refuse = true; return o }
		ops := []op{
			// Pairs of a move and its inverse: the inverse never fits the tier order, and
			// a grid never goes under its own descendant.
			move(s[0], d[1]), refused(move(d[1], s[0])),
			move(v[0], s[1]), refused(move(s[1], v[0])),
			refused(move(v[1], g[1])), refused(move(d[0], g[0])),
		}
		for i := range 10 {
			ops = append(ops, move(v[i%len(v)], s[(i+1)%len(s)]))
		}
		for i := range 4 {
			ops = append(ops, move(s[i%len(s)], d[(i+1)%len(d)]))
		}
		for i := range 12 {
			ops = append(ops, op{query: report, vars: reportVars(v[i%len(v)], 100+i)})
			ops = append(ops, op{query: `mutation($id: ID!) { acceptEvent(id: $id) { id } }`, vars: map[string]any{"id": toAccept[i]}})
		}
		for i, h := range households {
			ops = append(ops, op{query: `mutation($h: ID!, $at: Time!) { recordVisit(householdID: $h, visitedAt: $at) { id } }`,
				vars: map[string]any{"h": strconv.Itoa(h), "at": time.Now().Add(-time.Hour).Format(time.RFC3339)}})
			ops = append(ops, op{query: `mutation($in: CreateLedgerEntryInput!) { createLedgerEntry(input: $in) { id } }`,
				vars: map[string]any{"in": map[string]any{"itemTypeID": lt.DefineLedgerItemType.ID, "gridID": id(g[i]), "period": "2026-11",
					"values": []map[string]any{{"key": "note", "value": "记录"}}}}})
		}

		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]string, len(ops))
		for i, o := range ops {
			wg.Go(func() {
				<-start
				resp := env.Do(t, token, o.query, o.vars)
				switch codes := resp.Codes(); {
				case o.refuse && (len(codes) != 1 || codes[0] != "BAD_USER_INPUT"):
					errs[i] = fmt.Sprintf("%v: want BAD_USER_INPUT, got %+v", o.vars, resp.Errors)
				case !o.refuse && len(codes) > 0:
					errs[i] = fmt.Sprintf("%v: %+v", o.vars, resp.Errors)
				}
			})
		}
		close(start)
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Error(e)
			}
		}

		badGrids, badRows := checkTree(ctx, t, db)
		diffs, err := rollup.Verify(ctx, db.Client, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range diffs {
			if i < 5 {
				t.Errorf("rollup summary: %s", d)
			}
		}
		if badGrids+badRows+len(diffs) > 0 {
			t.Errorf("after %d concurrent operations: %d grids with a wrong path or level, %d path copies that differ from their grid's path, %d wrong rollup cells",
				len(ops), badGrids, badRows, len(diffs))
		}
	})
}

// id is a grid's GraphQL id.
func id(g *ent.Grid) string { return strconv.Itoa(g.ID) }

// checkTree reports every grid whose path or level does not follow from its parent's, and
// every path copy that differs from its grid's path; it returns their numbers.
func checkTree(ctx context.Context, t *testing.T, db *dbtest.DB) (badGrids, badRows int) {
	t.Helper()
	grids, err := db.Client.Grid.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int]*ent.Grid{}
	for _, g := range grids {
		byID[g.ID] = g
	}
	for _, g := range grids {
		wantPath, wantLevel := "/"+strconv.Itoa(g.ID)+"/", 0
		if p := byID[g.ParentID]; p != nil {
			wantPath, wantLevel = p.Path+strconv.Itoa(g.ID)+"/", p.Level+1
		}
		if g.Path != wantPath || g.Level != wantLevel {
			badGrids++
			t.Errorf("grid %s: path %s level %d, want path %s level %d", g.Code, g.Path, g.Level, wantPath, wantLevel)
		}
	}
	for _, table := range gridtree.PathCopyTables() {
		for _, q := range copyCheck(table) {
			var n int
			if err := db.SQL.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatalf("check %s: %v", table, err)
			}
			if n > 0 {
				badRows += n
				t.Errorf("%s: %d rows whose path copy is not their grid's path (%s)", table, n, q)
			}
		}
	}
	return badGrids, badRows
}
