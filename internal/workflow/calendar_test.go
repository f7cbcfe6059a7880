package workflow_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent/auditentry"
	"gridgov/ent/eventcategory"
	"gridgov/internal/calendar"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
)

// TestCalendarCoveredDeadlines, on each store in turn (not in parallel with anything: the
// process-wide calendar is shared): a case whose deadline falls in a year without an official
// schedule is computed on plain weekdays and says so (calendarCovered false); once an
// administrator loads that year's schedule (TEST DATA here: five made-up holidays, not the
// official arrangement), a case registered the same way skips them and is covered. A
// non-administrator and bad input are refused with codes, changing nothing.
func TestCalendarCoveredDeadlines(t *testing.T) {
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Cleanup(calendar.Reset)
			calendar.Reset()
			w := newWorld(t, dbtest.New(t, d))
			cal := workcal.BuiltIn()
			year, holidays, days, limit, withSchedule := testSchedule(t, w)
			covered := func(id string) bool {
				t.Helper()
				var out struct {
					Node struct{ CalendarCovered bool }
				}
				w.env.MustDo(t, w.admin, `query($id: ID!) { node(id: $id) { ... on Event { calendarCovered } } }`, map[string]any{"id": id}, &out)
				return out.Node.CalendarCovered
			}
			registerCase := func() Ev {
				t.Helper()
				return w.must(t, w.villageDirect, "acceptEvent", w.report(t, "EXPOSED_GARBAGE").ID, nil)
			}

			before := registerCase()
			if want := cal.Deadline(*before.RegisteredAt, limit, workcal.WorkingDays); !before.Deadline.Equal(want) {
				t.Errorf("deadline without a %d schedule %v, want %v (plain weekdays)", year, before.Deadline, want)
			}
			if before.Deadline.In(cal.Location()).Year() != year {
				t.Fatalf("test setup: deadline %v is not in %d", before.Deadline, year)
			}
			if covered(before.ID) {
				t.Errorf("calendarCovered true for a deadline in %d, which has no schedule", year)
			}

			const set = `mutation($y: Int!, $d: [WorkCalendarDayInput!]!) { setCalendarYear(year: $y, days: $d) { year covered days { date working name } } }`
			w.env.MustFail(t, w.villageFirst.Token, set, map[string]any{"y": year, "d": holidays}, "FORBIDDEN")
			bad := append([]map[string]any{{"date": fmt.Sprintf("%d-02-30", year), "working": false}}, holidays...)
			if e := w.env.MustFail(t, w.admin, set, map[string]any{"y": year, "d": bad}, "BAD_USER_INPUT"); e.Extensions["field"] != "days" {
				t.Errorf("bad date: extensions %v, want field days", e.Extensions)
			}
			wrongYear := append([]map[string]any{{"date": fmt.Sprintf("%d-01-01", year+1), "working": false}}, holidays...)
			if e := w.env.MustFail(t, w.admin, set, map[string]any{"y": year, "d": wrongYear}, "BAD_USER_INPUT"); e.Extensions["field"] != "days[0].date" {
				t.Errorf("date of another year: extensions %v, want field days[0].date", e.Extensions)
			}
			if workcal.Default().Covers(year) {
				t.Fatalf("a refused setCalendarYear covered %d", year)
			}

			// A case whose deadline an approved extension set: an agreed date, which no
			// calendar change may move.
			extended := registerCase()
			agreed := extended.Deadline.Add(48 * time.Hour)
			w.must(t, w.villageDirect, "requestExtension", extended.ID, map[string]any{"newDeadline": agreed.Format(time.RFC3339)})
			extended = w.mustTok(t, w.admin, "decideExtension", extended.ID, map[string]any{"approve": true})
			if !extended.Deadline.Equal(agreed) {
				t.Fatalf("test setup: approved deadline %v, want %v", extended.Deadline, agreed)
			}

			var setOut struct {
				SetCalendarYear struct {
					Year           int
					Covered        bool
					Days           []struct{ Date string }
					DeadlinesMoved *int
				}
			}
			const setMoved = `mutation($y: Int!, $d: [WorkCalendarDayInput!]!) { setCalendarYear(year: $y, days: $d) { year covered days { date } deadlinesMoved } }`
			w.env.MustDo(t, w.admin, setMoved, map[string]any{"y": year, "d": holidays}, &setOut)
			if s := setOut.SetCalendarYear; s.Year != year || !s.Covered || len(s.Days) != 5 {
				t.Errorf("setCalendarYear answered %+v", s)
			}
			// The open case registered before the schedule was known now skips its holidays:
			// counted again from its registration, with a new version and an audit entry.
			if m := setOut.SetCalendarYear.DeadlinesMoved; m == nil || *m != 1 {
				t.Errorf("setCalendarYear moved %v deadlines, want 1 (the case registered before it; not the extended one)", m)
			}
			moved := w.stored(t, before.ID)
			if want := withSchedule.Deadline(*before.RegisteredAt, limit, workcal.WorkingDays); moved.Deadline == nil || !moved.Deadline.Equal(want) {
				t.Errorf("deadline of the open case after setCalendarYear %v, want %v (recomputed with the holidays)", moved.Deadline, want)
			}
			if moved.Version != before.Version+1 {
				t.Errorf("version of the moved case %d, want %d", moved.Version, before.Version+1)
			}
			if n, err := w.db.Client.AuditEntry.Query().Where(auditentry.EntityType("Event"), auditentry.EntityID(moved.ID), auditentry.Operation("setCalendarYear")).
				Count(servertest.System()); err != nil || n != 1 {
				t.Errorf("audit entries of the moved deadline: %d (%v), want 1", n, err)
			}
			if d := w.stored(t, extended.ID).Deadline; d == nil || !d.Equal(agreed) {
				t.Errorf("the approved extension's date moved to %v, want %v", d, agreed)
			}
			// Audited like every write: who loaded each day, in the operation that did.
			if n, err := w.db.Client.AuditEntry.Query().Where(auditentry.EntityType("CalendarDay"), auditentry.Operation("setCalendarYear")).
				Count(servertest.System()); err != nil || n != 5 {
				t.Errorf("audit entries of setCalendarYear: %d (%v), want 5", n, err)
			}
			var q struct {
				WorkCalendar struct {
					Covered bool
					Days    []struct{ Date, Name string }
				}
			}
			w.env.MustDo(t, w.patroller.Token, `query($y: Int!) { workCalendar(year: $y) { covered days { date name } } }`, map[string]any{"y": year}, &q)
			if !q.WorkCalendar.Covered || len(q.WorkCalendar.Days) != 5 || q.WorkCalendar.Days[0].Date != days[0].Date {
				t.Errorf("workCalendar(%d) = %+v, want covered with the 5 test days", year, q.WorkCalendar)
			}

			after := registerCase()
			want := withSchedule.Deadline(*after.RegisteredAt, limit, workcal.WorkingDays)
			if !after.Deadline.Equal(want) {
				t.Errorf("deadline with the %d schedule %v, want %v (holidays skipped)", year, after.Deadline, want)
			}
			if plain := cal.Deadline(*after.RegisteredAt, limit, workcal.WorkingDays); !after.Deadline.After(plain) {
				t.Errorf("deadline with the schedule %v is not later than on plain weekdays %v", after.Deadline, plain)
			}
			if !covered(after.ID) {
				t.Errorf("calendarCovered false once %d has a schedule", year)
			}

			var delOut struct{ DeleteCalendarYear struct{ DeadlinesMoved *int } }
			w.env.MustDo(t, w.admin, `mutation($y: Int!) { deleteCalendarYear(year: $y) { covered deadlinesMoved } }`, map[string]any{"y": year}, &delOut)
			if covered(after.ID) {
				t.Errorf("calendarCovered still true after deleteCalendarYear(%d)", year)
			}
			// Without the schedule both open counted cases fall back to plain weekdays.
			if m := delOut.DeleteCalendarYear.DeadlinesMoved; m == nil || *m != 2 {
				t.Errorf("deleteCalendarYear moved %v deadlines, want 2", m)
			}
			for _, c := range []Ev{before, after} {
				if d, want := w.stored(t, c.ID).Deadline, cal.Deadline(*c.RegisteredAt, limit, workcal.WorkingDays); d == nil || !d.Equal(want) {
					t.Errorf("deadline of case %s after deleteCalendarYear %v, want %v (plain weekdays)", c.ID, d, want)
				}
			}
		})
	}
}

