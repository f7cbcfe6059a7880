package workflow

import (
	"context"
	"crypto/rand"
	"fmt"
	"gridgov/internal/clock"
	"slices"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/internal/apperr"
	"gridgov/internal/gridtree"
	"gridgov/internal/workcal"
)

// Limits on what a case may carry.
const (
	MaxPhotos   = 9
	maxURLBytes = 1000
)

// Engine runs the workflow.
type Engine struct {
	// Calendar is the work calendar of deadlines; nil means the process-wide one
	// (workcal.Default), read at each use so that a reloaded calendar applies at once.
	Calendar *workcal.Calendar
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// New returns an engine on the process-wide work calendar.
func New() *Engine {
	return &Engine{Now: clock.Now}
}

// Cal returns the engine's work calendar: Calendar, or the process-wide one when nil.
func (e *Engine) Cal() *workcal.Calendar {
	if e.Calendar != nil {
		return e.Calendar
	}
	return workcal.Default()
}

// Report is a new case reported by a signed-in viewer.
type Report struct {
	GridID      int
	CategoryID  int
	Source      event.Source
	Title       string
	Description string
	Address     string
	Latitude    *float64
	Longitude   *float64
	PhotoURLs   []string
	Quantity    *float64
	Unit        string
}

// Report files a case on a grid as the viewer in ctx, who needs the report permission there.
func (e *Engine) Report(ctx context.Context, client *ent.Client, r Report) (*ent.Event, error) {
	v := authz.FromContext(ctx)
	if v == nil {
		return nil, authz.ErrNoViewer
	}
	if err := checkPhotos(r.PhotoURLs); err != nil {
		return nil, err
	}
	if _, err := activeCategory(ctx, client, r.CategoryID); err != nil {
		return nil, err
	}
	now := e.Now()
	b := client.Event.Create().
		SetGridID(r.GridID).SetOriginGridID(r.GridID).SetCategoryID(r.CategoryID).SetSource(r.Source).
		SetTitle(r.Title).SetDescription(r.Description).SetAddress(r.Address).
		SetNillableLatitude(r.Latitude).SetNillableLongitude(r.Longitude).SetPhotoUrls(r.PhotoURLs).
		SetNillableQuantity(r.Quantity).SetUnit(r.Unit).SetReportedAt(now)
	if v.PersonID != 0 {
		b.SetReporterID(v.PersonID)
	}
	return e.create(ctx, client, b, actorOf(v), "")
}

// PublicReport is a case reported by an anonymous resident for the grid printed on a notice
// card.
type PublicReport struct {
	GridCode string
	// Latitude and Longitude are where the problem is (WGS-84), when the resident shared it.
	Latitude, Longitude *float64
	CategoryCode        string
	Title               string
	Description         string
	Address             string
	PhotoURLs           []string
	ContactName         string
	ContactPhone        string
}

// ReportPublic files a resident's report on the system's account; rate limits are the
// caller's (the HTTP layer knows the address).
func (e *Engine) ReportPublic(ctx context.Context, client *ent.Client, r PublicReport) (*ent.Event, error) {
	sys := authz.SystemContext(ctx, "public report")
	if err := checkPhotos(r.PhotoURLs); err != nil {
		return nil, err
	}
	g, err := client.Grid.Query().Where(grid.Code(r.GridCode)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("gridCode", "no grid with code %q: use the code printed on the notice card", clip(r.GridCode))
	}
	if err != nil {
		return nil, err
	}
	cat, err := client.EventCategory.Query().Where(eventcategory.Code(r.CategoryCode), eventcategory.Active(true)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("categoryCode", "no active case category %q; see publicEventCategories", clip(r.CategoryCode))
	}
	if err != nil {
		return nil, err
	}
	b := client.Event.Create().
		SetGridID(g.ID).SetOriginGridID(g.ID).SetCategoryID(cat.ID).SetSource(event.SourceRESIDENT_REPORT).
		SetTitle(r.Title).SetDescription(r.Description).SetAddress(r.Address).SetPhotoUrls(r.PhotoURLs).
		SetNillableLatitude(r.Latitude).SetNillableLongitude(r.Longitude).
		SetReporterName(r.ContactName).SetReporterPhone(r.ContactPhone).SetReportedAt(e.Now())
	return e.create(sys, client, b, nil, "群众直通报告")
}

// create inserts a case with its tracking code and origin path, and its REPORT action.
func (e *Engine) create(ctx context.Context, client *ent.Client, b *ent.EventCreate, actor *int, note string) (*ent.Event, error) {
	gridID, _ := b.Mutation().GridID()
	origin, err := gridtree.SharedPath(ctx, client, gridID, "gridID")
	if err != nil {
		return nil, err
	}
	code, err := trackingCode()
	if err != nil {
		return nil, err
	}
	ev, err := b.SetOriginPath(origin).SetTrackingCode(code).Save(ctx)
	if err != nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "append a case action")
	if err := client.EventAction.Create().
		SetEventID(ev.ID).SetAction(eventaction.ActionREPORT).SetToStatus(eventaction.ToStatus(ev.Status)).
		SetToGridID(ev.GridID).SetNillableActorID(actor).SetNote(note).
		Exec(sys); err != nil {
		return nil, fmt.Errorf("record report of case %d: %w", ev.ID, err)
	}
	return ev, nil
}

