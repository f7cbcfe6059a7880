package gridtree

import (
	"context"
	"fmt"

	"entgo.io/ent"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/hook"
	"gridgov/internal/apperr"
	"gridgov/internal/audit"
)

// GridHook validates a grid's code and kind against its parent and maintains its level and
// path. A path holds the grid's own id, which exists only after the insert, so a create
// inserts first and then writes the path in the same transaction.
func GridHook() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.GridFunc(func(ctx context.Context, m *gen.GridMutation) (ent.Value, error) {
			sys := authz.SystemContext(ctx, "maintain grid paths")
			if m.Op().Is(ent.OpCreate) {
				return createGrid(ctx, sys, next, m)
			}
			if err := validateUpdate(sys, m); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

func createGrid(ctx, sys context.Context, next ent.Mutator, m *gen.GridMutation) (ent.Value, error) {
	kind, _ := m.Kind()
	code, _ := m.Code()
	parentPath, level := "/", 0
	var parent *ParentInfo
	if parentID, ok := m.ParentID(); ok {
		// Shared: a move of the parent waits until the new grid, which copies its path, is
		// committed where the move's rewrite finds it.
		p, err := m.Client().Grid.Query().Where(grid.ID(parentID)).Modify(forShare).Only(sys)
		if gen.IsNotFound(err) {
			return nil, apperr.Invalid("parentID", "parentID: no grid with id %d", parentID)
		}
		if err != nil {
			return nil, fmt.Errorf("load parent grid %d: %w", parentID, err)
		}
		parent = &ParentInfo{Kind: p.Kind, Code: p.Code}
		parentPath, level = p.Path, p.Level+1
	}
	if err := ValidateCode(kind, code, parent); err != nil {
		return nil, err
	}
	m.SetLevel(level)
	m.SetPath(parentPath) // placeholder until the id is known, replaced below
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return nil, err
	}
	g, ok := v.(*gen.Grid)
	if !ok {
		return nil, fmt.Errorf("grid create returned %T", v)
	}
	path := authz.ChildPath(parentPath, g.ID)
	fixPath := audit.Derived(sys, "a new grid's path: its creation records it")
	if err := m.Client().Grid.UpdateOneID(g.ID).SetPath(path).Exec(fixPath); err != nil {
		return nil, fmt.Errorf("set path of grid %d: %w", g.ID, err)
	}
	g.Path = path
	return g, nil
}

// validateUpdate re-checks code and kind when an update changes either.
func validateUpdate(sys context.Context, m *gen.GridMutation) error {
	newKind, kindSet := m.Kind()
	newCode, codeSet := m.Code()
	if !kindSet && !codeSet {
		return nil
	}
	ids, err := m.IDs(sys)
	if err != nil {
		return fmt.Errorf("list grids to update: %w", err)
	}
	for _, id := range ids {
		g, err := m.Client().Grid.Query().Where(grid.ID(id)).WithParent().Only(sys)
		if err != nil {
			return fmt.Errorf("load grid %d: %w", id, err)
		}
		kind, code := g.Kind, g.Code
		if kindSet {
			kind = newKind
		}
		if codeSet {
			code = newCode
		}
		var parent *ParentInfo
		if p := g.Edges.Parent; p != nil {
			parent = &ParentInfo{Kind: p.Kind, Code: p.Code}
		}
		if err := ValidateCode(kind, code, parent); err != nil {
			return err
		}
		if kindSet {
			deeper, err := m.Client().Grid.Query().
				Where(grid.ParentID(id), grid.KindIn(kindsAtOrAbove(TierOf(kind))...)).
				Exist(sys)
			if err != nil {
				return fmt.Errorf("check children of grid %d: %w", id, err)
			}
			if deeper {
				return apperr.Invalid("kind", "kind %s would sit at or below some of the grid's children", kind)
			}
		}
		if codeSet && code != g.Code {
			// Children's codes extend this one; renumbering a subtree is not supported.
			hasChildren, err := m.Client().Grid.Query().Where(grid.ParentID(id)).Exist(sys)
			if err != nil {
				return fmt.Errorf("check children of grid %d: %w", id, err)
			}
			if hasChildren {
				return apperr.Invalid("code", "the code of a grid with children cannot change: their codes start with %q", g.Code)
			}
		}
	}
	return nil
}

// allKinds lists every grid kind.
var allKinds = []grid.Kind{
	grid.KindCITY, grid.KindDISTRICT, grid.KindSUB_DISTRICT, grid.KindTOWNSHIP, grid.KindVILLAGE,
	grid.KindCOMMUNITY, grid.KindENTERPRISE_ZONE, grid.KindVILLAGER_GROUP, grid.KindKEY_ENTERPRISE,
	grid.KindRESIDENTIAL_COMPOUND, grid.KindUNIT_GRID,
}

// kindsAtOrAbove lists the kinds whose tier is t or shallower.
func kindsAtOrAbove(t Tier) []grid.Kind {
	var out []grid.Kind
	for _, k := range allKinds {
		if TierOf(k) <= t {
			out = append(out, k)
		}
	}
	return out
}

// gridPathMutation is a mutation of a row that belongs to a grid and copies its path.
type gridPathMutation interface {
	ent.Mutation
	GridID() (int, bool)
	SetGridPath(string)
}

// CopyGridPathHook keeps grid_path equal to the path of the row's grid whenever the grid is
// set, on create and on update, reading it under a shared lock (SharedPath). Moves rewrite
// the copies in bulk (Move).
func CopyGridPathHook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			gm, ok := m.(gridPathMutation)
			if !ok {
				return nil, fmt.Errorf("CopyGridPathHook on %T, which has no grid", m)
			}
			if gridID, ok := gm.GridID(); ok {
				if path, ok := knownPaths(ctx)[gridID]; ok {
					gm.SetGridPath(path)
					return next.Mutate(ctx, m)
				}
				c, ok := m.(interface{ Client() *gen.Client })
				if !ok {
					return nil, fmt.Errorf("mutation %T has no client", m)
				}
				path, err := SharedPath(ctx, c.Client(), gridID, "gridID")
				if err != nil {
					return nil, err
				}
				gm.SetGridPath(path)
			}
			return next.Mutate(ctx, m)
		})
	}
}

type knownPathsKey struct{}

// WithKnownPaths returns a context in which CopyGridPathHook takes the paths of the given
// grids (id → path) from paths instead of querying each: a bulk import that has read the
// paths once in its transaction writes 100,000 rows without 100,000 lookups.
func WithKnownPaths(ctx context.Context, paths map[int]string) context.Context {
	return context.WithValue(ctx, knownPathsKey{}, paths)
}

func knownPaths(ctx context.Context) map[int]string {
	m, _ := ctx.Value(knownPathsKey{}).(map[int]string)
	return m
}
