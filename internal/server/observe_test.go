package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
)

// observed is a server on a test database wired as serve wires it: with the pool below the
// client, and a logger writing JSON lines into a buffer.
type observed struct {
	*servertest.Env
	handler http.Handler
	logs    *bytes.Buffer
}

func newObserved(t *testing.T, db *dbtest.DB, adjust func(*server.Config)) *observed {
	t.Helper()
	env := servertest.New(t, db) // for its tokens; its handler is not used
	logs := &bytes.Buffer{}
	cfg := server.Config{
		Client: env.Client, Enforcer: env.Enforcer, Auth: env.Auth, DB: db.SQL,
		Logger: server.NewLogger(logs, "json"),
	}
	if adjust != nil {
		adjust(&cfg)
	}
	return &observed{Env: env, handler: server.New(cfg), logs: logs}
}

var operationName = regexp.MustCompile(`^(?:query|mutation) ([A-Za-z_][A-Za-z0-9_]*)`)

// post sends one GraphQL request with the given headers, and with the operation's name as
// operationName, as clients do.
func (o *observed) post(query string, vars map[string]any, header map[string]string) *httptest.ResponseRecorder {
	req := map[string]any{"query": query, "variables": vars}
	if m := operationName.FindStringSubmatch(query); m != nil {
		req["operationName"] = m[1]
	}
	body, _ := json.Marshal(req)
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return send(o.handler, http.MethodPost, "/graphql", h, string(body))
}

func bearerHeader(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// logLines decodes the JSON log lines.
func logLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// requestLines are the log lines of GraphQL requests.
func requestLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range logLines(t, logs) {
		if l["msg"] == "graphql request" {
			out = append(out, l)
		}
	}
	return out
}

// scrape returns the metrics of /metrics by series, as "name{labels}" → value.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := send(h, http.MethodGet, "/metrics", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d\n%s", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetrics: after requests, /metrics shows the latency histogram by operation name, the
// errors by code and the database pool.
func TestMetrics(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		o := newObserved(t, db, nil)
		admin := o.TokenFor(t, 0, true)
		requests := []struct {
			query  string
			header map[string]string
			status int
		}{
			{query: `query GridPage { grids(first: 1) { totalCount } }`, header: bearerHeader(admin), status: 200},
			{query: `query GridPage { grids(first: 1) { totalCount } }`, header: bearerHeader(admin), status: 200},
			{query: `{ __typename }`, status: 200},
			{query: `query TooMany { me { ` + strings.Repeat("username ", 20_000) + `} }`, status: 422},
			{query: `query Me { me { username } }`, header: bearerHeader("ggv_not-a-token"), status: 401},
			{query: `query Forbidden { grids { totalCount } }`, status: 200}, // anonymous: UNAUTHENTICATED in the response
		}
		for _, r := range requests {
			if rec := o.post(r.query, nil, r.header); rec.Code != r.status {
				t.Fatalf("%.40s: status %d, want %d\n%s", r.query, rec.Code, r.status, rec.Body)
			}
		}
		got := scrape(t, o.handler)
		maxOpen := float64(db.SQL.Stats().MaxOpenConnections)
		cases := []struct {
			series string
			want   float64 // -1: any value
		}{
			{`gridgov_graphql_request_duration_seconds_count{operation="GridPage"}`, 2},
			{`gridgov_graphql_request_duration_seconds_bucket{operation="GridPage",le="+Inf"}`, 2},
			{`gridgov_graphql_request_duration_seconds_bucket{operation="GridPage",le="15"}`, 2},
			{`gridgov_graphql_request_duration_seconds_count{operation="Forbidden"}`, 1},
			// Unnamed, and refused before the operation was known (TooMany, Me).
			{`gridgov_graphql_request_duration_seconds_count{operation="anonymous"}`, 3},
			{`gridgov_graphql_errors_total{code="TOKEN_LIMIT_EXCEEDED"}`, 1},
			{`gridgov_graphql_errors_total{code="UNAUTHENTICATED"}`, 2},
			{`go_sql_max_open_connections{db_name="gridgov"}`, maxOpen},
			{`go_sql_open_connections{db_name="gridgov"}`, -1},
			{`go_sql_in_use_connections{db_name="gridgov"}`, -1},
			{`go_sql_idle_connections{db_name="gridgov"}`, -1},
			{`go_sql_wait_count_total{db_name="gridgov"}`, -1},
			{`go_sql_wait_duration_seconds_total{db_name="gridgov"}`, -1},
			{`go_goroutines`, -1},
		}
		for _, tc := range cases {
			v, ok := got[tc.series]
			switch {
			case !ok:
				t.Errorf("/metrics has no %s", tc.series)
			case tc.want >= 0 && v != tc.want:
				t.Errorf("%s = %v, want %v", tc.series, v, tc.want)
			}
		}
		for series := range got {
			if strings.Contains(series, `code="BAD_USER_INPUT"`) || strings.Contains(series, `operation="TooMany"`) || strings.Contains(series, `operation="Me"`) {
				t.Errorf("unexpected series %s", series)
			}
		}
	})
}

