package graph_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/auditentry"
	"gridgov/ent/grid"
	"gridgov/internal/clock"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// accountWorld is a district with two sub-districts: an administrator of each, and a village
// official under the first.
type accountWorld struct {
	env                *servertest.Env
	admin1, admin2     string // tokens: ADMIN on s1, ADMIN on s2
	official, outsider *ent.Person
}

func buildAccountWorld(t *testing.T, env *servertest.Env) *accountWorld {
	t.Helper()
	ctx := servertest.System()
	c := env.Client
	mk := func(code, name string, kind grid.Kind, parent *ent.Grid) *ent.Grid {
		b := c.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			b.SetParentID(parent.ID)
		}
		g, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	root := mk("419901", "区", grid.KindDISTRICT, nil)
	s1 := mk("419901001", "街道一", grid.KindSUB_DISTRICT, root)
	v1 := mk("419901001001", "村一", grid.KindVILLAGE, s1)
	s2 := mk("419901002", "街道二", grid.KindSUB_DISTRICT, root)
	v2 := mk("419901002001", "村二", grid.KindVILLAGE, s2)
	person := func(name string, g *ent.Grid, role assignment.Role) *ent.Person {
		p, err := c.Person.Create().SetName(name).SetGridID(g.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(role).SetValidFrom(time.Now().AddDate(-1, 0, 0)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return p
	}
	w := &accountWorld{env: env}
	w.admin1 = env.TokenFor(t, person("管理员一", s1, assignment.RoleADMIN).ID, false)
	w.admin2 = env.TokenFor(t, person("管理员二", s2, assignment.RoleADMIN).ID, false)
	w.official = person("村干部", v1, assignment.RoleGRID_HEAD)
	w.outsider = person("外村人", v2, assignment.RoleGRID_HEAD)
	return w
}

const (
	createUserDoc = `mutation($p: ID!, $u: String!) { createUser(input: {personID: $p, username: $u}) { activationCode expiresAt user { id username activated disabled person { id } } } }`
	activateDoc   = `mutation($u: String!, $c: String!, $p: String!) { activateAccount(username: $u, code: $c, newPassword: $p) { token me { username } } }`
	resetDoc      = `mutation($id: ID!) { resetUserPassword(userID: $id) { activationCode user { activated } } }`
	disableDoc    = `mutation($id: ID!) { disableUser(userID: $id) { disabled } }`
	enableDoc     = `mutation($id: ID!) { enableUser(userID: $id) { disabled } }`
	loginDoc      = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`
	meDoc         = `{ me { username } }`
)

type activation struct {
	CreateUser struct {
		ActivationCode string
		ExpiresAt      time.Time
		User           struct {
			ID        string
			Username  string
			Activated bool
			Disabled  bool
			Person    struct{ ID string }
		}
	}
}

// createAccount creates an account for p through the API as token and returns its id and code.
func (w *accountWorld) createAccount(t *testing.T, token string, p *ent.Person, username string) (string, string) {
	t.Helper()
	var out activation
	w.env.MustDo(t, token, createUserDoc, vars("p", id(p.ID), "u", username), &out)
	return out.CreateUser.User.ID, out.CreateUser.ActivationCode
}

func activate(t *testing.T, env *servertest.Env, username, code, password string) string {
	t.Helper()
	var out struct{ ActivateAccount struct{ Token string } }
	env.MustDo(t, "", activateDoc, vars("u", username, "c", code, "p", password), &out)
	return out.ActivateAccount.Token
}

// signedIn reports whether token still works: a request with it answers me.
func signedIn(t *testing.T, env *servertest.Env, token string) bool {
	t.Helper()
	resp := env.Do(t, token, meDoc, nil)
	if len(resp.Errors) > 0 {
		if c := resp.Errors[0].Code(); c != "UNAUTHENTICATED" {
			t.Fatalf("a request with a dead token answered %s, want UNAUTHENTICATED: %+v", c, resp.Errors)
		}
		return false
	}
	return true
}

// TestAccountStory is the whole life of a village official's account, through GraphQL only.
func TestAccountStory(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		w := buildAccountWorld(t, env)
		const user, pw1, pw2, pw3 = "cun01", "first-choice-77", "second-choice-88", "third-choice-99"

		var created activation
		env.MustDo(t, w.admin1, createUserDoc, vars("p", id(w.official.ID), "u", user), &created)
		got := created.CreateUser
		if got.User.Activated || got.User.Disabled || got.User.Person.ID != id(w.official.ID) || len(got.ActivationCode) != 14 {
			t.Fatalf("createUser answered %+v, want a not yet activated account of the official with a 14-character code", got)
		}
		if d := time.Until(got.ExpiresAt); d < 71*time.Hour || d > 72*time.Hour {
			t.Errorf("the code expires in %s, want 72 h", d)
		}
		userID, code := got.User.ID, got.ActivationCode
		// Nothing stores the code: not the account row, not the audit log.
		for _, e := range allAudit(t, env) {
			if strings.Contains(e, code) || strings.Contains(e, strings.ReplaceAll(code, "-", "")) {
				t.Fatalf("the audit log holds the activation code: %s", e)
			}
		}
		env.MustFail(t, w.admin1, createUserDoc, vars("p", id(w.official.ID), "u", "cun01b"), "CONFLICT")
		env.MustFail(t, "", loginDoc, vars("u", user, "p", ""), "UNAUTHENTICATED")

		// Activation: wrong code, weak password, then the code.
		if e := env.MustFail(t, "", activateDoc, vars("u", user, "c", "AAAA-BBBB-CCCC", "p", pw1), "UNAUTHENTICATED"); !strings.Contains(e.Message, "wrong") {
			t.Errorf("a wrong code says %q, want it to say wrong", e.Message)
		}
		if e := env.MustFail(t, "", activateDoc, vars("u", user, "c", code, "p", "short"), "BAD_USER_INPUT"); !strings.Contains(e.Message, "newPassword") {
			t.Errorf("a short password says %q, want it to name newPassword", e.Message)
		}
		tokActivated := activate(t, env, user, strings.ToLower(code), pw1) // codes are read without regard to case
		if !signedIn(t, env, tokActivated) {
			t.Fatal("the session activateAccount returned does not work")
		}
		if e := env.MustFail(t, "", activateDoc, vars("u", user, "c", code, "p", pw2), "UNAUTHENTICATED"); !strings.Contains(e.Message, "already used") {
			t.Errorf("a used code says %q, want already used", e.Message)
		}

		// Sign in, list own sessions, change the password: the other session ends, this one stays.
		tokLogin := env.Login(t, user, pw1)
		var sessions struct {
			MySessions struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						ID      string
						Current bool
					}
				}
			}
		}
		env.MustDo(t, tokLogin, `{ mySessions { totalCount edges { node { id current } } } }`, nil, &sessions)
		if n := sessions.MySessions.TotalCount; n != 2 || len(sessions.MySessions.Edges) != 2 {
			t.Fatalf("mySessions lists %d sessions, want 2: %+v", n, sessions)
		}
		if !sessions.MySessions.Edges[0].Node.Current || sessions.MySessions.Edges[1].Node.Current {
			t.Errorf("mySessions marks %+v current, want only the newest (this request's)", sessions.MySessions.Edges)
		}
		env.MustFail(t, tokLogin, `mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }`, vars("o", "not-the-password", "n", pw2), "BAD_USER_INPUT")
		env.MustDo(t, tokLogin, `mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }`, vars("o", pw1, "n", pw2), nil)
		if signedIn(t, env, tokActivated) || !signedIn(t, env, tokLogin) {
			t.Fatal("after changePassword the other session must end and this one stay")
		}
		env.MustFail(t, "", loginDoc, vars("u", user, "p", pw1), "UNAUTHENTICATED")
		tokLogin2 := env.Login(t, user, pw2)
		// revokeSession: one's own only.
		env.MustFail(t, w.admin1, `mutation($id: ID!) { revokeSession(id: $id) }`, vars("id", sessions.MySessions.Edges[0].Node.ID), "NOT_FOUND")

		// The administrator sees the account with its last sign-in.
		var list struct {
			Users struct {
				Edges []struct {
					Node struct {
						Username     string
						Activated    bool
						LastSignInAt *time.Time
					}
				}
			}
		}
		env.MustDo(t, w.admin1, `{ users(where: {usernameContains: "cun"}) { edges { node { username activated lastSignInAt } } } }`, nil, &list)
		if len(list.Users.Edges) != 1 || !list.Users.Edges[0].Node.Activated || list.Users.Edges[0].Node.LastSignInAt == nil {
			t.Fatalf("users lists %+v, want cun01, activated, with a last sign-in", list)
		}

		// Reset: sessions end, the password stops working, the new code works.
		var reset struct {
			ResetUserPassword struct{ ActivationCode string }
		}
		env.MustDo(t, w.admin1, resetDoc, vars("id", userID), &reset)
		if signedIn(t, env, tokLogin) || signedIn(t, env, tokLogin2) {
			t.Fatal("a reset must end every session of the account")
		}
		env.MustFail(t, "", loginDoc, vars("u", user, "p", pw2), "UNAUTHENTICATED")
		env.MustFail(t, "", activateDoc, vars("u", user, "c", code, "p", pw3), "UNAUTHENTICATED") // the first code is gone
		tok := activate(t, env, user, reset.ResetUserPassword.ActivationCode, pw3)

		// Disable: the live session ends at once (the cached viewer too); enable: sign-in again.
		if !signedIn(t, env, tok) {
			t.Fatal("the reactivated session does not work")
		}
		env.MustDo(t, w.admin1, disableDoc, vars("id", userID), nil)
		if signedIn(t, env, tok) {
			t.Fatal("a disabled account's session still works")
		}
		if e := env.MustFail(t, "", loginDoc, vars("u", user, "p", pw3), "UNAUTHENTICATED"); !strings.Contains(e.Message, "disabled") {
			t.Errorf("signing in to a disabled account says %q", e.Message)
		}
		env.MustDo(t, w.admin1, enableDoc, vars("id", userID), nil)
		if !signedIn(t, env, env.Login(t, user, pw3)) {
			t.Fatal("an enabled account cannot sign in")
		}

		// Every change is in the audit log under its operation.
		for _, op := range []string{"createUser", "activateAccount", "changePassword", "resetUserPassword", "disableUser", "enableUser"} {
			n, err := env.Client.AuditEntry.Query().Where(auditentry.Operation(op)).Count(servertest.System())
			if err != nil || n == 0 {
				t.Errorf("no audit entry for %s (%v)", op, err)
			}
		}
	})
}

// allAudit returns every audit entry as text.
func allAudit(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	es, err := env.Client.AuditEntry.Query().All(servertest.System())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%v %v", e.Before, e.After)
	}
	return out
}

// TestAccountsOutOfScope: an administrator of another subtree may not create, reset, disable
// or enable the official's account, nor see it.
func TestAccountsOutOfScope(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		w := buildAccountWorld(t, env)
		env.MustFail(t, w.admin2, createUserDoc, vars("p", id(w.official.ID), "u", "cun02"), "FORBIDDEN")
		env.MustFail(t, w.admin1, createUserDoc, vars("p", "999999", "u", "cun03"), "FORBIDDEN") // unknown reads as hidden
		userID, _ := w.createAccount(t, w.admin1, w.official, "cun02")
		for _, doc := range []string{resetDoc, disableDoc, enableDoc} {
			env.MustFail(t, w.admin2, doc, vars("id", userID), "FORBIDDEN")
			env.MustFail(t, w.admin2, doc, vars("id", "999999"), "FORBIDDEN")
		}
		var list struct{ Users struct{ TotalCount int } }
		env.MustDo(t, w.admin2, `{ users { totalCount } }`, nil, &list)
		if list.Users.TotalCount != 1 { // only their own
			t.Errorf("the other subtree's administrator sees %d accounts, want 1 (their own)", list.Users.TotalCount)
		}
		env.MustFail(t, "", `mutation { changePassword(oldPassword: "x", newPassword: "long-enough-pass") }`, nil, "UNAUTHENTICATED")
	})
}

// TestActivationCodeExpires: a code works for 72 hours, by the server's clock.
func TestActivationCodeExpires(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		clk := clock.NewTest(time.Now())
		env.Auth.Now = clk.Now
		w := buildAccountWorld(t, env)
		_, code := w.createAccount(t, w.admin1, w.official, "cun04")
		clk.Advance(72*time.Hour + time.Second)
		if e := env.MustFail(t, "", activateDoc, vars("u", "cun04", "c", code, "p", "good-password-1"), "UNAUTHENTICATED"); !strings.Contains(e.Message, "expired") {
			t.Errorf("an expired code says %q, want expired", e.Message)
		}
	})
}

// TestConcurrentActivation: 20 activations with one code at once; exactly one wins, and the
// account's password is the winner's.
func TestConcurrentActivation(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		w := buildAccountWorld(t, env)
		_, code := w.createAccount(t, w.admin1, w.official, "cun05")
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
			codes   = map[string]int{}
		)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pw := "concurrent-pw-" + strconv.Itoa(i)
				resp := env.Do(t, "", activateDoc, vars("u", "cun05", "c", code, "p", pw))
				mu.Lock()
				defer mu.Unlock()
				if len(resp.Errors) == 0 {
					winners = append(winners, pw)
					return
				}
				codes[resp.Errors[0].Code()+": "+resp.Errors[0].Message]++
			}()
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%d activations won, want exactly 1; failures: %v", len(winners), codes)
		}
		for c := range codes {
			if !strings.HasPrefix(c, "UNAUTHENTICATED: this activation code was already used") && !strings.HasPrefix(c, "RATE_LIMITED") {
				t.Errorf("a losing activation answered %s", c)
			}
		}
		env.Login(t, "cun05", winners[0])
	})
}
