package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Shape is a grid's boundary: one polygon or several, WGS-84.
type Shape = orb.MultiPolygon

// MaxVertices bounds the positions of one boundary: a village's outline drawn by hand has
// hundreds; more is a survey export that should be simplified first.
const MaxVertices = 20000

// ParseShape reads a GeoJSON geometry — a Polygon or a MultiPolygon, or a Feature holding one
// — given in sys, and returns it in WGS-84.
func ParseShape(raw []byte, sys System) (Shape, error) {
	var g struct {
		Type        string          `json:"type"`
		Geometry    json.RawMessage `json:"geometry"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %v", err)
	}
	if g.Type == "Feature" {
		if len(g.Geometry) == 0 || string(g.Geometry) == "null" {
			return nil, errors.New("the feature has no geometry")
		}
		return ParseShape(g.Geometry, sys)
	}
	var shape Shape
	switch g.Type {
	case "Polygon":
		var poly [][][]float64
		if err := json.Unmarshal(g.Coordinates, &poly); err != nil {
			return nil, fmt.Errorf("a Polygon's coordinates are rings of [longitude, latitude]: %v", err)
		}
		shape = Shape{polygon(poly)}
	case "MultiPolygon":
		var polys [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, fmt.Errorf("a MultiPolygon's coordinates are polygons of rings of [longitude, latitude]: %v", err)
		}
		for _, p := range polys {
			shape = append(shape, polygon(p))
		}
	default:
		return nil, fmt.Errorf("a boundary is a Polygon or MultiPolygon, not %q", g.Type)
	}
	for _, poly := range shape {
		for _, ring := range poly {
			for _, p := range ring {
				if math.IsNaN(p[0]) { // a position without two numbers
					return nil, errors.New("every position is [longitude, latitude]")
				}
			}
		}
	}
	return convertShape(shape, sys, ToWGS84)
}

// polygon turns GeoJSON rings into an orb polygon; a position without two numbers becomes NaN,
// which ParseShape refuses.
func polygon(rings [][][]float64) orb.Polygon {
	out := make(orb.Polygon, len(rings))
	for i, r := range rings {
		out[i] = make(orb.Ring, len(r))
		for j, p := range r {
			if len(p) < 2 {
				out[i][j] = orb.Point{math.NaN(), math.NaN()}
				continue
			}
			out[i][j] = orb.Point{p[0], p[1]}
		}
	}
	return out
}

// ShapeIn returns shape, in WGS-84, converted to sys.
func ShapeIn(shape Shape, sys System) (Shape, error) { return convertShape(shape, sys, FromWGS84) }

func convertShape(shape Shape, sys System, conv func(orb.Point, System) (orb.Point, error)) (Shape, error) {
	if !sys.Valid() && sys != "" {
		return nil, fmt.Errorf("unknown coordinate system %q (WGS84, GCJ02 or BD09)", sys)
	}
	if sys == WGS84 || sys == "" {
		return shape, nil
	}
	out := make(Shape, len(shape))
	for i, poly := range shape {
		out[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			out[i][j] = make(orb.Ring, len(ring))
			for k, p := range ring {
				q, err := conv(p, sys)
				if err != nil {
					return nil, err
				}
				out[i][j][k] = q
			}
		}
	}
	return out, nil
}

// MarshalShape is shape as GeoJSON geometry text: a Polygon when it is one, else a
// MultiPolygon.
func MarshalShape(shape Shape) string {
	var g struct {
		Type        string `json:"type"`
		Coordinates any    `json:"coordinates"`
	}
	coords := func(poly orb.Polygon) [][][2]float64 {
		out := make([][][2]float64, len(poly))
		for i, ring := range poly {
			out[i] = make([][2]float64, len(ring))
			for j, p := range ring {
				out[i][j] = [2]float64{p[0], p[1]}
			}
		}
		return out
	}
	if len(shape) == 1 {
		g.Type, g.Coordinates = "Polygon", coords(shape[0])
	} else {
		polys := make([][][][2]float64, len(shape))
		for i, p := range shape {
			polys[i] = coords(p)
		}
		g.Type, g.Coordinates = "MultiPolygon", polys
	}
	b, err := json.Marshal(g)
	if err != nil {
		panic(err) // a checked shape holds finite numbers only, which always marshal
	}
	return string(b)
}

// CheckShape lists what is wrong with shape on its own: too few positions, rings not closed,
// coordinates out of range, rings that cross themselves, holes outside their polygon.
func CheckShape(shape Shape) []string {
	var probs []string
	if len(shape) == 0 {
		return []string{"the boundary has no polygon"}
	}
	n := 0
	for i, poly := range shape {
		if len(poly) == 0 {
			probs = append(probs, fmt.Sprintf("polygon %d has no ring", i+1))
			continue
		}
		for j, ring := range poly {
			n += len(ring)
			where := fmt.Sprintf("polygon %d ring %d", i+1, j+1)
			if len(ring) < 4 {
				probs = append(probs, where+" has fewer than 4 positions (a closed ring repeats its first)")
				continue
			}
			if ring[0] != ring[len(ring)-1] {
				probs = append(probs, where+" is not closed: its last position must repeat its first")
				continue
			}
			for _, p := range ring {
				if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
					probs = append(probs, fmt.Sprintf("%s has the position %v out of range (longitude first, then latitude)", where, p))
					break
				}
			}
			if a, b, ok := selfIntersection(ring); ok {
				probs = append(probs, fmt.Sprintf("%s crosses itself (edges %d and %d)", where, a+1, b+1))
			}
			if j > 0 && !ringWithin(ring, poly[0]) {
				probs = append(probs, where+" is a hole outside its polygon")
			}
		}
	}
	if n > MaxVertices {
		probs = append(probs, fmt.Sprintf("%d positions: at most %d (simplify the boundary)", n, MaxVertices))
	}
	return probs
}

// selfIntersection finds two non-adjacent edges of ring that cross or touch.
func selfIntersection(ring orb.Ring) (int, int, bool) {
	edges := len(ring) - 1
	if edges > 4000 { // quadratic: leave giant rings to the vertex bound
		return 0, 0, false
	}
	for i := range edges {
		for j := i + 2; j < edges; j++ {
			if i == 0 && j == edges-1 {
				continue // the closing edge meets the first at ring[0]
			}
			if segmentsMeet(ring[i], ring[i+1], ring[j], ring[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func cross(o, a, b orb.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }

// segmentsMeet reports whether segments pq and rs share a point.
func segmentsMeet(p, q, r, s orb.Point) bool {
	d1, d2 := cross(r, s, p), cross(r, s, q)
	d3, d4 := cross(p, q, r), cross(p, q, s)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(a, b, c orb.Point, d float64) bool {
		return d == 0 && math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) && math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
	}
	return on(r, s, p, d1) || on(r, s, q, d2) || on(p, q, r, d3) || on(p, q, s, d4)
}

func ringWithin(inner, outer orb.Ring) bool {
	for _, p := range inner {
		if !planar.RingContains(outer, p) {
			return false
		}
	}
	return true
}

// metresPerDegree is the length of a degree of latitude (and of longitude at the equator).
const metresPerDegree = 111320.0

// distanceMetres is the distance from p to the boundary of shape, in metres (an
// equirectangular approximation at p's latitude: exact enough over a village).
func distanceMetres(shape Shape, p orb.Point) float64 {
	k := math.Cos(p[1] * math.Pi / 180)
	best := math.Inf(1)
	for _, poly := range shape {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				a := orb.Point{(ring[i][0] - p[0]) * k, ring[i][1] - p[1]}
				b := orb.Point{(ring[i+1][0] - p[0]) * k, ring[i+1][1] - p[1]}
				best = math.Min(best, planar.DistanceFromSegment(a, b, orb.Point{}))
			}
		}
	}
	return best * metresPerDegree
}

// Outside returns a position of child outside parent by more than tolMetres, if any: a
// child grid lies within its parent (up to the tolerance of two hand-drawn outlines).
func Outside(child, parent Shape, tolMetres float64) (orb.Point, bool) {
	for _, poly := range child {
		for _, p := range poly[0] {
			if !planar.MultiPolygonContains(parent, p) && distanceMetres(parent, p) > tolMetres {
				return p, true
			}
		}
	}
	return orb.Point{}, false
}

// Overlap returns a position of one shape inside the other by more than tolMetres, if any:
// siblings may share borders, not land. The check samples each outline (its positions and
// the quarter points of its edges), which finds a sibling drawn over another or into it; two
// outlines that cross between samples only, like a thin plus sign, can go unnoticed.
func Overlap(a, b Shape, tolMetres float64) (orb.Point, bool) {
	if !a.Bound().Intersects(b.Bound()) {
		return orb.Point{}, false
	}
	for _, pair := range [2][2]Shape{{a, b}, {b, a}} {
		for _, poly := range pair[0] {
			ring := poly[0]
			for i := 0; i+1 < len(ring); i++ {
				for _, f := range [...]float64{0, 0.25, 0.5, 0.75} {
					p := orb.Point{ring[i][0] + f*(ring[i+1][0]-ring[i][0]), ring[i][1] + f*(ring[i+1][1]-ring[i][1])}
					if planar.MultiPolygonContains(pair[1], p) && distanceMetres(pair[1], p) > tolMetres {
						return p, true
					}
				}
			}
		}
	}
	return orb.Point{}, false
}
