package graph_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridgov/ent/event"
	"gridgov/ent/eventcategory"
	"gridgov/internal/dbtest"
	"gridgov/internal/geo"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// rectGeoJSON is a rectangle as a GeoJSON Polygon.
func rectGeoJSON(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// gcj is p (WGS-84) as a phone's map gives it: GCJ-02.
func gcj(t *testing.T, p orb.Point) orb.Point {
	t.Helper()
	q, err := geo.FromWGS84(p, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestGridGeography: boundaries set through the API are checked against parent and siblings;
// gridAt and the reports find the grid at a point given in GCJ-02, as a phone map sends it; a
// point in no grid is refused with a resident's message; gridBoundaries and gridAt keep to
// the viewer's scope, and only those who may change a grid set its boundary.
func TestGridGeography(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		if err := workflow.SeedCategories(servertest.System(), db.Client); err != nil {
			t.Fatal(err)
		}
		const set = `mutation($g: ID!, $j: String, $s: CoordSystem!) { setGridBoundary(gridID: $g, geojson: $j, coordSystem: $s) { code } }`
		setBoundary := func(token, key, geojson string) *servertest.Response {
			t.Helper()
			return f.env.Do(t, token, set, map[string]any{"g": g[key].ID, "j": geojson, "s": "WGS84"})
		}
		for key, shape := range map[string]string{
			"v1":  rectGeoJSON(113.50, 34.70, 113.52, 34.72),
			"g11": rectGeoJSON(113.50, 34.70, 113.51, 34.72),
			"g12": rectGeoJSON(113.51, 34.70, 113.52, 34.72),
			"v2":  rectGeoJSON(113.52, 34.70, 113.54, 34.72),
		} {
			if resp := setBoundary(f.token, key, shape); len(resp.Errors) > 0 {
				t.Fatalf("set %s: %+v", key, resp.Errors)
			}
		}
		// g21 spilling 100 m out of its village, and over its neighbouring village.
		resp := setBoundary(f.token, "g21", rectGeoJSON(113.519, 34.70, 113.53, 34.72))
		if codes := resp.Codes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, "runs outside its parent "+g["v2"].Code) {
			t.Errorf("a group outside its village: %+v", resp.Errors)
		}
		resp = setBoundary(f.token, "v2", rectGeoJSON(113.515, 34.70, 113.54, 34.72))
		if len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "overlaps its sibling "+g["v1"].Code) {
			t.Errorf("a village over its neighbour: %+v", resp.Errors)
		}

		_, _, v1Token := f.holder(t, g["v1"].ID, "王村长", "FIRST_RESPONSIBLE")
		_, _, v2Token := f.holder(t, g["v2"].ID, "李村长", "FIRST_RESPONSIBLE")
		if resp := setBoundary(v2Token, "g11", rectGeoJSON(113.50, 34.70, 113.51, 34.72)); len(resp.Errors) == 0 {
			t.Error("another village's official set a boundary of 三王庄村")
		}

		// A point in 三王庄村第二村民组, as a phone's map gives it.
		in12 := gcj(t, orb.Point{113.515, 34.71})
		const at = `query($lng: Float!, $lat: Float!) { gridAt(longitude: $lng, latitude: $lat, coordSystem: GCJ02) { code } }`
		var found struct{ GridAt *struct{ Code string } }
		f.env.MustDo(t, v1Token, at, map[string]any{"lng": in12[0], "lat": in12[1]}, &found)
		if found.GridAt == nil || found.GridAt.Code != g["g12"].Code {
			t.Errorf("gridAt for 三王庄村's official: %+v", found.GridAt)
		}
		f.env.MustDo(t, v2Token, at, map[string]any{"lng": in12[0], "lat": in12[1]}, &found)
		if found.GridAt != nil {
			t.Errorf("gridAt for another village's official: %+v", found.GridAt)
		}

		const report = `mutation($lng: Float!, $lat: Float!) { reportPublicEvent(input: {latitude: $lat, longitude: $lng,
			coordSystem: GCJ02, categoryCode: "EXPOSED_GARBAGE", title: "路边垃圾（测试）"}) { trackingCode } }`
		var receipt struct{ ReportPublicEvent struct{ TrackingCode string } }
		f.env.MustDo(t, "", report, map[string]any{"lng": in12[0], "lat": in12[1]}, &receipt)
		ev := db.Client.Event.Query().Where(event.TrackingCode(receipt.ReportPublicEvent.TrackingCode)).WithGrid().OnlyX(servertest.System())
		if ev.Edges.Grid.Code != g["g12"].Code || ev.Latitude == nil || *ev.Latitude < 34.7099 || *ev.Latitude > 34.7101 {
			t.Errorf("the public report landed on %s at %v,%v, want %s at the WGS-84 point", ev.Edges.Grid.Code, deref(ev.Latitude), deref(ev.Longitude), g["g12"].Code)
		}
		// Answered in the system asked for: the phone's GCJ-02 point again.
		var pos struct {
			EventByTrackingCode struct {
				Position struct{ Longitude, Latitude float64 }
			}
		}
		f.env.MustDo(t, v1Token, `query($c: String!) { eventByTrackingCode(code: $c) { position(coordSystem: GCJ02) { longitude latitude } } }`,
			map[string]any{"c": receipt.ReportPublicEvent.TrackingCode}, &pos)
		if p := pos.EventByTrackingCode.Position; math.Abs(p.Longitude-in12[0]) > 1e-7 || math.Abs(p.Latitude-in12[1]) > 1e-7 {
			t.Errorf("the case's position in GCJ-02: %+v, want %v", p, in12)
		}
		resp = f.env.Do(t, "", report, map[string]any{"lng": 120.0, "lat": 30.0})
		if len(resp.Errors) != 1 || resp.Errors[0].Code() != "BAD_USER_INPUT" || !strings.Contains(fmt.Sprint(resp.Errors[0].Extensions["publicMessage"]), "不在本系统的网格范围内") {
			t.Errorf("a report from outside every grid: %+v", resp.Errors)
		}

		// Staff report by position too, in WGS-84 here.
		_, _, patroller := f.holder(t, g["g11"].ID, "网格长（测试）", "GRID_HEAD")
		cat := db.Client.EventCategory.Query().Where(eventcategory.Code("EXPOSED_GARBAGE")).OnlyX(servertest.System())
		var staff struct {
			ReportEvent struct{ Grid struct{ Code string } }
		}
		f.env.MustDo(t, patroller, `mutation($c: ID!) { reportEvent(input: {categoryID: $c, title: "垃圾（测试）", latitude: 34.71, longitude: 113.505}) { grid { code } } }`,
			map[string]any{"c": fmt.Sprint(cat.ID)}, &staff)
		if staff.ReportEvent.Grid.Code != g["g11"].Code {
			t.Errorf("a patroller's report by position landed on %s", staff.ReportEvent.Grid.Code)
		}

		// Patrols: one along 三王庄村第一村民组 (113.500–113.510), one recorded for it but walked
		// in 三王庄村第二村民组; coverage per group in workRollup.
		start := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
		walk := func(x0, x1 float64) []map[string]any {
			var pts []map[string]any
			for i := range 11 {
				pts = append(pts, map[string]any{"lat": 34.71, "lng": x0 + float64(i)*(x1-x0)/10, "at": start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)})
			}
			return pts
		}
		const record = `mutation($g: ID!, $from: Time!, $to: Time!, $t: [TrackPointInput!]) { recordPatrol(gridID: $g, startedAt: $from, endedAt: $to, track: $t) {
			insideShare insideDistanceM mostlyOutside } }`
		type patrolOut struct {
			RecordPatrol struct {
				InsideShare, InsideDistanceM *float64
				MostlyOutside                bool
			}
		}
		var along, astray patrolOut
		vars := func(x0, x1 float64) map[string]any {
			return map[string]any{"g": g["g11"].ID, "from": start.Format(time.RFC3339), "to": start.Add(10 * time.Minute).Format(time.RFC3339), "t": walk(x0, x1)}
		}
		f.env.MustDo(t, patroller, record, vars(113.5005, 113.5095), &along)
		f.env.MustDo(t, patroller, record, vars(113.5105, 113.5195), &astray)
		if p := along.RecordPatrol; p.InsideShare == nil || *p.InsideShare < 0.99 || p.MostlyOutside || *p.InsideDistanceM < 800 {
			t.Errorf("a patrol along its group: %+v", p)
		}
		if p := astray.RecordPatrol; p.InsideShare == nil || *p.InsideShare > 0.01 || !p.MostlyOutside {
			t.Errorf("a patrol walked in the next group: %+v", p)
		}
		var work struct {
			WorkRollup struct {
				Totals struct{ PatrolCoverage *float64 }
				Rows   []struct {
					Key            string
					PatrolCoverage *float64
				}
			}
		}
		f.env.MustDo(t, v1Token, `query($g: ID!, $from: Time!, $to: Time!) { workRollup(gridID: $g, from: $from, to: $to) {
			totals { patrolCoverage } rows { key patrolCoverage } } }`,
			map[string]any{"g": g["v1"].ID, "from": start.Add(-time.Hour).Format(time.RFC3339), "to": start.Add(time.Hour).Format(time.RFC3339)}, &work)
		coverage := map[string]float64{}
		for _, row := range work.WorkRollup.Rows {
			if row.PatrolCoverage != nil {
				coverage[row.Key] = *row.PatrolCoverage
			}
		}
		// The group is 0.01° × 0.02° (about 915 m × 2.2 km): 9 × 22 cells, of which a walk
		// along it crosses one row of 9: about 4.5 %.
		if c := coverage[g["g11"].ID]; c < 0.03 || c > 0.07 {
			t.Errorf("coverage of 三王庄村第一村民组 %.3f, want about 0.045 (rows %+v)", c, work.WorkRollup.Rows)
		}
		if tot := work.WorkRollup.Totals.PatrolCoverage; tot == nil || *tot < 0.03 || *tot > 0.07 {
			t.Errorf("coverage of 三王庄村 %v", tot)
		}

		// The village's map: its own outlines only, in the system asked for.
		const boundaries = `query($root: String!) { gridBoundaries(rootCode: $root, coordSystem: GCJ02) }`
		var fc struct{ GridBoundaries string }
		f.env.MustDo(t, v1Token, boundaries, map[string]any{"root": g["v1"].Code}, &fc)
		var parsed struct {
			Features []struct {
				ID       string
				Geometry struct{ Coordinates [][][2]float64 }
			}
		}
		if err := json.Unmarshal([]byte(fc.GridBoundaries), &parsed); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, ft := range parsed.Features {
			codes = append(codes, ft.ID)
		}
		if strings.Join(codes, " ") != g["v1"].Code+" "+g["g11"].Code+" "+g["g12"].Code {
			t.Errorf("三王庄村's map has %q", codes)
		}
		if c := parsed.Features[0].Geometry.Coordinates[0][0]; c == [2]float64{113.50, 34.70} {
			t.Errorf("the GCJ-02 map is in WGS-84: %v", c)
		}
		f.env.MustFail(t, v2Token, boundaries, map[string]any{"root": g["v1"].Code}, "BAD_USER_INPUT")
		var one struct{ GridByCode struct{ Boundary *string } }
		f.env.MustDo(t, v1Token, `query($c: String!) { gridByCode(code: $c) { boundary } }`, map[string]any{"c": g["g11"].Code}, &one)
		if one.GridByCode.Boundary == nil || !strings.Contains(*one.GridByCode.Boundary, `"Polygon"`) {
			t.Errorf("Grid.boundary: %v", one.GridByCode.Boundary)
		}
	})
}
