package auth

import (
	"context"
	"time"
)

// Limiter counts events per key in a sliding window and says when a key has had too many.
// Its counts live in a RateStore: this process's memory, or PostgreSQL, shared by every API
// process on the database.
type Limiter struct {
	max    int
	window time.Duration
	store  RateStore
	prefix string // of the store's keys, so that limiters can share a store
}

// NewLimiter returns a limiter allowing max events per key within window, counted in this
// process's memory (see Shared).
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, store: MemoryRates()}
}

// Shared returns a limiter with l's limits counting in store under name, which tells its
// keys from those of other limiters in the same store.
func (l *Limiter) Shared(store RateStore, name string) *Limiter {
	return &Limiter{max: l.max, window: l.window, store: store, prefix: name + ":"}
}

// Blocked reports whether key has reached the limit at now, and for how long it stays blocked.
func (l *Limiter) Blocked(ctx context.Context, key string, now time.Time) (blocked bool, wait time.Duration, err error) {
	err = l.store.Update(ctx, l.prefix+key, now, func(ev []int64) ([]int64, time.Duration) {
		ev = l.prune(ev, now)
		blocked, wait = l.blocked(ev, now)
		return l.keep(ev)
	})
	return blocked, wait, err
}

// Take records an event for key at now unless key has reached the limit, in one step (no
// concurrent attempt slips in between), and reports whether it was blocked and for how long.
func (l *Limiter) Take(ctx context.Context, key string, now time.Time) (blocked bool, wait time.Duration, err error) {
	err = l.store.Update(ctx, l.prefix+key, now, func(ev []int64) ([]int64, time.Duration) {
		ev = l.prune(ev, now)
		if blocked, wait = l.blocked(ev, now); !blocked {
			ev = append(ev, now.UnixNano())
		}
		return l.keep(ev)
	})
	return blocked, wait, err
}

// Add records an event for key at now.
func (l *Limiter) Add(ctx context.Context, key string, now time.Time) error {
	return l.store.Update(ctx, l.prefix+key, now, func(ev []int64) ([]int64, time.Duration) {
		return l.keep(append(l.prune(ev, now), now.UnixNano()))
	})
}

// Reset forgets key's events (after a successful sign-in).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.store.Forget(ctx, l.prefix+key)
}

// prune drops the events (Unix nanoseconds, oldest first) that left the window at now, and
// all but the latest max, which are all the limit looks at.
func (l *Limiter) prune(ev []int64, now time.Time) []int64 {
	i := 0
	for i < len(ev) && !time.Unix(0, ev[i]).After(now.Add(-l.window)) {
		i++
	}
	ev = ev[i:]
	if len(ev) > l.max {
		ev = ev[len(ev)-l.max:]
	}
	return ev
}

func (l *Limiter) blocked(ev []int64, now time.Time) (bool, time.Duration) {
	if len(ev) < l.max {
		return false, 0
	}
	return true, time.Unix(0, ev[0]).Add(l.window).Sub(now)
}

// keep is what the store keeps of ev: nothing when empty, else until the window has passed.
func (l *Limiter) keep(ev []int64) ([]int64, time.Duration) {
	if len(ev) == 0 {
		return nil, 0
	}
	return ev, l.window
}

// Backoff slows attempts on a key after repeated failures instead of locking it: after free
// failures within window, each further attempt must wait base·2^(failures−free), at most
// max, after the previous one. An attacker can so slow an account down but never shut its
// owner out for longer than max (OWASP's authentication cheat sheet: throttle, not lock).
type Backoff struct {
	free      int
	base, max time.Duration
	window    time.Duration
	store     RateStore
	prefix    string
}

// NewBackoff returns a Backoff letting free failures through within window before it slows
// attempts down from base up to max, counted in this process's memory (see Shared).
func NewBackoff(free int, base, max, window time.Duration) *Backoff {
	return &Backoff{free: free, base: base, max: max, window: window, store: MemoryRates()}
}

// Shared returns a Backoff with b's delays counting in store under name.
func (b *Backoff) Shared(store RateStore, name string) *Backoff {
	c := *b
	c.store, c.prefix = store, name+":"
	return &c
}

// Attempt reports whether an attempt on key may go ahead at now, and if not how long to wait.
// An attempt that goes ahead counts as a failure until Reset, so that concurrent attempts
// cannot all slip through before the first one fails.
func (b *Backoff) Attempt(ctx context.Context, key string, now time.Time) (ok bool, wait time.Duration, err error) {
	// The state is (failures, last attempt counted, no attempt before), in Unix nanoseconds;
	// the store forgets it a window after the last attempt, which starts it afresh.
	err = b.store.Update(ctx, b.prefix+key, now, func(st []int64) ([]int64, time.Duration) {
		if len(st) != 3 {
			st = []int64{0, 0, 0}
		}
		if next := time.Unix(0, st[2]); now.Before(next) {
			ok, wait = false, next.Sub(now)
			return st, time.Unix(0, st[1]).Add(b.window).Sub(now)
		}
		st[0]++
		st[1] = now.UnixNano()
		if st[0] >= int64(b.free) {
			st[2] = now.Add(b.delay(int(st[0]))).UnixNano()
		}
		ok = true
		return st, b.window
	})
	return ok, wait, err
}

// delay is the wait imposed after the given number of failures.
func (b *Backoff) delay(failures int) time.Duration {
	d := b.base
	for i := b.free; i < failures && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

// Reset forgets key's failures (after a successful sign-in).
func (b *Backoff) Reset(ctx context.Context, key string) error {
	return b.store.Forget(ctx, b.prefix+key)
}
