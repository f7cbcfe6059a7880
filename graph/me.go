package graph

import (
	"context"
	"fmt"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/user"
	"gridgov/graph/model"
	"gridgov/internal/roster"
)

// me describes viewer v: account, person, active roles and scope roots with breadcrumbs.
func (r *Resolver) me(ctx context.Context, v *authz.Viewer) (*model.Me, error) {
	client := r.client(ctx)
	u, err := client.User.Query().Where(user.ID(v.UserID)).Select(user.FieldUsername, user.FieldSuperuser).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("load own account: %w", err)
	}
	// Every read below runs as the viewer: for login the request itself has no viewer yet.
	ctx = authz.NewContext(ctx, v)
	me := &model.Me{Username: u.Username, Superuser: u.Superuser, Roles: []*ent.Assignment{}}
	if v.PersonID != 0 {
		if me.Person, err = client.Person.Get(ctx, v.PersonID); err != nil {
			return nil, fmt.Errorf("load own person: %w", err)
		}
		if me.Roles, err = client.Assignment.Query().
			Where(assignment.PersonID(v.PersonID), roster.HeldAt(r.Now())).
			// Loaded here because login resolves me before the request has a viewer.
			WithGrid().
			Order(ent.Asc(assignment.FieldGridPath), ent.Asc(assignment.FieldRole)).
			All(ctx); err != nil {
			return nil, fmt.Errorf("load own roles: %w", err)
		}
	}
	roots := v.Roots(authz.ObjGrid, authz.ActRead)
	// One query for every grid on every root's path, instead of one per root.
	var ids []int
	for _, p := range roots {
		ids = append(ids, authz.PathIDs(p)...)
	}
	names := map[int]*ent.Grid{}
	if len(ids) > 0 {
		// The ancestors of a root lie outside the scope; their names form the breadcrumb,
		// which the viewer is entitled to, so they are read on the system's account.
		gs, err := client.Grid.Query().Where(grid.IDIn(ids...)).All(authz.SystemContext(ctx, "breadcrumbs of the viewer's scope roots"))
		if err != nil {
			return nil, fmt.Errorf("load scope roots: %w", err)
		}
		for _, g := range gs {
			names[g.ID] = g
		}
	}
	for _, p := range roots {
		sr := &model.ScopeRoot{Path: p, Breadcrumb: []string{}}
		for _, id := range authz.PathIDs(p) {
			if g := names[id]; g != nil {
				sr.Breadcrumb = append(sr.Breadcrumb, g.Name)
				sr.Grid = g
			}
		}
		me.Scope = append(me.Scope, sr)
	}
	if me.Scope == nil {
		me.Scope = []*model.ScopeRoot{}
	}
	return me, nil
}

// signedIn is the answer to a sign-in (login, activateAccount): the new session's token and
// the viewer of user u.
func (r *Resolver) signedIn(ctx context.Context, token string, u *ent.User, expires time.Time) (*model.LoginPayload, error) {
	v, err := r.Auth.Enforcer.LoadViewer(ctx, r.client(ctx), u, r.Now())
	if err != nil {
		return nil, err
	}
	me, err := r.me(authz.NewContext(ctx, v), v)
	if err != nil {
		return nil, err
	}
	return &model.LoginPayload{Token: token, ExpiresAt: expires, Me: me}, nil
}
