package rollup_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// loadDemo loads the demo grids, categories and cases.
func loadDemo(t *testing.T, db *dbtest.DB) {
	t.Helper()
	if _, _, err := demo.LoadWithCases(servertest.System(), db.Client); err != nil {
		t.Fatal(err)
	}
}

var (
	cst = time.FixedZone("CST", 8*3600)
	now = time.Date(2026, 11, 21, 10, 30, 0, 0, cst)
	// periods are whole-day periods (answered from the summary) and one that starts mid-day
	// (answered from the cases); the first holds "now", so overdue-today is exercised.
	periods = [][2]time.Time{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, cst), time.Date(2027, 1, 1, 0, 0, 0, 0, cst)},
		{time.Date(2026, 7, 1, 0, 0, 0, 0, cst), time.Date(2026, 8, 1, 0, 0, 0, 0, cst)},
		{time.Date(2026, 5, 17, 0, 0, 0, 0, cst), time.Date(2026, 11, 22, 0, 0, 0, 0, cst)},
		{time.Date(2020, 1, 1, 0, 0, 0, 0, cst), time.Date(2029, 1, 1, 0, 0, 0, 0, cst)},
		{time.Date(2026, 11, 3, 9, 0, 0, 0, cst), time.Date(2026, 11, 17, 0, 0, 0, 0, cst)},
	}
	groupings = [][2]rollup.Group{
		{rollup.Category, rollup.None}, {rollup.ChildGrid, rollup.None}, {rollup.Status, rollup.None},
		{rollup.Day, rollup.None}, {rollup.Week, rollup.None}, {rollup.Month, rollup.None},
		{rollup.ChildGrid, rollup.Category}, {rollup.Month, rollup.ChildGrid}, {rollup.Category, rollup.Week},
	}
)

// TestRollupEqualsRawCounts compares every rollup indicator, for every subtree, several
// periods and every grouping, with counts computed in Go from the raw cases of the demo.
func TestRollupEqualsRawCounts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		loadDemo(t, db)
		checkAgainstRaw(t, db.Client, true)
		ctx := servertest.System()
		sub, err := db.Client.Grid.Query().Where(grid.Code(demo.SubDistrictCode)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		totals, _, err := rollup.Run(ctx, db.Client, rollup.Query{GridID: sub.ID, From: periods[0][0], To: periods[0][1], Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if totals.Found != 1035 || totals.ClosedFixed != 829 {
			t.Errorf("demo sub-district in 2026: found %d, fixed %d; want 1035 and 829", totals.Found, totals.ClosedFixed)
		}
	})
}

