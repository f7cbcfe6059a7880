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

// Assignment is a responsibility role held by a person on a grid for a period. Assignments are
// never deleted: ending a role sets valid_to, so "who was responsible for grid X on day D"
// stays answerable.
type Assignment struct {
	ent.Schema
}

// Mixin of Assignment.
func (Assignment) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Assignment.
func (Assignment) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("role").Annotations(labeled("Role")).
			Values("RESPONSIBLE_LEADER", "FIRST_RESPONSIBLE", "DIRECT_RESPONSIBLE", "SPECIFIC_RESPONSIBLE",
				"GRID_HEAD", "WORKSTATION_HEAD", "SUPERVISOR", "ADMIN").
			Comment("The role held: see the Role enum.").
			Annotations(entgql.Type("Role"), entgql.OrderField("ROLE")),
		field.Enum("duty").Annotations(labeled("Duty")).
			Values("RESEARCHER", "PATROLLER", "SAFETY_INSPECTOR", "URBAN_MANAGEMENT_OFFICER", "LAND_OFFICER",
				"SOCIAL_SECURITY_LIAISON", "PARTY_BUILDING_LIAISON", "TAX_SOURCE_SURVEYOR",
				"FAMILY_PLANNING_OFFICER", "FAMILY_PLANNING_PUBLICIST", "CLEANER", "VILLAGER_GROUP_LEADER",
				"PARTY_GROUP_LEADER", "HOUSEHOLD_REPRESENTATIVE").
			Optional().Nillable().
			Comment("The duty of a specific-responsible person (具体责任人); see the Duty enum.").
			Annotations(entgql.Type("Duty")),
		field.String("title").
			MaxRuneLen(maxName).Default("").
			Comment("The title under which the role is held here, e.g. 村委会主任 or 驻村干部."),
		field.Time("valid_from").
			Comment("First moment the role is held (UTC).").
			Annotations(entgql.OrderField("VALID_FROM")),
		field.Time("valid_to").
			Optional().Nillable().
			Comment("Moment the role ended (UTC); null while it is held. Set by endAssignment.").
			Annotations(entgql.OrderField("VALID_TO"), entgql.Skip(entgql.SkipMutationUpdateInput)),
		field.String("end_reason").
			MaxRuneLen(maxText).Default("").
			Comment("Why the role was ended.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		pathField("grid_path", "Copy of the grid's path, kept in sync by the server."),
		field.Int("person_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("grid_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Assignment.
func (Assignment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("person", Person.Type).
			Ref("assignments").
			Field("person_id").
			Unique().Required().Immutable().
			Comment("Who holds the role.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)), // nullable field in graph/schema
		edge.From("grid", Grid.Type).
			Ref("assignments").
			Field("grid_id").
			Unique().Required().Immutable().
			Comment("The grid on which the role is held; it covers the grid's whole subtree.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)), // nullable field in graph/schema
	}
}

// Indexes of Assignment.
func (Assignment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path").Annotations(entsql.OpClass("varchar_pattern_ops")),
		index.Fields("person_id", "valid_to"),
		index.Fields("grid_id", "role"),
	}
}

// Annotations of Assignment.
func (Assignment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate()),
	}
}
