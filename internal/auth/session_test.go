package auth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/session"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
)

const (
	alicePassword = "alice-password-1"
	bobPassword   = "bob-password-22"
	addrA         = "198.51.100.7"
	addrB         = "203.0.113.9"
	ttl           = time.Hour
)

// sys is the privacy bypass for test setup and inspection.
func sys(t *testing.T) context.Context { return authz.SystemContext(t.Context(), "test") }

// clock is a settable time source for a Service.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// newService returns a Service on db whose clock starts at t0.
func newService(t *testing.T, db *dbtest.DB) (*auth.Service, *clock) {
	t.Helper()
	enf, err := authz.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(db.Client, enf, ttl)
	c := &clock{now: t0}
	svc.Now = c.Now
	return svc, c
}

func mustCreateUser(t *testing.T, client *ent.Client, nu auth.NewUser) *ent.User {
	t.Helper()
	u, err := auth.CreateUser(sys(t), client, nu)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", nu.Username, err)
	}
	return u
}

// accounts creates alice and bob.
func accounts(t *testing.T, client *ent.Client) (alice, bob *ent.User) {
	t.Helper()
	return mustCreateUser(t, client, auth.NewUser{Username: "alice", Password: alicePassword}),
		mustCreateUser(t, client, auth.NewUser{Username: "bob", Password: bobPassword})
}

// outcome is what a sign-in or token check came to: the user's name, or the error's code and
// message.
type outcome struct {
	Username string
	Code     apperr.Code
	Message  string
}

func outcomeOf(u *ent.User, err error) outcome {
	if err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return outcome{Code: "not an apperr", Message: err.Error()}
		}
		return outcome{Code: e.Code, Message: e.Message}
	}
	return outcome{Username: u.Username}
}

func login(t *testing.T, svc *auth.Service, username, password, addr string) (string, outcome) {
	t.Helper()
	token, u, _, err := svc.Login(t.Context(), username, password, addr)
	return token, outcomeOf(u, err)
}

func mustLogin(t *testing.T, svc *auth.Service, username, password, addr string) string {
	t.Helper()
	token, got := login(t, svc, username, password, addr)
	if diff := cmp.Diff(outcome{Username: username}, got); diff != "" {
		t.Fatalf("Login(%q) (-want +got):\n%s", username, diff)
	}
	return token
}

func authenticate(t *testing.T, svc *auth.Service, token string) outcome {
	t.Helper()
	return outcomeOf(svc.Authenticate(t.Context(), token))
}

var (
	badCredentials = outcome{Code: apperr.Unauthenticated, Message: "wrong username or password"}
	sessionInvalid = outcome{Code: apperr.Unauthenticated, Message: "the session is invalid or has expired: sign in again"}
	disabled       = outcome{Code: apperr.Unauthenticated, Message: "this account is disabled"}
)

func isRateLimited(o outcome) bool { return o.Code == apperr.RateLimited && o.Username == "" }

