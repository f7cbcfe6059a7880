package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEntry is one row of the audit log (审计日志): one changed row of any entity, who changed
// it, through which operation, its fields before and after, and when. Entries are written by
// the audit hook (internal/audit) in the transaction of the change, and never changed or
// deleted afterwards.
type AuditEntry struct {
	ent.Schema
}

// Fields of AuditEntry.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Time("occurred_at").
			Default(nowUTC).
			Immutable().
			Comment("When the change was made (UTC).").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Int("actor_id").
			Optional().Nillable().Immutable().
			Comment("The user account that made the change; empty for the system (sign-in, command line, demo data, scheduled work).").
			Annotations(entgql.Type("ID")),
		field.String("actor_name").
			MaxRuneLen(64).Immutable().
			Comment("The actor's user name when the change was made, or \"system\"."),
		field.String("operation").
			MaxRuneLen(100).Immutable().
			Comment("What made the change: the GraphQL mutation field (e.g. dispatchEvent), \"login\", or a command such as \"cli:user add\"."),
		field.String("request_id").
			MaxRuneLen(128).Default("").Immutable().
			Comment("The HTTP request id (X-Request-Id) of the change, when it came through the API."),
		field.Enum("action").Annotations(labeled("AuditAction")).
			Values("CREATE", "UPDATE", "DELETE").
			Immutable().
			Comment("What happened to the row.").
			Annotations(entgql.Type("AuditAction")),
		field.String("entity_type").
			MaxRuneLen(64).Immutable().
			Comment("The changed row's type, e.g. Event, Grid, Person."),
		field.Int("entity_id").
			Immutable().
			Comment("The changed row's id.").
			Annotations(entgql.Type("ID")),
		field.String("grid_path").
			MaxRuneLen(2000).Default("").Immutable().
			Comment("Path of the grid the changed row belongs to, for scoping; empty for rows outside the tree (users, categories), visible only to administrators of the whole forest.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.JSON("before", map[string]any{}).
			Optional().Immutable().
			Comment("The changed fields before the change (all fields for a delete); empty for a create. Secrets are never recorded.").
			Annotations(entgql.Type("Map")),
		field.JSON("after", map[string]any{}).
			Optional().Immutable().
			Comment("The changed fields after the change (all fields for a create); empty for a delete. Secrets are never recorded.").
			Annotations(entgql.Type("Map")),
	}
}

// Indexes of AuditEntry.
func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{
		// OpClassColumn: on a two-column index, entsql.OpClass is silently dropped.
		index.Fields("grid_path", "occurred_at").
			Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("occurred_at"),
		index.Fields("entity_type", "entity_id"),
		index.Fields("actor_id", "occurred_at"),
	}
}

// Annotations of AuditEntry.
func (AuditEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// auditOmit marks a field of bulky raw data (a GPS track) whose values the audit log leaves
// out: a change to it shows as "[omitted]" (ent/template/audit.tmpl reads it by name).
type auditOmit struct {
	Omit bool
}

// Name of the annotation.
func (auditOmit) Name() string { return "AuditOmit" }
