package graph

import (
	"context"
	"fmt"

	"gridgov/authz"
	"gridgov/internal/apperr"
	"gridgov/internal/excel"

	"gridgov/graph/model"
	"gridgov/internal/keyproject"
	"gridgov/internal/ledger"
)

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

// derefInt is *p, or 0.
func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
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

// requestExport signs a link to a workbook for the signed-in user, after checking that the
// grid, if any, is in their scope (the download checks it again).
func (r *Resolver) requestExport(ctx context.Context, kind model.ExportKind, gridID *int) (*model.ExportDownload, error) {
	v := authz.FromContext(ctx)
	if v == nil || v.UserID == 0 {
		return nil, authz.ErrNoViewer
	}
	if r.Downloads == nil {
		return nil, apperr.New(apperr.Internal, "downloads are not configured on this server")
	}
	t := excel.Ticket{UserID: v.UserID, Kind: exportKinds[kind], Expires: r.Now().Add(excel.DownloadTTL)}
	if gridID != nil {
		g, err := r.gridByID(ctx, *gridID)
		if err != nil {
			return nil, err
		}
		if g == nil {
			return nil, authz.NotVisible(v, authz.ObjGrid, "gridID", *gridID)
		}
		t.GridID = g.ID
	}
	return &model.ExportDownload{URL: "/downloads/" + r.Downloads.Sign(t), ExpiresAt: t.Expires}, nil
}
