package demo

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// taxonomyLimits are the time limits of the seeded categories, as LoadEvents reads them.
func taxonomyLimits() map[string]categoryLimit {
	out := map[string]categoryLimit{}
	var walk func([]workflow.Category)
	walk = func(cs []workflow.Category) {
		for _, c := range cs {
			out[c.Code] = categoryLimit{c.TimeLimit, c.Unit}
			walk(c.Minor)
		}
	}
	walk(workflow.Taxonomy)
	return out
}

// loadEvents loads the demo and its cases into client and logs how long the cases took.
func loadEvents(t *testing.T, client *ent.Client) int {
	t.Helper()
	load(t, client)
	start := time.Now()
	n, err := LoadEvents(t.Context(), client)
	if err != nil {
		t.Fatalf("LoadEvents: %v", err)
	}
	t.Logf("LoadEvents took %v: %d cases", time.Since(start), n)
	return n
}

func TestEventPlan(t *testing.T) {
	t.Parallel()
	p := build()
	events, err := planEvents(p, taxonomyLimits())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, k := range caseKinds {
		total += k.count
	}
	if total != EventCount || len(events) != EventCount {
		t.Fatalf("%d cases planned (kinds sum to %d), want %d", len(events), total, EventCount)
	}
	again, err := planEvents(build(), taxonomyLimits())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := digest(planEventLines(p, events)), digest(planEventLines(p, again)); a != b {
		t.Errorf("planEvents is not deterministic: %s, then %s", a, b)
	}
	// Every step lies in the working hours of a working day of the window.
	cal := workcal.Default()
	for _, e := range events {
		for _, a := range e.actions {
			if !inWorkingHours(cal, a.at) || a.at.Before(EventsFrom) || !a.at.Before(EventsUntil) {
				t.Fatalf("%s: %s at %v, outside the window's working hours", e.code, a.action, a.at.In(cal.Location()))
			}
		}
	}
}

func inWorkingHours(cal *workcal.Calendar, t time.Time) bool {
	l := t.In(cal.Location())
	m := l.Hour()*60 + l.Minute()
	return cal.IsWorkingDay(t) && (m >= 9*60 && m < 12*60 || m >= 13*60+30 && m < 18*60)
}

func TestLoadEvents(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, testLoadEvents)
}

