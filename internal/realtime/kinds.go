package realtime

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"gridgov/ent"
)

// EventChangeKind is what happened to a case, as the GraphQL enum EventChangeKind.
type EventChangeKind string

// What eventChanged reports. Escalations are told relative to the subscription's subtree: the
// subtree of its gridID, or the viewer's scope without one.
const (
	// Reported: a case was reported (上报).
	Reported EventChangeKind = "REPORTED"
	// Step: any other step was taken (立案, 派遣, 处置, 核查, 结案…).
	Step EventChangeKind = "STEP"
	// Escalated: the case was escalated (逐级上报) to a grid below the subtree's top grid, or
	// above the subtree for a case seen through the grid it was reported from.
	Escalated EventChangeKind = "ESCALATED"
	// EscalatedIn: the case was escalated up to the subtree's top grid (gridID's, or one where
	// the viewer's scope starts): it now waits at this level.
	EscalatedIn EventChangeKind = "ESCALATED_IN"
	// EscalatedOut: the case was escalated from the subtree's top grid to above it (the
	// subscriber still sees it through the grid it was reported from).
	EscalatedOut EventChangeKind = "ESCALATED_OUT"
	// TurnedYellow: an open case's deadline light turned YELLOW (临期: 80 % of its time limit
	// used), with no step taken.
	TurnedYellow EventChangeKind = "TURNED_YELLOW"
	// TurnedRed: an open case's deadline passed (超期), with no step taken.
	TurnedRed EventChangeKind = "TURNED_RED"
)

var eventChangeKinds = []EventChangeKind{Reported, Step, Escalated, EscalatedIn, EscalatedOut, TurnedYellow, TurnedRed}

// MarshalGQL writes the kind as its GraphQL enum value.
func (k EventChangeKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL EventChangeKind value.
func (k *EventChangeKind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !slices.Contains(eventChangeKinds, EventChangeKind(s)) {
		return fmt.Errorf("%v is not a valid EventChangeKind", v)
	}
	*k = EventChangeKind(s)
	return nil
}

// TaskChangeKind is what happened to one of the viewer's tasks, as the GraphQL enum
// TaskChangeKind.
type TaskChangeKind string

// What myTasks reports.
const (
	// Dispatched: a case was dispatched (派遣) to the viewer.
	Dispatched TaskChangeKind = "DISPATCHED"
	// Returned: a case the viewer dispatched was returned (退回) by its handler.
	Returned TaskChangeKind = "RETURNED"
	// Rework: the viewer's handling failed verification (核查不通过) and comes back to them.
	Rework TaskChangeKind = "REWORK"
	// ExtensionApproved: the extension (延期) the viewer asked for was approved.
	ExtensionApproved TaskChangeKind = "EXTENSION_APPROVED"
	// ExtensionRejected: the extension the viewer asked for was rejected.
	ExtensionRejected TaskChangeKind = "EXTENSION_REJECTED"
)

var taskChangeKinds = []TaskChangeKind{Dispatched, Returned, Rework, ExtensionApproved, ExtensionRejected}

// MarshalGQL writes the kind as its GraphQL enum value.
func (k TaskChangeKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL TaskChangeKind value.
func (k *TaskChangeKind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !slices.Contains(taskChangeKinds, TaskChangeKind(s)) {
		return fmt.Errorf("%v is not a valid TaskChangeKind", v)
	}
	*k = TaskChangeKind(s)
	return nil
}

// EventChange is one delivery of eventChanged: what happened and the case as the subscriber
// may see it now. Refetch, with no case, says that changes may have been missed.
type EventChange struct {
	Kind     EventChangeKind
	ActionID int
	Event    *ent.Event
	// NeedsRefetch says that changes may have been missed; the other fields are empty.
	NeedsRefetch bool
}

// TaskChange is one delivery of myTasks.
type TaskChange struct {
	Kind     TaskChangeKind
	ActionID int
	Event    *ent.Event
	// NeedsRefetch says that changes may have been missed; the other fields are empty.
	NeedsRefetch bool
}
