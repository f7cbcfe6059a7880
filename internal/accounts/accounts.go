package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/auditentry"
	"gridgov/ent/predicate"
	"gridgov/ent/session"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/audit"
	"gridgov/internal/auth"
)

// CodeTTL is how long an activation code works after it was made.
const CodeTTL = 72 * time.Hour

// Sentinel answers of activateAccount. They say plainly what is wrong with the code, which
// reveals only that an account exists to someone who holds its code.
var (
	// ErrWrongCode answers an unknown username or a code that is not the account's.
	ErrWrongCode = apperr.New(apperr.Unauthenticated, "wrong username or activation code")
	// ErrCodeUsed answers a code that was already used: ask the administrator for a new one.
	ErrCodeUsed = apperr.New(apperr.Unauthenticated, "this activation code was already used: sign in with your password, or ask your administrator for a new code")
	// ErrCodeExpired answers a code older than CodeTTL.
	ErrCodeExpired = apperr.New(apperr.Unauthenticated, "this activation code has expired (codes work for 72 hours): ask your administrator for a new one")
	// ErrDisabled answers an activation of a disabled account.
	ErrDisabled = apperr.New(apperr.Unauthenticated, "this account is disabled")
)

// Service manages accounts. Its clock is the sign-in service's (Auth.Now), so that codes and
// sessions expire by the same time.
type Service struct {
	// Auth throttles attempts, hashes passwords and opens sessions.
	Auth *auth.Service
}

// Activation is an account with its new one-time code, which exists only in this value.
type Activation struct {
	User      *ent.User
	Code      string
	ExpiresAt time.Time
}

// Create makes a not yet activated account username for person personID, who must hold an
// active role where the viewer may create accounts, and returns it with its activation code.
func (s *Service) Create(ctx context.Context, client *ent.Client, personID int, username string) (*Activation, error) {
	if err := auth.CheckUsername(username); err != nil {
		return nil, err
	}
	now := s.Auth.Now()
	if err := authz.CheckAccountFor(ctx, client, personID, authz.ActCreate, now); err != nil {
		return nil, err
	}
	return create(ctx, client, personID, username, now)
}

// create makes the account once checked.
func create(ctx context.Context, client *ent.Client, personID int, username string, now time.Time) (*Activation, error) {
	sys := authz.SystemContext(ctx, "create an account after authz.CheckAccountFor")
	if has, err := client.User.Query().Where(user.PersonID(personID)).Exist(sys); err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	} else if has {
		return nil, apperr.New(apperr.Conflict, "person %d already has an account: reset it instead", personID)
	}
	if taken, err := client.User.Query().Where(user.Username(username)).Exist(sys); err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	} else if taken {
		return nil, apperr.New(apperr.Conflict, "username %q is taken: choose another", username)
	}
	code, hash, err := newCode()
	if err != nil {
		return nil, err
	}
	expires := now.Add(CodeTTL)
	u, err := client.User.Create().SetUsername(username).SetPasswordHash("").SetActivated(false).SetPersonID(personID).
		SetActivationCodeHash(hash).SetActivationExpiresAt(expires).Save(sys)
	if ent.IsConstraintError(err) { // a concurrent create won
		return nil, apperr.New(apperr.Conflict, "username %q is taken, or person %d already has an account", username, personID)
	}
	if err != nil {
		return nil, fmt.Errorf("create account %q: %w", username, err)
	}
	return &Activation{User: u, Code: code, ExpiresAt: expires}, nil
}

// Reset gives account userID, in the viewer's scope, a new activation code: its password and
// any earlier code stop working and all its sessions end.
func (s *Service) Reset(ctx context.Context, client *ent.Client, userID int) (*Activation, error) {
	now := s.Auth.Now()
	if err := authz.CheckAccount(ctx, client, userID, authz.ActUpdate, now); err != nil {
		return nil, err
	}
	code, hash, err := newCode()
	if err != nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "reset an account after authz.CheckAccount")
	expires := now.Add(CodeTTL)
	u, err := client.User.UpdateOneID(userID).SetPasswordHash("").SetActivated(false).
		SetActivationCodeHash(hash).SetActivationExpiresAt(expires).ClearActivationUsedAt().Save(sys)
	if err != nil {
		return nil, fmt.Errorf("reset account %d: %w", userID, err)
	}
	if err := endSessions(ctx, client, now, session.UserID(userID)); err != nil {
		return nil, err
	}
	return &Activation{User: u, Code: code, ExpiresAt: expires}, nil
}

