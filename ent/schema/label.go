package schema

// label marks an enum field whose zh-CN label (internal/labels, under the GraphQL enum's name
// Enum) the API serves as the field <name>Label: ent/template/labels.tmpl generates a plain
// method <Field>Label on the entity for it, which gqlgen resolves inline while it builds the
// object, where a resolver method would cost a concurrent task per object and field.
type label struct {
	Enum string
}

// Name of the annotation.
func (label) Name() string { return "Label" }

// labeled returns the label annotation of an enum field whose GraphQL enum is named enum.
func labeled(enum string) label { return label{Enum: enum} }
