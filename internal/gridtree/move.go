package gridtree

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/auditentry"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/dailyreport"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/ent/household"
	"gridgov/ent/householdtag"
	"gridgov/ent/inspection"
	"gridgov/ent/keyproject"
	"gridgov/ent/keyprojectmetric"
	"gridgov/ent/keyprojectmilestone"
	"gridgov/ent/keyprojectprogress"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/ledgerentryrevision"
	"gridgov/ent/patrol"
	"gridgov/ent/person"
	"gridgov/ent/vehicle"
	"gridgov/ent/visit"
	"gridgov/internal/apperr"
	"gridgov/internal/audit"
)

// pathCopies rewrites, per table, every grid_path copy under old to lie under new. A move
// runs them all; a new table that copies a grid path must be added here (a test in this
// package fails when a table has a grid_path column that is not listed).
var pathCopies = map[string]func(ctx context.Context, c *gen.Client, old, new string) error{
	event.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		if err := rebaseRows(ctx, c.Event.Update(), event.GridPathHasPrefix(old), event.FieldGridPath, old, new); err != nil {
			return err
		}
		return rebaseRows(ctx, c.Event.Update(), event.OriginPathHasPrefix(old), event.FieldOriginPath, old, new)
	},
	person.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Person.Update(), person.GridPathHasPrefix(old), person.FieldGridPath, old, new)
	},
	assignment.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Assignment.Update(), assignment.GridPathHasPrefix(old), assignment.FieldGridPath, old, new)
	},
	household.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Household.Update(), household.GridPathHasPrefix(old), household.FieldGridPath, old, new)
	},
	householdtag.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.HouseholdTag.Update(), householdtag.GridPathHasPrefix(old), householdtag.FieldGridPath, old, new)
	},
	visit.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Visit.Update(), visit.GridPathHasPrefix(old), visit.FieldGridPath, old, new)
	},
	patrol.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Patrol.Update(), patrol.GridPathHasPrefix(old), patrol.FieldGridPath, old, new)
	},
	dailyreport.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.DailyReport.Update(), dailyreport.GridPathHasPrefix(old), dailyreport.FieldGridPath, old, new)
	},
	bulletinpost.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.BulletinPost.Update(), bulletinpost.GridPathHasPrefix(old), bulletinpost.FieldGridPath, old, new)
	},
	inspection.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Inspection.Update(), inspection.GridPathHasPrefix(old), inspection.FieldGridPath, old, new)
	},
	vehicle.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.Vehicle.Update(), vehicle.GridPathHasPrefix(old), vehicle.FieldGridPath, old, new)
	},
	ledgerentry.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.LedgerEntry.Update(), ledgerentry.GridPathHasPrefix(old), ledgerentry.FieldGridPath, old, new)
	},
	ledgerentryrevision.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.LedgerEntryRevision.Update(), ledgerentryrevision.GridPathHasPrefix(old), ledgerentryrevision.FieldGridPath, old, new)
	},
	keyproject.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.KeyProject.Update(), keyproject.GridPathHasPrefix(old), keyproject.FieldGridPath, old, new)
	},
	keyprojectmilestone.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.KeyProjectMilestone.Update(), keyprojectmilestone.GridPathHasPrefix(old), keyprojectmilestone.FieldGridPath, old, new)
	},
	keyprojectmetric.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.KeyProjectMetric.Update(), keyprojectmetric.GridPathHasPrefix(old), keyprojectmetric.FieldGridPath, old, new)
	},
	keyprojectprogress.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return rebaseRows(ctx, c.KeyProjectProgress.Update(), keyprojectprogress.GridPathHasPrefix(old), keyprojectprogress.FieldGridPath, old, new)
	},
}

// pathUpdate is an ent bulk update builder (PersonUpdate, EventUpdate, …) with its predicate
// type P.
type pathUpdate[U, P any] interface {
	Where(ps ...P) U
	Modify(modifiers ...func(u *sql.UpdateBuilder)) U
	Exec(ctx context.Context) error
}

// rebaseRows rewrites column, a path copy, from old to new in the rows under the prefix
// predicate, through ent so that the table's hooks (the rollup summary's, for cases) see the
// change.
func rebaseRows[U pathUpdate[U, P], P any](ctx context.Context, u U, under P, column, old, new string) error {
	return u.Where(under).Modify(func(b *sql.UpdateBuilder) { b.Set(column, rebase(column, old, new)) }).Exec(ctx)
}

