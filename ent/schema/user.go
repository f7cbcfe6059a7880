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
			Comment("argon2id hash in PHC string form; empty until the account is activated.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("superuser").
			Default(false).
			Comment("Holds ADMIN on every tree, independent of assignments.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Bool("disabled").
			Default(false).
			Comment("Disabled accounts cannot sign in and their sessions are refused."),
		field.Bool("activated").
			Default(true).
			Comment("Whether the account has a password of its owner's choosing: false from createUser or resetUserPassword until activateAccount."),
		field.Time("last_login_at").
			Optional().Nillable().
			Comment("Last successful sign-in (UTC).").
			Annotations(entgql.MapsTo("lastSignInAt"), entgql.OrderField("LAST_SIGN_IN_AT"), entgql.Skip(entgql.SkipWhereInput)),
		field.Bytes("activation_code_hash").
			Optional().Nillable().Sensitive().
			Comment("SHA-256 of the last one-time activation code; the code itself is shown once and never stored.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("activation_expires_at").
			Optional().Nillable().
			Comment("When the activation code stops working (UTC).").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("activation_used_at").
			Optional().Nillable().
			Comment("When the activation code was used; a used code never works again.").
			Annotations(entgql.Skip(entgql.SkipAll)),

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
			Comment("The person this account signs in as.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)), // a yes/no oracle on hidden people
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
		entgql.RelayConnection(),
		entgql.QueryField().Description("Sign-in accounts of the people who hold an active role in the viewer's scope, and the viewer's own."),
	}
}
