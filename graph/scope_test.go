package graph_test

import (
	"regexp"
	"strconv"
	"testing"

	"gridgov/internal/dbtest"
)

// TestOutOfScopeGridIDs calls every field that takes a grid id with a grid outside the
// viewer's scope and with one that does not exist, and checks that both get the same answer,
// authz.NotVisible's: FORBIDDEN, worded alike but for the id (some fields answered NOT_FOUND
// "no grid with id X in your scope", others FORBIDDEN). A viewer who sees everything is told
// plainly that the id does not exist.
func TestOutOfScopeGridIDs(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		id := func(key string) string { return tree[key].ID }
		scopedPerson := f.createPerson(t, id("s2"), "林山寨书记")
		f.assign(t, scopedPerson, id("s2"), "FIRST_RESPONSIBLE", "", day(2025, 1, 1))
		scoped := f.env.TokenFor(t, atoi(t, scopedPerson), false)
		hidden := id("v1")
		missing := strconv.Itoa(atoi(t, id("d2")) + 1_000_000)

		fields := []struct{ name, query string }{
			{"missingDailyReports", `query($g: ID!) { missingDailyReports(gridID: $g, day: "2026-03-02") { id } }`},
			{"missingPatrols", `query($g: ID!) { missingPatrols(gridID: $g, day: "2026-03-02") { id } }`},
			{"overdueHouseholds", `query($g: ID!) { overdueHouseholds(gridID: $g) { id } }`},
			{"workCounts", `query($g: ID!) { workCounts(gridID: $g, from: "2026-03-01", to: "2026-03-31") { visits } }`},
			{"responsibles", `query($g: ID!) { responsibles(gridID: $g) { id } }`},
			{"rollup", `query($g: ID!) { rollup(gridID: $g, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { totals { found } } }`},
			{"workRollup", `query($g: ID!) { workRollup(gridID: $g, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { __typename } }`},
			{"auditLog", `query($g: ID!) { auditLog(first: 5, gridID: $g) { totalCount } }`},
			{"ledgerEntries", `query($g: ID!) { ledgerEntries(first: 5, gridID: $g) { totalCount } }`},
			{"ledgerCompleteness", `query($g: ID!) { ledgerCompleteness(gridID: $g, period: "2026-03") { __typename } }`},
			{"keyProjectProgress", `query($g: ID!) { keyProjectProgress(gridID: $g) { __typename } }`},
			{"requestExport", `mutation($g: ID!) { requestExport(kind: ROSTER, gridID: $g) { __typename } }`},
		}
		digits := regexp.MustCompile(`[0-9]+`)
		for _, c := range fields {
			t.Run(c.name, func(t *testing.T) {
				h := f.env.MustFail(t, scoped, c.query, map[string]any{"g": hidden}, "FORBIDDEN")
				m := f.env.MustFail(t, scoped, c.query, map[string]any{"g": missing}, "FORBIDDEN")
				if a, b := digits.ReplaceAllString(h.Message, "N"), digits.ReplaceAllString(m.Message, "N"); a != b || a != "gridID: grid N does not exist or is outside your scope" {
					t.Errorf("hidden %q, missing %q: want both \"gridID: grid <id> does not exist or is outside your scope\"", h.Message, m.Message)
				}
				f.env.MustFail(t, f.token, c.query, map[string]any{"g": missing}, "BAD_USER_INPUT")
			})
		}
	})
}