func testLoadEvents(t *testing.T, db *dbtest.DB) {
	ctx, client := allow(t), db.Client
	if n := loadEvents(t, client); n != EventCount {
		t.Fatalf("LoadEvents returned %d, want %d", n, EventCount)
	}

	grids := map[int]*ent.Grid{}
	for _, g := range client.Grid.Query().AllX(ctx) {
		grids[g.ID] = g
	}
	phones := map[string]bool{}
	for _, p := range client.Person.Query().AllX(ctx) {
		phones[p.Phone] = true
	}
	patrollers := map[[2]int]bool{} // grid, person
	for _, a := range client.Assignment.Query().Where(assignment.DutyEQ(assignment.DutyPATROLLER)).AllX(ctx) {
		patrollers[[2]int{a.GridID, a.PersonID}] = true
	}
	limits := taxonomyLimits()
	cal := workcal.Default()
	events := client.Event.Query().WithCategory().WithDuplicateOf(func(q *ent.EventQuery) { q.WithCategory() }).
		WithActions(func(q *ent.EventActionQuery) {
			q.Order(ent.Asc(eventaction.FieldCreatedAt), ent.Asc(eventaction.FieldID))
		}).AllX(ctx)
	if len(events) != EventCount {
		t.Fatalf("%d cases, want %d", len(events), EventCount)
	}

	byStatus, byCategory, bySource := map[event.Status]int{}, map[string]int{}, map[event.Source]int{}
	roads, spots, codes := map[string]int{}, map[string]bool{}, map[string]bool{}
	var stopped, overdue, atSub, atVillage, reworked, extended, actions int
	for _, e := range events {
		cat := e.Edges.Category.Code
		byStatus[e.Status]++
		byCategory[cat]++
		bySource[e.Source]++
		acts := e.Edges.Actions
		actions += len(acts)
		errorf := func(format string, args ...any) {
			t.Helper()
			t.Errorf("case %s (%s, %s): %s", e.TrackingCode, cat, e.Status, fmt.Sprintf(format, args...))
		}

		if len(e.TrackingCode) != 12 || strings.Trim(e.TrackingCode, workflow.TrackingAlphabet) != "" || codes[e.TrackingCode] {
			errorf("tracking code malformed or repeated")
		}
		codes[e.TrackingCode] = true
		if g := grids[e.GridID]; e.GridPath != g.Path {
			errorf("grid_path %q, grid %s path %q", e.GridPath, g.Code, g.Path)
		}
		if g := grids[e.OriginGridID]; e.OriginPath != g.Path {
			errorf("origin_path %q, origin grid %s path %q", e.OriginPath, g.Code, g.Path)
		}
		if e.ReportedAt.Before(EventsFrom) || !e.ReportedAt.Before(EventsUntil) || !inWorkingHours(cal, e.ReportedAt) {
			errorf("reported at %v", e.ReportedAt.In(cal.Location()))
		}

		checkTransitions(acts, errorf)
		// The timeline.
		if len(acts) == 0 || acts[0].Action != eventaction.ActionREPORT || acts[0].FromStatus != nil ||
			acts[0].ToGridID != e.OriginGridID || !acts[0].CreatedAt.Equal(e.ReportedAt) {
			errorf("timeline does not start with its report: %+v", acts)
			continue
		}
		handlers := map[int]bool{}
		fails, escalations, extensions := 0, 0, 0
		for i, a := range acts {
			if !inWorkingHours(cal, a.CreatedAt) || !a.CreatedAt.Before(EventsUntil) {
				errorf("%s at %v, outside working hours", a.Action, a.CreatedAt.In(cal.Location()))
			}
			if i == 0 {
				continue
			}
			prev := acts[i-1]
			if a.FromStatus == nil || string(*a.FromStatus) != string(prev.ToStatus) {
				errorf("%s from %v after %s to %s", a.Action, a.FromStatus, prev.Action, prev.ToStatus)
			}
			if a.FromGridID == nil || *a.FromGridID != prev.ToGridID {
				errorf("%s from grid %v after a step to grid %d", a.Action, a.FromGridID, prev.ToGridID)
			}
			if a.CreatedAt.Before(prev.CreatedAt) {
				errorf("%s at %v before %s at %v", a.Action, a.CreatedAt, prev.Action, prev.CreatedAt)
			}
			switch a.Action {
			case eventaction.ActionSTART, eventaction.ActionREPORT_BACK:
				if a.ActorID == nil {
					errorf("%s by nobody", a.Action)
				} else {
					handlers[*a.ActorID] = true
				}
			case eventaction.ActionVERIFY_PASS, eventaction.ActionVERIFY_FAIL:
				if a.ActorID == nil || handlers[*a.ActorID] {
					errorf("%s by %v, who handled the case", a.Action, a.ActorID)
				}
				if a.Action == eventaction.ActionVERIFY_FAIL {
					fails++
				}
			case eventaction.ActionESCALATE:
				escalations++
				if grids[a.ToGridID].ID != grids[*a.FromGridID].ParentID {
					errorf("escalated from grid %d to %d, not its parent", *a.FromGridID, a.ToGridID)
				}
			case eventaction.ActionAPPROVE_EXTENSION:
				extensions++
			}
			if a.ActorID == nil && a.Action != eventaction.ActionREPORT {
				errorf("%s by nobody", a.Action)
			}
		}
		last := acts[len(acts)-1]
		if string(last.ToStatus) != string(e.Status) || last.ToGridID != e.GridID {
			errorf("last step %s to %s on grid %d; case on grid %d", last.Action, last.ToStatus, last.ToGridID, e.GridID)
		}
		if e.Version != len(acts) || e.ReworkCount != fails || e.EscalationCount != escalations {
			errorf("version %d, rework %d, escalations %d; timeline of %d steps with %d rework and %d escalations",
				e.Version, e.ReworkCount, e.EscalationCount, len(acts), fails, escalations)
		}
		if !e.UpdatedAt.Equal(last.CreatedAt) || !e.CreatedAt.Equal(e.ReportedAt) {
			errorf("created %v, updated %v; reported %v, last step %v", e.CreatedAt, e.UpdatedAt, e.ReportedAt, last.CreatedAt)
		}

		// Fields the workflow derives.
		closed := workflow.Closed(e.Status)
		if closed != (e.ClosedAt != nil) || closed && !e.ClosedAt.Equal(last.CreatedAt) {
			errorf("closed_at %v, last step at %v", e.ClosedAt, last.CreatedAt)
		}
		fixedOrNot := e.Status == event.StatusCLOSED_FIXED || e.Status == event.StatusCLOSED_NOT_FIXED
		if fixedOrNot != (e.Feedback != "") {
			errorf("feedback %q", e.Feedback)
		}
		if e.RegisteredAt != nil {
			lim := limits[cat]
			if e.LimitUnit == nil || *e.LimitUnit != lim.unit || e.Deadline == nil {
				errorf("registered with limit unit %v, deadline %v", e.LimitUnit, e.Deadline)
			} else if want := cal.Deadline(*e.RegisteredAt, lim.limit, workcal.Unit(lim.unit)); extensions == 0 && !e.Deadline.Equal(want) {
				errorf("deadline %v, want %v", e.Deadline, want)
			} else if extensions > 0 && !e.Deadline.After(want) {
				errorf("extended deadline %v not after %v", e.Deadline, want)
			}
			if !closed && e.Deadline != nil && e.Deadline.Before(EventsUntil) {
				overdue++
			}
		} else if e.Status != event.StatusREPORTED && e.Status != event.StatusVOIDED {
			errorf("never registered")
		}
		switch e.Status {
		case event.StatusREPORTED, event.StatusREGISTERED, event.StatusVOIDED:
			if e.AssigneeID != nil {
				errorf("assigned to %d", *e.AssigneeID)
			}
		default:
			if e.AssigneeID == nil {
				errorf("assigned to nobody")
			}
		}
		if (e.Status == event.StatusVOIDED) != (e.DuplicateOfID != nil) {
			errorf("duplicate of %v", e.DuplicateOfID)
		} else if d := e.Edges.DuplicateOf; d != nil && (d.Edges.Category.Code != cat || !d.ReportedAt.Before(e.ReportedAt)) {
			errorf("duplicate of %s (%s), reported %v", d.TrackingCode, d.Edges.Category.Code, d.ReportedAt)
		}

		// Who reported it.
		switch e.Source {
		case event.SourcePATROL:
			if e.ReporterID == nil || !patrollers[[2]int{e.OriginGridID, *e.ReporterID}] || acts[0].ActorID == nil || *acts[0].ActorID != *e.ReporterID {
				errorf("patrol reported by %v, not a patroller of the origin grid", e.ReporterID)
			}
			if grids[e.OriginGridID].Level != 3 {
				errorf("patrol reported on level-%d grid", grids[e.OriginGridID].Level)
			}
		case event.SourceRESIDENT_REPORT:
			if e.ReporterID != nil || acts[0].ActorID != nil || e.ReporterName == "" || e.ReporterPhone == "" || phones[e.ReporterPhone] {
				errorf("resident report by %v, contact %q %q", e.ReporterID, e.ReporterName, e.ReporterPhone)
			}
		default:
			if e.ReporterID == nil {
				errorf("reported by nobody")
			}
		}

		switch cat {
		case "ILLEGAL_CONSTRUCTION_STOP", "ILLEGAL_CONSTRUCTION":
			if e.Status == event.StatusCLOSED_FIXED {
				stopped++
			}
		case "ROAD_OCCUPYING_BUSINESS":
			road, _, ok := strings.Cut(e.Address, "路")
			if !ok || !slices.Contains(OccupiedRoads, road+"路") {
				errorf("road occupation at %q", e.Address)
			}
			roads[road+"路"]++
			spots[e.Address] = true
		case "EXPOSED_GARBAGE", "GARBAGE_PILE":
			if e.Quantity == nil || *e.Quantity <= 0 || e.Unit != "m³" {
				errorf("garbage quantity %v %q", e.Quantity, e.Unit)
			}
		}
		switch grids[e.GridID].Level {
		case 1:
			atSub++
		case 2:
			if e.EscalationCount > 0 {
				atVillage++
			}
		}
		if e.ReworkCount > 0 {
			reworked++
		}
		if extensions > 0 {
			extended++
		}
	}

	t.Logf("%d cases, %d actions; by status %v", len(events), actions, byStatus)
	t.Logf("by category %v", byCategory)
	t.Logf("by source %v; roads %v; %d illegal constructions stopped; %d open cases overdue at %v; "+
		"%d escalated to the village, %d to the sub-district; %d reworked; %d extended",
		bySource, roads, stopped, overdue, EventsUntil.Format(time.DateTime), atVillage, atSub, reworked, extended)
	if byStatus[event.StatusCLOSED_FIXED] != ResolvedCount {
		t.Errorf("%d cases closed fixed, want %d", byStatus[event.StatusCLOSED_FIXED], ResolvedCount)
	}
	for _, s := range []event.Status{event.StatusCLOSED_NOT_FIXED, event.StatusVOIDED, event.StatusREPORTED, event.StatusREGISTERED,
		event.StatusDISPATCHED, event.StatusHANDLING, event.StatusHANDLED, event.StatusVERIFIED} {
		if byStatus[s] == 0 {
			t.Errorf("no case %s", s)
		}
	}
	if stopped < 20 {
		t.Errorf("%d illegal constructions stopped, want 20+", stopped)
	}
	if n := byCategory["ILLEGAL_SIGNBOARD"]; n != 295 {
		t.Errorf("%d signboard cases, want 295", n)
	}
	if n := byCategory["ROAD_OCCUPYING_BUSINESS"]; n != 160 || len(spots) != 160 || len(roads) != 3 {
		t.Errorf("%d road-occupation cases at %d spots on roads %v, want 160 spots on 3 roads", n, len(spots), slices.Sorted(maps.Keys(roads)))
	}
	if overdue == 0 || atSub == 0 || atVillage == 0 || reworked == 0 || extended == 0 {
		t.Errorf("want some overdue, escalated, reworked and extended cases")
	}

	if got, want := digest(dbEventLines(t, client)), digest(planEventLines(build(), mustPlanEvents(t))); got != want {
		t.Errorf("loaded cases digest %s, want the plan's %s", got, want)
	}
}

