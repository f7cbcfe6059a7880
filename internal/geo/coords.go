// Package geo is gridgov's geography: the coordinate systems Chinese maps use and their
// conversion to and from WGS-84, grid boundaries (checked before they are stored), and an
// in-memory index that finds the grid containing a point. Coordinates are WGS-84 (longitude,
// latitude, GeoJSON order) everywhere inside gridgov; other systems are converted at the edge.
package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// System is a coordinate system a point may be given in.
type System string

// The coordinate systems accepted.
const (
	// WGS84 is GPS's system, GeoJSON's and the standards' (CGCS2000 differs by centimetres).
	WGS84 System = "WGS84"
	// GCJ02 is the system of AMap (高德) and Tencent maps (火星坐标), WGS-84 shifted by the
	// published obfuscation within China, unchanged outside.
	GCJ02 System = "GCJ02"
	// BD09 is Baidu's, GCJ-02 shifted once more.
	BD09 System = "BD09"
)

// Systems are the coordinate systems, in order.
var Systems = []System{WGS84, GCJ02, BD09}

// Valid reports whether s is one of Systems.
func (s System) Valid() bool { return s == WGS84 || s == GCJ02 || s == BD09 }

// ToWGS84 converts p, given in sys, to WGS-84.
func ToWGS84(p orb.Point, sys System) (orb.Point, error) {
	switch sys {
	case WGS84, "":
		return p, nil
	case GCJ02:
		return gcjToWGS(p), nil
	case BD09:
		return gcjToWGS(bdToGCJExact(p)), nil
	}
	return p, fmt.Errorf("unknown coordinate system %q (WGS84, GCJ02 or BD09)", sys)
}

// FromWGS84 converts p, in WGS-84, to sys.
func FromWGS84(p orb.Point, sys System) (orb.Point, error) {
	switch sys {
	case WGS84, "":
		return p, nil
	case GCJ02:
		return wgsToGCJ(p), nil
	case BD09:
		return gcjToBD(wgsToGCJ(p)), nil
	}
	return p, fmt.Errorf("unknown coordinate system %q (WGS84, GCJ02 or BD09)", sys)
}

// The published GCJ-02 constants: the Krasovsky 1940 ellipsoid's semi-major axis and
// eccentricity squared.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
	bdXPi       = math.Pi * 3000.0 / 180.0
)

// outOfChina: GCJ-02 shifts only points within China's rough bounding box.
func outOfChina(p orb.Point) bool {
	return p[0] < 72.004 || p[0] > 137.8347 || p[1] < 0.8293 || p[1] > 55.8271
}

func wgsToGCJ(p orb.Point) orb.Point {
	if outOfChina(p) {
		return p
	}
	lng, lat := p[0], p[1]
	dLat := shiftLat(lng-105.0, lat-35.0)
	dLng := shiftLng(lng-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = (dLng * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lng + dLng, lat + dLat}
}

// gcjToWGS inverts wgsToGCJ by fixed-point iteration: the shift varies slowly, so a few
// rounds bring the error under a millimetre (the one-step approximation is off by metres).
func gcjToWGS(p orb.Point) orb.Point {
	if outOfChina(p) {
		return p
	}
	w := p
	for range 10 {
		g := wgsToGCJ(w)
		dx, dy := p[0]-g[0], p[1]-g[1]
		w = orb.Point{w[0] + dx, w[1] + dy}
		if math.Abs(dx) < 1e-10 && math.Abs(dy) < 1e-10 {
			break
		}
	}
	return w
}

func gcjToBD(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

func bdToGCJ(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}

// bdToGCJExact refines the published inverse (off by up to ~5 cm) by fixed-point iteration on
// the forward formula.
func bdToGCJExact(p orb.Point) orb.Point {
	g := bdToGCJ(p)
	for range 10 {
		b := gcjToBD(g)
		dx, dy := p[0]-b[0], p[1]-b[1]
		g = orb.Point{g[0] + dx, g[1] + dy}
		if math.Abs(dx) < 1e-11 && math.Abs(dy) < 1e-11 {
			break
		}
	}
	return g
}

func shiftLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func shiftLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}
