package graph

import (
	"context"

	"gridgov/authz"
	"gridgov/ent"
)

// Arguments and answers: optional arguments read with their defaults, and what a field
// answers when its row is missing or out of scope.

// deref returns *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// maskNotFound turns "not found" into a null answer.
func maskNotFound[T any](v *T, err error) (*T, error) {
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return v, err
}

// derefInt is *p, or 0.
func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// viewerPerson is the viewer's person id; 0, which matches no row, without one.
func viewerPerson(ctx context.Context) int {
	if v := authz.FromContext(ctx); v != nil {
		return v.PersonID
	}
	return 0
}
