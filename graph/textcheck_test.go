package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"gridgov/internal/dbtest"
)

// TestControlCharacters sends a NUL byte and other control characters in variables and in
// inline literals of anonymous and signed-in fields, and checks that each is refused with
// BAD_USER_INPUT before execution, on both stores (PostgreSQL answered NUL with an internal
// error; SQLite matched every case with titleContains "\x00").
func TestControlCharacters(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		// Each operation takes its string as $s, or as the literal where %s stands.
		ops := []struct {
			name, vars, literal string
			signedIn            bool
		}{
			{"login", `mutation($s: String!) { login(username: $s, password: "x") { token } }`,
				`mutation { login(username: %s, password: "x") { token } }`, false},
			{"publicEvent", `query($s: String!) { publicEvent(trackingCode: $s) { status } }`,
				`{ publicEvent(trackingCode: %s) { status } }`, false},
			{"publicCard", `query($s: String!) { publicCard(gridCode: $s) { __typename } }`,
				`{ publicCard(gridCode: %s) { __typename } }`, false},
			{"reportPublicEvent", `mutation($s: String!) { reportPublicEvent(input: {gridCode: "410102001001001", categoryCode: "x", title: $s}) { __typename } }`,
				`mutation { reportPublicEvent(input: {gridCode: "410102001001001", categoryCode: "x", title: %s}) { __typename } }`, false},
			{"where filter", `query($s: String!) { events(first: 5, where: {titleContains: $s}) { totalCount } }`,
				`{ events(first: 5, where: {titleContains: %s}) { totalCount } }`, true},
			{"nested list", `query($s: String!) { events(first: 5, where: {or: [{titleContains: "a"}, {titleContains: $s}]}) { totalCount } }`,
				`{ events(first: 5, where: {or: [{titleContains: "a"}, {titleContains: %s}]}) { totalCount } }`, true},
		}
		// Each bad string as Go sends it in JSON and as a GraphQL string literal.
		bad := []struct{ name, value, literal string }{
			{"NUL", "a\x00b", `"a\u0000b"`},
			{"bell", "a\x07b", `"a\u0007b"`},
			{"escape", "\x1b[2J", `"\u001b[2J"`},
			{"C1", "a\u0085b", `"a\u0085b"`},
		}
		for _, op := range ops {
			token := ""
			if op.signedIn {
				token = f.token
			}
			for _, b := range bad {
				t.Run(op.name+"/"+b.name+"/variable", func(t *testing.T) {
					f.env.MustFail(t, token, op.vars, map[string]any{"s": b.value}, "BAD_USER_INPUT")
				})
				t.Run(op.name+"/"+b.name+"/literal", func(t *testing.T) {
					f.env.MustFail(t, token, fmt.Sprintf(op.literal, b.literal), nil, "BAD_USER_INPUT")
				})
			}
		}
		// Tabs and newlines stay allowed.
		resp := f.env.Do(t, f.token, `query($s: String!) { events(first: 5, where: {titleContains: $s}) { totalCount } }`,
			map[string]any{"s": "a\tb\r\nc"})
		if len(resp.Errors) > 0 {
			t.Errorf("tab and newline refused: %v", resp.Errors)
		}
		if strings.Contains(string(resp.Data), "null") {
			t.Errorf("tab and newline: data %s", resp.Data)
		}
	})
}