// Move re-parents grid id under newParentID and rewrites, in the caller's transaction, the
// paths and levels of the whole subtree and every path copy below it. client must be
// bound to a transaction. The viewer needs the
// move permission at the grid's current place and at the destination. Moving a grid under
// itself or one of its descendants is refused. Moves serialise (see lock.go): the grid and
// its new parent are read after the move's locks are taken, so the checks and the rewritten
// paths see every move committed before.
func Move(ctx context.Context, client *gen.Client, id, newParentID int) (*gen.Grid, error) {
	if _, err := authz.Require(ctx); err != nil {
		return nil, err
	}
	if err := lockMoves(authz.SystemContext(ctx, "serialise grid moves"), client); err != nil {
		return nil, fmt.Errorf("move grid %d: %w", id, err)
	}
	g, err := client.Grid.Get(ctx, id)
	if err != nil {
		return nil, notVisible(ctx, err, "id", id)
	}
	parent, err := client.Grid.Get(ctx, newParentID)
	if err != nil {
		return nil, notVisible(ctx, err, "newParentID", newParentID)
	}
	if authz.IsWithin(parent.Path, g.Path) {
		return nil, apperr.Invalid("newParentID", "cannot move grid %d under itself or one of its descendants", id)
	}
	for _, p := range []string{g.Path, parent.Path} {
		if err := authz.CheckPath(ctx, p, authz.ObjGrid, authz.ActMove, "moving a grid needs the move permission at both its current place and the destination"); err != nil {
			return nil, err
		}
	}
	if g.ParentID == newParentID {
		return g, nil
	}
	if TierOf(parent.Kind) >= TierOf(g.Kind) {
		return nil, apperr.Invalid("newParentID", "a %s grid cannot sit under a %s grid", g.Kind, parent.Kind)
	}
	// The subtree holds no deeper kinds than g, so checking g against its new parent suffices.
	oldPrefix := g.Path
	if err := lockSubtree(authz.SystemContext(ctx, "lock a moved subtree"), client, oldPrefix); err != nil {
		return nil, fmt.Errorf("move grid %d: %w", id, err)
	}
	newPrefix := authz.ChildPath(parent.Path, g.ID)
	delta := parent.Level + 1 - g.Level
	// The move is recorded once, for the grid, below; the rewritten paths of the rows under
	// it are derived from it.
	sys := audit.Derived(authz.SystemContext(ctx, "rewrite paths of a moved subtree"), "paths below a moved grid")

	if err := client.Grid.Update().
		Where(grid.ID(id)).
		Modify(func(u *sql.UpdateBuilder) { u.Set(grid.FieldParentID, newParentID) }).
		Exec(sys); err != nil {
		return nil, fmt.Errorf("move grid %d: set parent: %w", id, err)
	}
	if err := client.Grid.Update().
		Where(grid.PathHasPrefix(oldPrefix)).
		AddLevel(delta).
		Modify(func(u *sql.UpdateBuilder) { u.Set(grid.FieldPath, rebase(grid.FieldPath, oldPrefix, newPrefix)) }).
		Exec(sys); err != nil {
		return nil, fmt.Errorf("move grid %d: rewrite subtree paths: %w", id, err)
	}
	for table, rewrite := range pathCopies {
		if err := rewrite(sys, client, oldPrefix, newPrefix); err != nil {
			return nil, fmt.Errorf("move grid %d: rewrite %s.grid_path: %w", id, table, err)
		}
	}
	err = audit.Record(ctx, client, audit.Entry{
		Action: auditentry.ActionUPDATE, EntityType: gen.TypeGrid, EntityID: id, GridPath: newPrefix,
		Before: map[string]any{"parent_id": g.ParentID, "path": oldPrefix, "level": g.Level},
		After:  map[string]any{"parent_id": newParentID, "path": newPrefix, "level": g.Level + delta},
	})
	if err != nil {
		return nil, fmt.Errorf("move grid %d: %w", id, err)
	}
	return client.Grid.Get(ctx, id)
}

// rebase is the SQL expression that swaps the prefix old of column for new. Both dialects
// spell it the same: new || substr(column, len(old)+1).
func rebase(column, old, new string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.Arg(new).WriteString(" || substr(").Ident(column).WriteString(", ").Arg(len(old) + 1).WriteString(")")
	})
}

// notVisible turns a failed lookup of a grid into the error the client sees (see
// authz.NotVisible).
func notVisible(ctx context.Context, err error, field string, id int) error {
	if !gen.IsNotFound(err) {
		return fmt.Errorf("load grid %d: %w", id, err)
	}
	return authz.NotVisible(authz.FromContext(ctx), authz.ObjGrid, field, id)
}
