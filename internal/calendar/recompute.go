package calendar

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/schema/timeunit"
	"gridgov/internal/workcal"
)

// recomputeDeadlines counts again, with the calendar after the change (next), the deadlines
// of the open cases whose time limit runs through one of the changed years, and stores those
// that move; it returns how many moved. Without it, a case registered in December with a
// limit that reaches into a year whose schedule was not yet known keeps a deadline that
// counts 元旦 or 春节 as working days after the schedule has been imported.
//
// Only a deadline the calendar before the change (prev) reproduces from the case's start and
// limit is moved: a date an approved extension set, or one computed some other way, is left
// as it is. Natural-hour limits do not depend on the calendar. Each moved case gets a new
// version, so that a step prepared against the old deadline is told (CONFLICT), and an audit
// entry, through the ordinary update hooks (which also keep the rollup tallies right).
func recomputeDeadlines(ctx context.Context, client *ent.Client, prev, next *workcal.Calendar, years []int) (int, error) {
	if len(years) == 0 {
		return 0, nil
	}
	loc := next.Location()
	first := time.Date(slices.Min(years), 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(slices.Max(years)+1, 1, 1, 0, 0, 0, 0, loc)
	sys := authz.SystemContext(ctx, "recompute deadlines after a work calendar change")
	// A limit that starts after the changed years or ends before them never counted a day of
	// them. The rows are locked (PostgreSQL) so that a step taken meanwhile waits for the
	// change and then meets the new version.
	open, err := client.Event.Query().
		Where(
			event.ClosedAtIsNil(), event.DeadlineNotNil(), event.TimeLimitNotNil(), event.DeadlineFromNotNil(),
			event.LimitUnitIn(timeunit.WorkingDays, timeunit.WorkingHours),
			event.DeadlineGTE(first), event.DeadlineFromLT(end),
		).
		Select(event.FieldDeadline, event.FieldDeadlineFrom, event.FieldTimeLimit, event.FieldLimitUnit).
		Order(ent.Asc(event.FieldID)).
		Modify(func(s *sql.Selector) {
			if s.Dialect() == dialect.Postgres {
				s.ForUpdate()
			}
		}).
		All(sys)
	if err != nil {
		return 0, fmt.Errorf("load open cases for the new work calendar: %w", err)
	}
	moved := 0
	for _, ev := range open {
		unit := workcal.Unit(*ev.LimitUnit)
		if !prev.Deadline(*ev.DeadlineFrom, *ev.TimeLimit, unit).Equal(*ev.Deadline) {
			continue
		}
		d := next.Deadline(*ev.DeadlineFrom, *ev.TimeLimit, unit)
		if d.Equal(*ev.Deadline) {
			continue
		}
		if err := client.Event.UpdateOneID(ev.ID).SetDeadline(d).AddVersion(1).Exec(sys); err != nil {
			return moved, fmt.Errorf("move the deadline of case %d: %w", ev.ID, err)
		}
		moved++
	}
	return moved, nil
}