func mustPlanEvents(t *testing.T) []*eventRow {
	t.Helper()
	events, err := planEvents(build(), taxonomyLimits())
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestLoadEventsTwice(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		loadEvents(t, db.Client)
		before := digest(dbEventLines(t, db.Client))
		n, err := LoadEvents(t.Context(), db.Client)
		if err != nil || n != EventCount {
			t.Fatalf("second LoadEvents: %d, %v; want %d", n, err, EventCount)
		}
		if after := digest(dbEventLines(t, db.Client)); after != before {
			t.Errorf("second load changed the cases: digest %s, was %s", after, before)
		}
	})
}

func TestLoadEventsDeterministic(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		other := dbtest.New(t, db.Dialect)
		var digests []string
		for _, client := range []*ent.Client{db.Client, other.Client} {
			loadEvents(t, client)
			digests = append(digests, digest(dbEventLines(t, client)))
		}
		if digests[0] != digests[1] {
			t.Errorf("two loads differ: digest %s, then %s", digests[0], digests[1])
		}
	})
}

// TestLoadEventsWorkflowCarriesOn checks that the workflow takes up a demo case where its
// timeline stops: the village's first-responsible verifies a handled case and closes it.
func TestLoadEventsWorkflowCarriesOn(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx, client := allow(t), db.Client
		loadEvents(t, client)
		ev := client.Event.Query().
			Where(event.StatusEQ(event.StatusHANDLED), event.HasGridWith(grid.Level(3))).
			WithGrid(func(q *ent.GridQuery) { q.WithParent() }).
			Order(ent.Asc(event.FieldID)).FirstX(ctx)
		first, err := Holder(ctx, client, ev.Edges.Grid.Edges.Parent.Code, assignment.RoleFIRST_RESPONSIBLE, EventsUntil)
		if err != nil {
			t.Fatal(err)
		}
		enforcer, err := authz.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		user := client.User.Create().SetUsername("demo-events-first").SetPasswordHash("-").SetPersonID(first.ID).SaveX(ctx)
		viewer, err := enforcer.LoadViewer(t.Context(), client, user, EventsUntil)
		if err != nil {
			t.Fatal(err)
		}
		as := authz.NewContext(t.Context(), viewer)
		engine := workflow.New()
		engine.Now = func() time.Time { return EventsUntil.Add(15 * time.Hour) } // the next morning
		steps := []workflow.Step{
			{Action: eventaction.ActionVERIFY_PASS, Note: "现场核查，整改到位"},
			{Action: eventaction.ActionCLOSE, Fixed: true, Feedback: "问题已解决"},
		}
		version := ev.Version
		for _, s := range steps {
			s.EventID, s.Version = ev.ID, &version
			got, err := engine.Apply(as, client, s)
			if err != nil {
				t.Fatalf("%s on demo case %s as its village's first-responsible: %v", s.Action, ev.TrackingCode, err)
			}
			version = got.Version
		}
		got := client.Event.Query().Where(event.ID(ev.ID)).WithActions().OnlyX(ctx)
		if got.Status != event.StatusCLOSED_FIXED || got.Version != ev.Version+2 || len(got.Edges.Actions) != got.Version {
			t.Errorf("after verify and close: %s, version %d, %d actions", got.Status, got.Version, len(got.Edges.Actions))
		}
	})
}

