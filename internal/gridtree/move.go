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
	person.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Person.Update().Where(person.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(person.FieldGridPath, rebase(person.FieldGridPath, old, new)) }).
			Exec(ctx)
	},
	assignment.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Assignment.Update().Where(assignment.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(assignment.FieldGridPath, rebase(assignment.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	event.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		if err := c.Event.Update().Where(event.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(event.FieldGridPath, rebase(event.FieldGridPath, old, new)) }).
			Exec(ctx); err != nil {
			return err
		}
		return c.Event.Update().Where(event.OriginPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(event.FieldOriginPath, rebase(event.FieldOriginPath, old, new)) }).
			Exec(ctx)
	},
	household.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Household.Update().Where(household.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(household.FieldGridPath, rebase(household.FieldGridPath, old, new)) }).
			Exec(ctx)
	},
	householdtag.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.HouseholdTag.Update().Where(householdtag.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(householdtag.FieldGridPath, rebase(householdtag.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	visit.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Visit.Update().Where(visit.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(visit.FieldGridPath, rebase(visit.FieldGridPath, old, new)) }).
			Exec(ctx)
	},
	patrol.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Patrol.Update().Where(patrol.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(patrol.FieldGridPath, rebase(patrol.FieldGridPath, old, new)) }).
			Exec(ctx)
	},
	dailyreport.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.DailyReport.Update().Where(dailyreport.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(dailyreport.FieldGridPath, rebase(dailyreport.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	bulletinpost.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.BulletinPost.Update().Where(bulletinpost.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(bulletinpost.FieldGridPath, rebase(bulletinpost.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	inspection.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Inspection.Update().Where(inspection.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(inspection.FieldGridPath, rebase(inspection.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	vehicle.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.Vehicle.Update().Where(vehicle.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(vehicle.FieldGridPath, rebase(vehicle.FieldGridPath, old, new)) }).
			Exec(ctx)
	},
	ledgerentry.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.LedgerEntry.Update().Where(ledgerentry.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(ledgerentry.FieldGridPath, rebase(ledgerentry.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	ledgerentryrevision.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.LedgerEntryRevision.Update().Where(ledgerentryrevision.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(ledgerentryrevision.FieldGridPath, rebase(ledgerentryrevision.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	keyproject.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.KeyProject.Update().Where(keyproject.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(keyproject.FieldGridPath, rebase(keyproject.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	keyprojectmilestone.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.KeyProjectMilestone.Update().Where(keyprojectmilestone.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(keyprojectmilestone.FieldGridPath, rebase(keyprojectmilestone.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	keyprojectmetric.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.KeyProjectMetric.Update().Where(keyprojectmetric.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(keyprojectmetric.FieldGridPath, rebase(keyprojectmetric.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
	keyprojectprogress.Table: func(ctx context.Context, c *gen.Client, old, new string) error {
		return c.KeyProjectProgress.Update().Where(keyprojectprogress.GridPathHasPrefix(old)).
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(keyprojectprogress.FieldGridPath, rebase(keyprojectprogress.FieldGridPath, old, new))
			}).
			Exec(ctx)
	},
}

// Move re-parents grid id under newParentID and rewrites, in the caller's transaction, the
// paths and levels of the whole subtree and every path copy below it. client must be
// bound to a transaction. The viewer needs the
// move permission at the grid's current place and at the destination. Moving a grid under
// itself or one of its descendants is refused.
func Move(ctx context.Context, client *gen.Client, id, newParentID int) (*gen.Grid, error) {
	v := authz.FromContext(ctx)
	if v == nil {
		return nil, authz.ErrNoViewer
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
	if !v.Can(g.Path, authz.ObjGrid, authz.ActMove) || !v.Can(parent.Path, authz.ObjGrid, authz.ActMove) {
		return nil, apperr.New(apperr.Forbidden, "moving a grid needs the move permission at both its current place and the destination")
	}
	if g.ParentID == newParentID {
		return g, nil
	}
	if TierOf(parent.Kind) >= TierOf(g.Kind) {
		return nil, apperr.Invalid("newParentID", "a %s grid cannot sit under a %s grid", g.Kind, parent.Kind)
	}
	// The subtree holds no deeper kinds than g, so checking g against its new parent suffices.
	oldPrefix := g.Path
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
