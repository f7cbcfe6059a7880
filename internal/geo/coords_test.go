package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// near reports whether a and b are within tol degrees in both coordinates.
func near(a, b orb.Point, tol float64) bool {
	return math.Abs(a[0]-b[0]) <= tol && math.Abs(a[1]-b[1]) <= tol
}

// TestReferencePoints checks the conversions against the published reference values of the
// formulas (Tiananmen, 116.404 E 39.915 N, as commonly used by the open-source
// implementations of the conversion) to 1e-6 degrees (about 0.1 m).
func TestReferencePoints(t *testing.T) {
	p := orb.Point{116.404, 39.915}
	for _, c := range []struct {
		name      string
		got, want orb.Point
	}{
		{"WGS-84 → GCJ-02", wgsToGCJ(p), orb.Point{116.41024449916938, 39.91640428150164}},
		{"GCJ-02 → BD-09", gcjToBD(p), orb.Point{116.41036949371029, 39.92133699351022}},
		{"BD-09 → GCJ-02", bdToGCJ(p), orb.Point{116.39762729119315, 39.90865673957631}},
	} {
		if !near(c.got, c.want, 1e-6) {
			t.Errorf("%s of %v = %v, want %v", c.name, p, c.got, c.want)
		}
	}
	// Outside China nothing is shifted.
	if london := (orb.Point{-0.1276, 51.5072}); wgsToGCJ(london) != london {
		t.Errorf("London shifted to %v", wgsToGCJ(london))
	}
}

// TestRoundTrips: each system converted to WGS-84 and back lands within a millimetre-scale
// 1e-8 degrees, near Zhengzhou (where the demo is) and across China.
func TestRoundTrips(t *testing.T) {
	for _, p := range []orb.Point{{113.55, 34.75}, {116.404, 39.915}, {121.47, 31.23}, {87.6, 43.8}, {110.3, 20.0}} {
		for _, sys := range Systems {
			there, err := FromWGS84(p, sys)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ToWGS84(there, sys)
			if err != nil {
				t.Fatal(err)
			}
			if !near(back, p, 1e-8) {
				t.Errorf("%v via %s came back as %v", p, sys, back)
			}
			if sys != WGS84 && near(there, p, 1e-4) {
				t.Errorf("%v in %s is %v: not shifted", p, sys, there)
			}
		}
	}
	if _, err := ToWGS84(orb.Point{1, 1}, "UTM"); err == nil {
		t.Error("an unknown system was accepted")
	}
}
