// Package dblock takes PostgreSQL transaction-level advisory locks through an ent client
// bound to a transaction; on SQLite, whose write transactions run one at a time (BEGIN
// IMMEDIATE, see internal/store), it does nothing.
package dblock

import (
	"context"
	"fmt"
	"hash/fnv"

	"entgo.io/ent/dialect"

	gen "gridgov/ent"
)

// XactLock takes the advisory lock key on PostgreSQL, waiting for its holder; it is held
// until client's transaction ends.
func XactLock(ctx context.Context, client *gen.Client, key int64) error {
	return xactLock(ctx, client, "pg_advisory_xact_lock", key)
}

// XactLockShared takes the advisory lock key in shared mode: holders of the shared lock do
// not wait for each other, only for (and hold off) a holder of XactLock.
func XactLockShared(ctx context.Context, client *gen.Client, key int64) error {
	return xactLock(ctx, client, "pg_advisory_xact_lock_shared", key)
}

func xactLock(ctx context.Context, client *gen.Client, fn string, key int64) error {
	if client.Dialect() != dialect.Postgres {
		return nil
	}
	rows, err := client.QueryContext(ctx, "SELECT "+fn+"($1)", key)
	if err != nil {
		return fmt.Errorf("take advisory lock %d: %w", key, err)
	}
	return rows.Close()
}

// Key is the advisory lock key of a name made of parts (64-bit FNV-1a of the parts, each
// ended by a NUL byte so that ("ab", "c") and ("a", "bc") differ).
func Key(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}
