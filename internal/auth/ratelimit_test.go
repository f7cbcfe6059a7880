package auth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

func TestLimiter(t *testing.T) {
	t.Parallel()
	type step struct {
		op  string // "add", "blocked", "reset"
		key string
		at  time.Duration
		// for "blocked":
		blocked bool
		wait    time.Duration
	}
	add := func(key string, d time.Duration) step { return step{op: "add", key: key, at: d} }
	blocked := func(key string, d time.Duration, b bool, wait time.Duration) step {
		return step{op: "blocked", key: key, at: d, blocked: b, wait: wait}
	}
	reset := func(key string) step { return step{op: "reset", key: key} }
	cases := []struct {
		name  string
		steps []step
	}{
		{name: "fresh key is not blocked", steps: []step{
			blocked("k", 0, false, 0),
		}},
		{name: "below the limit", steps: []step{
			add("k", 0), add("k", 10*time.Second),
			blocked("k", 20*time.Second, false, 0),
		}},
		{name: "blocks at the limit within the window", steps: []step{
			add("k", 0), add("k", 10*time.Second), add("k", 20*time.Second),
			blocked("k", 20*time.Second, true, 40*time.Second),
			blocked("k", 30*time.Second, true, 30*time.Second),
			blocked("k", 59*time.Second, true, time.Second),
		}},
		{name: "checking does not count", steps: []step{
			add("k", 0), add("k", time.Second),
			blocked("k", 2*time.Second, false, 0), blocked("k", 3*time.Second, false, 0),
			blocked("k", 4*time.Second, false, 0), blocked("k", 5*time.Second, false, 0),
		}},
		{name: "unblocks when the first event leaves the window", steps: []step{
			add("k", 0), add("k", 10*time.Second), add("k", 20*time.Second),
			blocked("k", time.Minute-time.Nanosecond, true, time.Nanosecond),
			blocked("k", time.Minute, false, 0),
		}},
		{name: "sliding window: blocked again by the later events", steps: []step{
			add("k", 0), add("k", 10*time.Second), add("k", 20*time.Second),
			blocked("k", time.Minute, false, 0),
			add("k", time.Minute),
			blocked("k", time.Minute, true, 10*time.Second),
			blocked("k", 70*time.Second, false, 0),
		}},
		{name: "all events expire", steps: []step{
			add("k", 0), add("k", 0), add("k", 0),
			blocked("k", time.Hour, false, 0),
			add("k", time.Hour), add("k", time.Hour),
			blocked("k", time.Hour, false, 0),
		}},
		{name: "keys are independent", steps: []step{
			add("a", 0), add("a", 0), add("a", 0),
			add("b", 0), add("b", 0),
			blocked("a", time.Second, true, time.Minute-time.Second),
			blocked("b", time.Second, false, 0),
		}},
		{name: "reset unblocks", steps: []step{
			add("k", 0), add("k", 0), add("k", 0),
			blocked("k", time.Second, true, time.Minute-time.Second),
			reset("k"),
			blocked("k", time.Second, false, 0),
			add("k", 2*time.Second), add("k", 3*time.Second),
			blocked("k", 4*time.Second, false, 0),
		}},
		{name: "reset touches only its key", steps: []step{
			add("a", 0), add("a", 0), add("a", 0),
			add("b", 0), add("b", 0), add("b", 0),
			reset("a"),
			blocked("a", time.Second, false, 0),
			blocked("b", time.Second, true, time.Minute-time.Second),
		}},
		{name: "reset of an unknown key", steps: []step{
			reset("nobody"),
			blocked("nobody", 0, false, 0),
		}},
	}
	// The same steps on both stores: memory (SQLite) and the table every process shares
	// (PostgreSQL), each case under a name of its own in one store.
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		store := auth.RatesFor(db.Client)
		for n, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				l := auth.NewLimiter(3, time.Minute).Shared(store, fmt.Sprint("case", n))
				for i, s := range tc.steps {
					var err error
					switch s.op {
					case "add":
						err = l.Add(ctx, s.key, at(s.at))
					case "reset":
						err = l.Reset(ctx, s.key)
					case "blocked":
						type result struct {
							Blocked bool
							Wait    time.Duration
						}
						var b bool
						var w time.Duration
						b, w, err = l.Blocked(ctx, s.key, at(s.at))
						if diff := cmp.Diff(result{s.blocked, s.wait}, result{b, w}); diff != "" {
							t.Errorf("step %d: Blocked(%q, t0+%v) (-want +got):\n%s", i, s.key, s.at, diff)
						}
					}
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				}
			})
		}
	})
}

