package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/ent/user"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
)

// tree is a small grid tree: a district, its sub-district, two sibling villages with one
// villager group each.
type tree struct {
	district, sub, v1, v2, g11, g21 *ent.Grid
}

func mkGrid(t *testing.T, client *ent.Client, parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
	t.Helper()
	c := client.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
	if parent != nil {
		c.SetParentID(parent.ID)
	}
	g, err := c.Save(servertest.System())
	if err != nil {
		t.Fatalf("create grid %s: %v", code, err)
	}
	return g
}

func newTree(t *testing.T, client *ent.Client) *tree {
	t.Helper()
	tr := &tree{}
	tr.district = mkGrid(t, client, nil, "410102", "中原区", grid.KindDISTRICT)
	tr.sub = mkGrid(t, client, tr.district, "410102001", "须水街道", grid.KindSUB_DISTRICT)
	tr.v1 = mkGrid(t, client, tr.sub, "410102001001", "董岗村", grid.KindVILLAGE)
	tr.v2 = mkGrid(t, client, tr.sub, "410102001002", "三王庄村", grid.KindVILLAGE)
	tr.g11 = mkGrid(t, client, tr.v1, "410102001001001", "董岗村第一村民组", grid.KindVILLAGER_GROUP)
	tr.g21 = mkGrid(t, client, tr.v2, "410102001002001", "三王庄村第一村民组", grid.KindVILLAGER_GROUP)
	return tr
}

func mkPerson(t *testing.T, client *ent.Client, name string, home *ent.Grid) *ent.Person {
	t.Helper()
	p, err := client.Person.Create().SetName(name).SetGridID(home.ID).Save(servertest.System())
	if err != nil {
		t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

func mkAssignment(t *testing.T, client *ent.Client, p *ent.Person, g *ent.Grid, role assignment.Role, from time.Time, to *time.Time) *ent.Assignment {
	t.Helper()
	c := client.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(role).SetValidFrom(from).SetNillableValidTo(to)
	if role == assignment.RoleSPECIFIC_RESPONSIBLE {
		c.SetDuty(assignment.DutyPATROLLER)
	}
	a, err := c.Save(servertest.System())
	if err != nil {
		t.Fatalf("assign %s of %s on %s: %v", role, p.Name, g.Code, err)
	}
	return a
}

func mkUser(t *testing.T, client *ent.Client, username, password string, p *ent.Person) {
	t.Helper()
	nu := auth.NewUser{Username: username, Password: password}
	if p != nil {
		nu.PersonID = p.ID
	}
	if _, err := auth.CreateUser(servertest.System(), client, nu); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
}

func id(n int) string { return strconv.Itoa(n) }

// breadcrumb returns the names from the root of the tree down to g.
func breadcrumb(t *testing.T, client *ent.Client, g *ent.Grid) []string {
	t.Helper()
	var names []string
	for _, gid := range authz.PathIDs(g.Path) {
		a, err := client.Grid.Get(servertest.System(), gid)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Name)
	}
	return names
}

const meQuery = `{ me { username superuser person { name } roles { role grid { code } } scope { path grid { code } breadcrumb } } }`

const meFields = `username superuser person { name } roles { role grid { code } } scope { path grid { code } breadcrumb }`

type codeOnly struct{ Code string }

type role struct {
	Role string
	Grid codeOnly
}

type scopeRoot struct {
	Path       string
	Grid       *codeOnly
	Breadcrumb []string
}

type me struct {
	Username  string
	Superuser bool
	Person    *struct{ Name string }
	Roles     []role
	Scope     []scopeRoot
}

func rootOf(t *testing.T, client *ent.Client, g *ent.Grid) scopeRoot {
	return scopeRoot{Path: g.Path, Grid: &codeOnly{g.Code}, Breadcrumb: breadcrumb(t, client, g)}
}

func queryMe(t *testing.T, env *servertest.Env, token string) *me {
	t.Helper()
	var out struct{ Me *me }
	env.MustDo(t, token, meQuery, nil, &out)
	return out.Me
}

const gridsQuery = `{ grids(first: 100, orderBy: {field: CODE}) { totalCount edges { node { code } } } }`

// visible is what a grids query shows.
type visible struct {
	Total int
	Codes []string
}

func queryGrids(t *testing.T, env *servertest.Env, token string) visible {
	t.Helper()
	var out struct {
		Grids struct {
			TotalCount int
			Edges      []struct{ Node codeOnly }
		}
	}
	env.MustDo(t, token, gridsQuery, nil, &out)
	v := visible{Total: out.Grids.TotalCount, Codes: []string{}}
	for _, e := range out.Grids.Edges {
		v.Codes = append(v.Codes, e.Node.Code)
	}
	return v
}

func codes(gs ...*ent.Grid) visible {
	v := visible{Total: len(gs), Codes: []string{}}
	for _, g := range gs {
		v.Codes = append(v.Codes, g.Code)
	}
	return v
}

// refused is the shape of a request refused for its sign-in: HTTP 401 and one UNAUTHENTICATED
// error, no data.
type refused struct {
	Status int
	Codes  []string
	Data   string
}

func refusal(r *servertest.Response) refused {
	return refused{Status: r.Status, Codes: r.Codes(), Data: string(r.Data)}
}

var unauthorized = refused{Status: http.StatusUnauthorized, Codes: []string{"UNAUTHENTICATED"}, Data: "null"}

// send serves one request with the given headers and returns the recorder.
func send(h http.Handler, method, target string, header map[string]string, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const loginMutation = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt me { ` + meFields + ` } } }`

type loginPayload struct {
	Token     string
	ExpiresAt time.Time
	Me        me
}

// loginScopeMutation signs in and selects what the resolver loads itself: no edges of
// entities below me.
const loginScopeMutation = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt me { username superuser person { name } scope { path grid { code } breadcrumb } } } }`

