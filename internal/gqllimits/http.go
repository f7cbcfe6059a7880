package gqllimits

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
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Requests checks GraphQL requests over HTTP before gqlgen reads them.
type Requests struct {
	// Timeout is given to the rest of the chain as the request's deadline.
	Timeout time.Duration
	// Refuse answers a refused request with its status, extensions.code and message.
	Refuse func(w http.ResponseWriter, r *http.Request, status int, code, msg string)
	// Operation, if set, is told the operation name the request asks for, before gqlgen has
	// parsed it (the server's request log names refused requests by it).
	Operation func(r *http.Request, name string)
	// MaxUploadBytes bounds a multipart request (the GraphQL multipart request with files);
	// 0 refuses multipart requests.
	MaxUploadBytes int64
}

// Wrap refuses, with a 4xx status and a code, the requests that gqlgen would answer
// unclearly, late or not at all: other methods and media types, bodies over MaxBodyBytes,
// batches (JSON arrays), bodies that are not a GraphQL request in JSON, and mutations over
// GET. It then gives the request timeout to the rest of the chain.
func (q Requests) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if !q.checkPost(w, r) {
				return
			}
		case http.MethodGet:
			if !q.checkGet(w, r) {
				return
			}
		case http.MethodOptions, http.MethodHead:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			q.Refuse(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
				fmt.Sprintf("method %s is not allowed: send operations with POST (queries also with GET)", r.Method))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), q.Timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// checkPost reads the body of a POST request into memory, within MaxBodyBytes, and checks
// that it is one GraphQL request in JSON. It answers and returns false if not.
func (q Requests) checkPost(w http.ResponseWriter, r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "multipart/form-data" && q.MaxUploadBytes > 0 {
		return q.checkMultipart(w, r)
	}
	if err != nil || mt != "application/json" {
		q.Refuse(w, r, http.StatusUnsupportedMediaType, codeMediaType,
			"send the request body as JSON with Content-Type: application/json (or, with files, as a GraphQL multipart request)")
		return false
	}
	tooLarge := func() bool {
		w.Header().Set("Connection", "close") // the rest of the body is not read
		q.Refuse(w, r, http.StatusRequestEntityTooLarge, codeRequestTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", MaxBodyBytes))
		return false
	}
	if r.ContentLength > MaxBodyBytes {
		return tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		q.Refuse(w, r, http.StatusBadRequest, codeBadRequest, "could not read the request body")
		return false
	}
	if len(body) > MaxBodyBytes {
		return tooLarge()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))

	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		q.Refuse(w, r, http.StatusBadRequest, codeBatch,
			"batched requests (a JSON array of operations) are not supported: send one operation per request")
		return false
	}
	// Decoded as gqlgen's POST transport decodes it, whose own answer to a body it cannot
	// decode has no code and repeats the whole body.
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		q.Refuse(w, r, http.StatusBadRequest, codeBadRequest, "the request body is not a GraphQL request in JSON: "+jsonProblem(err))
		return false
	}
	q.operation(r, params.OperationName)
	return true
}

// checkMultipart bounds a multipart request (files: gqlgen's multipart transport reads it) to
// MaxUploadBytes. Its operation is checked like any other by QueryLimits once parsed.
func (q Requests) checkMultipart(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength > q.MaxUploadBytes {
		w.Header().Set("Connection", "close")
		q.Refuse(w, r, http.StatusRequestEntityTooLarge, codeRequestTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes: send fewer or smaller files", q.MaxUploadBytes))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, q.MaxUploadBytes)
	q.operation(r, "")
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
func (rq Requests) checkGet(w http.ResponseWriter, r *http.Request) bool {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		rq.Refuse(w, r, http.StatusBadRequest, codeBadRequest, "the URL query string is malformed")
		return false
	}
	for _, param := range []string{"variables", "extensions"} {
		if v := q.Get(param); v != "" {
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				rq.Refuse(w, r, http.StatusBadRequest, codeBadRequest, param+" must be a JSON object")
				return false
			}
		}
	}
	rq.operation(r, q.Get("operationName"))
	doc, perr := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q.Get("query")}, ParserTokens)
	if perr != nil {
		return true // refused with its code by QueryLimits
	}
	if op := doc.Operations.ForName(q.Get("operationName")); op != nil && op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		rq.Refuse(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("a %s must be sent with POST: GET requests only run queries", op.Operation))
		return false
	}
	return true
}

// operation tells Operation, if set, the operation name of r.
func (q Requests) operation(r *http.Request, name string) {
	if q.Operation != nil {
		q.Operation(r, name)
	}
}
