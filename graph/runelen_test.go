package graph_test

import (
	"strings"
	"testing"

	"gridgov/internal/dbtest"
)

// TestLengthLimitsCountCharacters checks that stated length limits count characters, not
// bytes, on both stores: a Chinese text exactly at the limit is accepted and one character
// more is refused (a 200-character limit held 66 Chinese characters).
func TestLengthLimitsCountCharacters(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)["g11"].ID
		const update = `mutation($id: ID!, $in: UpdateGridInput!) { updateGrid(id: $id, input: $in) { id } }`
		limits := []struct {
			field string
			max   int
		}{
			{"name", 100},
			{"areaDescription", 4000},
			{"duties", 4000},
		}
		for _, l := range limits {
			at := map[string]any{"id": g, "in": map[string]any{l.field: strings.Repeat("网", l.max)}}
			if resp := f.env.Do(t, f.token, update, at); len(resp.Errors) > 0 {
				t.Errorf("%s of %d characters refused: %+v", l.field, l.max, resp.Errors)
			}
			over := map[string]any{"id": g, "in": map[string]any{l.field: strings.Repeat("网", l.max+1)}}
			if e := f.env.MustFail(t, f.token, update, over, "BAD_USER_INPUT"); e.Message != l.field+": too long" {
				t.Errorf("%s of %d characters: message %q, want %q", l.field, l.max+1, e.Message, l.field+": too long")
			}
		}
	})
}
