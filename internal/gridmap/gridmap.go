// Package gridmap keeps the grids' boundaries (网格边界): it checks and stores them (one at a
// time through the API, a whole GeoJSON file from the command line), draws a subtree as a
// GeoJSON FeatureCollection, and finds the grid a point lies in, from an in-memory index
// rebuilt when the boundaries change.
package gridmap

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/gridboundary"
	"gridgov/internal/apperr"
	"gridgov/internal/geo"
	"gridgov/internal/labels"
	"gridgov/internal/store"
)

// Tolerances of the checks between boundaries, for outlines drawn by hand on different maps.
const (
	// ParentTolerance is how far a child's outline may stray outside its parent's.
	ParentTolerance = 20.0 // metres
	// SiblingTolerance is how far two siblings' outlines may run into each other.
	SiblingTolerance = 10.0 // metres
)

// node is a grid as the checks need it.
type node struct {
	id, parentID, level int
	code, path          string
	shape               geo.Shape // nil without a boundary
}

// tree is every grid, with the boundaries stored or about to be.
type tree struct {
	byID   map[int]*node
	byCode map[string]*node
	kids   map[int][]*node
}

func loadTree(ctx context.Context, client *ent.Client) (*tree, error) {
	sys := authz.SystemContext(ctx, "check grid boundaries against their neighbours")
	gs, err := client.Grid.Query().Select(grid.FieldID, grid.FieldParentID, grid.FieldLevel, grid.FieldCode, grid.FieldPath).All(sys)
	if err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	t := &tree{byID: map[int]*node{}, byCode: map[string]*node{}, kids: map[int][]*node{}}
	for _, g := range gs {
		n := &node{id: g.ID, parentID: g.ParentID, level: g.Level, code: g.Code, path: g.Path}
		t.byID[g.ID], t.byCode[g.Code] = n, n
		t.kids[g.ParentID] = append(t.kids[g.ParentID], n)
	}
	bs, err := client.GridBoundary.Query().All(sys)
	if err != nil {
		return nil, fmt.Errorf("load grid boundaries: %w", err)
	}
	for _, b := range bs {
		if n := t.byID[b.GridID]; n != nil {
			if n.shape, err = geo.ParseShape([]byte(b.Shape), geo.WGS84); err != nil {
				return nil, fmt.Errorf("boundary of grid %s: %w", n.code, err)
			}
		}
	}
	return t, nil
}

// check lists what is wrong with n's shape among its neighbours: outside its parent, a
// child outside it, overlapping a sibling.
func (t *tree) check(n *node) []string {
	probs := geo.CheckShape(n.shape)
	if len(probs) > 0 {
		return probs
	}
	if p := t.byID[n.parentID]; p != nil && p.shape != nil {
		if at, out := geo.Outside(n.shape, p.shape, ParentTolerance); out {
			probs = append(probs, fmt.Sprintf("it runs outside its parent %s (at %.6f, %.6f; %g m allowed)", p.code, at[0], at[1], ParentTolerance))
		}
	}
	for _, c := range t.kids[n.id] {
		if c.shape != nil {
			if at, out := geo.Outside(c.shape, n.shape, ParentTolerance); out {
				probs = append(probs, fmt.Sprintf("its child %s runs outside it (at %.6f, %.6f)", c.code, at[0], at[1]))
			}
		}
	}
	for _, s := range t.kids[n.parentID] {
		if s != n && s.shape != nil {
			if at, over := geo.Overlap(n.shape, s.shape, SiblingTolerance); over {
				probs = append(probs, fmt.Sprintf("it overlaps its sibling %s (at %.6f, %.6f; %g m allowed)", s.code, at[0], at[1], SiblingTolerance))
			}
		}
	}
	return probs
}

// save writes the boundaries of the nodes through client (bound to a transaction).
func save(ctx context.Context, client *ent.Client, nodes []*node) error {
	sys := authz.SystemContext(ctx, "store checked grid boundaries")
	for _, n := range nodes {
		text := geo.MarshalShape(n.shape)
		positions := 0
		for _, poly := range n.shape {
			for _, ring := range poly {
				positions += len(ring)
			}
		}
		err := client.GridBoundary.Create().SetGridID(n.id).SetShape(text).SetPositions(positions).
			OnConflictColumns(gridboundary.FieldGridID).UpdateShape().UpdatePositions().UpdateUpdatedAt().Exec(sys)
		if err != nil {
			return fmt.Errorf("store the boundary of grid %s: %w", n.code, err)
		}
	}
	return nil
}

