package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// BenchmarkVillageEventsHandler runs the village-events scenario's request in process
// through the real HTTP handler, as the demo's village official (a page of 10 cases) and as
// its district administrator (a full page of 50, admin-events), with the viewer cached after
// the first request, so that ns/op and allocs/op are the server's own cost per request
// (database included, HTTP client and network not). Profile it with
//
//	GRIDGOV_REQUIRE_POSTGRES=1 go test ./internal/bench/ -run '^$' -bench VillageEventsHandler \
//	  -benchmem -cpuprofile cpu.out -memprofile mem.out
func BenchmarkVillageEventsHandler(b *testing.B) {
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		b.Run(d, func(b *testing.B) {
			db := dbtest.New(b, d)
			ctx := servertest.System()
			if _, err := demo.Load(ctx, db.Client); err != nil {
				b.Fatal(err)
			}
			if err := workflow.SeedCategories(ctx, db.Client); err != nil {
				b.Fatal(err)
			}
			if _, err := demo.LoadEvents(ctx, db.Client); err != nil {
				b.Fatal(err)
			}
			if _, err := demo.Accounts(ctx, db.Client); err != nil {
				b.Fatal(err)
			}
			env := servertest.New(b, db)
			for _, username := range []string{"village", "district-admin"} {
				b.Run(username, func(b *testing.B) { benchmarkEventsPage(b, env, username) })
			}
		})
	}
}

// benchmarkEventsPage measures the events page of the bench's scenarios as username.
func benchmarkEventsPage(b *testing.B, env *servertest.Env, username string) {
	token := env.Login(b, username, demo.AccountPassword)
	body, err := json.Marshal(map[string]any{"operationName": "BenchEvents", "query": eventsQuery,
		"variables": map[string]any{"status": openStatuses}})
	if err != nil {
		b.Fatal(err)
	}
	send := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, req)
		return rec
	}
	// The first request loads the viewer into the cache and checks the answer.
	rec := send()
	var resp struct {
		Data struct {
			Events struct {
				TotalCount int
				Edges      []json.RawMessage
			}
		}
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) > 0 || rec.Code != http.StatusOK {
		b.Fatalf("village-events: %d %s", rec.Code, rec.Body)
	}
	if n := len(resp.Data.Events.Edges); n == 0 || n > 50 {
		b.Fatalf("village-events: %d cases on the page, want 1 to 50", n)
	}
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	gc0 := gcShare()
	b.ResetTimer()
	for b.Loop() {
		if rec := send(); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			b.Fatalf("village-events: %d %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(resp.Data.Events.Edges)), "cases/page")
	// CPU time per request, of this process only (the database's is not in it), and the
	// runtime's estimate of the part of it that went to garbage collection: both hold on a
	// busy machine, where ns/op is mostly waiting for a core.
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
	if gc, busy := gcShare().minus(gc0); busy > 0 {
		b.ReportMetric(100*gc/busy, "gc-%")
	}
}

// cpuClasses are the runtime's estimates of the CPU time spent in garbage collection and in
// all (user code, GC, scavenging), in seconds.
type cpuClasses struct{ gc, busy float64 }

// gcShare reads the runtime's CPU estimates now.
func gcShare() cpuClasses {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/user:cpu-seconds"},
		{Name: "/cpu/classes/scavenge/total:cpu-seconds"}}
	metrics.Read(s)
	gc := s[0].Value.Float64()
	return cpuClasses{gc: gc, busy: gc + s[1].Value.Float64() + s[2].Value.Float64()}
}

// minus returns the GC and busy CPU seconds between before and c.
func (c cpuClasses) minus(before cpuClasses) (gc, busy float64) {
	return c.gc - before.gc, c.busy - before.busy
}
