package gridtree

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/internal/apperr"
	"gridgov/internal/dblock"
)

// How moves serialise on PostgreSQL. A move takes moveLockKey (a transaction-level advisory
// lock, so moves run one at a time and each reads the tree as the previous one left it),
// then locks the moved subtree's grid rows FOR UPDATE in path order. Every write that copies
// a grid's path reads it FOR SHARE (SharedPath) in its own transaction: it waits for a move
// of that grid to commit and then reads the new path, or it holds the move off until its
// copy is committed, where the move's rewrite finds it. On SQLite every write transaction
// starts with BEGIN IMMEDIATE (internal/store), so writers run one at a time anyway.

// moveLockKey is the advisory lock key of grid moves ("gridmove" in ASCII).
const moveLockKey int64 = 0x677269646d6f7665

// forShare locks the selected rows FOR SHARE on PostgreSQL; SQLite has no row locks.
func forShare(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForShare()
	}
}

// forUpdate locks the selected rows FOR UPDATE on PostgreSQL; SQLite has no row locks.
func forUpdate(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}

// SharedPath returns the path of grid id, read on the system's account under a shared row
// lock (PostgreSQL) that holds a move of the grid off until the caller's transaction ends.
// Every write that copies a grid's path must take it from here, in the write's transaction.
// A missing grid is BAD_USER_INPUT on field.
func SharedPath(ctx context.Context, client *gen.Client, id int, field string) (string, error) {
	path, err := client.Grid.Query().Where(grid.ID(id)).Modify(forShare).Select(grid.FieldPath).
		String(authz.SystemContext(ctx, "copy a grid path"))
	if gen.IsNotFound(err) {
		return "", apperr.Invalid(field, "%s: no grid with id %d", field, id)
	}
	if err != nil {
		return "", fmt.Errorf("load path of grid %d: %w", id, err)
	}
	return path, nil
}

// lockMoves takes the moves' advisory lock on PostgreSQL, held until the transaction ends.
func lockMoves(ctx context.Context, client *gen.Client) error {
	if err := dblock.XactLock(ctx, client, moveLockKey); err != nil {
		return fmt.Errorf("take the grid move lock: %w", err)
	}
	return nil
}

// lockSubtree locks the grid rows of the subtree at path FOR UPDATE, in path order so that
// two lockers cannot deadlock on them.
func lockSubtree(ctx context.Context, client *gen.Client, path string) error {
	_, err := client.Grid.Query().Where(grid.PathHasPrefix(path)).Order(gen.Asc(grid.FieldPath)).
		Modify(forUpdate).Select(grid.FieldID).Ints(ctx)
	if err != nil {
		return fmt.Errorf("lock the subtree at %s: %w", path, err)
	}
	return nil
}

// LockedPaths holds moves off until client's transaction ends (the moves' lock, shared, on
// PostgreSQL) and returns every grid's path (id → path), read after the lock is taken: a
// bulk import that copies paths from it (WithKnownPaths) copies the paths that stay true
// until it commits.
func LockedPaths(ctx context.Context, client *gen.Client) (map[int]string, error) {
	sys := authz.SystemContext(ctx, "grid paths for a bulk write")
	if err := dblock.XactLockShared(sys, client, moveLockKey); err != nil {
		return nil, fmt.Errorf("hold grid moves off: %w", err)
	}
	gs, err := client.Grid.Query().Select(grid.FieldID, grid.FieldPath).All(sys)
	if err != nil {
		return nil, fmt.Errorf("read grid paths: %w", err)
	}
	paths := make(map[int]string, len(gs))
	for _, g := range gs {
		paths[g.ID] = g.Path
	}
	return paths, nil
}
