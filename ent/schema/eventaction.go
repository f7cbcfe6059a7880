package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EventAction is one step of a case's timeline. Rows are only ever appended.
type EventAction struct {
	ent.Schema
}

// Mixin of EventAction.
func (EventAction) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of EventAction.
func (EventAction) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("action").Annotations(labeled("EventActionKind")).
			Values("REPORT", "ACCEPT", "DISPATCH", "RETURN", "START", "REPORT_BACK", "VERIFY_PASS", "VERIFY_FAIL",
				"CLOSE", "ESCALATE", "REQUEST_EXTENSION", "APPROVE_EXTENSION", "REJECT_EXTENSION", "VOID", "REOPEN",
				"AUTO_ESCALATE").
			Immutable().
			Comment("The step taken: see EventActionKind.").
			Annotations(entgql.Type("EventActionKind")),
		field.Enum("from_status").Values(EventStatuses...).Optional().Nillable().Immutable().
			Annotations(entgql.Type("EventStatus")),
		field.Enum("to_status").Values(EventStatuses...).Immutable().
			Annotations(entgql.Type("EventStatus")),
		field.Int("from_grid_id").Optional().Nillable().Immutable().
			Comment("The grid the case sat in before the step.").Annotations(entgql.Type("ID")),
		field.Int("to_grid_id").Immutable().
			Comment("The grid the case sits in after the step.").Annotations(entgql.Type("ID")),
		field.String("note").MaxRuneLen(maxText).Default("").Immutable().
			Comment("What the actor wrote."),
		field.Bool("system").Default(false).Immutable().
			Comment("True for steps the system took on its own (e.g. automatic escalation)."),
		field.Int("event_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("actor_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of EventAction.
func (EventAction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("event", Event.Type).Ref("actions").Field("event_id").Unique().Required().Immutable(),
		edge.To("actor", Person.Type).Field("actor_id").Unique().Immutable().
			Comment("Who took the step; null for the public and the system."),
	}
}

// Indexes of EventAction.
func (EventAction) Indexes() []ent.Index {
	return []ent.Index{index.Fields("event_id", "created_at")}
}

// Annotations of EventAction.
func (EventAction) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
