package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// BenchmarkReadDuringSignInFlood sends 200 concurrent wrong sign-ins, each from an address of
// its own (so that no per-address limit refuses them), and meanwhile a signed-in reader asks
// for `me` one request after another. It reports the reader's median and slowest latency and
// how long the flood took: a sign-in that held a database connection while it hashed starved
// every other request of the pool.
//
//	GRIDGOV_REQUIRE_POSTGRES=1 go test ./internal/server/ -run '^$' -bench ReadDuringSignInFlood -benchtime 3x
func BenchmarkReadDuringSignInFlood(b *testing.B) {
	db := dbtest.New(b, dialect.Postgres)
	env := servertest.New(b, db)
	token := env.TokenFor(b, 0, true)
	const flood = 200
	var reads []time.Duration
	var floods []time.Duration
	failed := 0
	for n := range b.N {
		var wg sync.WaitGroup
		done := make(chan struct{})
		start := time.Now()
		for i := range flood {
			wg.Add(1)
			go func() {
				defer wg.Done()
				floodSignIn(b, env, fmt.Sprintf("10.%d.%d.%d:4000", n%250, i/250, i%250+1), fmt.Sprintf("nobody%d", i))
			}()
		}
		go func() { wg.Wait(); close(done) }()
	read:
		for {
			select {
			case <-done:
				break read
			default:
			}
			t0 := time.Now()
			if r := env.Do(b, token, `{ me { username } }`, nil); len(r.Errors) > 0 {
				failed++ // the pool was exhausted: counted, not fatal, so that before and after compare
			}
			reads = append(reads, time.Since(t0))
		}
		floods = append(floods, time.Since(start))
	}
	slices.Sort(reads)
	if len(reads) > 0 {
		b.ReportMetric(float64(reads[len(reads)/2].Microseconds())/1000, "read-p50-ms")
		b.ReportMetric(float64(reads[len(reads)-1].Microseconds())/1000, "read-max-ms")
	}
	b.ReportMetric(float64(len(reads))/float64(b.N), "reads/flood")
	b.ReportMetric(float64(failed)/float64(b.N), "failed-reads/flood")
	var total time.Duration
	for _, f := range floods {
		total += f
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(len(floods)), "flood-ms")
}

// floodSignIn sends one wrong sign-in from remote.
func floodSignIn(b *testing.B, env *servertest.Env, remote, username string) {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
		"variables": map[string]any{"u": username, "p": "wrong-password"},
	})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	// The answer is UNAUTHENTICATED or RATE_LIMITED (before the fix also DATABASE_UNAVAILABLE
	// when the pool ran dry); any error will do, a token would not.
	var resp struct{ Errors []json.RawMessage }
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) == 0 {
		b.Errorf("sign-in from %s: %d %s", remote, rec.Code, rec.Body)
	}
}
