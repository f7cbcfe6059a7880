// Package schema holds gridgov's ent schemas. Every entity embeds Base, and every entity
// declares a privacy policy built by authz.NewPolicy, which denies by default.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// Base is the mixin every gridgov entity embeds: creation and update times.
type Base struct {
	mixin.Schema
}

// Fields of Base.
func (Base) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Comment("When the row was created (UTC).").
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Comment("When the row last changed (UTC).").
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Limits shared by string fields, so that oversized input fails validation with a clear
// message instead of reaching the database.
const (
	maxName  = 100
	maxCode  = 32
	maxText  = 4000
	maxURL   = 1000
	maxPhone = 32
)

// pathField is the canonical materialized path of a grid ("/1/4/17/"), or the copy of it kept
// on rows that belong to a grid. It is maintained by the server, never set by clients, and
// indexed with a pattern operator class so that PostgreSQL answers prefix LIKE from the index.
func pathField(name, comment string) ent.Field {
	return field.String(name).
		MaxLen(2000).
		Comment(comment).
		Annotations(
			entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput),
		)
}
