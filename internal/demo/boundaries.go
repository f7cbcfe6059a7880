package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/geo"
	"gridgov/internal/gridmap"
)

// The demo's map (synthetic, near 113.55°E 34.75°N): the villages and communities of 须水街道
// are cells of a four-column lattice, each 0.011° × 0.008° (about 1 km × 0.9 km), placed where
// the case generator puts their centres; a village's groups split its cell into the Voronoi
// regions of their centres, so that the demo cases, drawn around those centres, lie in their
// own group. 须水街道 is the lattice's bounding box, 中原区 that box and a margin.
const (
	cellWest, cellSouth    = 113.5175, 34.7387
	cellWidth, cellHeight  = 0.011, 0.008
	districtMarginDegrees  = 0.01
	villagesPerLatticeLine = 4
)

// Boundaries is the demo's map as a GeoJSON FeatureCollection (WGS-84), one feature per grid,
// as `gridgov import boundaries` reads it.
func Boundaries() ([]byte, error) {
	p := build()
	centres := gridCentres(p)
	shapes := map[int]orb.Polygon{}
	villages := p.grids[1].children
	for i, v := range villages {
		col, row := i%villagesPerLatticeLine, i/villagesPerLatticeLine
		x0, y0 := cellWest+float64(col)*cellWidth, cellSouth+float64(row)*cellHeight
		cell := orb.Ring{{x0, y0}, {x0 + cellWidth, y0}, {x0 + cellWidth, y0 + cellHeight}, {x0, y0 + cellHeight}, {x0, y0}}
		shapes[v] = orb.Polygon{cell}
		groups := p.grids[v].children
		sites := make([]orb.Point, len(groups))
		for j, gi := range groups {
			c := centres[gi]
			sites[j] = orb.Point{c[1], c[0]}
		}
		for j, gi := range groups {
			shapes[gi] = orb.Polygon{round7Ring(geo.VoronoiCell(cell, sites, j))}
		}
	}
	rows := (len(villages) + villagesPerLatticeLine - 1) / villagesPerLatticeLine
	sub := bbox(cellWest, cellSouth, cellWest+villagesPerLatticeLine*cellWidth, cellSouth+float64(rows)*cellHeight)
	shapes[1] = sub
	m := districtMarginDegrees
	shapes[0] = bbox(sub[0][0][0]-m, sub[0][0][1]-m, sub[0][2][0]+m, sub[0][2][1]+m)
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   json.RawMessage   `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection"}
	for i, g := range p.grids {
		s, ok := shapes[i]
		if !ok {
			return nil, fmt.Errorf("demo boundaries: grid %s has no place on the map", g.code)
		}
		fc.Features = append(fc.Features, feature{"Feature", map[string]string{"code": g.code, "name": g.name},
			json.RawMessage(geo.MarshalShape(geo.Shape{s}))})
	}
	return json.Marshal(fc)
}

func bbox(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// round7Ring keeps 7 decimals (about 1 cm) of every position, as maps publish them.
func round7Ring(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = orb.Point{round7(p[0]), round7(p[1])}
	}
	return out
}

// round7 keeps 7 decimals (about 1 cm).
func round7(v float64) float64 {
	const k = 1e7
	if v < 0 {
		return -float64(int64(-v*k+0.5)) / k
	}
	return float64(int64(v*k+0.5)) / k
}

// LoadBoundaries stores the demo's map unless some grid has a boundary already.
func LoadBoundaries(ctx context.Context, client *ent.Client) error {
	sys := authz.SystemContext(ctx, "load the demo's grid boundaries")
	if n, err := client.GridBoundary.Query().Count(sys); err != nil || n > 0 {
		return err
	}
	data, err := Boundaries()
	if err != nil {
		return err
	}
	_, err = gridmap.Import(sys, client, data, geo.WGS84, false)
	return err
}
