package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// CalendarDay is one override of the work calendar loaded from the database: a public
// holiday (working=false) or a make-up working day (调休, working=true). The built-in
// schedules (workcal.ChinaHolidays) are not stored; rows add to or replace them by year.
type CalendarDay struct {
	ent.Schema
}

// Mixin of CalendarDay.
func (CalendarDay) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of CalendarDay.
func (CalendarDay) Fields() []ent.Field {
	return []ent.Field{
		field.String("date").NotEmpty().MaxLen(10).Comment("YYYY-MM-DD, local to the calendar's time zone."),
		field.Int("year").Comment("The year of date, so that a year's rows are replaced in one statement."),
		field.Bool("working").Comment("True for a make-up working day, false for a holiday."),
		field.String("name").Default("").MaxRuneLen(maxName).Comment("zh-CN name, e.g. 春节."),
	}
}

// Indexes of CalendarDay.
func (CalendarDay) Indexes() []ent.Index {
	return []ent.Index{index.Fields("date").Unique(), index.Fields("year")}
}

// Annotations of CalendarDay.
func (CalendarDay) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// CalendarYear declares that the database holds the official schedule of a year, so that a
// year whose schedule has no override at all can still count as covered, and a year with a
// few stray rows but no declaration does not.
type CalendarYear struct {
	ent.Schema
}

// Mixin of CalendarYear.
func (CalendarYear) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of CalendarYear.
func (CalendarYear) Fields() []ent.Field {
	return []ent.Field{
		field.Int("year").Range(1900, 9999).Comment("A year whose official schedule is loaded."),
	}
}

// Indexes of CalendarYear.
func (CalendarYear) Indexes() []ent.Index {
	return []ent.Index{index.Fields("year").Unique()}
}

// Annotations of CalendarYear.
func (CalendarYear) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
