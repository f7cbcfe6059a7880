package authz

import (
	"sync"
	"time"
)

// ViewerCache keeps the viewer of each session between requests, so that a signed-in
// request costs no statement for its viewer. An entry is dropped when its session, its user
// or an assignment of its person changes (Invalidate, fed by the change feed), when it
// reaches its expiry (the session's end or the moment an assignment starts or ends, whichever
// is first), and all entries are dropped while the change feed is down (SetLive(false)):
// a cache that may miss a revocation must not answer.
//
// A load races with changes: a viewer loaded from data read before a change committed must
// not be stored after the change's invalidation ran. Begin returns a generation that Put
// compares, so a load that overlapped any invalidation is used once and not kept.
type ViewerCache struct {
	mu       sync.Mutex
	live     bool
	gen      uint64
	max      int
	entries  map[string]cacheEntry
	byUser   map[int]map[string]bool
	byPerson map[int]map[string]bool

	watchMu  sync.RWMutex
	watchers map[int]func(Change)
	nextID   int
}

type cacheEntry struct {
	v       *Viewer
	expires time.Time
}

// DefaultViewerCacheSize bounds the sessions a process keeps viewers for: a district has
// about 20,000 people with roles, each viewer a few kilobytes.
const DefaultViewerCacheSize = 50_000

// maxViewerAge bounds how long any viewer is kept, as a last line of defence should a
// change ever go unannounced.
const maxViewerAge = 10 * time.Minute

// NewViewerCache returns an empty cache of at most max sessions (DefaultViewerCacheSize
// when max ≤ 0). It starts live; a process whose change feed has not connected yet calls
// SetLive(false) first.
func NewViewerCache(max int) *ViewerCache {
	if max <= 0 {
		max = DefaultViewerCacheSize
	}
	return &ViewerCache{
		live: true, max: max,
		entries:  map[string]cacheEntry{},
		byUser:   map[int]map[string]bool{},
		byPerson: map[int]map[string]bool{},
	}
}

// Get returns the cached viewer of session key at now, or nil.
func (c *ViewerCache) Get(key string, now time.Time) *Viewer {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil
	}
	if !now.Before(e.expires) {
		c.remove(key)
		return nil
	}
	return e.v
}

// Begin returns the generation to pass to Put for a viewer about to be loaded.
func (c *ViewerCache) Begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Put keeps v for session key until expires (capped by the viewer's ChangesAt and
// maxViewerAge from now), unless an invalidation ran since gen was taken or the cache is not
// live.
func (c *ViewerCache) Put(key string, v *Viewer, gen uint64, now, expires time.Time) {
	if at := v.ChangesAt(); !at.IsZero() && at.Before(expires) {
		expires = at
	}
	if limit := now.Add(maxViewerAge); limit.Before(expires) {
		expires = limit
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen || !now.Before(expires) {
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evictOne(now)
	}
	c.remove(key)
	c.entries[key] = cacheEntry{v: v, expires: expires}
	index(c.byUser, v.UserID, key)
	if v.PersonID != 0 {
		index(c.byPerson, v.PersonID, key)
	}
}

// Watch calls f with every change the cache is told of, after it dropped what the change
// affects, until the returned function is called: holders of a viewer outside the cache (an
// open WebSocket) learn when to check it again. f must not block.
func (c *ViewerCache) Watch(f func(Change)) (stop func()) {
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	if c.watchers == nil {
		c.watchers = map[int]func(Change){}
	}
	id := c.nextID
	c.nextID++
	c.watchers[id] = f
	return func() {
		c.watchMu.Lock()
		defer c.watchMu.Unlock()
		delete(c.watchers, id)
	}
}

// Invalidate drops the entries a change affects, then tells the watchers.
func (c *ViewerCache) Invalidate(ch Change) {
	c.invalidate(ch)
	c.watchMu.RLock()
	defer c.watchMu.RUnlock()
	for _, f := range c.watchers {
		f(ch)
	}
}

func (c *ViewerCache) invalidate(ch Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case ch.All:
		c.clear()
	case ch.UserID != 0:
		for key := range c.byUser[ch.UserID] {
			c.remove(key)
		}
	case ch.PersonID != 0:
		for key := range c.byPerson[ch.PersonID] {
			c.remove(key)
		}
	}
}

// SetLive turns the cache on or off. Turning it off drops every entry: while the change
// feed is down the cache cannot know what changed, so every request loads its viewer.
func (c *ViewerCache) SetLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	if !live {
		c.clear()
	}
}

// Len returns the number of cached sessions.
func (c *ViewerCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *ViewerCache) clear() {
	clear(c.entries)
	clear(c.byUser)
	clear(c.byPerson)
}

// evictOne makes room: an expired entry if it finds one among a few, else any one.
func (c *ViewerCache) evictOne(now time.Time) {
	n := 0
	var victim string
	for key, e := range c.entries {
		victim = key
		if !now.Before(e.expires) || n >= 16 {
			break
		}
		n++
	}
	c.remove(victim)
}

func (c *ViewerCache) remove(key string) {
	e, ok := c.entries[key]
	if !ok {
		return
	}
	delete(c.entries, key)
	unindex(c.byUser, e.v.UserID, key)
	unindex(c.byPerson, e.v.PersonID, key)
}

func index(m map[int]map[string]bool, id int, key string) {
	if m[id] == nil {
		m[id] = map[string]bool{}
	}
	m[id][key] = true
}

func unindex(m map[int]map[string]bool, id int, key string) {
	if keys := m[id]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(m, id)
		}
	}
}
