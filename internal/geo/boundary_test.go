package geo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// rect is a closed rectangle ring polygon.
func rect(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

func TestParseAndCheck(t *testing.T) {
	shape, err := ParseShape([]byte(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[113.5,34.7],[113.6,34.7],[113.6,34.8],[113.5,34.8],[113.5,34.7]]]}}`), WGS84)
	if err != nil || len(shape) != 1 || len(CheckShape(shape)) != 0 {
		t.Fatalf("a good feature: %v %v %v", shape, err, CheckShape(shape))
	}
	if again, err := ParseShape([]byte(MarshalShape(shape)), WGS84); err != nil || MarshalShape(again) != MarshalShape(shape) {
		t.Errorf("marshalled and read back: %v %v", again, err)
	}
	for _, c := range []struct{ geojson, want string }{
		{`{"type":"Point","coordinates":[1,2]}`, "not \"Point\""},
		{`{"type":"Polygon","coordinates":[[[1,2],[3]]]}`, "[longitude, latitude]"},
		{`not json`, "not GeoJSON"},
	} {
		if _, err := ParseShape([]byte(c.geojson), WGS84); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.geojson, err, c.want)
		}
	}
	for _, c := range []struct {
		shape Shape
		want  string
	}{
		{Shape{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, "not closed"},
		{Shape{{{{0, 0}, {1, 0}, {0, 0}}}}, "fewer than 4"},
		{Shape{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}, "crosses itself"},
		{Shape{{{{0, 0}, {200, 0}, {200, 1}, {0, 0}}}}, "out of range"},
		{Shape{append(rect(0, 0, 1, 1), orb.Ring{{2, 2}, {3, 2}, {3, 3}, {2, 2}})}, "hole outside"},
	} {
		if probs := CheckShape(c.shape); len(probs) == 0 || !strings.Contains(strings.Join(probs, "; "), c.want) {
			t.Errorf("%v: %q, want %q", c.shape, probs, c.want)
		}
	}
}

func TestWithinAndOverlap(t *testing.T) {
	parent := Shape{rect(113.50, 34.70, 113.60, 34.80)}
	inside := Shape{rect(113.51, 34.71, 113.55, 34.75)}
	// 0.0001° of longitude is about 9 m here: within a 20 m tolerance, beyond a 5 m one.
	spill := Shape{rect(113.55, 34.71, 113.6001, 34.75)}
	if _, out := Outside(inside, parent, 0); out {
		t.Error("a child inside is outside")
	}
	if _, out := Outside(spill, parent, 20); out {
		t.Error("9 m over the border with 20 m tolerance is outside")
	}
	if _, out := Outside(spill, parent, 5); !out {
		t.Error("9 m over the border with 5 m tolerance is inside")
	}
	left, right := Shape{rect(113.50, 34.70, 113.55, 34.80)}, Shape{rect(113.55, 34.70, 113.60, 34.80)}
	if _, over := Overlap(left, right, 1); over {
		t.Error("siblings sharing a border overlap")
	}
	if _, over := Overlap(left, Shape{rect(113.54, 34.70, 113.60, 34.80)}, 1); !over {
		t.Error("siblings sharing 900 m of land do not overlap")
	}
}

func TestIndexAt(t *testing.T) {
	ix := NewIndex([]Area{
		{GridID: 1, Code: "A", Level: 1, Shape: Shape{rect(113.50, 34.70, 113.60, 34.80)}},
		{GridID: 2, Code: "A1", Level: 2, Shape: Shape{rect(113.50, 34.70, 113.55, 34.80)}},
		{GridID: 3, Code: "A2", Level: 2, Shape: Shape{rect(113.55, 34.70, 113.60, 34.80)}},
	})
	for _, c := range []struct {
		p    orb.Point
		want string
	}{
		{orb.Point{113.52, 34.75}, "A1"},
		{orb.Point{113.58, 34.75}, "A2"},
		{orb.Point{113.55, 34.75}, "A1"}, // on the shared border: the smaller code, every time
		{orb.Point{113.70, 34.75}, ""},
	} {
		a, ok := ix.At(c.p)
		if got := map[bool]string{true: a.Code}[ok]; got != c.want {
			t.Errorf("At(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

// cityAreas is a city-sized layout: a 175 × 175 lattice of level-3 squares (30,625 grids),
// each about 110 m across, under 35 × 35 level-2 blocks.
func cityAreas() []Area {
	const n, side = 175, 0.001
	var out []Area
	for i := range n {
		for j := range n {
			x, y := 113.4+float64(i)*side, 34.6+float64(j)*side
			out = append(out, Area{GridID: len(out) + 1, Code: fmt.Sprintf("G%03d%03d", i, j), Level: 3, Shape: Shape{rect(x, y, x+side, y+side)}})
		}
	}
	for i := range 35 {
		for j := range 35 {
			x, y := 113.4+float64(i)*5*side, 34.6+float64(j)*5*side
			out = append(out, Area{GridID: len(out) + 1, Code: fmt.Sprintf("B%02d%02d", i, j), Level: 2, Shape: Shape{rect(x, y, x+5*side, y+5*side)}})
		}
	}
	return out
}

// BenchmarkIndexAtCity: one lookup among 30,625 level-3 grids and their 1,225 blocks (the bar
// is 50 µs):
//
//	go test ./internal/geo -run '^$' -bench IndexAtCity
func BenchmarkIndexAtCity(b *testing.B) {
	ix := NewIndex(cityAreas())
	points := make([]orb.Point, 1024)
	for i := range points {
		points[i] = orb.Point{113.4 + float64(i*37%1750)*0.0001, 34.6 + float64(i*53%1750)*0.0001}
	}
	i := 0
	for b.Loop() {
		if _, ok := ix.At(points[i%len(points)]); !ok {
			b.Fatalf("%v is in no grid", points[i%len(points)])
		}
		i++
	}
}
