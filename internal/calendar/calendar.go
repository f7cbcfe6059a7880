package calendar

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/calendarday"
	"gridgov/ent/calendaryear"
	"gridgov/internal/apperr"
	"gridgov/internal/txbatch"
	"gridgov/internal/workcal"
)

// Channel is the PostgreSQL NOTIFY channel on which a process announces that the calendar
// changed; listeners reload it (the payload is empty: a reload reads everything).
const Channel = "gridgov_calendar"

// MinYear and MaxYear bound the years an administrator may load.
const (
	MinYear = 2000
	MaxYear = 2100
)

// MaxName is the longest name of a day, in characters (the column's limit).
const MaxName = 100

// Load reads the database's calendar rows and merges them over the built-in schedules.
func Load(ctx context.Context, client *ent.Client) (*workcal.Calendar, error) {
	ctx = authz.SystemContext(ctx, "load the work calendar")
	rows, err := client.CalendarDay.Query().Order(ent.Asc(calendarday.FieldDate)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load calendar days: %w", err)
	}
	years, err := client.CalendarYear.Query().Select(calendaryear.FieldYear).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("load calendar years: %w", err)
	}
	return merge(rows, years)
}

// merge builds the calendar of the built-in schedules with every year the database knows of
// (a declared year or one with rows) replaced by the database's rows.
func merge(rows []*ent.CalendarDay, declared []int) (*workcal.Calendar, error) {
	inDB := map[int]bool{}
	for _, y := range declared {
		inDB[y] = true
	}
	for _, r := range rows {
		inDB[r.Year] = true
	}
	var days []workcal.Day
	for _, d := range workcal.ChinaHolidays {
		if y, _ := strconv.Atoi(d.Date[:4]); !inDB[y] {
			days = append(days, d)
		}
	}
	for _, r := range rows {
		days = append(days, workcal.Day{Date: r.Date, Working: r.Working, Name: r.Name})
	}
	c, err := workcal.New(nil, days, nil)
	if err != nil {
		return nil, fmt.Errorf("build the work calendar: %w", err)
	}
	covered := slices.Clone(declared)
	for _, y := range workcal.BuiltInYears {
		if !inDB[y] {
			covered = append(covered, y)
		}
	}
	return c.Covering(covered...), nil
}

// Reload loads the calendar and makes it the process-wide one.
func Reload(ctx context.Context, client *ent.Client) (*workcal.Calendar, error) {
	c, err := Load(ctx, client)
	if err != nil {
		return nil, err
	}
	workcal.SetDefault(c)
	return c, nil
}

// Year is one year's schedule as an administrator sets it.
type Year struct {
	Year    int
	Days    []workcal.Day
	Covered bool // the days are the year's complete official schedule
}

// check validates a year's schedule: dates well-formed, in the year, unique; make-up days on
// a weekend and holidays named (the error names the offending day in days[i]).
func check(y Year) error {
	if y.Year < MinYear || y.Year > MaxYear {
		return apperr.Invalid("year", "year must be between %d and %d", MinYear, MaxYear)
	}
	if _, err := workcal.New(nil, y.Days, nil); err != nil {
		return apperr.Invalid("days", "calendar of %d: %v", y.Year, err)
	}
	for i, d := range y.Days {
		t, _ := time.Parse(time.DateOnly, d.Date)
		if t.Year() != y.Year {
			return apperr.Invalid(fmt.Sprintf("days[%d].date", i), "%s is not in %d", d.Date, y.Year)
		}
		if d.Working && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
			return apperr.Invalid(fmt.Sprintf("days[%d].working", i), "%s is a weekday: only a Saturday or Sunday can be a make-up working day", d.Date)
		}
		if len([]rune(d.Name)) > MaxName {
			return apperr.Invalid(fmt.Sprintf("days[%d].name", i), "name of %s is longer than %d characters", d.Date, MaxName)
		}
	}
	return nil
}

