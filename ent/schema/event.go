package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"gridgov/ent/schema/timeunit"
)

// EventStatuses are the states of a case, in workflow order (GB/T 30428 practice).
var EventStatuses = []string{
	"REPORTED",         // 上报: found or reported, not yet registered
	"REGISTERED",       // 立案: accepted, deadline running, waiting to be dispatched
	"DISPATCHED",       // 派遣: sent to a handler
	"HANDLING",         // 处置中: the handler is working on it
	"HANDLED",          // 处置完毕: reported back, waiting for verification on site
	"VERIFIED",         // 核查通过: verified on site by someone other than the handler
	"CLOSED_FIXED",     // 结案(已解决)
	"CLOSED_NOT_FIXED", // 结案(未解决): closed but not fixed, kept apart from fixed
	"VOIDED",           // 作废: duplicate or invalid
}

// Event is a case (事件): a problem found by a patrol or reported by a resident, pushed up the
// tree until someone solves it. Its current grid moves on dispatch and escalation; its origin
// grid stays where it was reported, so the reporting grid keeps seeing it and its feedback.
type Event struct {
	ent.Schema
}

// Mixin of Event.
func (Event) Mixin() []ent.Mixin { return []ent.Mixin{Base{}} }

// Fields of Event.
func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.String("tracking_code").
			NotEmpty().MaxRuneLen(32).Immutable().
			Comment("Unguessable code a resident uses to follow a report (查询码).").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.Enum("source").Annotations(labeled("EventSource")).
			Values("PATROL", "RESIDENT_REPORT", "HOTLINE", "INSPECTION", "OTHER").
			Comment("How the problem became known: see EventSource.").
			Annotations(entgql.Type("EventSource"), entgql.OrderField("SOURCE")),
		field.String("title").NotEmpty().MaxRuneLen(200).
			Comment("Short description of the problem.").
			Annotations(entgql.OrderField("TITLE")),
		field.String("description").MaxRuneLen(maxText).Default("").
			Comment("What was found, in detail."),
		field.String("address").MaxRuneLen(500).Default("").
			Comment("Where the problem is."),
		field.Float("latitude").Optional().Nillable().Min(-90).Max(90).
			Comment("WGS-84 latitude, if known."),
		field.Float("longitude").Optional().Nillable().Min(-180).Max(180).
			Comment("WGS-84 longitude, if known."),
		field.Strings("photo_urls").Optional().
			Comment("Photos of the problem (at most 9 URLs)."),
		field.Float("quantity").Optional().Nillable().Min(0).
			Comment("Amount involved, e.g. 12.5 (m³ of garbage); see unit."),
		field.String("unit").MaxRuneLen(20).Default("").
			Comment("Unit of quantity, e.g. m³, m², 处, 块."),
		field.Enum("status").Annotations(labeled("EventStatus")).
			Values(EventStatuses...).
			Default("REPORTED").
			Comment("Where the case stands in the workflow: see EventStatus.").
			Annotations(entgql.Type("EventStatus"), entgql.OrderField("STATUS"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("reported_at").
			Comment("When the problem was reported (UTC).").
			Annotations(entgql.OrderField("REPORTED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("registered_at").Optional().Nillable().
			Comment("When the case was registered (立案) and its deadline started (UTC).").
			Annotations(entgql.OrderField("REGISTERED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("deadline").Optional().Nillable().
			Comment("When the case must be closed (UTC), from the category's time limit and the work calendar.").
			Annotations(entgql.OrderField("DEADLINE"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Enum("limit_unit").GoType(timeunit.Unit("")).Optional().Nillable().
			Comment("Unit of the time limit the deadline was computed in, copied from the category at registration.").
			Annotations(entgql.Type("TimeLimitUnit"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.Int("time_limit").Optional().Nillable().NonNegative().
			Comment("The time limit the deadline was computed with, in limit_unit, copied from the category when it started; null when the deadline is an approved extension's date.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.Time("deadline_from").Optional().Nillable().
			Comment("When the time limit started (registration, or reopening): a new work calendar recomputes the deadline from here.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("requested_deadline").Optional().Nillable().
			Comment("A deadline extension asked for and not yet decided.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("closed_at").Optional().Nillable().
			Comment("When the case was closed or voided (UTC).").
			Annotations(entgql.OrderField("CLOSED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("feedback").MaxRuneLen(maxText).Default("").
			Comment("How the problem was resolved (反馈), shown to the reporter and on the public page.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("rework_count").NonNegative().Default(0).
			Comment("How often the handling was sent back for rework.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("escalation_count").NonNegative().Default(0).
			Comment("How often the case was escalated to a parent grid (逐级上报).").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("version").NonNegative().Default(1).
			Comment("Optimistic-lock version: pass it to a transition to be told (CONFLICT) when someone acted first.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.String("reporter_name").MaxRuneLen(maxName).Default("").Sensitive().
			Comment("Name a resident gave with a public report; never public.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("reporter_phone").MaxRuneLen(maxPhone).Default("").Sensitive().
			Comment("Phone a resident gave with a public report; never public.").
			Annotations(entgql.Skip(entgql.SkipAll)),
		pathField("grid_path", "Copy of the current grid's path."),
		pathField("origin_path", "Copy of the origin grid's path."),
		field.Int("grid_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("origin_grid_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("category_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("reporter_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("assignee_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("duplicate_of_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of Event.
func (Event) Edges() []ent.Edge {
	return []ent.Edge{
		// grid and origin_grid are exposed as nullable fields in graph/schema/event.graphql: a
		// viewer may see a case through one grid and not the other.
		edge.To("grid", Grid.Type).Field("grid_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("origin_grid", Grid.Type).Field("origin_grid_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("category", EventCategory.Type).Field("category_id").Unique().Required().
			Comment("What kind of problem it is.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("reporter", Person.Type).Field("reporter_id").Unique().Immutable().
			Comment("The staff member who reported it; null for residents' reports.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("assignee", Person.Type).Field("assignee_id").Unique().
			Comment("The person handling it now.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("duplicates", Event.Type).
			Comment("Cases voided as duplicates of this one.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			From("duplicate_of").Field("duplicate_of_id").Unique().
			Comment("The original case, when this one was voided as a duplicate.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("actions", EventAction.Type).
			Comment("The timeline: every step taken, oldest first.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Event.
func (Event) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tracking_code").Unique(),
		index.Fields("grid_path", "reported_at").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")).StorageKey("event_grid_path_reported"),
		index.Fields("origin_path").Annotations(entsql.OpClass("varchar_pattern_ops")),
		index.Fields("status", "deadline"),
		// "My events" filtered by status: the status and the subtree narrow the page together
		// (0.3 ms instead of 3.7 ms for a village of a million-case district).
		index.Fields("status", "grid_path").Annotations(entsql.OpClassColumn("grid_path", "varchar_pattern_ops")),
		index.Fields("status", "origin_path").Annotations(entsql.OpClassColumn("origin_path", "varchar_pattern_ops")),
		index.Fields("reported_at"),
	}
}

// Annotations of Event.
func (Event) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		// What graph/event.resolvers.go reads of the row for each field it computes.
		GQLComputed{
			"grid":            {"grid_id"},
			"originGrid":      {"origin_grid_id"},
			"statusLabel":     {"status"},
			"sourceLabel":     {"source"},
			"slaLight":        {"registered_at", "deadline", "limit_unit", "closed_at"},
			"overdue":         {"status", "deadline"},
			"timeline":        {},
			"reporterContact": {"reporter_name", "reporter_phone"},
		},
	}
}
