package gqllimits

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// withDefaultPageSizes returns opCtx's document with `first: DefaultPageSize` written into
// every connection field that the request gives neither first nor last (or gives them as
// null variables), and the operation to run from it; the document itself is returned when
// there is none. Written into the document, the default is seen alike by the resolvers, by
// entgql's eager loading of nested connections and by the complexity limit, so a connection
// never returns more rows than it is costed for. The cached document is shared between
// requests and never changed: fields on the way to a rewritten one are copied.
func withDefaultPageSizes(opCtx *graphql.OperationContext) (*ast.QueryDocument, *ast.OperationDefinition) {
	r := pageRewriter{vars: opCtx.Variables, frags: map[string]*ast.FragmentDefinition{}, doc: opCtx.Doc}
	changed := false
	frags := make(ast.FragmentDefinitionList, len(opCtx.Doc.Fragments))
	for i, f := range opCtx.Doc.Fragments {
		frags[i] = r.fragment(f.Name)
		changed = changed || frags[i] != f
	}
	ops := make(ast.OperationList, len(opCtx.Doc.Operations))
	var run *ast.OperationDefinition
	for i, op := range opCtx.Doc.Operations {
		ops[i] = op
		if set, ok := r.selections(op.SelectionSet); ok {
			cp := *op
			cp.SelectionSet = set
			ops[i], changed = &cp, true
		}
		if op == opCtx.Operation {
			run = ops[i]
		}
	}
	if !changed {
		return opCtx.Doc, opCtx.Operation
	}
	doc := *opCtx.Doc
	doc.Operations, doc.Fragments = ops, frags
	return &doc, run
}

// pageRewriter rewrites the selections of one request's document.
type pageRewriter struct {
	vars  map[string]any
	doc   *ast.QueryDocument
	frags map[string]*ast.FragmentDefinition // by name: the rewritten copy, or the original
}

// fragment returns the fragment named name, rewritten if it needs to be.
func (r *pageRewriter) fragment(name string) *ast.FragmentDefinition {
	if f, ok := r.frags[name]; ok {
		return f
	}
	f := r.doc.Fragments.ForName(name)
	if f == nil {
		return nil
	}
	r.frags[name] = f // validation refuses cycles; this only stops the walk on one
	if set, ok := r.selections(f.SelectionSet); ok {
		cp := *f
		cp.SelectionSet = set
		r.frags[name] = &cp
	}
	return r.frags[name]
}

// selections returns set rewritten and true, or set and false when nothing in it changes.
func (r *pageRewriter) selections(set ast.SelectionSet) (ast.SelectionSet, bool) {
	var out ast.SelectionSet
	for i, sel := range set {
		next := sel
		switch s := sel.(type) {
		case *ast.Field:
			if f, ok := r.field(s); ok {
				next = f
			}
		case *ast.InlineFragment:
			if sub, ok := r.selections(s.SelectionSet); ok {
				cp := *s
				cp.SelectionSet = sub
				next = &cp
			}
		case *ast.FragmentSpread:
			if f := r.fragment(s.Name); f != nil && f != s.Definition {
				cp := *s
				cp.Definition = f
				next = &cp
			}
		}
		if next != sel && out == nil {
			out = make(ast.SelectionSet, len(set))
			copy(out, set[:i])
		}
		if out != nil {
			out[i] = next
		}
	}
	if out == nil {
		return set, false
	}
	return out, true
}

// field returns a copy of f with the default page size and rewritten selections, and true,
// or f and false when neither is needed.
func (r *pageRewriter) field(f *ast.Field) (*ast.Field, bool) {
	sub, changed := r.selections(f.SelectionSet)
	args := f.Arguments
	if isConnection(f.Definition) {
		given := f.ArgumentMap(r.vars)
		if given["first"] == nil && given["last"] == nil {
			args = make(ast.ArgumentList, 0, len(f.Arguments)+1)
			for _, a := range f.Arguments {
				if a.Name != "first" && a.Name != "last" { // null variables
					args = append(args, a)
				}
			}
			args = append(args, &ast.Argument{Name: "first", Position: f.Position, Value: &ast.Value{
				Kind: ast.IntValue, Raw: strconv.Itoa(DefaultPageSize), Position: f.Position,
			}})
			changed = true
		}
	}
	if !changed {
		return f, false
	}
	cp := *f
	cp.Arguments, cp.SelectionSet = args, sub
	return &cp, true
}

// isConnection reports whether def is a Relay connection field: one with first and last.
func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && def.Arguments.ForName("first") != nil && def.Arguments.ForName("last") != nil
}

var describeOnce sync.Once

// describePageSizes says in the schema, as introspection shows it, what a connection's first
// and last default to and are capped at: entgql writes the same generic text for every
// connection, and the schema it writes is generated, so the words are added here, once.
func describePageSizes(schema *ast.Schema) {
	describeOnce.Do(func() {
		for _, def := range schema.Types {
			for _, f := range def.Fields {
				if !isConnection(f) {
					continue
				}
				f.Arguments.ForName("first").Description = fmt.Sprintf(
					"Returns the first _n_ elements from the list (at most %d); %d when neither first nor last is given.", MaxPageSize, DefaultPageSize)
				f.Arguments.ForName("last").Description = fmt.Sprintf(
					"Returns the last _n_ elements from the list (at most %d).", MaxPageSize)
			}
		}
	})
}
