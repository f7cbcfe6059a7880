// Package txbatch collects what the writes of one ent transaction add (audit entries,
// authorization changes) and hands it over in one piece when the transaction commits; a
// rollback drops it.
package txbatch

import (
	"context"
	"sync"

	"gridgov/ent"
)

// Flush receives a committing transaction's items. It must call commit to let the commit
// proceed, and roll tx back itself if it refuses the commit before calling it.
type Flush[T any] func(ctx context.Context, tx *ent.Tx, items []T, commit func() error) error

// Batches holds the items of every open transaction, keyed by ent.AuditClientTx's key. The
// zero value is ready to use; one Batches serves one kind of item.
type Batches[T any] struct {
	pending sync.Map // tx key → *batch[T]
}

type batch[T any] struct {
	mu    sync.Mutex
	items []T
}

// Add appends items to the batch of tx (key is ent.AuditClientTx's). The first Add in a
// transaction registers flush to run once, at its commit, with every item added by then.
func (b *Batches[T]) Add(tx *ent.Tx, key any, items []T, flush Flush[T]) {
	fresh := &batch[T]{}
	v, loaded := b.pending.LoadOrStore(key, fresh)
	cur := v.(*batch[T])
	if !loaded {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				b.pending.Delete(key)
				cur.mu.Lock()
				items := cur.items
				cur.mu.Unlock()
				return flush(ctx, tx, items, func() error { return next.Commit(ctx, tx) })
			})
		})
		tx.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
			return ent.RollbackFunc(func(ctx context.Context, tx *ent.Tx) error {
				b.pending.Delete(key)
				return next.Rollback(ctx, tx)
			})
		})
	}
	cur.mu.Lock()
	cur.items = append(cur.items, items...)
	cur.mu.Unlock()
}
