package publicface

import (
	"context"
	"fmt"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/internal/apperr"
	"gridgov/internal/labels"
)

// MaxAttachments bounds the links of one bulletin post.
const MaxAttachments = 20

// Post is a published bulletin post as the public sees it: no author.
type Post struct {
	ID          int
	Column      bulletinpost.Column
	ColumnLabel string
	Title       string
	Body        string
	Attachments []string
	PublishedAt time.Time
	GridCode    string
	GridName    string
}

// MaxPosts bounds one public bulletin page.
const MaxPosts = 100

// Posts returns the newest published posts (at most limit, at most MaxPosts) that concern
// the grid with code: posted on it, on a grid above it (a village's 三务公开 concerns its
// groups) or on a grid below it. column, when given, keeps one column. Nil when there is no
// such grid.
func (s *Service) Posts(ctx context.Context, code string, column *bulletinpost.Column, limit int) ([]*Post, error) {
	g, err := s.gridByCode(ctx, code)
	if err != nil || g == nil {
		return nil, err
	}
	return s.postsOf(ctx, g, column, limit)
}

// postsOf returns the posts that concern g, as Posts does.
func (s *Service) postsOf(ctx context.Context, g *ent.Grid, column *bulletinpost.Column, limit int) ([]*Post, error) {
	if limit <= 0 || limit > MaxPosts {
		limit = MaxPosts
	}
	above := ancestorIDs(g)
	q := s.client(ctx).BulletinPost.Query().Where(
		bulletinpost.StatusEQ(bulletinpost.StatusPUBLISHED),
		bulletinpost.Or(bulletinpost.GridPathHasPrefix(g.Path), bulletinpost.GridIDIn(above...)),
	)
	if column != nil {
		q = q.Where(bulletinpost.ColumnEQ(*column))
	}
	sys := authz.SystemContext(ctx, "public bulletin")
	ps, err := q.WithGrid().Order(ent.Desc(bulletinpost.FieldPublishedAt), ent.Desc(bulletinpost.FieldID)).Limit(limit).All(sys)
	if err != nil {
		return nil, fmt.Errorf("bulletin of %s: %w", g.Code, err)
	}
	out := make([]*Post, len(ps))
	for i, p := range ps {
		out[i] = &Post{
			ID: p.ID, Column: p.Column, ColumnLabel: labels.For("BulletinColumn", string(p.Column)),
			Title: p.Title, Body: p.Body, Attachments: p.Attachments, GridCode: p.Edges.Grid.Code, GridName: p.Edges.Grid.Name,
		}
		if p.PublishedAt != nil {
			out[i].PublishedAt = *p.PublishedAt
		}
	}
	return out, nil
}

// GridReport is the bulletin's grid management column (网格化管理) for a grid and period: the
// problems reported there and how each was resolved, without personal data.
type GridReport struct {
	GridCode string
	GridName string
	From, To time.Time
	// Reported counts the cases reported in the period that staff registered (reports not yet
	// accepted, voided duplicates and rejected reports left out); Closed those of them closed,
	// Fixed those closed as fixed.
	Reported, Closed, Fixed int
	// Items are the newest of those cases, at most MaxReportItems.
	Items []*GridReportItem
}

// GridReportItem is one case in the grid management column: what kind of problem, where,
// when, its status and the feedback; never its title, description, address, photos, reporter
// or handler, which may name people.
type GridReportItem struct {
	GridName     string
	CategoryName string
	Status       event.Status
	StatusLabel  string
	ReportedAt   time.Time
	ClosedAt     *time.Time
	Feedback     string
	// Reworked: the fix was sent back at least once (返工).
	Reworked bool
}

// MaxReportItems bounds the cases listed in one grid management column.
const MaxReportItems = 200

// MaxReportPeriod bounds the period of one grid management column.
const MaxReportPeriod = 366 * 24 * time.Hour

// GridManagement returns the grid management column of the grid with code for cases
// reported from from (inclusive) to to (exclusive); nil when there is no such grid.
func (s *Service) GridManagement(ctx context.Context, code string, from, to time.Time) (*GridReport, error) {
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	g, err := s.gridByCode(ctx, code)
	if err != nil || g == nil {
		return nil, err
	}
	return s.gridManagementOf(ctx, g, from, to)
}

// checkPeriod refuses a period that ends before it starts or is longer than MaxReportPeriod.
func checkPeriod(from, to time.Time) error {
	if !to.After(from) {
		return apperr.Invalid("to", "the period must end after it starts")
	}
	if to.Sub(from) > MaxReportPeriod {
		return apperr.Invalid("to", "the period may be at most a year")
	}
	return nil
}

// gridManagementOf returns the grid management column of g for a checked period.
func (s *Service) gridManagementOf(ctx context.Context, g *ent.Grid, from, to time.Time) (*GridReport, error) {
	code := g.Code
	sys := authz.SystemContext(ctx, "public grid management column")
	// Moderated: a case is public once staff have registered it (立案), never before, so that
	// anonymous reports cannot write on the bulletin; a voided case (a duplicate, or a report
	// rejected as invalid) never, even when it had been registered.
	inPeriod := event.And(event.OriginPathHasPrefix(g.Path), event.ReportedAtGTE(from), event.ReportedAtLT(to),
		event.RegisteredAtNotNil(), event.StatusNEQ(event.StatusVOIDED))
	var counts []struct {
		Status event.Status `json:"status"`
		Count  int          `json:"count"`
	}
	if err := s.client(ctx).Event.Query().Where(inPeriod).GroupBy(event.FieldStatus).Aggregate(ent.Count()).Scan(sys, &counts); err != nil {
		return nil, fmt.Errorf("grid management counts of %s: %w", code, err)
	}
	out := &GridReport{GridCode: g.Code, GridName: g.Name, From: from, To: to, Items: []*GridReportItem{}}
	for _, c := range counts {
		out.Reported += c.Count
		switch c.Status {
		case event.StatusCLOSED_FIXED:
			out.Fixed += c.Count
			out.Closed += c.Count
		case event.StatusCLOSED_NOT_FIXED:
			out.Closed += c.Count
		}
	}
	evs, err := s.client(ctx).Event.Query().Where(inPeriod).WithCategory().WithOriginGrid().
		Order(ent.Desc(event.FieldReportedAt), ent.Desc(event.FieldID)).Limit(MaxReportItems).All(sys)
	if err != nil {
		return nil, fmt.Errorf("grid management cases of %s: %w", code, err)
	}
	for _, e := range evs {
		out.Items = append(out.Items, &GridReportItem{
			GridName: e.Edges.OriginGrid.Name, CategoryName: e.Edges.Category.Name,
			Status: e.Status, StatusLabel: labels.For("EventStatus", string(e.Status)),
			ReportedAt: e.ReportedAt, ClosedAt: e.ClosedAt, Feedback: e.Feedback, Reworked: e.ReworkCount > 0,
		})
	}
	return out, nil
}
