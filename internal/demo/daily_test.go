package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/household"
	"gridgov/ent/householdtag"
	"gridgov/ent/schema/track"
	"gridgov/internal/dailywork"
	"gridgov/internal/dbtest"
	"gridgov/internal/workcal"
)

// loadDaily loads the demo and its daily work into client and logs how long the daily work
// took.
func loadDaily(t *testing.T, client *ent.Client) *DailySummary {
	t.Helper()
	load(t, client)
	start := time.Now()
	s, err := LoadDailyWork(t.Context(), client)
	if err != nil {
		t.Fatalf("LoadDailyWork: %v", err)
	}
	t.Logf("LoadDailyWork took %v: %+v", time.Since(start), *s)
	return s
}

// inRange reports an error unless lo ≤ got ≤ hi.
func inRange[N int | float64](t *testing.T, what string, got, lo, hi N) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s: %v, want %v to %v", what, got, lo, hi)
	}
}

// metres is the distance between two nearby points on a flat approximation of the globe,
// independent of the loader's haversine.
func metres(a, b track.Point) float64 {
	const perDegree = 111_195.0
	dy := (b.Lat - a.Lat) * perDegree
	dx := (b.Lng - a.Lng) * perDegree * math.Cos((a.Lat+b.Lat)/2*math.Pi/180)
	return math.Hypot(dx, dy)
}

func TestDailyPlan(t *testing.T) {
	t.Parallel()
	p := build()
	d := planDaily(p)
	t.Logf("%d households, %d visits, %d patrols, %d daily reports", len(d.households), len(d.visits), len(d.patrols), len(d.reports))
	if a, b := digest(planDailyLines(p, d)), digest(planDailyLines(p, planDaily(build()))); a != b {
		t.Errorf("planDaily is not deterministic: %s, then %s", a, b)
	}
	addresses := map[string]bool{}
	for _, h := range d.households {
		key := p.grids[h.grid].code + h.address
		if addresses[key] {
			t.Errorf("address %s repeated on grid %s", h.address, p.grids[h.grid].code)
		}
		addresses[key] = true
		if excludedNames[h.head] {
			t.Errorf("household %s: head %s is named in the article", h.address, h.head)
		}
	}
	for _, v := range d.visits {
		if v.at.Location() != time.UTC || v.at.Nanosecond() != 0 {
			t.Fatalf("visit at %v: want UTC, whole seconds", v.at)
		}
	}
}

func TestLoadDailyWork(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, testLoadDailyWork)
}

