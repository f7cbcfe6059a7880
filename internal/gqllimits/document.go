package gqllimits

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"gridgov/authz"
)

// Limits applied to every GraphQL request. A document within them costs at most a few
// milliseconds to parse and validate; the measurements that chose them are in
// internal/server/attack_test.go.
const (
	// MaxBodyBytes bounds a request's body.
	MaxBodyBytes = 1 << 20 // 1 MiB
	// ParserTokens bounds parsing: by default a 60 KB request of repeated fields takes ~19 s.
	ParserTokens = 15_000
	// maxComplexity is the complexity budget of a signed-in caller's operation: connections
	// count their page size, other lists their length (Complexity and Costed). The README's
	// example queries cost 1,000–4,000; a page of 100 cases with their timelines 6,400; a
	// sheet of 500 notice cards with everything on them 40,000.
	maxComplexity = 50_000
	// maxAnonymousComplexity is the budget of an operation without sign-in, which anyone
	// can send from anywhere: a notice card costs ~80, a bulletin ~500, the badges of a
	// subtree ~5,500 (500 badges); a sheet of cards with their people does not fit (the
	// printed sheet at /cards?root= serves it), nor 20 copies of a sheet by grid code.
	maxAnonymousComplexity = 10_000
	// maxDepth is the deepest nesting of fields, fragments expanded. gqlgen's full
	// introspection query (GraphiQL's) reaches 15.
	maxDepth = 15
	// maxFields bounds the fields of a document as written, and of each operation and fragment
	// with its fragments expanded (aliases are fields). Validation compares fields that share
	// a response name pairwise: 14,000 repeated fields, under the token limit, took 35 s.
	maxFields = 500
	// maxSameName bounds the fields at one response path (me.person.name), fragments and
	// same-named fields merged as execution merges them, which keeps that pairwise comparison
	// small: 20 fields me, each selecting username 20 times, took 15 ms to validate.
	maxSameName = 50
	// maxDirectives bounds the directives of a document: each repeated or unknown one costs a
	// validation error.
	maxDirectives = 50
	// maxFragments bounds the fragment definitions of a document: validating a chain of
	// fragments costs the square of its length (1,800 links took 3.3 s).
	maxFragments = 100
	// maxErrors bounds the errors of a refused request's response: a document of unknown
	// arguments within the token limit would otherwise answer 3,000 errors (470 KB).
	maxErrors = 20

	// QueryCacheItems is how many parsed documents the handler's query cache keeps.
	QueryCacheItems = 1000
)

// ComplexityLimit refuses, before execution, an operation that costs more than its caller's
// budget: maxAnonymousComplexity without sign-in, maxComplexity with.
func ComplexityLimit() *extension.ComplexityLimit {
	return &extension.ComplexityLimit{Func: func(ctx context.Context, _ *graphql.OperationContext) int {
		if authz.FromContext(ctx) == nil {
			return maxAnonymousComplexity
		}
		return maxComplexity
	}}
}

// extensions.code values of the limits. Each is answered with a 4xx HTTP status.
const (
	codeTokenLimit       = "TOKEN_LIMIT_EXCEEDED"
	codeDepthLimit       = "DEPTH_LIMIT_EXCEEDED"
	codeFieldLimit       = "FIELD_LIMIT_EXCEEDED"
	codeDirectiveLimit   = "DIRECTIVE_LIMIT_EXCEEDED"
	codeFragmentLimit    = "FRAGMENT_LIMIT_EXCEEDED"
	codeComplexityLimit  = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's extension.ComplexityLimit
	codeRequestTooLarge  = "REQUEST_TOO_LARGE"
	codeBatch            = "BATCH_NOT_SUPPORTED"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeMediaType        = "UNSUPPORTED_MEDIA_TYPE"
	codeBadRequest       = "BAD_REQUEST"
	codeBadUserInput     = "BAD_USER_INPUT" // PageSizeCheck refuses a page size before execution
)

