package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/auditentry"
	"gridgov/ent/grid"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		// A test runs the command as a process of its own, to send it real signals.
		main()
		os.Exit(0)
	}
	os.Exit(dbtest.Main(m))
}

// migrateMu serializes what migrates a schema in this test binary: every realMain command
// (each runs store.Migrate) and dbtest.New (which migrates its templates). ent's migration
// writes to the package-level table definitions of ent/migrate, so two at once are a data race.
var migrateMu sync.Mutex

// bothDBs runs fn on fresh SQLite and PostgreSQL databases in parallel, as dbtest.Run does,
// but creates them under migrateMu.
func bothDBs(t *testing.T, fn func(t *testing.T, db *dbtest.DB)) {
	t.Helper()
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(map[string]string{dialect.SQLite: "sqlite", dialect.Postgres: "postgres"}[d], func(t *testing.T) {
			t.Parallel()
			migrateMu.Lock()
			db := dbtest.New(t, d)
			migrateMu.Unlock()
			fn(t, db)
		})
	}
}

// run calls realMain with the password (or other input) on stdin and returns its output.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	migrateMu.Lock()
	defer migrateMu.Unlock()
	var out strings.Builder
	err := realMain(t.Context(), args, strings.NewReader(stdin), &out)
	return out.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := run(t, stdin, args...)
	if err != nil {
		t.Fatalf("gridgov %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// envOn opens url as a second process would, and serves the API on it.
func envOn(t *testing.T, url string) *servertest.Env {
	t.Helper()
	client, db, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return servertest.New(t, &dbtest.DB{Client: client, SQL: db, Dialect: store.Dialect(url), URL: url})
}

// signIn tries username and password through the API and returns the token or the error code.
func signIn(t *testing.T, env *servertest.Env, username, password string) (token, code string) {
	t.Helper()
	r := env.Do(t, "", `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
		map[string]any{"u": username, "p": password})
	if len(r.Errors) > 0 {
		return "", r.Errors[0].Code()
	}
	var out struct{ Login struct{ Token string } }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Login.Token, ""
}

type account struct {
	Username  string
	Superuser bool
	Disabled  bool
	Person    string
}

func accountOf(t *testing.T, client *ent.Client, username string) *account {
	t.Helper()
	u, err := client.User.Query().Where(user.Username(username)).WithPerson().Only(servertest.System())
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	a := &account{Username: u.Username, Superuser: u.Superuser, Disabled: u.Disabled}
	if u.Edges.Person != nil {
		a.Person = u.Edges.Person.Name
	}
	return a
}

func TestUserAdd(t *testing.T) {
	t.Parallel()
	bothDBs(t, func(t *testing.T, db *dbtest.DB) {
		env := envOn(t, db.URL)
		ctx := servertest.System()
		district, err := db.Client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wang, err := db.Client.Person.Create().SetName("王伟").SetGridID(district.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		li, err := db.Client.Person.Create().SetName("李娜").SetGridID(district.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wangID, liID := strconv.Itoa(wang.ID), strconv.Itoa(li.ID)
		dbURL := []string{"--database-url", db.URL}

		cases := []struct {
			name     string
			args     []string // after "user add"
			stdin    string
			password string // the password that signs in; "" when the command must fail
			wantCode apperr.Code
			want     *account // the account afterwards
		}{
			{name: "plain", args: []string{"alice"}, stdin: "alice-password-1\n", password: "alice-password-1",
				want: &account{Username: "alice"}},
			{name: "admin, CRLF", args: []string{"root", "--admin"}, stdin: "root-password-1\r\n", password: "root-password-1",
				want: &account{Username: "root", Superuser: true}},
			{name: "no newline", args: []string{"carol"}, stdin: "carol-password-1", password: "carol-password-1",
				want: &account{Username: "carol"}},
			{name: "first line only", args: []string{"dave"}, stdin: "dave-password-1\nsecond line\n", password: "dave-password-1",
				want: &account{Username: "dave"}},
			{name: "spaces kept", args: []string{"erin"}, stdin: " erin password \n", password: " erin password ",
				want: &account{Username: "erin"}},
			{name: "linked to a person", args: []string{"wang", "--person-id", wangID}, stdin: "wang-password-1\n", password: "wang-password-1",
				want: &account{Username: "wang", Person: "王伟"}},
			{name: "password too short", args: []string{"frank"}, stdin: "short\n", wantCode: apperr.BadInput},
			{name: "empty input", args: []string{"gina"}, stdin: "", wantCode: apperr.BadInput},
			{name: "nine characters and a newline", args: []string{"hank"}, stdin: "123456789\n", wantCode: apperr.BadInput},
			{name: "username taken", args: []string{"alice"}, stdin: "another-password\n", wantCode: apperr.Conflict,
				want: &account{Username: "alice"}},
			{name: "person has an account", args: []string{"wang2", "--person-id", wangID}, stdin: "wang-password-2\n", wantCode: apperr.Conflict},
			{name: "unknown person", args: []string{"ivan", "--person-id", "999999"}, stdin: "ivan-password-1\n"},
			// A flag where the name belongs must not become a username.
			{name: "flag as name", args: []string{"--admin"}, stdin: "admin-password-1\n"},
			{name: "bad person id", args: []string{"judy", "--person-id", "x"}, stdin: "judy-password-1\n"},
			{name: "second person", args: []string{"li", "--person-id", liID, "--admin"}, stdin: "li-password-123\n", password: "li-password-123",
				want: &account{Username: "li", Superuser: true, Person: "李娜"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				args := append(append([]string{"user", "add"}, tc.args...), dbURL...)
				out, err := run(t, tc.stdin, args...)
				if tc.password == "" {
					if err == nil {
						t.Errorf("gridgov %s succeeded (%q), want an error", strings.Join(args, " "), out)
					} else if tc.wantCode != "" && apperr.CodeOf(err) != tc.wantCode {
						t.Errorf("error %v has code %q, want %s", err, apperr.CodeOf(err), tc.wantCode)
					}
				} else {
					if err != nil {
						t.Fatalf("gridgov %s: %v", strings.Join(args, " "), err)
					}
					if !regexp.MustCompile(`^created user ` + regexp.QuoteMeta(tc.want.Username) + ` \(id \d+\)\n$`).MatchString(out) {
						t.Errorf("output %q, want %q", out, "created user "+tc.want.Username+" (id N)")
					}
				}
				if diff := cmp.Diff(tc.want, accountOf(t, db.Client, tc.args[0])); diff != "" {
					t.Errorf("account %q afterwards (-want +got):\n%s", tc.args[0], diff)
				}
				if tc.password == "" {
					return
				}
				token, code := signIn(t, env, tc.want.Username, tc.password)
				if code != "" {
					t.Fatalf("sign-in as %s: %s", tc.want.Username, code)
				}
				var me struct {
					Me struct {
						Username  string
						Superuser bool
					}
				}
				env.MustDo(t, token, `{ me { username superuser } }`, nil, &me)
				if me.Me.Username != tc.want.Username || me.Me.Superuser != tc.want.Superuser {
					t.Errorf("me = %+v, want %s, superuser %v", me.Me, tc.want.Username, tc.want.Superuser)
				}
				// The stored hash is an argon2id hash of exactly that password.
				u, err := db.Client.User.Query().Where(user.Username(tc.want.Username)).Only(servertest.System())
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := auth.VerifyPassword(u.PasswordHash, tc.password); !ok || err != nil {
					t.Errorf("VerifyPassword(stored hash, %q) = %v, %v", tc.password, ok, err)
				}
			})
		}
	})
}

func TestUserDisableEnable(t *testing.T) {
	t.Parallel()
	bothDBs(t, func(t *testing.T, db *dbtest.DB) {
		env := envOn(t, db.URL)
		dbURL := []string{"--database-url", db.URL}
		mustRun(t, "alice-password-1\n", append([]string{"user", "add", "alice"}, dbURL...)...)
		mustRun(t, "bob-password-22\n", append([]string{"user", "add", "bob"}, dbURL...)...)
		token, code := signIn(t, env, "alice", "alice-password-1")
		if code != "" {
			t.Fatalf("sign-in before disabling: %s", code)
		}
		bobToken, _ := signIn(t, env, "bob", "bob-password-22")

		steps := []struct {
			name      string
			args      []string
			wantOut   string
			wantErr   apperr.Code
			signIn    string // code of alice's sign-in afterwards; "" for success
			oldStatus int    // HTTP status of a request with alice's first token
		}{
			{name: "disable", args: []string{"user", "disable", "alice"}, wantOut: "disabled user alice\n", signIn: "UNAUTHENTICATED", oldStatus: http.StatusUnauthorized},
			{name: "disable again", args: []string{"user", "disable", "alice"}, wantOut: "disabled user alice\n", signIn: "UNAUTHENTICATED", oldStatus: http.StatusUnauthorized},
			{name: "enable", args: []string{"user", "enable", "alice"}, wantOut: "enabled user alice\n", oldStatus: http.StatusUnauthorized},
			{name: "disable unknown", args: []string{"user", "disable", "nobody"}, wantErr: apperr.NotFound, oldStatus: http.StatusUnauthorized},
			{name: "enable unknown", args: []string{"user", "enable", "nobody"}, wantErr: apperr.NotFound, oldStatus: http.StatusUnauthorized},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				out, err := run(t, "", append(s.args, dbURL...)...)
				if s.wantErr != "" {
					if apperr.CodeOf(err) != s.wantErr {
						t.Errorf("gridgov %s = %v, want a %s error", strings.Join(s.args, " "), err, s.wantErr)
					}
				} else if err != nil {
					t.Fatalf("gridgov %s: %v", strings.Join(s.args, " "), err)
				} else if out != s.wantOut {
					t.Errorf("output %q, want %q", out, s.wantOut)
				}
				if r := env.Do(t, token, `{ me { username } }`, nil); r.Status != s.oldStatus {
					t.Errorf("request with alice's first token: status %d %v, want %d", r.Status, r.Codes(), s.oldStatus)
				}
				_, code := signIn(t, env, "alice", "alice-password-1")
				if code != s.signIn {
					t.Errorf("alice's sign-in: code %q, want %q", code, s.signIn)
				}
			})
		}
		// bob was never touched.
		if r := env.Do(t, bobToken, `{ me { username } }`, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("bob's token: status %d %v", r.Status, r.Codes())
		}
		// The audit log names each command, records a change only when there was one (the
		// second disable changed nothing), and never the password hash.
		entries, err := db.Client.AuditEntry.Query().Where(auditentry.EntityType(ent.TypeUser), auditentry.OperationHasPrefix("cli:")).
			Order(ent.Asc(auditentry.FieldID)).All(servertest.System())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, fmt.Sprintf("%s %s %s before=%v after=%v", e.Operation, e.ActorName, e.Action, e.Before["disabled"], e.After["disabled"]))
			if e.Action == auditentry.ActionCREATE && e.After["password_hash"] != "[redacted]" {
				t.Errorf("%s: password_hash recorded as %v", e.Operation, e.After["password_hash"])
			}
		}
		want := []string{
			"cli:user add system CREATE before=<nil> after=false",
			"cli:user add system CREATE before=<nil> after=false",
			"cli:user disable system UPDATE before=false after=true",
			"cli:user enable system UPDATE before=true after=false",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit entries of the commands (-want +got):\n%s", diff)
		}
	})
}

func TestUsage(t *testing.T) {
	t.Parallel()
	dbFile := filepath.Join(t.TempDir(), "gridgov.db")
	cases := []struct {
		name      string
		args      []string
		wantErr   string // substring of the error; "" for success
		wantUsage bool
		errIs     error
	}{
		{name: "no arguments", args: nil, wantErr: "no command given", wantUsage: true},
		{name: "help", args: []string{"help"}, wantUsage: true},
		{name: "--help", args: []string{"--help"}, wantUsage: true},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`},
		{name: "user without verb", args: []string{"user"}, wantErr: `expected one of "add"`},
		{name: "user add without name", args: []string{"user", "add"}, wantErr: `expected "<name>"`},
		{name: "unknown user verb", args: []string{"user", "frob", "alice", "--database-url", dbFile}, wantErr: `unknown user command "frob"`},
		{name: "unknown flag", args: []string{"user", "add", "alice", "--frob", "--database-url", dbFile}, wantErr: "frob"},
		{name: "serve with unknown flag", args: []string{"serve", "--frob"}, wantErr: "frob"},
		{name: "demo with unknown flag", args: []string{"demo", "--frob"}, wantErr: "frob"},
		{name: "bench with unknown scenario", args: []string{"bench", "--scenarios", "node,nope"}, wantErr: `unknown scenario "nope"`},
		{name: "bench with an argument", args: []string{"bench", "now"}, wantErr: "unexpected argument now"},
		{name: "bench without clients", args: []string{"bench", "--clients", "0"}, wantErr: "clients"},
		{name: "gen without a database", args: []string{"gen"}, wantErr: "--database-url"},
		{name: "gen on SQLite", args: []string{"gen", "--database-url", dbFile}, wantErr: "PostgreSQL only"},
		{name: "gen with an unknown scale", args: []string{"gen", "--database-url", dbFile, "--scale", "huge"}, wantErr: `unknown scale "huge"`},
		{name: "gen with a bad seed", args: []string{"gen", "--database-url", dbFile, "--seed", "-1"}, wantErr: "--seed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := run(t, "", tc.args...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("gridgov %v: %v", tc.args, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("gridgov %v = %v, want an error containing %q", tc.args, err, tc.wantErr)
			}
			if tc.errIs != nil && !errors.Is(err, tc.errIs) {
				t.Errorf("gridgov %v = %v, want %v", tc.args, err, tc.errIs)
			}
			if got := strings.Contains(out, "Usage:"); got != tc.wantUsage {
				t.Errorf("usage printed = %v, want %v\n%s", got, tc.wantUsage, out)
			}
		})
	}
}