func TestLogin(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		wang := mkPerson(t, db.Client, "王伟", tr.v1)
		mkAssignment(t, db.Client, wang, tr.g11, assignment.RoleGRID_HEAD, time.Now().Add(-24*time.Hour), nil)
		mkUser(t, db.Client, "wang", "wang-password-1", wang)
		want := me{
			Username: "wang",
			Person:   &struct{ Name string }{"王伟"},
			Roles:    []role{{Role: "GRID_HEAD", Grid: codeOnly{tr.g11.Code}}},
			Scope:    []scopeRoot{rootOf(t, db.Client, tr.g11)},
		}
		cases := []struct {
			name, mutation string
			want           me
		}{
			{name: "token and scope", mutation: loginScopeMutation, want: me{Username: want.Username, Person: want.Person, Scope: want.Scope}},
			// Roles' grids are edges that gqlgen resolves after the login resolver returns:
			// they must be read as the new viewer too.
			{name: "roles with their grids", mutation: loginMutation, want: want},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				start := time.Now()
				var out struct{ Login loginPayload }
				env.MustDo(t, "", tc.mutation, map[string]any{"u": "wang", "p": "wang-password-1"}, &out)
				got := out.Login
				if !strings.HasPrefix(got.Token, "ggv_") {
					t.Errorf("token %q does not start with ggv_", got.Token)
				}
				if lo, hi := start.Add(env.Auth.TTL-time.Second), time.Now().Add(env.Auth.TTL+time.Second); got.ExpiresAt.Before(lo) || got.ExpiresAt.After(hi) {
					t.Errorf("expiresAt = %v, want now + %v", got.ExpiresAt, env.Auth.TTL)
				}
				if diff := cmp.Diff(tc.want, got.Me); diff != "" {
					t.Errorf("login me (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(&want, queryMe(t, env, got.Token)); diff != "" {
					t.Errorf("me with the new token (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(codes(tr.g11), queryGrids(t, env, got.Token)); diff != "" {
					t.Errorf("grids with the new token (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		mkUser(t, db.Client, "alice", "alice-password-1", nil)
		type result struct {
			Status int
			Data   string
			Errors []servertest.Error
		}
		want := result{Status: http.StatusOK, Data: "null", Errors: []servertest.Error{{
			Message:    "wrong username or password",
			Path:       []any{"login"},
			Extensions: map[string]any{"code": "UNAUTHENTICATED"},
		}}}
		cases := []struct {
			name, username, password string
		}{
			{name: "wrong password", username: "alice", password: "alice-password-2"},
			{name: "unknown user", username: "nobody", password: "alice-password-1"},
			{name: "empty password", username: "alice", password: ""},
			{name: "empty username", username: "", password: "alice-password-1"},
			{name: "username too long", username: strings.Repeat("a", 65), password: "alice-password-1"},
			{name: "password too long", username: "alice", password: strings.Repeat("p", 1025)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Do(t, "", loginMutation, map[string]any{"u": tc.username, "p": tc.password})
				if diff := cmp.Diff(want, result{r.Status, string(r.Data), r.Errors}); diff != "" {
					t.Errorf("login(%.20q, %.20q) (-want +got):\n%s", tc.username, tc.password, diff)
				}
			})
		}
	})
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		mkUser(t, db.Client, "alice", "alice-password-1", nil)
		mkUser(t, db.Client, "bob", "bob-password-22", nil)
		base := time.Now()
		now := base
		env.Auth.Now = func() time.Time { return now }
		vars := func(u, p string) map[string]any { return map[string]any{"u": u, "p": p} }

		var got []string
		for range 5 {
			got = append(got, env.Do(t, "", loginMutation, vars("alice", "wrong-password")).Codes()...)
			now = now.Add(time.Second)
		}
		// The 6th attempt is refused whatever the password.
		got = append(got, env.Do(t, "", loginMutation, vars("alice", "alice-password-1")).Codes()...)
		want := []string{"UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("codes of 6 sign-ins (-want +got):\n%s", diff)
		}
		e := env.MustFail(t, "", loginMutation, vars("alice", "alice-password-1"), "RATE_LIMITED")
		if !strings.Contains(e.Message, "try again in") {
			t.Errorf("RATE_LIMITED message %q does not say when to try again", e.Message)
		}
		// Another account is not affected; alice is free again 15 minutes after her first
		// failure.
		env.Login(t, "bob", "bob-password-22")
		now = base.Add(15 * time.Minute)
		if tok := env.Login(t, "alice", "alice-password-1"); tok == "" {
			t.Errorf("no token after the block ended")
		}
	})
}

