// Package rollup answers district statistics over any subtree and period: cases found,
// registered, due, closed (fixed / not fixed), closed on time, overdue, reworked, escalated
// and voided, grouped by up to two of category, child grid, status and calendar period, with
// the closure, on-time closure and rework rates.
//
// Each indicator counts on the day of its own date: a case found in March and closed in April
// is "found" in March's row and "closed" in April's, so the rows always add up to the totals.
//
// Rollups of the grids at the top of a tree whose period is made of whole days (China
// Standard Time) read the summary table event_tallies, kept by TallyHook in the same
// transaction as every change to a case: a district's year reads its own few thousand cells,
// whatever the number of cases. A root's rollups come from its day and month cells; its
// children's from their month cells, with the days at the period's ends read from the cases.
// Other rollups (deeper grids, day or week rows below the root, status groupings, periods that
// start mid-day, viewers who see only part of the subtree's cases) run one grouped query over
// the cases the viewer may see.
package rollup

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventtally"
	"gridgov/internal/apperr"
)

// Group is what a rollup's rows are grouped by.
type Group string

// The groupings.
const (
	None      Group = "NONE"
	Category  Group = "CATEGORY"
	ChildGrid Group = "CHILD_GRID"
	Status    Group = "STATUS"
	Day       Group = "DAY"
	Week      Group = "WEEK"
	Month     Group = "MONTH"
)

// Counts are the indicators of one row.
type Counts struct {
	Key            string `json:"k"`
	SubKey         string `json:"k2"`
	Found          int    `json:"found"`
	Registered     int    `json:"registered"`
	Due            int    `json:"due"`
	Closed         int    `json:"-"`
	ClosedFixed    int    `json:"closed_fixed"`
	ClosedNotFixed int    `json:"closed_not_fixed"`
	ClosedOnTime   int    `json:"closed_on_time"`
	DueClosed      int    `json:"due_closed"`
	Overdue        int    `json:"overdue"`
	Reworked       int    `json:"reworked"`
	Escalated      int    `json:"escalated"`
	Voided         int    `json:"voided"`
}

// ClosureRate is closed / due: of the cases due in the period, the share closed (nil when
// nothing was due).
func (c Counts) ClosureRate() *float64 { return ratio(c.DueClosed, c.Due) }

// OnTimeClosureRate is closed on time / due.
func (c Counts) OnTimeClosureRate() *float64 { return ratio(c.ClosedOnTime, c.Due) }

// ReworkRate is reworked / closed: of the cases closed in the period, the share that was
// sent back for rework at least once.
func (c Counts) ReworkRate() *float64 { return ratio(c.Reworked, c.Closed) }

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

// plus adds o's counts to c's.
func (c *Counts) plus(o Counts) {
	c.Found += o.Found
	c.Registered += o.Registered
	c.Due += o.Due
	c.ClosedFixed += o.ClosedFixed
	c.ClosedNotFixed += o.ClosedNotFixed
	c.ClosedOnTime += o.ClosedOnTime
	c.DueClosed += o.DueClosed
	c.Overdue += o.Overdue
	c.Reworked += o.Reworked
	c.Escalated += o.Escalated
	c.Voided += o.Voided
	c.Closed = c.ClosedFixed + c.ClosedNotFixed
}

// Query is one rollup.
type Query struct {
	GridID   int
	From, To time.Time
	// GroupBy and ThenBy are the rows' first and second grouping (None for none).
	GroupBy, ThenBy Group
	Location        *time.Location // for day, week and month buckets; China Standard Time if nil
	Now             time.Time      // for "overdue"
	// CasesOnly makes the rollup read the cases even where the summary could answer; tests
	// use it to compare the two.
	CasesOnly bool
}

// Run computes the rollup: totals and, unless GroupBy is None, the rows, ordered by key.
// Cases are placed where they were found (their origin grid), so a case escalated upwards
// still counts for the grid that found it.
func Run(ctx context.Context, client *ent.Client, q Query) (Counts, []Counts, error) {
	if err := q.validate(); err != nil {
		return Counts{}, nil, err
	}
	g, err := Grid(ctx, client, q.GridID)
	if err != nil {
		return Counts{}, nil, err
	}
	return RunOn(ctx, client, g, q)
}

