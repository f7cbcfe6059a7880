package audit

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/internal/clock"
	"gridgov/internal/txbatch"
)

// pending holds the entries of each open transaction until it commits (they are written)
// or rolls back (they are dropped).
var pending txbatch.Batches[row]

// row is an entry with who, what and when.
type row struct {
	Entry
	actorID   *int
	actorName string
	operation string
	requestID string
	at        time.Time
}

// add records entries of m: inside a transaction they are written when it commits; outside
// one they are written now.
func add(ctx context.Context, m ent.Mutation, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	tx, key, inTx := gen.AuditTx(m)
	if !inTx {
		c, ok := m.(interface{ Client() *gen.Client })
		if !ok {
			return fmt.Errorf("audit: mutation %T has no client", m)
		}
		return write(ctx, c.Client(), stamp(ctx, entries))
	}
	enqueue(tx, key, stamp(ctx, entries))
	return nil
}

// Record records a change made without an ent mutation that shows it (an SQL expression
// through Modify, such as a grid's move), through client and in its transaction.
func Record(ctx context.Context, client *gen.Client, e Entry) error {
	tx, key, inTx := gen.AuditClientTx(client)
	if !inTx {
		return write(ctx, client, stamp(ctx, []Entry{e}))
	}
	enqueue(tx, key, stamp(ctx, []Entry{e}))
	return nil
}

// enqueue adds rows to the entries tx writes when it commits.
func enqueue(tx *gen.Tx, key any, rows []row) {
	pending.Add(tx, key, rows, func(ctx context.Context, tx *gen.Tx, rows []row, commit func() error) error {
		if err := write(ctx, tx.Client(), rows); err != nil {
			_ = tx.Rollback() // the commit is refused: end the transaction here
			return err
		}
		return commit()
	})
}

// stamp adds the actor, operation and time from ctx.
func stamp(ctx context.Context, entries []Entry) []row {
	actorID, actorName := actor(ctx)
	op, reqID := OperationFrom(ctx)
	at := clock.Now()
	rows := make([]row, len(entries))
	for i, e := range entries {
		rows[i] = row{Entry: e, actorID: actorID, actorName: actorName, operation: op, requestID: reqID, at: at}
	}
	return rows
}

// batchRows bounds one INSERT: 11 columns × 500 rows stays below SQLite's and PostgreSQL's
// limits on bound parameters.
const batchRows = 500

// write inserts rows through client, in INSERTs of at most batchRows rows.
func write(ctx context.Context, client *gen.Client, rows []row) error {
	ctx = writerContext(authz.SystemContext(ctx, "write the audit log"))
	for start := 0; start < len(rows); start += batchRows {
		end := min(start+batchRows, len(rows))
		bs := make([]*gen.AuditEntryCreate, 0, end-start)
		for _, r := range rows[start:end] {
			bs = append(bs, client.AuditEntry.Create().
				SetOccurredAt(r.at).
				SetNillableActorID(r.actorID).
				SetActorName(r.actorName).
				SetOperation(r.operation).
				SetRequestID(r.requestID).
				SetAction(r.Action).
				SetEntityType(r.EntityType).
				SetEntityID(r.EntityID).
				SetGridPath(r.GridPath).
				SetBefore(r.Before).
				SetAfter(r.After))
		}
		if err := client.AuditEntry.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("audit: write %d entries: %w", len(bs), err)
		}
	}
	return nil
}