// TestLoginRateLimitedPerAddress: 30 sign-in attempts per minute per client address, the TCP
// peer's; a forged X-Forwarded-For does not get around it.
func TestLoginRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	// The limits' logic is the same on both stores (TestLimiter runs it on both; the shared
	// store across processes: TestProcessesShareSignInLimits): SQLite is enough, and each
	// attempt costs a full argon2id check.
	db := dbtest.New(t, dialect.SQLite)
	env := servertest.New(t, db)
	mkUser(t, db.Client, "alice", "alice-password-1", nil)
	login := func(remote, forwarded, username, password string) string {
		body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"u": username, "p": password}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = remote
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, req)
		var resp servertest.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("decode: %v\n%s", err, rec.Body)
		}
		if len(resp.Errors) == 0 {
			return "OK"
		}
		return resp.Errors[0].Code()
	}
	var got []string
	for i := range 30 {
		got = append(got, login(fmt.Sprintf("198.51.100.7:%d", 40000+i), "", fmt.Sprintf("guess%d", i), "wrong-password"))
	}
	cases := []struct {
		name, remote, forwarded, want string
	}{
		{name: "31st from the same address, another port", remote: "198.51.100.7:50000", want: "RATE_LIMITED"},
		{name: "forged X-Forwarded-For", remote: "198.51.100.7:50001", forwarded: "203.0.113.50", want: "RATE_LIMITED"},
		{name: "another address", remote: "198.51.100.8:40000", want: "OK"},
	}
	for _, tc := range cases {
		got = append(got, login(tc.remote, tc.forwarded, "alice", "alice-password-1"))
	}
	want := slices.Repeat([]string{"UNAUTHENTICATED"}, 30)
	for _, tc := range cases {
		want = append(want, tc.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes of the sign-ins (-want +got):\n%s", diff)
	}
}

func TestDisabledUser(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		mkUser(t, db.Client, "alice", "alice-password-1", nil)
		token := env.Login(t, "alice", "alice-password-1")
		if got := queryMe(t, env, token); got == nil || got.Username != "alice" {
			t.Fatalf("me before disabling = %+v", got)
		}
		if err := auth.SetDisabled(servertest.System(), db.Client, "alice", true); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(unauthorized, refusal(env.Do(t, token, meQuery, nil))); diff != "" {
			t.Errorf("request with the disabled user's token (-want +got):\n%s", diff)
		}
		e := env.MustFail(t, "", loginMutation, map[string]any{"u": "alice", "p": "alice-password-1"}, "UNAUTHENTICATED")
		if !strings.Contains(e.Message, "disabled") {
			t.Errorf("sign-in of a disabled user: message %q, want it to say the account is disabled", e.Message)
		}
		if err := auth.SetDisabled(servertest.System(), db.Client, "alice", false); err != nil {
			t.Fatal(err)
		}
		again := env.Login(t, "alice", "alice-password-1")
		if got := queryMe(t, env, again); got == nil || got.Username != "alice" {
			t.Errorf("me after re-enabling = %+v", got)
		}
	})
}

