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

// BulletinPost is a post of the village bulletin 《村情民意》 in one of the columns of village
// affairs disclosure (三务公开). It starts as a draft; published posts are public. The grid
// management column is not stored: it is generated from the cases.
type BulletinPost struct {
	ent.Schema
}

// Mixin of BulletinPost.
func (BulletinPost) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of BulletinPost.
func (BulletinPost) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("column").Annotations(labeled("BulletinColumn")).Values("PARTY_AFFAIRS", "VILLAGE_AFFAIRS", "FINANCIAL_AFFAIRS").
			Comment("The bulletin column: 党务公开, 村务公开 or 财务公开.").
			Annotations(entgql.Type("BulletinColumn")),
		field.String("title").NotEmpty().MaxRuneLen(200).Comment("Headline of the post."),
		field.String("body").MaxRuneLen(20000).Default("").Comment("Text of the post, plain text with line breaks."),
		field.JSON("attachments", []string{}).Optional().
			Comment("http(s) URLs of attached documents or images (at most 20)."),
		field.Enum("status").Annotations(labeled("BulletinStatus")).Values("DRAFT", "PUBLISHED", "UNPUBLISHED").Default("DRAFT").
			Comment("DRAFT until published; UNPUBLISHED when taken down. Only PUBLISHED posts are public.").
			Annotations(entgql.Type("BulletinStatus")),
		field.Time("published_at").Optional().Nillable().
			Comment("When the post was last published (UTC).").
			Annotations(entgql.OrderField("PUBLISHED_AT")),
		pathField("grid_path", "Copy of the grid's path."),
		field.Int("grid_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("author_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of BulletinPost.
func (BulletinPost) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("author", Person.Type).Field("author_id").Unique().Immutable().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
	}
}

// Indexes of BulletinPost.
func (BulletinPost) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path", "published_at").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("grid_id", "status", "column"),
	}
}

// Annotations of BulletinPost.
func (BulletinPost) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(), entgql.QueryField(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}
