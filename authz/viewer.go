package authz

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/internal/apperr"
)

// Viewer is who is making a request: a signed-in user with the grants derived from the
// active assignments of their person. A Viewer is immutable once built, so one value is
// shared by every request of a session (see ViewerCache) without locks.
type Viewer struct {
	UserID    int
	PersonID  int // 0 when the account is linked to no person
	Username  string
	Superuser bool

	enforcer *Enforcer
	grants   *Grants
	roots    map[[2]string][]string // (object, action) → minimal subtree roots, for every pair policy.csv names
	// changesAt is when the grants change by themselves: the next moment an assignment of
	// the person starts or ends. Zero: never.
	changesAt time.Time
}

type viewerKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer in ctx, or nil for an anonymous request.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// Require returns the viewer in ctx, or ErrNoViewer for an anonymous request: the first line
// of every operation that acts as someone.
func Require(ctx context.Context) (*Viewer, error) {
	if v := FromContext(ctx); v != nil {
		return v, nil
	}
	return nil, ErrNoViewer
}

// RequirePerson is Require for work recorded by a person (visits, patrols, reports): an
// account linked to no person is refused.
func RequirePerson(ctx context.Context) (*Viewer, error) {
	v, err := Require(ctx)
	if err == nil && v.PersonID == 0 {
		return nil, apperr.New(apperr.Forbidden, "this work is recorded by a person: this account is linked to none")
	}
	return v, err
}

// Subject is the name of a user id in logs and audit entries.
func Subject(userID int) string { return "user:" + strconv.Itoa(userID) }

// LoadViewer derives the grants of user from the assignments of its person that hold at now
// (the one source of truth) and returns the viewer, in one statement.
func (e *Enforcer) LoadViewer(ctx context.Context, client *ent.Client, user *ent.User, now time.Time) (*Viewer, error) {
	var grants []Grant
	if user.Superuser {
		grants = append(grants, Grant{Role: RoleAdmin, Root: "/"})
	}
	var changesAt time.Time
	personID := 0
	if user.PersonID != nil {
		personID = *user.PersonID
		// Current and future assignments in one query: the future ones tell when the cached
		// viewer must be rebuilt.
		rows, err := client.Assignment.Query().
			Where(
				assignment.PersonID(personID),
				assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(now)),
			).
			Select(assignment.FieldRole, assignment.FieldGridPath, assignment.FieldValidFrom, assignment.FieldValidTo).
			All(SystemContext(ctx, "derive grants"))
		if err != nil {
			return nil, fmt.Errorf("load grants of user %d: %w", user.ID, err)
		}
		for _, a := range rows {
			if a.ValidFrom.After(now) {
				changesAt = earliest(changesAt, a.ValidFrom)
				continue
			}
			grants = append(grants, Grant{Role: string(a.Role), Root: a.GridPath})
			if a.ValidTo != nil {
				changesAt = earliest(changesAt, *a.ValidTo)
			}
		}
	}
	return e.NewViewer(ViewerInfo{UserID: user.ID, PersonID: personID, Username: user.Username, Superuser: user.Superuser}, grants, changesAt)
}

// ViewerInfo is who a viewer is, apart from the grants.
type ViewerInfo struct {
	UserID    int
	PersonID  int
	Username  string
	Superuser bool
}

// NewViewer returns the viewer of info with grants, whose grants change by themselves at
// changesAt (zero: never). Tests and system jobs build viewers with it; requests use
// LoadViewer.
func (e *Enforcer) NewViewer(info ViewerInfo, grants []Grant, changesAt time.Time) (*Viewer, error) {
	gs, err := e.NewGrants(grants)
	if err != nil {
		return nil, fmt.Errorf("viewer of user %d: %w", info.UserID, err)
	}
	v := &Viewer{
		UserID: info.UserID, PersonID: info.PersonID, Username: info.Username, Superuser: info.Superuser,
		enforcer: e, grants: gs, changesAt: changesAt,
		roots: make(map[[2]string][]string, len(e.pairs)),
	}
	// Computed once here, so that a shared viewer is never written to.
	for _, p := range e.pairs {
		v.roots[p] = e.ScopeRoots(gs, p[0], p[1])
	}
	return v, nil
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// ActiveAssignments returns the assignments of person that hold at moment at.
func ActiveAssignments(ctx context.Context, client *ent.Client, personID int, at time.Time) ([]*ent.Assignment, error) {
	return client.Assignment.Query().
		Where(
			assignment.PersonID(personID),
			assignment.ValidFromLTE(at),
			assignment.Or(assignment.ValidToIsNil(), assignment.ValidToGT(at)),
		).
		All(ctx)
}

// RoleAdmin is the system administrator role; a superuser holds it on "/".
const RoleAdmin = "ADMIN"

// Roots returns the minimal subtree roots under which the viewer may do act on obj.
func (v *Viewer) Roots(obj, act string) []string {
	if r, ok := v.roots[[2]string{obj, act}]; ok {
		return r
	}
	// A pair policy.csv does not name is allowed nowhere, but ask rather than assume.
	return v.enforcer.ScopeRoots(v.grants, obj, act)
}

// Can reports whether the viewer may do act on obj at the grid with the given path.
func (v *Viewer) Can(path, obj, act string) bool {
	ok, err := v.enforcer.Allowed(v.grants, path, obj, act)
	return err == nil && ok
}

// Grants returns the viewer's grants.
func (v *Viewer) Grants() []Grant { return v.grants.List() }

// ChangesAt is when the viewer's grants change by themselves (an assignment starts or ends);
// zero means never. A cache must not keep the viewer past it.
func (v *Viewer) ChangesAt() time.Time { return v.changesAt }
