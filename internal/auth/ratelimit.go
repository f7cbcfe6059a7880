package auth

import (
	"sync"
	"time"
)

// Limiter counts events per key in a sliding window and says when a key has had too many.
// It lives in one process; several API processes each keep their own counts.
type Limiter struct {
	max    int
	window time.Duration

	mu     sync.Mutex
	events map[string][]time.Time
}

// NewLimiter returns a limiter allowing max events per key within window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, events: make(map[string][]time.Time)}
}

// Blocked reports whether key has reached the limit at now, and for how long it stays blocked.
func (l *Limiter) Blocked(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.prune(key, now)
	if len(ev) < l.max {
		return false, 0
	}
	return true, ev[0].Add(l.window).Sub(now)
}

// Add records an event for key at now.
func (l *Limiter) Add(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events[key] = append(l.prune(key, now), now)
	if len(l.events) > 100_000 {
		l.sweep(now) // bound memory under a flood of distinct keys
	}
}

// Reset forgets key's events (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

func (l *Limiter) prune(key string, now time.Time) []time.Time {
	ev := l.events[key]
	i := 0
	for i < len(ev) && !ev[i].After(now.Add(-l.window)) {
		i++
	}
	ev = ev[i:]
	if len(ev) == 0 {
		delete(l.events, key)
	} else {
		l.events[key] = ev
	}
	return ev
}

func (l *Limiter) sweep(now time.Time) {
	for k := range l.events {
		l.prune(k, now)
	}
}

// Backoff slows attempts on a key after repeated failures instead of locking it: after free
// failures within window, each further attempt must wait base·2^(failures−free), at most
// max, after the previous one. An attacker can so slow an account down but never shut its
// owner out for longer than max (OWASP's authentication cheat sheet: throttle, not lock).
type Backoff struct {
	free      int
	base, max time.Duration
	window    time.Duration

	mu    sync.Mutex
	state map[string]backoffState
}

type backoffState struct {
	failures int
	last     time.Time // of the last attempt counted
	next     time.Time // no attempt before this
}

// NewBackoff returns a Backoff letting free failures through within window before it slows
// attempts down from base up to max.
func NewBackoff(free int, base, max, window time.Duration) *Backoff {
	return &Backoff{free: free, base: base, max: max, window: window, state: make(map[string]backoffState)}
}

// Attempt reports whether an attempt on key may go ahead at now, and if not how long to wait.
// An attempt that goes ahead counts as a failure until Reset, so that concurrent attempts
// cannot all slip through before the first one fails.
func (b *Backoff) Attempt(key string, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state[key]
	if now.Sub(st.last) >= b.window {
		st = backoffState{}
	}
	if now.Before(st.next) {
		return false, st.next.Sub(now)
	}
	st.failures++
	st.last = now
	if st.failures >= b.free {
		st.next = now.Add(b.delay(st.failures))
	}
	b.state[key] = st
	if len(b.state) > 100_000 {
		for k, s := range b.state { // bound memory under a flood of distinct keys
			if now.Sub(s.last) >= b.window {
				delete(b.state, k)
			}
		}
	}
	return true, 0
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
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.state, key)
}
