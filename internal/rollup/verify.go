package rollup

import (
	"context"
	"fmt"
	"slices"

	gen "gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventtally"
)

// Difference is a summary cell whose stored counts differ from the counts recomputed from
// the cases.
type Difference struct {
	ScopeID, ChildID, CategoryID int
	Grain, Bucket                string
	// Column is the first counter that differs; Stored and Want are its values.
	Column       string
	Stored, Want int
}

// String renders the difference for a terminal.
func (d Difference) String() string {
	return fmt.Sprintf("scope %d child %d category %d %s %s: %s stored %d, recomputed %d",
		d.ScopeID, d.ChildID, d.CategoryID, d.Grain, d.Bucket, d.Column, d.Stored, d.Want)
}

// Progress is told how many cases have been read so far.
type Progress func(done int)

// Recompute computes the summary from the cases, reading them in pages of ids.
func Recompute(ctx context.Context, client *gen.Client, progress Progress) (cells, error) {
	want := cells{}
	last, done := 0, 0
	for {
		var page []caseFacts
		err := client.Event.Query().
			Where(event.IDGT(last)).Order(event.ByID()).Limit(10000).
			Select(factColumns...).Scan(ctx, &page)
		if err != nil {
			return nil, fmt.Errorf("recompute rollup summary: read cases: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, f := range page {
			want.add(f, 1)
		}
		last = page[len(page)-1].ID
		done += len(page)
		if progress != nil {
			progress(done)
		}
	}
	want.dropZero()
	return want, nil
}

// stored reads the summary as it is in the table, without the cells that count nothing.
func stored(ctx context.Context, client *gen.Client) (cells, error) {
	have := cells{}
	last := 0
	for {
		rows, err := client.EventTally.Query().Where(eventtally.IDGT(last)).Order(eventtally.ByID()).Limit(20000).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("read rollup summary: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			day, err := parseBucket(r.Bucket)
			if err != nil || len(r.Grain) != 1 {
				return nil, fmt.Errorf("rollup summary row %d: bad grain %q or bucket %q", r.ID, r.Grain, r.Bucket)
			}
			k := cell{r.ScopeID, r.ChildID, r.CategoryID, r.Grain[0], day}
			v := have[k]
			for i, n := range []int{r.Found, r.Registered, r.Due, r.DueClosed, r.DueOpen, r.ClosedOnTime,
				r.ClosedFixed, r.ClosedNotFixed, r.Reworked, r.Escalated, r.Voided} {
				v[i] += int32(n)
			}
			have[k] = v
		}
		last = rows[len(rows)-1].ID
	}
	have.dropZero()
	return have, nil
}

// Verify recomputes the summary from the cases and returns every cell that differs from the
// table, in a fixed order. ctx must pass the privacy rules (authz.SystemContext).
func Verify(ctx context.Context, client *gen.Client, progress Progress) ([]Difference, error) {
	want, err := Recompute(ctx, client, progress)
	if err != nil {
		return nil, err
	}
	have, err := stored(ctx, client)
	if err != nil {
		return nil, err
	}
	union := cells{}
	for k := range want {
		union[k] = counters{}
	}
	for k := range have {
		union[k] = counters{}
	}
	var diffs []Difference
	for _, k := range union.sortedKeys() {
		w, h := want[k], have[k]
		if w == h {
			continue
		}
		i := 0
		for j := range w {
			if w[j] != h[j] {
				i = j
				break
			}
		}
		diffs = append(diffs, Difference{
			ScopeID: k.scope, ChildID: k.child, CategoryID: k.category, Grain: string(k.grain), Bucket: bucketOf(k.day),
			Column: counterColumns[i], Stored: int(h[i]), Want: int(w[i]),
		})
	}
	return diffs, nil
}

// Rebuild replaces the summary with one recomputed from the cases. Run it in a transaction
// (client bound to one) so that readers never see a half-built summary; ctx must pass the
// privacy rules (authz.SystemContext).
func Rebuild(ctx context.Context, client *gen.Client, progress Progress) (int, error) {
	want, err := Recompute(ctx, client, progress)
	if err != nil {
		return 0, err
	}
	if _, err := client.EventTally.Delete().Exec(ctx); err != nil {
		return 0, fmt.Errorf("rebuild rollup summary: clear: %w", err)
	}
	keys := want.sortedKeys()
	for chunk := range slices.Chunk(keys, 1000) {
		builders := make([]*gen.EventTallyCreate, len(chunk))
		for i, k := range chunk {
			builders[i] = newTally(client, k, want[k])
		}
		if err := client.EventTally.CreateBulk(builders...).Exec(ctx); err != nil {
			return 0, fmt.Errorf("rebuild rollup summary: write: %w", err)
		}
	}
	return len(keys), nil
}

// RebuildInTx runs Rebuild in a transaction of its own.
func RebuildInTx(ctx context.Context, client *gen.Client, progress Progress) (int, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return 0, err
	}
	n, err := Rebuild(ctx, tx.Client(), progress)
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	return n, tx.Commit()
}

// EnsureSummary rebuilds the summary when it is empty while cases exist: a database whose
// cases predate the summary table (or were bulk-loaded past the hooks) gets it on first open.
func EnsureSummary(ctx context.Context, client *gen.Client) (rebuilt bool, err error) {
	has, err := client.EventTally.Query().Exist(ctx)
	if err != nil || has {
		return false, err
	}
	if has, err = client.Event.Query().Exist(ctx); err != nil || !has {
		return false, err
	}
	_, err = RebuildInTx(ctx, client, nil)
	return err == nil, err
}
