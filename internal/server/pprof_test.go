package server_test

import (
	"net/http"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestProfilingOnlyOnItsOwnHandler: the profiles are served by server.Profiling and by
// nothing the public handler routes, whatever the method.
func TestProfilingOnlyOnItsOwnHandler(t *testing.T) {
	t.Parallel()
	env := servertest.New(t, dbtest.New(t, dialect.SQLite))
	profiles := server.Profiling()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1", "/debug/pprof/symbol"} {
		rec := send(profiles, http.MethodGet, path, nil, "")
		if rec.Code != http.StatusOK {
			t.Errorf("profiling GET %s: %d, want 200", path, rec.Code)
		}
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			rec := send(env.Handler, method, path, nil, "")
			if rec.Code == http.StatusOK || strings.Contains(rec.Body.String(), "profile") {
				t.Errorf("public handler %s %s: %d %.200s, want no profile", method, path, rec.Code, rec.Body)
			}
		}
	}
}

// TestCheckProfilingAddr: the profiling address may not be the API's, written another way
// included.
func TestCheckProfilingAddr(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pprof, api string
		ok         bool
	}{
		{"127.0.0.1:6060", "127.0.0.1:8080", true},
		{":6060", ":8080", true},
		{"127.0.0.1:0", "127.0.0.1:0", true}, // each gets a free port of its own
		{"10.0.0.1:8080", "127.0.0.1:8080", true},
		{"127.0.0.1:8080", "127.0.0.1:8080", false},
		{":8080", "127.0.0.1:8080", false},
		{"127.0.0.1:8080", ":8080", false},
		{"0.0.0.0:8080", "127.0.0.1:8080", false},
		{"[::]:8080", "10.0.0.1:8080", false},
		{"localhost", ":8080", false},
	}
	for _, tc := range cases {
		err := server.CheckProfilingAddr(tc.pprof, tc.api)
		if (err == nil) != tc.ok {
			t.Errorf("CheckProfilingAddr(%q, %q) = %v, want ok %v", tc.pprof, tc.api, err, tc.ok)
		}
	}
}
