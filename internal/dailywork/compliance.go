package dailywork

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/dailyreport"
	"gridgov/ent/event"
	"gridgov/ent/household"
	"gridgov/ent/patrol"
	"gridgov/ent/person"
	"gridgov/ent/predicate"
	"gridgov/ent/visit"
	"gridgov/internal/apperr"
	"gridgov/internal/roster"
)

// DayBounds returns the UTC instants that begin and end day (YYYY-MM-DD) in the calendar's
// time zone.
func (s *Service) DayBounds(day string) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, s.cal().Location())
	if err != nil || d.Format(time.DateOnly) != day {
		return time.Time{}, time.Time{}, apperr.Invalid("day", "day must be a date YYYY-MM-DD, got %q", day)
	}
	return d.UTC(), d.AddDate(0, 0, 1).UTC(), nil
}

// dutyHolders returns the people holding, at the end of day, a role under path that obliges
// them to the daily work in question.
func dutyHolders(ctx context.Context, client *ent.Client, path string, at time.Time, duty predicate.Assignment) ([]int, error) {
	return client.Assignment.Query().
		Where(assignment.GridPathHasPrefix(path), roster.HeldAt(at), duty).
		Unique(true).Select(assignment.FieldPersonID).Ints(ctx)
}

// owesDailyWork selects the assignments that owe the daily patrol and report (日查日报): grid
// heads and patrollers (网格员, specific-responsible staff on patrol duty). Cleaners,
// household representatives and the other specific duties do not file daily reports.
func owesDailyWork() predicate.Assignment {
	return assignment.Or(assignment.RoleEQ(assignment.RoleGRID_HEAD), assignment.DutyEQ(assignment.DutyPATROLLER))
}

// MissingReports lists the grid heads and patrollers under gridID who filed no daily report
// for day at a grid under gridID: a report filed elsewhere is outside the viewer's scope and
// must not show through.
func (s *Service) MissingReports(ctx context.Context, client *ent.Client, gridID int, day string) ([]*ent.Person, error) {
	path, err := subtree(ctx, client, gridID)
	if err != nil {
		return nil, err
	}
	_, end, err := s.DayBounds(day)
	if err != nil {
		return nil, err
	}
	ids, err := dutyHolders(ctx, client, path, end.Add(-time.Second), owesDailyWork())
	if err != nil {
		return nil, err
	}
	filed, err := client.DailyReport.Query().Where(dailyreport.PersonIDIn(ids...), dailyreport.Day(day), dailyreport.GridPathHasPrefix(path)).
		Select(dailyreport.FieldPersonID).Ints(authz.SystemContext(ctx, "who filed a report"))
	if err != nil {
		return nil, err
	}
	return peopleExcept(ctx, client, ids, filed)
}

// MissingPatrols lists the grid heads and patrollers under gridID who started no patrol on
// day on a grid under gridID (a patrol elsewhere is outside the viewer's scope).
func (s *Service) MissingPatrols(ctx context.Context, client *ent.Client, gridID int, day string) ([]*ent.Person, error) {
	path, err := subtree(ctx, client, gridID)
	if err != nil {
		return nil, err
	}
	start, end, err := s.DayBounds(day)
	if err != nil {
		return nil, err
	}
	ids, err := dutyHolders(ctx, client, path, end.Add(-time.Second), owesDailyWork())
	if err != nil {
		return nil, err
	}
	patrolled, err := client.Patrol.Query().
		Where(patrol.PersonIDIn(ids...), patrol.GridPathHasPrefix(path), patrol.StartedAtGTE(start), patrol.StartedAtLT(end)).
		Select(patrol.FieldPersonID).Ints(authz.SystemContext(ctx, "who patrolled"))
	if err != nil {
		return nil, err
	}
	return peopleExcept(ctx, client, ids, patrolled)
}

