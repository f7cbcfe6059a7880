package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestComplexityBudgets: list fields count their length, so that the alias flood of issue 13
// (240 × publicCards, each up to 500 cards) is refused before it runs, for anyone; anonymous
// callers have a smaller budget than signed-in ones; the public surface's real requests pass.
func TestComplexityBudgets(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "sqlite")
	env := servertest.New(t, db)
	token := env.TokenFor(t, 0, true)
	flood := "{ " + repeat(240, func(i int) string { return fmt.Sprintf(`a%d: publicCards(rootCode: "410102") { gridCode } `, i) }) + "}"
	card := `{ publicCard(gridCode: "410102001002001") { gridCode gridName kindLabel breadcrumb area duties households
		people { name title photoUrl phone roles roleLabels dutyLabels } supervisionPhone reportPath } }`
	// 500 cards with their people: more than an anonymous caller's budget, less than a
	// signed-in one's.
	sheet := `{ publicCards(rootCode: "410102") { gridCode gridName kindLabel breadcrumb area duties households
		people { name title photoUrl phone roles roleLabels dutyLabels } supervisionPhone reportPath } }`
	cases := []struct {
		name, token, query string
		refused            bool
	}{
		{name: "anonymous alias flood", query: flood, refused: true},
		{name: "signed-in alias flood", token: token, query: flood, refused: true},
		{name: "anonymous card", query: card},
		{name: "anonymous cards by code", query: `{ publicCards(rootCode: "410102") { gridCode gridName } }`},
		{name: "anonymous bulletin", query: `{ publicBulletin(gridCode: "410102") { title body publishedAt gridName } }`},
		{name: "anonymous badges", query: `{ publicBadges(rootCode: "410102") { name title photoUrl phone role roleLabel gridCode gridName scope duties } }`},
		{name: "anonymous sheet", query: sheet, refused: true},
		{name: "signed-in sheet", token: token, query: sheet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Do(t, tc.token, tc.query, nil)
			if !tc.refused {
				if r.Status != http.StatusOK || len(r.Errors) > 0 {
					t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
				}
				return
			}
			if r.Status < 400 || r.Status >= 500 || len(r.Errors) != 1 || r.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Fatalf("status %d, errors %+v; want 4xx COMPLEXITY_LIMIT_EXCEEDED", r.Status, r.Errors)
			}
			if len(r.Data) > 0 && string(r.Data) != "null" {
				t.Errorf("refused operation ran: data %s", r.Data)
			}
		})
	}
}