// TestRollupAfterChanges makes random changes to cases (workflow-like steps, new cases, a
// deletion) and two subtree moves, then checks that the summary equals a recomputation from
// the cases and that every rollup equals the raw counts.
func TestRollupAfterChanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		loadDemo(t, db)
		ctx := servertest.System()
		rng := rand.New(rand.NewPCG(7, 11))
		events, err := db.Client.Event.Query().Order(event.ByID()).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		grids, err := db.Client.Grid.Query().Order(grid.ByID()).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		statuses := []event.Status{event.StatusREPORTED, event.StatusREGISTERED, event.StatusDISPATCHED, event.StatusHANDLING, event.StatusHANDLED, event.StatusVERIFIED}
		for i := 0; i < 150; i++ {
			e := events[rng.IntN(len(events))]
			at := time.Date(2026, time.Month(1+rng.IntN(11)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, cst)
			u := db.Client.Event.UpdateOneID(e.ID)
			switch rng.IntN(5) {
			case 0: // close, fixed or not, on time or late
				st := event.StatusCLOSED_FIXED
				if rng.IntN(3) == 0 {
					st = event.StatusCLOSED_NOT_FIXED
				}
				u.SetStatus(st).SetClosedAt(at).SetDeadline(at.Add(time.Duration(rng.IntN(96)-48) * time.Hour))
			case 1: // reopen for rework
				u.SetStatus(event.StatusHANDLING).ClearClosedAt().AddReworkCount(1).SetRegisteredAt(at).SetDeadline(at.AddDate(0, 0, 5))
			case 2: // escalate, recategorise
				u.AddEscalationCount(1).SetCategoryID(events[rng.IntN(len(events))].CategoryID)
			case 3: // void
				u.SetStatus(event.StatusVOIDED).SetClosedAt(at)
			default:
				u.SetStatus(statuses[rng.IntN(len(statuses))])
			}
			if err := u.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 20; i++ {
			leaf := grids[len(grids)-1-rng.IntN(40)]
			at := time.Date(2026, 11, 1+rng.IntN(25), rng.IntN(24), 0, 0, 0, cst)
			created, err := db.Client.Event.Create().SetTrackingCode(fmt.Sprintf("T%011d", i)).SetSource(event.SourcePATROL).
				SetTitle("test").SetReportedAt(at).SetRegisteredAt(at).SetDeadline(at.Add(36 * time.Hour)).
				SetStatus(event.StatusDISPATCHED).SetGridID(leaf.ID).SetOriginGridID(leaf.ID).SetOriginPath(leaf.Path).
				SetCategoryID(events[0].CategoryID).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 { // a case filed by mistake, without a timeline yet
				if err := db.Client.Event.DeleteOne(created).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}

		// Moves go through the API, as an administrator would make them.
		env := servertest.New(t, db)
		admin := env.TokenFor(t, 0, true)
		byCode := func(code string) int {
			g, err := db.Client.Grid.Query().Where(grid.Code(code)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return g.ID
		}
		move := `mutation($id: ID!, $to: ID!) { moveGrid(id: $id, newParentID: $to) { id } }`
		env.MustDo(t, admin, move, map[string]any{"id": byCode(demo.SanwangzhuangGroupCode), "to": byCode(demo.SubDistrictCode + "003")}, nil)
		env.MustDo(t, admin, move, map[string]any{"id": byCode(demo.EnterpriseZoneCode), "to": byCode(demo.DistrictCode)}, nil)

		diffs, err := rollup.Verify(ctx, db.Client, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range diffs {
			if i == 10 {
				t.Errorf("… %d differences in all", len(diffs))
				break
			}
			t.Errorf("summary differs from the cases: %s", d)
		}
		checkAgainstRaw(t, db.Client, false)
		checkCounts(t, db.Client)

		// Rebuilding, part by part, writes exactly the cells the hooks kept.
		before := tallyRows(t, db.Client)
		if _, err := rollup.RebuildInTx(ctx, db.Client, nil); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, tallyRows(t, db.Client)); diff != "" {
			t.Errorf("rebuild differs from the summary the hooks kept (-hooks +rebuild):\n%s", diff)
		}
		// A cell of a scope that is no grid is reported.
		if err := db.Client.EventTally.Create().SetScopeID(12345).SetChildID(0).SetCategoryID(events[0].CategoryID).
			SetGrain("D").SetBucket("2026-11-02").SetFound(1).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if diffs, err := rollup.Verify(ctx, db.Client, nil); err != nil || len(diffs) != 1 || diffs[0].ScopeID != 12345 {
			t.Errorf("verify with an orphan cell: %v, %v; want the orphan", diffs, err)
		}
	})
}

// tallyRows reads the summary cells that count something, as text.
func tallyRows(t *testing.T, client *ent.Client) []string {
	t.Helper()
	rows, err := client.EventTally.Query().All(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		n := []int{r.Found, r.Registered, r.Due, r.DueClosed, r.DueOpen, r.ClosedOnTime, r.ClosedFixed, r.ClosedNotFixed, r.Reworked, r.Escalated, r.Voided}
		if slices.Max(n) == 0 && slices.Min(n) == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%d/%d/%d/%s/%s %v", r.ScopeID, r.ChildID, r.CategoryID, r.Grain, r.Bucket, n))
	}
	slices.Sort(out)
	return out
}

// checkAgainstRaw runs rollups of every grid (all groupings for some of them, more of them
// with every set) from the summary and from the cases, and compares both with counts made in
// Go from the raw cases.
func checkAgainstRaw(t *testing.T, client *ent.Client, every bool) {
	t.Helper()
	ctx := servertest.System()
	events, err := client.Event.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	grids, err := client.Grid.Query().Order(grid.ByPath()).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for gi, g := range grids {
		for _, p := range periods {
			// Every grouping for every fourth grid (every seventh after the changes), the
			// two-level child grid × category rollup for all.
			gs := groupings
			if (every && gi%4 != 0) || (!every && gi%7 != 0) {
				gs = gs[6:7]
			}
			for _, by := range append([][2]rollup.Group{{rollup.None, rollup.None}}, gs...) {
				q := rollup.Query{GridID: g.ID, From: p[0], To: p[1], GroupBy: by[0], ThenBy: by[1], Location: cst, Now: now}
				want, wantTotals := raw(events, g.Path, q)
				for _, casesOnly := range []bool{false, true} {
					q.CasesOnly = casesOnly
					totals, rows, err := rollup.Run(ctx, client, q)
					if err != nil {
						t.Fatalf("%s %v by %v: %v", g.Code, p, by, err)
					}
					if diff := cmp.Diff(wantTotals, totals); diff != "" {
						t.Errorf("%s %v by %v (cases only %v): totals (-raw +rollup):\n%s", g.Code, p, by, casesOnly, diff)
					}
					if by[0] == rollup.None {
						continue
					}
					if diff := cmp.Diff(want, rows, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("%s %v by %v (cases only %v): rows (-raw +rollup):\n%s", g.Code, p, by, casesOnly, diff)
					}
				}
			}
		}
	}
}

// raw counts the indicators of the cases found under path, in Go, grouped as q asks: each
// indicator in the row of its own date.
func raw(events []*ent.Event, path string, q rollup.Query) ([]rollup.Counts, rollup.Counts) {
	in := func(t *time.Time) bool { return t != nil && !t.Before(q.From) && t.Before(q.To) }
	isClosed := func(e *ent.Event) bool {
		return e.Status == event.StatusCLOSED_FIXED || e.Status == event.StatusCLOSED_NOT_FIXED
	}
	limit := q.To
	if q.Now.Before(limit) {
		limit = q.Now
	}
	rows := map[[2]string]*rollup.Counts{}
	totals := rollup.Counts{Key: "all"}
	for _, e := range events {
		if !strings.HasPrefix(e.OriginPath, path) {
			continue
		}
		count := func(at *time.Time, add func(c *rollup.Counts)) {
			if !in(at) {
				return
			}
			k := [2]string{key(e, path, q.GroupBy, *at), key(e, path, q.ThenBy, *at)}
			if rows[k] == nil {
				rows[k] = &rollup.Counts{Key: k[0], SubKey: k[1]}
			}
			add(rows[k])
			add(&totals)
		}
		count(&e.ReportedAt, func(c *rollup.Counts) {
			c.Found++
			if e.EscalationCount > 0 {
				c.Escalated++
			}
			if e.Status == event.StatusVOIDED {
				c.Voided++
			}
		})
		count(e.RegisteredAt, func(c *rollup.Counts) { c.Registered++ })
		if e.Status != event.StatusVOIDED {
			count(e.Deadline, func(c *rollup.Counts) {
				c.Due++
				if isClosed(e) {
					c.DueClosed++
					if !e.ClosedAt.After(*e.Deadline) {
						c.ClosedOnTime++
					}
				} else if e.Deadline.Before(limit) {
					c.Overdue++
				}
			})
		}
		if isClosed(e) {
			count(e.ClosedAt, func(c *rollup.Counts) {
				c.Closed++
				if e.Status == event.StatusCLOSED_FIXED {
					c.ClosedFixed++
				} else {
					c.ClosedNotFixed++
				}
				if e.ReworkCount > 0 {
					c.Reworked++
				}
			})
		}
	}
	var out []rollup.Counts
	for _, c := range rows {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b rollup.Counts) int {
		return strings.Compare(a.Key+"\x00"+a.SubKey, b.Key+"\x00"+b.SubKey)
	})
	return out, totals
}