// Step is one workflow step on a case.
type Step struct {
	EventID int
	Action  eventaction.Action
	// Version, when given, must equal the case's version, or the step is refused with
	// CONFLICT: someone else acted first.
	Version *int
	Note    string

	ToPersonID    *int       // DISPATCH: the handler
	ToGridID      *int       // DISPATCH: a lower grid to hand the case to
	Fixed         bool       // CLOSE: fixed, or closed but not fixed
	Feedback      string     // CLOSE: how it was resolved, shown to the reporter
	NewDeadline   *time.Time // REQUEST_EXTENSION
	DuplicateOfID *int       // VOID
	PhotoURLs     []string   // REPORT_BACK: photos of the result
}

// Apply takes a step on a case as the viewer in ctx. The client must be bound to the
// mutation's transaction. The step is checked against Transitions, then its action's handler
// adds what the action records, then the case and the action row are saved.
func (e *Engine) Apply(ctx context.Context, client *ent.Client, s Step) (*ent.Event, error) {
	v := authz.FromContext(ctx)
	if v == nil {
		return nil, authz.ErrNoViewer
	}
	t, ok := Transitions[s.Action]
	if !ok {
		return nil, apperr.Invalid("action", "%s is not a step a person can take", s.Action)
	}
	ev, err := e.checkStep(ctx, client, v, s, t)
	if err != nil {
		return nil, err
	}
	r := &stepRun{
		ctx: ctx, sys: authz.SystemContext(ctx, "workflow step after its checks"),
		client: client, v: v, ev: ev, s: s, now: e.Now(), to: t.To,
		up: client.Event.UpdateOneID(ev.ID).Where(event.Version(ev.Version)).AddVersion(1),
		act: client.EventAction.Create().SetEventID(ev.ID).SetAction(s.Action).
			SetFromStatus(eventaction.FromStatus(ev.Status)).SetFromGridID(ev.GridID).SetToGridID(ev.GridID).
			SetNote(s.Note).SetNillableActorID(actorOf(v)),
	}
	if h := stepHandlers[s.Action]; h != nil {
		if err := h(e, r); err != nil {
			return nil, err
		}
	}
	return r.save()
}

