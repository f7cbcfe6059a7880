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

// Vehicle is a plated patrol vehicle of the grid fleet (巡逻车).
type Vehicle struct {
	ent.Schema
}

// Mixin of Vehicle.
func (Vehicle) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Vehicle.
func (Vehicle) Fields() []ent.Field {
	return []ent.Field{
		field.String("plate").
			NotEmpty().MaxRuneLen(maxCode).
			Comment("The plate number painted on the vehicle, e.g. 须水巡001.").
			Annotations(entgql.OrderField("PLATE")),
		field.Enum("kind").Annotations(labeled("VehicleKind")).
			Values("BICYCLE", "E_BIKE").
			Comment("Bicycle or e-bike.").
			Annotations(entgql.Type("VehicleKind"), entgql.OrderField("KIND")),
		field.Bool("in_service").
			Default(true).
			Comment("False once the vehicle is retired."),
		pathField("grid_path", "Copy of the grid's path, kept in sync by the server."),
		field.Int("grid_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("person_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Vehicle.
func (Vehicle) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("grid", Grid.Type).
			Ref("vehicles").
			Field("grid_id").
			Unique().Required().
			Comment("The grid that keeps the vehicle.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)), // nullable field in graph/schema
		edge.From("person", Person.Type).
			Ref("vehicles").
			Field("person_id").
			Unique().
			Comment("The person the vehicle is assigned to, if any.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of Vehicle.
func (Vehicle) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("plate").Unique(),
		index.Fields("grid_path").Annotations(entsql.OpClass("varchar_pattern_ops")),
	}
}

// Annotations of Vehicle.
func (Vehicle) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
