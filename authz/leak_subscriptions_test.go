package authz_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent/event"
	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestLeakSubscriptions is the leak test of subscriptions: random viewers of the leak test's
// world subscribe to eventChanged, over the whole of their scope and under a random grid, while
// cases are reported and escalated through the API. Each hears of exactly the changed cases the
// oracle says it may read (under the grid, for the second), and a subscription under a grid
// outside its scope is refused with the answer given for a grid that does not exist.
func TestLeakSubscriptions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		rng := rand.New(rand.NewPCG(19, 3))
		w := buildWorld(t, db.Client, rng)
		viewers := makeViewers(t, env, w, rng, 40)
		enf, err := authz.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(server.New(server.Config{Client: env.Client, Enforcer: env.Enforcer, Auth: env.Auth, SocketsPerAddress: 1000}))
		defer ts.Close()
		const sub = `subscription($g: ID) { eventChanged(gridID: $g) { event { id } } }`
		type watcher struct {
			v     *viewerCase
			o     *oracle
			sock  *servertest.Socket
			under int // the grid of the second subscription, 0 when refused
		}
		var watchers []*watcher
		for _, v := range viewers {
			o := newOracle(w, v, enf)
			sock, err := servertest.DialSocket(t, ts.URL, v.token, nil)
			if err != nil {
				t.Fatalf("%s: %v", v.name, err)
			}
			wt := &watcher{v: v, o: o, sock: sock, under: w.grids[rng.IntN(len(w.grids))].ID}
			sock.Subscribe(t, "all", sub, nil)
			sock.Subscribe(t, "grid", sub, map[string]any{"g": wt.under})
			if !o.canRead[authz.ObjGrid][wt.under] {
				// Refused as a grid that does not exist is: the answer tells nothing.
				m, ok := sock.Next(time.Second)
				var refused []servertest.Error
				if ok && m.Type == "next" {
					var out struct{ Errors []servertest.Error }
					_ = json.Unmarshal(m.Payload, &out)
					refused = out.Errors
				}
				if len(refused) != 1 || refused[0].Code() != "FORBIDDEN" || refused[0].Message != fmt.Sprintf("gridID: grid %d does not exist or is outside your scope", wt.under) {
					t.Fatalf("%s: subscription under grid %d outside the scope: %s %s", v.name, wt.under, m.Type, m.Payload)
				}
				if m, ok := sock.Next(time.Second); !ok || m.Type != "complete" {
					t.Fatalf("%s: after the refusal: %s %s", v.name, m.Type, m.Payload)
				}
				wt.under = 0
			}
			watchers = append(watchers, wt)
		}
		time.Sleep(200 * time.Millisecond) // every subscription is registered

		// Changes: new cases on random grids, and open cases escalated to their parent grid.
		admin := env.TokenFor(t, 0, true)
		cat := w.events[0].CategoryID
		changed := map[int]bool{}
		escalatedFrom := map[int]int{} // case → the grid it was escalated from
		for i := range 10 {
			g := w.grids[rng.IntN(len(w.grids))]
			resp := env.Do(t, admin, `mutation($g: ID!, $c: ID!, $t: String!) { reportEvent(input: {gridID: $g, categoryID: $c, title: $t, source: PATROL}) { id } }`,
				map[string]any{"g": g.ID, "c": cat, "t": fmt.Sprintf("新事件%d", i)})
			var out struct{ ReportEvent struct{ ID string } }
			if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &out) != nil {
				t.Fatalf("report: %+v", resp.Errors)
			}
			id, _ := strconv.Atoi(out.ReportEvent.ID)
			changed[id] = true
		}
		for _, e := range w.events {
			if len(escalatedFrom) == 10 {
				break
			}
			if w.parent[e.GridID] == 0 || !slices.Contains([]event.Status{event.StatusREPORTED, event.StatusREGISTERED, event.StatusDISPATCHED, event.StatusHANDLING}, e.Status) {
				continue
			}
			if resp := env.Do(t, admin, `mutation($id: ID!) { escalateEvent(id: $id) { id } }`, map[string]any{"id": e.ID}); len(resp.Errors) == 0 {
				changed[e.ID] = true
				escalatedFrom[e.ID] = e.GridID
			}
		}
		if len(escalatedFrom) < 5 {
			t.Fatalf("only %d cases could be escalated", len(escalatedFrom))
		}
		// The oracle's view of the changed cases as they are now.
		now, err := db.Client.Event.Query().Where(event.IDIn(keys(changed)...)).All(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		under := func(id, root int) bool {
			for ; id != 0; id = w.parent[id] {
				if id == root {
					return true
				}
			}
			return false
		}
		for _, wt := range watchers {
			want := map[string][]int{}
			for _, e := range now {
				if !wt.o.canRead[authz.ObjEvent][e.GridID] && !wt.o.canRead[authz.ObjEvent][e.OriginGridID] {
					continue
				}
				want["all"] = append(want["all"], e.ID)
				if wt.under != 0 && (under(e.GridID, wt.under) || under(e.OriginGridID, wt.under) || under(escalatedFrom[e.ID], wt.under)) {
					want["grid"] = append(want["grid"], e.ID)
				}
			}
			got := map[string][]int{}
			deadline := time.Now().Add(2 * time.Second)
			for len(got["all"])+len(got["grid"]) < len(want["all"])+len(want["grid"]) && time.Now().Before(deadline) {
				collect(t, wt.sock, got, time.Until(deadline))
			}
			collect(t, wt.sock, got, 50*time.Millisecond) // and nothing more
			for _, id := range []string{"all", "grid"} {
				slices.Sort(got[id])
				slices.Sort(want[id])
				if !slices.Equal(got[id], want[id]) {
					t.Errorf("%s (%v), subscription %s (under grid %d): heard of cases %v, want %v", wt.v.name, wt.v.grants, id, wt.under, got[id], want[id])
				}
			}
			wt.sock.Close()
		}
	})
}

// collect adds the cases delivered to sock within wait to got, by subscription id.
func collect(t *testing.T, sock *servertest.Socket, got map[string][]int, wait time.Duration) {
	t.Helper()
	m, ok := sock.Next(wait)
	if !ok {
		return
	}
	var out struct {
		Data struct {
			EventChanged struct{ Event struct{ ID string } }
		}
		Errors []servertest.Error
	}
	if m.Type != "next" || json.Unmarshal(m.Payload, &out) != nil || len(out.Errors) > 0 {
		t.Fatalf("delivery: %s %s", m.Type, m.Payload)
	}
	id, _ := strconv.Atoi(out.Data.EventChanged.Event.ID)
	got[m.ID] = append(got[m.ID], id)
}

func keys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