// peopleExcept loads the people of ids not in done, in the viewer's scope, by name.
func peopleExcept(ctx context.Context, client *ent.Client, ids, done []int) ([]*ent.Person, error) {
	skip := make(map[int]bool, len(done))
	for _, id := range done {
		skip[id] = true
	}
	var missing []int
	for _, id := range ids {
		if !skip[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return []*ent.Person{}, nil
	}
	return client.Person.Query().Where(person.IDIn(missing...)).Order(ent.Asc(person.FieldName), ent.Asc(person.FieldID)).All(ctx)
}

// OverdueHouseholds lists households under gridID that were never visited, or not within the
// interval of their care level, most vulnerable first.
func (s *Service) OverdueHouseholds(ctx context.Context, client *ent.Client, gridID int, level *household.CareLevel, limit int) ([]*ent.Household, error) {
	path, err := subtree(ctx, client, gridID)
	if err != nil {
		return nil, err
	}
	intervals, err := Intervals(ctx, client)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var preds []predicate.Household
	for l, days := range intervals {
		if level != nil && *level != l {
			continue
		}
		preds = append(preds, household.And(household.CareLevelEQ(l),
			household.Not(household.HasVisitsWith(visit.VisitedAtGT(now.AddDate(0, 0, -days))))))
	}
	if len(preds) == 0 {
		return []*ent.Household{}, nil
	}
	return client.Household.Query().
		Where(household.GridPathHasPrefix(path), household.Or(preds...)).
		Order(mostVulnerableFirst, ent.Asc(household.FieldAddress)).
		Limit(limit).All(ctx)
}

// WorkCount is what one person did in a period.
type WorkCount struct {
	PersonID                                      int
	Visits, Patrols, DailyReports, EventsReported int
}

// WorkCounts counts, per person, the visits, patrols, daily reports and reported cases under
// gridID between the days from and to (inclusive): four grouped queries, whatever the size of
// the subtree.
func (s *Service) WorkCounts(ctx context.Context, client *ent.Client, gridID int, from, to string) ([]WorkCount, error) {
	path, err := subtree(ctx, client, gridID)
	if err != nil {
		return nil, err
	}
	start, _, err := s.DayBounds(from)
	if err != nil {
		return nil, err
	}
	_, end, err := s.DayBounds(to)
	if err != nil {
		return nil, apperr.Invalid("to", "to must be a date YYYY-MM-DD, got %q", to)
	}
	if !end.After(start) {
		return nil, apperr.Invalid("to", "to must not be before from")
	}
	// One row type serves the four groupings: each fills the column it groups by.
	type row struct {
		VisitorID  int `json:"visitor_id"`
		PersonID   int `json:"person_id"`
		ReporterID int `json:"reporter_id"`
		Count      int `json:"count"`
	}
	counts := map[int]*WorkCount{}
	add := func(rows []row, set func(*WorkCount, int)) {
		for _, r := range rows {
			id := r.VisitorID + r.PersonID + r.ReporterID // exactly one is set
			if counts[id] == nil {
				counts[id] = &WorkCount{PersonID: id}
			}
			set(counts[id], r.Count)
		}
	}
	var visits, patrols, reports, events []row
	if err := client.Visit.Query().Where(visit.GridPathHasPrefix(path), visit.VisitedAtGTE(start), visit.VisitedAtLT(end)).
		GroupBy(visit.FieldVisitorID).Aggregate(ent.As(ent.Count(), "count")).Scan(ctx, &visits); err != nil {
		return nil, err
	}
	if err := client.Patrol.Query().Where(patrol.GridPathHasPrefix(path), patrol.StartedAtGTE(start), patrol.StartedAtLT(end)).
		GroupBy(patrol.FieldPersonID).Aggregate(ent.As(ent.Count(), "count")).Scan(ctx, &patrols); err != nil {
		return nil, err
	}
	if err := client.DailyReport.Query().Where(dailyreport.GridPathHasPrefix(path), dailyreport.DayGTE(from), dailyreport.DayLTE(to)).
		GroupBy(dailyreport.FieldPersonID).Aggregate(ent.As(ent.Count(), "count")).Scan(ctx, &reports); err != nil {
		return nil, err
	}
	if err := client.Event.Query().Where(event.OriginPathHasPrefix(path), event.ReportedAtGTE(start), event.ReportedAtLT(end), event.ReporterIDNotNil()).
		GroupBy(event.FieldReporterID).Aggregate(ent.As(ent.Count(), "count")).Scan(ctx, &events); err != nil {
		return nil, err
	}
	add(visits, func(w *WorkCount, n int) { w.Visits = n })
	add(patrols, func(w *WorkCount, n int) { w.Patrols = n })
	add(reports, func(w *WorkCount, n int) { w.DailyReports = n })
	add(events, func(w *WorkCount, n int) { w.EventsReported = n })
	out := make([]WorkCount, 0, len(counts))
	for _, w := range counts {
		out = append(out, *w)
	}
	sortCounts(out)
	return out, nil
}

// Work is a kind of daily work a daily report totals.
type Work int

// The kinds of daily work a daily report totals.
const (
	Visits Work = iota
	Patrols
	EventsReported
)

// DayCount counts one kind of work person did on day: visits recorded, patrols started or
// cases reported; one query, so a report's three totals cost three queries, not nine.
// Counted on the system's account: a report's totals are the person's whole day, wherever
// the work was done.
func (s *Service) DayCount(ctx context.Context, client *ent.Client, what Work, personID int, day string) (int, error) {
	start, end, err := s.DayBounds(day)
	if err != nil {
		return 0, err
	}
	sys := authz.SystemContext(ctx, "derive daily report totals")
	switch what {
	case Visits:
		return client.Visit.Query().Where(visit.VisitorID(personID), visit.VisitedAtGTE(start), visit.VisitedAtLT(end)).Count(sys)
	case Patrols:
		return client.Patrol.Query().Where(patrol.PersonID(personID), patrol.StartedAtGTE(start), patrol.StartedAtLT(end)).Count(sys)
	default:
		return client.Event.Query().Where(event.ReporterID(personID), event.ReportedAtGTE(start), event.ReportedAtLT(end)).Count(sys)
	}
}

// mostVulnerableFirst orders households VULNERABLE, NEEDS_ATTENTION, ORDINARY.
func mostVulnerableFirst(s *sql.Selector) {
	c := s.C(household.FieldCareLevel)
	s.OrderExpr(sql.Expr(fmt.Sprintf("CASE %s WHEN 'VULNERABLE' THEN 0 WHEN 'NEEDS_ATTENTION' THEN 1 ELSE 2 END", c)))
}
