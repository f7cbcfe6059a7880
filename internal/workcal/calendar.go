package workcal

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// Embedded so that Asia/Shanghai loads on hosts and containers without tzdata.
	_ "time/tzdata"
)

const dateLayout = "2006-01-02"

// ErrInvalidDate reports an override whose Date is not a valid YYYY-MM-DD date.
var ErrInvalidDate = errors.New("invalid date")

// ErrDuplicateDate reports two overrides for the same date.
var ErrDuplicateDate = errors.New("duplicate date")

// ErrInvalidSpan reports working hours that are empty, out of range or overlapping.
var ErrInvalidSpan = errors.New("invalid working hours")

// shanghai is the default location. China has observed no DST since 1991, so the fixed
// fallback is exact for any current date; it is only used if the embedded tzdata fails.
var shanghai = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
})

// defaultSpans are 09:00–12:00 and 13:30–18:00, 7.5 working hours a day.
var defaultSpans = []Span{{StartMinute: 9 * 60, EndMinute: 12 * 60}, {StartMinute: 13*60 + 30, EndMinute: 18 * 60}}

// Day is a calendar override: a public holiday (Working=false) or a make-up working day
// (调休, Working=true) on a Saturday or Sunday.
type Day struct {
	Date    string // YYYY-MM-DD, local to the calendar's location
	Working bool
	Name    string
}

// Span is a period of working time within a working day, in minutes after local midnight
// (EndMinute exclusive, at most 24*60).
type Span struct{ StartMinute, EndMinute int }

// Unit is the unit of a case category's time limit.
type Unit string

// Units of time limits.
const (
	WorkingHours Unit = "WORKING_HOURS"
	WorkingDays  Unit = "WORKING_DAYS"
	NaturalHours Unit = "NATURAL_HOURS"
)

// Valid reports whether u is one of the known units.
func (u Unit) Valid() bool {
	switch u {
	case WorkingHours, WorkingDays, NaturalHours:
		return true
	}
	return false
}

// Calendar knows which days are working days and when working time is; it is immutable and
// safe for concurrent use.
type Calendar struct {
	loc       *time.Location
	overrides map[date]bool // date → working
	days      []Day         // the overrides as given, sorted by date, for listing
	covered   map[int]bool  // years whose official schedule the calendar holds
	spans     []Span        // sorted, non-overlapping, non-empty
}

