package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"gridgov/internal/clock"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/session"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
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

	perAccount *Limiter
	perAddress *Limiter
}

// NewService returns a Service with sessions lasting ttl: 5 failed sign-ins per account per
// 15 minutes, and 30 attempts per address per minute.
func NewService(client *ent.Client, enforcer *authz.Enforcer, ttl time.Duration) *Service {
	return &Service{
		Client:     client,
		Enforcer:   enforcer,
		TTL:        ttl,
		Now:        clock.Now,
		perAccount: NewLimiter(5, 15*time.Minute),
		perAddress: NewLimiter(30, time.Minute),
	}
}

// ErrBadCredentials is the one answer to a wrong username or password, so that neither can
// be probed on its own.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "wrong username or password")

// errSessionInvalid is the answer to an unknown, expired or revoked token.
var errSessionInvalid = apperr.New(apperr.Unauthenticated, "the session is invalid or has expired: sign in again")

// Login checks username and password and opens a session. It returns the bearer token; only
// its hash is stored.
func (s *Service) Login(ctx context.Context, username, password, remoteAddr string) (string, *ent.User, time.Time, error) {
	now := s.Now()
	sys := authz.SystemContext(ctx, "sign in")
	accountKey, addressKey := "u:"+strings.ToLower(username), "a:"+remoteAddr
	if blocked, wait := s.perAddress.Blocked(addressKey, now); blocked {
		return "", nil, time.Time{}, apperr.New(apperr.RateLimited, "too many sign-in attempts from this address: try again in %s", wait.Round(time.Second))
	}
	s.perAddress.Add(addressKey, now)
	if blocked, wait := s.perAccount.Blocked(accountKey, now); blocked {
		return "", nil, time.Time{}, apperr.New(apperr.RateLimited, "too many failed sign-ins for this account: try again in %s", wait.Round(time.Second))
	}
	u, err := s.client(ctx).User.Query().Where(user.Username(username)).Only(sys)
	if ent.IsNotFound(err) {
		// Spend the same time as a real check, so response times do not reveal usernames.
		_, _ = VerifyPassword(dummyHash, password)
		s.perAccount.Add(accountKey, now)
		return "", nil, time.Time{}, ErrBadCredentials
	}
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("sign in: load user: %w", err)
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("sign in: verify password of user %d: %w", u.ID, err)
	}
	if !ok {
		s.perAccount.Add(accountKey, now)
		return "", nil, time.Time{}, ErrBadCredentials
	}
	if u.Disabled {
		return "", nil, time.Time{}, apperr.New(apperr.Unauthenticated, "this account is disabled")
	}
	s.perAccount.Reset(accountKey)
	token, expires, err := s.OpenSession(ctx, u.ID, remoteAddr)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	if err := s.client(ctx).User.UpdateOneID(u.ID).SetLastLoginAt(now).Exec(sys); err != nil {
		return "", nil, time.Time{}, fmt.Errorf("sign in: record last sign-in: %w", err)
	}
	return token, u, expires, nil
}

// OpenSession opens a session for user userID, whose credentials the caller has checked, and
// returns its bearer token and expiry.
func (s *Service) OpenSession(ctx context.Context, userID int, remoteAddr string) (string, time.Time, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", time.Time{}, err
	}
	expires := s.Now().Add(s.TTL)
	if err := s.client(ctx).Session.Create().
		SetUserID(userID).SetTokenHash(hash).SetExpiresAt(expires).SetRemoteAddr(clip(remoteAddr, 128)).
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
		WithUser().
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
	return sess.Edges.User, sess.ExpiresAt, nil
}

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

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
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

// client returns the transaction's client inside a GraphQL mutation, so that sign-in writes
// join the mutation's transaction (SQLite allows one writer), and the root client elsewhere.
func (s *Service) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return s.Client
}
