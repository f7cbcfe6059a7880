package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
)

// TestReadyzCalendarWarning: with the built-in calendar (2025–2026), /readyz stays ready but
// warns that 2027 has no holiday schedule from 1 November 2026 (Asia/Shanghai), not before.
func TestReadyzCalendarWarning(t *testing.T) {
	t.Parallel()
	if workcal.BuiltIn().Covers(2027) {
		t.Skip("2027 is built in: nothing to warn about")
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		loc := workcal.BuiltIn().Location()
		cases := []struct {
			at   time.Time
			warn bool
		}{
			{time.Date(2026, 10, 31, 23, 59, 0, 0, loc), false},
			{time.Date(2026, 11, 1, 0, 0, 0, 0, loc), true},
			{time.Date(2026, 12, 2, 9, 0, 0, 0, loc), true},
		}
		for _, tc := range cases {
			h := server.New(server.Config{Client: db.Client, DB: db.SQL, Enforcer: env.Enforcer, Auth: env.Auth,
				Now: func() time.Time { return tc.at }})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != http.StatusOK || !strings.HasPrefix(string(body), "ready\n") {
				t.Errorf("at %v: /readyz %d %q, want 200 ready", tc.at, rec.Code, body)
			}
			if got := strings.Contains(string(body), "warning:") && strings.Contains(string(body), "2027"); got != tc.warn {
				t.Errorf("at %v: warning about 2027 = %v, want %v (body %q)", tc.at, got, tc.warn, body)
			}
		}
	})
}
