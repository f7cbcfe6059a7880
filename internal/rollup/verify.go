package rollup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/dialect/sql"

	gen "gridgov/ent"
	"gridgov/ent/event"
	"gridgov/ent/eventtally"
	"gridgov/ent/grid"
	"gridgov/ent/predicate"
)

// Difference is a summary cell whose stored counts differ from the counts recomputed from
// the cases.
type Difference struct {
	ScopeID, ChildID, CategoryID int
	Grain, Bucket                string
	// Column is the first counter that differs; Stored and Want are its values.
	Column       string
	Stored, Want int
}

// String renders the difference for a terminal.
func (d Difference) String() string {
	return fmt.Sprintf("scope %d child %d category %d %s %s: %s stored %d, recomputed %d",
		d.ScopeID, d.ChildID, d.CategoryID, d.Grain, d.Bucket, d.Column, d.Stored, d.Want)
}

// Progress is told how many cases have been read so far.
type Progress func(done int)

// part is a piece of the forest whose summary cells no other piece touches, so that the
// summary can be recomputed and compared piece by piece, in the memory of the largest piece
// rather than of the whole summary (a city's is tens of millions of cells). A case under
// child c of root r counts in r's cells for child c and in the cells of scopes inside c's
// subtree, nowhere else.
type part struct {
	cases predicate.Event
	cells predicate.EventTally
}

// parts splits the forest: each root's own cases (with the root's cells for child 0, or for a
// grid that is no longer its child), each child of a root with its subtree, and last the
// cells whose scope is no grid at all (which no case should feed).
func parts(ctx context.Context, client *gen.Client) ([]part, error) {
	grids, err := client.Grid.Query().Select(grid.FieldID, grid.FieldParentID, grid.FieldPath).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("rollup summary: read the grid tree: %w", err)
	}
	children := map[int][]*gen.Grid{}
	for _, g := range grids {
		if g.ParentID != 0 {
			children[g.ParentID] = append(children[g.ParentID], g)
		}
	}
	var out []part
	for _, r := range grids {
		if r.ParentID != 0 {
			continue
		}
		own := []predicate.EventTally{eventtally.ScopeID(r.ID)}
		var ids []int
		for _, c := range children[r.ID] {
			ids = append(ids, c.ID)
		}
		if len(ids) > 0 {
			own = append(own, eventtally.ChildIDNotIn(ids...))
		}
		out = append(out, part{cases: event.OriginPath(r.Path), cells: eventtally.And(own...)})
		for _, c := range children[r.ID] {
			var subtree []int
			for _, g := range grids {
				if strings.HasPrefix(g.Path, c.Path) {
					subtree = append(subtree, g.ID)
				}
			}
			out = append(out, part{
				cases: event.OriginPathHasPrefix(c.Path),
				cells: eventtally.Or(eventtally.And(eventtally.ScopeID(r.ID), eventtally.ChildID(c.ID)), eventtally.ScopeIDIn(subtree...)),
			})
		}
	}
	out = append(out, part{
		cases: event.IDLT(0), // none
		cells: func(s *sql.Selector) {
			s.Where(sql.NotIn(s.C(eventtally.FieldScopeID), sql.Select(grid.FieldID).From(sql.Table(grid.Table))))
		},
	})
	return out, nil
}

// recompute computes a part's cells from its cases: their ids first (a part of a city is a
// million of them, 8 MB), then their facts by id in chunks. Pages of "the part's cases after
// id n" instead would make PostgreSQL find and sort the part's cases again for every page:
// quadratic in the part's size, an hour for a city. done counts the cases read so far,
// across parts.
func recompute(ctx context.Context, client *gen.Client, p part, done *int, progress Progress) (cells, error) {
	ids, err := client.Event.Query().Where(p.cases).Order(event.ByID()).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("recompute rollup summary: list cases: %w", err)
	}
	want := cells{}
	for chunk := range slices.Chunk(ids, 10000) {
		facts, err := loadFacts(ctx, client, chunk, false)
		if err != nil {
			return nil, fmt.Errorf("recompute rollup summary: %w", err)
		}
		for _, f := range facts {
			want.add(f, 1)
		}
		*done += len(facts)
		if progress != nil {
			progress(*done)
		}
	}
	want.dropZero()
	return want, nil
}

// stored reads a part's cells as they are in the table, without those that count nothing.
func stored(ctx context.Context, client *gen.Client, p part) (cells, error) {
	have := cells{}
	last := 0
	for {
		rows, err := client.EventTally.Query().Where(p.cells, eventtally.IDGT(last)).Order(eventtally.ByID()).Limit(20000).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("read rollup summary: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			if len(r.Grain) != 1 {
				return nil, fmt.Errorf("rollup summary row %d: bad grain %q", r.ID, r.Grain)
			}
			day, err := parseBucket(r.Grain[0], r.Bucket)
			if err != nil {
				return nil, fmt.Errorf("rollup summary row %d: bad grain %q or bucket %q", r.ID, r.Grain, r.Bucket)
			}
			k := cell{r.ScopeID, r.ChildID, r.CategoryID, r.Grain[0], day}
			v := have[k]
			for i, n := range []int{r.Found, r.Registered, r.Due, r.DueClosed, r.DueOpen, r.ClosedOnTime,
				r.ClosedFixed, r.ClosedNotFixed, r.Reworked, r.Escalated, r.Voided} {
				v[i] += int32(n)
			}
			have[k] = v
		}
		last = rows[len(rows)-1].ID
	}
	have.dropZero()
	return have, nil
}

