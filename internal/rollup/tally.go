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
	gen "gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventtally"
	"gridgov/ent/hook"

	"entgo.io/ent"
)

// The summary: every case adds counts to cells of event_tallies, one cell per (scope grid,
// child of the scope on the case's origin path, category, day or month). A case contributes
// to the grids at the top of its origin path only, so that the summary holds well under one
// cell per case (a cell per grid on the path and per day was seven per case at district
// scale, 3.4 GB for a million cases):
//
//   - the root (depth 1) has day and month cells: its rollups, the largest, are answered from
//     the summary for any whole-day period and any grouping but status;
//   - its children (depth 2, the sub-districts of a district, the districts of a city) have
//     month cells: whole months come from the summary, the days at the period's ends and day
//     or week rows from the cases of their subtree (a sub-district holds a fifteenth of a
//     district's cases);
//   - deeper grids have no cells: their rollups read their own cases, a few thousand;
//   - the root and its children also have status cells (grain S, bucket the status): how
//     many of the cases under each child are in each status now, whatever their dates, so
//     that an administrator's list of a whole city counts its cases from a few hundred cells
//     instead of millions of rows (CountCases).
//
// Each indicator is counted on the day of its own date: found on the day it was reported,
// closed on the day it was closed, due on its deadline.

// dayDepth and monthDepth are the depths (1 for a root) down to which grids keep day cells
// and month cells.
const (
	dayDepth   = 1
	monthDepth = 2
)

// tallyLoc is the time zone of the summary's days and months: China Standard Time (no
// daylight saving time), the zone of the work calendar.
var tallyLoc = time.FixedZone("CST", 8*3600)

// Grains of the summary.
const (
	grainDay    = 'D'
	grainMonth  = 'M'
	grainStatus = 'S'
)

// statusBuckets are the statuses in the order of a status cell's number (cell.day): the
// bucket column holds the status itself. TestStatusBucketsComplete checks it against the
// schema's list.
var statusBuckets = []string{
	string(event.StatusREPORTED), string(event.StatusREGISTERED), string(event.StatusDISPATCHED),
	string(event.StatusHANDLING), string(event.StatusHANDLED), string(event.StatusVERIFIED),
	string(event.StatusCLOSED_FIXED), string(event.StatusCLOSED_NOT_FIXED), string(event.StatusVOIDED),
}

// statusNumber is the number of a status among statusBuckets, -1 for none.
func statusNumber(status string) int32 { return int32(slices.Index(statusBuckets, status)) }

// The counters of a cell, in the order of counterColumns.
const (
	nFound = iota
	nRegistered
	nDue
	nDueClosed
	nDueOpen
	nClosedOnTime
	nClosedFixed
	nClosedNotFixed
	nReworked
	nEscalated
	nVoided
	nCounters
)

// counterColumns names the counters' columns.
var counterColumns = [nCounters]string{
	eventtally.FieldFound, eventtally.FieldRegistered, eventtally.FieldDue, eventtally.FieldDueClosed,
	eventtally.FieldDueOpen, eventtally.FieldClosedOnTime, eventtally.FieldClosedFixed,
	eventtally.FieldClosedNotFixed, eventtally.FieldReworked, eventtally.FieldEscalated, eventtally.FieldVoided,
}

// cell identifies a row of event_tallies. day is the day number (days since 1970-01-01 in
// China Standard Time), for a month its first day, for a status cell the status's number.
type cell struct {
	scope, child, category int
	grain                  byte
	day                    int32
}

// counters are a cell's counts.
type counters [nCounters]int32

// cells accumulates counts per cell.
type cells map[cell]counters

// caseFacts are the fields of a case its contribution depends on.
type caseFacts struct {
	ID              int        `json:"id"`
	OriginPath      string     `json:"origin_path"`
	CategoryID      int        `json:"category_id"`
	Status          string     `json:"status"`
	ReportedAt      time.Time  `json:"reported_at"`
	RegisteredAt    *time.Time `json:"registered_at"`
	Deadline        *time.Time `json:"deadline"`
	ClosedAt        *time.Time `json:"closed_at"`
	ReworkCount     int        `json:"rework_count"`
	EscalationCount int        `json:"escalation_count"`
}

// factColumns are the columns loaded into caseFacts.
var factColumns = []string{
	event.FieldID, event.FieldOriginPath, event.FieldCategoryID, event.FieldStatus, event.FieldReportedAt,
	event.FieldRegisteredAt, event.FieldDeadline, event.FieldClosedAt, event.FieldReworkCount, event.FieldEscalationCount,
}

// isClosed reports whether a status is one of the two closed ones.
func isClosed(status string) bool {
	return status == string(event.StatusCLOSED_FIXED) || status == string(event.StatusCLOSED_NOT_FIXED)
}

