package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestPagesRefuseControlCharacters checks that the public pages answer 400 to a NUL byte or
// another control character in their path or query string, on both stores (PostgreSQL's
// refusal of NUL surfaced as 500), and still serve a plain request.
func TestPagesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		cases := []struct {
			path string
			want int
		}{
			{"/cards/%00", http.StatusBadRequest},
			{"/bulletin/%00", http.StatusBadRequest},
			{"/report/%00", http.StatusBadRequest},
			{"/track/a%07b", http.StatusBadRequest},
			{"/track?code=a%00b", http.StatusBadRequest},
			{"/cards?root=%1b", http.StatusBadRequest},
			{"/badges?root=1&x%00=1", http.StatusBadRequest},
			{"/cards/410102001001001", http.StatusNotFound}, // no such grid: the check lets it through
		}
		for _, c := range cases {
			rec := httptest.NewRecorder()
			env.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			if rec.Code != c.want {
				t.Errorf("GET %s = %d, want %d", c.path, rec.Code, c.want)
			}
		}
	})
}
