package rollup

import (
	"context"
	"slices"
	"strconv"

	"gridgov/ent"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/internal/labels"
)

// Labels returns a function naming a grouping's keys: category and grid names read in one
// query each (with ctx's authority), status labels, and the key itself for periods.
func Labels(ctx context.Context, client *ent.Client, group Group, keys []string) (func(string) string, error) {
	names := map[string]string{}
	var ids []int
	for _, k := range keys {
		if id, ok := ParseID(k); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch group {
	case Category:
		cats, err := client.EventCategory.Query().Where(eventcategory.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cats {
			names[strconv.Itoa(c.ID)] = c.Name
		}
	case ChildGrid:
		gs, err := client.Grid.Query().Where(grid.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			names[strconv.Itoa(g.ID)] = g.Name
		}
	case Status:
		return func(k string) string { return labels.For("EventStatus", k) }, nil
	}
	return func(k string) string {
		if n, ok := names[k]; ok {
			return n
		}
		if k == "" {
			return "(本级)" // cases found on the grid itself, not below it
		}
		return k
	}, nil
}
