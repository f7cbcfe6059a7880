package workcal_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/workcal"
)

// at parses a wall-clock time "2006-01-02 15:04[:05]" in the default calendar's zone.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc := workcal.Default().Location()
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if v, err := time.ParseInLocation(layout, s, loc); err == nil {
			return v
		}
	}
	t.Fatalf("bad test time %q", s)
	return time.Time{}
}

func TestIsWorkingDay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"monday", at(t, "2026-03-02 10:00"), true},
		{"friday", at(t, "2026-03-06 23:59"), true},
		{"saturday", at(t, "2026-03-07 10:00"), false},
		{"sunday", at(t, "2026-03-08 10:00"), false},
		{"spring festival monday 2026-02-16", at(t, "2026-02-16 10:00"), false},
		{"make-up saturday 2026-02-14", at(t, "2026-02-14 10:00"), true},
		{"make-up sunday 2026-01-04", at(t, "2026-01-04 10:00"), true},
		{"national day wednesday 2025-10-08", at(t, "2025-10-08 10:00"), false},
		{"make-up saturday 2025-10-11", at(t, "2025-10-11 10:00"), true},
		{"qingming saturday 2026-04-04", at(t, "2026-04-04 10:00"), false},
		// 16:30 UTC on the make-up Saturday is already the holiday Sunday in Shanghai.
		{"utc instant judged by local day", time.Date(2026, 2, 14, 16, 30, 0, 0, time.UTC), false},
		{"utc instant before local midnight", time.Date(2026, 2, 14, 15, 59, 0, 0, time.UTC), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, workcal.Default().IsWorkingDay(tc.t)); diff != "" {
				t.Errorf("IsWorkingDay(%v) (-want +got):\n%s", tc.t, diff)
			}
		})
	}
}

// TestChinaHolidayPeriods checks each period of the State Council notices: every day in it is
// a rest day, it has the announced length, and the days either side are working days.
func TestChinaHolidayPeriods(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		first, last string
		days        int
	}{
		{"2025 元旦", "2025-01-01", "2025-01-01", 1},
		{"2025 春节", "2025-01-28", "2025-02-04", 8},
		{"2025 清明节", "2025-04-04", "2025-04-06", 3},
		{"2025 劳动节", "2025-05-01", "2025-05-05", 5},
		{"2025 端午节", "2025-05-31", "2025-06-02", 3},
		{"2025 国庆节、中秋节", "2025-10-01", "2025-10-08", 8},
		{"2026 元旦", "2026-01-01", "2026-01-03", 3},
		{"2026 春节", "2026-02-15", "2026-02-23", 9},
		{"2026 清明节", "2026-04-04", "2026-04-06", 3},
		{"2026 劳动节", "2026-05-01", "2026-05-05", 5},
		{"2026 端午节", "2026-06-19", "2026-06-21", 3},
		{"2026 中秋节", "2026-09-25", "2026-09-27", 3},
		{"2026 国庆节", "2026-10-01", "2026-10-07", 7},
	}
	c := workcal.Default()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first, last := at(t, tc.first+" 12:00"), at(t, tc.last+" 12:00")
			days := 0
			for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
				if c.IsWorkingDay(d) {
					t.Errorf("%s is a working day", workcal.LocalDay(d, nil))
				}
				days++
			}
			if diff := cmp.Diff(tc.days, days); diff != "" {
				t.Errorf("period length (-want +got):\n%s", diff)
			}
			before, after := first.AddDate(0, 0, -1), last.AddDate(0, 0, 1)
			if !c.IsWorkingDay(before) || !c.IsWorkingDay(after) {
				t.Errorf("days either side: %v %v, want both working", c.IsWorkingDay(before), c.IsWorkingDay(after))
			}
		})
	}
}

