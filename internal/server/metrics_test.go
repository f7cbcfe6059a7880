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

// TestPrivateMetrics: with PrivateMetrics the public handler has no /metrics, and the
// metrics handler counts the public handler's requests; without it /metrics is public.
func TestPrivateMetrics(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, dbtest.New(t, dialect.SQLite))
	cfg := server.Config{Client: env.Client, Enforcer: env.Enforcer, Auth: env.Auth, PrivateMetrics: true}
	private := server.Build(cfg)
	send(private.Public, http.MethodPost, "/graphql", map[string]string{"Content-Type": "application/json"}, `{"query":"query Probe { __typename }"}`)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		if rec := send(private.Public, method, "/metrics", nil, ""); rec.Code == http.StatusOK || strings.Contains(rec.Body.String(), "gridgov_") {
			t.Errorf("%s /metrics on the public handler with PrivateMetrics: %d %.100s, want none", method, rec.Code, rec.Body)
		}
	}
	rec := send(private.Metrics, http.MethodGet, "/metrics", nil, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `gridgov_graphql_request_duration_seconds_count{operation="Probe"} 1`) {
		t.Errorf("/metrics on the metrics handler: %d, without the public handler's request:\n%.2000s", rec.Code, rec.Body)
	}
	if rec := send(private.Metrics, http.MethodGet, "/graphql?query={__typename}", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("/graphql on the metrics handler: %d, want 404", rec.Code)
	}
	cfg.PrivateMetrics = false
	if rec := send(server.New(cfg), http.MethodGet, "/metrics", nil, ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Errorf("/metrics on the public handler by default: %d", rec.Code)
	}
}
