// Package roster answers who is responsible for what at any moment, and ends assignments
// without ever deleting them.
package roster

import (
	"context"
	"fmt"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/predicate"
	"gridgov/internal/apperr"
)

// HeldAt is the predicate "the assignment holds at moment at": it started at or before at and
// had not ended by then.
func HeldAt(at time.Time) predicate.Assignment {
	return assignment.And(
		assignment.ValidFromLTE(at),
		assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(at)),
	)
}

// OnGrids returns the assignments held at at on the grids with the given ids, optionally only
// of the given roles, ordered by grid depth (deepest first), role and start.
func OnGrids(ctx context.Context, client *ent.Client, gridIDs []int, at time.Time, roles []assignment.Role) ([]*ent.Assignment, error) {
	q := client.Assignment.Query().Where(assignment.GridIDIn(gridIDs...), HeldAt(at))
	if len(roles) > 0 {
		q = q.Where(assignment.RoleIn(roles...))
	}
	out, err := q.Order(ent.Desc(assignment.FieldGridPath), ent.Asc(assignment.FieldRole), ent.Asc(assignment.FieldValidFrom), ent.Asc(assignment.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("assignments on grids %v at %s: %w", gridIDs, at.Format(time.RFC3339), err)
	}
	return out, nil
}

// End ends assignment id at moment at with a reason. The end may not precede the start, and
// an ended assignment cannot be ended again.
func End(ctx context.Context, client *ent.Client, id int, at time.Time, reason string) (*ent.Assignment, error) {
	a, err := client.Assignment.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(authz.FromContext(ctx), authz.ObjAssignment, "id", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load assignment %d: %w", id, err)
	}
	if a.ValidTo != nil {
		return nil, apperr.New(apperr.Conflict, "assignment %d already ended at %s", id, a.ValidTo.UTC().Format(time.RFC3339))
	}
	if at.Before(a.ValidFrom) {
		return nil, apperr.Invalid("at", "the end %s is before the start %s", at.UTC().Format(time.RFC3339), a.ValidFrom.UTC().Format(time.RFC3339))
	}
	// The update's own scope check (authz.AssignmentRules) decides whether the viewer may.
	updated, err := client.Assignment.UpdateOneID(id).
		Where(assignment.ValidToIsNil()). // a concurrent end makes this match nothing
		SetValidTo(at).
		SetEndReason(reason).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "assignment %d was ended concurrently", id)
	}
	return updated, err
}
