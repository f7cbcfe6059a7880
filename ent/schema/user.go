package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a sign-in account. Its grants are the active assignments of the linked person;
// superuser accounts (the first administrator) hold ADMIN on the whole forest.
type User struct {
	ent.Schema
}

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("username").
			NotEmpty().MaxRuneLen(64).
			Comment("Sign-in name.").
			Annotations(entgql.OrderField("USERNAME")),
		field.String("password_hash").
			Sensitive().
			Comment("argon2id hash in PHC string form."),
		field.Bool("superuser").
			Default(false).
			Comment("Holds ADMIN on every tree, independent of assignments."),
		field.Bool("disabled").
			Default(false).
			Comment("Disabled accounts cannot sign in and their sessions are refused."),
		field.Time("last_login_at").
			Optional().Nillable().
			Comment("Last successful sign-in (UTC)."),

		field.Int("person_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("person", Person.Type).
			Ref("user").
			Field("person_id").
			Unique().
			Comment("The person this account signs in as."),
		edge.To("sessions", Session.Type).
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of User.
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("username").Unique(),
	}
}

// Annotations of User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
	}
}