func testLoadDailyWork(t *testing.T, db *dbtest.DB) {
	ctx, client := allow(t), db.Client
	s := loadDaily(t, client)
	inRange(t, "households", s.Households, 2600, 3200)
	inRange(t, "tagged households", s.Tagged, 250, 500)
	inRange(t, "visits", s.Visits, 4000, 12000)
	inRange(t, "patrols", s.Patrols, 1200, 1800)
	inRange(t, "daily reports", s.DailyReports, 1700, 2600)

	loc := workcal.Default().Location()
	cal := workcal.Default()
	grids := map[int]*ent.Grid{}
	for _, g := range client.Grid.Query().AllX(ctx) {
		grids[g.ID] = g
	}
	// held reports whether person held a role of the accepted kind on grid at t.
	roles := map[[2]int][]*ent.Assignment{}
	for _, a := range client.Assignment.Query().AllX(ctx) {
		k := [2]int{a.GridID, a.PersonID}
		roles[k] = append(roles[k], a)
	}
	held := func(gridID, personID int, at time.Time, accept func(*ent.Assignment) bool) bool {
		for _, a := range roles[[2]int{gridID, personID}] {
			if !a.ValidFrom.After(at) && (a.ValidTo == nil || at.Before(*a.ValidTo)) && accept(a) {
				return true
			}
		}
		return false
	}
	anyRole := func(*ent.Assignment) bool { return true }

	households := client.Household.Query().WithTags().AllX(ctx)
	byID := map[int]*ent.Household{}
	perGrid := map[int]int{}
	care := map[household.CareLevel]int{}
	kinds := map[householdtag.Kind]int{}
	tagged := 0
	for _, h := range households {
		byID[h.ID] = h
		g := grids[h.GridID]
		perGrid[g.ID]++
		care[h.CareLevel]++
		if g.Level != 3 {
			t.Errorf("household %s on grid %s at level %d", h.Address, g.Code, g.Level)
		}
		if h.GridPath != g.Path {
			t.Errorf("household %s: grid_path %q, grid path %q", h.Address, h.GridPath, g.Path)
		}
		if h.HeadName == "" || h.Members < 1 {
			t.Errorf("household %s: head %q, %d members", h.Address, h.HeadName, h.Members)
		}
		if len(h.Edges.Tags) > 0 {
			tagged++
		}
		for _, tag := range h.Edges.Tags {
			kinds[tag.Kind]++
			if tag.Pledge == "" || tag.Post == "" {
				t.Errorf("household %s: %s plate with post %q, pledge %q", h.Address, tag.Kind, tag.Post, tag.Pledge)
			}
			if tag.GridPath != g.Path {
				t.Errorf("household %s: plate grid_path %q, grid path %q", h.Address, tag.GridPath, g.Path)
			}
			if tag.PlateHungAt.In(loc).Year() != 2025 || tag.PlateHungAt.Before(h.CreatedAt) {
				t.Errorf("household %s registered %v: plate hung %v, want later in 2025", h.Address, h.CreatedAt, tag.PlateHungAt)
			}
		}
	}
	if tagged != s.Tagged || len(households) != s.Households {
		t.Errorf("summary %+v; %d households, %d tagged", *s, len(households), tagged)
	}
	if len(perGrid) != 96 {
		t.Errorf("households on %d grids, want all 96 level-3 grids", len(perGrid))
	}
	for id, n := range perGrid {
		inRange(t, "households on "+grids[id].Code, n, 20, 40)
	}
	share := func(n int) float64 { return float64(n) / float64(len(households)) }
	inRange(t, "share of ordinary households", share(care[household.CareLevelORDINARY]), 0.74, 0.86)
	inRange(t, "share of households needing attention", share(care[household.CareLevelNEEDS_ATTENTION]), 0.10, 0.18)
	inRange(t, "share of vulnerable households", share(care[household.CareLevelVULNERABLE]), 0.035, 0.085)
	inRange(t, "share of party-member households", share(kinds[householdtag.KindPARTY_MEMBER_HOUSEHOLD]), 0.06, 0.10)
	inRange(t, "share of masses-representative households", share(kinds[householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD]), 0.035, 0.07)

	t.Run("visits", func(t *testing.T) {
		visits := client.Visit.Query().AllX(ctx)
		last := map[int]time.Time{}
		concerns := 0
		for _, v := range visits {
			h := byID[v.HouseholdID]
			if v.GridPath != h.GridPath {
				t.Errorf("visit %d: grid_path %q, household's %q", v.ID, v.GridPath, h.GridPath)
			}
			if v.VisitedAt.Before(VisitsFrom) || !v.VisitedAt.Before(DailyUntil) {
				t.Errorf("visit %d at %v, outside %v – %v", v.ID, v.VisitedAt, VisitsFrom, DailyUntil)
			}
			if !held(h.GridID, v.VisitorID, v.VisitedAt, anyRole) {
				t.Errorf("visit %d by person %d, who held no role on the household's grid at %v", v.ID, v.VisitorID, v.VisitedAt)
			}
			if v.VisitedAt.After(last[h.ID]) {
				last[h.ID] = v.VisitedAt
			}
			if v.Concerns != "" {
				concerns++
			}
		}
		inRange(t, "share of visits with concerns", float64(concerns)/float64(len(visits)), 0.02, 0.12)

		// Overdue as dailywork reckons it at DailyUntil with the default intervals.
		overdue := map[household.CareLevel]int{}
		for _, h := range households {
			if l, ok := last[h.ID]; !ok || !l.After(DailyUntil.AddDate(0, 0, -dailywork.DefaultIntervals[h.CareLevel])) {
				overdue[h.CareLevel]++
			}
		}
		t.Logf("overdue households by care level: %v of %v", overdue, care)
		vulnerable := overdue[household.CareLevelVULNERABLE]
		if vulnerable == 0 || vulnerable*3 > care[household.CareLevelVULNERABLE] {
			t.Errorf("%d of %d vulnerable households not visited within 30 days before %v: want some, not many",
				vulnerable, care[household.CareLevelVULNERABLE], DailyUntil)
		}
		for l, n := range care {
			if overdue[l]*5 > n {
				t.Errorf("%d of %d %s households overdue, want most visited in time", overdue[l], n, l)
			}
		}
	})

	t.Run("patrols", func(t *testing.T) {
		patrols := client.Patrol.Query().WithVehicle().AllX(ctx)
		byPatroller, workingDays, vehicles, findings := 0, 0, 0, 0
		perDay := map[string]bool{}
		for _, p := range patrols {
			g := grids[p.GridID]
			errorf := func(format string, args ...any) {
				t.Helper()
				t.Errorf("patrol %d of %s at %v: %s", p.ID, g.Code, p.StartedAt.In(loc), fmt.Sprintf(format, args...))
			}
			if g.Level != 3 || p.GridPath != g.Path {
				errorf("grid level %d, grid_path %q, grid path %q", g.Level, p.GridPath, g.Path)
			}
			start, end := p.StartedAt.In(loc), p.EndedAt.In(loc)
			if d := p.EndedAt.Sub(p.StartedAt); d < 30*time.Minute || d > 120*time.Minute {
				errorf("lasts %v", d)
			}
			if p.StartedAt.Before(DailyFrom) || !p.EndedAt.Before(DailyUntil) ||
				start.Hour() < 9 || end.Hour()*60+end.Minute() > 18*60 || start.YearDay() != end.YearDay() {
				errorf("ends %v: outside the period's working hours", end)
			}
			patroller := held(p.GridID, p.PersonID, p.StartedAt, func(a *ent.Assignment) bool {
				return a.Duty != nil && *a.Duty == assignment.DutyPATROLLER
			})
			head := held(p.GridID, p.PersonID, p.StartedAt, func(a *ent.Assignment) bool { return a.Role == assignment.RoleGRID_HEAD })
			if !patroller && !head {
				errorf("by person %d, neither patroller nor grid head of the grid", p.PersonID)
			}
			key := fmt.Sprintf("%d|%s", p.PersonID, start.Format(time.DateOnly))
			if perDay[key] {
				errorf("second patrol of person %d that day", p.PersonID)
			}
			perDay[key] = true
			if patroller && cal.IsWorkingDay(p.StartedAt) {
				byPatroller++
			}
			if cal.IsWorkingDay(p.StartedAt) {
				workingDays++
			}
			if p.Findings != "" {
				findings++
			}
			if v := p.Edges.Vehicle; v != nil {
				vehicles++
				if v.GridID != g.ParentID || !v.InService {
					errorf("on %s, kept by grid %d (in service %t), not by the parent grid %d", v.Plate, v.GridID, v.InService, g.ParentID)
				}
			}

			// The track.
			if n := len(p.Track); n < 10 || n > 40 {
				errorf("%d track points", n)
				continue
			}
			var dist float64
			var prev time.Time
			for i, pt := range p.Track {
				at, err := time.Parse(time.RFC3339, pt.At)
				if err != nil {
					errorf("point %d: %v", i, err)
					break
				}
				if at.Before(p.StartedAt) || at.After(p.EndedAt) {
					errorf("point %d at %v, outside the patrol", i, at.In(loc))
				}
				if metres(p.Track[0], pt) > 700 {
					errorf("point %d %.0f m from the start: not around the grid", i, metres(p.Track[0], pt))
				}
				if i > 0 {
					if !at.After(prev) {
						errorf("point %d at %v, not after the point before it", i, at.In(loc))
					}
					m := metres(p.Track[i-1], pt)
					if kmh := m / at.Sub(prev).Seconds() * 3.6; kmh >= 15 {
						errorf("point %d: %.0f m in %v, %.1f km/h", i, m, at.Sub(prev), kmh)
					}
					dist += m
				}
				prev = at
			}
			if math.Abs(dist-p.DistanceM) > 1+dist*0.005 {
				errorf("distance_m %.0f, track %.0f m", p.DistanceM, dist)
			}
		}
		// 96 patrollers over the period's 15 working days patrol on most of them.
		inRange(t, "share of the patrollers' working days with a patrol", float64(byPatroller)/(96*15), 0.78, 0.92)
		inRange(t, "share of patrols on working days", float64(workingDays)/float64(len(patrols)), 0.9, 1.0)
		inRange(t, "share of patrols by vehicle", float64(vehicles)/float64(len(patrols)), 0.1, 0.5)
		inRange(t, "share of patrols with findings", float64(findings)/float64(len(patrols)), 0.05, 0.2)
	})

	t.Run("reports", func(t *testing.T) {
		reports := client.DailyReport.Query().AllX(ctx)
		seen := map[string]bool{}
		people := map[int]bool{}
		var working, weekend, late int
		for _, r := range reports {
			g := grids[r.GridID]
			key := fmt.Sprintf("%d|%s", r.PersonID, r.Day)
			if seen[key] {
				t.Errorf("person %d filed twice for %s", r.PersonID, r.Day)
			}
			seen[key] = true
			people[r.PersonID] = true
			if r.GridPath != g.Path {
				t.Errorf("report %d: grid_path %q, grid path %q", r.ID, r.GridPath, g.Path)
			}
			day, err := time.ParseInLocation(time.DateOnly, r.Day, loc)
			if err != nil || day.Before(DailyFrom) || !day.Before(DailyUntil) {
				t.Errorf("report %d for day %q (%v), outside the period", r.ID, r.Day, err)
				continue
			}
			if !held(r.GridID, r.PersonID, day.Add(12*time.Hour), anyRole) {
				t.Errorf("report %d for %s by person %d, who held no role on grid %s", r.ID, r.Day, r.PersonID, g.Code)
			}
			if r.SubmittedAt.Before(day) || !r.SubmittedAt.Before(DailyUntil) || r.Summary == "" {
				t.Errorf("report %d for %s submitted %v, summary %q", r.ID, r.Day, r.SubmittedAt.In(loc), r.Summary)
			}
			if workcal.LocalDay(r.SubmittedAt, loc) != r.Day {
				late++
			}
			if cal.IsWorkingDay(day.Add(12 * time.Hour)) {
				working++
			} else {
				weekend++
			}
		}
		n := float64(len(people))
		workingRate, weekendRate := float64(working)/(n*15), float64(weekend)/(n*6)
		t.Logf("%.0f reporters; filed on %.2f of working days, %.2f of weekend days; %d late", n, workingRate, weekendRate, late)
		inRange(t, "reporters", n, 110, 140)
		inRange(t, "filing rate on working days", workingRate, 0.8, 0.92)
		inRange(t, "filing rate at weekends", weekendRate, 0.5, workingRate-0.1)
		inRange(t, "share of late reports", float64(late)/float64(len(reports)), 0.02, 0.12)
	})
}