func TestExpiredToken(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		mkUser(t, db.Client, "alice", "alice-password-1", nil)
		cases := []struct {
			name  string
			token func() string
		}{
			{name: "login", token: func() string { return env.Login(t, "alice", "alice-password-1") }},
			{name: "opened session", token: func() string { return env.TokenFor(t, 0, false) }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				env.Auth.Now = time.Now
				token := tc.token()
				env.Auth.Now = func() time.Time { return time.Now().Add(env.Auth.TTL - time.Minute) }
				if r := env.Do(t, token, meQuery, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
					t.Errorf("a minute before expiry: status %d, errors %+v", r.Status, r.Errors)
				}
				env.Auth.Now = func() time.Time { return time.Now().Add(env.Auth.TTL + time.Minute) }
				if diff := cmp.Diff(unauthorized, refusal(env.Do(t, token, meQuery, nil))); diff != "" {
					t.Errorf("a minute after expiry (-want +got):\n%s", diff)
				}
			})
		}
		env.Auth.Now = time.Now
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		mkUser(t, db.Client, "alice", "alice-password-1", nil)
		token := env.Login(t, "alice", "alice-password-1")
		other := env.Login(t, "alice", "alice-password-1")

		var out struct{ Logout bool }
		env.MustDo(t, token, `mutation { logout }`, nil, &out)
		if !out.Logout {
			t.Errorf("logout = false, want true")
		}
		if diff := cmp.Diff(unauthorized, refusal(env.Do(t, token, meQuery, nil))); diff != "" {
			t.Errorf("request after logout (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(unauthorized, refusal(env.Do(t, token, `mutation { logout }`, nil))); diff != "" {
			t.Errorf("second logout (-want +got):\n%s", diff)
		}
		if got := queryMe(t, env, other); got == nil || got.Username != "alice" {
			t.Errorf("the other session after logout: me = %+v", got)
		}
		env.MustFail(t, "", `mutation { logout }`, nil, "UNAUTHENTICATED")
	})
}

func TestBadAuthorizationHeader(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		good := env.TokenFor(t, 0, true)
		cases := []struct {
			name, header string
		}{
			{name: "garbage", header: "garbage"},
			{name: "bearer garbage", header: "Bearer garbage"},
			{name: "empty bearer", header: "Bearer "},
			{name: "scheme only", header: "Bearer"},
			{name: "basic", header: "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQtMQ=="},
			{name: "token without scheme", header: good},
			{name: "unknown token", header: "Bearer ggv_" + strings.Repeat("x", 43)},
			{name: "extended token", header: "Bearer " + good + "x"},
			{name: "two tokens", header: "Bearer " + good + " " + good},
			{name: "huge", header: "Bearer ggv_" + strings.Repeat("x", 10_000)},
		}
		body, _ := json.Marshal(map[string]any{"query": gridsQuery})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rec := send(env.Handler, http.MethodPost, "/graphql",
					map[string]string{"Content-Type": "application/json", "Authorization": tc.header}, string(body))
				var resp servertest.Response
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
					t.Fatalf("response is not GraphQL JSON: %v\n%s", err, rec.Body)
				}
				resp.Status = rec.Code
				if diff := cmp.Diff(unauthorized, refusal(&resp)); diff != "" {
					t.Errorf("Authorization %.30q (-want +got):\n%s", tc.header, diff)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
			})
		}
		// The good token works, so the refusals above are about the header.
		if v := queryGrids(t, env, good); v.Total != 0 {
			t.Errorf("grids of an empty database = %+v", v)
		}
	})
}

func TestAnonymous(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)

		var out struct{ Me *me }
		env.MustDo(t, "", `{ me { username } }`, nil, &out)
		if out.Me != nil {
			t.Errorf("anonymous me = %+v, want null", out.Me)
		}

		cases := []struct {
			name, query string
		}{
			{name: "grids", query: `{ grids { totalCount } }`},
			{name: "grid edges", query: `{ grids(first: 5) { edges { node { code name } } } }`},
			{name: "people", query: `{ people { totalCount } }`},
			{name: "assignments", query: `{ assignments { totalCount } }`},
			{name: "vehicles", query: `{ vehicles { totalCount } }`},
			{name: "node", query: fmt.Sprintf(`{ node(id: %d) { id } }`, tr.v1.ID)},
			{name: "createGrid", query: fmt.Sprintf(`mutation { createGrid(input: {code: "410102001003", name: "x", kind: VILLAGE, parentID: %d}) { id } }`, tr.sub.ID)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Do(t, "", tc.query, nil)
				e := env.MustFail(t, "", tc.query, nil, "UNAUTHENTICATED")
				if !strings.Contains(e.Message, "sign in") {
					t.Errorf("message %q does not tell the client to sign in", e.Message)
				}
				if strings.Contains(string(r.Data), tr.v1.Code) || strings.Contains(string(r.Data), tr.v1.Name) {
					t.Errorf("anonymous data leaks grids: %s", r.Data)
				}
			})
		}
		n, err := db.Client.Grid.Query().Count(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("grids after anonymous createGrid: %d, want 6", n)
		}
	})
}

