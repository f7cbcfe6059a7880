package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// step is the length at which a track is sampled between its fixes, in metres: patrols log a
// fix every few seconds, tens of metres apart.
const step = 10.0

// projector maps WGS-84 to metres east and north of an origin (equirectangular: exact enough
// over a district).
type projector struct {
	origin orb.Point
	k      float64
}

func newProjector(origin orb.Point) projector {
	return projector{origin: origin, k: math.Cos(origin[1]*math.Pi/180) * metresPerDegree}
}

func (p projector) metres(q orb.Point) (x, y float64) {
	return (q[0] - p.origin[0]) * p.k, (q[1] - p.origin[1]) * metresPerDegree
}

func (p projector) point(x, y float64) orb.Point {
	return orb.Point{p.origin[0] + x/p.k, p.origin[1] + y/metresPerDegree}
}

// samples walks track in steps of about step metres and calls f with each step's midpoint
// and length.
func samples(track []orb.Point, f func(mid orb.Point, metres float64)) {
	if len(track) < 2 {
		return
	}
	pr := newProjector(track[0])
	for i := 0; i+1 < len(track); i++ {
		ax, ay := pr.metres(track[i])
		bx, by := pr.metres(track[i+1])
		d := math.Hypot(bx-ax, by-ay)
		n := max(1, int(math.Ceil(d/step)))
		for j := range n {
			t := (float64(j) + 0.5) / float64(n)
			f(pr.point(ax+t*(bx-ax), ay+t*(by-ay)), d/float64(n))
		}
	}
}

// Inside measures a patrol's track against its grid: the metres walked inside shape and in
// all. A track without two fixes measures 0 of 0.
func Inside(shape Shape, track []orb.Point) (inside, total float64) {
	samples(track, func(mid orb.Point, m float64) {
		total += m
		if planar.MultiPolygonContains(shape, mid) {
			inside += m
		}
	})
	return inside, total
}

// CoverageCell is the side of the lattice Coverage counts, in metres.
const CoverageCell = 100.0

// Coverage is the share of the cells of a CoverageCell lattice over shape (those whose centre
// lies in it) that some track passes through; ok is false when shape holds no cell.
func Coverage(shape Shape, tracks [][]orb.Point) (share float64, ok bool) {
	b := shape.Bound()
	pr := newProjector(b.Min)
	w, h := pr.metres(b.Max)
	cols, rows := int(math.Ceil(w/CoverageCell)), int(math.Ceil(h/CoverageCell))
	if cols <= 0 || rows <= 0 || cols*rows > 4_000_000 {
		return 0, false
	}
	inside := make([]bool, cols*rows)
	cells := 0
	for i := range cols {
		for j := range rows {
			if planar.MultiPolygonContains(shape, pr.point((float64(i)+0.5)*CoverageCell, (float64(j)+0.5)*CoverageCell)) {
				inside[i*rows+j] = true
				cells++
			}
		}
	}
	if cells == 0 {
		return 0, false
	}
	visited := map[int]bool{}
	for _, t := range tracks {
		samples(t, func(mid orb.Point, _ float64) {
			x, y := pr.metres(mid)
			i, j := int(math.Floor(x/CoverageCell)), int(math.Floor(y/CoverageCell))
			if i >= 0 && j >= 0 && i < cols && j < rows && inside[i*rows+j] {
				visited[i*rows+j] = true
			}
		})
	}
	return float64(len(visited)) / float64(cells), true
}