// anchor is one count a case makes on the day of a time.
type anchor struct {
	at      time.Time
	counter int
}

// anchors lists the counts a case makes, each with the time that places it. They mirror the
// indicators' definitions in rollup.go's raw query.
func (f caseFacts) anchors() []anchor {
	voided := f.Status == string(event.StatusVOIDED)
	closed := isClosed(f.Status)
	a := []anchor{{f.ReportedAt, nFound}}
	if f.EscalationCount > 0 {
		a = append(a, anchor{f.ReportedAt, nEscalated})
	}
	if voided {
		a = append(a, anchor{f.ReportedAt, nVoided})
	}
	if f.RegisteredAt != nil {
		a = append(a, anchor{*f.RegisteredAt, nRegistered})
	}
	if f.Deadline != nil && !voided {
		d := *f.Deadline
		a = append(a, anchor{d, nDue})
		switch {
		case closed:
			a = append(a, anchor{d, nDueClosed})
			if f.ClosedAt != nil && !f.ClosedAt.After(d) {
				a = append(a, anchor{d, nClosedOnTime})
			}
		default:
			a = append(a, anchor{d, nDueOpen})
		}
	}
	if f.ClosedAt != nil && closed {
		c := *f.ClosedAt
		if f.Status == string(event.StatusCLOSED_FIXED) {
			a = append(a, anchor{c, nClosedFixed})
		} else {
			a = append(a, anchor{c, nClosedNotFixed})
		}
		if f.ReworkCount > 0 {
			a = append(a, anchor{c, nReworked})
		}
	}
	return a
}

// add adds sign times the case's counts to every cell it touches: the day and the month of
// each count for the root of its origin path, the month for the root's child on it, and the
// case's status for both.
func (c cells) add(f caseFacts, sign int32) {
	path := pathIDs(f.OriginPath)
	scopes := path[:min(len(path), monthDepth)]
	childOf := func(i int) int {
		if i+1 < len(path) {
			return path[i+1]
		}
		return 0
	}
	for _, a := range f.anchors() {
		day, month := dayNumber(a.at), monthNumber(a.at)
		for i, scope := range scopes {
			c.bump(cell{scope, childOf(i), f.CategoryID, grainMonth, month}, a.counter, sign)
			if i < dayDepth {
				c.bump(cell{scope, childOf(i), f.CategoryID, grainDay, day}, a.counter, sign)
			}
		}
	}
	if n := statusNumber(f.Status); n >= 0 {
		for i, scope := range scopes {
			c.bump(cell{scope, childOf(i), f.CategoryID, grainStatus, n}, nFound, sign)
		}
	}
}

// bump adds sign to one counter of a cell.
func (c cells) bump(k cell, counter int, sign int32) {
	v := c[k]
	v[counter] += sign
	c[k] = v
}

// depth is the depth of a grid in its tree: 1 for a root (/1/), 2 for its children (/1/4/).
func depth(path string) int { return strings.Count(path, "/") - 1 }

// dropZero removes the cells whose counts are all zero.
func (c cells) dropZero() {
	for k, v := range c {
		if v == (counters{}) {
			delete(c, k)
		}
	}
}

// sortedKeys returns the cells in a fixed order, so that concurrent transactions lock rows in
// the same order and cannot deadlock on them.
func (c cells) sortedKeys() []cell {
	keys := make([]cell, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cell) int {
		switch {
		case a.scope != b.scope:
			return a.scope - b.scope
		case a.grain != b.grain:
			return int(a.grain) - int(b.grain)
		case a.day != b.day:
			return int(a.day - b.day)
		case a.child != b.child:
			return a.child - b.child
		}
		return a.category - b.category
	})
	return keys
}

// pathIDs reads the grid ids of a path: "/1/4/17/" → 1, 4, 17.
func pathIDs(path string) []int {
	var ids []int
	for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.Atoi(s); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// epochDay is day 0 of the day numbers.
var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, tallyLoc)

// dayNumber is the number of the day t falls on in China Standard Time.
func dayNumber(t time.Time) int32 {
	l := t.In(tallyLoc)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, tallyLoc)
	return int32(d.Sub(epochDay).Hours() / 24)
}

// monthNumber is the day number of the first day of t's month.
func monthNumber(t time.Time) int32 {
	l := t.In(tallyLoc)
	return dayNumber(time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, tallyLoc))
}

// dayTime is the start of a day number.
func dayTime(n int32) time.Time { return epochDay.AddDate(0, 0, int(n)) }

// bucket renders the cell's day or status as the bucket column holds it.
func (k cell) bucket() string {
	if k.grain == grainStatus {
		return statusBuckets[k.day]
	}
	return bucketOf(k.day)
}

// bucketOf renders a day number as the bucket column holds it.
func bucketOf(n int32) string { return dayTime(n).Format(time.DateOnly) }

