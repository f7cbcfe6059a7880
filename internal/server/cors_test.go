package server_test

import (
	"net/http"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestCORSPreflight: a frontend's origin named in CORSOrigins gets the Access-Control
// headers on preflight and on the request itself, for the API and the public pages alike;
// another origin gets none, and so does every origin when the list is empty.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, dbtest.New(t, dialect.SQLite))
	const frontend = "http://localhost:5173"
	cfg := server.Config{Client: env.Client, Enforcer: env.Enforcer, Auth: env.Auth, CORSOrigins: []string{frontend}}
	allowing := server.New(cfg)
	cfg.CORSOrigins = nil
	sameOrigin := server.New(cfg)
	preflight := func(h http.Handler, path, origin string) http.Header {
		return send(h, http.MethodOptions, path, map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
		}, "").Header()
	}
	for _, path := range []string{"/graphql", "/report/110101001001", "/track/ABCD", "/bulletin/110101"} {
		h := preflight(allowing, path, frontend)
		if got := h.Get("Access-Control-Allow-Origin"); got != frontend {
			t.Errorf("preflight %s from %s: Allow-Origin %q, want %q", path, frontend, got, frontend)
		}
		allowed := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		if !strings.Contains(allowed, "authorization") || !strings.Contains(allowed, "content-type") {
			t.Errorf("preflight %s: Allow-Headers %q, want Authorization and Content-Type", path, allowed)
		}
		if got := h.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
			t.Errorf("preflight %s: Allow-Methods %q, want POST", path, got)
		}
		if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
			t.Errorf("preflight %s: Allow-Credentials %q: bearer tokens need no cookies", path, got)
		}
		for name, refused := range map[string]http.Header{
			"another origin":     preflight(allowing, path, "https://evil.example"),
			"no origins allowed": preflight(sameOrigin, path, frontend),
		} {
			for _, header := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
				if got := refused.Get(header); got != "" {
					t.Errorf("preflight %s, %s: %s %q, want none", path, name, header, got)
				}
			}
		}
	}
	// The request after the preflight: answered, with the origin allowed to read it.
	rec := send(allowing, http.MethodPost, "/graphql", map[string]string{"Origin": frontend, "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != frontend || !strings.Contains(rec.Body.String(), `"Query"`) {
		t.Errorf("POST /graphql from %s: %d, Allow-Origin %q, %s", frontend, rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Body)
	}
	if got := strings.ToLower(rec.Header().Get("Access-Control-Expose-Headers")); !strings.Contains(got, "x-request-id") {
		t.Errorf("Expose-Headers %q, want X-Request-Id readable", got)
	}
	rec = send(allowing, http.MethodPost, "/graphql", map[string]string{"Origin": "https://evil.example", "Content-Type": "application/json"}, `{"query":"{ __typename }"}`)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("POST /graphql from another origin: Allow-Origin %q, want none", got)
	}
}

// TestParseCORSOrigins: origins are a scheme and a host, a wildcard for one part of the host
// at most; anything else is refused.
func TestParseCORSOrigins(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"http://localhost:5173", []string{"http://localhost:5173"}, true},
		{" http://localhost:5173 , https://Grid.Example.cn/ ", []string{"http://localhost:5173", "https://grid.example.cn"}, true},
		{"https://*.example.cn", []string{"https://*.example.cn"}, true},
		{"*", nil, false},
		{"localhost:5173", nil, false},
		{"ftp://example.cn", nil, false},
		{"https://example.cn/app", nil, false},
		{"https://user@example.cn", nil, false},
		{"https://*.*.example.cn", nil, false},
	}
	for _, tc := range cases {
		got, err := server.ParseCORSOrigins(tc.in)
		if (err == nil) != tc.ok || strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("ParseCORSOrigins(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
