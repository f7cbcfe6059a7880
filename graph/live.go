package graph

import (
	"context"
	"reflect"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/importjob"
	"gridgov/graph/model"
	"gridgov/internal/realtime"
	"gridgov/internal/rollup"
)

// jobPoll is how often jobProgress reads its job.
const jobPoll = 500 * time.Millisecond

// rollupEvery is how often, at most, rollupTotals recomputes and pushes.
const rollupEvery = time.Second

// asViewerNow is ctx carrying its socket's viewer as it is now.
func asViewerNow(ctx context.Context) context.Context {
	if v := realtime.ViewerNow(ctx); v != nil {
		return authz.NewContext(ctx, v)
	}
	return ctx
}

// watchJob sends the job named token whenever its status, stage or counts change, and ends
// after it is DONE or FAILED.
func (r *Resolver) watchJob(ctx context.Context, token string) (<-chan *ent.ImportJob, error) {
	if r.Realtime == nil {
		return nil, errNoRealtime
	}
	first, err := r.Imports.Get(ctx, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel, err := r.Realtime.Hold(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *ent.ImportJob, 1)
	out <- first
	go func() {
		defer close(out)
		defer cancel()
		last := first
		t := time.NewTicker(jobPoll)
		defer t.Stop()
		for last.Status == importjob.StatusRUNNING {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			job, err := r.Imports.Get(asViewerNow(ctx), token)
			if err != nil {
				return // the job is no longer the viewer's to see
			}
			if job.Status == last.Status && job.Stage == last.Stage && job.Done == last.Done && job.Total == last.Total {
				continue
			}
			select {
			case out <- job:
				last = job
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// watchRollup sends the totals of gridID's subtree over [from, to) at once, then at most
// once every rollupEvery after cases under it changed, when they differ.
func (r *Resolver) watchRollup(ctx context.Context, gridID int, from, to time.Time) (<-chan *model.RollupRow, error) {
	if r.Realtime == nil {
		return nil, errNoRealtime
	}
	totals := func(ctx context.Context) (*model.RollupRow, error) {
		g, err := rollup.Grid(ctx, r.Client, gridID)
		if err != nil {
			return nil, err
		}
		t, _, err := rollup.RunOn(ctx, r.Client, g, rollup.Query{GridID: gridID, From: from, To: to,
			Location: r.Workflow.Cal().Location(), Now: r.Now()})
		if err != nil {
			return nil, err
		}
		return rollupRow(t, rollup.AllLabel), nil
	}
	first, err := totals(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := r.Realtime.EventChanges(ctx, realtime.EventFilter{GridID: gridID})
	if err != nil {
		return nil, err
	}
	out := make(chan *model.RollupRow, 1)
	out <- first
	go func() {
		defer close(out)
		last, dirty := first, false
		t := time.NewTicker(rollupEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-changes:
				if !ok {
					return
				}
				dirty = true
				continue
			case <-t.C:
			}
			if !dirty {
				continue
			}
			dirty = false
			now, err := totals(asViewerNow(ctx))
			if err != nil {
				return
			}
			if reflect.DeepEqual(now, last) {
				continue
			}
			select {
			case out <- now:
				last = now
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
