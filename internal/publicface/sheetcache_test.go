package publicface

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestSheetCache: concurrent requests for one sheet build it once, later ones are served
// from memory, each key has its own sheet and a failed build is tried again.
func TestSheetCache(t *testing.T) {
	t.Parallel()
	var c sheetCache[Card]
	var builds atomic.Int32
	build := func() ([]*Card, error) {
		builds.Add(1)
		return []*Card{{GridCode: "410102001002001"}}, nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			cs, err := c.get(context.Background(), "410102", build)
			if err != nil || len(cs) != 1 {
				t.Errorf("get: %v, %d cards", err, len(cs))
			}
		})
	}
	wg.Wait()
	if _, err := c.get(context.Background(), "410102", build); err != nil {
		t.Fatal(err)
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds of one sheet, want 1", n)
	}

	if _, err := c.get(context.Background(), "410103", build); err != nil {
		t.Fatal(err)
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds after a second key, want 2", n)
	}

	boom := errors.New("database down")
	failing := func() ([]*Card, error) { builds.Add(1); return nil, boom }
	for range 2 {
		if _, err := c.get(context.Background(), "410104", failing); !errors.Is(err, boom) {
			t.Fatalf("get = %v, want %v", err, boom)
		}
	}
	if n := builds.Load(); n != 4 {
		t.Errorf("%d builds after two failures, want 4: a failed build must not be kept", n)
	}
}