func TestChinaHolidaysMakeUpDays(t *testing.T) {
	t.Parallel()
	var got []string
	for _, d := range workcal.ChinaHolidays {
		if !d.Working {
			continue
		}
		got = append(got, d.Date)
		wd := at(t, d.Date+" 12:00").Weekday()
		if wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up day %s is a %v", d.Date, wd)
		}
	}
	want := []string{
		"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
		"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("make-up days (-want +got):\n%s", diff)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		overrides []workcal.Day
		hours     []workcal.Span
		wantErr   error
	}{
		{"defaults", nil, nil, nil},
		{"china holidays", workcal.ChinaHolidays, nil, nil},
		{"custom hours", nil, []workcal.Span{{StartMinute: 13 * 60, EndMinute: 17 * 60}, {StartMinute: 8 * 60, EndMinute: 12 * 60}}, nil},
		{"whole day", nil, []workcal.Span{{StartMinute: 0, EndMinute: 24 * 60}}, nil},
		{"touching spans", nil, []workcal.Span{{StartMinute: 0, EndMinute: 60}, {StartMinute: 60, EndMinute: 120}}, nil},
		{"unpadded date", []workcal.Day{{Date: "2026-2-14", Working: true}}, nil, workcal.ErrInvalidDate},
		{"impossible date", []workcal.Day{{Date: "2026-02-30"}}, nil, workcal.ErrInvalidDate},
		{"empty date", []workcal.Day{{}}, nil, workcal.ErrInvalidDate},
		{"date with time", []workcal.Day{{Date: "2026-02-14T00:00:00Z"}}, nil, workcal.ErrInvalidDate},
		{"duplicate", []workcal.Day{{Date: "2026-10-01", Name: "国庆节"}, {Date: "2026-10-01", Working: true}}, nil, workcal.ErrDuplicateDate},
		{"no spans", nil, []workcal.Span{}, workcal.ErrInvalidSpan},
		{"empty span", nil, []workcal.Span{{StartMinute: 600, EndMinute: 600}}, workcal.ErrInvalidSpan},
		{"negative start", nil, []workcal.Span{{StartMinute: -1, EndMinute: 600}}, workcal.ErrInvalidSpan},
		{"past midnight", nil, []workcal.Span{{StartMinute: 600, EndMinute: 24*60 + 1}}, workcal.ErrInvalidSpan},
		{"overlap", nil, []workcal.Span{{StartMinute: 540, EndMinute: 720}, {StartMinute: 700, EndMinute: 800}}, workcal.ErrInvalidSpan},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := workcal.New(nil, tc.overrides, tc.hours)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("New() error = %v, want %v", err, tc.wantErr)
			}
			if (err == nil) != (c != nil) {
				t.Errorf("New() = %v, %v: want exactly one of calendar and error", c, err)
			}
		})
	}
}

