package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"gridgov/ent/schema/track"
)

// Visit is a household visit (日访).
type Visit struct {
	ent.Schema
}

// Mixin of Visit.
func (Visit) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Visit.
func (Visit) Fields() []ent.Field {
	return []ent.Field{
		field.Time("visited_at").Comment("When the visit took place (UTC).").
			Annotations(entgql.OrderField("VISITED_AT")),
		field.String("notes").MaxRuneLen(maxText).Default("").Comment("What was seen and said; private."),
		field.String("concerns").MaxRuneLen(maxText).Default("").Comment("Concerns the household raised; turn one into a case with visitConcernToEvent."),
		pathField("grid_path", "Copy of the household's grid path."),
		field.Int("household_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("visitor_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("event_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Visit.
func (Visit) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("household", Household.Type).Ref("visits").Field("household_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("visitor", Person.Type).Field("visitor_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("event", Event.Type).Field("event_id").Unique().
			Comment("The case a concern of this visit became.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
	}
}

// Indexes of Visit.
func (Visit) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path", "visited_at").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("household_id", "visited_at"),
		index.Fields("visitor_id", "visited_at"),
	}
}

// Annotations of Visit.
func (Visit) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.QueryField()}
}

// Patrol is a patrol of a grid (日查), with an optional GPS track.
type Patrol struct {
	ent.Schema
}

// Mixin of Patrol.
func (Patrol) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Patrol.
func (Patrol) Fields() []ent.Field {
	return []ent.Field{
		field.Time("started_at").Annotations(entgql.OrderField("STARTED_AT")),
		field.Time("ended_at"),
		field.JSON("track", []track.Point{}).Optional().
			Comment("GPS track: points in time order.").
			Annotations(entgql.Type("[TrackPoint!]"), auditOmit{Omit: true}),
		field.Float("distance_m").Min(0).Default(0).
			Comment("Length of the track in metres, computed by the server."),
		field.String("findings").MaxRuneLen(maxText).Default("").
			Comment("What the patrol found."),
		pathField("grid_path", "Copy of the grid's path."),
		field.Int("grid_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("person_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("vehicle_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Patrol.
func (Patrol) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("person", Person.Type).Field("person_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("vehicle", Vehicle.Type).Field("vehicle_id").Unique().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
	}
}

// Indexes of Patrol.
func (Patrol) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path", "started_at").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("person_id", "started_at"),
	}
}

// Annotations of Patrol.
func (Patrol) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.QueryField()}
}

// DailyReport is a person's daily report (日报): one per person per day in the deployment's
// time zone. Its totals are derived from the visits, patrols and cases of that day.
type DailyReport struct {
	ent.Schema
}

// Mixin of DailyReport.
func (DailyReport) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of DailyReport.
func (DailyReport) Fields() []ent.Field {
	return []ent.Field{
		field.String("day").NotEmpty().MaxRuneLen(10).Immutable().
			Comment("The day reported on, YYYY-MM-DD in the deployment's time zone (Asia/Shanghai).").
			Annotations(entgql.OrderField("DAY")),
		field.String("summary").MaxRuneLen(maxText).Default("").Comment("Free-text summary of the day."),
		field.Time("submitted_at").Comment("When the report was last submitted (UTC)."),
		pathField("grid_path", "Copy of the reporting grid's path."),
		field.Int("grid_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("person_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of DailyReport.
func (DailyReport) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("person", Person.Type).Field("person_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
	}
}

// Indexes of DailyReport.
func (DailyReport) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("person_id", "day").Unique(),
		index.Fields("grid_path", "day").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
	}
}

// Annotations of DailyReport.
func (DailyReport) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.QueryField()}
}

// VisitInterval is how often households of a care level must be visited; administrators
// change it.
type VisitInterval struct {
	ent.Schema
}

// Mixin of VisitInterval.
func (VisitInterval) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of VisitInterval.
func (VisitInterval) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("care_level").Values(CareLevels...).Annotations(entgql.Type("CareLevel")),
		field.Int("days").Positive().Comment("At most this many days between visits."),
	}
}

// Indexes of VisitInterval.
func (VisitInterval) Indexes() []ent.Index {
	return []ent.Index{index.Fields("care_level").Unique()}
}

// Annotations of VisitInterval.
func (VisitInterval) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
