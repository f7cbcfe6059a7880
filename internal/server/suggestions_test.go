package server_test

import (
	"strings"
	"testing"

	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestNoSuggestionsInProduction sends misspelt names of every kind to a server configured as
// in production (no introspection) and wants each refused without "Did you mean": the
// suggestions would spell out the schema that introspection hides.
func TestNoSuggestionsInProduction(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		env.Handler = server.New(server.Config{Client: db.Client, Enforcer: env.Enforcer, Auth: env.Auth})
		token := env.TokenFor(t, 0, true)
		cases := []struct {
			name, query string
			vars        map[string]any
		}{
			{name: "field", query: `{ grids(first: 1) { totalCounts } }`},
			{name: "argument", query: `{ grids(firsts: 1) { totalCount } }`},
			{name: "input field", query: `{ grids(first: 1, where: {codeHasPrefx: "4"}) { totalCount } }`},
			{name: "enum value", query: `{ grids(first: 1, orderBy: {field: COD}) { totalCount } }`},
			{name: "variable type", query: `query($w: GridWhereInpt) { grids(first: 1, where: $w) { totalCount } }`},
			{name: "enum value in variables", query: `query($o: GridOrder) { grids(first: 1, orderBy: $o) { totalCount } }`,
				vars: map[string]any{"o": map[string]any{"field": "COD"}}},
			{name: "input field in variables", query: `query($w: GridWhereInput) { grids(first: 1, where: $w) { totalCount } }`,
				vars: map[string]any{"w": map[string]any{"codeHasPrefx": "4"}}},
			{name: "scalar leaf", query: `{ grids(first: 1) { edges { node { parent } } } }`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Do(t, token, tc.query, tc.vars)
				if len(r.Errors) == 0 {
					t.Fatalf("no error for %s", tc.query)
				}
				for _, e := range r.Errors {
					if strings.Contains(e.Message, "Did you mean") {
						t.Errorf("error suggests a name: %q", e.Message)
					}
					if e.Code() != "GRAPHQL_VALIDATION_FAILED" {
						t.Errorf("code %q, want GRAPHQL_VALIDATION_FAILED (%s)", e.Code(), e.Message)
					}
				}
			})
		}
	})
}
