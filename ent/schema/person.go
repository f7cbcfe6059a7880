package schema

import (
	"crypto/rand"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Person is someone who takes part in grid work: a cadre, a grid head, a patroller, a cleaner…
type Person struct {
	ent.Schema
}

// Mixin of Person.
func (Person) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Person.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		field.String("person_code").
			Optional().Nillable().Unique().NotEmpty().MaxLen(32).DefaultFunc(newPersonCode).
			Comment("Stable external key of the person (人员编号, e.g. a 工号): unique, given by the office or assigned on create. Rosters exported to Excel carry it, and an import matches people on it."),
		field.String("name").
			NotEmpty().MaxRuneLen(maxName).
			Comment("Full name (姓名).").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("gender").Annotations(labeled("Gender")).
			Values("MALE", "FEMALE", "UNSPECIFIED").
			Default("UNSPECIFIED").
			Comment("Gender (性别).").
			Annotations(entgql.Type("Gender")),
		field.String("phone").
			MaxRuneLen(maxPhone).Default("").
			Comment("Contact phone (联系电话). Shown in full only inside the viewer's scope; public surfaces mask it."),
		field.String("title").
			MaxRuneLen(maxName).Default("").
			Comment("Job title (职务), e.g. 村党支部书记."),
		field.String("unit").
			MaxRuneLen(maxName).Default("").
			Comment("Work unit (工作单位), e.g. 须水街道办事处."),
		field.String("photo_url").
			MaxRuneLen(maxURL).Default("").
			Comment("URL of an ID photo for badges and notice cards."),
		field.Bool("party_member").
			Default(false).
			Comment("Whether the person is a Communist Party member (党员)."),
		pathField("grid_path", "Copy of the home grid's path, kept in sync by the server."),
		field.Int("grid_id").
			Comment("The home grid that keeps this person's record.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Person.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("grid", Grid.Type).
			Ref("members").
			Field("grid_id").
			Unique().
			Required().
			Comment("The home grid that keeps this person's record (所属网格).").
			// Exposed as a nullable field in graph/schema/grid.graphql: a person seen through
			// an assignment may have a home grid outside the viewer's scope.
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput)),
		edge.To("assignments", Assignment.Type).
			Comment("The person's role assignments, current and ended.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("vehicles", Vehicle.Type).
			Comment("Patrol vehicles assigned to the person.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("user", User.Type).
			Unique().
			Comment("The sign-in account linked to the person, if any.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of Person.
func (Person) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path").Annotations(entsql.OpClass("varchar_pattern_ops")),
		index.Fields("name"),
	}
}

// Annotations of Person.
func (Person) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("people"),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// codeAlphabet leaves out the characters people misread (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// randomCode is prefix and n random characters: with 8 (31^8), two offices creating rows at
// once do not collide; the external key given to a row created without one.
func randomCode(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on the supported systems
	}
	out := []byte(prefix)
	for _, c := range b {
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return string(out)
}

// newPersonCode is the person code given when none is.
func newPersonCode() string { return randomCode("P", 8) }

// newEntryCode is the ledger entry code given when none is.
func newEntryCode() string { return randomCode("L", 8) }