// parseBucket reads a bucket of the grain back into a day or status number.
func parseBucket(grain byte, s string) (int32, error) {
	if grain == grainStatus {
		if n := statusNumber(s); n >= 0 {
			return n, nil
		}
		return 0, fmt.Errorf("unknown status %q", s)
	}
	t, err := time.ParseInLocation(time.DateOnly, s, tallyLoc)
	if err != nil {
		return 0, err
	}
	return dayNumber(t), nil
}

// TallyHook keeps the summary in step with every change to a case, in the change's own
// transaction: it loads the changed cases before and after the change and applies the
// difference of their counts. It covers creates, workflow steps, deletes and the bulk path
// rewrite of a subtree move alike.
func TallyHook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.EventFunc(func(ctx context.Context, m *gen.EventMutation) (ent.Value, error) {
			sys := authz.SystemContext(ctx, "keep the rollup summary in step with cases")
			client := m.Client()
			var before []caseFacts
			var ids []int
			if !m.Op().Is(ent.OpCreate) {
				var err error
				if ids, err = m.IDs(sys); err != nil {
					return nil, fmt.Errorf("rollup summary: cases to change: %w", err)
				}
				// Locked, so that the counts taken away are those the change replaces even
				// when another transaction (a workflow step, a move's rewrite of origin
				// paths) changes the same cases at the same time.
				if before, err = loadFacts(sys, client, ids, true); err != nil {
					return nil, err
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if m.Op().Is(ent.OpCreate) {
				id, ok := m.ID()
				if !ok {
					return v, fmt.Errorf("rollup summary: created case has no id")
				}
				ids = []int{id}
			}
			var after []caseFacts
			if !m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
				if after, err = loadFacts(sys, client, ids, false); err != nil {
					return v, err
				}
			}
			delta := cells{}
			for _, f := range before {
				delta.add(f, -1)
			}
			for _, f := range after {
				delta.add(f, 1)
			}
			delta.dropZero()
			return v, applyDelta(sys, client, delta)
		})
	}
}

// loadFacts loads the facts of the cases with the given ids, in chunks that stay below the
// databases' limits on bound parameters; lock locks their rows FOR UPDATE on PostgreSQL
// (SQLite's writers run one at a time), in id order.
func loadFacts(ctx context.Context, client *gen.Client, ids []int, lock bool) ([]caseFacts, error) {
	var out []caseFacts
	for chunk := range slices.Chunk(ids, 5000) {
		var facts []caseFacts
		q := client.Event.Query().Where(event.IDIn(chunk...)).Order(gen.Asc(event.FieldID)).Modify(func(s *sql.Selector) {
			if lock && s.Dialect() == dialect.Postgres {
				s.ForUpdate()
			}
		})
		if err := q.Select(factColumns...).Scan(ctx, &facts); err != nil {
			return nil, fmt.Errorf("rollup summary: load cases: %w", err)
		}
		out = append(out, facts...)
	}
	return out, nil
}

// applyDelta adds the counts to their cells, creating missing cells.
func applyDelta(ctx context.Context, client *gen.Client, delta cells) error {
	keys := delta.sortedKeys()
	for chunk := range slices.Chunk(keys, 500) {
		builders := make([]*gen.EventTallyCreate, len(chunk))
		for i, k := range chunk {
			builders[i] = newTally(client, k, delta[k])
		}
		err := client.EventTally.CreateBulk(builders...).
			OnConflict(
				sql.ConflictColumns(eventtally.FieldScopeID, eventtally.FieldGrain, eventtally.FieldBucket, eventtally.FieldChildID, eventtally.FieldCategoryID),
				sql.ResolveWith(func(u *sql.UpdateSet) {
					for _, col := range counterColumns {
						u.Set(col, sql.Expr(u.Table().C(col)+" + excluded."+col))
					}
				}),
			).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup summary: update cells: %w", err)
		}
	}
	return nil
}

// newTally is the create builder of a cell with the given counts.
func newTally(client *gen.Client, k cell, v counters) *gen.EventTallyCreate {
	return client.EventTally.Create().
		SetScopeID(k.scope).SetChildID(k.child).SetCategoryID(k.category).
		SetGrain(string(k.grain)).SetBucket(k.bucket()).
		SetFound(int(v[nFound])).SetRegistered(int(v[nRegistered])).SetDue(int(v[nDue])).
		SetDueClosed(int(v[nDueClosed])).SetDueOpen(int(v[nDueOpen])).SetClosedOnTime(int(v[nClosedOnTime])).
		SetClosedFixed(int(v[nClosedFixed])).SetClosedNotFixed(int(v[nClosedNotFixed])).
		SetReworked(int(v[nReworked])).SetEscalated(int(v[nEscalated])).SetVoided(int(v[nVoided]))
}
