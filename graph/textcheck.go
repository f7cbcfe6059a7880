package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/internal/apperr"
	"gridgov/internal/inputtext"
)

// TextCheck refuses, before execution, an operation whose variables or literal arguments hold
// a string that inputtext.Check rejects (a NUL byte, another control character), with
// BAD_USER_INPUT naming the variable or argument. It is the one check of every string a
// GraphQL client sends, so no resolver, filter or store needs its own.
type TextCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = TextCheck{}

// ExtensionName names the extension for gqlgen.
func (TextCheck) ExtensionName() string { return "TextCheck" }

// Validate accepts every schema.
func (TextCheck) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks the operation's variables, then the literal values in its
// document (operations and fragments alike, directives included).
func (TextCheck) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	for name, v := range rc.Variables {
		if err := checkVariable("$"+name, v); err != nil {
			return apperr.Present(ctx, err)
		}
	}
	if rc.Doc == nil {
		return nil
	}
	for _, op := range rc.Doc.Operations {
		if err := checkSelections(op.SelectionSet, op.Directives); err != nil {
			return apperr.Present(ctx, err)
		}
	}
	for _, f := range rc.Doc.Fragments {
		if err := checkSelections(f.SelectionSet, f.Directives); err != nil {
			return apperr.Present(ctx, err)
		}
	}
	return nil
}

// checkVariable checks every string in a decoded JSON variable value; where names it.
func checkVariable(where string, v any) *apperr.Error {
	switch v := v.(type) {
	case string:
		return checkString(where, v)
	case map[string]any:
		for k, e := range v {
			if err := checkString(where+" key", k); err != nil {
				return err
			}
			if err := checkVariable(where+"."+k, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkVariable(fmt.Sprintf("%s[%d]", where, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSelections checks the literal arguments of a selection set's fields and directives.
func checkSelections(set ast.SelectionSet, dirs ast.DirectiveList) *apperr.Error {
	for _, d := range dirs {
		if err := checkArguments("@"+d.Name, d.Arguments); err != nil {
			return err
		}
	}
	for _, s := range set {
		var err *apperr.Error
		switch s := s.(type) {
		case *ast.Field:
			if err = checkArguments(s.Name, s.Arguments); err == nil {
				err = checkSelections(s.SelectionSet, s.Directives)
			}
		case *ast.InlineFragment:
			err = checkSelections(s.SelectionSet, s.Directives)
		case *ast.FragmentSpread:
			err = checkSelections(nil, s.Directives)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkArguments checks the literal values of one field's or directive's arguments.
func checkArguments(owner string, args ast.ArgumentList) *apperr.Error {
	for _, a := range args {
		if err := checkValue(owner+"("+a.Name+")", a.Value); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks a literal value and, for lists and input objects, the values inside it.
func checkValue(where string, v *ast.Value) *apperr.Error {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		return checkString(where, v.Raw)
	case ast.ListValue, ast.ObjectValue:
		for _, c := range v.Children {
			w := where
			if c.Name != "" {
				w += "." + c.Name
			}
			if err := checkValue(w, c.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkString refuses s when inputtext.Check does.
func checkString(where, s string) *apperr.Error {
	if err := inputtext.Check(s); err != nil {
		return apperr.Invalid(where, "%s: %v", where, err)
	}
	return nil
}