// key is the group of a case in Go, as the rollup names it.
func key(e *ent.Event, path string, g rollup.Group, at time.Time) string {
	local := at.In(cst)
	switch g {
	case rollup.Category:
		return strconv.Itoa(e.CategoryID)
	case rollup.ChildGrid:
		rest := strings.TrimPrefix(e.OriginPath, path)
		child, _, _ := strings.Cut(rest, "/")
		return child
	case rollup.Status:
		return string(e.Status)
	case rollup.Day:
		return local.Format(time.DateOnly)
	case rollup.Week:
		monday := local.AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
		return monday.Format(time.DateOnly)
	case rollup.Month:
		return local.Format("2006-01")
	}
	return ""
}

// TestRollupScope checks that a village official's rollup covers their village only.
func TestRollupScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		loadDemo(t, db)
		env := servertest.New(t, db)
		p, err := demo.Holder(ctx, db.Client, demo.SanwangzhuangCode, "DIRECT_RESPONSIBLE", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		token := env.TokenFor(t, p.ID, false)
		sub, err := db.Client.Grid.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var subID, villageID int
		for _, g := range sub {
			switch g.Code {
			case demo.SubDistrictCode:
				subID = g.ID
			case demo.SanwangzhuangCode:
				villageID = g.ID
			}
		}
		q := `query($g: ID!) { rollup(gridID: $g, from: "2026-01-01T00:00:00+08:00", to: "2027-01-01T00:00:00+08:00") { totals { found } } }`
		env.MustFail(t, token, q, map[string]any{"g": subID}, "FORBIDDEN")
		var got struct {
			Rollup struct{ Totals struct{ Found int } }
		}
		env.MustDo(t, token, q, map[string]any{"g": villageID}, &got)
		want, err := db.Client.Event.Query().Where(event.OriginPathHasPrefix(pathOf(t, db.Client, villageID))).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rollup.Totals.Found != want || want == 0 {
			t.Errorf("village rollup found %d, want %d", got.Rollup.Totals.Found, want)
		}
	})
}