func TestLoadDailyWorkTwice(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		first := loadDaily(t, db.Client)
		before := digest(dbDailyLines(t, db.Client))
		second, err := LoadDailyWork(t.Context(), db.Client)
		if err != nil {
			t.Fatalf("second LoadDailyWork: %v", err)
		}
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("second load summary (-first +second):\n%s", diff)
		}
		if after := digest(dbDailyLines(t, db.Client)); after != before {
			t.Errorf("second load changed the data: digest %s, was %s", after, before)
		}
	})
}

func TestLoadDailyWorkDeterministic(t *testing.T) {
	t.Parallel()
	p := build()
	want := digest(planDailyLines(p, planDaily(p)))
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		other := dbtest.New(t, db.Dialect)
		for _, client := range []*ent.Client{db.Client, other.Client} {
			loadDaily(t, client)
			if got := digest(dbDailyLines(t, client)); got != want {
				t.Errorf("loaded daily work digest %s, want the plan's %s", got, want)
			}
		}
	})
}

func TestLoadDailyWorkNeedsDemo(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		if _, err := LoadDailyWork(t.Context(), db.Client); err == nil {
			t.Fatal("LoadDailyWork without the demo data set succeeded")
		}
		if n := db.Client.Household.Query().CountX(allow(t)); n != 0 {
			t.Errorf("%d households after a failed load, want 0", n)
		}
	})
}

