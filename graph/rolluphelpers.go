package graph

import (
	"context"
	"slices"
	"strconv"

	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/graph/model"
	"gridgov/internal/dailywork"
	"gridgov/internal/labels"
	"gridgov/internal/rollup"
)

// rollupRow converts counts to the API's row.
func rollupRow(c rollup.Counts, label string) *model.RollupRow {
	return &model.RollupRow{
		Key: c.Key, Label: label, Found: c.Found, Registered: c.Registered, Due: c.Due, Closed: c.Closed,
		ClosedFixed: c.ClosedFixed, ClosedNotFixed: c.ClosedNotFixed, ClosedOnTime: c.ClosedOnTime,
		Overdue: c.Overdue, Reworked: c.Reworked, Escalated: c.Escalated, Voided: c.Voided,
		ClosureRate: c.ClosureRate(), OnTimeClosureRate: c.OnTimeClosureRate(), ReworkRate: c.ReworkRate(),
	}
}

// workRow converts a daily-work row to the API's row.
func workRow(w dailywork.WorkRow, label string) *model.WorkRollupRow {
	return &model.WorkRollupRow{
		Key: w.Key, Label: label, ReportsDue: w.ReportsDue, ReportsFiled: w.ReportsFiled,
		ComplianceRate: w.ComplianceRate(), Patrols: w.Patrols, PatrolKm: w.PatrolMeters / 1000,
	}
}

// rollupGroup reads an optional grouping argument.
func rollupGroup(g *model.RollupGroup) rollup.Group {
	if g == nil {
		return rollup.None
	}
	return rollup.Group(*g)
}

// rollupLabels returns a function naming a grouping's keys: category and grid names in one
// query each, status labels, and the key itself for periods.
func (r *Resolver) rollupLabels(ctx context.Context, group rollup.Group, keys []string) (func(string) string, error) {
	names := map[string]string{}
	var ids []int
	for _, k := range keys {
		if id, ok := rollup.ParseID(k); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	client := r.client(ctx)
	switch group {
	case rollup.Category:
		cats, err := client.EventCategory.Query().Where(eventcategory.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cats {
			names[strconv.Itoa(c.ID)] = c.Name
		}
	case rollup.ChildGrid:
		gs, err := client.Grid.Query().Where(grid.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			names[strconv.Itoa(g.ID)] = g.Name
		}
	case rollup.Status:
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