// checkStep loads the case and checks the step against its transition: the version the
// caller saw, the status it starts from, and the viewer's permission at the case's grid.
func (e *Engine) checkStep(ctx context.Context, client *ent.Client, v *authz.Viewer, s Step, t Transition) (*ent.Event, error) {
	ev, err := client.Event.Get(ctx, s.EventID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjEvent, "id", s.EventID)
	}
	if err != nil {
		return nil, fmt.Errorf("load case %d: %w", s.EventID, err)
	}
	if s.Version != nil && *s.Version != ev.Version {
		return nil, apperr.New(apperr.Conflict, "case %d changed since version %d (now %d): reload it and try again", ev.ID, *s.Version, ev.Version)
	}
	if !slices.Contains(t.From, ev.Status) {
		return nil, apperr.New(apperr.Conflict, "case %d is %s; %s needs it to be one of %v", ev.ID, ev.Status, s.Action, t.From)
	}
	if !v.Can(ev.GridPath, t.Object, t.Perm) {
		return nil, apperr.New(apperr.Forbidden, "your role on this case's grid does not allow %s (needs %s)", s.Action, t.Perm)
	}
	return ev, nil
}

// save writes the case with its new status and records the action.
func (r *stepRun) save() (*ent.Event, error) {
	to := r.to
	if to == "" {
		to = r.ev.Status
	}
	r.up.SetStatus(to)
	r.act.SetToStatus(eventaction.ToStatus(to))
	updated, err := r.up.Save(r.sys)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "case %d was changed by someone else at the same moment: reload it and try again", r.ev.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s case %d: %w", r.s.Action, r.ev.ID, err)
	}
	if err := r.act.Exec(r.sys); err != nil {
		return nil, fmt.Errorf("record %s of case %d: %w", r.s.Action, r.ev.ID, err)
	}
	return updated, nil
}

// dispatchTarget checks that a case may be handed to grid id: a grid at or below the case's
// current grid, where the viewer may dispatch.
func (e *Engine) dispatchTarget(ctx context.Context, client *ent.Client, v *authz.Viewer, ev *ent.Event, id int) (*ent.Grid, error) {
	target, err := client.Grid.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjGrid, "toGridID", id)
	}
	if err != nil {
		return nil, err
	}
	if !authz.IsWithin(target.Path, ev.GridPath) {
		return nil, apperr.Invalid("toGridID", "a case is dispatched to its own grid or one below it; escalate to move it up")
	}
	if err := authz.CheckPath(ctx, target.Path, authz.ObjEvent, authz.ActDispatch, fmt.Sprintf("toGridID: you may not dispatch to grid %d", id)); err != nil {
		return nil, err
	}
	return target, nil
}

// handlers returns the people who handled the case since it was last reopened: its assignee
// and whoever started it or reported back.
func (e *Engine) handlers(ctx context.Context, client *ent.Client, ev *ent.Event) ([]int, error) {
	var out []int
	if ev.AssigneeID != nil {
		out = append(out, *ev.AssigneeID)
	}
	actions, err := client.EventAction.Query().
		Where(eventaction.EventID(ev.ID), eventaction.ActionIn(eventaction.ActionREPORT_BACK, eventaction.ActionSTART, eventaction.ActionREOPEN)).
		Order(ent.Asc(eventaction.FieldCreatedAt), ent.Asc(eventaction.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("handlers of case %d: %w", ev.ID, err)
	}
	for _, a := range actions {
		switch {
		case a.Action == eventaction.ActionREOPEN:
			out = out[:0:0] // an earlier round of handling no longer counts
			if ev.AssigneeID != nil {
				out = append(out, *ev.AssigneeID)
			}
		case a.ActorID != nil:
			out = append(out, *a.ActorID)
		}
	}
	return out, nil
}

// lastActor returns the person who last took action on the case, or 0.
func lastActor(ctx context.Context, client *ent.Client, eventID int, action eventaction.Action) (int, error) {
	a, err := client.EventAction.Query().
		Where(eventaction.EventID(eventID), eventaction.ActionEQ(action)).
		Order(ent.Desc(eventaction.FieldCreatedAt), ent.Desc(eventaction.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) || (err == nil && a.ActorID == nil) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return *a.ActorID, nil
}

// checkAssignee allows a handler's step (start, return, report back) to the case's assignee,
// or to someone who may dispatch it, when it has an assignee.
func checkAssignee(ctx context.Context, v *authz.Viewer, ev *ent.Event) error {
	if ev.AssigneeID == nil || v.PersonID == *ev.AssigneeID {
		return nil
	}
	return authz.CheckPath(ctx, ev.GridPath, authz.ObjEvent, authz.ActDispatch, "the case is dispatched to someone else")
}

// activeCategory loads a category that takes new cases.
func activeCategory(ctx context.Context, client *ent.Client, id int) (*ent.EventCategory, error) {
	cat, err := client.EventCategory.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("categoryID", "no case category with id %d", id)
	}
	if err != nil {
		return nil, err
	}
	if !cat.Active {
		return nil, apperr.Invalid("categoryID", "category %s is no longer in use", cat.Name)
	}
	return cat, nil
}

func checkPhotos(urls []string) error { return CheckURLs("photoUrls", urls, MaxPhotos) }

// CheckURLs checks a list of links a client attaches (photos, documents): at most max, each an
// http(s) URL of at most 1,000 bytes, so that no javascript: or data: link reaches a page.
func CheckURLs(field string, urls []string, max int) error {
	if len(urls) > max {
		return apperr.Invalid(field, "at most %d links, got %d", max, len(urls))
	}
	for _, u := range urls {
		if len(u) > maxURLBytes || !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) {
			return apperr.Invalid(field, "each link must be an http(s) URL of at most %d bytes", maxURLBytes)
		}
	}
	return nil
}

