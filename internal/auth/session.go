package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/session"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/clock"
)

// tokenPrefix marks gridgov bearer tokens, so that leaked ones are easy to recognise.
const tokenPrefix = "ggv_"

// Service signs users in and out and resolves bearer tokens to users.
type Service struct {
	// Enforcer derives each viewer's grants.
	Enforcer *authz.Enforcer
	Client   *ent.Client
	// TTL is how long a session lasts.
	TTL time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time

	// HashWait is how long a sign-in waits for a free hashing slot before it is refused
	// with RATE_LIMITED.
	HashWait time.Duration
	// BeforeHash, if set, is called while a sign-in holds a hashing slot, just before the
	// password hash; tests use it to hold sign-ins in the middle of their hash.
	BeforeHash func()

	perPair    *Limiter // (account, address)
	perAddress *Limiter
	perAccount *Backoff
	// hashing bounds the argon2 checks running at once: each takes 19 MiB and a core for
	// tens of milliseconds, so more than the cores only queue up and starve other requests.
	hashing chan struct{}
}

// NewService returns a Service with sessions lasting ttl and these sign-in limits: 5 failures
// per account and address per 15 minutes; 30 attempts per address per minute; per account,
// after 10 failures from any addresses, one attempt per 1 s, 2 s, 4 s … up to 30 s, which
// slows a guesser down without locking the owner out; and one argon2 check per CPU at a time.
// The limits count in RatesFor(client): on PostgreSQL, shared by every process on the database.
func NewService(client *ent.Client, enforcer *authz.Enforcer, ttl time.Duration) *Service {
	s := &Service{
		Client:     client,
		Enforcer:   enforcer,
		TTL:        ttl,
		Now:        clock.Now,
		HashWait:   200 * time.Millisecond,
		perPair:    NewLimiter(5, 15*time.Minute),
		perAddress: NewLimiter(30, time.Minute),
		perAccount: NewBackoff(10, time.Second, 30*time.Second, 15*time.Minute),
		hashing:    make(chan struct{}, runtime.NumCPU()),
	}
	s.ShareLimits(RatesFor(client))
	return s
}

// ErrBadCredentials is the one answer to a wrong username or password, so that neither can
// be probed on its own.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "wrong username or password")

// errSessionInvalid is the answer to an unknown, expired or revoked token.
var errSessionInvalid = apperr.New(apperr.Unauthenticated, "the session is invalid or has expired: sign in again")

// errBusy is the answer when every hashing slot stays taken for HashWait.
var errBusy = apperr.New(apperr.RateLimited, "too many sign-ins at once: try again in a few seconds")

// Login checks username and password and opens a session. It returns the bearer token; only
// its hash is stored. It holds no database connection while it hashes: the user is read
// before and the session written after, each in a statement of its own, so it must not run
// inside a transaction (the server runs the login mutation outside one).
func (s *Service) Login(ctx context.Context, username, password, remoteAddr string) (string, *ent.User, time.Time, error) {
	now := s.Now()
	sys := authz.SystemContext(ctx, "sign in")
	succeeded, err := s.Attempt(ctx, "u:", username, remoteAddr, now)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	u, ok, err := s.check(ctx, username, password)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	if !ok {
		return "", nil, time.Time{}, ErrBadCredentials
	}
	if u.Disabled {
		return "", nil, time.Time{}, apperr.New(apperr.Unauthenticated, "this account is disabled")
	}
	succeeded()
	token, expires, err := s.OpenSession(ctx, u.ID, remoteAddr)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	if err := s.client(ctx).User.UpdateOneID(u.ID).SetLastLoginAt(now).Exec(sys); err != nil {
		return "", nil, time.Time{}, fmt.Errorf("sign in: record last sign-in: %w", err)
	}
	return token, u, expires, nil
}

