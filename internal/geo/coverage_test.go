package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestInsideAndCoverage: a 1 km square at the demo's latitude, a track along its middle and
// then 500 m out of it; the 100 m lattice has 100 cells, of which the track crosses 10.
func TestInsideAndCoverage(t *testing.T) {
	origin := orb.Point{113.55, 34.75}
	pr := newProjector(origin)
	corner := pr.point(1000, 1000)
	square := Shape{{{origin, {corner[0], origin[1]}, corner, {origin[0], corner[1]}, origin}}}
	along := []orb.Point{pr.point(0.1, 450), pr.point(999.9, 450)}
	out := append(along, pr.point(1499.9, 450))
	inside, total := Inside(square, out)
	if math.Abs(inside-1000) > 15 || math.Abs(total-1500) > 15 {
		t.Errorf("inside %.0f m of %.0f m, want 1000 of 1500", inside, total)
	}
	share, ok := Coverage(square, [][]orb.Point{along})
	if !ok || math.Abs(share-0.10) > 0.011 {
		t.Errorf("coverage %.3f (%v), want 0.10", share, ok)
	}
	if share, _ := Coverage(square, nil); share != 0 {
		t.Errorf("coverage without tracks %.3f", share)
	}
	if _, total := Inside(square, along[:1]); total != 0 {
		t.Errorf("a one-fix track measures %.0f m", total)
	}
}
