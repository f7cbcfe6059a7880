package workflow_test

import (
	"encoding/json"
	"sync"
	"testing"

	"gridgov/ent/eventaction"
	"gridgov/internal/dbtest"
)

// TestIdempotencyConcurrent sends 40 acceptEvent with the same version and idempotency key at
// once: one step is taken and every caller gets its answer, none a CONFLICT.
func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.report(t, "EXPOSED_GARBAGE")
		const n = 40
		args := map[string]any{"version": ev.Version, "idempotencyKey": "accept-once"}
		answers := make([]string, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				resp := w.do(t, w.villageDirect.Token, "acceptEvent", ev.ID, args)
				if len(resp.Errors) > 0 {
					answers[i] = "error " + resp.Errors[0].Code() + ": " + resp.Errors[0].Message
					return
				}
				var out struct{ AcceptEvent json.RawMessage }
				if err := json.Unmarshal(resp.Data, &out); err != nil {
					answers[i] = "undecodable: " + err.Error()
					return
				}
				answers[i] = string(out.AcceptEvent)
			})
		}
		close(start)
		wg.Wait()
		differ := 0
		for i, a := range answers {
			if a != answers[0] {
				differ++
				if differ <= 3 {
					t.Errorf("caller %d got %s\ncaller 0 got %s", i, a, answers[0])
				}
			}
		}
		if differ > 0 {
			t.Errorf("%d of %d callers with one idempotency key got another answer than the first", differ, n)
		}
		if got := w.statusOf(t, ev.ID); got != "REGISTERED" {
			t.Errorf("case is %s, want REGISTERED", got)
		}
		if c := w.countActions(t, ev.ID, eventaction.ActionACCEPT); c != 1 {
			t.Errorf("%d ACCEPT steps, want 1", c)
		}
	})
}