// TestLimiterTake: Take counts only the events it lets through, and a limiter's keys are
// its own in a store shared with another limiter.
func TestLimiterTake(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := t.Context()
		store := auth.RatesFor(db.Client)
		l := auth.NewLimiter(2, time.Minute).Shared(store, "one")
		other := auth.NewLimiter(2, time.Minute).Shared(store, "two")
		var got []bool
		for i := range 4 {
			b, _, err := l.Take(ctx, "k", at(time.Duration(i)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		if diff := cmp.Diff([]bool{false, false, true, true}, got); diff != "" {
			t.Errorf("blocked per Take (-want +got):\n%s", diff)
		}
		// Refused takes did not count: the first event leaving the window unblocks.
		if b, _, _ := l.Take(ctx, "k", at(time.Minute)); b {
			t.Errorf("blocked after the first event left the window")
		}
		if b, _, _ := other.Blocked(ctx, "k", at(time.Second)); b {
			t.Errorf("another limiter's key of the same name is blocked")
		}
	})
}

// TestLimiterSignInLimits checks the limits the sign-in uses: 5 per 15 minutes and 30 per
// minute.
func TestLimiterSignInLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		max    int
		window time.Duration
	}{
		{name: "per account", max: 5, window: 15 * time.Minute},
		{name: "per address", max: 30, window: time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			l := auth.NewLimiter(tc.max, tc.window)
			var got []bool
			for i := range tc.max + 1 {
				b, _, _ := l.Blocked(ctx, "k", at(time.Duration(i)*time.Second))
				got = append(got, b)
				if !b {
					_ = l.Add(ctx, "k", at(time.Duration(i)*time.Second))
				}
			}
			want := make([]bool, tc.max+1)
			want[tc.max] = true
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("blocked per attempt (-want +got):\n%s", diff)
			}
			if b, _, _ := l.Blocked(ctx, "k", at(tc.window)); b {
				t.Errorf("still blocked one window after the first attempt")
			}
		})
	}
}

func TestLimiterConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := t.Context()
		const n = 100
		l := auth.NewLimiter(n, time.Minute).Shared(auth.RatesFor(db.Client), "concurrent")
		var wg sync.WaitGroup
		errs := make(chan error, 3*n)
		for i := range n {
			wg.Go(func() {
				errs <- l.Add(ctx, "shared", at(time.Duration(i)*time.Millisecond))
				errs <- l.Add(ctx, fmt.Sprintf("own-%d", i), at(0))
				_, _, err := l.Blocked(ctx, "shared", at(0))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if b, _, _ := l.Blocked(ctx, "shared", at(time.Second)); !b {
			t.Errorf("Blocked after %d concurrent Adds = false, want true (an event was lost)", n)
		}
		if b, _, _ := l.Blocked(ctx, "own-7", at(time.Second)); b {
			t.Errorf("a key with one event is blocked")
		}
	})
}

// TestLimiterManyKeys floods the limiter with distinct keys (as an attacker trying
// usernames would) and checks that old keys still expire and new ones still count.
func TestLimiterManyKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	l := auth.NewLimiter(2, time.Minute)
	for i := range 100_010 {
		_ = l.Add(ctx, fmt.Sprintf("k%d", i), at(0))
	}
	_ = l.Add(ctx, "k1", at(0))
	if b, _, _ := l.Blocked(ctx, "k1", at(time.Second)); !b {
		t.Errorf("k1 with 2 events is not blocked after the flood")
	}
	_ = l.Add(ctx, "late", at(2*time.Minute))
	_ = l.Add(ctx, "late", at(2*time.Minute))
	if b, _, _ := l.Blocked(ctx, "late", at(2*time.Minute)); !b {
		t.Errorf("a key added after the sweep does not count")
	}
	if b, _, _ := l.Blocked(ctx, "k1", at(2*time.Minute)); b {
		t.Errorf("k1 still blocked two windows later")
	}
}
