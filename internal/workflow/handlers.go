package workflow

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/person"
	"gridgov/internal/apperr"
	"gridgov/internal/workcal"
)

// stepRun is one step being applied: what the handler reads, and the update and action row
// it adds to before Apply saves them.
type stepRun struct {
	ctx    context.Context // the viewer's context: reads the viewer must be allowed
	sys    context.Context // the system context: reads and writes after the checks
	client *ent.Client
	v      *authz.Viewer
	ev     *ent.Event
	s      Step
	now    time.Time
	up     *ent.EventUpdateOne
	act    *ent.EventActionCreate
	to     event.Status // the status the step leads to; a handler may choose it
}

// handler does what one action does beyond the table's checks and status change.
type handler func(e *Engine, r *stepRun) error

// stepHandlers holds the handler of each action that has one; the others only change status.
var stepHandlers = map[eventaction.Action]handler{
	eventaction.ActionACCEPT:            (*Engine).accept,
	eventaction.ActionDISPATCH:          (*Engine).dispatch,
	eventaction.ActionRETURN:            (*Engine).returnCase,
	eventaction.ActionSTART:             (*Engine).start,
	eventaction.ActionREPORT_BACK:       (*Engine).reportBack,
	eventaction.ActionVERIFY_PASS:       (*Engine).verify,
	eventaction.ActionVERIFY_FAIL:       (*Engine).verify,
	eventaction.ActionCLOSE:             (*Engine).closeCase,
	eventaction.ActionESCALATE:          (*Engine).escalate,
	eventaction.ActionREQUEST_EXTENSION: (*Engine).requestExtension,
	eventaction.ActionAPPROVE_EXTENSION: (*Engine).decideExtension,
	eventaction.ActionREJECT_EXTENSION:  (*Engine).decideExtension,
	eventaction.ActionVOID:              (*Engine).void,
	eventaction.ActionREOPEN:            (*Engine).reopen,
}

// setDeadline starts the case's time limit from now, by its category: the one place a
// deadline is computed (accept, escalating an unregistered case, reopen). The start and the
// limit are kept with the case, so that a later change of the work calendar can count the
// deadline again (see calendar.SetYears).
func (e *Engine) setDeadline(r *stepRun) error {
	cat, err := r.client.EventCategory.Get(r.sys, r.ev.CategoryID)
	if err != nil {
		return fmt.Errorf("load category of case %d: %w", r.ev.ID, err)
	}
	r.up.SetDeadline(e.Cal().Deadline(r.now, cat.TimeLimit, workcal.Unit(cat.LimitUnit))).
		SetLimitUnit(cat.LimitUnit).SetTimeLimit(cat.TimeLimit).SetDeadlineFrom(r.now)
	return nil
}

func (e *Engine) accept(r *stepRun) error {
	r.up.SetRegisteredAt(r.now)
	return e.setDeadline(r)
}

func (e *Engine) dispatch(r *stepRun) error {
	s := r.s
	if s.ToPersonID == nil && s.ToGridID == nil {
		return apperr.Invalid("toPersonID", "dispatch needs a handler (toPersonID), a lower grid (toGridID), or both")
	}
	if s.ToGridID != nil {
		target, err := e.dispatchTarget(r.ctx, r.client, r.v, r.ev, *s.ToGridID)
		if err != nil {
			return err
		}
		r.up.SetGridID(target.ID)
		r.act.SetToGridID(target.ID)
	}
	if s.ToPersonID == nil {
		r.up.ClearAssignee()
		return nil
	}
	ok, err := r.client.Person.Query().Where(person.ID(*s.ToPersonID)).Exist(r.ctx)
	if err != nil {
		return err
	}
	if !ok {
		return authz.NotVisible(r.v, authz.ObjPerson, "toPersonID", *s.ToPersonID)
	}
	r.up.SetAssigneeID(*s.ToPersonID)
	return nil
}

func (e *Engine) returnCase(r *stepRun) error {
	if err := checkAssignee(r.ctx, r.v, r.ev); err != nil {
		return err
	}
	r.up.ClearAssignee()
	return nil
}

func (e *Engine) start(r *stepRun) error {
	if err := checkAssignee(r.ctx, r.v, r.ev); err != nil {
		return err
	}
	if r.ev.AssigneeID == nil && r.v.PersonID != 0 {
		r.up.SetAssigneeID(r.v.PersonID)
	}
	return nil
}