func TestMeScope(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		now := time.Now()
		yesterday, tomorrow := now.Add(-24*time.Hour), now.Add(24*time.Hour)
		type grant struct {
			role assignment.Role
			g    *ent.Grid
			from time.Time
			to   *time.Time
		}
		cases := []struct {
			name      string
			grants    []grant
			superuser bool
			noPerson  bool
			wantRoles []role
			wantScope []*ent.Grid // nil entry: the root of everything
		}{
			{
				name: "two sibling villages",
				grants: []grant{
					{role: assignment.RoleDIRECT_RESPONSIBLE, g: tr.v1, from: yesterday},
					{role: assignment.RoleGRID_HEAD, g: tr.v2, from: yesterday},
				},
				wantRoles: []role{{"DIRECT_RESPONSIBLE", codeOnly{tr.v1.Code}}, {"GRID_HEAD", codeOnly{tr.v2.Code}}},
				wantScope: []*ent.Grid{tr.v1, tr.v2},
			},
			{
				name: "two sibling villager groups",
				grants: []grant{
					{role: assignment.RoleGRID_HEAD, g: tr.g21, from: yesterday},
					{role: assignment.RoleSPECIFIC_RESPONSIBLE, g: tr.g11, from: yesterday},
				},
				wantRoles: []role{{"SPECIFIC_RESPONSIBLE", codeOnly{tr.g11.Code}}, {"GRID_HEAD", codeOnly{tr.g21.Code}}},
				wantScope: []*ent.Grid{tr.g11, tr.g21},
			},
			{
				name: "a grid and one below it: one root",
				grants: []grant{
					{role: assignment.RoleDIRECT_RESPONSIBLE, g: tr.v1, from: yesterday},
					{role: assignment.RoleGRID_HEAD, g: tr.g11, from: yesterday},
				},
				wantRoles: []role{{"DIRECT_RESPONSIBLE", codeOnly{tr.v1.Code}}, {"GRID_HEAD", codeOnly{tr.g11.Code}}},
				wantScope: []*ent.Grid{tr.v1},
			},
			{
				name: "ended and future roles do not count",
				grants: []grant{
					{role: assignment.RoleFIRST_RESPONSIBLE, g: tr.sub, from: yesterday.Add(-time.Hour), to: &yesterday},
					{role: assignment.RoleRESPONSIBLE_LEADER, g: tr.district, from: tomorrow},
					{role: assignment.RoleGRID_HEAD, g: tr.g21, from: yesterday},
				},
				wantRoles: []role{{"GRID_HEAD", codeOnly{tr.g21.Code}}},
				wantScope: []*ent.Grid{tr.g21},
			},
			{
				name:      "no roles",
				wantRoles: []role{},
				wantScope: []*ent.Grid{},
			},
			{
				name:      "superuser",
				superuser: true,
				noPerson:  true,
				wantRoles: []role{},
				wantScope: []*ent.Grid{nil},
			},
			{
				name:      "account without person",
				noPerson:  true,
				wantRoles: []role{},
				wantScope: []*ent.Grid{},
			},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var personID int
				want := &me{Superuser: tc.superuser, Roles: tc.wantRoles, Scope: []scopeRoot{}}
				if !tc.noPerson {
					p := mkPerson(t, db.Client, fmt.Sprintf("人员%d", i), tr.sub)
					personID = p.ID
					want.Person = &struct{ Name string }{p.Name}
					for _, g := range tc.grants {
						mkAssignment(t, db.Client, p, g.g, g.role, g.from, g.to)
					}
				}
				scope := slices.Clone(tc.wantScope)
				slices.SortFunc(scope, func(a, b *ent.Grid) int {
					if a == nil || b == nil {
						return 0
					}
					return strings.Compare(a.Path, b.Path)
				})
				for _, g := range scope {
					if g == nil {
						want.Scope = append(want.Scope, scopeRoot{Path: "/", Breadcrumb: []string{}})
					} else {
						want.Scope = append(want.Scope, rootOf(t, db.Client, g))
					}
				}
				token := env.TokenFor(t, personID, tc.superuser)
				got := queryMe(t, env, token)
				if got == nil {
					t.Fatal("me = null")
				}
				want.Username = got.Username // made up by the harness
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("me (-want +got):\n%s", diff)
				}
			})
		}
	})
}