// Attempt applies the sign-in limits to one attempt at proving a secret for account username
// from remoteAddr at now: a password (kind "u:") or an activation code ("a:", counted apart
// so that failed activations do not slow the account's sign-ins, and the other way round).
// It refuses with RATE_LIMITED, or counts the attempt as a failure until the caller calls
// succeeded, so that concurrent attempts count too. The counts are the Service's RateStore's:
// on PostgreSQL every API process on the database counts against the same limits.
func (s *Service) Attempt(ctx context.Context, kind, username, remoteAddr string, now time.Time) (succeeded func(), err error) {
	account := kind + strings.ToLower(username)
	pairKey, addressKey := account+"\x00a:"+remoteAddr, "a:"+remoteAddr
	blocked, wait, err := s.perAddress.Take(ctx, addressKey, now)
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, apperr.New(apperr.RateLimited, "too many sign-in attempts from this address: try again in %s", wait.Round(time.Second))
	}
	if blocked, wait, err := s.perPair.Blocked(ctx, pairKey, now); err != nil {
		return nil, err
	} else if blocked {
		return nil, apperr.New(apperr.RateLimited, "too many failed attempts for this account from this address: try again in %s", wait.Round(time.Second))
	}
	if ok, wait, err := s.perAccount.Attempt(ctx, account, now); err != nil {
		return nil, err
	} else if !ok {
		return nil, apperr.New(apperr.RateLimited, "too many failed attempts for this account: try again in %s", max(wait, time.Second).Round(time.Second))
	}
	if err := s.perPair.Add(ctx, pairKey, now); err != nil {
		return nil, err
	}
	return func() {
		// A reset that fails leaves failures counted, which only slows the owner down.
		ctx := context.WithoutCancel(ctx)
		_ = s.perPair.Reset(ctx, pairKey)
		_ = s.perAccount.Reset(ctx, account)
	}, nil
}

// ShareLimits makes the sign-in limits count in store (see RatesFor), from now on.
func (s *Service) ShareLimits(store RateStore) {
	s.perPair = s.perPair.Shared(store, "signin-pair")
	s.perAddress = s.perAddress.Shared(store, "signin-address")
	s.perAccount = s.perAccount.Shared(store, "signin-account")
}

