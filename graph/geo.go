package graph

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/patrol"
	"gridgov/ent/schema/track"
	"gridgov/graph/model"
	"gridgov/internal/apperr"
	"gridgov/internal/geo"
)

// wgs84 converts a point given as latitude and longitude in sys to WGS-84; nil when either
// is missing. Out-of-range values are refused with the field they are in.
func wgs84(lat, lng *float64, sys model.CoordSystem) (*orb.Point, error) {
	if lat == nil || lng == nil {
		return nil, nil
	}
	if *lat < -90 || *lat > 90 {
		return nil, apperr.Invalid("latitude", "latitude %g is outside -90…90", *lat)
	}
	if *lng < -180 || *lng > 180 {
		return nil, apperr.Invalid("longitude", "longitude %g is outside -180…180", *lng)
	}
	p, err := geo.ToWGS84(orb.Point{*lng, *lat}, geo.System(sys))
	if err != nil {
		return nil, apperr.Invalid("coordSystem", "%v", err)
	}
	return &p, nil
}

// gridAtPoint finds the grid containing p (WGS-84) for routing a report: any grid with a
// boundary, whoever asks (the report's own rights are checked where it lands).
func (r *Resolver) gridAtPoint(ctx context.Context, client *ent.Client, p orb.Point) (geo.Area, error) {
	a, ok, err := r.Geo.At(ctx, client, p)
	if err != nil {
		return geo.Area{}, err
	}
	if !ok {
		return geo.Area{}, apperr.Invalid("location", "the point (longitude %.6f, latitude %.6f, WGS-84) lies in no grid with a boundary: give the grid instead", p[0], p[1])
	}
	return a, nil
}

// latLng splits p into the pointers the workflow takes; nil stays nil.
func latLng(p *orb.Point) (lat, lng *float64) {
	if p == nil {
		return nil, nil
	}
	return &p[1], &p[0]
}

// patrolInside measures a patrol's track against its grid's boundary: metres inside and in
// all; ok is false without a track of length or a boundary.
func (r *Resolver) patrolInside(ctx context.Context, p *ent.Patrol) (inside, total float64, ok bool, err error) {
	shape, has, err := r.Geo.Shape(ctx, r.client(ctx), p.GridID)
	if err != nil || !has {
		return 0, 0, false, err
	}
	inside, total = geo.Inside(shape, trackPoints(p.Track))
	return inside, total, total > 0, nil
}

func trackPoints(t []track.Point) []orb.Point {
	out := make([]orb.Point, len(t))
	for i, p := range t {
		out[i] = orb.Point{p.Lng, p.Lat}
	}
	return out
}

// addPatrolCoverage fills in the rows' patrol coverage: each row's grid (a child of root, root
// itself for the key "" and the totals) against the tracks of the period's patrols under it
// that the viewer sees.
func (r *Resolver) addPatrolCoverage(ctx context.Context, client *ent.Client, root *ent.Grid, from, to time.Time, out *model.WorkRollup) error {
	if root == nil {
		return nil
	}
	patrols, err := client.Patrol.Query().Where(patrol.GridPathHasPrefix(root.Path), patrol.StartedAtGTE(from), patrol.StartedAtLT(to)).
		Select(patrol.FieldGridPath, patrol.FieldTrack).All(ctx)
	if err != nil {
		return err
	}
	cover := func(g *ent.Grid) (*float64, error) {
		shape, has, err := r.Geo.Shape(ctx, client, g.ID)
		if err != nil || !has {
			return nil, err
		}
		var tracks [][]orb.Point
		for _, p := range patrols {
			if strings.HasPrefix(p.GridPath, g.Path) {
				tracks = append(tracks, trackPoints(p.Track))
			}
		}
		share, ok := geo.Coverage(shape, tracks)
		if !ok {
			return nil, nil
		}
		return &share, nil
	}
	whole, err := cover(root)
	if err != nil {
		return err
	}
	out.Totals.PatrolCoverage = whole
	// The rows' grids in one statement, in the viewer's scope.
	var ids []int
	for _, row := range out.Rows {
		if id, err := strconv.Atoi(row.Key); err == nil {
			ids = append(ids, id)
		}
	}
	grids, err := client.Grid.Query().Where(grid.IDIn(ids...)).All(ctx)
	if err != nil {
		return err
	}
	byKey := make(map[string]*ent.Grid, len(grids))
	for _, g := range grids {
		byKey[strconv.Itoa(g.ID)] = g
	}
	for _, row := range out.Rows {
		if row.Key == "" {
			row.PatrolCoverage = whole
			continue
		}
		if g := byKey[row.Key]; g != nil {
			if row.PatrolCoverage, err = cover(g); err != nil {
				return err
			}
		}
	}
	return nil
}

// positionIn is the WGS-84 point (lng, lat) in sys.
func positionIn(lng, lat float64, sys model.CoordSystem) (*model.Position, error) {
	p, err := geo.FromWGS84(orb.Point{lng, lat}, geo.System(sys))
	if err != nil {
		return nil, apperr.Invalid("coordSystem", "%v", err)
	}
	return &model.Position{Longitude: p[0], Latitude: p[1], CoordSystem: sys}, nil
}
