package dailywork

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/dailyreport"
	"gridgov/ent/patrol"
	"gridgov/internal/rollup"
	"gridgov/internal/roster"
	"gridgov/internal/workcal"
)

// WorkRow is the daily work under one child grid of a rollup's grid ("" for work on the grid
// itself).
type WorkRow struct {
	Key string `json:"k"`
	// ReportsDue counts, for each working day of the period, the grid heads and patrollers
	// under the child at the end of the day (owesDailyWork); ReportsFiled those of them who
	// filed that day's report.
	ReportsDue, ReportsFiled int     `json:"-"`
	Patrols                  int     `json:"patrols"`
	PatrolMeters             float64 `json:"meters"`
}

// ComplianceRate is reports filed / reports due (nil when none was due).
func (r WorkRow) ComplianceRate() *float64 {
	if r.ReportsDue == 0 {
		return nil
	}
	v := float64(r.ReportsFiled) / float64(r.ReportsDue)
	return &v
}

// RoleCount is how many people hold a role.
type RoleCount struct {
	Role   assignment.Role `json:"role"`
	People int             `json:"people"`
}

// WorkRollup is the daily work under a grid in a period.
type WorkRollup struct {
	Totals WorkRow
	Rows   []WorkRow
	// PeopleByRole counts the people holding each role under the grid at the end of the
	// period (or now, if that is earlier).
	PeopleByRole []RoleCount
}

// Rollup computes the daily-work rollup of gridID for [from, to): daily-report compliance on
// working days and patrol counts per child grid, and people per role. The viewer's scope
// applies to the people, reports and patrols counted. A constant number of queries, whatever
// the size of the subtree.
func (s *Service) Rollup(ctx context.Context, client *ent.Client, gridID int, from, to time.Time) (*WorkRollup, error) {
	if err := rollup.CheckPeriod(from, to); err != nil {
		return nil, err
	}
	g, err := rollup.Grid(ctx, client, gridID)
	if err != nil {
		return nil, err
	}
	rows := map[string]*WorkRow{}
	row := func(k string) *WorkRow {
		if rows[k] == nil {
			rows[k] = &WorkRow{Key: k}
		}
		return rows[k]
	}
	if err := s.reports(ctx, client, g.Path, from, to, row); err != nil {
		return nil, err
	}
	var patrols []WorkRow
	err = client.Patrol.Query().
		Where(patrol.GridPathHasPrefix(g.Path), patrol.StartedAtGTE(from), patrol.StartedAtLT(to)).
		Modify(func(sel *sql.Selector) {
			k := rollup.ChildKey(sel, g.Path, sel.C(patrol.FieldGridPath))
			sel.Select(k+" AS k", "COUNT(*) AS patrols", fmt.Sprintf("COALESCE(SUM(%s), 0) AS meters", sel.C(patrol.FieldDistanceM))).GroupBy(k)
		}).
		Scan(ctx, &patrols)
	if err != nil {
		return nil, fmt.Errorf("work rollup of grid %d: patrols: %w", gridID, err)
	}
	for _, p := range patrols {
		r := row(p.Key)
		r.Patrols, r.PatrolMeters = p.Patrols, p.PatrolMeters
	}

	out := &WorkRollup{}
	at := to.Add(-time.Nanosecond)
	if now := s.Now(); now.Before(at) {
		at = now
	}
	err = client.Assignment.Query().
		Where(assignment.GridPathHasPrefix(g.Path), roster.HeldAt(at)).
		GroupBy(assignment.FieldRole).
		Aggregate(func(sel *sql.Selector) string {
			return sql.As(fmt.Sprintf("COUNT(DISTINCT %s)", sel.C(assignment.FieldPersonID)), "people")
		}).
		Scan(ctx, &out.PeopleByRole)
	if err != nil {
		return nil, fmt.Errorf("work rollup of grid %d: people per role: %w", gridID, err)
	}
	slices.SortFunc(out.PeopleByRole, func(a, b RoleCount) int { return strings.Compare(string(a.Role), string(b.Role)) })

	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
		out.Totals.ReportsDue += r.ReportsDue
		out.Totals.ReportsFiled += r.ReportsFiled
		out.Totals.Patrols += r.Patrols
		out.Totals.PatrolMeters += r.PatrolMeters
	}
	out.Totals.Key = "all"
	slices.SortFunc(out.Rows, func(a, b WorkRow) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// reports counts the daily reports due and filed per child grid: one query for the
// report-owing assignments of the period, one for the reports filed in it.
func (s *Service) reports(ctx context.Context, client *ent.Client, path string, from, to time.Time, row func(string) *WorkRow) error {
	duties, err := client.Assignment.Query().
		Where(assignment.GridPathHasPrefix(path), owesDailyWork(),
			assignment.ValidFromLT(to), assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(from))).
		Select(assignment.FieldPersonID, assignment.FieldGridPath, assignment.FieldValidFrom, assignment.FieldValidTo).
		All(ctx)
	if err != nil {
		return fmt.Errorf("work rollup: report-owing roles: %w", err)
	}
	loc := s.cal().Location()
	firstDay, lastDay := workcal.LocalDay(from, loc), workcal.LocalDay(to.Add(-time.Nanosecond), loc)
	var filed []personDay
	err = client.DailyReport.Query().
		Where(dailyreport.GridPathHasPrefix(path), dailyreport.DayGTE(firstDay), dailyreport.DayLTE(lastDay)).
		Select(dailyreport.FieldPersonID, dailyreport.FieldDay).
		Scan(ctx, &filed)
	if err != nil {
		return fmt.Errorf("work rollup: reports filed: %w", err)
	}
	done := map[personDay]bool{}
	for _, f := range filed {
		done[f] = true
	}
	// Walk the period's days; a day is owed by each person holding a duty at its end, once
	// even if they hold several.
	for day := time.Date(from.In(loc).Year(), from.In(loc).Month(), from.In(loc).Day(), 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		if !s.cal().IsWorkingDay(day) {
			continue
		}
		end := day.AddDate(0, 0, 1).Add(-time.Second)
		name := day.Format(time.DateOnly)
		owed := map[int]bool{}
		for _, a := range duties {
			if owed[a.PersonID] || a.ValidFrom.After(end) || (a.ValidTo != nil && !a.ValidTo.After(end)) {
				continue
			}
			owed[a.PersonID] = true
			r := row(childOf(path, a.GridPath))
			r.ReportsDue++
			if done[personDay{a.PersonID, name}] {
				r.ReportsFiled++
			}
		}
	}
	return nil
}

// personDay is a person's report for a day (YYYY-MM-DD).
type personDay struct {
	PersonID int    `json:"person_id"`
	Day      string `json:"day"`
}

// childOf is the id (as text) of the child of the grid at path on the way to the grid at
// descendant: /1/4/17/ under /1/ → "4"; "" when descendant is path itself.
func childOf(path, descendant string) string {
	rest := strings.TrimPrefix(descendant, path)
	child, _, _ := strings.Cut(rest, "/")
	return child
}