// SetDisabled disables or enables account userID in the viewer's scope; disabling ends its
// sessions in the same transaction, and the change hooks drop its cached viewers everywhere.
func (s *Service) SetDisabled(ctx context.Context, client *ent.Client, userID int, disabled bool) (*ent.User, error) {
	now := s.Auth.Now()
	if err := authz.CheckAccount(ctx, client, userID, authz.ActUpdate, now); err != nil {
		return nil, err
	}
	if v := authz.FromContext(ctx); v != nil && v.UserID == userID && disabled {
		return nil, apperr.Invalid("userID", "userID: you cannot disable your own account")
	}
	sys := authz.SystemContext(ctx, "disable or enable an account after authz.CheckAccount")
	u, err := client.User.UpdateOneID(userID).SetDisabled(disabled).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("set account %d disabled=%t: %w", userID, disabled, err)
	}
	if disabled {
		if err := endSessions(ctx, client, now, session.UserID(userID)); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Activate sets the password of account username with its activation code and opens a
// session, returning its token as a sign-in does. It is throttled like a sign-in and must
// run outside a transaction (it hashes a password); the code is used by one conditional
// UPDATE, so that of concurrent activations with one code exactly one wins.
func (s *Service) Activate(ctx context.Context, client *ent.Client, username, code, newPassword, remoteAddr string) (string, *ent.User, time.Time, error) {
	if len(username) > 64 || len(code) > 64 {
		return "", nil, time.Time{}, ErrWrongCode
	}
	// Checked before the attempt is counted: it reveals nothing about the code.
	if err := checkNewPassword(username, newPassword); err != nil {
		return "", nil, time.Time{}, err
	}
	now := s.Auth.Now()
	succeeded, err := s.Auth.Attempt(ctx, "a:", username, remoteAddr, now)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	sys := authz.SystemContext(ctx, "activate an account with its code")
	u, err := client.User.Query().Where(user.Username(username)).
		Select(user.FieldActivationCodeHash, user.FieldActivationExpiresAt, user.FieldActivationUsedAt, user.FieldDisabled).Only(sys)
	if ent.IsNotFound(err) {
		return "", nil, time.Time{}, ErrWrongCode
	}
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("activate %q: %w", username, err)
	}
	hash := hashCode(code)
	switch {
	case u.ActivationCodeHash == nil || subtle.ConstantTimeCompare(*u.ActivationCodeHash, hash) != 1:
		return "", nil, time.Time{}, ErrWrongCode
	case u.ActivationUsedAt != nil:
		return "", nil, time.Time{}, ErrCodeUsed
	case u.ActivationExpiresAt == nil || !now.Before(*u.ActivationExpiresAt):
		return "", nil, time.Time{}, ErrCodeExpired
	case u.Disabled:
		return "", nil, time.Time{}, ErrDisabled
	}
	pw, err := s.Auth.HashNew(ctx, newPassword)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	n, err := client.User.Update().
		Where(user.ID(u.ID), user.ActivationCodeHash(hash), user.ActivationUsedAtIsNil(), user.ActivationExpiresAtGT(now), user.Disabled(false)).
		SetPasswordHash(pw).SetActivated(true).SetActivationUsedAt(now).SetLastLoginAt(now).Save(sys)
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("activate %q: %w", username, err)
	}
	if n == 0 { // another activation with the same code won, or the account changed meanwhile
		return "", nil, time.Time{}, ErrCodeUsed
	}
	succeeded()
	token, expires, err := s.Auth.OpenSession(ctx, u.ID, remoteAddr)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	u, err = client.User.Query().Where(user.ID(u.ID)).Select(auth.ViewerUserFields...).Only(sys)
	if err != nil {
		return "", nil, time.Time{}, fmt.Errorf("activate %q: reload: %w", username, err)
	}
	return token, u, expires, nil
}

// ChangePassword changes the signed-in viewer's password after checking the old one, and ends
// the viewer's sessions other than the one of token. It is throttled like a sign-in and must
// run outside a transaction (two password hashes); it writes in one transaction of its own.
func (s *Service) ChangePassword(ctx context.Context, client *ent.Client, token, oldPassword, newPassword, remoteAddr string) error {
	v, err := authz.Require(ctx)
	if err != nil {
		return err
	}
	if err := checkNewPassword(v.Username, newPassword); err != nil {
		return err
	}
	if oldPassword == newPassword {
		return apperr.Invalid("newPassword", "newPassword: the new password must differ from the old one")
	}
	now := s.Auth.Now()
	succeeded, err := s.Auth.Attempt(ctx, "u:", v.Username, remoteAddr, now)
	if err != nil {
		return err
	}
	sys := authz.SystemContext(ctx, "change one's own password")
	old, err := client.User.Query().Where(user.ID(v.UserID)).Select(user.FieldPasswordHash).String(sys)
	if err != nil {
		return fmt.Errorf("change password: load account: %w", err)
	}
	ok, err := s.Auth.Verify(ctx, old, oldPassword)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if !ok || len(oldPassword) > 1024 {
		return apperr.Invalid("oldPassword", "oldPassword: the old password is wrong")
	}
	succeeded()
	pw, err := s.Auth.HashNew(ctx, newPassword)
	if err != nil {
		return err
	}
	return inTx(ctx, client, func(c *ent.Client) error {
		// Conditional on the hash read above: a concurrent change or reset wins, this one fails.
		n, err := c.User.Update().Where(user.ID(v.UserID), user.PasswordHash(old)).SetPasswordHash(pw).Save(sys)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if n == 0 {
			return apperr.New(apperr.Conflict, "the password was changed or reset meanwhile: sign in again")
		}
		return endSessions(ctx, c, now, session.UserID(v.UserID), session.TokenHashNEQ(auth.TokenHash(token)))
	})
}

