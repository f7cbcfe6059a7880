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

// KeyProject is a key project (重点项目) led by a grid, e.g. an eco-corridor whose clearance the
// sub-district tracks, with milestones and progress metrics against targets.
type KeyProject struct {
	ent.Schema
}

// Mixin of KeyProject.
func (KeyProject) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of KeyProject.
func (KeyProject) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxRuneLen(maxCode).Comment("Stable code, e.g. KP-2026-001.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxRuneLen(200).Comment("Name, e.g. 须水河生态廊道.").
			Annotations(entgql.OrderField("NAME")),
		field.Float("investment").Min(0).Default(0).Comment("Total investment in 10,000 yuan (万元)."),
		field.String("owner_unit").MaxRuneLen(maxName).Default("").Comment("The unit in charge (责任单位)."),
		field.Enum("status").Annotations(labeled("KeyProjectStatus")).Values("PLANNED", "IN_PROGRESS", "COMPLETED", "SUSPENDED").Default("PLANNED").
			Annotations(entgql.Type("KeyProjectStatus"), entgql.OrderField("STATUS")),
		field.String("description").MaxRuneLen(maxText).Default(""),
		field.Time("starts_on").Optional().Nillable().Comment("Planned start."),
		field.Time("due_on").Optional().Nillable().Comment("Planned completion."),
		pathField("grid_path", "Copy of the lead grid's path."),
		field.Int("grid_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("owner_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		// Ids rather than an edge: a many-to-many edge would need a back-reference on Grid,
		// and the list is only ever read whole, through the viewer's scope.
		field.JSON("grid_ids", []int{}).Optional().
			Comment("Grids the project runs through.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of KeyProject.
func (KeyProject) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("owner", Person.Type).Field("owner_id").Unique().Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("milestones", KeyProjectMilestone.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("metrics", KeyProjectMetric.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of KeyProject.
func (KeyProject) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("code").Unique(),
		index.Fields("grid_path").Annotations(entsql.OpClass("varchar_pattern_ops")),
	}
}

// Annotations of KeyProject.
func (KeyProject) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// KeyProjectMilestone is a milestone of a key project (节点).
type KeyProjectMilestone struct {
	ent.Schema
}

// Mixin of KeyProjectMilestone.
func (KeyProjectMilestone) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of KeyProjectMilestone.
func (KeyProjectMilestone) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxRuneLen(200),
		field.Time("due_on"),
		field.Time("done_on").Optional().Nillable(),
		field.Int("sort_order").Default(0),
		pathField("grid_path", "Copy of the project's lead grid path."),
		field.Int("project_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of KeyProjectMilestone.
func (KeyProjectMilestone) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", KeyProject.Type).Ref("milestones").Field("project_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Annotations of KeyProjectMilestone.
func (KeyProjectMilestone) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// KeyProjectMetric is a progress measure of a key project with its target, e.g. 拆除建筑面积
// 697,000 m².
type KeyProjectMetric struct {
	ent.Schema
}

// Mixin of KeyProjectMetric.
func (KeyProjectMetric) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of KeyProjectMetric.
func (KeyProjectMetric) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxRuneLen(maxCode).Comment("Code within the project, e.g. BUSINESSES_CLEARED."),
		field.String("label").NotEmpty().MaxRuneLen(maxName).Comment("zh-CN name, e.g. 清理商户."),
		field.String("unit").MaxRuneLen(20).Default("").Comment("Unit, e.g. 户, m², m³."),
		field.Float("target").Min(0).Comment("The target value."),
		field.Int("sort_order").Default(0),
		pathField("grid_path", "Copy of the project's lead grid path."),
		field.Int("project_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of KeyProjectMetric.
func (KeyProjectMetric) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", KeyProject.Type).Ref("metrics").Field("project_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("progress", KeyProjectProgress.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of KeyProjectMetric.
func (KeyProjectMetric) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "code").Unique()}
}

// Annotations of KeyProjectMetric.
func (KeyProjectMetric) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// KeyProjectProgress is a reading of a metric on a day: the cumulative value reached.
type KeyProjectProgress struct {
	ent.Schema
}

// Mixin of KeyProjectProgress.
func (KeyProjectProgress) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of KeyProjectProgress.
func (KeyProjectProgress) Fields() []ent.Field {
	return []ent.Field{
		field.String("day").NotEmpty().MaxRuneLen(10).Comment("YYYY-MM-DD (Asia/Shanghai)."),
		field.Float("value").Min(0).Comment("The cumulative value reached by that day."),
		field.String("note").MaxRuneLen(maxText).Default(""),
		pathField("grid_path", "Copy of the project's lead grid path."),
		field.Int("metric_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("recorded_by_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of KeyProjectProgress.
func (KeyProjectProgress) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("metric", KeyProjectMetric.Type).Ref("progress").Field("metric_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("recorded_by", Person.Type).Field("recorded_by_id").Unique().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of KeyProjectProgress.
func (KeyProjectProgress) Indexes() []ent.Index {
	return []ent.Index{index.Fields("metric_id", "day").Unique()}
}

// Annotations of KeyProjectProgress.
func (KeyProjectProgress) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