func init() {
	// gqlgen answers an operation refused before execution with 422 only when its code is
	// registered as a protocol error (400 when the client accepts
	// application/graphql-response+json); any other code gets 200.
	for _, code := range []string{codeTokenLimit, codeDepthLimit, codeFieldLimit, codeDirectiveLimit,
		codeFragmentLimit, codeComplexityLimit, codeBadUserInput} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// QueryLimits refuses documents that are cheap to send but expensive to validate or execute,
// before gqlgen validates them: too many fragments, fields or directives, fields nested too
// deep, or too many fields of one name in one selection set. Fragments are expanded where
// they are spread, with each fragment measured once, so a fragment that spreads another twice
// at every level cannot hide an exponential query.
type QueryLimits struct {
	// Cache is the handler's query cache: a document in it passed these limits when it was
	// parsed, so it is not parsed again.
	Cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = QueryLimits{}

// ExtensionName names the extension.
func (QueryLimits) ExtensionName() string { return "QueryLimits" }

// Validate accepts any schema.
func (QueryLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters parses the query and checks the limits.
func (l QueryLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.Cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, ParserTokens)
	if err != nil {
		return parseError(err)
	}
	return checkDocument(doc)
}

// parseError gives a parse error its code: the parser's own limits get the codes of limits.
func parseError(err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = gqlerror.Wrap(err)
	}
	switch {
	case strings.HasPrefix(gqlErr.Message, "exceeded token limit"):
		return limitError(codeTokenLimit, nil, "the query has more than %d tokens (names, punctuation and values): split it into smaller queries", ParserTokens)
	case strings.HasPrefix(gqlErr.Message, "exceeded maximum nesting depth"):
		return limitError(codeDepthLimit, nil, "the query nests selections more than %d deep", maxDepth)
	}
	errcode.Set(gqlErr, errcode.ParseFailed)
	return gqlErr
}

func limitError(code string, pos *ast.Position, format string, args ...any) *gqlerror.Error {
	var err *gqlerror.Error
	if pos != nil {
		err = gqlerror.ErrorPosf(pos, format, args...)
	} else {
		err = gqlerror.Errorf(format, args...)
	}
	errcode.Set(err, code)
	return err
}

// checkDocument checks doc, parsed but not validated, against the limits.
func checkDocument(doc *ast.QueryDocument) *gqlerror.Error {
	if n := len(doc.Fragments); n > maxFragments {
		return limitError(codeFragmentLimit, nil, "the query defines %d fragments; at most %d are allowed", n, maxFragments)
	}
	var written counts
	for _, op := range doc.Operations {
		written.directives += len(op.Directives)
		for _, v := range op.VariableDefinitions {
			written.directives += len(v.Directives)
		}
		written.add(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		written.directives += len(f.Directives)
		written.add(f.SelectionSet)
	}
	if written.fields > maxFields {
		return limitError(codeFieldLimit, nil, "the query selects %d fields; at most %d are allowed (aliases count as fields)", written.fields, maxFields)
	}
	if written.directives > maxDirectives {
		return limitError(codeDirectiveLimit, nil, "the query has %d directives; at most %d are allowed", written.directives, maxDirectives)
	}

	c := &shapes{frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)), memo: map[string]shape{}, visiting: map[string]bool{}}
	for _, f := range doc.Fragments {
		c.frags[f.Name] = f
	}
	check := func(what string, pos *ast.Position, set ast.SelectionSet) *gqlerror.Error {
		s, err := c.of(set)
		if err != nil {
			return err
		}
		if s.depth > maxDepth {
			return limitError(codeDepthLimit, pos, "%s nests fields %d deep; at most %d levels are allowed", what, s.depth, maxDepth)
		}
		if s.fields > maxFields {
			return limitError(codeFieldLimit, pos, "%s selects more than %d fields with its fragments expanded", what, maxFields)
		}
		return sameNames(c.frags, "", []ast.SelectionSet{set})
	}
	for _, op := range doc.Operations {
		what := "the operation"
		if op.Name != "" {
			what += " " + op.Name
		}
		if err := check(what, op.Position, op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := check("fragment "+f.Name, f.Position, f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// counts are the fields and directives of a document as written.
type counts struct{ fields, directives int }

func (c *counts) add(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c.fields++
			c.directives += len(s.Directives)
			c.add(s.SelectionSet)
		case *ast.InlineFragment:
			c.directives += len(s.Directives)
			c.add(s.SelectionSet)
		case *ast.FragmentSpread:
			c.directives += len(s.Directives)
		}
	}
}

// shape is the depth and the number of fields of a selection set with its fragments expanded;
// fields saturate just above maxFields.
type shape struct{ depth, fields int }

// shapes measures selection sets, each fragment once.
type shapes struct {
	frags    map[string]*ast.FragmentDefinition
	memo     map[string]shape
	visiting map[string]bool
}

func (c *shapes) of(set ast.SelectionSet) (shape, *gqlerror.Error) {
	var out shape
	merge := func(s shape, depth int) {
		out.depth = max(out.depth, s.depth+depth)
		out.fields = min(out.fields+s.fields+depth, maxFields+1)
	}
	for _, sel := range set {
		var (
			s   shape
			err *gqlerror.Error
		)
		switch x := sel.(type) {
		case *ast.Field:
			if s, err = c.of(x.SelectionSet); err != nil {
				return out, err
			}
			merge(s, 1)
		case *ast.InlineFragment:
			if s, err = c.of(x.SelectionSet); err != nil {
				return out, err
			}
			merge(s, 0)
		case *ast.FragmentSpread:
			if s, err = c.fragment(x); err != nil {
				return out, err
			}
			merge(s, 0)
		}
	}
	return out, nil
}

func (c *shapes) fragment(spread *ast.FragmentSpread) (shape, *gqlerror.Error) {
	if s, ok := c.memo[spread.Name]; ok {
		return s, nil
	}
	f := c.frags[spread.Name]
	if f == nil {
		return shape{}, nil // validation reports the unknown fragment
	}
	if c.visiting[f.Name] {
		// Validation refuses cycles too, but only after walking them.
		err := gqlerror.ErrorPosf(spread.Position, "fragment %s spreads itself", f.Name)
		errcode.Set(err, errcode.ValidationFailed)
		return shape{}, err
	}
	c.visiting[f.Name] = true
	s, err := c.of(f.SelectionSet)
	delete(c.visiting, f.Name)
	if err == nil {
		c.memo[f.Name] = s
	}
	return s, err
}

// sameNames counts the fields at each response path of the selection sets, merged as
// execution merges them: the fields of spread and inline fragments join the set they are in,
// and the selections of fields with the same response name join each other. Validation
// compares the fields at one path pairwise. It runs after the shapes: fragments do not
// cycle, and the fields it visits are at most maxFields.
func sameNames(frags map[string]*ast.FragmentDefinition, path string, sets []ast.SelectionSet) *gqlerror.Error {
	var (
		order  []string
		byName = map[string][]*ast.Field{}
		err    *gqlerror.Error
	)
	var collect func(set ast.SelectionSet)
	collect = func(set ast.SelectionSet) {
		for _, sel := range set {
			if err != nil {
				return
			}
			switch x := sel.(type) {
			case *ast.Field:
				name := x.Alias
				if name == "" {
					name = x.Name
				}
				if _, ok := byName[name]; !ok {
					order = append(order, name)
				}
				byName[name] = append(byName[name], x)
				if len(byName[name]) > maxSameName {
					err = limitError(codeFieldLimit, x.Position, "%q is selected more than %d times", path+name, maxSameName)
				}
			case *ast.InlineFragment:
				collect(x.SelectionSet)
			case *ast.FragmentSpread:
				if f := frags[x.Name]; f != nil {
					collect(f.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		collect(set)
	}
	if err != nil {
		return err
	}
	for _, name := range order {
		var subs []ast.SelectionSet
		for _, f := range byName[name] {
			if len(f.SelectionSet) > 0 {
				subs = append(subs, f.SelectionSet)
			}
		}
		if len(subs) > 0 {
			if err := sameNames(frags, path+name+".", subs); err != nil {
				return err
			}
		}
	}
	return nil
}

// TruncateErrors keeps the first maxErrors errors of a response without data (a request
// refused before execution) and says how many more there were.
func TruncateErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Data) > 0 || len(resp.Errors) <= maxErrors {
		return resp
	}
	more := &gqlerror.Error{
		Message:    fmt.Sprintf("and %d more errors", len(resp.Errors)-maxErrors),
		Extensions: resp.Errors[maxErrors].Extensions,
	}
	resp.Errors = append(resp.Errors[:maxErrors:maxErrors], more)
	return resp
}