func TestLoginCredentials(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		accounts(t, db.Client)
		cases := []struct {
			name, username, password string
			want                     outcome
		}{
			{name: "right password", username: "alice", password: alicePassword, want: outcome{Username: "alice"}},
			{name: "other account", username: "bob", password: bobPassword, want: outcome{Username: "bob"}},
			{name: "wrong password", username: "alice", password: "alice-password-2", want: badCredentials},
			{name: "another account's password", username: "alice", password: bobPassword, want: badCredentials},
			{name: "empty password", username: "alice", password: "", want: badCredentials},
			{name: "unknown user", username: "mallory", password: alicePassword, want: badCredentials},
			{name: "empty username", username: "", password: alicePassword, want: badCredentials},
			{name: "username differs in case", username: "Alice", password: alicePassword, want: badCredentials},
			{name: "password with trailing newline", username: "alice", password: alicePassword + "\n", want: badCredentials},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				svc, _ := newService(t, db) // a fresh limiter per case
				token, got := login(t, svc, tc.username, tc.password, addrA)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Fatalf("Login(%q, %q) (-want +got):\n%s", tc.username, tc.password, diff)
				}
				if tc.want.Username == "" {
					if token != "" {
						t.Errorf("failed Login returned token %q", token)
					}
					return
				}
				if diff := cmp.Diff(tc.want, authenticate(t, svc, token)); diff != "" {
					t.Errorf("Authenticate(new token) (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestLoginSession(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		alice, _ := accounts(t, db.Client)
		svc, clk := newService(t, db)

		token, u, expires, err := svc.Login(t.Context(), "alice", alicePassword, addrA)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if u.ID != alice.ID {
			t.Errorf("Login returned user %d, want %d", u.ID, alice.ID)
		}
		if !strings.HasPrefix(token, "ggv_") || len(token) < 40 {
			t.Errorf("token %q: want ggv_ and at least 36 random characters", token)
		}
		if !expires.Equal(t0.Add(ttl)) {
			t.Errorf("expires = %v, want %v", expires, t0.Add(ttl))
		}

		// Only the token's SHA-256 is stored.
		sessions, err := db.Client.Session.Query().Where(session.UserID(alice.ID)).All(sys(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(sessions) != 1 {
			t.Fatalf("alice has %d sessions, want 1", len(sessions))
		}
		s := sessions[0]
		sum := sha256.Sum256([]byte(token))
		if !bytes.Equal(s.TokenHash, sum[:]) {
			t.Errorf("stored token hash %x, want SHA-256 of the token %x", s.TokenHash, sum)
		}
		if bytes.Contains(s.TokenHash, []byte(token)) {
			t.Errorf("the session row holds the token itself")
		}
		type row struct {
			Expires    time.Time
			RemoteAddr string
			Revoked    bool
		}
		if diff := cmp.Diff(row{t0.Add(ttl), addrA, false}, row{s.ExpiresAt.UTC(), s.RemoteAddr, s.RevokedAt != nil}); diff != "" {
			t.Errorf("session row (-want +got):\n%s", diff)
		}
		got, err := db.Client.User.Get(sys(t), alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastLoginAt == nil || !got.LastLoginAt.Equal(t0) {
			t.Errorf("last_login_at = %v, want %v", got.LastLoginAt, t0)
		}

		// A second sign-in is a second, independent session.
		clk.Advance(time.Minute)
		token2 := mustLogin(t, svc, "alice", alicePassword, addrB)
		if token2 == token {
			t.Fatalf("two sign-ins returned the same token")
		}
		for _, tok := range []string{token, token2} {
			if diff := cmp.Diff(outcome{Username: "alice"}, authenticate(t, svc, tok)); diff != "" {
				t.Errorf("Authenticate before logout (-want +got):\n%s", diff)
			}
		}

		// Logout ends that session only, at once; repeating it or logging out an unknown
		// token is not an error.
		if err := svc.Logout(t.Context(), token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if diff := cmp.Diff(sessionInvalid, authenticate(t, svc, token)); diff != "" {
			t.Errorf("Authenticate after logout (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(outcome{Username: "alice"}, authenticate(t, svc, token2)); diff != "" {
			t.Errorf("Authenticate of the other session after logout (-want +got):\n%s", diff)
		}
		for _, tok := range []string{token, "ggv_unknown", ""} {
			if err := svc.Logout(t.Context(), tok); err != nil {
				t.Errorf("Logout(%q) = %v, want nil", tok, err)
			}
		}
		revoked, err := db.Client.Session.Get(sys(t), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("revoked_at = %v, want %v (the first logout's time, kept by later ones)", revoked.RevokedAt, t0.Add(time.Minute))
		}
	})
}

func TestOpenSession(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		alice, _ := accounts(t, db.Client)
		svc, _ := newService(t, db)
		token, expires, err := svc.OpenSession(t.Context(), alice.ID, addrA)
		if err != nil {
			t.Fatal(err)
		}
		if !expires.Equal(t0.Add(ttl)) {
			t.Errorf("expires = %v, want %v", expires, t0.Add(ttl))
		}
		if diff := cmp.Diff(outcome{Username: "alice"}, authenticate(t, svc, token)); diff != "" {
			t.Errorf("Authenticate (-want +got):\n%s", diff)
		}
		if _, _, err := svc.OpenSession(t.Context(), 1_000_000, addrA); err == nil {
			t.Errorf("OpenSession for a missing user succeeded")
		}
	})
}

func TestAuthenticateRefuses(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		accounts(t, db.Client)
		svc, _ := newService(t, db)
		good := mustLogin(t, svc, "alice", alicePassword, addrA)
		cases := []struct {
			name, token string
		}{
			{name: "empty", token: ""},
			{name: "garbage", token: "garbage"},
			{name: "prefix only", token: "ggv_"},
			{name: "unknown token", token: "ggv_" + strings.Repeat("A", 43)},
			{name: "without prefix", token: strings.TrimPrefix(good, "ggv_")},
			{name: "other prefix", token: "xyz_" + strings.TrimPrefix(good, "ggv_")},
			{name: "extended", token: good + "A"},
			{name: "truncated", token: good[:len(good)-1]},
			{name: "upper case", token: strings.ToUpper(good)},
			{name: "with Bearer", token: "Bearer " + good},
			{name: "very long", token: good + strings.Repeat("A", 1000)},
			{name: "SQL", token: "ggv_' OR '1'='1"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if diff := cmp.Diff(sessionInvalid, authenticate(t, svc, tc.token)); diff != "" {
					t.Errorf("Authenticate(%.40q) (-want +got):\n%s", tc.token, diff)
				}
			})
		}
		if diff := cmp.Diff(outcome{Username: "alice"}, authenticate(t, svc, good)); diff != "" {
			t.Errorf("Authenticate(good) (-want +got):\n%s", diff)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		accounts(t, db.Client)
		cases := []struct {
			name  string
			after time.Duration
			want  outcome
		}{
			{name: "at once", after: 0, want: outcome{Username: "alice"}},
			{name: "a second before the end", after: ttl - time.Second, want: outcome{Username: "alice"}},
			{name: "at the end", after: ttl, want: sessionInvalid},
			{name: "a second after the end", after: ttl + time.Second, want: sessionInvalid},
			{name: "a year later", after: 365 * 24 * time.Hour, want: sessionInvalid},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				svc, clk := newService(t, db)
				token := mustLogin(t, svc, "alice", alicePassword, addrA)
				clk.Advance(tc.after)
				if diff := cmp.Diff(tc.want, authenticate(t, svc, token)); diff != "" {
					t.Errorf("Authenticate %v after sign-in with TTL %v (-want +got):\n%s", tc.after, ttl, diff)
				}
			})
		}
	})
}

