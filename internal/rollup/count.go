package rollup

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/eventtally"
	"gridgov/ent/grid"
)

// CountCases counts, from the summary's status cells, the cases a viewer with the given read
// roots sees whose status is one of statuses (every status when statuses is nil), without
// reading the cases: a city's ten million are a few hundred cells. The count is exact (the
// cells change in the same transaction as the cases). ok is false when the cells cannot tell:
// when a root is not a whole tree (a district administrator's cases are counted from the cases
// under their district), or when some tree with such cases lies outside the roots, since a
// case found there may sit in the viewer's tree now.
func CountCases(ctx context.Context, client *gen.Client, roots []string, statuses []string) (n int, ok bool, err error) {
	whole := len(roots) == 1 && roots[0] == "/"
	if len(roots) == 0 || !whole && slices.ContainsFunc(roots, func(r string) bool { return depth(r) != 1 }) {
		return 0, false, nil
	}
	if statuses != nil && len(statuses) == 0 {
		return 0, true, nil
	}
	var perTree []struct {
		ScopeID int `json:"scope_id"`
		Cases   int `json:"cases"`
	}
	sys := authz.SystemContext(ctx, "count a whole tree's cases from the rollup summary")
	q := client.EventTally.Query().Where(eventtally.Grain(string(rune(grainStatus))))
	if statuses != nil {
		q.Where(eventtally.BucketIn(statuses...))
	}
	err = q.Where(func(s *sql.Selector) {
		s.Where(sql.In(s.C(eventtally.FieldScopeID),
			sql.Select(grid.FieldID).From(sql.Table(grid.Table)).Where(sql.IsNull(grid.FieldParentID))))
	}).
		GroupBy(eventtally.FieldScopeID).
		Aggregate(func(s *sql.Selector) string { return sql.As(sql.Sum(s.C(eventtally.FieldFound)), "cases") }).
		Scan(sys, &perTree)
	if err != nil {
		return 0, false, fmt.Errorf("count cases from the rollup summary: %w", err)
	}
	for _, t := range perTree {
		if !whole && !slices.Contains(roots, "/"+strconv.Itoa(t.ScopeID)+"/") {
			return 0, false, nil
		}
		n += t.Cases
	}
	return n, true, nil
}
