package graph

import (
	"context"
	"reflect"
	"slices"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/schema"
	"gridgov/internal/rollup"
)

// summaryCount is the events list's count from the rollup summary when the list is a whole
// tree's cases filtered by status alone (an administrator's "open cases of the city"):
// rollup.CountCases then sums a few hundred status cells instead of counting millions of
// rows. Any other filter, or a viewer whose scope is not whole trees, is counted from the
// cases as usual.
func (r *queryResolver) summaryCount(where *ent.EventWhereInput, overdue *bool) ent.EventPaginateOption {
	return ent.WithEventCount(func(ctx context.Context) (int, bool, error) {
		statuses, ok := statusesOnly(where)
		if !ok || overdue != nil {
			return 0, false, nil
		}
		var roots []string
		switch v := authz.FromContext(ctx); {
		case authz.IsSystem(ctx):
			roots = []string{"/"}
		case v != nil:
			roots = v.Roots(authz.ObjEvent, authz.ActRead)
		default:
			return 0, false, nil
		}
		return rollup.CountCases(ctx, r.client(ctx), roots, statuses)
	})
}

// statusesOnly reads a filter that constrains nothing but the status into the statuses it
// admits (nil for every status); ok is false for a filter on anything else.
func statusesOnly(where *ent.EventWhereInput) (statuses []string, ok bool) {
	if where == nil {
		return nil, true
	}
	rest := *where
	rest.Status, rest.StatusNEQ, rest.StatusIn, rest.StatusNotIn = nil, nil, nil, nil
	if !reflect.ValueOf(rest).IsZero() {
		return nil, false
	}
	if where.Status == nil && where.StatusNEQ == nil && where.StatusIn == nil && where.StatusNotIn == nil {
		return nil, true
	}
	for _, name := range schema.EventStatuses {
		s := event.Status(name)
		admitted := (where.Status == nil || *where.Status == s) &&
			(where.StatusNEQ == nil || *where.StatusNEQ != s) &&
			(where.StatusIn == nil || slices.Contains(where.StatusIn, s)) &&
			!slices.Contains(where.StatusNotIn, s)
		if admitted {
			statuses = append(statuses, name)
		}
	}
	if statuses == nil {
		statuses = []string{}
	}
	return statuses, true
}
