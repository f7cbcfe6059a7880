package demo

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"

	"gridgov/internal/geo"
	"gridgov/internal/gridmap"
)

// TestDemoBoundaries: the demo map's 112 outlines pass the checks a real import makes (each
// child inside its parent, siblings not overlapping), and nearly every demo case with a
// position lies in the level-3 grid it was reported on.
func TestDemoBoundaries(t *testing.T) {
	data, err := Boundaries()
	if err != nil {
		t.Fatal(err)
	}
	p := build()
	shapes := map[string]geo.Shape{}
	var areas []geo.Area
	fc := parseFeatures(t, data)
	if len(fc) != len(p.grids) {
		t.Fatalf("%d features for %d grids", len(fc), len(p.grids))
	}
	for code, raw := range fc {
		s, err := geo.ParseShape(raw, geo.WGS84)
		if err != nil {
			t.Fatal(err)
		}
		if probs := geo.CheckShape(s); len(probs) > 0 {
			t.Errorf("%s: %q", code, probs)
		}
		shapes[code] = s
	}
	for i, g := range p.grids {
		areas = append(areas, geo.Area{GridID: i, Code: g.code, Level: g.depth, Shape: shapes[g.code]})
		if g.parent >= 0 {
			if at, out := geo.Outside(shapes[g.code], shapes[p.grids[g.parent].code], gridmap.ParentTolerance); out {
				t.Errorf("%s runs outside its parent at %v", g.code, at)
			}
		}
		for _, c := range g.children {
			for _, d := range g.children {
				if c < d {
					if at, over := geo.Overlap(shapes[p.grids[c].code], shapes[p.grids[d].code], gridmap.SiblingTolerance); over {
						t.Errorf("%s overlaps %s at %v", p.grids[c].code, p.grids[d].code, at)
					}
				}
			}
		}
	}
	// The generator drew the cases' positions around their groups' centres before there were
	// boundaries, with a spread close to the groups' spacing: they lie in their village, and
	// mostly in their group.
	ix := geo.NewIndex(areas)
	village := func(i int) int {
		for p.grids[i].depth > 2 {
			i = p.grids[i].parent
		}
		return i
	}
	cases, group, inVillage := 0, 0, 0
	for _, e := range demoCases(t, p) {
		if e.latitude == nil {
			continue
		}
		cases++
		a, ok := ix.At(orb.Point{*e.longitude, *e.latitude})
		if !ok {
			continue
		}
		if a.GridID == e.origin || p.grids[a.GridID].parent == e.origin { // a hotline case starts on the village
			group++
		}
		if village(a.GridID) == village(e.origin) {
			inVillage++
		}
	}
	t.Logf("of %d located demo cases, %d lie in their own group, %d in their own village", cases, group, inVillage)
	if cases < 300 || float64(inVillage) < 0.97*float64(cases) || float64(group) < 0.75*float64(cases) {
		t.Errorf("of %d located demo cases, %d lie in their own group (want 75%%), %d in their own village (want 97%%)", cases, group, inVillage)
	}
}

// demoCases are the demo's cases as planned over p.
func demoCases(t *testing.T, p *plan) []*eventRow {
	t.Helper()
	events, err := planEvents(p, taxonomyLimits())
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// parseFeatures maps each feature's code to its geometry.
func parseFeatures(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties struct{ Code string }
			Geometry   json.RawMessage
		}
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range fc.Features {
		out[f.Properties.Code] = f.Geometry
	}
	return out
}
