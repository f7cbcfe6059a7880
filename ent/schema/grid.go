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

// Grid is one node of the grid tree (网格): a district, sub-district, village, villager group…
type Grid struct {
	ent.Schema
}

// Mixin of Grid.
func (Grid) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Grid.
func (Grid) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").
			NotEmpty().MaxRuneLen(maxCode).
			Comment("National grid code (网格编码): 6-digit district + 3 sub-district + 3 community + 3 grid digits; its length follows the kind.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").
			NotEmpty().MaxRuneLen(maxName).
			Comment("Name of the grid, e.g. 三王庄村.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("kind").Annotations(labeled("GridKind")).
			Values("CITY", "DISTRICT", "SUB_DISTRICT", "TOWNSHIP", "VILLAGE", "COMMUNITY", "ENTERPRISE_ZONE",
				"VILLAGER_GROUP", "KEY_ENTERPRISE", "RESIDENTIAL_COMPOUND", "UNIT_GRID").
			Comment("What the grid is: see the GridKind enum.").
			Annotations(entgql.Type("GridKind"), entgql.OrderField("KIND")),
		field.Int("level").
			NonNegative().
			Comment("Depth in the tree: 0 for a root. In the Xushui demo the district is 0, the sub-district 1, villages 2, villager groups 3.").
			Annotations(entgql.OrderField("LEVEL"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		pathField("path", "Canonical materialized path of ids, e.g. /1/4/17/; maintained by the server."),
		field.Int("households").
			NonNegative().Default(0).
			Comment("Number of households (户数) in the grid.").
			Annotations(entgql.OrderField("HOUSEHOLDS")),
		field.Int("population").
			NonNegative().Default(0).
			Comment("Number of residents (人口).").
			Annotations(entgql.OrderField("POPULATION")),
		field.String("area_description").
			MaxRuneLen(maxText).Default("").
			Comment("The area the grid covers (网格范围), as printed on its notice card."),
		field.String("duties").
			MaxRuneLen(maxText).Default("").
			Comment("Duties of the grid's staff (工作职责), as printed on its notice card."),
		field.Int("parent_id").
			Optional().
			Immutable().
			Comment("The parent grid; empty for a root. Change it with moveGrid.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Grid.
func (Grid) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Grid.Type).
			Comment("Direct child grids.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			From("parent").
			Field("parent_id").
			Unique().
			Immutable().
			Comment("The parent grid; null for a root.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationUpdateInput)),
		edge.To("assignments", Assignment.Type).
			Comment("Role assignments held on this grid, current and ended.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("vehicles", Vehicle.Type).
			Comment("Patrol vehicles kept by this grid.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("members", Person.Type).
			Comment("People whose record this grid keeps (their home grid).").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Grid.
func (Grid) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("code").Unique(),
		index.Fields("path").
			Annotations(entsql.OpClass("varchar_pattern_ops")).
			StorageKey("grid_path_prefix"),
		// A grid's children, and the roots (parent_id IS NULL): without it both read every
		// grid of a city (30 ms of the 32 an administrator's case count took).
		index.Fields("parent_id").StorageKey("grid_parent"),
	}
}

// Annotations of Grid.
func (Grid) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
		// What graph/grid.resolvers.go reads of the row for each field it computes.
		GQLComputed{
			"descendants":  {"path", "level"},
			"ancestors":    {"path"},
			"responsibles": {},
			"kindLabel":    {"kind"},
		},
	}
}