func (e *Engine) reportBack(r *stepRun) error {
	if err := checkAssignee(r.ctx, r.v, r.ev); err != nil {
		return err
	}
	urls := r.s.PhotoURLs
	if err := checkPhotos(urls); err != nil {
		return err
	}
	if len(urls) == 0 {
		return nil
	}
	if len(r.ev.PhotoUrls)+len(urls) > MaxPhotos {
		return apperr.Invalid("photoUrls", "a case holds at most %d photos; it has %d", MaxPhotos, len(r.ev.PhotoUrls))
	}
	r.up.AppendPhotoUrls(urls)
	return nil
}

func (e *Engine) verify(r *stepRun) error {
	handlers, err := e.handlers(r.sys, r.client, r.ev)
	if err != nil {
		return err
	}
	if r.v.PersonID == 0 || slices.Contains(handlers, r.v.PersonID) {
		return apperr.New(apperr.Forbidden, "a case is verified on site by someone other than its handler")
	}
	if r.s.Action == eventaction.ActionVERIFY_FAIL {
		r.up.AddReworkCount(1)
	}
	return nil
}

func (e *Engine) closeCase(r *stepRun) error {
	r.to = event.StatusCLOSED_NOT_FIXED
	if r.s.Fixed {
		r.to = event.StatusCLOSED_FIXED
	}
	r.up.SetClosedAt(r.now).SetFeedback(r.s.Feedback)
	return nil
}

func (e *Engine) escalate(r *stepRun) error {
	g, err := r.client.Grid.Get(r.sys, r.ev.GridID)
	if err != nil {
		return fmt.Errorf("load grid of case %d: %w", r.ev.ID, err)
	}
	if g.ParentID == 0 {
		return apperr.New(apperr.Conflict, "case %d already sits at the top of the tree; there is no grid to escalate to", r.ev.ID)
	}
	r.up.SetGridID(g.ParentID).ClearAssignee().AddEscalationCount(1)
	r.act.SetToGridID(g.ParentID)
	if r.ev.RegisteredAt != nil {
		return nil
	}
	// Escalating a case nobody has registered yet registers it on the way up.
	r.up.SetRegisteredAt(r.now)
	return e.setDeadline(r)
}

func (e *Engine) requestExtension(r *stepRun) error {
	d := r.s.NewDeadline
	if d == nil {
		return apperr.Invalid("newDeadline", "an extension needs the new deadline")
	}
	if !d.After(r.now) || (r.ev.Deadline != nil && !d.After(*r.ev.Deadline)) {
		return apperr.Invalid("newDeadline", "the new deadline must be in the future and after the current one")
	}
	r.up.SetRequestedDeadline(*d)
	return nil
}

func (e *Engine) decideExtension(r *stepRun) error {
	if r.ev.RequestedDeadline == nil {
		return apperr.New(apperr.Conflict, "case %d has no extension request to decide", r.ev.ID)
	}
	if r.s.Action == eventaction.ActionAPPROVE_EXTENSION {
		requester, err := lastActor(r.sys, r.client, r.ev.ID, eventaction.ActionREQUEST_EXTENSION)
		if err != nil {
			return err
		}
		if requester != 0 && requester == r.v.PersonID {
			return apperr.New(apperr.Forbidden, "an extension is approved by someone other than who asked for it")
		}
		// An agreed date, not a count: a new work calendar leaves it as it is.
		r.up.SetDeadline(*r.ev.RequestedDeadline).ClearTimeLimit().ClearDeadlineFrom()
	}
	r.up.ClearRequestedDeadline()
	return nil
}

func (e *Engine) void(r *stepRun) error {
	if dup := r.s.DuplicateOfID; dup != nil {
		if *dup == r.ev.ID {
			return apperr.Invalid("duplicateOfID", "a case cannot duplicate itself")
		}
		// Read in the viewer's scope: a case they cannot see gets the one answer for
		// "missing or outside your scope", so ids cannot be probed.
		if _, err := r.client.Event.Get(r.ctx, *dup); ent.IsNotFound(err) {
			return authz.NotVisible(authz.FromContext(r.ctx), authz.ObjEvent, "duplicateOfID", *dup)
		} else if err != nil {
			return fmt.Errorf("load the original case %d: %w", *dup, err)
		}
		r.up.SetDuplicateOfID(*dup)
	}
	r.up.SetClosedAt(r.now)
	return nil
}

// reopen gives the case a fresh time limit from now.
func (e *Engine) reopen(r *stepRun) error {
	r.up.ClearClosedAt().AddReworkCount(1).ClearAssignee()
	return e.setDeadline(r)
}