// HashNew returns the argon2id hash of a new password, computed in a hashing slot.
func (s *Service) HashNew(ctx context.Context, password string) (string, error) {
	if err := s.acquireSlot(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return HashPassword(password)
}

// Verify reports whether password matches hash, checked in a hashing slot; an empty hash (an
// account not activated) matches nothing but costs a hash all the same.
func (s *Service) Verify(ctx context.Context, hash, password string) (bool, error) {
	if err := s.acquireSlot(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	ok, err := VerifyPassword(cmp.Or(hash, dummyHash), password)
	return ok && hash != "", err
}

// check reads the user and verifies the password in a hashing slot; an unknown user costs a
// hash as well, so that response times do not reveal usernames.
func (s *Service) check(ctx context.Context, username, password string) (*ent.User, bool, error) {
	if err := s.acquireSlot(ctx); err != nil {
		return nil, false, err
	}
	defer func() { <-s.hashing }()
	u, err := s.client(ctx).User.Query().Where(user.Username(username)).Only(authz.SystemContext(ctx, "sign in"))
	hash := dummyHash
	switch {
	case err == nil:
		hash = cmp.Or(u.PasswordHash, dummyHash) // empty until the account is activated
	case !ent.IsNotFound(err):
		return nil, false, fmt.Errorf("sign in: load user: %w", err)
	}
	if s.BeforeHash != nil {
		s.BeforeHash()
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return nil, false, fmt.Errorf("sign in: verify password of %q: %w", username, err)
	}
	return u, ok && u != nil && u.PasswordHash != "", nil
}

// OpenSession opens a session for user userID, whose credentials the caller has checked, and
// returns its bearer token and expiry.
func (s *Service) OpenSession(ctx context.Context, userID int, remoteAddr string) (string, time.Time, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.Now()
	expires := now.Add(s.TTL)
	if err := s.client(ctx).Session.Create().
		SetUserID(userID).SetTokenHash(hash).SetExpiresAt(expires).SetRemoteAddr(clip(remoteAddr, 128)).
		SetUserAgent(clipRunes(RequestFrom(ctx).UserAgent, 256)).SetLastSeenAt(now).
		Exec(authz.SystemContext(ctx, "open a session")); err != nil {
		return "", time.Time{}, fmt.Errorf("open session for user %d: %w", userID, err)
	}
	return token, expires, nil
}

// Authenticate returns the user of a live session. Unknown, expired and revoked tokens and
// disabled users are refused.
func (s *Service) Authenticate(ctx context.Context, token string) (*ent.User, error) {
	u, _, err := s.AuthenticateSession(ctx, token)
	return u, err
}

// lastSeenEvery is how stale a session's last_seen_at may grow before a check writes it.
const lastSeenEvery = 5 * time.Minute

// TokenHash is what a session stores of token: its SHA-256.
func TokenHash(token string) []byte { return hashToken(token) }

// SessionKey is the key under which a viewer cache keeps token's session: the token's hash,
// so that no cache holds a usable token.
func SessionKey(token string) string { return string(hashToken(token)) }

// AuthenticateSession is Authenticate that also returns when the session expires.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*ent.User, time.Time, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return nil, time.Time{}, errSessionInvalid
	}
	sys := authz.SystemContext(ctx, "authenticate a bearer token")
	sess, err := s.client(ctx).Session.Query().
		Where(session.TokenHash(hashToken(token)), session.RevokedAtIsNil(), session.ExpiresAtGT(s.Now())).
		Select(session.FieldExpiresAt, session.FieldUserID, session.FieldLastSeenAt).
		WithUser(func(q *ent.UserQuery) { q.Select(ViewerUserFields...) }).
		Only(sys)
	if ent.IsNotFound(err) {
		return nil, time.Time{}, errSessionInvalid
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("authenticate: %w", err)
	}
	if sess.Edges.User.Disabled {
		return nil, time.Time{}, apperr.New(apperr.Unauthenticated, "this account is disabled")
	}
	if now := s.Now(); sess.LastSeenAt == nil || now.Sub(*sess.LastSeenAt) >= lastSeenEvery {
		// A statement only every lastSeenEvery per session, on a viewer cache miss.
		if err := s.client(ctx).Session.UpdateOneID(sess.ID).SetLastSeenAt(now).Exec(sys); err != nil {
			return nil, time.Time{}, fmt.Errorf("authenticate: record last seen: %w", err)
		}
	}
	return sess.Edges.User, sess.ExpiresAt, nil
}

// ViewerUserFields are the user columns a viewer is built from (authz.Enforcer.LoadViewer)
// and a session check reads: never the password hash, which only sign-in reads.
var ViewerUserFields = []string{user.FieldUsername, user.FieldSuperuser, user.FieldDisabled, user.FieldPersonID}

// Logout revokes the session of token. Revoking an unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	_, err := s.client(ctx).Session.Update().
		Where(session.TokenHash(hashToken(token)), session.RevokedAtIsNil()).
		SetRevokedAt(s.Now()).
		Save(authz.SystemContext(ctx, "sign out"))
	return err
}

func newToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: token: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// clipRunes cuts s to at most n runes.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// acquireSlot takes a hashing slot, at once when one is free, else within HashWait.
func (s *Service) acquireSlot(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	default:
	}
	wait := time.NewTimer(s.HashWait)
	defer wait.Stop()
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-wait.C:
		return errBusy
	case <-ctx.Done():
		return fmt.Errorf("sign in: wait for a hashing slot: %w", ctx.Err())
	}
}

// dummyHash is verified against when the username is unknown.
var dummyHash = func() string {
	h, err := HashPassword("not a real password")
	if err != nil {
		panic(err)
	}
	return h
}()

// Request is what the HTTP layer knows of a request that sign-in needs.
type Request struct {
	Token      string // the bearer token, if any
	RemoteAddr string // the client's address, for rate limits
	UserAgent  string // the User-Agent header, kept with a new session
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request info in ctx.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// client returns the transaction's client inside a GraphQL mutation, so that writes such as
// sign-out join the mutation's transaction (SQLite allows one writer), and the root client
// elsewhere, as in login, which the server runs outside a transaction.
func (s *Service) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return s.Client
}