// planDailyLines describes the planned daily work as dbDailyLines describes the database.
func planDailyLines(p *plan, d *dailyPlan) []string {
	var lines []string
	for _, h := range d.households {
		code, headPhone := p.grids[h.grid].code, ""
		if h.headPerson >= 0 {
			headPhone = p.people[h.headPerson].phone
		}
		lines = append(lines, householdLine(code, h.address, h.head, headPhone, h.members, h.phone, h.care, h.notes, h.registered))
		for _, tag := range h.tags {
			lines = append(lines, tagLine(code, h.address, tag.kind, tag.post, tag.pledge, tag.hung))
		}
	}
	for _, v := range d.visits {
		h := d.households[v.household]
		lines = append(lines, visitLine(p.grids[h.grid].code, h.address, p.people[v.visitor].phone, v.at, v.notes, v.concerns))
	}
	for _, r := range d.patrols {
		plate := ""
		if r.vehicle >= 0 {
			plate = p.vehicles[r.vehicle].plate
		}
		lines = append(lines, patrolLine(p.grids[r.grid].code, p.people[r.person].phone, r.start, r.end, r.track, r.distance, plate, r.findings))
	}
	for _, r := range d.reports {
		lines = append(lines, reportLine(p.people[r.person].phone, r.day, p.grids[r.grid].code, r.summary, r.submitted))
	}
	return lines
}