// SetBoundary checks shape (WGS-84) as the boundary of the grid gridID and stores it, or
// with a nil shape removes the grid's boundary. The viewer needs grid/update on the grid.
func SetBoundary(ctx context.Context, client *ent.Client, gridID int, shape geo.Shape) error {
	if _, err := authz.CheckGrid(ctx, client, gridID, "gridID", authz.ObjGrid, authz.ActUpdate); err != nil {
		return err
	}
	if shape == nil {
		_, err := client.GridBoundary.Delete().Where(gridboundary.GridID(gridID)).Exec(authz.SystemContext(ctx, "remove a grid boundary"))
		return err
	}
	t, err := loadTree(ctx, client)
	if err != nil {
		return err
	}
	n := t.byID[gridID]
	n.shape = shape
	if probs := t.check(n); len(probs) > 0 {
		return apperr.Invalid("geojson", "boundary of %s: %s", n.code, strings.Join(probs, "; "))
	}
	return save(ctx, client, []*node{n})
}

// ImportResult is what an import of boundaries stored, or with DryRun would store.
type ImportResult struct {
	Stored  []string // grid codes
	Applied bool
}

// FeatureProblem is why a feature of an imported file was refused.
type FeatureProblem struct {
	Feature int    // from 1
	Code    string // the grid code it names, if any
	Reason  string
}

// ImportError lists the features refused; nothing was stored.
type ImportError struct{ Problems []FeatureProblem }