// SetYears replaces the schedules of years through client (as the viewer: only an
// administrator of the whole tree may), all or nothing: in client's transaction when it is
// bound to one, else in a transaction of its own. The deadlines of open cases that the change
// moves are recomputed in the same transaction (their number is returned); the process-wide
// calendar is reloaded, and the other processes told, when the transaction commits.
func SetYears(ctx context.Context, client *ent.Client, years []Year) (moved int, err error) {
	if err := authz.CheckPath(ctx, "/", authz.ObjEvent, authz.ActManageCalendar, "only an administrator of the whole tree may change the work calendar"); err != nil {
		return 0, err
	}
	seen := map[int]bool{}
	var changed []int
	for _, y := range years {
		if err := check(y); err != nil {
			return 0, err
		}
		if seen[y.Year] {
			return 0, apperr.Invalid("year", "year %d given twice", y.Year)
		}
		seen[y.Year] = true
		changed = append(changed, y.Year)
	}
	return inTx(ctx, client, changed, func(c *ent.Client) error {
		for _, y := range years {
			if err := replace(ctx, c, y.Year, y.Days, y.Covered); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteYear removes a year's rows and declaration; a built-in year falls back to its
// built-in schedule. Open cases' deadlines are recomputed as in SetYears.
func DeleteYear(ctx context.Context, client *ent.Client, year int) (moved int, err error) {
	if err := authz.CheckPath(ctx, "/", authz.ObjEvent, authz.ActManageCalendar, "only an administrator of the whole tree may change the work calendar"); err != nil {
		return 0, err
	}
	return inTx(ctx, client, []int{year}, func(c *ent.Client) error {
		if _, err := c.CalendarDay.Delete().Where(calendarday.Year(year)).Exec(ctx); err != nil {
			return fmt.Errorf("delete calendar days of %d: %w", year, err)
		}
		if _, err := c.CalendarYear.Delete().Where(calendaryear.Year(year)).Exec(ctx); err != nil {
			return fmt.Errorf("delete calendar year %d: %w", year, err)
		}
		return nil
	})
}

func replace(ctx context.Context, c *ent.Client, year int, days []workcal.Day, covered bool) error {
	if _, err := c.CalendarDay.Delete().Where(calendarday.Year(year)).Exec(ctx); err != nil {
		return fmt.Errorf("replace calendar days of %d: %w", year, err)
	}
	if _, err := c.CalendarYear.Delete().Where(calendaryear.Year(year)).Exec(ctx); err != nil {
		return fmt.Errorf("replace calendar year %d: %w", year, err)
	}
	creates := make([]*ent.CalendarDayCreate, len(days))
	for i, d := range days {
		creates[i] = c.CalendarDay.Create().SetDate(d.Date).SetYear(year).SetWorking(d.Working).SetName(d.Name)
	}
	if len(creates) > 0 {
		if err := c.CalendarDay.CreateBulk(creates...).Exec(ctx); err != nil {
			return fmt.Errorf("store calendar days of %d: %w", year, err)
		}
	}
	if covered {
		if err := c.CalendarYear.Create().SetYear(year).Exec(ctx); err != nil {
			return fmt.Errorf("declare calendar year %d: %w", year, err)
		}
	}
	return nil
}

// pending registers one reload per transaction.
var pending txbatch.Batches[struct{}]

// inTx runs f, the change of the years changed, in client's transaction, or in a new one;
// recomputes the open cases' deadlines with the calendar f leaves; and arranges the reload at
// commit: the new calendar is built inside the transaction (so that it is exactly what
// commits), the other processes are told with NOTIFY in the same transaction, and the
// calendar becomes the process-wide one once the commit succeeded.
func inTx(ctx context.Context, client *ent.Client, changed []int, f func(*ent.Client) error) (moved int, err error) {
	tx, key, bound := ent.AuditClientTx(client)
	if !bound {
		own, err := client.Tx(ctx)
		if err != nil {
			return 0, fmt.Errorf("begin calendar change: %w", err)
		}
		moved, err := inTx(ctx, own.Client(), changed, f)
		if err != nil {
			_ = own.Rollback()
			return 0, err
		}
		return moved, own.Commit()
	}
	if err := f(client); err != nil {
		return 0, err
	}
	next, err := Load(ctx, client)
	if err != nil {
		return 0, err
	}
	if moved, err = recomputeDeadlines(ctx, client, workcal.Default(), next, changed); err != nil {
		return 0, err
	}
	pending.Add(tx, key, []struct{}{{}}, func(ctx context.Context, tx *ent.Tx, _ []struct{}, commit func() error) error {
		c, err := Load(ctx, tx.Client())
		if err == nil && tx.Client().Dialect() == dialect.Postgres {
			if _, err = tx.Client().ExecContext(ctx, "SELECT pg_notify($1, '')", Channel); err != nil {
				err = fmt.Errorf("announce calendar change: %w", err)
			}
		}
		if err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := commit(); err != nil {
			return err
		}
		workcal.SetDefault(c)
		return nil
	})
	return moved, nil
}

// Warning returns what is missing from cal at now: from 1 November of year Y (when the State
// Council has usually published the next year's arrangement), the years Y and Y+1 that no
// schedule covers; before November only Y. "" when nothing is missing.
func Warning(cal *workcal.Calendar, now time.Time) string {
	local := now.In(cal.Location())
	y := local.Year()
	var missing []int
	if !cal.Covers(y) {
		missing = append(missing, y)
	}
	if local.Month() >= time.November && !cal.Covers(y+1) {
		missing = append(missing, y+1)
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("the work calendar has no official holiday schedule for %v: deadlines there count every Monday to Friday as a working day; import the schedule (gridgov calendar import FILE)", missing)
}

// LogWarning logs Warning's text, if any, at warn level.
func LogWarning(logger *slog.Logger, cal *workcal.Calendar, now time.Time) {
	if w := Warning(cal, now); w != "" {
		logger.Warn(w, "covered_years", cal.CoveredYears())
	}
}

// CoversEvent reports whether cal covers the local years of a case's registration and
// deadline (either may be nil: a case not yet registered has neither).
func CoversEvent(cal *workcal.Calendar, registered, deadline *time.Time) bool {
	for _, t := range []*time.Time{registered, deadline} {
		if t != nil && !cal.CoversTime(*t) {
			return false
		}
	}
	return true
}
