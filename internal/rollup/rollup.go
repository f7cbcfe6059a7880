// Package rollup answers district statistics over any subtree and period: cases found,
// registered, due, closed (fixed / not fixed), closed on time, overdue, reworked, escalated
// and voided, grouped by category, child grid, status or calendar period, with the closure,
// on-time closure and rework rates. Each rollup is one grouped query over the cases the
// viewer may see.
package rollup

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
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
	Found          int    `json:"found"`
	Registered     int    `json:"registered"`
	Due            int    `json:"due"`
	Closed         int    `json:"closed"`
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

// Query is one rollup.
type Query struct {
	GridID   int
	From, To time.Time
	GroupBy  Group
	Location *time.Location // for day, week and month buckets
	Now      time.Time      // for "overdue"
}

// Run computes the rollup: totals and, unless GroupBy is None, one row per group. Cases are
// placed where they were found (their origin grid), so a case escalated upwards still counts
// for the grid that found it.
func Run(ctx context.Context, client *ent.Client, q Query) (Counts, []Counts, error) {
	if !q.To.After(q.From) {
		return Counts{}, nil, apperr.Invalid("to", "to must be after from")
	}
	if q.To.Sub(q.From) > 3660*24*time.Hour {
		return Counts{}, nil, apperr.Invalid("to", "a rollup spans at most ten years")
	}
	g, err := client.Grid.Get(ctx, q.GridID)
	if ent.IsNotFound(err) {
		return Counts{}, nil, authz.NotVisible(authz.FromContext(ctx), authz.ObjGrid, "gridID", q.GridID)
	}
	if err != nil {
		return Counts{}, nil, err
	}
	totals, err := run(ctx, client, g.Path, q, None)
	if err != nil {
		return Counts{}, nil, err
	}
	var t Counts
	if len(totals) == 1 {
		t = totals[0]
	}
	if q.GroupBy == None || q.GroupBy == "" {
		return t, nil, nil
	}
	rows, err := run(ctx, client, g.Path, q, q.GroupBy)
	return t, rows, err
}

func run(ctx context.Context, client *ent.Client, path string, q Query, group Group) ([]Counts, error) {
	var rows []Counts
	err := client.Event.Query().
		Where(event.OriginPathHasPrefix(path)).
		Modify(func(s *sql.Selector) {
			d := s.Dialect()
			in := func(col string) string {
				return fmt.Sprintf("(%s >= %s AND %s < %s)", s.C(col), lit(d, q.From), s.C(col), lit(d, q.To))
			}
			status := s.C(event.FieldStatus)
			closedStatus := fmt.Sprintf("%s IN ('CLOSED_FIXED','CLOSED_NOT_FIXED')", status)
			sum := func(cond string) string { return fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END)", cond) }
			found := in(event.FieldReportedAt)
			due := fmt.Sprintf("(%s AND %s <> 'VOIDED')", in(event.FieldDeadline), status)
			closed := fmt.Sprintf("(%s AND %s)", in(event.FieldClosedAt), closedStatus)
			as := func(expr, name string) string { return expr + " AS " + name }
			cols := []string{
				as(sum(found), "found"),
				as(sum(in(event.FieldRegisteredAt)), "registered"),
				as(sum(due), "due"),
				as(sum(closed), "closed"),
				as(sum(closed+" AND "+status+" = 'CLOSED_FIXED'"), "closed_fixed"),
				as(sum(closed+" AND "+status+" = 'CLOSED_NOT_FIXED'"), "closed_not_fixed"),
				as(sum(fmt.Sprintf("%s AND %s AND %s <= %s", due, closedStatus, s.C(event.FieldClosedAt), s.C(event.FieldDeadline))), "closed_on_time"),
				as(sum(fmt.Sprintf("%s AND %s", due, closedStatus)), "due_closed"),
				as(sum(fmt.Sprintf("%s NOT IN ('CLOSED_FIXED','CLOSED_NOT_FIXED','VOIDED') AND %s < %s AND %s >= %s",
					status, s.C(event.FieldDeadline), lit(d, minTime(q.To, q.Now)), s.C(event.FieldDeadline), lit(d, q.From))), "overdue"),
				as(sum(closed+" AND "+s.C(event.FieldReworkCount)+" > 0"), "reworked"),
				as(sum(found+" AND "+s.C(event.FieldEscalationCount)+" > 0"), "escalated"),
				as(sum(found+" AND "+status+" = 'VOIDED'"), "voided"),
			}
			// Only cases that touch the period: found, registered, due or closed in it. Time
			// groupings bucket cases by the day they were found, so they keep the found ones.
			if isTime(group) {
				s.Where(sql.ExprP(found))
			} else {
				s.Where(sql.ExprP(fmt.Sprintf("(%s OR %s OR %s OR %s)", found, in(event.FieldRegisteredAt), in(event.FieldDeadline), in(event.FieldClosedAt))))
			}
			key := groupKey(s, d, path, q, group)
			s.Select(append([]string{as(key, "k")}, cols...)...)
			if group != None {
				s.GroupBy(key).OrderBy(key)
			}
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("rollup of %s by %s: %w", path, group, err)
	}
	return rows, nil
}

// groupKey is the SQL expression of a row's group.
func groupKey(s *sql.Selector, d, path string, q Query, group Group) string {
	offset := tzOffset(q.Location)
	switch group {
	case Category:
		return fmt.Sprintf("CAST(%s AS VARCHAR(20))", s.C(event.FieldCategoryID))
	case Status:
		return s.C(event.FieldStatus)
	case ChildGrid:
		// The id after the parent's path in the origin path: /1/4/17/… under /1/ → "4".
		rest := fmt.Sprintf("substr(%s, %d)", s.C(event.FieldOriginPath), len(path)+1)
		if d == dialect.Postgres {
			return fmt.Sprintf("split_part(%s, '/', 1)", rest)
		}
		return fmt.Sprintf("substr(%s, 1, instr(%s, '/') - 1)", rest, rest)
	case Day, Week, Month:
		col := s.C(event.FieldReportedAt)
		if d == dialect.Postgres {
			local := fmt.Sprintf("(%s + interval '%d seconds')", col, offset)
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
			return fmt.Sprintf("strftime('%%Y-%%m-%%d', %s, %s)", col, mod)
		case Week:
			// A week is named by its Monday, as date_trunc('week') does on PostgreSQL.
			return fmt.Sprintf("strftime('%%Y-%%m-%%d', %s, %s, 'weekday 0', '-6 days')", col, mod)
		default:
			return fmt.Sprintf("strftime('%%Y-%%m', %s, %s)", col, mod)
		}
	}
	return "'all'"
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
