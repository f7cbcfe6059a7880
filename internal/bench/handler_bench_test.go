package bench

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
	b.ResetTimer()
	for b.Loop() {
		if rec := send(); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			b.Fatalf("village-events: %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(len(resp.Data.Events.Edges)), "cases/page")
}
