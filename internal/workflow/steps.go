package workflow

import (
	"gridgov/authz"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
)

// rule is what a step needs: the statuses it may start from, the status it leads to (empty:
// unchanged, or decided by the step), and the policy.csv action the actor needs at the case's
// current grid.
type rule struct {
	from []event.Status
	to   event.Status
	perm string
}

// open are the statuses of a case that is still being worked on.
var open = []event.Status{event.StatusREPORTED, event.StatusREGISTERED, event.StatusDISPATCHED, event.StatusHANDLING}

// rules is the state machine.
var rules = map[eventaction.Action]rule{
	eventaction.ActionACCEPT:            {[]event.Status{event.StatusREPORTED}, event.StatusREGISTERED, authz.ActAccept},
	eventaction.ActionDISPATCH:          {[]event.Status{event.StatusREGISTERED, event.StatusDISPATCHED}, event.StatusDISPATCHED, authz.ActDispatch},
	eventaction.ActionRETURN:            {[]event.Status{event.StatusDISPATCHED}, event.StatusREGISTERED, authz.ActHandle},
	eventaction.ActionSTART:             {[]event.Status{event.StatusDISPATCHED}, event.StatusHANDLING, authz.ActHandle},
	eventaction.ActionREPORT_BACK:       {[]event.Status{event.StatusHANDLING}, event.StatusHANDLED, authz.ActReportBack},
	eventaction.ActionVERIFY_PASS:       {[]event.Status{event.StatusHANDLED}, event.StatusVERIFIED, authz.ActVerify},
	eventaction.ActionVERIFY_FAIL:       {[]event.Status{event.StatusHANDLED}, event.StatusHANDLING, authz.ActVerify},
	eventaction.ActionCLOSE:             {[]event.Status{event.StatusVERIFIED}, "", authz.ActClose},
	eventaction.ActionESCALATE:          {open, event.StatusREGISTERED, authz.ActEscalate},
	eventaction.ActionREQUEST_EXTENSION: {open[1:], "", authz.ActHandle},
	eventaction.ActionAPPROVE_EXTENSION: {open[1:], "", authz.ActExtend},
	eventaction.ActionREJECT_EXTENSION:  {open[1:], "", authz.ActExtend},
	eventaction.ActionVOID:              {[]event.Status{event.StatusREPORTED, event.StatusREGISTERED}, event.StatusVOIDED, authz.ActVoid},
	eventaction.ActionREOPEN:            {[]event.Status{event.StatusCLOSED_FIXED, event.StatusCLOSED_NOT_FIXED}, event.StatusREGISTERED, authz.ActReopen},
}

// Closed reports whether a status ends the workflow.
func Closed(s event.Status) bool {
	return s == event.StatusCLOSED_FIXED || s == event.StatusCLOSED_NOT_FIXED || s == event.StatusVOIDED
}