func TestNewDoesNotAliasInput(t *testing.T) {
	t.Parallel()
	hours := []workcal.Span{{StartMinute: 9 * 60, EndMinute: 10 * 60}}
	overrides := []workcal.Day{{Date: "2026-03-02", Working: false}}
	c, err := workcal.New(nil, overrides, hours)
	if err != nil {
		t.Fatal(err)
	}
	hours[0].EndMinute = 18 * 60
	overrides[0].Working = true
	if c.IsWorkingDay(at(t, "2026-03-02 10:00")) {
		t.Error("override changed after New")
	}
	got := c.Deadline(at(t, "2026-03-03 09:00"), 1, workcal.WorkingHours)
	if diff := cmp.Diff(at(t, "2026-03-03 10:00"), got); diff != "" {
		t.Errorf("spans changed after New (-want +got):\n%s", diff)
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start string
		limit int
		unit  workcal.Unit
		want  string
	}{
		{"friday afternoon over the weekend", "2026-03-06 17:00", 4, workcal.WorkingHours, "2026-03-09 12:00"},
		{"ends exactly at the end of the day", "2026-03-06 17:00", 1, workcal.WorkingHours, "2026-03-06 18:00"},
		{"across the lunch break", "2026-03-02 11:00", 2, workcal.WorkingHours, "2026-03-02 14:30"},
		{"ends exactly at lunch", "2026-03-02 11:00", 1, workcal.WorkingHours, "2026-03-02 12:00"},
		{"registered during lunch", "2026-03-02 12:30", 1, workcal.WorkingHours, "2026-03-02 14:30"},
		{"overnight", "2026-03-03 16:00", 4, workcal.WorkingHours, "2026-03-04 11:00"},
		{"registered before work", "2026-03-02 07:00", 1, workcal.WorkingHours, "2026-03-02 10:00"},
		{"registered after work", "2026-03-02 20:00", 1, workcal.WorkingHours, "2026-03-03 10:00"},
		{"registered on saturday", "2026-03-07 10:00", 1, workcal.WorkingHours, "2026-03-09 10:00"},
		{"two full days", "2026-03-02 09:00", 15, workcal.WorkingHours, "2026-03-03 18:00"},
		{"seconds are kept", "2026-03-02 10:15:42", 1, workcal.WorkingHours, "2026-03-02 11:15:42"},
		{"into the make-up saturday before spring festival", "2026-02-13 17:00", 4, workcal.WorkingHours, "2026-02-14 12:00"},
		{"across spring festival 2026", "2026-02-14 17:00", 4, workcal.WorkingHours, "2026-02-24 12:00"},
		{"spring festival 2025 make-up sunday", "2025-01-25 10:00", 8, workcal.WorkingHours, "2025-01-27 09:30"},
		{"across national day 2025", "2025-09-30 17:00", 2, workcal.WorkingHours, "2025-10-09 10:00"},

		{"one working day", "2026-03-02 10:00", 1, workcal.WorkingDays, "2026-03-03 18:00"},
		{"start day never counts", "2026-03-02 08:00", 1, workcal.WorkingDays, "2026-03-03 18:00"},
		{"working days from friday", "2026-03-06 17:59", 1, workcal.WorkingDays, "2026-03-09 18:00"},
		{"working days from saturday", "2026-03-07 10:00", 1, workcal.WorkingDays, "2026-03-09 18:00"},
		{"twenty working days", "2026-03-02 10:00", 20, workcal.WorkingDays, "2026-03-30 18:00"},
		{"working days across spring festival", "2026-02-12 10:00", 3, workcal.WorkingDays, "2026-02-24 18:00"},
		{"working days across national day 2026", "2026-09-18 10:00", 5, workcal.WorkingDays, "2026-09-24 18:00"},

		{"natural hours ignore the calendar", "2026-03-06 17:00", 4, workcal.NaturalHours, "2026-03-06 21:00"},
		{"natural hours over a holiday", "2026-02-15 10:00", 48, workcal.NaturalHours, "2026-02-17 10:00"},

		{"zero limit", "2026-03-07 10:00", 0, workcal.WorkingHours, "2026-03-07 10:00"},
		{"negative limit", "2026-03-07 10:00", -3, workcal.WorkingDays, "2026-03-07 10:00"},
		{"unknown unit", "2026-03-02 10:00", 4, workcal.Unit("FORTNIGHTS"), "2026-03-02 10:00"},
	}
	c := workcal.Default()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := c.Deadline(at(t, tc.start), tc.limit, tc.unit)
			if diff := cmp.Diff(at(t, tc.want), got); diff != "" {
				t.Errorf("Deadline(%s, %d, %s) (-want +got):\n%s", tc.start, tc.limit, tc.unit, diff)
			}
			if got.Location() != time.UTC {
				t.Errorf("Deadline location = %v, want UTC", got.Location())
			}
		})
	}
}

