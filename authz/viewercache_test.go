package authz

import (
	"fmt"
	"testing"
	"time"
)

func testViewer(t *testing.T, e *Enforcer, userID, personID int, changesAt time.Time) *Viewer {
	t.Helper()
	v, err := e.NewViewer(ViewerInfo{UserID: userID, PersonID: personID}, []Grant{{Role: "GRID_HEAD", Root: "/1/4/"}}, changesAt)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestViewerCache(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	hour := now.Add(time.Hour)
	cases := []struct {
		name   string
		act    func(c *ViewerCache) // after "s1" (user 1, person 10) was put
		getAt  time.Time
		wantIn bool
	}{
		{name: "kept", act: func(*ViewerCache) {}, getAt: now.Add(time.Minute), wantIn: true},
		{name: "session expired", act: func(*ViewerCache) {}, getAt: hour},
		{name: "capped at the longest age", act: func(*ViewerCache) {}, getAt: now.Add(maxViewerAge)},
		{name: "its user changed", act: func(c *ViewerCache) { c.Invalidate(Change{UserID: 1}) }, getAt: now},
		{name: "its person's assignments changed", act: func(c *ViewerCache) { c.Invalidate(Change{PersonID: 10}) }, getAt: now},
		{name: "another user changed", act: func(c *ViewerCache) { c.Invalidate(Change{UserID: 2}) }, getAt: now, wantIn: true},
		{name: "another person changed", act: func(c *ViewerCache) { c.Invalidate(Change{PersonID: 11}) }, getAt: now, wantIn: true},
		{name: "everything changed", act: func(c *ViewerCache) { c.Invalidate(Change{All: true}) }, getAt: now},
		{name: "feed lost", act: func(c *ViewerCache) { c.SetLive(false) }, getAt: now},
		{name: "feed lost and back", act: func(c *ViewerCache) { c.SetLive(false); c.SetLive(true) }, getAt: now},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := NewViewerCache(0)
			v := testViewer(t, e, 1, 10, time.Time{})
			c.Put("s1", v, c.Begin(), now, hour)
			tc.act(c)
			if got := c.Get("s1", tc.getAt) != nil; got != tc.wantIn {
				t.Errorf("cached after %s: %v, want %v", tc.name, got, tc.wantIn)
			}
		})
	}
}

// TestViewerCacheRefusesStaleLoads: a viewer whose load overlapped an invalidation may hold
// what was true before the change, so it is not kept; nor is one while the feed is down.
func TestViewerCacheRefusesStaleLoads(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := NewViewerCache(0)
	gen := c.Begin()
	c.Invalidate(Change{PersonID: 99}) // any change, while the load runs
	c.Put("s1", testViewer(t, e, 1, 10, time.Time{}), gen, now, now.Add(time.Hour))
	if c.Get("s1", now) != nil {
		t.Error("a load that overlapped an invalidation was kept")
	}
	c.SetLive(false)
	c.Put("s1", testViewer(t, e, 1, 10, time.Time{}), c.Begin(), now, now.Add(time.Hour))
	if c.Get("s1", now) != nil {
		t.Error("a viewer was kept while the change feed is down")
	}
}

// TestViewerCacheAssignmentBoundary: a viewer is not kept past the moment one of its
// assignments starts or ends, even without any announced change.
func TestViewerCacheAssignmentBoundary(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := NewViewerCache(0)
	c.Put("s1", testViewer(t, e, 1, 10, now.Add(time.Minute)), c.Begin(), now, now.Add(time.Hour))
	if c.Get("s1", now.Add(59*time.Second)) == nil {
		t.Error("dropped before the assignment boundary")
	}
	if c.Get("s1", now.Add(time.Minute)) != nil {
		t.Error("kept past the assignment boundary")
	}
}

// TestViewerCacheBounded: memory does not grow with the number of sessions ever seen.
func TestViewerCacheBounded(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := NewViewerCache(100)
	for i := range 1000 {
		c.Put(fmt.Sprint("s", i), testViewer(t, e, i+1, i+1, time.Time{}), c.Begin(), now, now.Add(time.Hour))
	}
	if n := c.Len(); n != 100 {
		t.Errorf("%d sessions cached, want the bound 100", n)
	}
	if c.Get("s999", now) == nil {
		t.Error("the latest session was evicted")
	}
	for i := range 1000 {
		c.Invalidate(Change{UserID: i + 1})
	}
	if n := c.Len(); n != 0 || len(c.byUser) != 0 || len(c.byPerson) != 0 {
		t.Errorf("after invalidating every user: %d entries, %d user and %d person index keys", n, len(c.byUser), len(c.byPerson))
	}
}

func TestChangePayload(t *testing.T) {
	t.Parallel()
	for _, ch := range []Change{{UserID: 5}, {PersonID: 7}, {All: true}} {
		got, err := ParseChange(ch.String())
		if err != nil || got != ch {
			t.Errorf("ParseChange(%q) = %+v, %v; want %+v", ch.String(), got, err, ch)
		}
	}
	if got, err := ParseChange("p:7 #k3-x9"); err != nil || got != (Change{PersonID: 7}) {
		t.Errorf("ParseChange with a nonce = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "u:", "u:x", "p:-1", "q:1", "u:0", "**"} {
		if _, err := ParseChange(bad); err == nil {
			t.Errorf("ParseChange(%q) succeeded", bad)
		}
	}
}

// TestViewerRootsPrecomputed: Roots and Can answer from what NewViewer computed, the same for
// every request that shares the viewer.
func TestViewerRootsPrecomputed(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	v := testViewer(t, e, 1, 10, time.Time{})
	if len(v.roots) == 0 {
		t.Fatal("no roots precomputed")
	}
	for _, p := range e.pairs {
		want := e.ScopeRoots(v.grants, p[0], p[1])
		got := v.Roots(p[0], p[1])
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Roots(%s, %s) = %v, want %v", p[0], p[1], got, want)
		}
	}
	if !v.Can("/1/4/17/", "grid", "update") || v.Can("/1/40/", "grid", "update") {
		t.Error("Can does not follow the grant on /1/4/")
	}
}