func TestLoadEventsNeedsDemo(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		if n, err := LoadEvents(t.Context(), db.Client); err == nil {
			t.Fatalf("LoadEvents without the demo data set: %d cases, no error", n)
		}
		if n := db.Client.Event.Query().CountX(allow(t)); n != 0 {
			t.Errorf("%d cases after a failed load", n)
		}
		if n := db.Client.EventCategory.Query().CountX(allow(t)); n != 0 {
			t.Errorf("%d categories seeded by a failed load", n)
		}
	})
}

// eventLine and actionLine describe a case and a step, ids left out: grids by code, people
// by phone number, cases by tracking code.
func eventLine(e *eventRow, gridCode func(int) string, phone func(int) string) []string {
	tm := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	fl := func(f *float64) string {
		if f == nil {
			return ""
		}
		return fmt.Sprint(*f)
	}
	dup := ""
	if e.duplicateOf != nil {
		dup = e.duplicateOf.code
	}
	lines := []string{fmt.Sprintf("event|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d|%d|%d|%s|%s|%s|%s|%s|%s|%s",
		e.code, e.kind.code, e.source, e.title, e.description, e.address, fl(e.latitude), fl(e.longitude),
		strings.Join(e.photos, ","), fl(e.quantity), e.unit, e.status, tm(&e.reportedAt), tm(e.registeredAt),
		tm(e.deadline), tm(e.requestedDeadline), e.limitUnit, tm(e.closedAt), e.feedback, e.rework, e.escalations,
		e.version, phone(e.reporter), e.reporterName, e.reporterPhone, gridCode(e.grid), gridCode(e.origin),
		phone(e.assignee), dup)}
	for _, a := range e.actions {
		from := ""
		if a.from != "" {
			from = gridCode(a.fromGrid)
		}
		lines = append(lines, fmt.Sprintf("action|%s|%s|%s|%s|%s|%s|%s|%s|%s",
			e.code, a.action, a.from, a.to, from, gridCode(a.toGrid), phone(a.actor), a.note, tm(&a.at)))
	}
	return lines
}

