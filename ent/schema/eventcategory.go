package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"gridgov/ent/schema/timeunit"
)

// EventCategory is one entry of the case taxonomy: a major category (大类) or a minor one
// (小类) under it, with the time limit a case of that kind must be closed in.
type EventCategory struct {
	ent.Schema
}

// Mixin of EventCategory.
func (EventCategory) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of EventCategory.
func (EventCategory) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxRuneLen(maxCode).
			Comment("Stable code, e.g. ILLEGAL_CONSTRUCTION.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxRuneLen(maxName).
			Comment("zh-CN name, e.g. 违法建设.").
			Annotations(entgql.OrderField("NAME")),
		field.Int("time_limit").Positive().
			Comment("How long a case may take from registration to closure, in limitUnit."),
		field.Enum("limit_unit").GoType(timeunit.Unit("")).
			Comment("Unit of timeLimit.").
			Annotations(entgql.Type("TimeLimitUnit")),
		field.Bool("active").Default(true).
			Comment("Inactive categories take no new cases."),
		field.Int("parent_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of EventCategory.
func (EventCategory) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", EventCategory.Type).
			Comment("Minor categories under a major one.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			From("parent").Field("parent_id").Unique().
			Comment("The major category; null for a major one.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of EventCategory.
func (EventCategory) Indexes() []ent.Index {
	return []ent.Index{index.Fields("code").Unique()}
}

// Annotations of EventCategory.
func (EventCategory) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
