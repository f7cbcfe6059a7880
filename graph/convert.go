package graph

import (
	"context"
	"fmt"

	"gridgov/graph/model"
	"gridgov/internal/dailywork"
	"gridgov/internal/excel"
	"gridgov/internal/keyproject"
	"gridgov/internal/ledger"
	"gridgov/internal/rollup"
)

// Conversions between the domain packages' values and the API's generated models.

// ledgerValues lists values in the column order of the item type, with their labels; values
// of fields since removed from the type follow, labelled by their key.
func (r *Resolver) ledgerValues(ctx context.Context, itemTypeID int, values map[string]string) ([]*model.LedgerValue, error) {
	t, err := r.itemTypeByID(ctx, itemTypeID)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("ledger item type %d missing", itemTypeID)
	}
	out := make([]*model.LedgerValue, 0, len(values))
	seen := make(map[string]bool, len(t.Fields))
	for _, f := range t.Fields {
		seen[f.Key] = true
		if v, ok := values[f.Key]; ok {
			out = append(out, &model.LedgerValue{Key: f.Key, Label: f.Label, Value: v})
		}
	}
	for _, k := range ledger.SortedKeys(values) {
		if !seen[k] {
			out = append(out, &model.LedgerValue{Key: k, Label: k, Value: values[k]})
		}
	}
	return out, nil
}

// valuesOf turns the API's value list into a map; a key given twice keeps its last value.
func valuesOf(in []*model.LedgerValueInput) ledger.Values {
	out := make(ledger.Values, len(in))
	for _, v := range in {
		out[v.Key] = v.Value
	}
	return out
}

// standings converts a project's metric standings for the API.
func standings(ms []keyproject.MetricProgress) []*model.KeyProjectMetricStanding {
	out := make([]*model.KeyProjectMetricStanding, len(ms))
	for i, m := range ms {
		s := &model.KeyProjectMetricStanding{Metric: m.Metric, Value: m.Value, Percent: m.Percent}
		if m.Day != "" {
			d := m.Day
			s.Day = &d
		}
		out[i] = s
	}
	return out
}

// exportKinds maps the API's workbook kinds to the excel package's.
var exportKinds = map[model.ExportKind]string{
	model.ExportKindRoster: excel.KindRoster, model.ExportKindLedgers: excel.KindLedgers,
	model.ExportKindEvents: excel.KindEvents, model.ExportKindLedgerTemplate: excel.KindTemplate,
}

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