const (
	endMutation    = `mutation($id: ID!, $at: Time) { endAssignment(id: $id, at: $at) { id validTo } }`
	assignMutation = `mutation($in: CreateAssignmentInput!) { assignRole(input: $in) { id } }`
)

func assignInput(p *ent.Person, g *ent.Grid, r assignment.Role, from time.Time) map[string]any {
	return map[string]any{"in": map[string]any{
		"role": string(r), "validFrom": from.Format(time.RFC3339Nano), "personID": id(p.ID), "gridID": id(g.ID),
	}}
}

// TestRevocation: grants come from the active assignments on every request, so ending or
// making an assignment through the API changes what the same token sees on the very next
// request, with no restart.
func TestRevocation(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		wang := mkPerson(t, db.Client, "王伟", tr.v1)
		held := mkAssignment(t, db.Client, wang, tr.g11, assignment.RoleGRID_HEAD, time.Now().Add(-24*time.Hour), nil)
		token := env.TokenFor(t, wang.ID, false)
		admin := env.TokenFor(t, 0, true)

		var newID string
		steps := []struct {
			name string
			do   func(t *testing.T)
			want visible
		}{
			{name: "holds GRID_HEAD on g11", want: codes(tr.g11)},
			{
				name: "assignment ended",
				do: func(t *testing.T) {
					var out struct{ EndAssignment struct{ ValidTo *time.Time } }
					env.MustDo(t, admin, endMutation, map[string]any{"id": id(held.ID)}, &out)
					if out.EndAssignment.ValidTo == nil {
						t.Fatal("endAssignment returned no validTo")
					}
				},
				want: codes(),
			},
			{
				name: "new assignment on g21",
				do: func(t *testing.T) {
					var out struct{ AssignRole struct{ ID string } }
					env.MustDo(t, admin, assignMutation, assignInput(wang, tr.g21, assignment.RoleGRID_HEAD, time.Now().Add(-time.Minute).UTC()), &out)
					newID = out.AssignRole.ID
				},
				want: codes(tr.g21),
			},
			{
				name: "assignment starting tomorrow changes nothing yet",
				do: func(t *testing.T) {
					env.MustDo(t, admin, assignMutation, assignInput(wang, tr.v1, assignment.RoleDIRECT_RESPONSIBLE, time.Now().Add(24*time.Hour).UTC()), nil)
				},
				want: codes(tr.g21),
			},
			{
				name: "new assignment on the village above",
				do: func(t *testing.T) {
					env.MustDo(t, admin, assignMutation, assignInput(wang, tr.v2, assignment.RoleDIRECT_RESPONSIBLE, time.Now().Add(-time.Minute).UTC()), nil)
				},
				want: codes(tr.v2, tr.g21),
			},
			{
				name: "the g21 assignment ended: v2 still covers it",
				do: func(t *testing.T) {
					env.MustDo(t, admin, endMutation, map[string]any{"id": newID}, nil)
				},
				want: codes(tr.v2, tr.g21),
			},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				if s.do != nil {
					s.do(t)
				}
				if diff := cmp.Diff(s.want, queryGrids(t, env, token)); diff != "" {
					t.Errorf("grids with the same token on the next request (-want +got):\n%s", diff)
				}
			})
		}
		// me follows the same assignments.
		got := queryMe(t, env, token)
		want := []role{{"DIRECT_RESPONSIBLE", codeOnly{tr.v2.Code}}}
		if diff := cmp.Diff(want, got.Roles); diff != "" {
			t.Errorf("me.roles at the end (-want +got):\n%s", diff)
		}
	})
}

