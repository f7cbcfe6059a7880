// Package dailywork records the daily visits, patrols and reports of grid staff (日访日查日报)
// and answers who has not done them. Writes are checked here against policy.csv and then
// made on the system's account.
package dailywork

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/dailyreport"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/ent/household"
	"gridgov/ent/householdtag"
	"gridgov/ent/schema/track"
	"gridgov/ent/vehicle"
	"gridgov/ent/visit"
	"gridgov/ent/visitinterval"
	"gridgov/internal/apperr"
	"gridgov/internal/gridtree"
	"gridgov/internal/roster"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// Limits on what daily work may carry.
const (
	MaxTrackPoints = 5000
	// MaxSpeedKMH is the fastest plausible movement between two fixes of a track.
	MaxSpeedKMH = 150
	// maxPatrol is the longest plausible patrol.
	maxPatrol = 24 * time.Hour
	// clockSkew is how far in the future a record may be stamped (phones' clocks drift).
	clockSkew = 10 * time.Minute
)

// DefaultIntervals are the visit intervals before an administrator changes them.
var DefaultIntervals = map[household.CareLevel]int{
	household.CareLevelORDINARY:        182,
	household.CareLevelNEEDS_ATTENTION: 91,
	household.CareLevelVULNERABLE:      30,
}

// Service records daily work.
type Service struct {
	// Calendar is the work calendar; nil means the process-wide one (workcal.Default).
	Calendar *workcal.Calendar
	Now      func() time.Time
}

func (s *Service) cal() *workcal.Calendar {
	if s.Calendar != nil {
		return s.Calendar
	}
	return workcal.Default()
}

// Tag hangs a plate on a household, replacing one of the same kind.
func (s *Service) Tag(ctx context.Context, client *ent.Client, householdID int, kind householdtag.Kind, post, pledge string, hungAt time.Time) (*ent.HouseholdTag, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	h, err := client.Household.Get(ctx, householdID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjHousehold, "householdID", householdID)
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, h.GridPath, authz.ObjHousehold, authz.ActUpdate, "your role here does not allow changing households"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(pledge) == "" {
		return nil, apperr.Invalid("pledge", "a plate needs its public pledge (承诺)")
	}
	if strings.TrimSpace(post) == "" {
		return nil, apperr.Invalid("post", "a plate needs its post (岗位)")
	}
	path, err := gridtree.SharedPath(ctx, client, h.GridID, "householdID")
	if err != nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "hang a household plate")
	if _, err := client.HouseholdTag.Delete().Where(householdtag.HouseholdID(h.ID), householdtag.KindEQ(kind)).Exec(sys); err != nil {
		return nil, err
	}
	return client.HouseholdTag.Create().SetHouseholdID(h.ID).SetKind(kind).SetPost(post).SetPledge(pledge).
		SetPlateHungAt(hungAt).SetGridPath(path).Save(sys)
}

// Untag takes a plate down.
func (s *Service) Untag(ctx context.Context, client *ent.Client, householdID int, kind householdtag.Kind) (bool, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return false, err
	}
	h, err := client.Household.Get(ctx, householdID)
	if ent.IsNotFound(err) {
		return false, authz.NotVisible(v, authz.ObjHousehold, "householdID", householdID)
	}
	if err != nil {
		return false, err
	}
	if err := authz.CheckPath(ctx, h.GridPath, authz.ObjHousehold, authz.ActUpdate, "your role here does not allow changing households"); err != nil {
		return false, err
	}
	n, err := client.HouseholdTag.Delete().Where(householdtag.HouseholdID(h.ID), householdtag.KindEQ(kind)).
		Exec(authz.SystemContext(ctx, "take a household plate down"))
	return n > 0, err
}

