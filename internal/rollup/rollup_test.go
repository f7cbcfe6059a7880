package rollup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestRollupEqualsRawCounts compares every rollup indicator, for several subtrees and
// periods and every grouping, with counts computed in Go from the raw cases of the demo.
func TestRollupEqualsRawCounts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if err := workflow.SeedCategories(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadEvents(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		events, err := db.Client.Event.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		grids, err := db.Client.Grid.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation("Asia/Shanghai")
		now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		periods := [][2]time.Time{
			{time.Date(2026, 1, 1, 0, 0, 0, 0, loc), time.Date(2027, 1, 1, 0, 0, 0, 0, loc)},
			{time.Date(2026, 7, 1, 0, 0, 0, 0, loc), time.Date(2026, 8, 1, 0, 0, 0, 0, loc)},
			{time.Date(2026, 11, 3, 9, 0, 0, 0, loc), time.Date(2026, 11, 17, 0, 0, 0, 0, loc)},
		}
		byCode := map[string]*ent.Grid{}
		for _, g := range grids {
			byCode[g.Code] = g
		}
		for _, code := range []string{demo.DistrictCode, demo.SubDistrictCode, demo.SanwangzhuangCode, demo.SanwangzhuangGroupCode} {
			g := byCode[code]
			for _, p := range periods {
				q := rollup.Query{GridID: g.ID, From: p[0], To: p[1], Location: loc, Now: now}
				totals, _, err := rollup.Run(ctx, db.Client, q)
				if err != nil {
					t.Fatal(err)
				}
				want := raw(events, g.Path, q, func(*ent.Event) bool { return true })
				want.Key = totals.Key
				if diff := cmp.Diff(want, totals); diff != "" {
					t.Errorf("%s %v totals (-raw +rollup):\n%s", code, p, diff)
				}
				if code == demo.SubDistrictCode {
					if p == periods[0] && (totals.Found != 1035 || totals.ClosedFixed != 829) {
						t.Errorf("demo sub-district in 2026: found %d, fixed %d; want 1035 and 829", totals.Found, totals.ClosedFixed)
					}
				}
				q.GroupBy = rollup.Status
				_, rows, err := rollup.Run(ctx, db.Client, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range rows {
					want := raw(events, g.Path, q, func(e *ent.Event) bool { return string(e.Status) == row.Key })
					want.Key = row.Key
					if diff := cmp.Diff(want, row); diff != "" {
						t.Errorf("%s %v status %s (-raw +rollup):\n%s", code, p, row.Key, diff)
					}
				}
				for _, group := range []rollup.Group{rollup.Category, rollup.ChildGrid, rollup.Day, rollup.Week, rollup.Month} {
					q.GroupBy = group
					_, rows, err := rollup.Run(ctx, db.Client, q)
					if err != nil {
						t.Fatalf("%s: %v", group, err)
					}
					var sum int
					for _, row := range rows {
						sum += row.Found
					}
					if sum != totals.Found {
						t.Errorf("%s %v by %s: rows found sum %d, totals %d", code, p, group, sum, totals.Found)
					}
				}
			}
		}
	})
}

// raw counts the indicators of the cases under path that pass keep, from the rows in Go.
func raw(events []*ent.Event, path string, q rollup.Query, keep func(*ent.Event) bool) rollup.Counts {
	var c rollup.Counts
	in := func(t *time.Time) bool { return t != nil && !t.Before(q.From) && t.Before(q.To) }
	closedStatus := func(e *ent.Event) bool {
		return e.Status == event.StatusCLOSED_FIXED || e.Status == event.StatusCLOSED_NOT_FIXED
	}
	limit := q.To
	if q.Now.Before(limit) {
		limit = q.Now
	}
	for _, e := range events {
		if !strings.HasPrefix(e.OriginPath, path) || !keep(e) {
			continue
		}
		found := in(&e.ReportedAt)
		due := in(e.Deadline) && e.Status != event.StatusVOIDED
		closed := in(e.ClosedAt) && closedStatus(e)
		count := func(cond bool, n *int) {
			if cond {
				*n++
			}
		}
		count(found, &c.Found)
		count(in(e.RegisteredAt), &c.Registered)
		count(due, &c.Due)
		count(closed, &c.Closed)
		count(closed && e.Status == event.StatusCLOSED_FIXED, &c.ClosedFixed)
		count(closed && e.Status == event.StatusCLOSED_NOT_FIXED, &c.ClosedNotFixed)
		count(due && closedStatus(e) && !e.ClosedAt.After(*e.Deadline), &c.ClosedOnTime)
		count(due && closedStatus(e), &c.DueClosed)
		count(!closedStatus(e) && e.Status != event.StatusVOIDED && e.Deadline != nil && e.Deadline.Before(limit) && !e.Deadline.Before(q.From), &c.Overdue)
		count(closed && e.ReworkCount > 0, &c.Reworked)
		count(found && e.EscalationCount > 0, &c.Escalated)
		count(found && e.Status == event.StatusVOIDED, &c.Voided)
	}
	return c
}

// TestRollupScope checks that a village official's rollup covers their village only.
func TestRollupScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if err := workflow.SeedCategories(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadEvents(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
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
