package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IdempotencyKey remembers a client's key for a mutation it made, so that a retried request
// (a phone on a bad network) returns the first answer instead of acting twice.
type IdempotencyKey struct {
	ent.Schema
}

// Mixin of IdempotencyKey.
func (IdempotencyKey) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("scope").NotEmpty().MaxRuneLen(100).Immutable().Comment("Who used the key: user:<id> or addr:<ip>."),
		field.String("key").NotEmpty().MaxRuneLen(100).Immutable(),
		field.String("operation").NotEmpty().MaxRuneLen(64).Immutable(),
		field.Int("result_id").Immutable(),
	}
}

// Indexes of IdempotencyKey.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("scope", "key").Unique()}
}

// Annotations of IdempotencyKey.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
