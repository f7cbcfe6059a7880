package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

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
// attack_test.go.
const (
	maxBodyBytes = 1 << 20 // 1 MiB
	// parserTokens bounds parsing: by default a 60 KB request of repeated fields takes ~19 s.
	parserTokens = 15_000
	// maxComplexity is the complexity budget of a signed-in caller's operation: connections
	// count their page size, other lists their length (graph.NewSchemaFor). The README's
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

	// DefaultRequestTimeout is how long a GraphQL request may take unless Config says otherwise.
	DefaultRequestTimeout = 15 * time.Second
	queryCacheItems       = 1000
)

// complexityLimit refuses, before execution, an operation that costs more than its caller's
// budget: maxAnonymousComplexity without sign-in, maxComplexity with.
func complexityLimit() *extension.ComplexityLimit {
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
	codeBadUserInput     = "BAD_USER_INPUT" // graph.PageSizeCheck refuses a page size before execution
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

// withLimits refuses, with a 4xx status and a code, the requests that gqlgen would answer
// unclearly, late or not at all: other methods and media types, bodies over maxBodyBytes,
// batches (JSON arrays), bodies that are not a GraphQL request in JSON, and mutations over
// GET. It then gives the request timeout to the rest of the chain.
func withLimits(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if !checkPost(w, r) {
				return
			}
		case http.MethodGet:
			if !checkGet(w, r) {
				return
			}
		case http.MethodOptions, http.MethodHead:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			respondError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
				fmt.Sprintf("method %s is not allowed: send operations with POST (queries also with GET)", r.Method))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// checkPost reads the body of a POST request into memory, within maxBodyBytes, and checks
// that it is one GraphQL request in JSON. It answers and returns false if not.
func checkPost(w http.ResponseWriter, r *http.Request) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		respondError(w, r, http.StatusUnsupportedMediaType, codeMediaType,
			"send the request body as JSON with Content-Type: application/json")
		return false
	}
	tooLarge := func() bool {
		w.Header().Set("Connection", "close") // the rest of the body is not read
		respondError(w, r, http.StatusRequestEntityTooLarge, codeRequestTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", maxBodyBytes))
		return false
	}
	if r.ContentLength > maxBodyBytes {
		return tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		respondError(w, r, http.StatusBadRequest, codeBadRequest, "could not read the request body")
		return false
	}
	if len(body) > maxBodyBytes {
		return tooLarge()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))

	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		respondError(w, r, http.StatusBadRequest, codeBatch,
			"batched requests (a JSON array of operations) are not supported: send one operation per request")
		return false
	}
	// Decoded as gqlgen's POST transport decodes it, whose own answer to a body it cannot
	// decode has no code and repeats the whole body.
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		respondError(w, r, http.StatusBadRequest, codeBadRequest, "the request body is not a GraphQL request in JSON: "+jsonProblem(err))
		return false
	}
	infoFrom(r.Context()).rawOperation = params.OperationName
	return true
}

// jsonProblem describes a JSON decoding error without Go type names.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return fmt.Sprintf("it is a JSON %s, not an object", typeErr.Value)
		}
		return fmt.Sprintf("%q must not be a JSON %s", typeErr.Field, typeErr.Value)
	}
	if errors.Is(err, io.EOF) {
		return "it is empty"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// checkGet refuses a GET request whose variables or extensions are not JSON objects, and one
// whose operation is not a query (a mutation could otherwise be triggered by a link or an
// <img>). gqlgen refuses such mutations only after validating them, with 406 and no code.
func checkGet(w http.ResponseWriter, r *http.Request) bool {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		respondError(w, r, http.StatusBadRequest, codeBadRequest, "the URL query string is malformed")
		return false
	}
	for _, param := range []string{"variables", "extensions"} {
		if v := q.Get(param); v != "" {
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				respondError(w, r, http.StatusBadRequest, codeBadRequest, param+" must be a JSON object")
				return false
			}
		}
	}
	infoFrom(r.Context()).rawOperation = q.Get("operationName")
	doc, perr := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q.Get("query")}, parserTokens)
	if perr != nil {
		return true // refused with its code by queryLimits
	}
	if op := doc.Operations.ForName(q.Get("operationName")); op != nil && op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		respondError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("a %s must be sent with POST: GET requests only run queries", op.Operation))
		return false
	}
	return true
}

// queryLimits refuses documents that are cheap to send but expensive to validate or execute,
// before gqlgen validates them: too many fragments, fields or directives, fields nested too
// deep, or too many fields of one name in one selection set. Fragments are expanded where
// they are spread, with each fragment measured once, so a fragment that spreads another twice
// at every level cannot hide an exponential query.
type queryLimits struct {
	// cache is the handler's query cache: a document in it passed these limits when it was
	// parsed, so it is not parsed again.
	cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = queryLimits{}

// ExtensionName names the extension.
func (queryLimits) ExtensionName() string { return "QueryLimits" }

// Validate accepts any schema.
func (queryLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters parses the query and checks the limits.
func (l queryLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, parserTokens)
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
		return limitError(codeTokenLimit, nil, "the query has more than %d tokens (names, punctuation and values): split it into smaller queries", parserTokens)
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

// truncateErrors keeps the first maxErrors errors of a response without data (a request
// refused before execution) and says how many more there were.
func truncateErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
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
