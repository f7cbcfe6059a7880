package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// twoProcesses returns two servers on one PostgreSQL database, as two API processes behind a
// load balancer are: each with its own sign-in service, viewer cache and resolvers, sharing
// only the database and the configured link-signing key (keyB for B: the same as A's or not).
func twoProcesses(t *testing.T, db *dbtest.DB, keyA, keyB []byte) (a, b *servertest.Env) {
	t.Helper()
	a, b = servertest.New(t, db), servertest.New(t, db)
	for _, p := range []struct {
		env *servertest.Env
		key []byte
	}{{a, keyA}, {b, keyB}} {
		p.env.Handler = server.New(server.Config{Client: db.Client, Enforcer: p.env.Enforcer, Auth: p.env.Auth,
			Downloads: excel.NewSigner(p.key)})
	}
	return a, b
}

// TestProcessesShareSignInLimits: 30 wrong sign-ins from one address spread over two API
// processes reach the per-address limit of 30 a minute, as on one process; the per-account
// and address limit of 5 is shared too. With counts in each process's memory, each would have
// seen 15 and 3.
func TestProcessesShareSignInLimits(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	a, b := twoProcesses(t, db, nil, nil)
	mkUser(t, db.Client, "alice", "alice-password-1", nil)
	envs := []*servertest.Env{a, b}
	login := func(env *servertest.Env, u, p string) string {
		r := env.Do(t, "", loginMutation, map[string]any{"u": u, "p": p})
		if len(r.Errors) == 0 {
			return "OK"
		}
		return r.Errors[0].Code()
	}

	// alice from 192.0.2.1 (httptest's address): 5 failures alternating A, B, then the right
	// password is refused on either.
	var got []string
	for i := range 5 {
		got = append(got, login(envs[i%2], "alice", "wrong-password"))
	}
	got = append(got, login(a, "alice", "alice-password-1"), login(b, "alice", "alice-password-1"))
	want := []string{"UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED", "RATE_LIMITED"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("alice's sign-ins over two processes (-want +got):\n%s", diff)
	}

	// 30 attempts a minute per address: 7 made above, 23 more for other accounts, then the
	// 31st is refused on both processes.
	got = got[:0]
	for i := range 23 {
		got = append(got, login(envs[i%2], fmt.Sprintf("guess%d", i), "wrong-password"))
	}
	got = append(got, login(a, "guess-a", "wrong-password"), login(b, "guess-b", "wrong-password"))
	want = make([]string, 0, 25)
	for range 23 {
		want = append(want, "UNAUTHENTICATED")
	}
	want = append(want, "RATE_LIMITED", "RATE_LIMITED")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sign-ins of one address over two processes (-want +got):\n%s", diff)
	}
}

// TestProcessesSharePublicReportLimit: 20 anonymous reports an hour per address, counted
// over both processes.
func TestProcessesSharePublicReportLimit(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	a, b := twoProcesses(t, db, nil, nil)
	tr := newTree(t, db.Client)
	if err := workflow.SeedCategories(servertest.System(), db.Client); err != nil {
		t.Fatal(err)
	}
	const report = `mutation($g: String!) { reportPublicEvent(input: {gridCode: $g, categoryCode: "EXPOSED_GARBAGE", title: "路口垃圾"}) { trackingCode } }`
	for i := range 20 {
		env := []*servertest.Env{a, b}[i%2]
		env.MustDo(t, "", report, map[string]any{"g": tr.g11.Code}, nil)
	}
	for name, env := range map[string]*servertest.Env{"A": a, "B": b} {
		if r := env.Do(t, "", report, map[string]any{"g": tr.g11.Code}); len(r.Errors) == 0 || r.Errors[0].Code() != "RATE_LIMITED" {
			t.Errorf("21st report on %s = %+v, want RATE_LIMITED", name, r.Errors)
		}
	}
}

// TestProcessesShareSignedLinks: a download link handed out by one process downloads from the
// other when both have the configured key, and not when each signs with a key of its own.
func TestProcessesShareSignedLinks(t *testing.T) {
	t.Parallel()
	key := []byte("a-signing-key-of-at-least-32-bytes-long")
	cases := []struct {
		name       string
		keyA, keyB []byte
		want       int
	}{
		{name: "one configured key", keyA: key, keyB: key, want: http.StatusOK},
		{name: "random keys", want: http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := dbtest.New(t, dialect.Postgres)
			newTree(t, db.Client)
			a, b := twoProcesses(t, db, tc.keyA, tc.keyB)
			token := a.TokenFor(t, 0, true)
			var out struct{ RequestExport struct{ URL string } }
			a.MustDo(t, token, `mutation { requestExport(kind: ROSTER) { url } }`, nil, &out)
			u, err := url.Parse(out.RequestExport.URL)
			if err != nil {
				t.Fatal(err)
			}
			for name, env := range map[string]*servertest.Env{"A": a, "B": b} {
				rec := httptest.NewRecorder()
				env.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.Path, nil))
				want := tc.want
				if name == "A" {
					want = http.StatusOK // the process that signed it
				}
				if rec.Code != want {
					t.Errorf("GET %s on %s = %d, want %d\n%.300s", u.Path, name, rec.Code, want, rec.Body.String())
				}
			}
		})
	}
}
