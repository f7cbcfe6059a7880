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
