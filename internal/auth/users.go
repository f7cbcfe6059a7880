package auth

import (
	"context"
	"fmt"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/session"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/store"
)

// MinPasswordLen is the shortest password accepted for a new account.
const MinPasswordLen = 10

// NewUser describes an account to create.
type NewUser struct {
	Username  string
	Password  string
	PersonID  int // 0: not linked to a person
	Superuser bool
}

// CreateUser creates an account on the system's account (CLI, demo, bootstrap), once its
// username and password pass CheckUsername and CheckPassword.
func CreateUser(ctx context.Context, client *ent.Client, nu NewUser) (*ent.User, error) {
	if err := CheckUsername(nu.Username); err != nil {
		return nil, err
	}
	if err := CheckPassword(nu.Username, nu.Password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	c := client.User.Create().SetUsername(nu.Username).SetPasswordHash(hash).SetSuperuser(nu.Superuser)
	if nu.PersonID != 0 {
		c.SetPersonID(nu.PersonID)
	}
	u, err := c.Save(authz.SystemContext(ctx, "create an account"))
	if ent.IsConstraintError(err) {
		return nil, apperr.New(apperr.Conflict, "username %q is taken, or person %d already has an account", nu.Username, nu.PersonID)
	}
	if err != nil {
		return nil, fmt.Errorf("create user %q: %w", nu.Username, err)
	}
	return u, nil
}

// SetDisabled disables or re-enables an account; disabling also revokes its sessions, in the
// same transaction (client's, or one of its own), so that a disabled account never keeps a
// live session.
func SetDisabled(ctx context.Context, client *ent.Client, username string, disabled bool) error {
	return store.InTx(ctx, client, func(client *ent.Client) error { return setDisabled(ctx, client, username, disabled) })
}

func setDisabled(ctx context.Context, client *ent.Client, username string, disabled bool) error {
	sys := authz.SystemContext(ctx, "disable an account")
	n, err := client.User.Update().Where(user.Username(username)).SetDisabled(disabled).Save(sys)
	if err != nil {
		return fmt.Errorf("disable user %q: %w", username, err)
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "no user %q", username)
	}
	if disabled {
		_, err = client.Session.Update().Where(session.HasUserWith(user.Username(username)), session.RevokedAtIsNil()).
			SetRevokedAt(time.Now().UTC()).Save(sys)
	}
	return err
}