// TestMetricsOperationLabels: operation names become labels only while there are few of them
// and they look like names, so that clients cannot grow the metrics without bound.
func TestMetricsOperationLabels(t *testing.T) {
	t.Parallel()
	o := newObserved(t, dbtest.New(t, "sqlite"), nil)
	names := []string{"_hidden", strings.Repeat("Long", 20)}
	for i := range 250 {
		names = append(names, fmt.Sprintf("Op%d", i))
	}
	for _, n := range names {
		if rec := o.post("query "+n+" { __typename }", nil, nil); rec.Code != http.StatusOK {
			t.Fatalf("query %s: status %d\n%s", n, rec.Code, rec.Body)
		}
	}
	labels := map[string]float64{}
	re := regexp.MustCompile(`^gridgov_graphql_request_duration_seconds_count\{operation="([^"]*)"\}$`)
	for series, v := range scrape(t, o.handler) {
		if m := re.FindStringSubmatch(series); m != nil {
			labels[m[1]] = v
		}
	}
	type summary struct {
		Labels    int
		Other     float64
		Op0, Op49 float64
	}
	// 200 names are admitted; the 2 invalid names and the last 50 valid ones are "other".
	want := summary{Labels: 201, Other: 52, Op0: 1, Op49: 1}
	got := summary{Labels: len(labels), Other: labels["other"], Op0: labels["Op0"], Op49: labels["Op49"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operation labels (-want +got):\n%s", diff)
	}
}

// TestReadyz: /readyz answers 200 while the database answers and the extra check passes, and
// 503 with the reason otherwise; /healthz stays 200 throughout.
func TestReadyz(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		// A pool of its own, to be closed under the server.
		_, pool, err := store.Open(t.Context(), db.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pool.Close() })
		closed, closedPool, err := store.Open(t.Context(), db.URL)
		if err != nil {
			t.Fatal(err)
		}
		closed.Close()
		errBehind := errors.New("database schema is behind: run gridgov migrate apply")
		type result struct {
			Status  int
			Body    string
			Healthz int
		}
		cases := []struct {
			name   string
			adjust func(*server.Config)
			want   result
		}{
			{name: "live database", adjust: func(c *server.Config) { c.DB = pool }, want: result{200, "ready", 200}},
			{name: "extra check passes", adjust: func(c *server.Config) {
				c.DB = pool
				c.Ready = func(context.Context) error { return nil }
			}, want: result{200, "ready", 200}},
			{name: "extra check fails", adjust: func(c *server.Config) {
				c.DB = pool
				c.Ready = func(context.Context) error { return errBehind }
			}, want: result{503, "not ready: " + errBehind.Error(), 200}},
			{name: "database closed", adjust: func(c *server.Config) { c.DB = closedPool }, want: result{503, "not ready: database unreachable", 200}},
			{name: "no database", adjust: func(c *server.Config) { c.DB = nil }, want: result{503, "not ready: no database configured", 200}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o := newObserved(t, db, tc.adjust)
				rec := send(o.handler, http.MethodGet, "/readyz", nil, "")
				// The first line only: a calendar warning may follow (TestReadyzCalendarWarning).
				first, _, _ := strings.Cut(rec.Body.String(), "\n")
				got := result{Status: rec.Code, Body: strings.TrimSpace(first),
					Healthz: send(o.handler, http.MethodGet, "/healthz", nil, "").Code}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("GET /readyz (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestRequestID: every GraphQL response carries X-Request-Id, the client's when it looks like
// an id, and the request's log line has the same id.
func TestRequestID(t *testing.T) {
	t.Parallel()
	o := newObserved(t, dbtest.New(t, "sqlite"), nil)
	generated := regexp.MustCompile(`^[A-Z2-7]{26}$`)
	cases := []struct {
		name, sent string
		echoed     bool
	}{
		{name: "none sent"},
		{name: "client's id", sent: "3f2a9c1e-7b4d-4e8a-9f00-1c2d3e4f5a6b", echoed: true},
		{name: "proxy's id", sent: "req.1234:abc_DEF", echoed: true},
		{name: "with spaces", sent: "a b"},
		{name: "with a newline", sent: "abc\ninjected=1"},
		{name: "too long", sent: strings.Repeat("x", 129)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o.logs.Reset()
			h := map[string]string{}
			if tc.sent != "" {
				h["X-Request-Id"] = tc.sent
			}
			rec := o.post(`{ __typename }`, nil, h)
			id := rec.Header().Get("X-Request-Id")
			switch {
			case tc.echoed && id != tc.sent:
				t.Errorf("X-Request-Id = %q, want %q echoed", id, tc.sent)
			case !tc.echoed && !generated.MatchString(id):
				t.Errorf("X-Request-Id = %q, want a generated id", id)
			}
			lines := requestLines(t, o.logs)
			if len(lines) != 1 || lines[0]["request_id"] != id {
				t.Errorf("log lines %v, want one with request_id %q", lines, id)
			}
		})
	}
	a, b := o.post(`{ __typename }`, nil, nil).Header().Get("X-Request-Id"), o.post(`{ __typename }`, nil, nil).Header().Get("X-Request-Id")
	if a == b {
		t.Errorf("two requests got the same id %q", a)
	}
}

// TestRequestLogs: one line per GraphQL request, with the operation name, status, duration
// and error codes; never a password, a token or the Authorization header.
func TestRequestLogs(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		o := newObserved(t, db, nil)
		mkUser(t, db.Client, "wang", "wang-password-secret", nil)
		token := o.Login(t, "wang", "wang-password-secret")
		type line struct {
			Operation string
			Status    float64
			Codes     []any
			User      bool
		}
		cases := []struct {
			name   string
			query  string
			vars   map[string]any
			header map[string]string
			want   line
		}{
			{name: "sign in", query: `mutation SignIn($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
				vars: map[string]any{"u": "wang", "p": "wang-password-secret"}, want: line{Operation: "SignIn", Status: 200}},
			{name: "wrong password in the query", query: `mutation SignIn { login(username: "wang", password: "literal-password-secret") { token } }`,
				want: line{Operation: "SignIn", Status: 200, Codes: []any{"UNAUTHENTICATED"}}},
			{name: "signed in", query: `query Who { me { username } }`, header: bearerHeader(token),
				want: line{Operation: "Who", Status: 200, User: true}},
			{name: "unknown token", query: `query Who { me { username } }`, header: bearerHeader("ggv_unknown-token-secret"),
				want: line{Operation: "Who", Status: 401, Codes: []any{"UNAUTHENTICATED"}}},
			{name: "refused by a limit", query: `query Deep { me { ` + strings.Repeat("username ", 20_000) + `} }`,
				want: line{Operation: "Deep", Status: 422, Codes: []any{"TOKEN_LIMIT_EXCEEDED"}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o.logs.Reset()
				o.post(tc.query, tc.vars, tc.header)
				lines := requestLines(t, o.logs)
				if len(lines) != 1 {
					t.Fatalf("%d request lines, want 1:\n%s", len(lines), o.logs)
				}
				l := lines[0]
				codes, _ := l["codes"].([]any)
				got := line{Operation: fmt.Sprint(l["operation"]), Status: l["status"].(float64), Codes: codes, User: l["user_id"] != nil}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("log line (-want +got):\n%s\n%s", diff, o.logs)
				}
				for _, key := range []string{"time", "level", "request_id", "duration_ms", "method", "remote"} {
					if _, ok := l[key]; !ok {
						t.Errorf("log line without %s: %s", key, o.logs)
					}
				}
				for _, secret := range []string{"password-secret", "token-secret", token, "Authorization", "Bearer", "username", "wang"} {
					if strings.Contains(o.logs.String(), secret) {
						t.Errorf("the log contains %q:\n%s", secret, o.logs)
					}
				}
			})
		}
	})
}

// TestRequestLogClientAddress: the request log names the client's address as the rate limits
// count it, read through trusted proxies only, and the proxy beside it.
func TestRequestLogClientAddress(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		forwarded := map[string]string{"X-Forwarded-For": "203.0.113.7"}
		cases := []struct {
			name       string
			trusted    []netip.Prefix
			wantRemote string
			wantPeer   any
		}{
			// httptest requests come from 192.0.2.1.
			{name: "no trusted proxy", wantRemote: "192.0.2.1", wantPeer: nil},
			{name: "through a trusted proxy", trusted: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
				wantRemote: "203.0.113.7", wantPeer: "192.0.2.1"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o := newObserved(t, db, func(c *server.Config) { c.TrustedProxies = tc.trusted })
				o.post(`{ __typename }`, nil, forwarded)
				lines := requestLines(t, o.logs)
				if len(lines) != 1 {
					t.Fatalf("%d request lines, want 1:\n%s", len(lines), o.logs)
				}
				if got := lines[0]["remote"]; got != tc.wantRemote {
					t.Errorf("remote = %v, want %s", got, tc.wantRemote)
				}
				if got := lines[0]["peer"]; got != tc.wantPeer {
					t.Errorf("peer = %v, want %v", got, tc.wantPeer)
				}
			})
		}
	})
}
