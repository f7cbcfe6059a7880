package calendar_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/authz"
	"gridgov/ent/grid"
	"gridgov/internal/apperr"
	"gridgov/internal/calendar"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testSchedule2027 is TEST DATA, not the official 2027 arrangement (which was not verified):
// 元旦 on Friday 1 January and a made-up make-up day on Saturday 9 January.
const testSchedule2027 = `date,working,name
# TEST DATA — not the State Council's 2027 schedule
2027-01-01,false,元旦（测试数据）
2027-01-09,true,调休上班（测试数据）
`

// TestParseFile: CSV and JSON give the same years; bad files are refused with ErrBadFile or
// a field-named BAD_USER_INPUT from the check.
func TestParseFile(t *testing.T) {
	t.Parallel()
	want := []calendar.Year{{Year: 2027, Covered: true, Days: []workcal.Day{
		{Date: "2027-01-01", Working: false, Name: "元旦（测试数据）"},
		{Date: "2027-01-09", Working: true, Name: "调休上班（测试数据）"},
	}}}
	for name, data := range map[string]string{
		"csv":  testSchedule2027,
		"json": `[{"date":"2027-01-01","working":false,"name":"元旦（测试数据）"},{"date":"2027-01-09","working":true,"name":"调休上班（测试数据）"}]`,
	} {
		got, err := calendar.ParseFile([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	for name, data := range map[string]string{
		"empty":       "",
		"bad working": "2027-01-01,maybe,元旦",
		"bad date":    "1.1.2027,false,元旦",
		"json field":  `[{"day":"2027-01-01"}]`,
		"columns":     "2027-01-01",
	} {
		if _, err := calendar.ParseFile([]byte(data)); !errors.Is(err, calendar.ErrBadFile) {
			t.Errorf("%s: err %v, want ErrBadFile", name, err)
		}
	}
}

// TestWarning: from 1 November of a year the next year must be covered; before, only the
// current one.
func TestWarning(t *testing.T) {
	t.Parallel()
	loc := workcal.BuiltIn().Location()
	covered, err := workcal.New(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	covered = covered.Covering(2026, 2027)
	cases := []struct {
		name string
		cal  *workcal.Calendar
		at   time.Time
		want string // substring; "" means no warning
	}{
		{"31 October, 2027 missing", workcal.BuiltIn(), time.Date(2026, 10, 31, 23, 59, 0, 0, loc), ""},
		{"1 November local, 2027 missing", workcal.BuiltIn(), time.Date(2026, 11, 1, 0, 0, 0, 0, loc), "[2027]"},
		{"December, 2027 missing", workcal.BuiltIn(), time.Date(2026, 12, 2, 12, 0, 0, 0, loc), "[2027]"},
		{"December, 2027 loaded", covered, time.Date(2026, 12, 2, 12, 0, 0, 0, loc), ""},
		{"2028, nothing known", covered, time.Date(2028, 3, 1, 12, 0, 0, 0, loc), "[2028]"},
	}
	for _, tc := range cases {
		got := calendar.Warning(tc.cal, tc.at)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: Warning = %q, want it to contain %q", tc.name, got, tc.want)
		}
	}
}

// TestSetYearsStore, on each store in turn (not in parallel: the process-wide calendar is
// shared): an import replaces a year all or nothing, only for the whole tree's administrator,
// and becomes the process-wide calendar when it commits; deleting the year restores the
// built-in calendar.
func TestSetYearsStore(t *testing.T) {
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Cleanup(calendar.Reset)
			db := dbtest.New(t, d)
			sys := servertest.System()
			if _, err := calendar.Reload(sys, db.Client); err != nil {
				t.Fatal(err)
			}
			if workcal.Default().Covers(2027) {
				t.Fatal("2027 covered before any import")
			}
			loc := workcal.Default().Location()
			start := time.Date(2026, 12, 31, 10, 0, 0, 0, loc)
			if got, want := workcal.Default().Deadline(start, 1, workcal.WorkingDays), time.Date(2027, 1, 1, 18, 0, 0, 0, loc); !got.Equal(want) {
				t.Errorf("deadline without a 2027 schedule %v, want %v (plain weekdays)", got, want)
			}

			// Refused: anonymous, an official of a district (not the whole tree), bad input.
			g, err := db.Client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(sys)
			if err != nil {
				t.Fatal(err)
			}
			enf, err := authz.NewEnforcer()
			if err != nil {
				t.Fatal(err)
			}
			v, err := enf.NewViewer(authz.ViewerInfo{UserID: 1, PersonID: 1}, []authz.Grant{{Role: "FIRST_RESPONSIBLE", Root: g.Path}}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			official := authz.NewContext(context.Background(), v)
			if _, _, err := calendar.Import(official, db.Client, []byte(testSchedule2027)); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("official imports: %v, want FORBIDDEN", err)
			}
			if _, _, err := calendar.Import(context.Background(), db.Client, []byte(testSchedule2027)); apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Errorf("anonymous imports: %v, want UNAUTHENTICATED", err)
			}
			bad := testSchedule2027 + "2027-01-06,true,周三不能调休\n2028-01-01,false,元旦\n"
			if _, _, err := calendar.Import(sys, db.Client, []byte(bad)); apperr.CodeOf(err) != apperr.BadInput {
				t.Errorf("weekday make-up day: %v, want BAD_USER_INPUT", err)
			}
			if n, err := db.Client.CalendarDay.Query().Count(sys); err != nil || n != 0 {
				t.Errorf("refused imports left %d rows (%v), want none", n, err)
			}
			if workcal.Default().Covers(2027) {
				t.Error("a refused import changed the calendar")
			}

			years, _, err := calendar.Import(sys, db.Client, []byte(testSchedule2027))
			if err != nil || len(years) != 1 {
				t.Fatalf("import: %v, %v", years, err)
			}
			cal := workcal.Default()
			if !cal.Covers(2027) || !cal.Covers(2026) {
				t.Errorf("after import: covered %v, want 2025–2027", cal.CoveredYears())
			}
			if got, want := cal.Deadline(start, 1, workcal.WorkingDays), time.Date(2027, 1, 4, 18, 0, 0, 0, loc); !got.Equal(want) {
				t.Errorf("deadline with the 2027 schedule %v, want %v (元旦 skipped)", got, want)
			}
			if !cal.IsWorkingDay(time.Date(2027, 1, 9, 12, 0, 0, 0, loc)) {
				t.Error("the imported make-up Saturday is not a working day")
			}
			// Reading it back from the database gives the same.
			again, err := calendar.Load(sys, db.Client)
			if err != nil || !again.Covers(2027) || len(again.Days(2027)) != 2 {
				t.Errorf("reload: covered %v, %d days of 2027, %v", again.CoveredYears(), len(again.Days(2027)), err)
			}

			if _, err := calendar.DeleteYear(sys, db.Client, 2027); err != nil {
				t.Fatal(err)
			}
			if workcal.Default().Covers(2027) || len(workcal.Default().Days(2027)) != 0 {
				t.Error("2027 still covered after deleteCalendarYear")
			}
		})
	}
}

