package realtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/event"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// A light turns by the clock, not by a commit: each process keeps, for its own subscribers,
// the moment each open case's light next changes (the work calendar's 80 % point, then the
// deadline) and announces the change when it comes. Nothing is sent between processes.
const (
	// lightTick is how often due light changes are looked for: a change is told at most this
	// late.
	lightTick = time.Second
	// lightReload is how often the schedule is built again from the database: a new work
	// calendar or a change this process did not hear of moves the moments.
	lightReload = 10 * time.Minute
)

// lightWatch is the schedule of light changes, kept only while a subscription wants them.
type lightWatch struct {
	h *Hub

	mu       sync.Mutex
	loaded   bool
	loadedAt time.Time
	lastTick time.Time         // the last moment whose due changes were told
	next     map[int]time.Time // case → when its light changes next
}

func (w *lightWatch) run(ctx context.Context) {
	t := time.NewTicker(lightTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.tick(ctx, w.h.now()); err != nil && ctx.Err() == nil {
			w.h.logger.Warn("realtime: could not follow the cases' lights", "err", err)
		}
	}
}

// tick announces the light changes due at now.
func (w *lightWatch) tick(ctx context.Context, now time.Time) error {
	w.h.mu.Lock()
	wanted := w.h.lightSubs > 0
	w.h.mu.Unlock()
	w.mu.Lock()
	if !wanted {
		w.loaded, w.next = false, map[int]time.Time{} // nobody asks: keep nothing
		w.mu.Unlock()
		return nil
	}
	reload := !w.loaded || now.Sub(w.loadedAt) > lightReload
	w.mu.Unlock()
	if reload {
		if err := w.load(ctx, now); err != nil {
			return err
		}
	}
	var due []int
	w.mu.Lock()
	for id, at := range w.next {
		if !at.After(now) {
			due = append(due, id)
		}
	}
	w.lastTick = now
	w.mu.Unlock()
	if len(due) == 0 {
		return nil
	}
	sys := authz.SystemContext(ctx, "realtime: the cases whose light changed")
	evs, err := w.h.client.Event.Query().Where(event.IDIn(due...)).All(sys)
	if err != nil {
		return fmt.Errorf("load cases whose light changed: %w", err)
	}
	subs := w.h.snapshot()
	cal := workcal.Default()
	for _, ev := range evs {
		w.update(ev)
		if ev.RegisteredAt == nil || ev.Deadline == nil || ev.LimitUnit == nil || workflow.Closed(ev.Status) {
			continue
		}
		kind := TurnedYellow
		switch cal.Light(*ev.RegisteredAt, *ev.Deadline, now, workcal.Unit(*ev.LimitUnit)) {
		case workcal.Green:
			continue // moved by a change since (an approved extension)
		case workcal.Red:
			kind = TurnedRed
		}
		c := &change{eventID: ev.ID, gridPath: ev.GridPath, originPath: ev.OriginPath, light: kind}
		w.h.dispatch(c, subs, &caseLoads{hub: w.h, id: ev.ID, byScope: map[string]*caseLoad{}})
	}
	// A case that came due but was not found (deleted) is dropped from the schedule.
	w.mu.Lock()
	for _, id := range due {
		if at, ok := w.next[id]; ok && !at.After(now) {
			delete(w.next, id)
		}
	}
	w.mu.Unlock()
	return nil
}

// load builds the schedule from the open cases with a deadline still to come, or passed
// since the last tick (due now: they turned RED meanwhile), keeping what was due already.
func (w *lightWatch) load(ctx context.Context, now time.Time) error {
	w.mu.Lock()
	since := now
	if w.loaded {
		since = w.lastTick
	}
	w.mu.Unlock()
	sys := authz.SystemContext(ctx, "realtime: schedule the cases' lights")
	evs, err := w.h.client.Event.Query().
		Where(event.StatusIn(event.StatusREGISTERED, event.StatusDISPATCHED, event.StatusHANDLING, event.StatusREPORTED),
			event.RegisteredAtNotNil(), event.DeadlineNotNil(), event.DeadlineGT(since), event.LimitUnitNotNil()).
		Select(event.FieldID, event.FieldStatus, event.FieldRegisteredAt, event.FieldDeadline, event.FieldLimitUnit).
		All(sys)
	if err != nil {
		return fmt.Errorf("load the open cases' deadlines: %w", err)
	}
	next := make(map[int]time.Time, len(evs))
	for _, ev := range evs {
		if at, ok := nextLight(ev, now); ok {
			next[ev.ID] = at
		} else if !ev.Deadline.After(now) {
			next[ev.ID] = now
		}
	}
	w.mu.Lock()
	for id, at := range w.next {
		if !at.After(now) {
			next[id] = at
		}
	}
	w.next, w.loaded, w.loadedAt = next, true, now
	w.mu.Unlock()
	return nil
}

// update schedules ev's next light change after a step on it.
func (w *lightWatch) update(ev *ent.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.loaded {
		return
	}
	if at, ok := nextLight(ev, w.h.now()); ok {
		w.next[ev.ID] = at
	} else {
		delete(w.next, ev.ID)
	}
}

// nextLight returns when an open case's light next changes after now: the first second it is
// YELLOW while it is GREEN, just after its deadline while it is YELLOW.
func nextLight(ev *ent.Event, now time.Time) (time.Time, bool) {
	if ev.RegisteredAt == nil || ev.Deadline == nil || ev.LimitUnit == nil || workflow.Closed(ev.Status) {
		return time.Time{}, false
	}
	cal, reg, due, unit := workcal.Default(), *ev.RegisteredAt, *ev.Deadline, workcal.Unit(*ev.LimitUnit)
	switch cal.Light(reg, due, now, unit) {
	case workcal.Red:
		return time.Time{}, false
	case workcal.Yellow:
		return due.Add(time.Millisecond), true
	}
	// GREEN at now, not GREEN at the deadline: the light is monotonic in time, so the first
	// YELLOW second is found by halving.
	lo, hi := now, due
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if cal.Light(reg, due, mid, unit) == workcal.Green {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, true
}
