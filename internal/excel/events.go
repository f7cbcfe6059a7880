package excel

import (
	"context"
	"fmt"
	"io"
	"time"

	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/internal/labels"
)

var eventCols = []column{
	{"tracking_code", "受理编号"}, {"title", "标题"}, {"category", "类别"}, {"source", "来源"}, {"status", "状态"},
	{"grid_code", "当前网格编码"}, {"grid_name", "当前网格"}, {"origin_code", "发生网格编码"}, {"address", "地址"},
	{"reported_at", "上报时间"}, {"registered_at", "立案时间"}, {"deadline", "处置时限"}, {"closed_at", "结案时间"},
	{"rework_count", "返工次数"}, {"escalation_count", "上报次数"}, {"feedback", "处置反馈"},
}

// EventFilter narrows a case export.
type EventFilter struct {
	// From and To bound the report time (To exclusive); zero means open.
	From, To time.Time
	// Status keeps cases in these statuses.
	Status []event.Status
}

// maxEventRows caps one export: beyond it, narrow the period.
const maxEventRows = 200_000

// ExportEvents writes the cases visible in ctx, newest first, with the timestamps their users
// asked for (acknowledged, registered, deadline, closed). Reporters' names and phones never
// leave the system.
func ExportEvents(ctx context.Context, client *ent.Client, w io.Writer, filter EventFilter) error {
	q := client.Event.Query()
	if !filter.From.IsZero() {
		q = q.Where(event.ReportedAtGTE(filter.From))
	}
	if !filter.To.IsZero() {
		q = q.Where(event.ReportedAtLT(filter.To))
	}
	if len(filter.Status) > 0 {
		q = q.Where(event.StatusIn(filter.Status...))
	}
	n, err := q.Clone().Count(ctx)
	if err != nil {
		return err
	}
	if n > maxEventRows {
		return fmt.Errorf("export events: %d cases; at most %d at once: narrow the period", n, maxEventRows)
	}
	events, err := q.Order(ent.Desc(event.FieldReportedAt), ent.Desc(event.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("export events: %w", err)
	}
	cats, err := client.EventCategory.Query().Select(eventcategory.FieldID, eventcategory.FieldName).All(ctx)
	if err != nil {
		return err
	}
	catName := map[int]string{}
	for _, c := range cats {
		catName[c.ID] = c.Name
	}
	ids := map[int]bool{}
	for _, e := range events {
		ids[e.GridID], ids[e.OriginGridID] = true, true
	}
	gs, err := client.Grid.Query().Where(grid.IDIn(keys(ids)...)).All(ctx)
	if err != nil {
		return err
	}
	gridOf := map[int]*ent.Grid{}
	for _, g := range gs {
		gridOf[g.ID] = g
	}
	code := func(id int) (string, string) {
		if g := gridOf[id]; g != nil {
			return g.Code, g.Name
		}
		return "", "" // a grid outside the viewer's scope stays unnamed
	}
	optTime := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return *t
	}
	b, err := newBook()
	if err != nil {
		return err
	}
	if err := b.instructions("事件清单说明 (cases)", nil, eventsTable); err != nil {
		return err
	}
	if err := b.table(eventsTable, func(emit func([]any) error) error {
		for _, e := range events {
			gc, gn := code(e.GridID)
			oc, _ := code(e.OriginGridID)
			row := []any{e.TrackingCode, e.Title, catName[e.CategoryID], labels.For("EventSource", string(e.Source)),
				labels.For("EventStatus", string(e.Status)), gc, gn, oc, e.Address, e.ReportedAt,
				optTime(e.RegisteredAt), optTime(e.Deadline), optTime(e.ClosedAt), e.ReworkCount, e.EscalationCount, e.Feedback}
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return b.write(w)
}
