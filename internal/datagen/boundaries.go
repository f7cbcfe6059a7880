package datagen

import (
	"math"

	"github.com/paulmach/orb"

	"gridgov/internal/geo"
)

// boundaryMargin is how far the root's outline reaches beyond the outermost grid centre.
const boundaryMargin = 0.05

// boundaries gives every grid of p an outline (WGS-84), level by level: the
// roots share the box around every centre, and each grid's children split its outline into
// the Voronoi regions of their centres, so children tile their parent without overlapping
// and the cases drawn around a centre mostly lie in their grid. A grid whose region comes
// out empty (its centre jittered beyond its siblings', outside its parent) has none, nor do
// its descendants.
func boundaries(p *plan) map[int]orb.Ring {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	kids := map[int][]int{}
	for i, g := range p.grids {
		minX, maxX = math.Min(minX, g.lng), math.Max(maxX, g.lng)
		minY, maxY = math.Min(minY, g.lat), math.Max(maxY, g.lat)
		kids[g.parent] = append(kids[g.parent], i)
	}
	m := boundaryMargin
	box := orb.Ring{{minX - m, minY - m}, {maxX + m, minY - m}, {maxX + m, maxY + m}, {minX - m, maxY + m}, {minX - m, minY - m}}
	rings := map[int]orb.Ring{}
	var split func(parent int, cell orb.Ring)
	split = func(parent int, cell orb.Ring) {
		children := kids[parent]
		sites := make([]orb.Point, len(children))
		for j, c := range children {
			sites[j] = orb.Point{p.grids[c].lng, p.grids[c].lat}
		}
		for j, c := range children {
			if r := geo.VoronoiCell(cell, sites, j); r != nil {
				rings[c] = r
				split(c, r)
			}
		}
	}
	split(-1, box)
	return rings
}

// boundaryRows copies the outlines into grid_boundaries.
func (l *loader) boundaryRows(p *plan) func() error {
	return func() error {
		shapes := boundaries(p)
		return l.copy("grid_boundaries", []string{"created_at", "updated_at", "shape", "positions", "grid_id"}, func(put func(...any) error) error {
			for i, g := range p.grids {
				r, ok := shapes[i]
				if !ok {
					continue
				}
				if err := put(p.created, p.created, geo.MarshalShape(geo.Shape{{r}}), len(r), g.id); err != nil {
					return err
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}
