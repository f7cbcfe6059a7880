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

// CareLevels are how closely a household must be looked after; each sets how often it must
// be visited (see VisitInterval).
var CareLevels = []string{"ORDINARY", "NEEDS_ATTENTION", "VULNERABLE"}

// Household is a household (户) in a level-3 grid, visited by grid staff.
type Household struct {
	ent.Schema
}

// Mixin of Household.
func (Household) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Household.
func (Household) Fields() []ent.Field {
	return []ent.Field{
		field.String("address").NotEmpty().MaxRuneLen(500).
			Comment("Address of the household, e.g. 三王庄村一组12号.").
			Annotations(entgql.OrderField("ADDRESS")),
		field.String("head_name").NotEmpty().MaxRuneLen(maxName).
			Comment("Name of the head of household (户主)."),
		field.Int("members").Positive().Default(1).
			Comment("Number of people living in the household."),
		field.String("phone").MaxRuneLen(maxPhone).Default("").
			Comment("Contact phone; private: shown only to staff in scope, never on public surfaces."),
		field.Enum("care_level").Annotations(labeled("CareLevel")).Values(CareLevels...).Default("ORDINARY").
			Comment("How closely the household must be looked after; sets the visit interval.").
			Annotations(entgql.Type("CareLevel"), entgql.OrderField("CARE_LEVEL")),
		field.String("notes").MaxRuneLen(maxText).Default("").
			Comment("Private notes of the grid staff; never public."),
		pathField("grid_path", "Copy of the grid's path."),
		field.Int("grid_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("head_person_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Household.
func (Household) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("head_person", Person.Type).Field("head_person_id").Unique().
			Comment("The head of household, when they are a person in the system.").
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("tags", HouseholdTag.Type).
			Comment("The household's plates: party-member household, masses-representative household.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("visits", Visit.Type).
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of Household.
func (Household) Indexes() []ent.Index {
	return []ent.Index{index.Fields("grid_path").Annotations(entsql.OpClass("varchar_pattern_ops"))}
}

// Annotations of Household.
func (Household) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// HouseholdTag is a "double household" plate (双户挂牌) on a household: a party-member
// household (共产党员户) or a masses-representative household (群众代表户), with its post and
// public pledge.
type HouseholdTag struct {
	ent.Schema
}

// Mixin of HouseholdTag.
func (HouseholdTag) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of HouseholdTag.
func (HouseholdTag) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Annotations(labeled("HouseholdTagKind")).Values("PARTY_MEMBER_HOUSEHOLD", "MASSES_REPRESENTATIVE_HOUSEHOLD").
			Comment("Which plate.").
			Annotations(entgql.Type("HouseholdTagKind")),
		field.String("post").NotEmpty().MaxRuneLen(maxName).
			Comment("The post (岗位) the household takes on, e.g. 环境卫生监督岗."),
		field.String("pledge").NotEmpty().MaxRuneLen(maxText).
			Comment("The public pledge (承诺) printed on the plate."),
		field.Time("plate_hung_at").
			Comment("When the plate was hung."),
		pathField("grid_path", "Copy of the household's grid path."),
		field.Int("household_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of HouseholdTag.
func (HouseholdTag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("household", Household.Type).Ref("tags").Field("household_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of HouseholdTag.
func (HouseholdTag) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("household_id", "kind").Unique(),
		index.Fields("grid_path").Annotations(entsql.OpClass("varchar_pattern_ops")),
	}
}

// Annotations of HouseholdTag.
func (HouseholdTag) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