// RevokeSession ends session sessionID of the signed-in viewer. Another user's session and an
// unknown id are the same NOT_FOUND.
func (s *Service) RevokeSession(ctx context.Context, client *ent.Client, sessionID int) error {
	v, err := authz.Require(ctx)
	if err != nil {
		return err
	}
	now := s.Auth.Now()
	sys := authz.SystemContext(ctx, "end one's own session")
	live, err := client.Session.Query().Where(session.ID(sessionID), session.UserID(v.UserID), session.RevokedAtIsNil(), session.ExpiresAtGT(now)).Exist(sys)
	if err != nil {
		return fmt.Errorf("revoke session %d: %w", sessionID, err)
	}
	if !live {
		return apperr.New(apperr.NotFound, "you have no live session with id %d", sessionID)
	}
	return endSessions(ctx, client, now, session.ID(sessionID))
}

// SessionPage is a page of the viewer's live sessions, newest first.
type SessionPage struct {
	Sessions  []*ent.Session
	CurrentID int // the id of the request's own session, 0 if it is not among them
	Total     int
	HasNext   bool
}

// Sessions lists up to first (1–100, default 20) of the signed-in viewer's live sessions with
// ids below before (0: from the newest); token is the request's own.
func (s *Service) Sessions(ctx context.Context, client *ent.Client, token string, first, before int) (*SessionPage, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case first == 0:
		first = 20
	case first < 0 || first > 100:
		return nil, apperr.Invalid("first", "first: must be between 1 and 100, got %d", first)
	}
	sys := authz.SystemContext(ctx, "list one's own sessions")
	live := []predicate.Session{session.UserID(v.UserID), session.RevokedAtIsNil(), session.ExpiresAtGT(s.Auth.Now())}
	total, err := client.Session.Query().Where(live...).Count(sys)
	if err != nil {
		return nil, fmt.Errorf("count own sessions: %w", err)
	}
	q := client.Session.Query().Where(live...)
	if before > 0 {
		q.Where(session.IDLT(before))
	}
	rows, err := q.Order(ent.Desc(session.FieldID)).Limit(first + 1).All(sys)
	if err != nil {
		return nil, fmt.Errorf("list own sessions: %w", err)
	}
	page := &SessionPage{Total: total, HasNext: len(rows) > first}
	if page.HasNext {
		rows = rows[:first]
	}
	mine := auth.TokenHash(token)
	for _, r := range rows {
		if subtle.ConstantTimeCompare(r.TokenHash, mine) == 1 {
			page.CurrentID = r.ID
		}
	}
	page.Sessions = rows
	return page, nil
}

// endSessions revokes the live sessions matching where, each recorded in the audit log (which
// does not record sessions by itself) with only its id and end time.
func endSessions(ctx context.Context, client *ent.Client, now time.Time, where ...predicate.Session) error {
	sys := authz.SystemContext(ctx, "end sessions of a changed account")
	ids, err := client.Session.Query().Where(append(where, session.RevokedAtIsNil())...).IDs(sys)
	if err != nil || len(ids) == 0 {
		return err
	}
	if err := client.Session.Update().Where(session.IDIn(ids...)).SetRevokedAt(now).Exec(sys); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	for _, id := range ids {
		if err := audit.Record(ctx, client, audit.Entry{Action: auditentry.ActionUPDATE, EntityType: "Session", EntityID: id,
			Before: map[string]any{"revoked_at": nil}, After: map[string]any{"revoked_at": now}}); err != nil {
			return err
		}
	}
	return nil
}

// checkNewPassword applies the password rules, naming the field newPassword.
func checkNewPassword(username, password string) error {
	err := auth.CheckPassword(username, password)
	if err == nil && len(password) > 1024 {
		err = apperr.Invalid("password", "password must have at most 1024 bytes")
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return apperr.Invalid("newPassword", "newPassword: %s", ae.Message)
	}
	return err
}

// inTx runs f in ctx's transaction when there is one, else in a transaction of its own.
func inTx(ctx context.Context, client *ent.Client, f func(*ent.Client) error) error {
	if ent.TxFromContext(ctx) != nil {
		return f(client)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx.Client()); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// codeAlphabet are the characters of activation codes: upper-case letters and digits without
// 0, O, 1, I and L, which people misread when they type a code from paper.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode returns a fresh activation code, printed in groups of four, and its hash.
func newCode() (string, []byte, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("activation code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		// 256 = 8·31 + 8: eight characters come up 9/8 as often as the rest, which costs
		// under 0.01 bit per character (59.4 bits in all).
		sb.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	code := sb.String()
	return code, hashCode(code), nil
}

// hashCode is what is stored of a code: the SHA-256 of its characters in upper case without
// separators, so that "k7qx 3mhd-pw9r" is the same code as K7QX-3MHD-PW9R.
func hashCode(code string) []byte {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
	h := sha256.Sum256([]byte(norm))
	return h[:]
}
