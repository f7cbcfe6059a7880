package clock

import (
	"sync"
	"time"
)

// Test is a clock for tests: it stands still until moved, so that expiry can be tested
// without sleeping. Its Now fits every `Now func() time.Time` field.
type Test struct {
	mu  sync.Mutex
	now time.Time
}

// NewTest returns a test clock showing t (in UTC).
func NewTest(t time.Time) *Test { return &Test{now: t.UTC()} }

// Now returns the clock's time.
func (c *Test) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Test) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