// TestLoginRateLimitPerAccount: five failures lock out only the (account, address) pair
// they came from; the owner signs in from another address at once.
func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		accounts(t, db.Client)
		svc, clk := newService(t, db)
		var got []outcome
		for range 5 {
			_, o := login(t, svc, "alice", "not-alices-password", addrA)
			got = append(got, o)
			clk.Advance(time.Second)
		}
		if diff := cmp.Diff(slices.Repeat([]outcome{badCredentials}, 5), got); diff != "" {
			t.Fatalf("first 5 failures (-want +got):\n%s", diff)
		}
		if _, o := login(t, svc, "alice", alicePassword, addrA); !isRateLimited(o) {
			t.Errorf("6th attempt from the attacker's address = %+v, want RATE_LIMITED", o)
		}
		mustLogin(t, svc, "alice", alicePassword, addrB)
		mustLogin(t, svc, "bob", bobPassword, addrA)
		clk.Set(t0.Add(15 * time.Minute))
		mustLogin(t, svc, "alice", alicePassword, addrA)
	})
}

// TestLoginAccountBackoff: failures from many addresses slow the account down, by a delay
// that doubles up to 30 s, but the owner signs in once that delay has passed; nothing locks
// the account for longer.
func TestLoginAccountBackoff(t *testing.T) {
	t.Parallel()
	// The limits' logic is the same on both stores (TestBackoff runs it on both): SQLite is
	// enough.
	db := dbtest.New(t, dialect.SQLite)
	accounts(t, db.Client)
	svc, clk := newService(t, db)
	attacker := func(i int) string { return fmt.Sprintf("192.0.2.%d", i%250+1) }
	limited := 0
	for i := range 60 {
		if _, o := login(t, svc, "alice", "guess-password", attacker(i)); isRateLimited(o) {
			limited++
		}
		clk.Advance(100 * time.Millisecond)
	}
	if limited == 0 {
		t.Fatalf("60 failures from 60 addresses in 6 s were never slowed down")
	}
	_, o := login(t, svc, "alice", alicePassword, addrB)
	if !isRateLimited(o) {
		t.Fatalf("owner during the attack = %+v, want RATE_LIMITED with a wait", o)
	}
	// The wait is bounded: at most 30 s after the last attempt let through.
	clk.Advance(30 * time.Second)
	mustLogin(t, svc, "alice", alicePassword, addrB)
	// Success clears the account's failures.
	for i := range 9 {
		if _, o := login(t, svc, "alice", "guess-password", attacker(100+i)); o != badCredentials {
			t.Fatalf("failure %d after the owner's sign-in = %+v, want %+v", i, o, badCredentials)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	// On both stores: memory (SQLite) and the table every process shares (PostgreSQL).
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		b := auth.NewBackoff(3, time.Second, 4*time.Second, time.Minute).Shared(auth.RatesFor(db.Client), "backoff")
		type attempt struct {
			OK   bool
			Wait time.Duration
		}
		ctx := t.Context()
		try := func(d time.Duration) attempt {
			ok, w, err := b.Attempt(ctx, "k", at(d))
			if err != nil {
				t.Fatal(err)
			}
			return attempt{ok, w}
		}
		got := []attempt{try(0), try(0), try(0), try(0), try(time.Second), try(time.Second), try(3 * time.Second),
			try(7 * time.Second), try(11 * time.Second), try(11*time.Second + time.Minute)}
		want := []attempt{{true, 0}, {true, 0}, {true, 0}, {false, time.Second}, {true, 0}, {false, 2 * time.Second}, {true, 0},
			{true, 0}, {true, 0}, {true, 0}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
		if err := b.Reset(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := b.Attempt(ctx, "k", at(11*time.Second+time.Minute)); !ok {
			t.Errorf("refused after Reset")
		}
	})
}

// TestLoginRateLimitResetOnSuccess: a successful sign-in clears the account's failures.
func TestLoginRateLimitResetOnSuccess(t *testing.T) {
	t.Parallel()
	// The limits' logic is the same on both stores (TestLimiter and TestBackoff run it on
	// both): SQLite is enough, and each attempt costs a full argon2id check.
	db := dbtest.New(t, dialect.SQLite)
	accounts(t, db.Client)
	svc, _ := newService(t, db)
	for round := range 3 {
		for i := range 4 {
			if _, o := login(t, svc, "alice", "wrong-password", addrA); o != badCredentials {
				t.Fatalf("round %d failure %d = %+v, want %+v", round, i, o, badCredentials)
			}
		}
		mustLogin(t, svc, "alice", alicePassword, addrA)
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	// The limits' logic is the same on both stores (TestLimiter and TestBackoff run it on
	// both): SQLite is enough, and each attempt costs a full argon2id check.
	db := dbtest.New(t, dialect.SQLite)
	accounts(t, db.Client)
	svc, clk := newService(t, db)
	// 30 attempts per minute from one address, successful ones included; distinct
	// usernames so that the per-account limit stays out of the way.
	for i := range 29 {
		if _, o := login(t, svc, fmt.Sprintf("guess%d", i), "wrong-password", addrA); o != badCredentials {
			t.Fatalf("attempt %d = %+v, want %+v", i+1, o, badCredentials)
		}
	}
	mustLogin(t, svc, "alice", alicePassword, addrA) // the 30th
	clk.Advance(30 * time.Second)
	if _, o := login(t, svc, "bob", bobPassword, addrA); !isRateLimited(o) {
		t.Errorf("31st attempt from %s = %+v, want RATE_LIMITED", addrA, o)
	}
	mustLogin(t, svc, "bob", bobPassword, addrB)
	clk.Set(t0.Add(time.Minute))
	mustLogin(t, svc, "bob", bobPassword, addrA)
}

func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		accounts(t, db.Client)
		svc, _ := newService(t, db)
		before := mustLogin(t, svc, "alice", alicePassword, addrA)
		bobToken := mustLogin(t, svc, "bob", bobPassword, addrA)

		if err := auth.SetDisabled(t.Context(), db.Client, "alice", true); err != nil {
			t.Fatalf("SetDisabled(alice, true): %v", err)
		}
		if o := authenticate(t, svc, before); o.Code != apperr.Unauthenticated || o.Username != "" {
			t.Errorf("Authenticate(token from before disabling) = %+v, want UNAUTHENTICATED", o)
		}
		if _, o := login(t, svc, "alice", alicePassword, addrA); o != disabled {
			t.Errorf("Login of disabled account = %+v, want %+v", o, disabled)
		}
		if _, o := login(t, svc, "alice", "wrong-password", addrA); o != badCredentials {
			t.Errorf("Login of disabled account with a wrong password = %+v, want %+v", o, badCredentials)
		}
		n, err := db.Client.Session.Query().Where(session.HasUserWith(user.Username("alice")), session.RevokedAtIsNil()).Count(sys(t))
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("disabled alice still has %d live sessions", n)
		}
		// Other accounts keep their sessions.
		if diff := cmp.Diff(outcome{Username: "bob"}, authenticate(t, svc, bobToken)); diff != "" {
			t.Errorf("bob after alice was disabled (-want +got):\n%s", diff)
		}

		// Enabling lets alice sign in again; the old session stays ended.
		if err := auth.SetDisabled(t.Context(), db.Client, "alice", false); err != nil {
			t.Fatalf("SetDisabled(alice, false): %v", err)
		}
		after := mustLogin(t, svc, "alice", alicePassword, addrA)
		if diff := cmp.Diff(outcome{Username: "alice"}, authenticate(t, svc, after)); diff != "" {
			t.Errorf("Authenticate after re-enabling (-want +got):\n%s", diff)
		}
		if o := authenticate(t, svc, before); o.Code != apperr.Unauthenticated {
			t.Errorf("old token after re-enabling = %+v, want UNAUTHENTICATED", o)
		}

		// A flag set some other way than SetDisabled, with the sessions left in place, is
		// still honoured on every request.
		if err := db.Client.User.Update().Where(user.Username("alice")).SetDisabled(true).Exec(sys(t)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(disabled, authenticate(t, svc, after)); diff != "" {
			t.Errorf("Authenticate with the disabled flag set directly (-want +got):\n%s", diff)
		}

		err = auth.SetDisabled(t.Context(), db.Client, "nobody", true)
		if got := apperr.CodeOf(err); got != apperr.NotFound {
			t.Errorf("SetDisabled(nobody) = %v (code %q), want NOT_FOUND", err, got)
		}
	})
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := sys(t)
		district, err := db.Client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wang, err := db.Client.Person.Create().SetName("王伟").SetGridID(district.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustCreateUser(t, db.Client, auth.NewUser{Username: "taken", Password: "taken-password", PersonID: wang.ID})

		type result struct {
			Code      apperr.Code
			Field     string
			Superuser bool
			PersonID  int
		}
		cases := []struct {
			name string
			nu   auth.NewUser
			want result
		}{
			{name: "plain", nu: auth.NewUser{Username: "plain", Password: "plain-password-9"}},
			{name: "common password", nu: auth.NewUser{Username: "common", Password: "0123456789"}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "ten spaces", nu: auth.NewUser{Username: "spaces", Password: "          "}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "ten a", nu: auth.NewUser{Username: "tena", Password: "aaaaaaaaaa"}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "one CJK character repeated", nu: auth.NewUser{Username: "cjkrep", Password: "网网网网网网网网网网"}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "password is the username", nu: auth.NewUser{Username: "longusername", Password: "LongUsername"}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "username a space", nu: auth.NewUser{Username: " ", Password: "space-password-1"}, want: result{Code: apperr.BadInput, Field: "username"}},
			{name: "username with newline", nu: auth.NewUser{Username: "x\ny", Password: "newline-password-1"}, want: result{Code: apperr.BadInput, Field: "username"}},
			{name: "username markup", nu: auth.NewUser{Username: "<script>", Password: "script-password-1"}, want: result{Code: apperr.BadInput, Field: "username"}},
			{name: "username upper case", nu: auth.NewUser{Username: "Alice2", Password: "alice2-password"}, want: result{Code: apperr.BadInput, Field: "username"}},
			{name: "username too short", nu: auth.NewUser{Username: "a", Password: "short-name-password"}, want: result{Code: apperr.BadInput, Field: "username"}},
			{name: "superuser", nu: auth.NewUser{Username: "root", Password: "root-password", Superuser: true}, want: result{Superuser: true}},
			{name: "ten CJK characters", nu: auth.NewUser{Username: "cjk", Password: "网格化管理网格化管理"}},
			{name: "nine characters", nu: auth.NewUser{Username: "short", Password: "012345678"}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "nine CJK characters (27 bytes)", nu: auth.NewUser{Username: "shortcjk", Password: "网格化管理网格化管"}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "empty password", nu: auth.NewUser{Username: "empty", Password: ""}, want: result{Code: apperr.BadInput, Field: "password"}},
			{name: "username taken", nu: auth.NewUser{Username: "taken", Password: "another-password"}, want: result{Code: apperr.Conflict}},
			{name: "person has an account", nu: auth.NewUser{Username: "wang2", Password: "another-password", PersonID: wang.ID}, want: result{Code: apperr.Conflict}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				u, err := auth.CreateUser(t.Context(), db.Client, tc.nu)
				var got result
				if err != nil {
					e, ok := apperr.As(err)
					if !ok {
						t.Fatalf("CreateUser: %v (not an apperr)", err)
					}
					got = result{Code: e.Code, Field: e.Field}
				} else {
					got = result{Superuser: u.Superuser}
					if u.PersonID != nil {
						got.PersonID = *u.PersonID
					}
					ok, verr := auth.VerifyPassword(u.PasswordHash, tc.nu.Password)
					if verr != nil || !ok {
						t.Errorf("stored hash does not verify the password: %v, %v", ok, verr)
					}
					if strings.Contains(u.PasswordHash, tc.nu.Password) {
						t.Errorf("stored hash %q contains the password", u.PasswordHash)
					}
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("CreateUser(%+v) (-want +got):\n%s", tc.nu, diff)
				}
				exists, err := db.Client.User.Query().Where(user.Username(tc.nu.Username)).Exist(sys(t))
				if err != nil {
					t.Fatal(err)
				}
				if wantExists := tc.want.Code == "" || tc.nu.Username == "taken"; exists != wantExists {
					t.Errorf("user %q exists = %v, want %v", tc.nu.Username, exists, wantExists)
				}
			})
		}
	})
}