// New returns a calendar for loc (Asia/Shanghai when nil) with the given overrides and daily
// working hours (09:00–12:00 and 13:30–18:00 when nil). It rejects malformed or duplicate
// dates and empty, out-of-range or overlapping spans.
func New(loc *time.Location, overrides []Day, hours []Span) (*Calendar, error) {
	if loc == nil {
		loc = shanghai()
	}
	c := &Calendar{loc: loc, overrides: make(map[date]bool, len(overrides)), covered: map[int]bool{}}
	for i, o := range overrides {
		t, err := time.Parse(dateLayout, o.Date)
		if err != nil || t.Format(dateLayout) != o.Date {
			return nil, fmt.Errorf("override %d %q: %w", i, o.Date, ErrInvalidDate)
		}
		d := dateOf(t)
		if _, dup := c.overrides[d]; dup {
			return nil, fmt.Errorf("override %d %q: %w", i, o.Date, ErrDuplicateDate)
		}
		c.overrides[d] = o.Working
	}
	c.days = slices.Clone(overrides)
	slices.SortFunc(c.days, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
	if hours == nil {
		hours = defaultSpans
	}
	if len(hours) == 0 {
		return nil, fmt.Errorf("no spans: %w", ErrInvalidSpan)
	}
	c.spans = slices.Clone(hours)
	slices.SortFunc(c.spans, func(a, b Span) int { return a.StartMinute - b.StartMinute })
	for i, s := range c.spans {
		if s.StartMinute < 0 || s.EndMinute > 24*60 || s.StartMinute >= s.EndMinute {
			return nil, fmt.Errorf("span %d–%d: %w", s.StartMinute, s.EndMinute, ErrInvalidSpan)
		}
		if i > 0 && s.StartMinute < c.spans[i-1].EndMinute {
			return nil, fmt.Errorf("span %d–%d overlaps the previous one: %w", s.StartMinute, s.EndMinute, ErrInvalidSpan)
		}
	}
	return c, nil
}

var builtIn = sync.OnceValue(func() *Calendar {
	c, err := New(nil, ChinaHolidays, nil)
	if err != nil {
		panic(fmt.Sprintf("workcal: ChinaHolidays: %v", err))
	}
	return c.Covering(BuiltInYears...)
})

// BuiltIn returns the Asia/Shanghai calendar with ChinaHolidays, covering BuiltInYears, and the
// default working hours; it is built once and shared.
func BuiltIn() *Calendar { return builtIn() }

// current is the process-wide calendar: the built-in one until SetDefault replaces it with the
// built-in schedules merged with the database's (internal/calendar).
var current atomic.Pointer[Calendar]

// Default returns the process-wide calendar every deadline and traffic light is computed
// with: BuiltIn until SetDefault is called. Callers read it at each use, not once, so that a
// reload (an administrator's import) takes effect at once.
func Default() *Calendar {
	if c := current.Load(); c != nil {
		return c
	}
	return builtIn()
}

// SetDefault replaces the process-wide calendar; nil restores BuiltIn.
func SetDefault(c *Calendar) { current.Store(c) }

// Covering returns a copy of c that also covers years: it declares that c holds the official
// schedule of those years, even where a year has no override at all.
func (c *Calendar) Covering(years ...int) *Calendar {
	out := *c
	out.covered = make(map[int]bool, len(c.covered)+len(years))
	for y := range c.covered {
		out.covered[y] = true
	}
	for _, y := range years {
		out.covered[y] = true
	}
	return &out
}

// Covers reports whether c holds the official schedule of year: outside a covered year,
// holidays are unknown and Deadline counts every Monday to Friday as a working day.
func (c *Calendar) Covers(year int) bool { return c.covered[year] }

// CoversTime reports whether c covers the local year of t.
func (c *Calendar) CoversTime(t time.Time) bool { return c.covered[t.In(c.loc).Year()] }

// CoveredYears returns the covered years in ascending order.
func (c *Calendar) CoveredYears() []int {
	out := make([]int, 0, len(c.covered))
	for y := range c.covered {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Days returns the overrides of year, sorted by date.
func (c *Calendar) Days(year int) []Day {
	prefix := fmt.Sprintf("%04d-", year)
	var out []Day
	for _, d := range c.days {
		if strings.HasPrefix(d.Date, prefix) {
			out = append(out, d)
		}
	}
	return out
}

// Location returns the calendar's time zone, in which days and working hours are reckoned.
func (c *Calendar) Location() *time.Location { return c.loc }

// LocalDay returns the YYYY-MM-DD date of t in loc (Asia/Shanghai when nil): "a day" in the
// deployment's time zone, for daily reports and rollups.
func LocalDay(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = shanghai()
	}
	return t.In(loc).Format(dateLayout)
}

// IsWorkingDay reports whether the local day containing t is a working day: Monday to Friday
// unless overridden as a holiday, Saturday and Sunday only when overridden as make-up days.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.working(dateOf(t.In(c.loc)))
}

func (c *Calendar) working(d date) bool {
	if w, ok := c.overrides[d]; ok {
		return w
	}
	switch d.weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return true
}

// Deadline returns, in UTC, the deadline of a case started at start with the given limit; see
// the package documentation for the rule of each unit. A limit ≤ 0 or an unknown unit yields
// start. The cost is linear in the number of calendar days the limit spans.
func (c *Calendar) Deadline(start time.Time, limit int, unit Unit) time.Time {
	if limit <= 0 {
		return start.UTC()
	}
	switch unit {
	case NaturalHours:
		return start.Add(time.Duration(limit) * time.Hour).UTC()
	case WorkingDays:
		d := dateOf(start.In(c.loc))
		for n := 0; n < limit; {
			d = d.next()
			if c.working(d) {
				n++
			}
		}
		return d.at(c.spans[len(c.spans)-1].EndMinute, c.loc).UTC()
	case WorkingHours:
		remaining := time.Duration(limit) * time.Hour
		for d := dateOf(start.In(c.loc)); ; d = d.next() {
			if !c.working(d) {
				continue
			}
			for _, s := range c.spans {
				from, to := d.at(s.StartMinute, c.loc), d.at(s.EndMinute, c.loc)
				if !to.After(start) {
					continue
				}
				if from.Before(start) {
					from = start
				}
				avail := to.Sub(from)
				if remaining <= avail {
					return from.Add(remaining).UTC()
				}
				remaining -= max(avail, 0)
			}
		}
	}
	return start.UTC()
}

// WorkingDuration returns the working time between from and to, 0 if to is not after from.
func (c *Calendar) WorkingDuration(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	var total time.Duration
	last := dateOf(to.In(c.loc))
	for d := dateOf(from.In(c.loc)); !last.before(d); d = d.next() {
		if !c.working(d) {
			continue
		}
		for _, s := range c.spans {
			a, b := d.at(s.StartMinute, c.loc), d.at(s.EndMinute, c.loc)
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				total += b.Sub(a)
			}
		}
	}
	return total
}

