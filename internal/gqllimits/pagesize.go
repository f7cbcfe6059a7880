package gqllimits

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/internal/apperr"
)

// PageSizeCheck refuses an operation in which any field asks for first or last above
// MaxPageSize, before the complexity limit runs, so that the client is told which argument
// to change rather than that the whole operation is too complex; and it gives every
// connection asked for without first or last DefaultPageSize rows. Register it before the
// complexity limit, which then costs those connections by the default.
type PageSizeCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = PageSizeCheck{}

// ExtensionName names the extension.
func (PageSizeCheck) ExtensionName() string { return "PageSizeCheck" }

// Validate accepts any schema.
func (PageSizeCheck) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks every field of the operation, fragments included, then gives
// the connections without first or last the default page size.
func (PageSizeCheck) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil {
		return nil
	}
	seen := map[*ast.FragmentDefinition]bool{}
	if err := checkPageSizes(op.SelectionSet, opCtx, seen); err != nil {
		return err
	}
	opCtx.Doc, opCtx.Operation = withDefaultPageSizes(opCtx)
	return nil
}

func checkPageSizes(set ast.SelectionSet, opCtx *graphql.OperationContext, seen map[*ast.FragmentDefinition]bool) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			args := s.ArgumentMap(opCtx.Variables)
			for _, name := range []string{"first", "last"} {
				if n, ok := asInt(args[name]); ok && (n < 0 || n > MaxPageSize) {
					e := gqlerror.Errorf("%s.%s must be between 0 and %d, got %d; page with the cursor instead", s.Alias, name, MaxPageSize, n)
					e.Extensions = map[string]any{"code": string(apperr.BadInput), "field": name}
					return e
				}
			}
			if err := checkPageSizes(s.SelectionSet, opCtx, seen); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := checkPageSizes(s.SelectionSet, opCtx, seen); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Definition] {
				continue
			}
			seen[s.Definition] = true
			if err := checkPageSizes(s.Definition.SelectionSet, opCtx, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// asInt reads an integer argument as parsed from a literal or a variable.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return i, err == nil
	default:
		return 0, false
	}
}