func pathOf(t *testing.T, c *ent.Client, id int) string {
	g, err := c.Grid.Get(authz.SystemContext(context.Background(), "test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return g.Path
}

// TestRollupMatrixEqualsRows checks, through the API, that every cell of the compact answer
// (matrix) equals the count of its row in the long form (rows), or 0 where rows has none, for
// every indicator, with and without thenBy, from the summary and from the cases.
func TestRollupMatrixEqualsRows(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		loadDemo(t, db)
		env := servertest.New(t, db)
		token := env.TokenFor(t, 0, true)
		sub, err := db.Client.Grid.Query().Where(grid.Code(demo.SubDistrictCode)).Only(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		indicators := []string{"found", "registered", "due", "closed", "closedFixed", "closedNotFixed",
			"closedOnTime", "overdue", "reworked", "escalated", "voided"}
		fields := strings.Join(indicators, " ")
		query := `query($g: ID!, $from: Time!, $to: Time!, $by: RollupGroup, $then: RollupGroup) {
		  rollup(gridID: $g, from: $from, to: $to, groupBy: $by, thenBy: $then) {
		    totals { key label ` + fields + ` }
		    rows { key label subKey subLabel ` + fields + ` }
		    matrix { rowKeys rowLabels columnKeys columnLabels ` + fields + ` }
		  }
		}`
		type row map[string]any
		for _, by := range [][2]rollup.Group{
			{rollup.ChildGrid, rollup.Category}, {rollup.Month, rollup.ChildGrid}, {rollup.Status, rollup.Category},
			{rollup.Category, rollup.None}, {rollup.None, rollup.None},
		} {
			for _, p := range periods[:3] {
				var got struct {
					Rollup struct {
						Totals row
						Rows   []row
						Matrix map[string]any
					}
				}
				env.MustDo(t, token, query, map[string]any{"g": sub.ID, "from": p[0].Format(time.RFC3339),
					"to": p[1].Format(time.RFC3339), "by": by[0], "then": by[1]}, &got)
				r := got.Rollup
				rows := r.Rows
				if by[0] == rollup.None {
					rows = []row{r.Totals}
				}
				m := r.Matrix
				strs := func(name string) []string {
					var out []string
					for _, v := range m[name].([]any) {
						out = append(out, v.(string))
					}
					return out
				}
				rowKeys, columnKeys := strs("rowKeys"), strs("columnKeys")
				// The keys and labels the rows have, in their order.
				var wantRows, wantRowLabels, wantCols []string
				labels := map[string]string{}
				at := map[[2]string]row{}
				for _, rw := range rows {
					k, sk := rw["key"].(string), rollup.AllKey
					if s, ok := rw["subKey"].(string); ok {
						sk = s
						labels[sk] = rw["subLabel"].(string)
					}
					if len(wantRows) == 0 || wantRows[len(wantRows)-1] != k {
						wantRows = append(wantRows, k)
						wantRowLabels = append(wantRowLabels, rw["label"].(string))
					}
					if !slices.Contains(wantCols, sk) {
						wantCols = append(wantCols, sk)
					}
					at[[2]string{k, sk}] = rw
				}
				slices.Sort(wantCols)
				var wantColLabels []string
				for _, c := range wantCols {
					l, ok := labels[c]
					if !ok {
						l = rollup.AllLabel
					}
					wantColLabels = append(wantColLabels, l)
				}
				name := fmt.Sprintf("%v by %v", p, by)
				for _, d := range []struct {
					what      string
					want, got []string
				}{
					{"rowKeys", wantRows, rowKeys}, {"rowLabels", wantRowLabels, strs("rowLabels")},
					{"columnKeys", wantCols, columnKeys}, {"columnLabels", wantColLabels, strs("columnLabels")},
				} {
					if diff := cmp.Diff(d.want, d.got, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("%s: matrix %s (-rows +matrix):\n%s", name, d.what, diff)
					}
				}
				if len(rows) == 0 {
					t.Errorf("%s: no rows: the comparison proves nothing", name)
				}
				for _, ind := range indicators {
					cells := m[ind].([]any)
					if len(cells) != len(rowKeys) {
						t.Fatalf("%s: %s has %d rows, want %d", name, ind, len(cells), len(rowKeys))
					}
					seen := 0
					for i, line := range cells {
						line := line.([]any)
						if len(line) != len(columnKeys) {
							t.Fatalf("%s: %s row %d has %d cells, want %d", name, ind, i, len(line), len(columnKeys))
						}
						for j, cell := range line {
							want := 0.0
							if rw, ok := at[[2]string{rowKeys[i], columnKeys[j]}]; ok {
								want, seen = rw[ind].(float64), seen+1
							}
							if cell.(float64) != want {
								t.Errorf("%s: %s[%q][%q] = %v, rows say %v", name, ind, rowKeys[i], columnKeys[j], cell, want)
							}
						}
					}
					if seen != len(rows) {
						t.Errorf("%s: %s: the matrix holds %d of the %d rows", name, ind, seen, len(rows))
					}
				}
			}
		}
	})
}