// Light is a case's traffic light.
type Light string

// Traffic lights: GREEN below 80 % of the limit used, YELLOW 80–100 % inclusive, RED beyond.
const (
	Green  Light = "GREEN"
	Yellow Light = "YELLOW"
	Red    Light = "RED"
)

// Light returns the traffic light at instant at for a case registered at registered and due
// at deadline. The fraction used is elapsed/allowed, both measured in working time for the
// working units and in natural time for NaturalHours. It is RED whenever at is after the
// deadline, even when no working time has passed since (a deadline passed over a weekend).
// With nothing allowed (deadline not after registered) and the deadline not yet passed, the
// limit counts as fully used: YELLOW.
func (c *Calendar) Light(registered, deadline, at time.Time, unit Unit) Light {
	if at.After(deadline) {
		return Red
	}
	var elapsed, allowed time.Duration
	if unit == NaturalHours {
		elapsed, allowed = max(at.Sub(registered), 0), max(deadline.Sub(registered), 0)
	} else {
		elapsed, allowed = c.WorkingDuration(registered, at), c.WorkingDuration(registered, deadline)
	}
	switch {
	case allowed == 0:
		return Yellow
	case mulLess(elapsed, 5, allowed, 4): // elapsed/allowed < 0.8, exactly
		return Green
	case elapsed <= allowed:
		return Yellow
	}
	return Red
}

// mulLess reports whether a*m < b*n for non-negative a, b, without overflow.
func mulLess(a time.Duration, m uint64, b time.Duration, n uint64) bool {
	ah, al := bits.Mul64(uint64(a), m)
	bh, bl := bits.Mul64(uint64(b), n)
	return ah < bh || ah == bh && al < bl
}

// date is a civil date, independent of any time zone.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

func (d date) noonUTC() time.Time { return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC) }

func (d date) next() date { return dateOf(d.noonUTC().AddDate(0, 0, 1)) }

func (d date) weekday() time.Weekday { return d.noonUTC().Weekday() }

func (d date) before(e date) bool {
	if d.y != e.y {
		return d.y < e.y
	}
	if d.m != e.m {
		return d.m < e.m
	}
	return d.d < e.d
}

// at returns the instant minute minutes (by the wall clock) after midnight of d in loc.
func (d date) at(minute int, loc *time.Location) time.Time {
	return time.Date(d.y, d.m, d.d, 0, minute, 0, 0, loc)
}
