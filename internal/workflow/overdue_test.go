package workflow_test

import (
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/schema"
	"gridgov/ent/schema/timeunit"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// TestEventOverdueAgreesWithClosed: the generated (*ent.Event).Overdue, which the API serves
// inline, names the same closed statuses as workflow.Closed, for every status.
func TestEventOverdueAgreesWithClosed(t *testing.T) {
	t.Parallel()
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	for _, s := range schema.EventStatuses {
		st := event.Status(s)
		if got, want := (&ent.Event{Status: st, Deadline: &past}).Overdue(), !workflow.Closed(st); got != want {
			t.Errorf("status %s, deadline passed: Overdue() = %v, want %v", s, got, want)
		}
		if (&ent.Event{Status: st, Deadline: &future}).Overdue() || (&ent.Event{Status: st}).Overdue() {
			t.Errorf("status %s: overdue before its deadline or without one", s)
		}
	}
}

// TestEventSLALight: the generated (*ent.Event).SLALight is the default calendar's light, at
// the closing of a closed case, and nil before the case has a time limit.
func TestEventSLALight(t *testing.T) {
	t.Parallel()
	registered := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // a Monday, 09:00 in Zhengzhou
	deadline := registered.Add(24 * time.Hour)
	unit := timeunit.NaturalHours
	closedEarly, closedLate := registered.Add(time.Hour), deadline.Add(time.Hour)
	cases := []struct {
		name string
		e    ent.Event
		want *workcal.Light
	}{
		{"not registered", ent.Event{Deadline: &deadline, LimitUnit: &unit}, nil},
		{"no limit unit", ent.Event{RegisteredAt: &registered, Deadline: &deadline}, nil},
		{"closed early", ent.Event{RegisteredAt: &registered, Deadline: &deadline, LimitUnit: &unit, ClosedAt: &closedEarly}, lightOf(workcal.Green)},
		{"closed late", ent.Event{RegisteredAt: &registered, Deadline: &deadline, LimitUnit: &unit, ClosedAt: &closedLate}, lightOf(workcal.Red)},
		{"open past its deadline", ent.Event{RegisteredAt: &registered, Deadline: &deadline, LimitUnit: &unit}, lightOf(workcal.Red)},
	}
	for _, tc := range cases {
		got := tc.e.SLALight()
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: SLALight() = %v, want %v", tc.name, ptr(got), ptr(tc.want))
		}
	}
}

func lightOf(l workcal.Light) *workcal.Light { return &l }
