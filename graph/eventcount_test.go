package graph_test

import (
	"testing"

	"entgo.io/ent/dialect/sql"

	"gridgov/ent/event"
	"gridgov/ent/eventtally"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
)

// TestEventsCountFromSummary: an administrator's totalCount over the whole tree, filtered by
// status alone, is the count of the cases, read from the rollup summary's status cells; any
// other filter, and a village official's list, count the cases themselves. A status cell
// changed behind the hooks' back shows which path answered.
func TestEventsCountFromSummary(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, _, err := demo.LoadWithCases(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Accounts(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		env := servertest.New(t, db)
		admin := env.Login(t, "district-admin", demo.AccountPassword)
		superuser := env.TokenFor(t, 0, true)
		village := env.Login(t, "village", demo.AccountPassword)
		const list = `query($w: EventWhereInput, $o: Boolean) { events(first: 5, where: $w, overdue: $o) { totalCount edges { node { id } } } }`
		count := func(token string, where map[string]any, overdue *bool) int {
			t.Helper()
			var out struct{ Events struct{ TotalCount int } }
			vars := map[string]any{"w": where}
			if overdue != nil {
				vars["o"] = *overdue
			}
			env.MustDo(t, token, list, vars, &out)
			return out.Events.TotalCount
		}
		cases := func(ps ...func(*sql.Selector)) int {
			t.Helper()
			q := db.Client.Event.Query()
			for _, p := range ps {
				q.Where(p)
			}
			n, err := q.Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		open := []any{"REPORTED", "REGISTERED", "DISPATCHED", "HANDLING"}
		filters := []struct {
			name    string
			where   map[string]any
			want    int
			summary bool // answered from the status cells
		}{
			{"no filter", nil, cases(), true},
			{"open statuses", map[string]any{"statusIn": open}, cases(event.StatusIn("REPORTED", "REGISTERED", "DISPATCHED", "HANDLING")), true},
			{"not voided", map[string]any{"statusNEQ": "VOIDED"}, cases(event.StatusNEQ("VOIDED")), true},
			{"closed fixed", map[string]any{"status": "CLOSED_FIXED", "statusNotIn": []any{"VOIDED"}}, cases(event.StatusEQ("CLOSED_FIXED")), true},
			{"status and title", map[string]any{"statusIn": open, "titleContains": "路"}, cases(event.StatusIn("REPORTED", "REGISTERED", "DISPATCHED", "HANDLING"), event.TitleContains("路")), false},
		}
		check := func(bump int) {
			t.Helper()
			for _, f := range filters {
				want := f.want
				if f.summary && bump != 0 {
					want = f.want + bump
				}
				for name, token := range map[string]string{"district-admin": admin, "superuser": superuser} {
					if got := count(token, f.where, nil); got != want {
						t.Errorf("%s, %s: totalCount %d, want %d", name, f.name, got, want)
					}
				}
			}
		}
		check(0)
		// Overdue and the village's scope are counted from the cases.
		yes := true
		overdue := count(admin, nil, &yes)
		villageOpen := count(village, map[string]any{"statusIn": open}, nil)
		if overdue == 0 || villageOpen == 0 {
			t.Fatalf("overdue %d, village's open cases %d: the demo should have both", overdue, villageOpen)
		}

		// One status cell of an open status gains 1000: the summary's answers move, the others not.
		cell, err := db.Client.EventTally.Query().Where(eventtally.Grain("S"), eventtally.Bucket("HANDLING")).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		db.Client.EventTally.UpdateOne(cell).AddFound(1000).ExecX(ctx)
		filters[3].summary = false // CLOSED_FIXED does not include the bumped cell
		check(1000)
		if got := count(admin, nil, &yes); got != overdue {
			t.Errorf("overdue: totalCount %d after the bump, want %d (counted from the cases)", got, overdue)
		}
		if got := count(village, map[string]any{"statusIn": open}, nil); got != villageOpen {
			t.Errorf("village official: totalCount %d after the bump, want %d (their own cases)", got, villageOpen)
		}
	})
}
