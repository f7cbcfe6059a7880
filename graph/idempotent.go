package graph

import (
	"context"
	"fmt"

	"gridgov/ent"
	"gridgov/internal/idempotency"
	"gridgov/internal/workflow"
)

// step takes a workflow step in the mutation's transaction, once per idempotency key.
func (r *Resolver) step(ctx context.Context, key *string, s workflow.Step) (*ent.Event, error) {
	client := r.client(ctx)
	// The case id is part of the operation, so a key reused on another case is refused.
	op := fmt.Sprintf("%s:%d", s.Action, s.EventID)
	return r.idempotent(ctx, key, op, func() (*ent.Event, error) {
		return r.Workflow.Apply(ctx, client, s)
	})
}

// idempotent runs fn once per (viewer, key) and returns the case it produced, also on a retry.
func (r *Resolver) idempotent(ctx context.Context, key *string, op string, fn func() (*ent.Event, error)) (*ent.Event, error) {
	client := r.client(ctx)
	var ev *ent.Event
	id, err := idempotency.Do(ctx, client, idempotency.Scope(ctx, ""), deref(key), op, func() (int, error) {
		var err error
		ev, err = fn()
		if err != nil {
			return 0, err
		}
		return ev.ID, nil
	})
	if err != nil {
		return nil, err
	}
	if ev == nil { // a retry: return the case as it stands now
		return client.Event.Get(ctx, id)
	}
	return ev, nil
}
