package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/internal/apperr"
)

// PageSizeLimit is a field middleware that refuses first or last outside 0..MaxPageSize on any
// field, so that every connection, generated edges included, has the same hard cap.
func PageSizeLimit(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && fc.Args != nil {
		for _, name := range []string{"first", "last"} {
			if v, ok := fc.Args[name].(*int); ok && v != nil && (*v < 0 || *v > MaxPageSize) {
				return nil, apperr.Invalid(name, "%s must be between 0 and %d, got %d; page with the cursor instead", name, MaxPageSize, *v)
			}
		}
	}
	return next(ctx)
}

// checkListLen refuses list arguments longer than maxListLen.
func checkListLen(field string, n int) error {
	if n > maxListLen {
		return apperr.Invalid(field, "%s may hold at most %d items, got %d", field, maxListLen, n)
	}
	return nil
}
