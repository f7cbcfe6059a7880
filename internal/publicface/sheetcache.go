package publicface

import (
	"context"
	"sync"
	"time"
)

const (
	// sheetTTL is how long a subtree's sheet of cards or badges is served from memory. Anyone
	// may ask for a district's 500 cards, which costs tens of milliseconds and megabytes
	// each time; a minute's delay before a new grid head appears on paper costs nothing.
	sheetTTL = time.Minute
	// maxSheets bounds the sheets kept: every subtree of a district, several times over. The
	// cache is emptied when full.
	maxSheets = 2000
)

// sheetCache keeps the sheets of subtrees for sheetTTL, and makes concurrent requests for
// one sheet wait for a single build of it instead of each building its own. Failed builds
// are not kept.
type sheetCache[T any] struct {
	mu      sync.Mutex
	entries map[string]*sheetEntry[T]
}

type sheetEntry[T any] struct {
	done  chan struct{} // closed when val and err are set
	val   []*T
	err   error
	until time.Time
}

// get returns the sheet under key, built by build when it is missing, failed or stale.
func (c *sheetCache[T]) get(ctx context.Context, key string, build func() ([]*T, error)) ([]*T, error) {
	now := time.Now()
	c.mu.Lock()
	e := c.entries[key]
	if e != nil {
		select {
		case <-e.done:
			if e.err != nil || now.After(e.until) {
				e = nil
			}
		default: // being built: wait for it
		}
	}
	if e == nil {
		if c.entries == nil || len(c.entries) >= maxSheets {
			c.entries = map[string]*sheetEntry[T]{}
		}
		e = &sheetEntry[T]{done: make(chan struct{})}
		c.entries[key] = e
		c.mu.Unlock()
		e.val, e.err = build()
		e.until = time.Now().Add(sheetTTL)
		close(e.done)
		return e.val, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
