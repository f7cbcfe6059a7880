package schema

// GQLComputed names, for entgql's field collection (ent/gqltemplate/collection.tmpl), the
// columns that each GraphQL field a resolver computes reads from the row: a list or lookup
// asking for such fields selects those columns and the ones asked for, not every column. A
// computed field no annotation names makes its query read every column; a column named here
// that a resolver does not read only costs its bytes, one it reads but is not named here
// comes back zero, so name every column the resolver touches.
type GQLComputed map[string][]string

// Name implements schema.Annotation.
func (GQLComputed) Name() string { return "GQLComputed" }