func (e *ImportError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = fmt.Sprintf("feature %d (%s): %s", p.Feature, cmp.Or(p.Code, "no code"), p.Reason)
	}
	return fmt.Sprintf("%d features refused, nothing stored:\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// Import reads a GeoJSON FeatureCollection whose features carry a grid code (properties
// "code" or "grid_code") and a Polygon or MultiPolygon given in sys, checks every feature —
// its own shape, and against the parent, children and siblings as the file and the database
// have them — and, only when none is refused and not dryRun, stores them all in one
// transaction. It runs on ctx's authority: each grid needs grid/update.
func Import(ctx context.Context, client *ent.Client, raw []byte, sys geo.System, dryRun bool) (*ImportResult, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil || fc.Type != "FeatureCollection" {
		return nil, apperr.Invalid("file", "not a GeoJSON FeatureCollection (%v)", err)
	}
	t, err := loadTree(ctx, client)
	if err != nil {
		return nil, err
	}
	var probs []FeatureProblem
	var nodes []*node
	seen := map[string]int{}
	for i, f := range fc.Features {
		code, _ := f.Properties["code"].(string)
		if code == "" {
			code, _ = f.Properties["grid_code"].(string)
		}
		refuse := func(format string, args ...any) {
			probs = append(probs, FeatureProblem{Feature: i + 1, Code: code, Reason: fmt.Sprintf(format, args...)})
		}
		n := t.byCode[code]
		switch {
		case code == "":
			refuse(`no grid code: give it as the feature's property "code"`)
			continue
		case n == nil:
			refuse("no grid with code %s", code)
			continue
		case seen[code] > 0:
			refuse("grid %s is given twice (feature %d too)", code, seen[code])
			continue
		case !authz.Allowed(ctx, n.path, authz.ObjGrid, authz.ActUpdate):
			refuse("grid %s: not found or outside your scope", code)
			continue
		}
		seen[code] = i + 1
		shape, err := geo.ParseShape(f.Geometry, sys)
		if err != nil {
			refuse("%v", err)
			continue
		}
		n.shape = shape
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		for _, p := range t.check(n) {
			probs = append(probs, FeatureProblem{Feature: seen[n.code], Code: n.code, Reason: p})
		}
	}
	if len(probs) > 0 {
		slices.SortStableFunc(probs, func(a, b FeatureProblem) int { return cmp.Compare(a.Feature, b.Feature) })
		return nil, &ImportError{Problems: probs}
	}
	res := &ImportResult{}
	for _, n := range nodes {
		res.Stored = append(res.Stored, n.code)
	}
	if dryRun {
		return res, nil
	}
	if err := store.InTx(ctx, client, func(tx *ent.Client) error { return save(ctx, tx, nodes) }); err != nil {
		return nil, err
	}
	res.Applied = true
	return res, nil
}

// Boundary is the boundary of the grid gridID in sys as GeoJSON geometry text, "" when it has
// none. The caller has checked that the viewer sees the grid.
func Boundary(ctx context.Context, client *ent.Client, gridID int, sys geo.System) (string, error) {
	b, err := client.GridBoundary.Query().Where(gridboundary.GridID(gridID)).Only(authz.SystemContext(ctx, "a visible grid's boundary"))
	if ent.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return reproject(b.Shape, sys)
}

func reproject(text string, sys geo.System) (string, error) {
	if sys == geo.WGS84 || sys == "" {
		return text, nil
	}
	shape, err := geo.ParseShape([]byte(text), geo.WGS84)
	if err != nil {
		return "", err
	}
	if shape, err = geo.ShapeIn(shape, sys); err != nil {
		return "", apperr.Invalid("coordSystem", "%v", err)
	}
	return geo.MarshalShape(shape), nil
}

// Subtree is the GeoJSON FeatureCollection of the grids under root (root included) that the
// viewer of ctx sees and that have a boundary, in sys, at most maxDepth levels below root
// (negative: no bound): one feature per grid, with its code, name, level, kind and kind label.
func Subtree(ctx context.Context, client *ent.Client, root *ent.Grid, sys geo.System, maxDepth int) (string, error) {
	sysCtx := authz.SystemContext(ctx, "boundaries of visible grids")
	bs, err := client.GridBoundary.Query().Where(gridboundary.HasGridWith(grid.PathHasPrefix(root.Path))).All(sysCtx)
	if err != nil {
		return "", err
	}
	shapeOf := map[int]string{}
	ids := make([]int, 0, len(bs))
	for _, b := range bs {
		shapeOf[b.GridID] = b.Shape
		ids = append(ids, b.GridID)
	}
	q := client.Grid.Query().Where(grid.IDIn(ids...))
	if maxDepth >= 0 {
		q = q.Where(grid.LevelLTE(root.Level + maxDepth))
	}
	grids, err := q.Order(ent.Asc(grid.FieldLevel), ent.Asc(grid.FieldCode)).All(ctx) // in the viewer's scope
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, g := range grids {
		text, err := reproject(shapeOf[g.ID], sys)
		if err != nil {
			return "", err
		}
		props, _ := json.Marshal(map[string]any{"code": g.Code, "name": g.Name, "level": g.Level, "kind": g.Kind, "kindLabel": labels.For("GridKind", string(g.Kind))})
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"type":"Feature","id":%q,"properties":%s,"geometry":%s}`, g.Code, props, text)
	}
	sb.WriteString("]}")
	return sb.String(), nil
}

// Locator finds the grid a point lies in. It keeps an index of every boundary and rebuilds it
// when they change: a change through this process at once, one by another process (or the
// command line) when it next checks, at most every recheck.
type Locator struct {
	mu      sync.Mutex
	index   *geo.Index
	version string
	checked time.Time
}

// recheck is how often a Locator asks the database whether boundaries changed.
const recheck = time.Second

// Invalidate makes the next lookup check for changed boundaries.
func (l *Locator) Invalidate() {
	l.mu.Lock()
	l.checked = time.Time{}
	l.mu.Unlock()
}

// At returns the smallest grid containing p (WGS-84), with every grid's boundary in the
// database, whether the viewer sees it or not: routing a report needs no scope.
func (l *Locator) At(ctx context.Context, client *ent.Client, p orb.Point) (geo.Area, bool, error) {
	ix, err := l.current(ctx, client)
	if err != nil {
		return geo.Area{}, false, err
	}
	a, ok := ix.At(p)
	return a, ok, nil
}

// Shape returns the boundary of the grid gridID (WGS-84), and whether it has one.
func (l *Locator) Shape(ctx context.Context, client *ent.Client, gridID int) (geo.Shape, bool, error) {
	ix, err := l.current(ctx, client)
	if err != nil {
		return nil, false, err
	}
	a, ok := ix.Of(gridID)
	return a.Shape, ok, nil
}

func (l *Locator) current(ctx context.Context, client *ent.Client) (*geo.Index, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.index != nil && time.Since(l.checked) < recheck {
		return l.index, nil
	}
	sys := authz.SystemContext(ctx, "index the grid boundaries")
	// The boundaries' version: how many, and the latest change (a removal lowers the count).
	n, err := client.GridBoundary.Query().Count(sys)
	if err != nil {
		return nil, err
	}
	version := strconv.Itoa(n)
	if last, err := client.GridBoundary.Query().Order(ent.Desc(gridboundary.FieldUpdatedAt)).Select(gridboundary.FieldUpdatedAt).First(sys); err == nil {
		version += "@" + last.UpdatedAt.UTC().Format(time.RFC3339Nano)
	} else if !ent.IsNotFound(err) {
		return nil, err
	}
	l.checked = time.Now()
	if l.index != nil && version == l.version {
		return l.index, nil
	}
	t, err := loadTree(ctx, client)
	if err != nil {
		return nil, err
	}
	var areas []geo.Area
	for _, n := range t.byID {
		if n.shape != nil {
			areas = append(areas, geo.Area{GridID: n.id, Code: n.code, Level: n.level, Shape: n.shape})
		}
	}
	l.index, l.version = geo.NewIndex(areas), version
	return l.index, nil
}
