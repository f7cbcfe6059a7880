package geo

import "github.com/paulmach/orb"

// VoronoiCell is the part of the convex ring cell nearer to sites[i] than to any other site
// (cell clipped by the half-plane of each bisector), as a closed ring; nil when that part is
// empty (a site outside the cell, beyond the others). Synthetic maps split an area among the
// centres of the grids in it this way: the cells tile it without overlapping.
func VoronoiCell(cell orb.Ring, sites []orb.Point, i int) orb.Ring {
	poly := []orb.Point(cell[:len(cell)-1])
	s := sites[i]
	for j, o := range sites {
		if j == i || o == s {
			continue
		}
		// Keep the points p with (p - mid) · (o - s) <= 0.
		mid := orb.Point{(s[0] + o[0]) / 2, (s[1] + o[1]) / 2}
		n := orb.Point{o[0] - s[0], o[1] - s[1]}
		side := func(p orb.Point) float64 { return (p[0]-mid[0])*n[0] + (p[1]-mid[1])*n[1] }
		var out []orb.Point
		for k := range poly {
			a, b := poly[k], poly[(k+1)%len(poly)]
			sa, sb := side(a), side(b)
			if sa <= 0 {
				out = append(out, a)
			}
			if (sa < 0 && sb > 0) || (sa > 0 && sb < 0) {
				t := sa / (sa - sb)
				out = append(out, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
			}
		}
		poly = out
	}
	if len(poly) < 3 {
		return nil
	}
	ring := append(orb.Ring{}, poly...)
	return append(ring, ring[0])
}
