package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Photo is an uploaded photo of a case or an inspection: its bytes and thumbnail live in the
// blob store (internal/photos); the row says what it shows, who may see it and where the
// bytes are. Photos are reached only through their case or inspection, whose scope they
// share: the row itself is read on the system's account after that check.
type Photo struct {
	ent.Schema
}

// Mixin of Photo.
func (Photo) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Photo.
func (Photo) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("stage").Annotations(labeled("PhotoStage")).Values("REPORT", "REPORT_BACK", "INSPECTION").Immutable().
			Comment("What the photo records: the problem as reported (REPORT), the result of the work (REPORT_BACK), or an inspection."),
		field.Bool("public").Default(false).Immutable().
			Comment("Shown on the case's public tracking page; its metadata (EXIF, GPS) was stripped on upload."),
		field.String("content_type").Immutable().Comment("image/jpeg, image/png or image/webp, from the content."),
		field.Int("size").NonNegative().Immutable().Comment("Bytes stored."),
		field.Int("width").NonNegative().Immutable(),
		field.Int("height").NonNegative().Immutable(),
		field.String("sha256").Immutable().Comment("Hex SHA-256 of the bytes stored."),
		field.String("blob_key").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("thumb_key").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("event_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("inspection_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("uploader_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Photo.
func (Photo) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("event", Event.Type).Field("event_id").Unique().Immutable(),
		edge.To("inspection", Inspection.Type).Field("inspection_id").Unique().Immutable(),
		edge.To("uploader", Person.Type).Field("uploader_id").Unique().Immutable(),
	}
}

// Indexes of Photo.
func (Photo) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("event_id"),
		index.Fields("inspection_id"),
	}
}

// Annotations of Photo: the GraphQL type is written by hand (graph/schema/photo.graphql),
// with signed links instead of blob keys.
func (Photo) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
