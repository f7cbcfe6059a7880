package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Area is a grid with a boundary, as the index holds it.
type Area struct {
	GridID int
	Code   string
	Level  int
	Shape  Shape
	bound  orb.Bound
}

// Index finds the grids containing a point: a bucket grid over the bounding boxes (cells of
// bucketDegrees), then an exact point-in-polygon test of the few candidates. It is immutable
// once built, so lookups need no lock.
type Index struct {
	areas   []Area
	byGrid  map[int]int32
	buckets map[[2]int32][]int32
}

// bucketDegrees is the side of an index cell, about 1.1 km: a level-3 grid (a village group,
// a community's block) spans one to a few.
const bucketDegrees = 0.01

func cellOf(v float64) int32 { return int32(math.Floor(v / bucketDegrees)) }

// NewIndex indexes areas.
func NewIndex(areas []Area) *Index {
	ix := &Index{areas: make([]Area, len(areas)), byGrid: map[int]int32{}, buckets: map[[2]int32][]int32{}}
	for i, a := range areas {
		a.bound = a.Shape.Bound()
		ix.areas[i] = a
		ix.byGrid[a.GridID] = int32(i)
		for x := cellOf(a.bound.Min[0]); x <= cellOf(a.bound.Max[0]); x++ {
			for y := cellOf(a.bound.Min[1]); y <= cellOf(a.bound.Max[1]); y++ {
				ix.buckets[[2]int32{x, y}] = append(ix.buckets[[2]int32{x, y}], int32(i))
			}
		}
	}
	return ix
}

// Len is the number of areas indexed.
func (ix *Index) Len() int { return len(ix.areas) }

// Of returns the area of the grid gridID, and whether it has one.
func (ix *Index) Of(gridID int) (Area, bool) {
	i, ok := ix.byGrid[gridID]
	if !ok {
		return Area{}, false
	}
	return ix.areas[i], true
}

// At returns the smallest grid containing p (the deepest level; points on a border count as
// in), and whether there is one. A point on the border of two grids of that level goes to the
// one with the smaller code, so the same point always lands on the same grid.
func (ix *Index) At(p orb.Point) (Area, bool) {
	var best *Area
	for _, i := range ix.buckets[[2]int32{cellOf(p[0]), cellOf(p[1])}] {
		a := &ix.areas[i]
		if !a.bound.Contains(p) || (best != nil && (a.Level < best.Level || (a.Level == best.Level && a.Code > best.Code))) {
			continue
		}
		if planar.MultiPolygonContains(a.Shape, p) {
			best = a
		}
	}
	if best == nil {
		return Area{}, false
	}
	return *best, true
}