// Verify recomputes the summary from the cases and returns every cell that differs from the
// table, part by part, each part in a fixed order. ctx must pass the privacy rules
// (authz.SystemContext).
func Verify(ctx context.Context, client *gen.Client, progress Progress) ([]Difference, error) {
	ps, err := parts(ctx, client)
	if err != nil {
		return nil, err
	}
	var diffs []Difference
	done := 0
	for _, p := range ps {
		want, err := recompute(ctx, client, p, &done, progress)
		if err != nil {
			return nil, err
		}
		have, err := stored(ctx, client, p)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, compare(want, have)...)
	}
	return diffs, nil
}

// compare lists the cells whose counts differ between want and have.
func compare(want, have cells) []Difference {
	union := cells{}
	for k := range want {
		union[k] = counters{}
	}
	for k := range have {
		union[k] = counters{}
	}
	var diffs []Difference
	for _, k := range union.sortedKeys() {
		w, h := want[k], have[k]
		if w == h {
			continue
		}
		i := 0
		for j := range w {
			if w[j] != h[j] {
				i = j
				break
			}
		}
		diffs = append(diffs, Difference{
			ScopeID: k.scope, ChildID: k.child, CategoryID: k.category, Grain: string(k.grain), Bucket: k.bucket(),
			Column: counterColumns[i], Stored: int(h[i]), Want: int(w[i]),
		})
	}
	return diffs
}

// Rebuild replaces the summary with one recomputed from the cases, part by part. Run it in a
// transaction (client bound to one) so that readers never see a half-built summary; ctx must
// pass the privacy rules (authz.SystemContext). It returns the number of cells written.
func Rebuild(ctx context.Context, client *gen.Client, progress Progress) (int, error) {
	ps, err := parts(ctx, client)
	if err != nil {
		return 0, err
	}
	if _, err := client.EventTally.Delete().Exec(ctx); err != nil {
		return 0, fmt.Errorf("rebuild rollup summary: clear: %w", err)
	}
	written, done := 0, 0
	for _, p := range ps {
		want, err := recompute(ctx, client, p, &done, progress)
		if err != nil {
			return 0, err
		}
		keys := want.sortedKeys()
		for chunk := range slices.Chunk(keys, 1000) {
			builders := make([]*gen.EventTallyCreate, len(chunk))
			for i, k := range chunk {
				builders[i] = newTally(client, k, want[k])
			}
			if err := client.EventTally.CreateBulk(builders...).Exec(ctx); err != nil {
				return 0, fmt.Errorf("rebuild rollup summary: write: %w", err)
			}
		}
		written += len(keys)
	}
	return written, nil
}

// RebuildInTx runs Rebuild in a transaction of its own.
func RebuildInTx(ctx context.Context, client *gen.Client, progress Progress) (int, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return 0, err
	}
	n, err := Rebuild(ctx, tx.Client(), progress)
	if err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	return n, tx.Commit()
}

// EnsureSummary rebuilds the summary when it lacks cells while cases exist (a database whose
// cases predate the summary table, or its status cells, or were bulk-loaded past the hooks,
// gets it on first open), and otherwise removes the cells of an older, larger shape
// (PruneShape). On PostgreSQL the migrations bring an older summary up to date instead.
func EnsureSummary(ctx context.Context, client *gen.Client) (rebuilt bool, err error) {
	has, err := client.EventTally.Query().Where(eventtally.Grain(string(rune(grainStatus)))).Exist(ctx)
	if err != nil {
		return false, err
	}
	if has {
		_, err := PruneShape(ctx, client)
		return false, err
	}
	if has, err = client.Event.Query().Exist(ctx); err != nil || !has {
		return false, err
	}
	_, err = RebuildInTx(ctx, client, nil)
	return err == nil, err
}

// depthSQL is the SQL expression of a grid's depth (1 for a root), from its path.
const depthSQL = "(LENGTH(" + grid.FieldPath + ") - LENGTH(REPLACE(" + grid.FieldPath + ", '/', '')) - 1)"

// PruneShape deletes the cells the summary no longer keeps: day cells below the root and any
// cell deeper than the roots' children, which summaries built before they were dropped hold
// (seven cells per case at district scale). What remains is exactly the current shape: the
// hooks and Rebuild keep the same cells for the same cases. The PostgreSQL migration
// event_tallies_top_levels does the same; this covers SQLite, which has no migration files.
// It returns the number of cells deleted.
func PruneShape(ctx context.Context, client *gen.Client) (int, error) {
	deeper := func(d int) *sql.Selector {
		return sql.Select(grid.FieldID).From(sql.Table(grid.Table)).Where(sql.ExprP(fmt.Sprintf("%s > %d", depthSQL, d)))
	}
	n, err := client.EventTally.Delete().Where(func(s *sql.Selector) {
		s.Where(sql.Or(
			sql.In(s.C(eventtally.FieldScopeID), deeper(monthDepth)),
			sql.And(sql.EQ(s.C(eventtally.FieldGrain), string(rune(grainDay))), sql.In(s.C(eventtally.FieldScopeID), deeper(dayDepth))),
		))
	}).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("rollup summary: delete the cells of the older shape: %w", err)
	}
	return n, nil
}

// Size counts the summary's cells and the cases they summarise.
func Size(ctx context.Context, client *gen.Client) (cells, cases int, err error) {
	if cells, err = client.EventTally.Query().Count(ctx); err != nil {
		return 0, 0, err
	}
	if cases, err = client.Event.Query().Count(ctx); err != nil {
		return 0, 0, err
	}
	return cells, cases, nil
}
