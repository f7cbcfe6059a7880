package workflow

import (
	"slices"

	"gridgov/authz"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
)

// Transition is one step of the case state machine: the statuses it may start from, the
// status it leads to, the casbin permission the actor needs at the case's current grid, and
// what the step records on the case besides its status.
type Transition struct {
	From []event.Status
	// To is the status the step leads to; empty when the step keeps the status (extensions)
	// or chooses among ToChoices (CLOSE).
	To        event.Status
	ToChoices []event.Status
	// Object and Perm are the policy.csv object and action checked at the case's grid.
	Object, Perm string
	// Records says which case fields the step sets, for readers of the table.
	Records string
}

// Allows reports whether the step may move a case from status from to status to.
func (t Transition) Allows(from, to event.Status) bool {
	if !slices.Contains(t.From, from) {
		return false
	}
	switch {
	case t.To != "":
		return to == t.To
	case len(t.ToChoices) > 0:
		return slices.Contains(t.ToChoices, to)
	default:
		return to == from
	}
}

// open are the statuses of a case that is still being worked on.
var open = []event.Status{event.StatusREPORTED, event.StatusREGISTERED, event.StatusDISPATCHED, event.StatusHANDLING}

// Transitions is the state machine, keyed by the action a person takes. Apply checks every
// step against it; the demo and data generator tests check their simulated histories too.
var Transitions = map[eventaction.Action]Transition{
	eventaction.ActionACCEPT: {From: []event.Status{event.StatusREPORTED}, To: event.StatusREGISTERED,
		Object: authz.ObjEvent, Perm: authz.ActAccept, Records: "registeredAt, deadline, limitUnit"},
	eventaction.ActionDISPATCH: {From: []event.Status{event.StatusREGISTERED, event.StatusDISPATCHED}, To: event.StatusDISPATCHED,
		Object: authz.ObjEvent, Perm: authz.ActDispatch, Records: "assignee, grid (when handed down)"},
	eventaction.ActionRETURN: {From: []event.Status{event.StatusDISPATCHED}, To: event.StatusREGISTERED,
		Object: authz.ObjEvent, Perm: authz.ActHandle, Records: "assignee cleared"},
	eventaction.ActionSTART: {From: []event.Status{event.StatusDISPATCHED}, To: event.StatusHANDLING,
		Object: authz.ObjEvent, Perm: authz.ActHandle, Records: "assignee (the actor, when unset)"},
	eventaction.ActionREPORT_BACK: {From: []event.Status{event.StatusHANDLING}, To: event.StatusHANDLED,
		Object: authz.ObjEvent, Perm: authz.ActReportBack, Records: "photoUrls appended"},
	eventaction.ActionVERIFY_PASS: {From: []event.Status{event.StatusHANDLED}, To: event.StatusVERIFIED,
		Object: authz.ObjEvent, Perm: authz.ActVerify},
	eventaction.ActionVERIFY_FAIL: {From: []event.Status{event.StatusHANDLED}, To: event.StatusHANDLING,
		Object: authz.ObjEvent, Perm: authz.ActVerify, Records: "reworkCount + 1"},
	eventaction.ActionCLOSE: {From: []event.Status{event.StatusVERIFIED}, ToChoices: []event.Status{event.StatusCLOSED_FIXED, event.StatusCLOSED_NOT_FIXED},
		Object: authz.ObjEvent, Perm: authz.ActClose, Records: "closedAt, feedback"},
	eventaction.ActionESCALATE: {From: open, To: event.StatusREGISTERED,
		Object: authz.ObjEvent, Perm: authz.ActEscalate, Records: "grid (the parent), assignee cleared, escalationCount + 1, registeredAt and deadline when unregistered"},
	eventaction.ActionREQUEST_EXTENSION: {From: open[1:],
		Object: authz.ObjEvent, Perm: authz.ActHandle, Records: "requestedDeadline"},
	eventaction.ActionAPPROVE_EXTENSION: {From: open[1:],
		Object: authz.ObjEvent, Perm: authz.ActExtend, Records: "deadline (the requested one), requestedDeadline cleared"},
	eventaction.ActionREJECT_EXTENSION: {From: open[1:],
		Object: authz.ObjEvent, Perm: authz.ActExtend, Records: "requestedDeadline cleared"},
	eventaction.ActionVOID: {From: []event.Status{event.StatusREPORTED, event.StatusREGISTERED}, To: event.StatusVOIDED,
		Object: authz.ObjEvent, Perm: authz.ActVoid, Records: "closedAt, duplicateOf"},
	eventaction.ActionREOPEN: {From: []event.Status{event.StatusCLOSED_FIXED, event.StatusCLOSED_NOT_FIXED}, To: event.StatusREGISTERED,
		Object: authz.ObjEvent, Perm: authz.ActReopen, Records: "closedAt cleared, reworkCount + 1, assignee cleared, a fresh deadline"},
}

// SolvedOnSpotTransition is the CLOSE a reporter takes through SolvedOnSpot right after
// reporting a finding fixed on the spot; it is not a step of Apply, so it sits beside the table.
var SolvedOnSpotTransition = Transition{From: []event.Status{event.StatusREPORTED}, To: event.StatusCLOSED_FIXED,
	Records: "registeredAt, deadline and closedAt (now), feedback"}

// StepAllowed reports whether a recorded step of a case's history is one the workflow takes:
// a transition of the table, or a CLOSE solved on the spot. Actions outside the table (REPORT,
// AUTO_ESCALATE) are the system's and are not judged here.
func StepAllowed(action eventaction.Action, from, to event.Status) bool {
	if action == eventaction.ActionCLOSE && SolvedOnSpotTransition.Allows(from, to) {
		return true
	}
	t, ok := Transitions[action]
	return !ok || t.Allows(from, to)
}

// Closed reports whether a status ends the workflow.
func Closed(s event.Status) bool {
	return s == event.StatusCLOSED_FIXED || s == event.StatusCLOSED_NOT_FIXED || s == event.StatusVOIDED
}
