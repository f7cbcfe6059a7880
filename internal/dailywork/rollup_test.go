package dailywork_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
)

// workRow is a row of workRollup.
type workRow struct {
	Key            string
	ReportsDue     int
	ReportsFiled   int
	ComplianceRate *float64
	Patrols        int
}

const workRollupQ = `query($g: ID!, $from: Time!, $to: Time!) { workRollup(gridID: $g, from: $from, to: $to) {
	totals { key reportsDue reportsFiled complianceRate patrols }
	rows { key reportsDue reportsFiled complianceRate patrols }
	peopleByRole { role people } } }`

// TestWorkRollup compares the daily-work rollup of the demo sub-district and of a village,
// through GraphQL, with counts made in Go from the raw assignments, reports and patrols; and
// checks that a village official cannot roll up the sub-district.
func TestWorkRollup(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.LoadAll(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		env := servertest.New(t, db)
		admin := env.TokenFor(t, 0, true)
		from := demo.DailyFrom.AddDate(0, 0, 3)
		to := demo.DailyFrom.AddDate(0, 0, 17)
		for _, code := range []string{demo.SubDistrictCode, demo.SanwangzhuangCode} {
			g, err := db.Client.Grid.Query().Where(grid.Code(code)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				WorkRollup struct {
					Totals       workRow
					Rows         []workRow
					PeopleByRole []struct {
						Role   string
						People int
					}
				}
			}
			env.MustDo(t, admin, workRollupQ, map[string]any{"g": g.ID, "from": from, "to": to}, &got)
			want, wantTotals, people := workOracle(t, db.Client, g.Path, from, to)
			if diff := cmp.Diff(wantTotals, got.WorkRollup.Totals); diff != "" {
				t.Errorf("%s totals (-want +got):\n%s", code, diff)
			}
			if diff := cmp.Diff(want, got.WorkRollup.Rows); diff != "" {
				t.Errorf("%s rows (-want +got):\n%s", code, diff)
			}
			if wantTotals.ReportsDue == 0 || wantTotals.Patrols == 0 {
				t.Errorf("%s: the demo has no reports due or no patrols in the period", code)
			}
			gotPeople := map[string]int{}
			for _, rc := range got.WorkRollup.PeopleByRole {
				gotPeople[rc.Role] = rc.People
			}
			if diff := cmp.Diff(people, gotPeople); diff != "" {
				t.Errorf("%s people per role (-want +got):\n%s", code, diff)
			}
		}

		village := env.Login(t, "village", demo.AccountPassword)
		sub, err := db.Client.Grid.Query().Where(grid.Code(demo.SubDistrictCode)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		env.MustFail(t, village, workRollupQ, map[string]any{"g": sub.ID, "from": from, "to": to}, "FORBIDDEN")
		env.MustFail(t, admin, workRollupQ, map[string]any{"g": sub.ID, "from": to, "to": from}, "BAD_USER_INPUT")
	})
}

// workOracle counts the daily work under path in [from, to) in Go.
func workOracle(t *testing.T, client *ent.Client, path string, from, to time.Time) ([]workRow, workRow, map[string]int) {
	t.Helper()
	ctx := servertest.System()
	cal := workcal.Default()
	assignments, err := client.Assignment.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reports, err := client.DailyReport.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	patrols, err := client.Patrol.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filed := map[string]bool{}
	for _, r := range reports {
		if strings.HasPrefix(r.GridPath, path) {
			filed[strconv.Itoa(r.PersonID)+r.Day] = true
		}
	}
	rows := map[string]*workRow{}
	row := func(path, under string) *workRow {
		k, _, _ := strings.Cut(strings.TrimPrefix(under, path), "/")
		if rows[k] == nil {
			rows[k] = &workRow{Key: k}
		}
		return rows[k]
	}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		if !cal.IsWorkingDay(day) {
			continue
		}
		end := day.AddDate(0, 0, 1).Add(-time.Second)
		seen := map[int]bool{}
		for _, a := range assignments {
			duty := a.Role == assignment.RoleGRID_HEAD || (a.Duty != nil && *a.Duty == assignment.DutyPATROLLER)
			held := !a.ValidFrom.After(end) && (a.ValidTo == nil || a.ValidTo.After(end))
			if !duty || !held || seen[a.PersonID] || !strings.HasPrefix(a.GridPath, path) {
				continue
			}
			seen[a.PersonID] = true
			r := row(path, a.GridPath)
			r.ReportsDue++
			if filed[strconv.Itoa(a.PersonID)+day.Format(time.DateOnly)] {
				r.ReportsFiled++
			}
		}
	}
	for _, p := range patrols {
		if strings.HasPrefix(p.GridPath, path) && !p.StartedAt.Before(from) && p.StartedAt.Before(to) {
			row(path, p.GridPath).Patrols++
		}
	}
	var out []workRow
	totals := workRow{Key: "all"}
	for _, k := range sortedKeys(rows) {
		r := *rows[k]
		if r.ReportsDue > 0 {
			rate := float64(r.ReportsFiled) / float64(r.ReportsDue)
			r.ComplianceRate = &rate
		}
		out = append(out, r)
		totals.ReportsDue += r.ReportsDue
		totals.ReportsFiled += r.ReportsFiled
		totals.Patrols += r.Patrols
	}
	if totals.ReportsDue > 0 {
		rate := float64(totals.ReportsFiled) / float64(totals.ReportsDue)
		totals.ComplianceRate = &rate
	}
	people := map[string]int{}
	distinct := map[string]bool{}
	at := to.Add(-time.Nanosecond)
	if now := time.Now(); now.Before(at) {
		at = now
	}
	for _, a := range assignments {
		held := !a.ValidFrom.After(at) && (a.ValidTo == nil || a.ValidTo.After(at))
		if held && strings.HasPrefix(a.GridPath, path) && !distinct[string(a.Role)+strconv.Itoa(a.PersonID)] {
			distinct[string(a.Role)+strconv.Itoa(a.PersonID)] = true
			people[string(a.Role)]++
		}
	}
	return out, totals, people
}

func sortedKeys(m map[string]*workRow) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
