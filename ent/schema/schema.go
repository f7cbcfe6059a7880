// Package schema holds gridgov's ent schemas. Every entity embeds Base, and every entity
// declares a privacy policy built by authz.NewPolicy, which denies by default.
package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"gridgov/internal/audit"
)

// Base is the mixin every gridgov entity embeds: creation and update times.
type Base struct {
	mixin.Schema
}

// Fields of Base.
func (Base) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(nowUTC).
			Immutable().
			Comment("When the row was created (UTC).").
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").
			Default(nowUTC).
			UpdateDefault(nowUTC).
			Comment("When the row last changed (UTC).").
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Hooks of Base: UTC times, and the audit log, which records every change of every entity.
func (Base) Hooks() []ent.Hook { return []ent.Hook{utcTimes, audit.Hook()} }

// nowUTC is the default of the time fields.
func nowUTC() time.Time { return time.Now().UTC() }

// utcTimes stores every time in UTC. SQLite keeps times as text with their offset, and
// compares them as text, so a time written as +08:00 would sort wrongly against one written
// in UTC (and the driver cannot read some offsets back).
func utcTimes(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		for _, name := range m.Fields() {
			v, _ := m.Field(name)
			switch t := v.(type) {
			case time.Time:
				if t.Location() != time.UTC {
					if err := m.SetField(name, t.UTC()); err != nil {
						return nil, err
					}
				}
			}
		}
		return next.Mutate(ctx, m)
	})
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
		MaxRuneLen(2000).
		Comment(comment).
		Annotations(
			entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput),
		)
}