// Visit records a visit to a household by the viewer.
func (s *Service) Visit(ctx context.Context, client *ent.Client, householdID int, at time.Time, notes, concerns string) (*ent.Visit, error) {
	v, err := authz.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	h, err := client.Household.Get(ctx, householdID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjHousehold, "householdID", householdID)
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, h.GridPath, authz.ObjVisit, authz.ActCreate, "your role here does not allow recording visits"); err != nil {
		return nil, err
	}
	if at.After(s.Now().Add(clockSkew)) {
		return nil, apperr.Invalid("visitedAt", "a visit cannot be in the future")
	}
	path, err := gridtree.SharedPath(ctx, client, h.GridID, "householdID")
	if err != nil {
		return nil, err
	}
	return client.Visit.Create().SetHouseholdID(h.ID).SetVisitorID(v.PersonID).SetVisitedAt(at).
		SetNotes(notes).SetConcerns(concerns).SetGridPath(path).
		Save(authz.SystemContext(ctx, "record a visit after its checks"))
}

// Patrol is a patrol to record.
type Patrol struct {
	GridID    int
	StartedAt time.Time
	EndedAt   time.Time
	Track     []TrackInput
	VehicleID *int
	Findings  string
}

// TrackInput is one GPS fix as a client sends it.
type TrackInput struct {
	Lat, Lng float64
	At       time.Time
}

// RecordPatrol records a patrol by the viewer.
func (s *Service) RecordPatrol(ctx context.Context, client *ent.Client, p Patrol) (*ent.Patrol, error) {
	v, err := authz.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	g, err := client.Grid.Get(ctx, p.GridID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjGrid, "gridID", p.GridID)
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, g.Path, authz.ObjPatrol, authz.ActCreate, "your role here does not allow recording patrols"); err != nil {
		return nil, err
	}
	switch {
	case !p.EndedAt.After(p.StartedAt):
		return nil, apperr.Invalid("endedAt", "a patrol must end after it starts")
	case p.EndedAt.Sub(p.StartedAt) > maxPatrol:
		return nil, apperr.Invalid("endedAt", "a patrol lasts at most %s", maxPatrol)
	case p.EndedAt.After(s.Now().Add(clockSkew)):
		return nil, apperr.Invalid("endedAt", "a patrol cannot end in the future")
	}
	points, distance, err := checkTrack(p.Track, p.StartedAt, p.EndedAt)
	if err != nil {
		return nil, err
	}
	b := client.Patrol.Create().SetGridID(g.ID).SetPersonID(v.PersonID).SetStartedAt(p.StartedAt).SetEndedAt(p.EndedAt).
		SetTrack(points).SetDistanceM(distance).SetFindings(p.Findings)
	if p.VehicleID != nil {
		ok, err := client.Vehicle.Query().Where(vehicle.ID(*p.VehicleID)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, authz.NotVisible(v, authz.ObjVehicle, "vehicleID", *p.VehicleID)
		}
		b.SetVehicleID(*p.VehicleID)
	}
	return b.Save(authz.SystemContext(ctx, "record a patrol after its checks"))
}

// checkTrack validates a track and returns it with its length in metres: points in time
// order, inside the patrol (with clock skew), on the globe, without jumps faster than
// MaxSpeedKMH.
func checkTrack(in []TrackInput, start, end time.Time) ([]track.Point, float64, error) {
	if len(in) > MaxTrackPoints {
		return nil, 0, apperr.Invalid("track", "a track holds at most %d points", MaxTrackPoints)
	}
	out := make([]track.Point, len(in))
	var dist float64
	for i, p := range in {
		if p.Lat < -90 || p.Lat > 90 || p.Lng < -180 || p.Lng > 180 || math.IsNaN(p.Lat) || math.IsNaN(p.Lng) {
			return nil, 0, apperr.Invalid("track", "point %d (%g, %g) is not on the globe", i, p.Lat, p.Lng)
		}
		if p.At.Before(start.Add(-clockSkew)) || p.At.After(end.Add(clockSkew)) {
			return nil, 0, apperr.Invalid("track", "point %d is outside the patrol's time", i)
		}
		if i > 0 {
			prev := in[i-1]
			if p.At.Before(prev.At) {
				return nil, 0, apperr.Invalid("track", "point %d is earlier than the point before it", i)
			}
			d := Haversine(prev.Lat, prev.Lng, p.Lat, p.Lng)
			secs := p.At.Sub(prev.At).Seconds()
			if d > 50 && (secs <= 0 || d/secs*3.6 > MaxSpeedKMH) {
				return nil, 0, apperr.Invalid("track", "point %d jumps %.0f m in %.0f s: faster than %d km/h", i, d, secs, MaxSpeedKMH)
			}
			dist += d
		}
		out[i] = track.Point{Lat: p.Lat, Lng: p.Lng, At: p.At.UTC().Format(time.RFC3339)}
	}
	return out, math.Round(dist), nil
}