func TestDeadlineCustomCalendar(t *testing.T) {
	t.Parallel()
	// Round-the-clock working days in UTC, with one holiday.
	c, err := workcal.New(time.UTC, []workcal.Day{{Date: "2026-03-10", Name: "closed"}}, []workcal.Span{{StartMinute: 0, EndMinute: 24 * 60}})
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name  string
		start string
		limit int
		unit  workcal.Unit
		want  string
	}{
		{"over the weekend", "2026-03-06 20:00", 8, workcal.WorkingHours, "2026-03-09 04:00"},
		{"ends at midnight", "2026-03-06 20:00", 4, workcal.WorkingHours, "2026-03-07 00:00"},
		{"over the holiday", "2026-03-09 20:00", 8, workcal.WorkingHours, "2026-03-11 04:00"},
		{"working day ends at midnight", "2026-03-05 20:00", 1, workcal.WorkingDays, "2026-03-07 00:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := c.Deadline(utc(tc.start), tc.limit, tc.unit)
			if diff := cmp.Diff(utc(tc.want), got); diff != "" {
				t.Errorf("Deadline (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWorkingDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		from, to string
		want     time.Duration
	}{
		{"a working day", "2026-03-02 09:00", "2026-03-02 18:00", 7*time.Hour + 30*time.Minute},
		{"a whole calendar day", "2026-03-02 00:00", "2026-03-03 00:00", 7*time.Hour + 30*time.Minute},
		{"lunch break", "2026-03-02 12:00", "2026-03-02 13:30", 0},
		{"across lunch", "2026-03-02 11:00", "2026-03-02 14:30", 2 * time.Hour},
		{"weekend", "2026-03-06 18:00", "2026-03-09 09:00", 0},
		{"friday to monday", "2026-03-06 17:00", "2026-03-09 12:00", 4 * time.Hour},
		{"across spring festival", "2026-02-13 17:00", "2026-02-24 12:00", 11*time.Hour + 30*time.Minute},
		{"a calendar week", "2026-03-02 00:00", "2026-03-09 00:00", 5 * (7*time.Hour + 30*time.Minute)},
		{"equal instants", "2026-03-02 10:00", "2026-03-02 10:00", 0},
		{"reversed", "2026-03-02 11:00", "2026-03-02 10:00", 0},
	}
	c := workcal.Default()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := c.WorkingDuration(at(t, tc.from), at(t, tc.to))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("WorkingDuration(%s, %s) (-want +got):\n%s", tc.from, tc.to, diff)
			}
		})
	}
}

// TestDeadlineInverse walks start times through the 2026 Spring Festival, including nights,
// weekends and the make-up days, and checks WorkingDuration(start, Deadline) == limit.
func TestDeadlineInverse(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	end := at(t, "2026-03-02 00:00")
	for start := at(t, "2026-02-09 00:00"); start.Before(end); start = start.Add(47 * time.Minute) {
		for limit := 1; limit <= 30; limit++ {
			dl := c.Deadline(start, limit, workcal.WorkingHours)
			if dl.Before(start) {
				t.Fatalf("Deadline(%v, %d) = %v, before the start", start, limit, dl)
			}
			if got, want := c.WorkingDuration(start, dl), time.Duration(limit)*time.Hour; got != want {
				t.Fatalf("WorkingDuration(%v, Deadline(%d h) = %v) = %v, want %v", start, limit, dl, got, want)
			}
		}
		for limit := 1; limit <= 10; limit++ {
			dl := c.Deadline(start, limit, workcal.WorkingDays)
			local := dl.In(c.Location())
			if !c.IsWorkingDay(dl) || local.Format("15:04") != "18:00" {
				t.Fatalf("Deadline(%v, %d days) = %v, want the end of a working day", start, limit, local)
			}
			// The whole working days strictly between the start's day and the deadline's day
			// number limit-1.
			nextDay := at(t, workcal.LocalDay(start, nil)+" 00:00").AddDate(0, 0, 1)
			dayStart := at(t, workcal.LocalDay(dl, nil)+" 00:00")
			if got, want := c.WorkingDuration(nextDay, dayStart), time.Duration(limit-1)*(7*time.Hour+30*time.Minute); got != want {
				t.Fatalf("Deadline(%v, %d days) = %v: %v of working time in between, want %v", start, limit, local, got, want)
			}
		}
	}
}