// TestDatabaseURLFromEnvironment: GRIDGOV_DATABASE_URL is used when the flag is absent, and
// the flag wins over it.
func TestDatabaseURLFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	t.Setenv("GRIDGOV_DATABASE_URL", fromEnv)
	mustRun(t, "carol-password-1\n", "user", "add", "carol")
	mustRun(t, "dave-password-1\n", "user", "add", "dave", "--database-url", fromFlag)
	type where struct{ Carol, Dave bool }
	for file, want := range map[string]where{fromEnv: {Carol: true}, fromFlag: {Dave: true}} {
		client, _, err := store.Open(t.Context(), file)
		if err != nil {
			t.Fatal(err)
		}
		got := where{Carol: accountOf(t, client, "carol") != nil, Dave: accountOf(t, client, "dave") != nil}
		client.Close()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("accounts in %s (-want +got):\n%s", filepath.Base(file), diff)
		}
	}
}

func TestDemoCommand(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "demo.db") // does not exist yet
	type counts struct {
		Grids, Level2, Level3, People, Assignments, Vehicles, Users int
	}
	count := func(t *testing.T) counts {
		t.Helper()
		client, _, err := store.Open(t.Context(), file)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		ctx := servertest.System()
		var c counts
		for _, q := range []struct {
			n *int
			f func() (int, error)
		}{
			{&c.Grids, func() (int, error) { return client.Grid.Query().Count(ctx) }},
			{&c.Level2, func() (int, error) { return client.Grid.Query().Where(grid.Level(2)).Count(ctx) }},
			{&c.Level3, func() (int, error) { return client.Grid.Query().Where(grid.Level(3)).Count(ctx) }},
			{&c.People, func() (int, error) { return client.Person.Query().Count(ctx) }},
			{&c.Assignments, func() (int, error) { return client.Assignment.Query().Count(ctx) }},
			{&c.Vehicles, func() (int, error) { return client.Vehicle.Query().Count(ctx) }},
			{&c.Users, func() (int, error) { return client.User.Query().Count(ctx) }},
		} {
			n, err := q.f()
			if err != nil {
				t.Fatal(err)
			}
			*q.n = n
		}
		return c
	}

	out := mustRun(t, "", "demo", "--database-url", file)
	first := count(t)
	// README: 中原区 → 须水街道 → 14 villages/communities → 96 level-3 grids, 1,100+ people,
	// 60+ patrol vehicles; six demo sign-ins.
	if first.Grids != 1+1+14+96 || first.Level2 != 14 || first.Level3 != 96 || first.People < 1100 || first.Vehicles < 60 || first.Users != 6 {
		t.Errorf("demo data: %+v", first)
	}
	wantOut := regexp.MustCompile(`^demo data in ` + regexp.QuoteMeta(file) +
		fmt.Sprintf(`: %d grids, \d+ people, \d+ assignments, %d vehicles, %d cases, \d+ households\n$`, first.Grids, first.Vehicles, demo.EventCount))
	if !wantOut.MatchString(out) {
		t.Errorf("output %q, want it to match %s", out, wantOut)
	}

	// Loading again changes nothing.
	mustRun(t, "", "demo", "--database-url", file)
	if diff := cmp.Diff(first, count(t)); diff != "" {
		t.Errorf("counts after a second demo load (-want +got):\n%s", diff)
	}

	// The demo sign-ins work.
	env := envOn(t, file)
	for _, a := range []string{"district-admin", "subdistrict", "village", "gridhead", "patroller", "supervisor"} {
		if _, code := signIn(t, env, a, demo.AccountPassword); code != "" {
			t.Errorf("sign-in as %s: %s", a, code)
		}
	}
}