// Haversine is the distance in metres between two WGS-84 points: the length of a patrol's
// track is the sum over its legs (data generators compute it the same way).
func Haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// SubmitReport files (or updates) the viewer's daily report for day.
func (s *Service) SubmitReport(ctx context.Context, client *ent.Client, day string, summary string, gridID, personID *int) (*ent.DailyReport, error) {
	v, err := authz.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if personID != nil && *personID != v.PersonID {
		return nil, apperr.New(apperr.Forbidden, "a daily report is filed by the person themselves")
	}
	now := s.Now()
	today := workcal.LocalDay(now, s.cal().Location())
	if day == "" {
		day = today
	}
	d, err := time.ParseInLocation(time.DateOnly, day, s.cal().Location())
	if err != nil || d.Format(time.DateOnly) != day {
		return nil, apperr.Invalid("day", "day must be a date YYYY-MM-DD, got %q", day)
	}
	if day > today {
		return nil, apperr.Invalid("day", "a daily report cannot be for a future day (%s is after today, %s)", day, today)
	}
	if day < workcal.LocalDay(now.AddDate(0, 0, -7), s.cal().Location()) {
		return nil, apperr.Invalid("day", "a daily report can be filed up to 7 days late")
	}
	sys := authz.SystemContext(ctx, "file a daily report after its checks")
	roles, err := client.Assignment.Query().Where(assignment.PersonID(v.PersonID), roster.HeldAt(now)).
		Order(ent.Asc(assignment.FieldID)).All(sys)
	if err != nil {
		return nil, err
	}
	var g *ent.Assignment
	for _, a := range roles {
		if gridID == nil || a.GridID == *gridID {
			g = a
			break
		}
	}
	if g == nil {
		if gridID != nil {
			return nil, apperr.Invalid("gridID", "you hold no current role on grid %d", *gridID)
		}
		return nil, apperr.New(apperr.Forbidden, "a daily report is filed by someone holding a current role")
	}
	if err := authz.CheckPath(ctx, g.GridPath, authz.ObjDailyReport, authz.ActCreate, "your role here does not file daily reports"); err != nil {
		return nil, err
	}
	existing, err := client.DailyReport.Query().Where(dailyreport.PersonID(v.PersonID), dailyreport.Day(day)).Only(sys)
	switch {
	case err == nil:
		return existing.Update().SetSummary(summary).SetSubmittedAt(now).SetGridID(g.GridID).Save(sys)
	case !ent.IsNotFound(err):
		return nil, err
	}
	return client.DailyReport.Create().SetPersonID(v.PersonID).SetDay(day).SetSummary(summary).
		SetSubmittedAt(now).SetGridID(g.GridID).Save(sys)
}

// Intervals returns the visit interval of every care level, defaults filled in.
func Intervals(ctx context.Context, client *ent.Client) (map[household.CareLevel]int, error) {
	out := map[household.CareLevel]int{}
	for k, d := range DefaultIntervals {
		out[k] = d
	}
	rows, err := client.VisitInterval.Query().All(authz.SystemContext(ctx, "read visit intervals"))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[household.CareLevel(r.CareLevel)] = r.Days
	}
	return out, nil
}

// SetInterval changes the visit interval of a care level (administrators of the whole tree).
func SetInterval(ctx context.Context, client *ent.Client, level household.CareLevel, days int) error {
	if err := authz.CheckPath(ctx, "/", authz.ObjHousehold, authz.ActManageIntervals, "only an administrator of the whole tree may change visit intervals"); err != nil {
		return err
	}
	if days < 1 || days > 3660 {
		return apperr.Invalid("days", "days must be between 1 and 3660")
	}
	// Written as the viewer: VisitInterval's own rules decide, as for any other client.
	n, err := client.VisitInterval.Update().Where(visitinterval.CareLevelEQ(visitinterval.CareLevel(level))).SetDays(days).Save(ctx)
	if err != nil || n > 0 {
		return err
	}
	return client.VisitInterval.Create().SetCareLevel(visitinterval.CareLevel(level)).SetDays(days).Exec(ctx)
}

