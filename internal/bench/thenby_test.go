package bench

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestThenByDetection: the server either takes rollupQuery as it is or refuses it with the
// error unknownThenBy recognises, and the query without thenByArg is one it takes; so a
// change in the server's wording cannot silently turn the rollup scenarios into errors.
func TestThenByDetection(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "sqlite")
	env := servertest.New(t, db)
	srv := httptest.NewServer(env.Handler)
	t.Cleanup(srv.Close)
	c := &client{url: srv.URL + "/graphql", http: newHTTPClient(1)}
	token := env.TokenFor(t, 0, true)
	send := func(q string) []gqlError {
		_, resp, _ := c.do(context.Background(), request{token: token, operation: "BenchRollup", query: q, vars: map[string]any{
			"g": "1", "from": "2026-03-01T00:00:00+08:00", "to": "2026-04-01T00:00:00+08:00",
		}})
		if resp == nil {
			t.Fatal("no GraphQL response")
		}
		return resp.Errors
	}
	validation := func(errs []gqlError) bool {
		for _, e := range errs {
			if e.Extensions["code"] == "GRAPHQL_VALIDATION_FAILED" {
				return true
			}
		}
		return false
	}
	if errs := send(rollupQuery); validation(errs) && !unknownThenBy(errs) {
		t.Errorf("the server refuses rollupQuery with errors unknownThenBy does not recognise: %+v", errs)
	}
	if errs := send(strings.Replace(rollupQuery, thenByArg, "", 1)); validation(errs) {
		t.Errorf("the server refuses the rollup query without thenBy: %+v", errs)
	}
}