// TestRevocationTimeOffsets: times sent with a UTC offset other than the server's (a
// frontend in China sends +08:00) mean the same instants. Ending a role "now" takes effect on
// the next request whatever offset "now" is written in, and a role starts when it says.
func TestRevocationTimeOffsets(t *testing.T) {
	t.Parallel()
	cst := time.FixedZone("CST", 8*3600)
	pst := time.FixedZone("PST", -8*3600)
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		admin := env.TokenFor(t, 0, true)
		cases := []struct {
			name    string
			from    func() time.Time // validFrom of a GRID_HEAD assignment on g11, made through the API
			endAt   func() time.Time // if set, endAssignment at this moment, through the API
			visible bool
		}{
			{name: "started a minute ago, UTC", from: func() time.Time { return time.Now().Add(-time.Minute).UTC() }, visible: true},
			{name: "started a minute ago, +08:00", from: func() time.Time { return time.Now().Add(-time.Minute).In(cst) }, visible: true},
			{name: "started a minute ago, -08:00", from: func() time.Time { return time.Now().Add(-time.Minute).In(pst) }, visible: true},
			{name: "starts in an hour, UTC", from: func() time.Time { return time.Now().Add(time.Hour).UTC() }, visible: false},
			{name: "starts in an hour, -08:00", from: func() time.Time { return time.Now().Add(time.Hour).In(pst) }, visible: false},
			{name: "starts in an hour, +08:00", from: func() time.Time { return time.Now().Add(time.Hour).In(cst) }, visible: false},
			{
				name:  "ended now, UTC",
				from:  func() time.Time { return time.Now().Add(-time.Hour).UTC() },
				endAt: func() time.Time { return time.Now().UTC() }, visible: false,
			},
			{
				name:  "ended now, +08:00",
				from:  func() time.Time { return time.Now().Add(-time.Hour).UTC() },
				endAt: func() time.Time { return time.Now().In(cst) }, visible: false,
			},
			{
				name:  "ended now, -08:00",
				from:  func() time.Time { return time.Now().Add(-time.Hour).UTC() },
				endAt: func() time.Time { return time.Now().In(pst) }, visible: false,
			},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := mkPerson(t, db.Client, fmt.Sprintf("人员%d", i), tr.v1)
				token := env.TokenFor(t, p.ID, false)
				var out struct{ AssignRole struct{ ID string } }
				env.MustDo(t, admin, assignMutation, assignInput(p, tr.g11, assignment.RoleGRID_HEAD, tc.from()), &out)
				if tc.endAt != nil {
					env.MustDo(t, admin, endMutation, map[string]any{"id": out.AssignRole.ID, "at": tc.endAt().Format(time.RFC3339Nano)}, nil)
				}
				want := codes()
				if tc.visible {
					want = codes(tr.g11)
				}
				if diff := cmp.Diff(want, queryGrids(t, env, token)); diff != "" {
					t.Errorf("grids on the next request (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestDemoSignIns signs in as each demo account and checks its scope against the tree.
func TestDemoSignIns(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Accounts(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		byCode := func(code string) func(t *testing.T) *ent.Grid {
			return func(t *testing.T) *ent.Grid {
				g, err := db.Client.Grid.Query().Where(grid.Code(code)).Only(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return g
			}
		}
		// The grid head heads some level-3 grid, and nothing else.
		headed := func(t *testing.T) *ent.Grid {
			g, err := db.Client.Assignment.Query().
				Where(assignment.HasPersonWith(person.HasUserWith(user.Username("gridhead"))),
					assignment.RoleEQ(assignment.RoleGRID_HEAD), assignment.ValidToIsNil()).
				QueryGrid().Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if g.Level != 3 {
				t.Errorf("gridhead heads %s at level %d, want a level-3 grid", g.Code, g.Level)
			}
			return g
		}
		cases := []struct {
			username string
			root     func(t *testing.T) *ent.Grid
			grids    int // the number of grids in scope, if known in advance
		}{
			{username: "district-admin", root: byCode(demo.DistrictCode)},
			{username: "subdistrict", root: byCode(demo.SubDistrictCode)},
			{username: "village", root: byCode(demo.SanwangzhuangCode)},
			{username: "gridhead", root: headed, grids: 1},
			{username: "patroller", root: byCode(demo.SanwangzhuangGroupCode), grids: 1},
			{username: "supervisor", root: byCode(demo.SubDistrictCode)},
		}
		for _, tc := range cases {
			t.Run(tc.username, func(t *testing.T) {
				g := tc.root(t)
				n, err := db.Client.Grid.Query().Where(grid.PathHasPrefix(g.Path)).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var out struct{ Login loginPayload }
				env.MustDo(t, "", loginScopeMutation, map[string]any{"u": tc.username, "p": demo.AccountPassword}, &out)
				wantScope := []scopeRoot{rootOf(t, db.Client, g)}
				if diff := cmp.Diff(wantScope, out.Login.Me.Scope); diff != "" {
					t.Errorf("login me.scope (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantScope, queryMe(t, env, out.Login.Token).Scope); diff != "" {
					t.Errorf("me.scope (-want +got):\n%s", diff)
				}
				if tc.grids != 0 && n != tc.grids {
					t.Errorf("the subtree of %s has %d grids, want %d", g.Code, n, tc.grids)
				}
				if got := queryGrids(t, env, out.Login.Token); got.Total != n {
					t.Errorf("grids totalCount = %d, want %d (the subtree of %s)", got.Total, n, g.Code)
				}
			})
		}
	})
}

// TestInternalErrorsHidden: a failure inside the server reaches the client as
// INTERNAL_SERVER_ERROR with a generic message, never with the database's words.
func TestInternalErrorsHidden(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		admin := env.TokenFor(t, 0, true)
		drop := "DROP TABLE vehicles"
		if db.Dialect == "postgres" {
			drop += " CASCADE"
		}
		if _, err := db.SQL.ExecContext(t.Context(), drop); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, query string
		}{
			{name: "connection", query: `{ vehicles { totalCount } }`},
			{name: "mutation", query: fmt.Sprintf(`mutation { createVehicle(input: {plate: "豫A12345", kind: E_BIKE, gridID: %d}) { id } }`, tr.g11.ID)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Do(t, admin, tc.query, nil)
				type result struct {
					Codes   []string
					Message string
				}
				got := result{Codes: r.Codes()}
				if len(r.Errors) > 0 {
					got.Message = r.Errors[0].Message
				}
				want := result{Codes: []string{"INTERNAL_SERVER_ERROR"}, Message: "internal server error"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s with the vehicles table gone (-want +got):\n%s", tc.name, diff)
				}
			})
		}
	})
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		type result struct {
			Status int
			Body   string
		}
		cases := []struct {
			name, method, target string
			header               map[string]string
			want                 result
		}{
			{name: "healthz", method: http.MethodGet, target: "/healthz", want: result{200, "ok"}},
			{name: "healthz with a bad token", method: http.MethodGet, target: "/healthz", header: map[string]string{"Authorization": "Bearer bad"}, want: result{200, "ok"}},
			{name: "unknown path", method: http.MethodGet, target: "/nope", want: result{404, "404 page not found"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rec := send(env.Handler, tc.method, tc.target, tc.header, "")
				if diff := cmp.Diff(tc.want, result{rec.Code, strings.TrimSpace(rec.Body.String())}); diff != "" {
					t.Errorf("%s %s (-want +got):\n%s", tc.method, tc.target, diff)
				}
			})
		}
		rec := send(env.Handler, http.MethodGet, "/", nil, "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), `src="graphiql/page.js"`) {
			t.Errorf("GET / = %d %q, want the GraphiQL page with its script", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}

// TestGetMutationRefused: a mutation sent with GET (a link, an <img>) is refused and not
// executed; queries over GET work.
func TestGetMutationRefused(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		tr := newTree(t, db.Client)
		admin := env.TokenFor(t, 0, true)
		get := func(query string) *httptest.ResponseRecorder {
			return send(env.Handler, http.MethodGet, "/graphql?query="+url.QueryEscape(query),
				map[string]string{"Authorization": "Bearer " + admin}, "")
		}
		cases := []struct {
			name, query string
		}{
			{name: "createGrid", query: fmt.Sprintf(`mutation { createGrid(input: {code: "410102001003", name: "新村", kind: VILLAGE, parentID: %d}) { id } }`, tr.sub.ID)},
			{name: "logout", query: `mutation { logout }`},
			{name: "named", query: fmt.Sprintf(`mutation M { createGrid(input: {code: "410102001004", name: "新村", kind: VILLAGE, parentID: %d}) { id } }`, tr.sub.ID)},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				rec := get(tc.query)
				if rec.Code == http.StatusOK {
					t.Errorf("GET mutation: status 200, want a refusal\n%s", rec.Body)
				}
				if strings.Contains(rec.Body.String(), `"createGrid":{`) || strings.Contains(rec.Body.String(), `"logout":true`) {
					t.Errorf("GET mutation was executed: %s", rec.Body)
				}
			})
		}
		n, err := db.Client.Grid.Query().Count(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("%d grids after GET mutations, want 6", n)
		}
		// The admin is still signed in (logout did not run), and GET queries work.
		rec := get(`{ me { username superuser } }`)
		var resp struct {
			Data struct {
				Me struct{ Superuser bool }
			}
			Errors []servertest.Error
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("GET query: %v\n%s", err, rec.Body)
		}
		if rec.Code != http.StatusOK || len(resp.Errors) > 0 || !resp.Data.Me.Superuser {
			t.Errorf("GET query: status %d, %s", rec.Code, rec.Body)
		}
	})
}