// dbDailyLines describes the daily work in the database, ids and paths left out.
func dbDailyLines(t *testing.T, client *ent.Client) []string {
	t.Helper()
	ctx := allow(t)
	var lines []string
	for _, h := range client.Household.Query().WithGrid().WithHeadPerson().WithTags().AllX(ctx) {
		headPhone := ""
		if h.Edges.HeadPerson != nil {
			headPhone = h.Edges.HeadPerson.Phone
		}
		lines = append(lines, householdLine(h.Edges.Grid.Code, h.Address, h.HeadName, headPhone, h.Members, h.Phone, h.CareLevel, h.Notes, h.CreatedAt))
		for _, tag := range h.Edges.Tags {
			lines = append(lines, tagLine(h.Edges.Grid.Code, h.Address, tag.Kind, tag.Post, tag.Pledge, tag.PlateHungAt))
		}
	}
	for _, v := range client.Visit.Query().WithVisitor().WithHousehold(func(q *ent.HouseholdQuery) { q.WithGrid() }).AllX(ctx) {
		h := v.Edges.Household
		lines = append(lines, visitLine(h.Edges.Grid.Code, h.Address, v.Edges.Visitor.Phone, v.VisitedAt, v.Notes, v.Concerns))
	}
	for _, r := range client.Patrol.Query().WithGrid().WithPerson().WithVehicle().AllX(ctx) {
		plate := ""
		if r.Edges.Vehicle != nil {
			plate = r.Edges.Vehicle.Plate
		}
		lines = append(lines, patrolLine(r.Edges.Grid.Code, r.Edges.Person.Phone, r.StartedAt, r.EndedAt, r.Track, r.DistanceM, plate, r.Findings))
	}
	for _, r := range client.DailyReport.Query().WithGrid().WithPerson().AllX(ctx) {
		lines = append(lines, reportLine(r.Edges.Person.Phone, r.Day, r.Edges.Grid.Code, r.Summary, r.SubmittedAt))
	}
	return lines
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func householdLine(code, address, head, headPhone string, members int, phone string, care household.CareLevel, notes string, registered time.Time) string {
	return fmt.Sprintf("household|%s|%s|%s|%s|%d|%s|%s|%s|%s", code, address, head, headPhone, members, phone, care, notes, utc(registered))
}

func tagLine(code, address string, kind householdtag.Kind, post, pledge string, hung time.Time) string {
	return fmt.Sprintf("tag|%s|%s|%s|%s|%s|%s", code, address, kind, post, pledge, utc(hung))
}

func visitLine(code, address, visitorPhone string, at time.Time, notes, concerns string) string {
	return fmt.Sprintf("visit|%s|%s|%s|%s|%s|%s", code, address, visitorPhone, utc(at), notes, concerns)
}

func patrolLine(code, personPhone string, start, end time.Time, points []track.Point, distance float64, plate, findings string) string {
	js, err := json.Marshal(points)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("patrol|%s|%s|%s|%s|%s|%.0f|%s|%s", code, personPhone, utc(start), utc(end), js, distance, plate, findings)
}

func reportLine(personPhone, day, code, summary string, submitted time.Time) string {
	return fmt.Sprintf("report|%s|%s|%s|%s|%s", personPhone, day, code, summary, utc(submitted))
}
