package schema

import (
	"encoding/json"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ImportJob is an import run in the background for a signed-in user (startImport): how far
// it is while it runs, then its plan, kept in the database so that any server process can
// answer importJob. It has no Base mixin on purpose: its progress is written every half
// second, and none of that belongs in the audit log (the import's own writes are audited).
type ImportJob struct {
	ent.Schema
}

// Fields of ImportJob.
func (ImportJob) Fields() []ent.Field {
	return []ent.Field{
		field.String("token").NotEmpty().MaxLen(40).Unique().Immutable().DefaultFunc(newJobToken).
			Comment("The job's name in the API: random and not to be guessed, unlike the row's id."),
		field.Enum("kind").Values("ROSTER", "LEDGER").Immutable().Annotations(labeled("ImportKind")),
		field.Bool("dry_run").Immutable(),
		field.String("file_name").MaxLen(255).Default("").Immutable(),
		field.Int("user_id").Immutable().Comment("The account that started the job: the only one that sees it."),
		field.Enum("status").Values("RUNNING", "DONE", "FAILED").Default("RUNNING").Annotations(labeled("ImportJobStatus")),
		field.String("stage").MaxLen(64).Default("").Comment("What the job is doing: checked, written, …"),
		field.Int("done").NonNegative().Default(0),
		field.Int("total").NonNegative().Default(0).Comment("0 while unknown."),
		field.JSON("result", json.RawMessage{}).Optional().Comment("The plan as the API shows it, once DONE."),
		field.String("error").MaxLen(2000).Default(""),
		field.String("error_code").MaxLen(64).Default(""),
		field.Time("created_at").Immutable().Default(nowUTC),
		field.Time("updated_at").Default(nowUTC).UpdateDefault(nowUTC).
			Comment("Written at least every few seconds while the job runs: a RUNNING job not written for long was left by a server that stopped."),
		field.Time("finished_at").Optional().Nillable(),
	}
}

// Edges of ImportJob.
func (ImportJob) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of ImportJob.
func (ImportJob) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "status")}
}

// Annotations of ImportJob: the GraphQL type is written by hand (graph/schema/importjob.graphql).
func (ImportJob) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// newJobToken is a job's token: J and 16 random characters (31^16).
func newJobToken() string { return randomCode("J", 16) }