func actorOf(v *authz.Viewer) *int {
	if v == nil || v.PersonID == 0 {
		return nil
	}
	id := v.PersonID
	return &id
}

// TrackingAlphabet is the alphabet of tracking codes: it leaves out look-alikes (0/O, 1/I/L)
// so codes read well over the phone.
const TrackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// trackingCode returns a random 12-character code: 31^12 ≈ 8·10^17 values, so codes cannot be
// guessed or enumerated.
func trackingCode() (string, error) {
	b := make([]byte, 12)
	// Rejection sampling keeps every character equally likely: bytes at or above the largest
	// multiple of the alphabet's size are drawn again.
	limit := 256 - 256%len(TrackingAlphabet)
	out := make([]byte, 0, len(b))
	for len(out) < len(b) {
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("tracking code: %w", err)
		}
		for _, x := range b {
			if int(x) < limit && len(out) < cap(out) {
				out = append(out, TrackingAlphabet[int(x)%len(TrackingAlphabet)])
			}
		}
	}
	return string(out), nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// SolvedOnSpot closes a case just reported by the viewer as fixed on the spot (当场解决): a
// patrol finding that needed no dispatch. It records the closure with the viewer as actor.
func (e *Engine) SolvedOnSpot(ctx context.Context, client *ent.Client, ev *ent.Event, feedback string) (*ent.Event, error) {
	v := authz.FromContext(ctx)
	if v == nil || !slices.Contains(SolvedOnSpotTransition.From, ev.Status) || ev.ReporterID == nil || *ev.ReporterID != v.PersonID {
		return nil, apperr.New(apperr.Forbidden, "only the reporter closes a finding solved on the spot, right after reporting it")
	}
	sys := authz.SystemContext(ctx, "close a finding solved on the spot")
	now := e.Now()
	updated, err := client.Event.UpdateOneID(ev.ID).Where(event.Version(ev.Version)).AddVersion(1).
		SetStatus(event.StatusCLOSED_FIXED).SetRegisteredAt(now).SetDeadline(now).SetClosedAt(now).
		SetFeedback(feedback).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("close case %d solved on the spot: %w", ev.ID, err)
	}
	err = client.EventAction.Create().SetEventID(ev.ID).SetAction(eventaction.ActionCLOSE).
		SetFromStatus(eventaction.FromStatusREPORTED).SetToStatus(eventaction.ToStatusCLOSED_FIXED).
		SetFromGridID(ev.GridID).SetToGridID(ev.GridID).SetNillableActorID(actorOf(v)).SetNote(feedback).Exec(sys)
	return updated, err
}
