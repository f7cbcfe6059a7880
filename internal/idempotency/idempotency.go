// Package idempotency lets a client retry a mutation safely: the first request with a key
// does the work and records the id it produced; a retry with the same key gets that id back
// instead of acting again.
package idempotency

import (
	"context"
	"fmt"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/idempotencykey"
	"gridgov/internal/apperr"
	"gridgov/internal/dblock"
)

// MaxKeyLen is the longest key accepted.
const MaxKeyLen = 100

// Do runs fn unless scope (who) already used key for op, and returns the id fn produced, or
// the one recorded the first time; a request that comes while another with the same key is
// running waits for it. The client must be bound to the mutation's transaction, so
// that the key is recorded together with the work. A key reused for another operation is
// refused.
func Do(ctx context.Context, client *ent.Client, scope, key, op string, fn func() (int, error)) (int, error) {
	if key == "" {
		return fn()
	}
	if len(key) > MaxKeyLen {
		return 0, apperr.Invalid("idempotencyKey", "idempotencyKey may have at most %d bytes", MaxKeyLen)
	}
	sys := authz.SystemContext(ctx, "idempotency keys")
	// Concurrent requests with the same key wait here for the first one's transaction to
	// end, then find its key and replay its answer (or, if it failed, do the work).
	if err := dblock.XactLock(sys, client, dblock.Key("idempotency", scope, key)); err != nil {
		return 0, fmt.Errorf("wait for the idempotency key: %w", err)
	}
	prev, err := client.IdempotencyKey.Query().Where(idempotencykey.Scope(scope), idempotencykey.Key(key)).Only(sys)
	switch {
	case err == nil:
		if prev.Operation != op {
			return 0, apperr.Invalid("idempotencyKey", "this idempotencyKey was used for %s; use a new key for each operation", prev.Operation)
		}
		return prev.ResultID, nil
	case !ent.IsNotFound(err):
		return 0, fmt.Errorf("look up idempotency key: %w", err)
	}
	id, err := fn()
	if err != nil {
		return 0, err
	}
	err = client.IdempotencyKey.Create().SetScope(scope).SetKey(key).SetOperation(op).SetResultID(id).Exec(sys)
	if ent.IsConstraintError(err) {
		return 0, apperr.New(apperr.Conflict, "the same idempotencyKey is being used by a concurrent request; retry it")
	}
	if err != nil {
		return 0, fmt.Errorf("record idempotency key: %w", err)
	}
	return id, nil
}

// Scope names who uses a key: the signed-in user, or the address of an anonymous client.
func Scope(ctx context.Context, remoteAddr string) string {
	if v := authz.FromContext(ctx); v != nil {
		return fmt.Sprintf("user:%d", v.UserID)
	}
	return "addr:" + remoteAddr
}