// TestDemoRefusesOtherData: the demo is never mixed into a database holding other grids.
func TestDemoRefusesOtherData(t *testing.T) {
	t.Parallel()
	migrateMu.Lock()
	db := dbtest.New(t, dialect.SQLite)
	migrateMu.Unlock()
	if _, err := db.Client.Grid.Create().SetCode("410103").SetName("二七区").SetKind(grid.KindDISTRICT).Save(servertest.System()); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "", "demo", "--database-url", db.URL); !errors.Is(err, demo.ErrNotEmpty) {
		t.Errorf("demo on a database with other grids = %v, want ErrNotEmpty", err)
	}
}

// TestGenCommand generates a small data set into PostgreSQL, prints what it wrote and the
// sign-ins, and refuses to write again without --reset.
func TestGenCommand(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	out := mustRun(t, "", "gen", "--database-url", db.URL, "--scale", "small", "--events", "200", "--seed", "3")
	for _, want := range []string{"events                   200", "gen-admin", "gen-village", `password "gridgov-bench"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "", "gen", "--database-url", db.URL, "--scale", "small"); err == nil || !strings.Contains(err.Error(), "--reset") {
		t.Errorf("gen into a database with data = %v, want an error naming --reset", err)
	}
}

// TestServe runs the server with the demo on a free port, signs in over HTTP and shuts it
// down by cancelling the context.
func TestServe(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "serve.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	migrateMu.Lock() // until serve listens, which is after its migration
	locked := true
	unlock := func() {
		if locked {
			migrateMu.Unlock()
			locked = false
		}
	}
	defer unlock()
	go func() {
		done <- realMain(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--database-url", file, "--session-hours", "2"}, strings.NewReader(""), pw)
		pw.Close()
	}()
	var output []string
	addr := listenAddr(pr, func(line string) { output = append(output, line) })
	var base string
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve ended before listening: %v", <-done)
		}
		base = "http://" + a
		unlock()
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start listening within 60 s")
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("GET /healthz = %d %q", resp.StatusCode, body)
	}

	q := `{"query":"mutation { login(username: \"village\", password: \"` + demo.AccountPassword + `\") { token expiresAt me { scope { breadcrumb } } } }"}`
	resp, err = http.Post(base+"/graphql", "application/json", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Data struct {
			Login struct {
				Token     string
				ExpiresAt time.Time
				Me        struct {
					Scope []struct{ Breadcrumb []string }
				}
			}
		}
		Errors []servertest.Error
	}
	if err := json.NewDecoder(resp.Body).Decode(&login); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(login.Errors) > 0 {
		t.Fatalf("login: %+v", login.Errors)
	}
	wantScope := []struct{ Breadcrumb []string }{{Breadcrumb: []string{"中原区", "须水街道", "三王庄村"}}}
	if diff := cmp.Diff(wantScope, login.Data.Login.Me.Scope); diff != "" {
		t.Errorf("village's scope (-want +got):\n%s", diff)
	}
	if d := time.Until(login.Data.Login.ExpiresAt); d < 2*time.Hour-time.Minute || d > 2*time.Hour+time.Minute {
		t.Errorf("session lasts %v, want --session-hours 2", d)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after cancel, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of cancel")
	}
	for range addr { // drain until the output ends
	}
	text := strings.Join(output, "\n")
	for _, a := range []string{"district-admin", "subdistrict", "village", "gridhead", "patroller", "supervisor", demo.AccountPassword} {
		if !strings.Contains(text, a) {
			t.Errorf("serve --demo output does not mention %q:\n%s", a, text)
		}
	}
}

func TestCatalogueCommand(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "catalogue.db")
	first := mustRun(t, "", "catalogue", "load", "--database-url", file)
	if !regexp.MustCompile(`: 9 categories, 2\d\d item types\n$`).MatchString(first) {
		t.Errorf("catalogue load said %q", first)
	}
	if again := mustRun(t, "", "catalogue", "load", "--database-url", file); again != first {
		t.Errorf("second load said %q, first %q", again, first)
	}
	if _, err := run(t, "", "catalogue", "drop", "--database-url", file); err == nil {
		t.Error("catalogue drop succeeded")
	}
}

// TestImportExportCommands exports the demo roster and ledgers, imports them into a new
// database and exports them again, through the command line.
func TestImportExportCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	mustRun(t, "", "demo", "--database-url", src)
	for _, kind := range []string{"roster", "ledgers", "events", "template"} {
		out := mustRun(t, "", "export", kind, "--database-url", src, "--out", filepath.Join(dir, kind+".xlsx"))
		if !strings.HasPrefix(out, "wrote ") {
			t.Errorf("export %s said %q", kind, out)
		}
	}
	mustRun(t, "", "catalogue", "load", "--database-url", dst)
	out := mustRun(t, "", "import", "roster", filepath.Join(dir, "roster.xlsx"), "--database-url", dst)
	if !regexp.MustCompile(`网格: 11\d new, 0 changed, 0 unchanged\n人员: \d+ new, 0 changed, 0 unchanged\n任职: \d+ new, 0 changed, 0 unchanged\nimported `).MatchString(out) ||
		!strings.Contains(out, "… and ") {
		t.Errorf("import roster said %q", out)
	}
	out = mustRun(t, "", "import", "ledger", filepath.Join(dir, "ledgers.xlsx"), "--database-url", dst)
	if !regexp.MustCompile(`(\n[A-Z_]+: \d{3,} new, 0 changed, 0 unchanged){5}\nimported `).MatchString(out) {
		t.Errorf("import ledger said %q", out)
	}
	// The ledgers again: matched on their codes, nothing changes.
	out, err := run(t, "", "import", "ledger", filepath.Join(dir, "ledgers.xlsx"), "--database-url", dst, "--dry-run")
	if err != nil || !strings.Contains(out, "RENTAL_HOUSING: 0 new, 0 changed, 288 unchanged\n") || !strings.Contains(out, "0 changes\n") {
		t.Errorf("second ledger import: %v\n%s", err, out)
	}
	// Importing the same roster again changes nothing.
	out, err = run(t, "", "import", "roster", filepath.Join(dir, "roster.xlsx"), "--database-url", dst, "--dry-run")
	if err != nil || !strings.Contains(out, "0 changes\n") || !strings.Contains(out, "dry run: nothing written") {
		t.Errorf("second roster import: %v\n%s", err, out)
	}
	_, err = run(t, "", "import", "ledger", filepath.Join(dir, "events.xlsx"), "--database-url", dst)
	if err == nil || !strings.Contains(err.Error(), `no ledger item type with code "事件"`) {
		t.Errorf("events file imported as ledgers: %v", err)
	}
}
