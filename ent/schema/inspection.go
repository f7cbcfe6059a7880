package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Inspection is an entry of the supervision group's ledger (督察台账): an unannounced
// inspection of a grid, or a re-check of a closed case to see that the fix is real.
type Inspection struct {
	ent.Schema
}

// Mixin of Inspection.
func (Inspection) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Inspection.
func (Inspection) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Annotations(labeled("InspectionKind")).Values("UNANNOUNCED", "RECHECK").Immutable().
			Comment("UNANNOUNCED (暗访督察) or RECHECK of a closed case (复查).").
			Annotations(entgql.Type("InspectionKind")),
		field.Time("inspected_at").Immutable().Comment("When the inspection took place (UTC).").
			Annotations(entgql.OrderField("INSPECTED_AT")),
		field.String("findings").MaxRuneLen(maxText).Default("").Comment("What the inspector found."),
		field.Enum("rating").Annotations(labeled("InspectionRating")).Values("EXCELLENT", "GOOD", "FAIR", "POOR").
			Comment("The inspector's rating of the grid's work: 优秀, 良好, 一般 or 差.").
			Annotations(entgql.Type("InspectionRating")),
		field.JSON("photo_urls", []string{}).Optional().Comment("http(s) URLs of photos taken (at most 9)."),
		field.Bool("recheck_passed").Optional().Nillable().Immutable().
			Comment("RECHECK: whether the fix held; a failed re-check reopened the case for rework."),
		field.Time("follow_up_due").Optional().Nillable().
			Comment("When the inspector must come back to check again (跟踪督办); empty: no follow-up.").
			Annotations(entgql.OrderField("FOLLOW_UP_DUE")),
		field.Time("followed_up_at").Optional().Nillable().Comment("When the follow-up was done."),
		field.String("follow_up_note").MaxRuneLen(maxText).Default("").Comment("What the follow-up found."),
		pathField("grid_path", "Copy of the inspected grid's path."),
		field.Int("grid_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("inspector_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("event_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Inspection.
func (Inspection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("inspector", Person.Type).Field("inspector_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("event", Event.Type).Field("event_id").Unique().Immutable().
			Comment("RECHECK: the case re-checked.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
	}
}

// Indexes of Inspection.
func (Inspection) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path", "inspected_at").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("inspector_id", "inspected_at"),
		index.Fields("follow_up_due"),
		index.Fields("event_id"),
	}
}

// Annotations of Inspection.
func (Inspection) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(), // listed by the hand-written inspections query, which adds "mine"
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}