// RunOn is Run on the grid g, loaded by Grid, which q.GridID is ignored for.
func RunOn(ctx context.Context, client *ent.Client, g *ent.Grid, q Query) (Counts, []Counts, error) {
	if err := q.validate(); err != nil {
		return Counts{}, nil, err
	}
	var (
		rows []Counts
		err  error
	)
	if q.summarised(ctx, g.Path) {
		rows, err = fromSummary(ctx, client, g, q)
	} else {
		rows, err = fromCases(ctx, client, g.Path, q, []period{{q.From, q.To}})
	}
	if err != nil {
		return Counts{}, nil, err
	}
	totals := Counts{Key: "all"}
	for i := range rows {
		rows[i].Closed = rows[i].ClosedFixed + rows[i].ClosedNotFixed
		totals.plus(rows[i])
	}
	if q.GroupBy == None {
		return totals, nil, nil
	}
	return totals, rows, nil
}

// CheckPeriod checks a statistics period [from, to): not empty, at most ten years.
func CheckPeriod(from, to time.Time) error {
	if !to.After(from) {
		return apperr.Invalid("to", "to must be after from")
	}
	if to.Sub(from) > 3660*24*time.Hour {
		return apperr.Invalid("to", "a rollup spans at most ten years")
	}
	return nil
}

// Grid loads the grid a rollup is about, refused as authz.NotVisible when the viewer may not
// see it.
func Grid(ctx context.Context, client *ent.Client, id int) (*ent.Grid, error) {
	g, err := client.Grid.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(authz.FromContext(ctx), authz.ObjGrid, "gridID", id)
	}
	return g, err
}