// TestListenReloads: another process's change reaches this one through NOTIFY on Channel. The
// other process is simulated by writing a row without SetYears (so nothing reloads here at
// commit) and announcing it as SetYears does; the listener must reload the calendar.
func TestListenReloads(t *testing.T) {
	t.Cleanup(calendar.Reset)
	calendar.Reset()
	db := dbtest.New(t, dialect.Postgres)
	sys := servertest.System()
	stop, err := calendar.Listen(context.Background(), db.Client, db.URL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := db.Client.CalendarYear.Create().SetYear(2031).Exec(sys); err != nil {
		t.Fatal(err)
	}
	if workcal.Default().Covers(2031) {
		t.Fatal("2031 covered before any announcement")
	}
	if _, err := db.Client.ExecContext(sys, "SELECT pg_notify($1, '')", calendar.Channel); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !workcal.Default().Covers(2031) {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not reload the calendar within 5 s of the announcement")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStartLogsWarning: at start the server logs that 2027 has no schedule on 2 December
// 2026 (by the injected clock), and says nothing on 31 October.
func TestStartLogsWarning(t *testing.T) {
	t.Cleanup(calendar.Reset)
	db := dbtest.New(t, dialect.SQLite)
	loc := workcal.BuiltIn().Location()
	for _, tc := range []struct {
		at   time.Time
		warn bool
	}{
		{time.Date(2026, 10, 31, 12, 0, 0, 0, loc), false},
		{time.Date(2026, 12, 2, 12, 0, 0, 0, loc), true},
	} {
		var log strings.Builder
		stop, err := calendar.Start(context.Background(), db.Client, "", slog.New(slog.NewTextHandler(&log, nil)), func() time.Time { return tc.at })
		if err != nil {
			t.Fatal(err)
		}
		stop()
		if got := strings.Contains(log.String(), "level=WARN") && strings.Contains(log.String(), "[2027]"); got != tc.warn {
			t.Errorf("at %v: warned about 2027 = %v, want %v; log %q", tc.at, got, tc.warn, log.String())
		}
	}
}