func TestLight(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	// 10 working hours from Monday 09:00: due Tuesday 11:30; 80 % (8 h) is Tuesday 09:30.
	reg := at(t, "2026-03-02 09:00")
	dl := c.Deadline(reg, 10, workcal.WorkingHours)
	// 1 working hour from Friday 17:00: due Friday 18:00; 80 % is 17:48.
	fri := at(t, "2026-03-06 17:00")
	friDl := c.Deadline(fri, 1, workcal.WorkingHours)
	// 1 working day from Monday 10:00: due Tuesday 18:00, 14 h of working time;
	// 80 % (11 h 12 min) is Tuesday 15:12.
	wd := at(t, "2026-03-02 10:00")
	wdDl := c.Deadline(wd, 1, workcal.WorkingDays)
	// 10 natural hours from Saturday 10:00: due 20:00; 80 % is 18:00.
	nat := at(t, "2026-03-07 10:00")
	natDl := c.Deadline(nat, 10, workcal.NaturalHours)

	cases := []struct {
		name                string
		reg, deadline, when time.Time
		unit                workcal.Unit
		want                workcal.Light
	}{
		{"at registration", reg, dl, reg, workcal.WorkingHours, workcal.Green},
		{"just under 80 %", reg, dl, at(t, "2026-03-03 09:29:59"), workcal.WorkingHours, workcal.Green},
		{"exactly 80 %", reg, dl, at(t, "2026-03-03 09:30"), workcal.WorkingHours, workcal.Yellow},
		{"exactly 100 %", reg, dl, at(t, "2026-03-03 11:30"), workcal.WorkingHours, workcal.Yellow},
		{"a nanosecond late", reg, dl, dl.Add(time.Nanosecond), workcal.WorkingHours, workcal.Red},
		{"overdue", reg, dl, at(t, "2026-03-04 09:00"), workcal.WorkingHours, workcal.Red},
		{"overnight does not use the limit", reg, dl, at(t, "2026-03-02 23:00"), workcal.WorkingHours, workcal.Green},
		{"friday just under 80 %", fri, friDl, at(t, "2026-03-06 17:47:59"), workcal.WorkingHours, workcal.Green},
		{"friday exactly 80 %", fri, friDl, at(t, "2026-03-06 17:48"), workcal.WorkingHours, workcal.Yellow},
		{"deadline passed over the weekend", fri, friDl, at(t, "2026-03-07 10:00"), workcal.WorkingHours, workcal.Red},
		{"working days just under 80 %", wd, wdDl, at(t, "2026-03-03 15:11"), workcal.WorkingDays, workcal.Green},
		{"working days exactly 80 %", wd, wdDl, at(t, "2026-03-03 15:12"), workcal.WorkingDays, workcal.Yellow},
		{"working days due", wd, wdDl, wdDl, workcal.WorkingDays, workcal.Yellow},
		{"working days overdue", wd, wdDl, at(t, "2026-03-03 18:01"), workcal.WorkingDays, workcal.Red},
		{"natural just under 80 %", nat, natDl, at(t, "2026-03-07 17:59:59"), workcal.NaturalHours, workcal.Green},
		{"natural exactly 80 %", nat, natDl, at(t, "2026-03-07 18:00"), workcal.NaturalHours, workcal.Yellow},
		{"natural exactly 100 %", nat, natDl, natDl, workcal.NaturalHours, workcal.Yellow},
		{"natural late", nat, natDl, natDl.Add(time.Second), workcal.NaturalHours, workcal.Red},
		{"natural before registration", nat, natDl, nat.Add(-time.Hour), workcal.NaturalHours, workcal.Green},
		{"no time allowed, due now", reg, reg, reg, workcal.WorkingHours, workcal.Yellow},
		{"no working time allowed", at(t, "2026-03-07 10:00"), at(t, "2026-03-07 12:00"), at(t, "2026-03-07 11:00"), workcal.WorkingHours, workcal.Yellow},
		{"no natural time allowed, overdue", nat, nat, nat.Add(time.Minute), workcal.NaturalHours, workcal.Red},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := c.Light(tc.reg, tc.deadline, tc.when, tc.unit)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Light(%v, %v, %v, %s) (-want +got):\n%s", tc.reg, tc.deadline, tc.when, tc.unit, diff)
			}
		})
	}
}

