// Package servertest runs gridgov's HTTP handler against a test database and sends GraphQL
// requests to it as any viewer, so that tests go through the real API end to end.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	_ "gridgov/ent/runtime" // the schemas' hooks and privacy policies
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/server"
)

// Password is the password of every account the harness creates.
const Password = "test-password-123"

// Env is a server on a test database.
type Env struct {
	DB       *dbtest.DB
	Client   *ent.Client
	Enforcer *authz.Enforcer
	Auth     *auth.Service
	Handler  http.Handler

	users atomic.Int64
}

// New returns a server on db.
func New(t testing.TB, db *dbtest.DB) *Env {
	t.Helper()
	enf, err := authz.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(db.Client, enf, time.Hour)
	return &Env{
		DB: db, Client: db.Client, Enforcer: enf, Auth: svc,
		Handler: server.New(server.Config{Client: db.Client, Enforcer: enf, Auth: svc, Introspection: true}),
	}
}

// System returns a context that passes every privacy rule, for setting up test data.
func System() context.Context {
	return authz.SystemContext(context.Background(), "test setup")
}

// TokenFor creates an account linked to personID (0 for none; superuser for a system
// administrator), opens a session for it and returns its bearer token. It skips the password
// check, which costs tens of milliseconds, so that tests can make hundreds of viewers.
func (e *Env) TokenFor(t testing.TB, personID int, superuser bool) string {
	t.Helper()
	ctx := System()
	c := e.Client.User.Create().SetUsername(fmt.Sprintf("user%d", e.users.Add(1))).
		SetPasswordHash(passwordHash(t)).SetSuperuser(superuser)
	if personID != 0 {
		c.SetPersonID(personID)
	}
	u, err := c.Save(ctx)
	if err != nil {
		t.Fatalf("create user for person %d: %v", personID, err)
	}
	token, _, err := e.Auth.OpenSession(ctx, u.ID, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

var (
	hashOnce sync.Once
	hash     string
	hashErr  error
)

// passwordHash is the hash of Password, computed once per test binary.
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() { hash, hashErr = auth.HashPassword(Password) })
	if hashErr != nil {
		t.Fatal(hashErr)
	}
	return hash
}

// Login signs in through the API and returns the token.
func (e *Env) Login(t testing.TB, username, password string) string {
	t.Helper()
	var out struct {
		Login struct{ Token string }
	}
	e.MustDo(t, "", `mutation($u:String!,$p:String!){login(username:$u,password:$p){token}}`, map[string]any{"u": username, "p": password}, &out)
	return out.Login.Token
}

// Error is one GraphQL error of a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Response is a GraphQL response.
type Response struct {
	Status int             `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Codes returns the errors' codes, in order.
func (r *Response) Codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Code()
	}
	return out
}

// Do sends one GraphQL request with the given bearer token ("" for anonymous).
func (e *Env) Do(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return e.DoRaw(t, token, "POST", body)
}

// DoRaw sends a raw request body to /graphql.
func (e *Env) DoRaw(t testing.TB, token, method string, body []byte) *Response {
	t.Helper()
	req := httptest.NewRequest(method, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.send(t, token, req)
}

// send serves req with the bearer token ("" for anonymous) and decodes the GraphQL response.
func (e *Env) send(t testing.TB, token string, req *http.Request) *Response {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	var resp Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode response (status %d): %v\n%s", rec.Code, err, rec.Body.String())
	}
	resp.Status = rec.Code
	return &resp
}

// MustDo sends a request, fails the test on any GraphQL error and decodes data into out.
func (e *Env) MustDo(t testing.TB, token, query string, vars map[string]any, out any) {
	t.Helper()
	resp := e.Do(t, token, query, vars)
	if len(resp.Errors) > 0 {
		t.Fatalf("query failed: %+v\nquery: %s", resp.Errors, strings.TrimSpace(query))
	}
	if out != nil {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			t.Fatalf("decode data: %v\n%s", err, resp.Data)
		}
	}
}

// MustFail sends a request and fails the test unless it returns an error with code; it
// returns the first error.
func (e *Env) MustFail(t testing.TB, token, query string, vars map[string]any, code string) Error {
	t.Helper()
	resp := e.Do(t, token, query, vars)
	for _, er := range resp.Errors {
		if er.Code() == code {
			return er
		}
	}
	t.Fatalf("want an error with code %s, got %+v (data %s)\nquery: %s", code, resp.Errors, resp.Data, strings.TrimSpace(query))
	return Error{}
}

// File is a file of a multipart request: the variable it fills (e.g. "in.photos.0", the
// path below "variables"), its name and its bytes.
type File struct {
	Var, Name string
	Data      []byte
}

// DoUpload sends one GraphQL multipart request (the graphql-multipart-request-spec, as
// browsers and apollo-upload-client send it): the operation, the map, then the files. vars
// must hold null where each file goes.
func (e *Env) DoUpload(t testing.TB, token, query string, vars map[string]any, files []File) *Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	fileMap := map[string][]string{}
	for i, f := range files {
		fileMap[strconv.Itoa(i)] = []string{"variables." + f.Var}
	}
	m, _ := json.Marshal(fileMap)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", string(m))
	for i, f := range files {
		w, err := mw.CreateFormFile(strconv.Itoa(i), f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f.Data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.send(t, token, req)
}
