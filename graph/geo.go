package graph

import (
	"context"

	"github.com/paulmach/orb"

	"gridgov/ent"
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