// subtree returns the path of a grid the viewer can see.
func subtree(ctx context.Context, client *ent.Client, gridID int) (string, error) {
	path, err := client.Grid.Query().Where(grid.ID(gridID)).Select(grid.FieldPath).String(ctx)
	if ent.IsNotFound(err) {
		return "", authz.NotVisible(authz.FromContext(ctx), authz.ObjGrid, "gridID", gridID)
	}
	if err != nil {
		return "", fmt.Errorf("load grid %d: %w", gridID, err)
	}
	return path, nil
}

// ConcernToEvent reports the concern a visit noted as a case at the household's grid, through
// wf, and links the visit to it. The viewer must be allowed both to record visits and to
// report cases at that grid: the link is written on the system's account, so it is checked
// here before anything is written.
func (s *Service) ConcernToEvent(ctx context.Context, client *ent.Client, wf *workflow.Engine, visitID, categoryID int, title, description string) (*ent.Visit, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	vis, err := client.Visit.Query().Where(visit.ID(visitID)).WithHousehold().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjVisit, "visitID", visitID)
	}
	if err != nil {
		return nil, fmt.Errorf("load visit %d: %w", visitID, err)
	}
	h := vis.Edges.Household
	if h == nil { // the visitor may see their own visit but no longer the household
		return nil, authz.NotVisible(v, authz.ObjHousehold, "visitID", visitID)
	}
	if err := authz.CheckPath(ctx, h.GridPath, authz.ObjVisit, authz.ActCreate, "your role here does not allow recording visits"); err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, h.GridPath, authz.ObjEvent, authz.ActReport, "your role here does not allow reporting cases"); err != nil {
		return nil, err
	}
	if vis.EventID != nil {
		return nil, apperr.New(apperr.Conflict, "this visit's concern is already case %d", *vis.EventID)
	}
	if description == "" {
		description = vis.Concerns
	}
	ev, err := wf.Report(ctx, client, workflow.Report{
		GridID: h.GridID, CategoryID: categoryID, Source: event.SourcePATROL,
		Title: title, Description: description, Address: h.Address,
	})
	if err != nil {
		return nil, err
	}
	return client.Visit.UpdateOneID(vis.ID).SetEventID(ev.ID).Save(authz.SystemContext(ctx, "link a visit to its case"))
}

// PatrolFinding reports what a patrol found as a case at the patrol's grid, through wf, and
// closes it on the spot when solvedOnSpot. A finding belongs to its patrol: only the
// patroller, or someone whose role there allows recording patrols, may add one, and they must
// also be allowed to report cases there.
func (s *Service) PatrolFinding(ctx context.Context, client *ent.Client, wf *workflow.Engine, patrolID, categoryID int, title, description string, solvedOnSpot bool) (*ent.Event, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	p, err := client.Patrol.Get(ctx, patrolID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjPatrol, "patrolID", patrolID)
	}
	if err != nil {
		return nil, fmt.Errorf("load patrol %d: %w", patrolID, err)
	}
	if v.PersonID == 0 || v.PersonID != p.PersonID {
		if err := authz.CheckPath(ctx, p.GridPath, authz.ObjPatrol, authz.ActCreate, "only the patroller, or a role here that records patrols, may add findings to this patrol"); err != nil {
			return nil, err
		}
	}
	if err := authz.CheckPath(ctx, p.GridPath, authz.ObjEvent, authz.ActReport, "your role here does not allow reporting cases"); err != nil {
		return nil, err
	}
	ev, err := wf.Report(ctx, client, workflow.Report{
		GridID: p.GridID, CategoryID: categoryID, Source: event.SourcePATROL, Title: title, Description: description,
	})
	if err != nil || !solvedOnSpot {
		return ev, err
	}
	return wf.SolvedOnSpot(ctx, client, ev, "巡查时当场解决")
}