// testSchedule prepares a calendar change for w: the first year without a built-in schedule,
// five made-up holidays in it after today (TEST DATA), as the API and as workcal days, a
// working-day limit for EXPOSED_GARBAGE that reaches past them (set on the category), and the
// calendar with them.
func testSchedule(t *testing.T, w *world) (year int, holidays []map[string]any, days []workcal.Day, limit int, withSchedule *workcal.Calendar) {
	t.Helper()
	cal := workcal.BuiltIn()
	loc := cal.Location()
	now := time.Now().In(loc)
	year = now.Year()
	for cal.Covers(year) {
		year++
	}
	// Five weekdays of year, after today: the made-up holidays.
	base := time.Date(year, 1, 1, 12, 0, 0, 0, loc)
	if now.After(base) {
		base = time.Date(now.Year(), now.Month(), now.Day()+1, 12, 0, 0, 0, loc)
	}
	for day := base; len(days) < 5; day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			if day.Year() != year {
				t.Skipf("too late in %d to place five test holidays", year)
			}
			date := day.Format(time.DateOnly)
			holidays = append(holidays, map[string]any{"date": date, "working": false, "name": "测试假日（测试数据）"})
			days = append(days, workcal.Day{Date: date, Name: "测试假日（测试数据）"})
		}
	}
	// A limit that reaches past the test holidays: the working days from today to the last
	// of them, plus three.
	last, _ := time.ParseInLocation(time.DateOnly, days[4].Date, loc)
	limit = 3
	for day := now.AddDate(0, 0, 1); !day.After(last); day = day.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(day) {
			limit++
		}
	}
	if err := w.db.Client.EventCategory.Update().Where(eventcategory.ID(w.cat["EXPOSED_GARBAGE"])).
		SetTimeLimit(limit).SetLimitUnit("WORKING_DAYS").Exec(servertest.System()); err != nil {
		t.Fatal(err)
	}
	withSchedule, err := workcal.New(nil, append(append([]workcal.Day{}, workcal.ChinaHolidays...), days...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return year, holidays, days, limit, withSchedule
}

// TestCalendarChangesRace, on each store in turn: 24 administrators load the same year's
// schedule at once while cases are open. Each request succeeds or is told CONFLICT (retry);
// afterwards every open case's deadline is the one the loaded schedule gives, each moved once
// in all.
func TestCalendarChangesRace(t *testing.T) {
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Cleanup(calendar.Reset)
			calendar.Reset()
			w := newWorld(t, dbtest.New(t, d))
			year, holidays, _, limit, withSchedule := testSchedule(t, w)
			var cases []Ev
			for range 6 {
				cases = append(cases, w.must(t, w.villageDirect, "acceptEvent", w.report(t, "EXPOSED_GARBAGE").ID, nil))
			}
			const set = `mutation($y: Int!, $d: [WorkCalendarDayInput!]!) { setCalendarYear(year: $y, days: $d) { deadlinesMoved } }`
			const n = 24
			moved := make([]int, n)
			codes := make([][]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					resp := w.env.Do(t, w.admin, set, map[string]any{"y": year, "d": holidays})
					codes[i] = resp.Codes()
					var out struct{ SetCalendarYear struct{ DeadlinesMoved int } }
					if len(resp.Errors) == 0 && json.Unmarshal(resp.Data, &out) == nil {
						moved[i] = out.SetCalendarYear.DeadlinesMoved
					}
				})
			}
			wg.Wait()
			total, ok := 0, 0
			for i := range n {
				for _, c := range codes[i] {
					if c != "CONFLICT" {
						t.Errorf("request %d: error %s, want success or CONFLICT", i, c)
					}
				}
				if len(codes[i]) == 0 {
					ok++
				}
				total += moved[i]
			}
			if ok == 0 {
				t.Fatal("no request succeeded")
			}
			if total != len(cases) {
				t.Errorf("the requests moved %d deadlines in all, want each of the %d cases once", total, len(cases))
			}
			for _, c := range cases {
				want := withSchedule.Deadline(*c.RegisteredAt, limit, workcal.WorkingDays)
				if got := w.stored(t, c.ID).Deadline; got == nil || !got.Equal(want) {
					t.Errorf("case %s: deadline %v, want %v (counted with the schedule)", c.ID, got, want)
				}
			}
			t.Logf("%s: %d of %d succeeded", d, ok, n)
		})
	}
}