// validate checks the period and the groupings and fills in defaults.
func (q *Query) validate() error {
	if err := CheckPeriod(q.From, q.To); err != nil {
		return err
	}
	if q.GroupBy == "" {
		q.GroupBy = None
	}
	if q.ThenBy == "" {
		q.ThenBy = None
	}
	if q.Location == nil {
		q.Location = tallyLoc
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	switch {
	case q.GroupBy == None && q.ThenBy != None:
		return apperr.Invalid("thenBy", "thenBy needs a groupBy")
	case q.ThenBy != None && q.ThenBy == q.GroupBy:
		return apperr.Invalid("thenBy", "thenBy must differ from groupBy")
	case isTime(q.GroupBy) && isTime(q.ThenBy):
		return apperr.Invalid("thenBy", "group by one calendar period at most (DAY, WEEK or MONTH)")
	}
	return nil
}

// groups are the query's groupings that are not None.
func (q Query) groups() []Group {
	var gs []Group
	for _, g := range []Group{q.GroupBy, q.ThenBy} {
		if g != None {
			gs = append(gs, g)
		}
	}
	return gs
}

// byDay reports whether the rows are grouped by day or week, which need day cells.
func (q Query) byDay() bool {
	return slices.ContainsFunc(q.groups(), func(g Group) bool { return g == Day || g == Week })
}

// summarised reports whether the summary can answer the rollup: the grid has cells (day
// cells, when rows are grouped by day or week), the viewer sees every case found under the
// grid, the period is made of whole days in the summary's zone, and no row is grouped by
// status (the summary does not keep it).
func (q Query) summarised(ctx context.Context, path string) bool {
	if q.CasesOnly || q.GroupBy == Status || q.ThenBy == Status {
		return false
	}
	if d := depth(path); d < 1 || d > monthDepth || (d > dayDepth && q.byDay()) {
		return false
	}
	if _, off := q.From.In(q.Location).Zone(); off != 8*3600 {
		return false
	}
	if !isMidnight(q.From) || !isMidnight(q.To) {
		return false
	}
	return authz.Allowed(ctx, path, authz.ObjEvent, authz.ActRead)
}

// isMidnight reports whether t is the start of a day in China Standard Time.
func isMidnight(t time.Time) bool {
	l := t.In(tallyLoc)
	return l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0
}

// span is a range of summary cells: grain, and day numbers [from, to).
type span struct {
	grain    byte
	from, to int32
}

// spans covers the days [from, to) with the fewest cells: whole months as month cells, the
// days before the first and after the last whole month as day cells. With days set, only day
// cells are used (day and week rows need them).
func spans(from, to int32, days bool) []span {
	if from >= to {
		return nil
	}
	if days {
		return []span{{grainDay, from, to}}
	}
	firstMonth := monthNumber(dayTime(from))
	if firstMonth < from {
		firstMonth = monthNumber(dayTime(from).AddDate(0, 1, 0))
	}
	lastMonth := monthNumber(dayTime(to)) // the month holding to; its days before to are day cells
	if firstMonth >= lastMonth {
		return []span{{grainDay, from, to}}
	}
	var out []span
	if from < firstMonth {
		out = append(out, span{grainDay, from, firstMonth})
	}
	out = append(out, span{grainMonth, firstMonth, lastMonth})
	if lastMonth < to {
		out = append(out, span{grainDay, lastMonth, to})
	}
	return out
}

// fromSummary answers the rollup from the summary cells of the grid: one plain grouped sum
// over the cells of the period, plus one small sum of the cells holding overdue cases when
// "overdue" needs other cells than the period's (the period holds today: overdue counts the
// days before it), and one small query for the cases that became overdue earlier today (the
// summary counts overdue cases by whole days).
func fromSummary(ctx context.Context, client *ent.Client, g *ent.Grid, q Query) ([]Counts, error) {
	sys := authz.SystemContext(ctx, "read the rollup summary of a grid the viewer may see whole")
	if depth(g.Path) > dayDepth {
		return fromMonths(sys, client, g, q)
	}
	from, to := dayNumber(q.From), dayNumber(q.To)
	today := dayNumber(q.Now)
	days := q.byDay()
	main := spans(from, to, days)
	overdue := spans(from, min(to, today), days)
	same := slices.Equal(main, overdue)

	counters := summedColumns
	if same {
		counters = append(slices.Clip(counters), eventtally.FieldDueOpen)
	}
	rows, err := sumCells(sys, client, g.ID, q, main, counters, false)
	if err != nil {
		return nil, fmt.Errorf("rollup of grid %d from the summary: %w", g.ID, err)
	}
	if !same && len(overdue) > 0 {
		late, err := sumCells(sys, client, g.ID, q, overdue, []string{eventtally.FieldDueOpen}, true)
		if err != nil {
			return nil, fmt.Errorf("rollup of grid %d from the summary: overdue: %w", g.ID, err)
		}
		rows = merge(rows, late)
	}
	// Cases whose deadline passed today, before now: the summary's day cell for today does
	// not know the time.
	lo, hi := maxTime(q.From, dayTime(today)), minTime(q.To, q.Now)
	late, err := overdueCases(sys, client, g, q, lo, hi)
	if err != nil {
		return nil, err
	}
	return sortRows(dropEmpty(merge(rows, late))), nil
}

// period is a range of time [from, to).
type period struct{ from, to time.Time }

// fromMonths answers the rollup of a grid that has month cells only: the period's whole
// months from the cells, the days before the first and after the last from the cases of the
// subtree, and "overdue" of the month holding today (whose cell does not know which of its
// deadlines have passed) from the open cases.
func fromMonths(sys context.Context, client *ent.Client, g *ent.Grid, q Query) ([]Counts, error) {
	var months []span
	var ends []period
	for _, sp := range spans(dayNumber(q.From), dayNumber(q.To), false) {
		if sp.grain == grainMonth {
			months = append(months, sp)
		} else {
			ends = append(ends, period{dayTime(sp.from), dayTime(sp.to)})
		}
	}
	if len(months) == 0 {
		return fromCases(sys, client, g.Path, q, ends)
	}
	m := months[0]
	// The months over by today (or by the period's end) count their overdue cases in their
	// cells; the later ones from the cases.
	doneUntil := min(max(monthNumber(dayTime(min(dayNumber(q.To), dayNumber(q.Now)))), m.from), m.to)
	counters := summedColumns
	if doneUntil == m.to {
		counters = append(slices.Clip(counters), eventtally.FieldDueOpen)
	}
	rows, err := sumCells(sys, client, g.ID, q, months, counters, false)
	if err != nil {
		return nil, fmt.Errorf("rollup of grid %d from the summary: %w", g.ID, err)
	}
	if doneUntil > m.from && doneUntil < m.to {
		late, err := sumCells(sys, client, g.ID, q, []span{{grainMonth, m.from, doneUntil}}, []string{eventtally.FieldDueOpen}, true)
		if err != nil {
			return nil, fmt.Errorf("rollup of grid %d from the summary: overdue: %w", g.ID, err)
		}
		rows = merge(rows, late)
	}
	late, err := overdueCases(sys, client, g, q, dayTime(doneUntil), minTime(dayTime(m.to), q.Now))
	if err != nil {
		return nil, err
	}
	rows = merge(rows, late)
	if len(ends) > 0 {
		edges, err := fromCases(sys, client, g.Path, q, ends)
		if err != nil {
			return nil, err
		}
		rows = merge(rows, edges)
	}
	return sortRows(dropEmpty(rows)), nil
}

// overdueCases counts, grouped as the rollup asks, the open cases found under g whose
// deadline falls in [lo, hi): the overdue cases the summary cells cannot tell, those whose
// deadline passed today before now (a day cell does not know the time) or, for a grid with
// month cells only, earlier in the current month.
func overdueCases(sys context.Context, client *ent.Client, g *ent.Grid, q Query, lo, hi time.Time) ([]Counts, error) {
	if !hi.After(lo) {
		return nil, nil
	}
	var late []Counts
	err := client.Event.Query().
		// The open statuses listed (not "not closed"), so that the (status, deadline) index
		// finds the deadlines directly.
		Where(event.OriginPathHasPrefix(g.Path), event.StatusIn(OpenStatuses...),
			event.DeadlineGTE(lo), event.DeadlineLT(hi)).
		Modify(func(s *sql.Selector) {
			k1 := caseKey(s, g.Path, q, q.GroupBy, s.C(event.FieldDeadline))
			k2 := caseKey(s, g.Path, q, q.ThenBy, s.C(event.FieldDeadline))
			s.Select(k1+" AS k", k2+" AS k2", "COUNT(*) AS overdue")
			groupBy(s, q, func(by Group) string { return caseKey(s, g.Path, q, by, s.C(event.FieldDeadline)) })
		}).
		Scan(sys, &late)
	if err != nil {
		return nil, fmt.Errorf("rollup of grid %d: overdue cases: %w", g.ID, err)
	}
	return late, nil
}

// summedColumns are the counters of every indicator but "overdue" (due_open), which counts
// from other cells when the period holds today.
var summedColumns = []string{
	eventtally.FieldFound, eventtally.FieldRegistered, eventtally.FieldDue,
	eventtally.FieldClosedFixed, eventtally.FieldClosedNotFixed, eventtally.FieldClosedOnTime,
	eventtally.FieldDueClosed, eventtally.FieldReworked, eventtally.FieldEscalated, eventtally.FieldVoided,
}

// cellSums is a row of a grouped sum over summary cells: the counts, and the groups' keys as
// the cells hold them (ids as integers, periods as text).
type cellSums struct {
	Counts
	ID1 int `json:"i1"`
	ID2 int `json:"i2"`
}

// sumCells sums the counters of the grid's summary cells in the spans, grouped by the query's
// groupings: a plain SUM … GROUP BY over the cells' own columns, which PostgreSQL can aggregate
// in a hash table. due_open is summed as "overdue". openOnly reads only the cells that hold
// open cases past their deadline day (the partial index event_tally_open finds them).
func sumCells(ctx context.Context, client *ent.Client, scope int, q Query, ss []span, counters []string, openOnly bool) ([]Counts, error) {
	if len(ss) == 0 {
		return nil, nil
	}
	var sums []cellSums
	err := client.EventTally.Query().
		Where(eventtally.ScopeID(scope)).
		Modify(func(s *sql.Selector) {
			var or []*sql.Predicate
			for _, sp := range ss {
				or = append(or, sql.And(sql.EQ(s.C(eventtally.FieldGrain), string(sp.grain)),
					sql.GTE(s.C(eventtally.FieldBucket), bucketOf(sp.from)), sql.LT(s.C(eventtally.FieldBucket), bucketOf(sp.to))))
			}
			s.Where(sql.Or(or...))
			// Integer sums: SUM of a bigint column is a numeric in PostgreSQL, whose wide state
			// makes the planner sort instead of hashing and costs more to add up and to read.
			sum := func(col, as string) string {
				return fmt.Sprintf("SUM(CAST(%s AS INTEGER)) AS %s", s.C(col), as)
			}
			cols := []string{}
			for i, g := range []Group{q.GroupBy, q.ThenBy} {
				if k, ok := summaryKey(s, g); ok {
					cols = append(cols, k+" AS "+keyAlias(g, i))
				}
			}
			for _, c := range counters {
				as := c
				if c == eventtally.FieldDueOpen {
					as = "overdue"
				}
				cols = append(cols, sum(c, as))
			}
			if openOnly {
				s.Where(sql.GT(s.C(eventtally.FieldDueOpen), 0))
			}
			s.Select(cols...)
			groupBy(s, q, func(g Group) string { k, _ := summaryKey(s, g); return k })
		}).
		Scan(ctx, &sums)
	if err != nil {
		return nil, err
	}
	rows := make([]Counts, len(sums))
	for i, c := range sums {
		rows[i] = c.Counts
		if isID(q.GroupBy) {
			rows[i].Key = idKey(c.ID1)
		}
		if isID(q.ThenBy) {
			rows[i].SubKey = idKey(c.ID2)
		}
	}
	return rows, nil
}

// keyAlias is the column alias of the i-th grouping's key in sumCells: i1/i2 for ids, k/k2
// for text.
func keyAlias(g Group, i int) string {
	switch {
	case isID(g) && i == 0:
		return "i1"
	case isID(g):
		return "i2"
	case i == 0:
		return "k"
	}
	return "k2"
}

// isID reports whether a grouping's summary key is a grid or category id.
func isID(g Group) bool { return g == Category || g == ChildGrid }

// idKey names an id group as the rollup's rows do: the id, or "" for child 0 (the cases found
// on the scope itself).
func idKey(id int) string {
	if id == 0 {
		return ""
	}
	return strconv.Itoa(id)
}

// OpenStatuses are the statuses of a case not yet closed or voided.
var OpenStatuses = []event.Status{event.StatusREPORTED, event.StatusREGISTERED, event.StatusDISPATCHED,
	event.StatusHANDLING, event.StatusHANDLED, event.StatusVERIFIED}

// summaryKey is the SQL expression of a summary cell's group, false for None: the cell's own
// column for ids and days, so that the sum groups on plain integers and short text.
func summaryKey(s *sql.Selector, group Group) (string, bool) {
	bucket := s.C(eventtally.FieldBucket)
	switch group {
	case Category:
		return s.C(eventtally.FieldCategoryID), true
	case ChildGrid:
		return s.C(eventtally.FieldChildID), true
	case Day:
		return bucket, true
	case Week:
		if s.Dialect() == dialect.Postgres {
			return fmt.Sprintf("to_char(date_trunc('week', CAST(%s AS date)), 'YYYY-MM-DD')", bucket), true
		}
		return fmt.Sprintf("strftime('%%Y-%%m-%%d', %s, 'weekday 0', '-6 days')", bucket), true
	case Month:
		return fmt.Sprintf("substr(%s, 1, 7)", bucket), true
	}
	return "", false
}

// The indicators' anchors in the query over the cases: each case is read once per anchor,
// and each indicator counts in the row of its own anchor's time.
const (
	anchorReported   = 1
	anchorRegistered = 2
	anchorDeadline   = 3
	anchorClosed     = 4
)

// fromCases answers the rollup with one grouped query over the cases the viewer may see,
// counting the indicators whose dates fall in the periods, parts of q's period that do not
// overlap (q's whole period, or the days at its ends that the summary does not hold).
func fromCases(ctx context.Context, client *ent.Client, path string, q Query, periods []period) ([]Counts, error) {
	var rows []Counts
	err := client.Event.Query().
		Where(event.OriginPathHasPrefix(path)).
		Modify(func(s *sql.Selector) {
			d := s.Dialect()
			s.AppendFromExpr(sql.Expr("(SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS anchors"))
			n := "anchors.n"
			at := fmt.Sprintf("(CASE %s WHEN %d THEN %s WHEN %d THEN %s WHEN %d THEN %s ELSE %s END)", n,
				anchorReported, s.C(event.FieldReportedAt), anchorRegistered, s.C(event.FieldRegisteredAt),
				anchorDeadline, s.C(event.FieldDeadline), s.C(event.FieldClosedAt))
			between := func(col string, from, to time.Time) string {
				return fmt.Sprintf("(%s >= %s AND %s < %s)", col, lit(d, from), col, lit(d, to))
			}
			is := func(anchor int) string { return fmt.Sprintf("%s = %d", n, anchor) }
			status := s.C(event.FieldStatus)
			closedStatus := fmt.Sprintf("%s IN ('CLOSED_FIXED','CLOSED_NOT_FIXED')", status)
			sum := func(as string, conds ...string) string {
				return fmt.Sprintf("COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) AS %s", strings.Join(conds, " AND "), as)
			}
			due := fmt.Sprintf("%s AND %s <> 'VOIDED'", is(anchorDeadline), status)
			closed := is(anchorClosed) + " AND " + closedStatus
			k1 := caseKey(s, path, q, q.GroupBy, at)
			k2 := caseKey(s, path, q, q.ThenBy, at)
			s.Select(
				k1+" AS k", k2+" AS k2",
				sum("found", is(anchorReported)),
				sum("registered", is(anchorRegistered)),
				sum("due", due),
				sum("closed_fixed", closed, status+" = 'CLOSED_FIXED'"),
				sum("closed_not_fixed", closed, status+" = 'CLOSED_NOT_FIXED'"),
				sum("closed_on_time", due, closedStatus, s.C(event.FieldClosedAt)+" <= "+s.C(event.FieldDeadline)),
				sum("due_closed", due, closedStatus),
				sum("overdue", is(anchorDeadline), status+" NOT IN ('CLOSED_FIXED','CLOSED_NOT_FIXED','VOIDED')",
					s.C(event.FieldDeadline)+" < "+lit(d, minTime(q.To, q.Now))),
				sum("reworked", closed, s.C(event.FieldReworkCount)+" > 0"),
				sum("escalated", is(anchorReported), s.C(event.FieldEscalationCount)+" > 0"),
				sum("voided", is(anchorReported), status+" = 'VOIDED'"),
			)
			// A case joins the rows of the anchors that fall in the periods.
			var in []string
			for _, p := range periods {
				in = append(in, between(at, p.from, p.to))
			}
			s.Where(sql.ExprP("(" + strings.Join(in, " OR ") + ")"))
			groupBy(s, q, func(g Group) string { return caseKey(s, path, q, g, at) })
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("rollup of %s: %w", path, err)
	}
	return sortRows(dropEmpty(rows)), nil
}

// caseKey is the SQL expression of a case's group; at is the time that places it in a day,
// week or month.
func caseKey(s *sql.Selector, path string, q Query, group Group, at string) string {
	d := s.Dialect()
	switch group {
	case Category:
		return fmt.Sprintf("CAST(%s AS VARCHAR(20))", s.C(event.FieldCategoryID))
	case Status:
		return s.C(event.FieldStatus)
	case ChildGrid:
		return ChildKey(s, path, s.C(event.FieldOriginPath))
	case Day, Week, Month:
		offset := tzOffset(q.Location)
		if d == dialect.Postgres {
			local := fmt.Sprintf("(%s + interval '%d seconds')", at, offset)
			switch group {
			case Day:
				return fmt.Sprintf("to_char(%s, 'YYYY-MM-DD')", local)
			case Week:
				return fmt.Sprintf("to_char(date_trunc('week', %s), 'YYYY-MM-DD')", local)
			default:
				return fmt.Sprintf("to_char(%s, 'YYYY-MM')", local)
			}
		}
		mod := fmt.Sprintf("'%+d seconds'", offset)
		switch group {
		case Day:
			return fmt.Sprintf("strftime('%%Y-%%m-%%d', %s, %s)", at, mod)
		case Week:
			// A week is named by its Monday, as date_trunc('week') does on PostgreSQL.
			return fmt.Sprintf("strftime('%%Y-%%m-%%d', %s, %s, 'weekday 0', '-6 days')", at, mod)
		default:
			return fmt.Sprintf("strftime('%%Y-%%m', %s, %s)", at, mod)
		}
	}
	return "''"
}

// groupBy groups the selector by the query's groupings (PostgreSQL refuses to group by a
// constant, so the absent ones are left out).
func groupBy(s *sql.Selector, q Query, key func(Group) string) {
	var keys []string
	for _, g := range q.groups() {
		keys = append(keys, key(g))
	}
	if len(keys) > 0 {
		s.GroupBy(keys...)
	}
}

// ChildKey is the SQL expression naming, for a path column under the grid at path, the child
// of that grid it lies under: the id after the grid's path (/1/4/17/ under /1/ → "4"), or ""
// for the grid itself.
func ChildKey(s *sql.Selector, path, column string) string {
	rest := fmt.Sprintf("substr(%s, %d)", column, len(path)+1)
	if s.Dialect() == dialect.Postgres {
		return fmt.Sprintf("split_part(%s, '/', 1)", rest)
	}
	return fmt.Sprintf("substr(%s, 1, instr(%s, '/') - 1)", rest, rest)
}

// merge adds the rows of b into a, matching them by key.
func merge(a, b []Counts) []Counts {
	at := map[[2]string]int{}
	for i, r := range a {
		at[[2]string{r.Key, r.SubKey}] = i
	}
	for _, r := range b {
		if i, ok := at[[2]string{r.Key, r.SubKey}]; ok {
			a[i].plus(r)
			continue
		}
		a = append(a, r)
	}
	return a
}

// dropEmpty removes rows whose every count is zero (a summary cell can be left at zero when
// its cases moved away).
func dropEmpty(rows []Counts) []Counts {
	return slices.DeleteFunc(rows, func(r Counts) bool {
		k := r
		k.Key, k.SubKey = "", ""
		return k == Counts{}
	})
}

// sortRows orders rows by key, then sub-key.
func sortRows(rows []Counts) []Counts {
	slices.SortFunc(rows, func(a, b Counts) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.SubKey, b.SubKey)
	})
	return rows
}

// lit renders a time as an SQL literal in the format the dialect stores. The values are
// produced here, never taken from a client's text, so inlining them is safe.
func lit(d string, t time.Time) string {
	t = t.UTC()
	if d == dialect.Postgres {
		return "'" + t.Format("2006-01-02 15:04:05.999999") + "+00'::timestamptz"
	}
	// modernc.org/sqlite stores times as "2006-01-02 15:04:05.999999999-07:00".
	return "'" + t.Format("2006-01-02 15:04:05.999999999-07:00") + "'"
}

func minTime(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// tzOffset is the zone's offset from UTC in seconds (China has no daylight saving time).
func tzOffset(loc *time.Location) int {
	if loc == nil {
		return 8 * 3600
	}
	_, off := time.Now().In(loc).Zone()
	return off
}

// ParseID reads a numeric group key.
func ParseID(k string) (int, bool) {
	id, err := strconv.Atoi(strings.TrimSpace(k))
	return id, err == nil
}

// isTime reports whether group buckets by calendar period.
func isTime(group Group) bool { return group == Day || group == Week || group == Month }