func TestTimeZone(t *testing.T) {
	t.Parallel()
	c := workcal.Default()
	if got := c.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location() = %q, want Asia/Shanghai", got)
	}
	inst := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	if diff := cmp.Diff("2026-03-02 09:30", inst.In(c.Location()).Format("2006-01-02 15:04")); diff != "" {
		t.Errorf("local time (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC), c.Deadline(inst, 1, workcal.WorkingHours)); diff != "" {
		t.Errorf("Deadline from 09:30 (-want +got):\n%s", diff)
	}
	// 17:30 in Shanghai: half an hour today, half an hour tomorrow from 09:00.
	late := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	if diff := cmp.Diff(time.Date(2026, 3, 3, 1, 30, 0, 0, time.UTC), c.Deadline(late, 1, workcal.WorkingHours)); diff != "" {
		t.Errorf("Deadline from 17:30 (-want +got):\n%s", diff)
	}
	// The same instant expressed in another zone gives the same answer.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c.Deadline(inst, 3, workcal.WorkingHours), c.Deadline(inst.In(ny), 3, workcal.WorkingHours)); diff != "" {
		t.Errorf("Deadline depends on the start's zone (-want +got):\n%s", diff)
	}
}

func TestLocalDay(t *testing.T) {
	t.Parallel()
	// 17:00 UTC on 1 March is 01:00 on 2 March in Shanghai.
	inst := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"default zone", nil, "2026-03-02"},
		{"calendar zone", workcal.Default().Location(), "2026-03-02"},
		{"utc", time.UTC, "2026-03-01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, workcal.LocalDay(inst, tc.loc)); diff != "" {
				t.Errorf("LocalDay (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnitValid(t *testing.T) {
	t.Parallel()
	for _, u := range []workcal.Unit{workcal.WorkingHours, workcal.WorkingDays, workcal.NaturalHours} {
		if !u.Valid() {
			t.Errorf("%s.Valid() = false", u)
		}
	}
	for _, u := range []workcal.Unit{"", "working_hours", "DAYS"} {
		if u.Valid() {
			t.Errorf("%q.Valid() = true", u)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	start := at(t, "2026-02-13 17:00")
	want := workcal.Default().Deadline(start, 4, workcal.WorkingHours)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := workcal.Default()
			for i := range 50 {
				if got := c.Deadline(start, 4, workcal.WorkingHours); !got.Equal(want) {
					t.Errorf("Deadline = %v, want %v", got, want)
				}
				c.Light(start, want, start.Add(time.Duration(i)*time.Hour), workcal.WorkingHours)
			}
		})
	}
	wg.Wait()
}

// FuzzDeadline checks, for starts between 2024 and 2027 and limits up to 2,000 working hours,
// that the deadline is not before the start, that exactly limit hours of working time lie
// between them, and that the deadline falls on a working day.
func FuzzDeadline(f *testing.F) {
	for _, seed := range []struct {
		unix  int64
		limit int
	}{
		{at(f, "2026-03-06 17:00").Unix(), 4},
		{at(f, "2026-02-13 17:00").Unix(), 4},
		{at(f, "2026-02-14 17:00").Unix(), 40},
		{at(f, "2025-09-30 12:30").Unix(), 100},
		{at(f, "2025-12-31 23:59:59").Unix(), 1},
		{at(f, "2026-10-10 18:00").Unix(), 0},
		{0, 2000},
		{-1, -7},
	} {
		f.Add(seed.unix, seed.limit)
	}
	c := workcal.Default()
	base := at(f, "2024-12-01 00:00").Unix()
	const window = 3 * 366 * 24 * 3600
	f.Fuzz(func(t *testing.T, unix int64, limit int) {
		start := time.Unix(base+(unix%window+window)%window, 0)
		limit = (limit%2001 + 2001) % 2001
		dl := c.Deadline(start, limit, workcal.WorkingHours)
		if dl.Before(start) {
			t.Fatalf("Deadline(%v, %d) = %v, before the start", start, limit, dl)
		}
		if got, want := c.WorkingDuration(start, dl), time.Duration(limit)*time.Hour; got != want {
			t.Fatalf("WorkingDuration(%v, Deadline(%d) = %v) = %v, want %v", start, limit, dl, got, want)
		}
		if limit > 0 && !c.IsWorkingDay(dl) {
			t.Fatalf("Deadline(%v, %d) = %v, not a working day", start, limit, dl)
		}
	})
}
