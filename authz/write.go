package authz

import (
	"context"
	"fmt"

	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/privacy"
	"gridgov/internal/apperr"
)

// The write-authorization layer: every package that writes on the system's account after its
// own checks makes those checks here, so that each refusal reads the same everywhere and an
// anonymous context always fails closed. The privacy rules of rules.go use the same functions.

// Allowed reports whether ctx may do act on obj at the grid with the given path: the system's
// account everywhere, a viewer where policy.csv lets them, an anonymous context nowhere. It is
// for code that decides outside ent, such as a summary table or a per-row import check.
func Allowed(ctx context.Context, path, obj, act string) bool {
	if IsSystem(ctx) {
		return true
	}
	v := FromContext(ctx)
	return v != nil && v.Can(path, obj, act)
}

// RequireActor returns nil when ctx acts as someone: a signed-in viewer or the system's
// account (the command line); otherwise ErrNoViewer. Work that checks each row later (an
// import) calls it first, so that an anonymous context fails closed before reading anything.
func RequireActor(ctx context.Context) error {
	if IsSystem(ctx) {
		return nil
	}
	_, err := Require(ctx)
	return err
}

// CheckPath returns nil when ctx may do act on obj at path, the path of a row already loaded
// in the viewer's scope; ErrNoViewer for an anonymous context; otherwise FORBIDDEN with why,
// or with a plain explanation when why is empty.
func CheckPath(ctx context.Context, path, obj, act, why string) error {
	if IsSystem(ctx) {
		return nil
	}
	v, err := Require(ctx)
	if err != nil {
		return err
	}
	if v.Can(path, obj, act) {
		return nil
	}
	if why == "" {
		why = fmt.Sprintf("your role here does not allow you to %s a %s", act, obj)
	}
	return forbidden("%s", why)
}

// CheckGrid returns the path of grid gridID, loaded on the system's account, when ctx may do
// act on obj there; field names the input that gave the id. An unknown grid is a bad input for
// a viewer who sees everything and, for anyone else, the same FORBIDDEN as a grid outside the
// scope, so that ids cannot be probed; a visible grid where the role lacks act is refused
// saying so.
func CheckGrid(ctx context.Context, client *ent.Client, gridID int, field, obj, act string) (string, error) {
	v := FromContext(ctx)
	system := IsSystem(ctx)
	if v == nil && !system {
		return "", ErrNoViewer
	}
	path, err := client.Grid.Query().Where(grid.ID(gridID)).Select(grid.FieldPath).String(SystemContext(ctx, "check a write's target grid"))
	switch {
	case ent.IsNotFound(err):
		if system || v.Can("/", ObjGrid, ActRead) {
			return "", apperr.Invalid(field, "%s: no grid with id %d", field, gridID)
		}
		return "", hiddenGrid(field, gridID)
	case err != nil:
		return "", fmt.Errorf("load grid %d: %w", gridID, err)
	}
	switch {
	case system || v.Can(path, obj, act):
		return path, nil
	case v.Can(path, ObjGrid, ActRead):
		return "", forbidden("%s: your role on grid %d does not allow you to %s a %s there", field, gridID, act, obj)
	default:
		return "", hiddenGrid(field, gridID) // word for word the answer for a missing grid
	}
}

// PathQuery is a query selecting one path column: the rows a write targets.
type PathQuery interface {
	Strings(ctx context.Context) ([]string, error)
}

// CheckRows returns nil when ctx may do act on obj at the path of every row q selects, read
// on the system's account. A write that targets no row is refused the same way as one out of
// scope, so the answer does not reveal whether a hidden row exists.
func CheckRows(ctx context.Context, q PathQuery, obj, act string) error {
	if IsSystem(ctx) {
		return nil
	}
	v, err := Require(ctx)
	if err != nil {
		return err
	}
	paths, err := q.Strings(SystemContext(ctx, "check a write's rows"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		if v.Can("/", obj, ActRead) {
			return apperr.New(apperr.NotFound, "no such %s", obj)
		}
		return hiddenRow(act, obj)
	}
	for _, p := range paths {
		switch {
		case v.Can(p, obj, act):
		case v.Can(p, obj, ActRead):
			return forbidden("you may not %s this %s: your role here does not allow it", act, obj)
		default:
			return hiddenRow(act, obj) // word for word the answer for a missing row
		}
	}
	return nil
}

// gridOwnedMutation is the generated mutation of an entity that belongs to one grid through
// a grid edge and copies that grid's path into grid_path.
type gridOwnedMutation interface {
	ent.Mutation
	IDs(ctx context.Context) ([]int, error)
	GridID() (int, bool)
	Client() *ent.Client
}

// GridOwnedRule returns the mutation rule of an entity owned by a grid (people, vehicles,
// households): an update or delete needs act on obj at every row's grid, rows(client, ids)
// selecting their grid_path; a create, or a change of grid, needs create at the grid it
// points at.
func GridOwnedRule(obj string, rows func(c *ent.Client, ids []int) PathQuery) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		gm, ok := m.(gridOwnedMutation)
		if !ok {
			return privacy.Denyf("authz: %T is not owned by a grid", m)
		}
		return rule(checkGridOwned(ctx, gm, obj, rows))
	})
}

func checkGridOwned(ctx context.Context, m gridOwnedMutation, obj string, rows func(c *ent.Client, ids []int) PathQuery) error {
	if !m.Op().Is(ent.OpCreate) {
		act := ActUpdate
		if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
			act = ActDelete
		}
		if err := CheckRows(ctx, rows(m.Client(), mustIDs(ctx, m)), obj, act); err != nil {
			return err
		}
	}
	if gridID, ok := m.GridID(); ok {
		_, err := CheckGrid(ctx, m.Client(), gridID, "gridID", obj, ActCreate)
		return err
	}
	return nil
}

// rule turns the answer of a check (nil: allowed) into a privacy rule's decision.
func rule(err error) error {
	if err == nil {
		return privacy.Allow
	}
	return err
}
