package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EventTally is a cell of the rollup summary: for one scope grid, one child of it, one
// category and one day or month (Asia/Shanghai), how many cases found under that child were
// found, registered, due, closed … in it. internal/rollup keeps the cells in the same
// transaction as every change to a case (a hook on Event), so a district's year rollup sums a
// few thousand cells instead of scanning a million cases. The table is derived data: `gridgov
// rollup verify` recomputes it from the cases and `gridgov rollup rebuild` rewrites it.
//
// It does not embed Base: its rows are counters, not records anybody created.
type EventTally struct {
	ent.Schema
}

// Fields of EventTally.
func (EventTally) Fields() []ent.Field {
	counter := func(name, comment string) ent.Field {
		return field.Int(name).Default(0).Comment(comment)
	}
	return []ent.Field{
		field.Int("scope_id").Comment("The grid whose subtree the cell counts."),
		field.Int("child_id").Comment("The child of the scope on the cases' origin path; 0 for cases found on the scope itself."),
		field.Int("category_id"),
		field.String("grain").MaxRuneLen(1).Comment("D for a day, M for a month, S for the cases by their status now."),
		field.String("bucket").MaxRuneLen(16).Comment("The day (YYYY-MM-DD) or the month's first day, in Asia/Shanghai; for a status cell (grain S) the status."),
		counter("found", "Cases reported on the day (by reported_at); in a status cell, the cases in that status now."),
		counter("registered", "Cases registered on the day (by registered_at)."),
		counter("due", "Cases not voided whose deadline falls on the day."),
		counter("due_closed", "Of those due, the ones closed."),
		counter("due_open", "Of those due, the ones still open (overdue once the day has passed)."),
		counter("closed_on_time", "Of those due, the ones closed by their deadline."),
		counter("closed_fixed", "Cases closed fixed on the day (by closed_at)."),
		counter("closed_not_fixed", "Cases closed not fixed on the day."),
		counter("reworked", "Cases closed on the day that had been sent back for rework."),
		counter("escalated", "Cases found on the day that were escalated."),
		counter("voided", "Cases found on the day that were voided."),
	}
}

// Indexes of EventTally.
func (EventTally) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("scope_id", "grain", "bucket", "child_id", "category_id").Unique().StorageKey("event_tally_cell"),
		// The few cells that hold overdue cases: "overdue" reads the days before today,
		// which without it would mean every day cell of the current month.
		index.Fields("scope_id", "grain", "bucket").Annotations(entsql.IndexWhere("due_open > 0")).StorageKey("event_tally_open"),
	}
}

// Annotations of EventTally.
func (EventTally) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