// planEventLines describes the planned cases as dbEventLines describes the database.
func planEventLines(p *plan, events []*eventRow) []string {
	var lines []string
	for _, e := range events {
		lines = append(lines, eventLine(e,
			func(i int) string { return p.grids[i].code },
			func(i int) string {
				if i < 0 {
					return ""
				}
				return p.people[i].phone
			})...)
	}
	return lines
}

// dbEventLines describes the cases in the database, read back into eventRows.
func dbEventLines(t *testing.T, client *ent.Client) []string {
	t.Helper()
	ctx := allow(t)
	gridIdx, codes := map[int]int{}, []string{}
	for _, g := range client.Grid.Query().AllX(ctx) {
		gridIdx[g.ID] = len(codes)
		codes = append(codes, g.Code)
	}
	personIdx, phones := map[int]int{}, []string{}
	for _, p := range client.Person.Query().AllX(ctx) {
		personIdx[p.ID] = len(phones)
		phones = append(phones, p.Phone)
	}
	idx := func(m map[int]int, id *int) int {
		if id == nil {
			return -1
		}
		return m[*id]
	}
	kinds := map[string]*caseKind{}
	for i := range caseKinds {
		kinds[caseKinds[i].code] = &caseKinds[i]
	}
	events := client.Event.Query().WithCategory().WithDuplicateOf().
		WithActions(func(q *ent.EventActionQuery) {
			q.Order(ent.Asc(eventaction.FieldCreatedAt), ent.Asc(eventaction.FieldID))
		}).AllX(ctx)
	var lines []string
	for _, e := range events {
		r := &eventRow{
			kind: kinds[e.Edges.Category.Code], code: e.TrackingCode, source: e.Source, title: e.Title,
			description: e.Description, address: e.Address, latitude: e.Latitude, longitude: e.Longitude,
			photos: e.PhotoUrls, quantity: e.Quantity, unit: e.Unit, status: e.Status, reportedAt: e.ReportedAt,
			registeredAt: e.RegisteredAt, deadline: e.Deadline, requestedDeadline: e.RequestedDeadline,
			closedAt: e.ClosedAt, feedback: e.Feedback, rework: e.ReworkCount, escalations: e.EscalationCount,
			version: e.Version, reporter: idx(personIdx, e.ReporterID), reporterName: e.ReporterName,
			reporterPhone: e.ReporterPhone, grid: gridIdx[e.GridID], origin: gridIdx[e.OriginGridID],
			assignee: idx(personIdx, e.AssigneeID),
		}
		if r.kind == nil {
			r.kind = &caseKind{code: e.Edges.Category.Code}
		}
		if e.LimitUnit != nil {
			r.limitUnit = *e.LimitUnit
		}
		if d := e.Edges.DuplicateOf; d != nil {
			r.duplicateOf = &eventRow{code: d.TrackingCode}
		}
		for _, a := range e.Edges.Actions {
			ar := actionRow{action: a.Action, to: event.Status(a.ToStatus), fromGrid: idx(gridIdx, a.FromGridID),
				toGrid: gridIdx[a.ToGridID], actor: idx(personIdx, a.ActorID), note: a.Note, at: a.CreatedAt}
			if a.FromStatus != nil {
				ar.from = event.Status(*a.FromStatus)
			}
			r.actions = append(r.actions, ar)
		}
		lines = append(lines, eventLine(r,
			func(i int) string { return codes[i] },
			func(i int) string {
				if i < 0 {
					return ""
				}
				return phones[i]
			})...)
	}
	return lines
}

// checkTransitions checks every step of a case's history that a person takes against the
// workflow's transition table: the step may start from its status and leads where it says.
func checkTransitions(acts []*ent.EventAction, errorf func(string, ...any)) {
	for _, a := range acts {
		from := event.Status("")
		if a.FromStatus != nil {
			from = event.Status(*a.FromStatus)
		}
		if !workflow.StepAllowed(a.Action, from, event.Status(a.ToStatus)) {
			errorf("step %d %s goes %s -> %s, which the transition table does not allow", a.ID, a.Action, from, a.ToStatus)
		}
	}
}
