// Package supervision keeps the supervision group's ledger (督察台账): unannounced inspections
// of grids, re-checks of closed cases (a failed one sends the case back for rework through the
// workflow, so it counts in the rework rate) and the follow-ups they leave due.
package supervision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/inspection"
	"gridgov/internal/apperr"
	"gridgov/internal/workflow"
)

// Service records inspections.
type Service struct {
	Workflow *workflow.Engine
}

// Inspection is an unannounced inspection (暗访督察) of a grid.
type Inspection struct {
	GridID int
	// At defaults to now; it may not lie in the future.
	At          *time.Time
	Findings    string
	Rating      inspection.Rating
	PhotoURLs   []string
	FollowUpDue *time.Time
}

// Recheck is a re-check (复查) of a closed case: was the problem really fixed?
type Recheck struct {
	EventID  int
	Passed   bool
	Findings string
	Rating   inspection.Rating
	// PhotoURLs are photos of what the inspector found.
	PhotoURLs []string
	// FollowUpDue defaults, for a failed re-check, to the reopened case's new deadline.
	FollowUpDue *time.Time
}

// Record writes an unannounced inspection by the viewer, who needs inspection/create on the
// grid (SUPERVISOR, ADMIN).
func (s *Service) Record(ctx context.Context, client *ent.Client, in Inspection) (*ent.Inspection, error) {
	v := authz.FromContext(ctx)
	if v == nil {
		return nil, authz.ErrNoViewer
	}
	now := s.Workflow.Now()
	at := now
	if in.At != nil {
		at = *in.At
	}
	if at.After(now.Add(time.Minute)) {
		return nil, apperr.Invalid("inspectedAt", "an inspection is recorded after it took place, not before")
	}
	if err := check(in.Findings, in.PhotoURLs, in.FollowUpDue, at); err != nil {
		return nil, err
	}
	return client.Inspection.Create().SetKind(inspection.KindUNANNOUNCED).SetGridID(in.GridID).
		SetInspectorID(v.PersonID).SetInspectedAt(at).SetFindings(in.Findings).SetRating(in.Rating).
		SetPhotoUrls(in.PhotoURLs).SetNillableFollowUpDue(in.FollowUpDue).Save(ctx)
}

// RecheckEvent re-checks a closed case as the viewer, who needs event/inspect on the case's
// grid. A failed re-check reopens the case (the workflow's REOPEN step, which the viewer must
// also be allowed: it adds to the case's rework count) and leaves a follow-up due; a passed one
// is recorded. Returns the ledger entry and the case after the re-check.
func (s *Service) RecheckEvent(ctx context.Context, client *ent.Client, r Recheck) (*ent.Inspection, *ent.Event, error) {
	v := authz.FromContext(ctx)
	if v == nil {
		return nil, nil, authz.ErrNoViewer
	}
	ev, err := client.Event.Get(ctx, r.EventID)
	if ent.IsNotFound(err) {
		return nil, nil, authz.NotVisible(v, authz.ObjEvent, "eventID", r.EventID)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load case %d: %w", r.EventID, err)
	}
	if ev.Status != event.StatusCLOSED_FIXED && ev.Status != event.StatusCLOSED_NOT_FIXED {
		return nil, nil, apperr.New(apperr.Conflict, "case %d is %s: only closed cases are re-checked", ev.ID, ev.Status)
	}
	if err := authz.CheckPath(ctx, ev.GridPath, authz.ObjEvent, authz.ActInspect, "your role on this case's grid does not allow re-checks (needs event/inspect)"); err != nil {
		return nil, nil, err
	}
	now := s.Workflow.Now()
	if err := check(r.Findings, r.PhotoURLs, r.FollowUpDue, now); err != nil {
		return nil, nil, err
	}
	if !r.Passed && strings.TrimSpace(r.Findings) == "" {
		return nil, nil, apperr.Invalid("findings", "a failed re-check says what is still wrong")
	}
	due := r.FollowUpDue
	if !r.Passed {
		note := "督察复查不通过：" + r.Findings
		ev, err = s.Workflow.Apply(ctx, client, workflow.Step{EventID: ev.ID, Action: eventaction.ActionREOPEN, Version: &ev.Version, Note: note})
		if err != nil {
			return nil, nil, err
		}
		if due == nil {
			due = ev.Deadline
		}
	}
	in, err := client.Inspection.Create().SetKind(inspection.KindRECHECK).SetGridID(ev.GridID).SetEventID(ev.ID).
		SetInspectorID(v.PersonID).SetInspectedAt(now).SetFindings(r.Findings).SetRating(r.Rating).
		SetPhotoUrls(r.PhotoURLs).SetRecheckPassed(r.Passed).SetNillableFollowUpDue(due).Save(ctx)
	if err != nil {
		return nil, nil, err
	}
	return in, ev, nil
}

// FollowUp records that a follow-up of an inspection was done, with what it found. The
// viewer needs inspection/update on the inspected grid.
func (s *Service) FollowUp(ctx context.Context, client *ent.Client, id int, note string) (*ent.Inspection, error) {
	in, err := client.Inspection.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(authz.FromContext(ctx), authz.ObjInspection, "id", id)
	}
	if err != nil {
		return nil, err
	}
	if in.FollowUpDue == nil {
		return nil, apperr.New(apperr.Conflict, "inspection %d has no follow-up due", id)
	}
	if in.FollowedUpAt != nil {
		return nil, apperr.New(apperr.Conflict, "inspection %d was already followed up", id)
	}
	if len(note) > 4000 {
		return nil, apperr.Invalid("note", "at most 4000 bytes")
	}
	updated, err := client.Inspection.UpdateOneID(id).Where(inspection.FollowedUpAtIsNil()).
		SetFollowedUpAt(s.Workflow.Now()).SetFollowUpNote(note).Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "inspection %d was followed up concurrently", id)
	}
	return updated, err
}

// check validates what an inspector writes.
func check(findings string, photos []string, due *time.Time, at time.Time) error {
	if len(findings) > 4000 {
		return apperr.Invalid("findings", "at most 4000 bytes")
	}
	if err := workflow.CheckURLs("photoUrls", photos, workflow.MaxPhotos); err != nil {
		return err
	}
	if due != nil && !due.After(at) {
		return apperr.Invalid("followUpDue", "a follow-up is due after the inspection")
	}
	return nil
}
