package authz

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
)

// Viewer is who is making a request: a signed-in user with the grants derived from the
// active assignments of their person. Its scope is loaded once per request.
type Viewer struct {
	UserID    int
	PersonID  int // 0 when the account is linked to no person
	Username  string
	Superuser bool

	enforcer *Enforcer
	subject  string

	mu    sync.Mutex
	roots map[[2]string][]string // (object, action) → minimal subtree roots, cached per request
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

// Subject is the casbin subject of a user id.
func Subject(userID int) string { return "user:" + strconv.Itoa(userID) }

// LoadViewer derives the grants of user from the active assignments of its person (the one
// source of truth), stores them in the enforcer, and returns the request's viewer. Called
// once per request, so an ended or new assignment takes effect on the next request.
func (e *Enforcer) LoadViewer(ctx context.Context, client *ent.Client, user *ent.User, now time.Time) (*Viewer, error) {
	v := &Viewer{
		UserID:    user.ID,
		Username:  user.Username,
		Superuser: user.Superuser,
		enforcer:  e,
		subject:   Subject(user.ID),
	}
	var grants []Grant
	if user.Superuser {
		grants = append(grants, Grant{Role: RoleAdmin, Root: "/"})
	}
	if user.PersonID != nil {
		v.PersonID = *user.PersonID
		active, err := ActiveAssignments(SystemContext(ctx, "derive grants"), client, v.PersonID, now)
		if err != nil {
			return nil, fmt.Errorf("load grants of user %d: %w", user.ID, err)
		}
		for _, a := range active {
			grants = append(grants, Grant{Role: string(a.Role), Root: a.GridPath})
		}
	}
	if err := e.SetGrants(v.subject, grants); err != nil {
		return nil, fmt.Errorf("set grants of user %d: %w", user.ID, err)
	}
	return v, nil
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
	key := [2]string{obj, act}
	v.mu.Lock()
	defer v.mu.Unlock()
	if r, ok := v.roots[key]; ok {
		return r
	}
	if v.roots == nil {
		v.roots = make(map[[2]string][]string)
	}
	r := v.enforcer.ScopeRoots(v.subject, obj, act)
	v.roots[key] = r
	return r
}

// Can reports whether the viewer may do act on obj at the grid with the given path.
func (v *Viewer) Can(path, obj, act string) bool {
	ok, err := v.enforcer.Allowed(v.subject, path, obj, act)
	return err == nil && ok
}

// Grants returns the viewer's grants.
func (v *Viewer) Grants() []Grant { return v.enforcer.Grants(v.subject) }
