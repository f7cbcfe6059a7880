package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Session is a signed-in session. Only the SHA-256 of the bearer token is stored, so a leaked
// database does not leak usable tokens.
type Session struct {
	ent.Schema
}

// Mixin of Session.
func (Session) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("token_hash").Sensitive().Immutable(),
		field.Time("expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
		field.String("remote_addr").MaxRuneLen(128).Default("").Immutable(),
		field.String("user_agent").MaxRuneLen(256).Default("").Immutable().
			Comment("The User-Agent header of the sign-in request, clipped."),
		field.Time("last_seen_at").Optional().Nillable().
			Comment("When the session was last checked against the database (a viewer cache miss); at most a few minutes old while it is in use."),
		field.Int("user_id").Immutable(),
	}
}

// Edges of Session.
func (Session) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("sessions").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
	}
}

// Annotations of Session.
func (Session) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
