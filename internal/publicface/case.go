package publicface

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/eventcategory"
	"gridgov/ent/photo"
	"gridgov/internal/labels"
)

// maxTrackingCode is longer than any tracking code: a longer one is looked up no further.
const maxTrackingCode = 32

// Case is a case as the public sees it on its tracking page: no names, no phone numbers.
type Case struct {
	TrackingCode string
	Status       event.Status
	StatusLabel  string
	CategoryName string
	GridName     string
	ReportedAt   time.Time
	ClosedAt     *time.Time
	// Feedback is how the problem was resolved (反馈).
	Feedback string
	// Steps are the steps taken, without who took them.
	Steps []*CaseStep
	// EventID is the case's id, for the caller that adds the photos; never shown.
	EventID int
	// Photos are the public photos (the resident's, and the results), filled in by the caller that signs their links.
	Photos []*Photo
}

// CaseStep is one step of a case on its public page.
type CaseStep struct {
	Action      eventaction.Action
	ActionLabel string
	Status      event.Status
	At          time.Time
}

// Category is an event category a resident may choose when reporting.
type Category struct {
	Code string
	Name string
}

// Case returns the public page of the case with trackingCode, or nil when there is none. It
// reads on the system's account and copies out the public fields only.
func (s *Service) Case(ctx context.Context, trackingCode string) (*Case, error) {
	if len(trackingCode) > maxTrackingCode {
		return nil, nil
	}
	sys := authz.SystemContext(ctx, "public case page")
	ev, err := s.client(ctx).Event.Query().Where(event.TrackingCode(trackingCode)).
		WithCategory().WithGrid().
		WithActions(func(q *ent.EventActionQuery) {
			q.Order(ent.Asc(eventaction.FieldCreatedAt), ent.Asc(eventaction.FieldID))
		}).
		Only(sys)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := &Case{
		EventID: ev.ID, TrackingCode: ev.TrackingCode, Status: ev.Status, StatusLabel: labels.For("EventStatus", string(ev.Status)),
		CategoryName: ev.Edges.Category.Name, GridName: ev.Edges.Grid.Name, ReportedAt: ev.ReportedAt,
		ClosedAt: ev.ClosedAt, Feedback: ev.Feedback, Steps: []*CaseStep{},
	}
	for _, a := range ev.Edges.Actions {
		out.Steps = append(out.Steps, &CaseStep{
			Action: a.Action, ActionLabel: labels.For("EventActionKind", string(a.Action)),
			Status: event.Status(a.ToStatus), At: a.CreatedAt,
		})
	}
	return out, nil
}

// Categories returns the categories a resident may report under: the active ones without
// subcategories, in the order of the list staff know (by group, as they were set up), with 其他
// (OTHER) last; never by code, which would put 其他 among the rest.
func (s *Service) Categories(ctx context.Context) ([]*Category, error) {
	cats, err := s.client(ctx).EventCategory.Query().
		Where(eventcategory.Active(true), eventcategory.Not(eventcategory.HasChildren())).
		Order(ent.Asc(eventcategory.FieldID)).
		All(authz.SystemContext(ctx, "public category list"))
	if err != nil {
		return nil, err
	}
	// A group sorts where its first category was set up: the group's id, or its own.
	group := func(c *ent.EventCategory) int {
		if c.ParentID != nil {
			return *c.ParentID
		}
		return c.ID
	}
	slices.SortStableFunc(cats, func(a, b *ent.EventCategory) int {
		return cmp.Or(
			cmp.Compare(b2i(isOther(a)), b2i(isOther(b))),
			cmp.Compare(group(a), group(b)),
			cmp.Compare(a.ID, b.ID))
	})
	out := make([]*Category, len(cats))
	for i, c := range cats {
		out[i] = &Category{Code: c.Code, Name: c.Name}
	}
	return out, nil
}

// isOther reports whether c is the catch-all category (其他), which a list shows last.
func isOther(c *ent.EventCategory) bool {
	return c.Code == "OTHER" || strings.HasSuffix(c.Code, "_OTHER") || c.Name == "其他"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Photo is a photo on a case's public page: signed links, no metadata.
type Photo struct {
	Stage        photo.Stage
	StageLabel   string
	Width        int
	Height       int
	URL          string
	ThumbnailURL string
}
