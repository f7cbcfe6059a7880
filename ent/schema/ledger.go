package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"gridgov/ent/schema/ledgerfield"
)

// LedgerPeriods are how often a ledger is kept: once (NONE), monthly, quarterly or yearly.
var LedgerPeriods = []string{"NONE", "MONTH", "QUARTER", "YEAR"}

// LedgerCategory is one of the categories of ledgers (台账类别), e.g. 人口管理.
type LedgerCategory struct {
	ent.Schema
}

// Mixin of LedgerCategory.
func (LedgerCategory) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of LedgerCategory.
func (LedgerCategory) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxRuneLen(maxCode).Comment("Stable code, e.g. POPULATION.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxRuneLen(maxName).Comment("English name."),
		field.String("label").NotEmpty().MaxRuneLen(maxName).Comment("zh-CN name, e.g. 人口管理."),
		field.Int("sort_order").Default(0).Comment("Position in lists."),
	}
}

// Edges of LedgerCategory.
func (LedgerCategory) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("item_types", LedgerItemType.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of LedgerCategory.
func (LedgerCategory) Indexes() []ent.Index {
	return []ent.Index{index.Fields("code").Unique()}
}

// Annotations of LedgerCategory.
func (LedgerCategory) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// LedgerItemType is a kind of ledger (台账事项), e.g. 出租房屋登记台账, with its typed fields.
type LedgerItemType struct {
	ent.Schema
}

// Mixin of LedgerItemType.
func (LedgerItemType) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of LedgerItemType.
func (LedgerItemType) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").NotEmpty().MaxRuneLen(maxCode).Comment("Stable code, e.g. RENTAL_HOUSING.").
			Annotations(entgql.OrderField("CODE")),
		field.String("name").NotEmpty().MaxRuneLen(maxName).Comment("English name."),
		field.String("label").NotEmpty().MaxRuneLen(maxName).Comment("zh-CN name, e.g. 出租房屋登记台账.").
			Annotations(entgql.OrderField("LABEL")),
		field.JSON("fields", []ledgerfield.Def{}).
			Comment("The typed fields of an entry, in column order.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("period").Annotations(labeled("LedgerPeriod")).Values(LedgerPeriods...).Default("NONE").
			Comment("How often an entry is kept: NONE (a standing register), MONTH, QUARTER, YEAR.").
			Annotations(entgql.Type("LedgerPeriod")),
		field.Bool("required").Default(false).
			Comment("Whether every grid of the required kinds must keep at least one entry per period."),
		field.JSON("required_kinds", []string{}).Optional().
			Comment("Grid kinds that must keep this ledger; empty means every grid at the level asked.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Bool("active").Default(true).Comment("Retired types keep their entries but take no new ones."),
		field.Int("sort_order").Default(0),
		field.Int("category_id").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of LedgerItemType.
func (LedgerItemType) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("category", LedgerCategory.Type).Ref("item_types").Field("category_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of LedgerItemType.
func (LedgerItemType) Indexes() []ent.Index {
	return []ent.Index{index.Fields("code").Unique(), index.Fields("category_id", "sort_order")}
}

// Annotations of LedgerItemType.
func (LedgerItemType) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// LedgerEntry is one row of a ledger kept by a grid (台账记录), optionally about a key project
// and for a period; its values are checked against the item type's fields.
type LedgerEntry struct {
	ent.Schema
}

// Mixin of LedgerEntry.
func (LedgerEntry) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of LedgerEntry.
func (LedgerEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("entry_code").
			Optional().Nillable().Unique().NotEmpty().MaxLen(32).DefaultFunc(newEntryCode).
			Comment("Stable external key of the entry (台账编号): unique, assigned on create unless an import gives it. Ledger workbooks carry it, and an import changes the entry it names instead of adding one."),
		field.String("period").MaxRuneLen(10).Default("").
			Comment(`The period kept: "" for NONE, 2026-11 (MONTH), 2026-Q4 (QUARTER) or 2026 (YEAR).`).
			Annotations(entgql.OrderField("PERIOD")),
		field.JSON("values", map[string]string{}).
			Comment("Canonical values by field key.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("version").Default(1).Comment("Increases with every change; updates may name the version they change."),
		pathField("grid_path", "Copy of the grid's path."),
		field.Int("grid_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("item_type_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("key_project_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("created_by_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("updated_by_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of LedgerEntry.
func (LedgerEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("item_type", LedgerItemType.Type).Field("item_type_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("key_project", KeyProject.Type).Field("key_project_id").Unique().Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("created_by", Person.Type).Field("created_by_id").Unique().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("updated_by", Person.Type).Field("updated_by_id").Unique().Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("revisions", LedgerEntryRevision.Type).Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of LedgerEntry.
func (LedgerEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("grid_path", "item_type_id", "period").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("item_type_id", "period", "grid_id"),
		index.Fields("key_project_id"),
	}
}

// Annotations of LedgerEntry.
func (LedgerEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// LedgerEntryRevision keeps the values an entry had before a change (修改记录).
type LedgerEntryRevision struct {
	ent.Schema
}

// Mixin of LedgerEntryRevision.
func (LedgerEntryRevision) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of LedgerEntryRevision.
func (LedgerEntryRevision) Fields() []ent.Field {
	return []ent.Field{
		field.Int("version").Immutable().Comment("The version these values had."),
		field.String("period").MaxRuneLen(10).Immutable().Comment("The period before the change."),
		field.JSON("values", map[string]string{}).Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("grid_id").Immutable().Comment("The grid before the change.").Annotations(entgql.Skip(entgql.SkipAll)),
		pathField("grid_path", "Copy of the entry's grid path."),
		field.Int("entry_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("changed_by_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of LedgerEntryRevision.
func (LedgerEntryRevision) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("entry", LedgerEntry.Type).Ref("revisions").Field("entry_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("changed_by", Person.Type).Field("changed_by_id").Unique().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of LedgerEntryRevision.
func (LedgerEntryRevision) Indexes() []ent.Index {
	return []ent.Index{index.Fields("entry_id", "version").Unique()}
}

// Annotations of LedgerEntryRevision.
func (LedgerEntryRevision) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
