package authz

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/predicate"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
)

// Accounts are scoped through their person: an account is in a viewer's scope for an action
// when the person holds an active role (an assignment valid now) on a grid where the viewer's
// role allows that action on a user. Accounts of no person, of people without an active role
// and superuser accounts are managed only by an administrator of the whole forest. These
// checks belong to the write layer (write.go): internal/accounts calls them before it writes
// on the system's account.

// heldAt is "the assignment holds at at", as roster.HeldAt (which imports this package).
func heldAt(at time.Time) predicate.Assignment {
	return assignment.And(assignment.ValidFromLTE(at), assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(at)))
}

// CheckAccountFor returns nil when ctx may do act on the account of person personID at now:
// the person holds an active role under a root where the viewer may do act on a user. A
// person without an active role is BAD_USER_INPUT for an administrator of the whole forest
// and, for anyone else, the same FORBIDDEN as a person outside the scope.
func CheckAccountFor(ctx context.Context, client *ent.Client, personID int, act string, now time.Time) error {
	if IsSystem(ctx) {
		return nil
	}
	v, err := Require(ctx)
	if err != nil {
		return err
	}
	paths, err := client.Assignment.Query().Where(assignment.PersonID(personID), heldAt(now)).
		Select(assignment.FieldGridPath).Strings(SystemContext(ctx, "check an account's person"))
	if err != nil {
		return fmt.Errorf("roles of person %d: %w", personID, err)
	}
	for _, p := range paths {
		if v.Can(p, ObjUser, act) {
			return nil
		}
	}
	if v.Can("/", ObjUser, act) {
		return apperr.Invalid("personID", "personID: person %d does not exist or holds no active role: accounts are for people with a role", personID)
	}
	return forbidden("personID: person %d does not exist or holds no active role in your scope where your role allows you to %s an account", personID, act)
}

// CheckAccount returns nil when ctx may do act on account userID at now: through its person
// (CheckAccountFor), or, for a superuser account or one linked to no person, as an
// administrator of the whole forest. An unknown account reads like one out of scope.
func CheckAccount(ctx context.Context, client *ent.Client, userID int, act string, now time.Time) error {
	if IsSystem(ctx) {
		return nil
	}
	v, err := Require(ctx)
	if err != nil {
		return err
	}
	u, err := client.User.Query().Where(user.ID(userID)).Select(user.FieldSuperuser, user.FieldPersonID).
		Only(SystemContext(ctx, "check an account"))
	switch {
	case ent.IsNotFound(err):
		if v.Can("/", ObjUser, act) {
			return apperr.New(apperr.NotFound, "no account with id %d", userID)
		}
		return hiddenAccount(act, userID)
	case err != nil:
		return fmt.Errorf("load account %d: %w", userID, err)
	}
	if u.Superuser || u.PersonID == nil {
		if v.Can("/", ObjUser, act) {
			return nil
		}
		return hiddenAccount(act, userID)
	}
	err = CheckAccountFor(ctx, client, *u.PersonID, act, now)
	switch apperr.CodeOf(err) {
	case apperr.BadInput:
		return nil // a whole-forest administrator may manage an account whose roles ended
	case apperr.Forbidden:
		return hiddenAccount(act, userID)
	}
	return err
}

// hiddenAccount is the refusal of a write to an account outside the scope or that does not
// exist; the two read the same so that account ids cannot be probed.
func hiddenAccount(act string, userID int) error {
	return forbidden("you may not %s account %d: it does not exist or is outside your scope", act, userID)
}

// accountScope is "the account is the viewer's own, or its person holds an active role under
// one of roots": one IN over the assignments, answered by the grid_path index.
func accountScope(roots []string, self int, now time.Time) predicate.User {
	return func(s *sql.Selector) {
		own := sql.EQ(s.C(user.FieldID), self)
		if len(roots) == 0 {
			s.Where(own)
			return
		}
		as := sql.Table(assignment.Table)
		held := sql.Select(as.C(assignment.FieldPersonID)).From(as).Where(sql.And(
			prefixAny(as.C(assignment.FieldGridPath), roots),
			sql.LTE(as.C(assignment.FieldValidFrom), now),
			sql.Or(sql.IsNull(as.C(assignment.FieldValidTo)), sql.GT(as.C(assignment.FieldValidTo), now)),
		))
		s.Where(sql.Or(own, sql.In(s.C(user.FieldPersonID), held)))
	}
}
