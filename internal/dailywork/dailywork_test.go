package dailywork_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent/assignment"
	"gridgov/ent/dailyreport"
	"gridgov/ent/event"
	"gridgov/ent/patrol"
	"gridgov/ent/visit"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// WorkCount is a row of workCounts.
type WorkCount struct {
	Person         Ref `json:"person"`
	Visits         int `json:"visits"`
	Patrols        int `json:"patrols"`
	DailyReports   int `json:"dailyReports"`
	EventsReported int `json:"eventsReported"`
}

// TestDoneMeans walks the "Done means" through GraphQL: the patroller patrols with a
// track, visits two households, turns a concern into a case and files the daily report; the
// village's first-responsible then asks who has not reported or patrolled today, which
// vulnerable households are overdue and what each person did.
func TestDoneMeans(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		first := w.household(t, w.group, "ORDINARY")
		second := w.household(t, w.group, "NEEDS_ATTENTION")
		never := w.household(t, w.group, "VULNERABLE")
		yesterday := w.household(t, w.group, "VULNERABLE")
		w.household(t, w.group2, "VULNERABLE") // overdue, but in the sibling village
		w.visit(t, w.patroller, yesterday.ID, time.Now().Add(-24*time.Hour), "")

		if got, want := w.people(t, w.villageFirst.Token, missingRepQ, "missingDailyReports", map[string]any{"g": gid(w.village), "day": w.today}),
			sortedIDs(w.patroller.SID(), w.gridHead.SID()); !slices.Equal(got, want) {
			t.Errorf("missingDailyReports before any report = %v, want patroller and grid head %v", got, want)
		}

		// The patrol, with an 8-point walking track.
		from, to := w.patrolWindow()
		track := walk(8, from, to)
		var p Patrol
		w.must(t, w.patroller.Token, patrolQ, map[string]any{"g": gid(w.group), "from": from, "to": to, "track": track, "findings": "村口路边有暴露垃圾"}, "recordPatrol", &p)
		if p.Person == nil || p.Person.ID != w.patroller.SID() || p.Grid == nil || p.Grid.ID != gid(w.group) {
			t.Errorf("patrol person %+v grid %+v, want patroller %s on group %d", p.Person, p.Grid, w.patroller.SID(), w.group.ID)
		}
		if len(p.Track) != len(track) {
			t.Errorf("patrol track has %d points, want %d", len(p.Track), len(track))
		}
		if walked := 1.2 * to.Sub(from).Seconds(); math.Abs(p.DistanceM-walked) > 0.02*walked+1 {
			t.Errorf("patrol distanceM = %.0f, want about %.0f (1.2 m/s for %s)", p.DistanceM, walked, to.Sub(from))
		}
		if want := int(to.Sub(from).Minutes()); p.DurationMinutes != want {
			t.Errorf("patrol durationMinutes = %d, want %d", p.DurationMinutes, want)
		}

		// Two visits, one concern turned into a case.
		w.visit(t, w.patroller, first.ID, w.recentToday(2*time.Minute), "")
		concern := w.visit(t, w.patroller, second.ID, w.recentToday(time.Minute), "门前排水沟堵塞，污水外溢")
		if concern.Visitor == nil || concern.Visitor.ID != w.patroller.SID() || concern.Household == nil || concern.Household.ID != second.ID || concern.Event != nil {
			t.Errorf("visit = %+v, want by the patroller to household %s without a case", concern, second.ID)
		}
		var linked Visit
		w.must(t, w.patroller.Token, concernQ, map[string]any{"v": concern.ID, "cat": w.garbage, "title": "排水沟堵塞"}, "visitConcernToEvent", &linked)
		if linked.ID != concern.ID || linked.Event == nil {
			t.Fatalf("visitConcernToEvent = %+v, want visit %s with its case", linked, concern.ID)
		}
		if ev := linked.Event; ev.Source != "PATROL" || ev.Grid == nil || ev.Grid.ID != gid(w.group) || ev.Reporter == nil || ev.Reporter.ID != w.patroller.SID() {
			t.Errorf("the visit's case = %+v, want source PATROL on group %d reported by the patroller", ev, w.group.ID)
		}
		cases, err := db.Client.Event.Query().Where(event.SourceEQ(event.SourcePATROL), event.GridID(w.group.ID)).Count(servertest.System())
		if err != nil || cases != 1 {
			t.Errorf("cases of source PATROL on the group = %d (%v), want 1", cases, err)
		}
		w.refuse(t, w.patroller.Token, concernQ, map[string]any{"v": concern.ID, "cat": w.garbage, "title": "再报一次"}, "CONFLICT", "")

		// The daily report: totals derived; filing again updates the same report.
		r := w.report(t, w.patroller, "走访2户，巡查1次，上报1件")
		want := Report{
			ID: r.ID, Day: w.today, Summary: "走访2户，巡查1次，上报1件", SubmittedAt: r.SubmittedAt, GridPath: w.group.Path,
			Grid: &Ref{gid(w.group)}, Person: &Ref{w.patroller.SID()}, Visits: 2, Patrols: 1, EventsReported: 1,
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("submitDailyReport (-want +got):\n%s", diff)
		}
		again := w.report(t, w.patroller, "补充：排水沟已报修")
		want.Summary, want.SubmittedAt = "补充：排水沟已报修", again.SubmittedAt
		if diff := cmp.Diff(want, again); diff != "" {
			t.Errorf("submitDailyReport again (-want +got):\n%s", diff)
		}
		if again.SubmittedAt.Before(r.SubmittedAt) {
			t.Errorf("resubmitted at %s, before the first submission %s", again.SubmittedAt, r.SubmittedAt)
		}
		if n, err := db.Client.DailyReport.Query().Where(dailyreport.PersonID(w.patroller.ID)).Count(servertest.System()); err != nil || n != 1 {
			t.Errorf("the patroller has %d daily reports (%v), want 1", n, err)
		}

		// The village's first-responsible checks compliance.
		vars := map[string]any{"g": gid(w.village), "day": w.today}
		if got, want := w.people(t, w.villageFirst.Token, missingRepQ, "missingDailyReports", vars), sortedIDs(w.gridHead.SID()); !slices.Equal(got, want) {
			t.Errorf("missingDailyReports(village, today) = %v, want only the grid head %v", got, want)
		}
		if got, want := w.people(t, w.villageFirst.Token, missingPatQ, "missingPatrols", vars), sortedIDs(w.gridHead.SID()); !slices.Equal(got, want) {
			t.Errorf("missingPatrols(village, today) = %v, want only the grid head %v", got, want)
		}
		var overdue []Household
		w.must(t, w.villageFirst.Token, overdueQ, map[string]any{"g": gid(w.village), "level": "VULNERABLE"}, "overdueHouseholds", &overdue)
		if got := ids(overdue, func(h Household) string { return h.ID }); !slices.Equal(got, []string{never.ID}) {
			t.Errorf("overdueHouseholds(village, VULNERABLE) = %v, want only the never-visited %s (not %s, visited yesterday)", got, never.ID, yesterday.ID)
		}
		var counts []WorkCount
		w.must(t, w.villageFirst.Token, workCountsQ, map[string]any{"g": gid(w.village), "from": w.today, "to": w.today}, "workCounts", &counts)
		wantCounts := []WorkCount{{Person: Ref{w.patroller.SID()}, Visits: 2, Patrols: 1, DailyReports: 1, EventsReported: 1}}
		if diff := cmp.Diff(wantCounts, counts); diff != "" {
			t.Errorf("workCounts(village, today) (-want +got):\n%s", diff)
		}

		// A sub-district sees all of its villages.
		if got, want := w.people(t, w.supervisor.Token, missingRepQ, "missingDailyReports", map[string]any{"g": gid(w.sub), "day": w.today}),
			sortedIDs(w.gridHead.SID(), w.outsider.SID()); !slices.Equal(got, want) {
			t.Errorf("missingDailyReports(sub, today) as the supervisor = %v, want grid head and outsider %v", got, want)
		}
	})
}

// TestTags hangs, replaces and takes down household plates.
func TestTags(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "ORDINARY")
		hung := time.Date(2024, 7, 1, 2, 0, 0, 0, time.UTC)
		tagVars := func(kind, post, pledge string) map[string]any {
			return map[string]any{"h": h.ID, "kind": kind, "post": post, "pledge": pledge, "at": hung}
		}
		tags := func() []Tag {
			t.Helper()
			var out struct {
				Node *Household `json:"node"`
			}
			w.env.MustDo(t, w.villageFirst.Token, householdNode, map[string]any{"id": h.ID}, &out)
			if out.Node == nil {
				t.Fatalf("household %s not visible to the village's first-responsible", h.ID)
			}
			for i := range out.Node.Tags {
				out.Node.Tags[i].ID = ""
			}
			return out.Node.Tags
		}

		var tag Tag
		w.must(t, w.patroller.Token, tagQ, tagVars("PARTY_MEMBER_HOUSEHOLD", "环境卫生监督岗", "带头搞好门前三包"), "tagHousehold", &tag)
		party := Tag{Kind: "PARTY_MEMBER_HOUSEHOLD", KindLabel: "共产党员户", Post: "环境卫生监督岗", Pledge: "带头搞好门前三包", PlateHungAt: hung}
		tag.ID = ""
		if diff := cmp.Diff(party, tag); diff != "" {
			t.Errorf("tagHousehold (-want +got):\n%s", diff)
		}

		t.Run("a plate needs a pledge", func(t *testing.T) {
			w.refuse(t, w.patroller.Token, tagQ, tagVars("MASSES_REPRESENTATIVE_HOUSEHOLD", "矛盾调解岗", ""), "BAD_USER_INPUT", "pledge")
			w.refuse(t, w.patroller.Token, tagQ, tagVars("MASSES_REPRESENTATIVE_HOUSEHOLD", "矛盾调解岗", "   "), "BAD_USER_INPUT", "pledge")
			w.refuse(t, w.patroller.Token, tagQ, tagVars("MASSES_REPRESENTATIVE_HOUSEHOLD", "", "及时反映群众诉求"), "BAD_USER_INPUT", "post")
		})

		masses := Tag{Kind: "MASSES_REPRESENTATIVE_HOUSEHOLD", KindLabel: "群众代表户", Post: "矛盾调解岗", Pledge: "及时反映群众诉求", PlateHungAt: hung}
		w.must(t, w.patroller.Token, tagQ, tagVars("MASSES_REPRESENTATIVE_HOUSEHOLD", "矛盾调解岗", "及时反映群众诉求"), "tagHousehold", &tag)
		if diff := cmp.Diff([]Tag{masses, party}, sortTags(tags())); diff != "" {
			t.Errorf("tags after hanging both plates (-want +got):\n%s", diff)
		}

		// Hanging a plate of a kind already hung replaces it.
		w.must(t, w.patroller.Token, tagQ, tagVars("PARTY_MEMBER_HOUSEHOLD", "政策宣传岗", "宣传政策到户到人"), "tagHousehold", &tag)
		party.Post, party.Pledge = "政策宣传岗", "宣传政策到户到人"
		if diff := cmp.Diff([]Tag{masses, party}, sortTags(tags())); diff != "" {
			t.Errorf("tags after replacing the party-member plate (-want +got):\n%s", diff)
		}

		var removed bool
		w.must(t, w.patroller.Token, untagQ, map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD"}, "untagHousehold", &removed)
		if !removed {
			t.Error("untagHousehold of a hung plate = false, want true")
		}
		if diff := cmp.Diff([]Tag{masses}, tags()); diff != "" {
			t.Errorf("tags after untagging (-want +got):\n%s", diff)
		}
		w.must(t, w.patroller.Token, untagQ, map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD"}, "untagHousehold", &removed)
		if removed {
			t.Error("untagHousehold of a plate not hung = true, want false")
		}
		w.refuse(t, w.outsider.Token, untagQ, map[string]any{"h": h.ID, "kind": "MASSES_REPRESENTATIVE_HOUSEHOLD"}, "FORBIDDEN", "")
	})
}

// sortTags orders plates by kind.
func sortTags(tags []Tag) []Tag {
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Kind, b.Kind) })
	return tags
}

// TestBadInput sends what the issue calls bad input; each is refused with its code (and the
// field at fault) and changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "ORDINARY")
		away := w.household(t, w.group2, "ORDINARY")
		w.report(t, w.patroller, "已提交的日报") // so that a refused resubmission must leave it be

		now := time.Now().UTC().Truncate(time.Second)
		from, to := w.patrolWindow()
		patrolWith := func(change func(v map[string]any)) map[string]any {
			v := w.patrolVars(w.group)
			change(v)
			return v
		}
		withPoint := func(i int, p trackPoint) map[string]any {
			return patrolWith(func(v map[string]any) {
				track := walk(6, from, to)
				track[i] = p
				v["track"] = track
			})
		}
		at := func(i int) string { return walk(6, from, to)[i]["at"].(string) }
		swapped := patrolWith(func(v map[string]any) {
			track := walk(6, from, to)
			track[2]["at"], track[3]["at"] = track[3]["at"], track[2]["at"]
			v["track"] = track
		})
		// 100 km east of the previous point, one minute later.
		jumpAt := from.Add(time.Minute)
		jump := patrolWith(func(v map[string]any) {
			v["track"] = []trackPoint{
				{"lat": 34.75, "lng": 113.52, "at": from.Format(time.RFC3339)},
				{"lat": 34.75, "lng": 113.52 + 100_000/(111_195*math.Cos(34.75*math.Pi/180)), "at": jumpAt.Format(time.RFC3339)},
			}
		})
		report := func(vars map[string]any) map[string]any {
			if _, ok := vars["summary"]; !ok {
				vars["summary"] = "不应保存的日报"
			}
			return vars
		}

		cases := []struct {
			name  string
			token string
			query string
			vars  map[string]any
			code  string
			field string
		}{
			{name: "visit to a household outside the visitor's scope", token: w.outsider.Token, query: visitQ,
				vars: map[string]any{"h": h.ID, "at": now.Add(-time.Minute)}, code: "FORBIDDEN"},
			{name: "visit to a household of the sibling village", token: w.patroller.Token, query: visitQ,
				vars: map[string]any{"h": away.ID, "at": now.Add(-time.Minute)}, code: "FORBIDDEN"},
			{name: "visit in the future", token: w.patroller.Token, query: visitQ,
				vars: map[string]any{"h": h.ID, "at": now.Add(time.Hour)}, code: "BAD_USER_INPUT", field: "visitedAt"},
			{name: "patrol that ends before it starts", token: w.patroller.Token, query: patrolQ,
				vars: map[string]any{"g": gid(w.group), "from": now.Add(-10 * time.Minute), "to": now.Add(-20 * time.Minute)}, code: "BAD_USER_INPUT", field: "endedAt"},
			{name: "patrol that ends as it starts", token: w.patroller.Token, query: patrolQ,
				vars: map[string]any{"g": gid(w.group), "from": now.Add(-10 * time.Minute), "to": now.Add(-10 * time.Minute)}, code: "BAD_USER_INPUT", field: "endedAt"},
			{name: "patrol that ends in the future", token: w.patroller.Token, query: patrolQ,
				vars: map[string]any{"g": gid(w.group), "from": now.Add(-10 * time.Minute), "to": now.Add(2 * time.Hour)}, code: "BAD_USER_INPUT", field: "endedAt"},
			{name: "patrol of a grid outside the patroller's scope", token: w.patroller.Token, query: patrolQ,
				vars: w.patrolVars(w.group2), code: "FORBIDDEN"},
			{name: "track point off the globe (latitude 91)", token: w.patroller.Token, query: patrolQ,
				vars: withPoint(3, trackPoint{"lat": 91.0, "lng": 113.52, "at": at(3)}), code: "BAD_USER_INPUT", field: "track"},
			{name: "track point off the globe (longitude -181)", token: w.patroller.Token, query: patrolQ,
				vars: withPoint(0, trackPoint{"lat": 34.75, "lng": -181.0, "at": at(0)}), code: "BAD_USER_INPUT", field: "track"},
			{name: "track point an hour before the patrol", token: w.patroller.Token, query: patrolQ,
				vars: withPoint(0, trackPoint{"lat": 34.75, "lng": 113.52, "at": from.Add(-time.Hour).Format(time.RFC3339)}), code: "BAD_USER_INPUT", field: "track"},
			{name: "track point an hour after the patrol", token: w.patroller.Token, query: patrolQ,
				vars: withPoint(5, trackPoint{"lat": 34.75, "lng": 113.52, "at": to.Add(time.Hour).Format(time.RFC3339)}), code: "BAD_USER_INPUT", field: "track"},
			{name: "track points out of order", token: w.patroller.Token, query: patrolQ,
				vars: swapped, code: "BAD_USER_INPUT", field: "track"},
			{name: "track jumping 100 km in a minute", token: w.patroller.Token, query: patrolQ,
				vars: jump, code: "BAD_USER_INPUT", field: "track"},
			{name: "daily report for a future day", token: w.patroller.Token, query: reportQ,
				vars: report(map[string]any{"day": w.tomorrow}), code: "BAD_USER_INPUT", field: "day"},
			{name: "daily report for another person", token: w.patroller.Token, query: reportQ,
				vars: report(map[string]any{"p": w.gridHead.SID()}), code: "FORBIDDEN"},
			{name: "daily report with a malformed day", token: w.patroller.Token, query: reportQ,
				vars: report(map[string]any{"day": "2024-13-45"}), code: "BAD_USER_INPUT", field: "day"},
			{name: "daily report with an unpadded day", token: w.patroller.Token, query: reportQ,
				vars: report(map[string]any{"day": "2024-1-5"}), code: "BAD_USER_INPUT", field: "day"},
			{name: "daily report with a word for a day", token: w.patroller.Token, query: reportQ,
				vars: report(map[string]any{"day": "today"}), code: "BAD_USER_INPUT", field: "day"},
			{name: "daily report on a grid without a role there", token: w.patroller.Token, query: reportQ,
				vars: report(map[string]any{"g": gid(w.village2)}), code: "BAD_USER_INPUT", field: "gridID"},
			{name: "visit by a person without any role", token: w.roleless.Token, query: visitQ,
				vars: map[string]any{"h": h.ID, "at": now.Add(-time.Minute)}, code: "FORBIDDEN"},
			{name: "patrol by a person without any role", token: w.roleless.Token, query: patrolQ,
				vars: w.patrolVars(w.group), code: "FORBIDDEN"},
			{name: "daily report by a person without any role", token: w.roleless.Token, query: reportQ,
				vars: report(map[string]any{}), code: "FORBIDDEN"},
			{name: "plate hung by a person without any role", token: w.roleless.Token, query: tagQ,
				vars: map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD", "post": "岗", "pledge": "承诺", "at": now}, code: "FORBIDDEN"},
			{name: "visit by an account linked to no person", token: w.admin, query: visitQ,
				vars: map[string]any{"h": h.ID, "at": now.Add(-time.Minute)}, code: "FORBIDDEN"},
			{name: "household on a level-2 grid", token: w.admin, query: createHouseholdQ,
				vars: map[string]any{"in": w.householdInput(w.village, "ORDINARY")}, code: "BAD_USER_INPUT", field: "gridID"},
			{name: "household of no members", token: w.admin, query: createHouseholdQ,
				vars: map[string]any{"in": func() map[string]any { in := w.householdInput(w.group, "ORDINARY"); in["members"] = 0; return in }()},
				code: "BAD_USER_INPUT", field: "members"},
			{name: "compliance for a malformed day", token: w.villageFirst.Token, query: missingRepQ,
				vars: map[string]any{"g": gid(w.village), "day": "2024/01/05"}, code: "BAD_USER_INPUT", field: "day"},
			{name: "work counts ending before they start", token: w.villageFirst.Token, query: workCountsQ,
				vars: map[string]any{"g": gid(w.village), "from": w.today, "to": w.yesterday}, code: "BAD_USER_INPUT", field: "to"},
			{name: "visit interval of zero days", token: w.admin, query: intervalQ,
				vars: map[string]any{"level": "VULNERABLE", "days": 0}, code: "BAD_USER_INPUT", field: "days"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				w.refuse(t, c.token, c.query, c.vars, c.code, c.field)
			})
		}
	})
}

// TestWhoMayDoWhat is the table of operations × viewers of daily work, as policy.csv grants
// them: "" is allowed, anything else the code of the refusal.
func TestWhoMayDoWhat(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "ORDINARY")
		now := time.Now().UTC().Truncate(time.Second)

		type op struct {
			query string
			vars  func() map[string]any
		}
		ops := map[string]op{
			"createHousehold": {createHouseholdQ, func() map[string]any { return map[string]any{"in": w.householdInput(w.group, "ORDINARY")} }},
			"updateHousehold": {updateHouseholdQ, func() map[string]any {
				return map[string]any{"id": h.ID, "in": map[string]any{"careLevel": "VULNERABLE"}}
			}},
			"tagHousehold": {tagQ, func() map[string]any {
				return map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD", "post": "政策宣传岗", "pledge": "宣传政策到户", "at": now}
			}},
			"recordVisit":       {visitQ, func() map[string]any { return map[string]any{"h": h.ID, "at": w.recentToday(time.Minute)} }},
			"recordPatrol":      {patrolQ, func() map[string]any { return w.patrolVars(w.group) }},
			"submitDailyReport": {reportQ, func() map[string]any { return map[string]any{"summary": "今日工作"} }},
			"setVisitInterval":  {intervalQ, func() map[string]any { return map[string]any{"level": "VULNERABLE", "days": 30} }},
		}
		admin := actor{Key: "admin", Token: w.admin}
		cases := []struct {
			op     string
			viewer actor
			want   string
		}{
			{"createHousehold", admin, ""},
			{"createHousehold", w.villageFirst, ""}, // policy.csv: officials keep the household register
			{"createHousehold", w.patroller, "FORBIDDEN"},
			{"createHousehold", w.supervisor, "FORBIDDEN"},
			{"createHousehold", w.outsider, "FORBIDDEN"},

			{"updateHousehold", admin, ""},
			{"updateHousehold", w.patroller, ""}, // SPECIFIC_RESPONSIBLE, household, update
			{"updateHousehold", w.villageFirst, ""},
			{"updateHousehold", w.supervisor, "FORBIDDEN"},
			{"updateHousehold", w.outsider, "FORBIDDEN"},

			{"tagHousehold", admin, ""},
			{"tagHousehold", w.patroller, ""},
			{"tagHousehold", w.villageFirst, ""},
			{"tagHousehold", w.supervisor, "FORBIDDEN"},
			{"tagHousehold", w.outsider, "FORBIDDEN"},

			{"recordVisit", w.patroller, ""},
			{"recordVisit", w.villageFirst, "FORBIDDEN"},
			{"recordVisit", w.supervisor, "FORBIDDEN"},
			{"recordVisit", w.outsider, "FORBIDDEN"},

			{"recordPatrol", w.patroller, ""},
			{"recordPatrol", w.villageFirst, "FORBIDDEN"},
			{"recordPatrol", w.supervisor, "FORBIDDEN"},
			{"recordPatrol", w.outsider, "FORBIDDEN"},

			{"submitDailyReport", w.patroller, ""},
			{"submitDailyReport", w.supervisor, "FORBIDDEN"},   // policy.csv: SUPERVISOR has daily_report/read only
			{"submitDailyReport", w.villageFirst, "FORBIDDEN"}, // policy.csv: FIRST_RESPONSIBLE has daily_report/read only

			{"setVisitInterval", admin, ""},
			{"setVisitInterval", w.villageFirst, "FORBIDDEN"},
			{"setVisitInterval", w.supervisor, "FORBIDDEN"},
			{"setVisitInterval", w.patroller, "FORBIDDEN"},
		}
		for _, c := range cases {
			t.Run(c.op+" as "+c.viewer.Key, func(t *testing.T) {
				o := ops[c.op]
				if c.want != "" {
					w.refuse(t, c.viewer.Token, o.query, o.vars(), c.want, "")
					return
				}
				if resp := w.env.Do(t, c.viewer.Token, o.query, o.vars()); len(resp.Errors) > 0 {
					t.Errorf("%s as %s refused: %+v", c.op, c.viewer.Key, resp.Errors)
				}
			})
		}
	})
}

// TestScope checks what each viewer sees of the village's and the sibling village's daily
// work: the list connections, node(id), the private fields, and the compliance queries.
func TestScope(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "VULNERABLE")
		var tag Tag
		w.must(t, w.patroller.Token, tagQ, map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD", "post": "环境卫生监督岗", "pledge": "带头搞好门前三包", "at": time.Now()}, "tagHousehold", &tag)
		v := w.visit(t, w.patroller, h.ID, w.recentToday(time.Minute), "路灯不亮")
		var linked Visit
		w.must(t, w.patroller.Token, concernQ, map[string]any{"v": v.ID, "cat": w.garbage, "title": "路灯不亮"}, "visitConcernToEvent", &linked)
		p := w.patrol(t, w.patroller, w.group)
		r := w.report(t, w.patroller, "三王庄村日报")

		hOut := w.household(t, w.group2, "VULNERABLE")
		vOut := w.visit(t, w.outsider, hOut.ID, w.recentToday(time.Minute), "")
		pOut := w.patrol(t, w.outsider, w.village2)
		rOut := w.report(t, w.outsider, "桐树王村日报")

		admin := actor{Key: "admin", Token: w.admin}
		village := map[string]string{"households": h.ID, "visits": v.ID, "patrols": p.ID, "dailyReports": r.ID}
		sibling := map[string]string{"households": hOut.ID, "visits": vOut.ID, "patrols": pOut.ID, "dailyReports": rOut.ID}
		sees := []struct {
			viewer         actor
			village, other bool
		}{
			{w.patroller, true, false},
			{w.gridHead, true, false},
			{w.villageFirst, true, false},
			{w.outsider, false, true},
			{w.supervisor, true, true},
			{admin, true, true},
			{w.roleless, false, false},
		}
		for _, s := range sees {
			for _, list := range []string{"households", "visits", "patrols", "dailyReports"} {
				t.Run(list+" as "+s.viewer.Key, func(t *testing.T) {
					want := []string{}
					if s.village {
						want = append(want, village[list])
					}
					if s.other {
						want = append(want, sibling[list])
					}
					if got := w.connection(t, s.viewer.Token, list); !slices.Equal(got, sortedIDs(want...)) {
						t.Errorf("%s as %s = %v, want %v", list, s.viewer.Key, got, sortedIDs(want...))
					}
				})
			}
		}

		t.Run("anonymous", func(t *testing.T) {
			for _, list := range []string{"households", "visits", "patrols", "dailyReports"} {
				resp := w.env.Do(t, "", `query { `+list+`(first: 10) { edges { node { id } } } }`, nil)
				var data map[string]*struct {
					Edges []struct{} `json:"edges"`
				}
				_ = json.Unmarshal(resp.Data, &data)
				if c := data[list]; c != nil && len(c.Edges) > 0 {
					t.Errorf("%s without sign-in lists %d rows", list, len(c.Edges))
				}
			}
		})

		t.Run("node", func(t *testing.T) {
			for name, id := range map[string]string{"household": h.ID, "tag": tag.ID, "visit": v.ID, "patrol": p.ID, "report": r.ID, "case": linked.Event.ID} {
				if got := w.node(t, w.outsider.Token, id); got != "" {
					t.Errorf("the outsider sees the village's %s %s through node(id)", name, id)
				}
				if got := w.node(t, w.roleless.Token, id); got != "" {
					t.Errorf("a person without a role sees the village's %s %s through node(id)", name, id)
				}
				if got := w.node(t, w.villageFirst.Token, id); got != id {
					t.Errorf("the village's first-responsible cannot see its %s %s through node(id)", name, id)
				}
			}
		})

		t.Run("private fields in scope", func(t *testing.T) {
			for _, a := range []actor{w.villageFirst, w.gridHead, w.patroller} {
				var out struct {
					Node *Household `json:"node"`
				}
				w.env.MustDo(t, a.Token, householdNode, map[string]any{"id": h.ID}, &out)
				if out.Node == nil {
					t.Errorf("household %s not visible to %s", h.ID, a.Key)
					continue
				}
				if out.Node.Phone != h.Phone || out.Node.Notes != h.Notes || h.Phone == "" || h.Notes == "" {
					t.Errorf("%s reads phone %q notes %q, want %q and %q", a.Key, out.Node.Phone, out.Node.Notes, h.Phone, h.Notes)
				}
				if len(out.Node.Tags) != 1 {
					t.Errorf("%s sees %d tags on household %s, want 1", a.Key, len(out.Node.Tags), h.ID)
				}
			}
		})

		t.Run("own reports and patrols", func(t *testing.T) {
			var out struct {
				DailyReports struct {
					Edges []struct {
						Node Report `json:"node"`
					} `json:"edges"`
				} `json:"dailyReports"`
				Patrols struct {
					Edges []struct {
						Node Patrol `json:"node"`
					} `json:"edges"`
				} `json:"patrols"`
			}
			w.env.MustDo(t, w.patroller.Token, `query { dailyReports(first: 10) { edges { node { ...R } } } patrols(first: 10) { edges { node { ...P } } } } `+reportFragment+patrolFragment, nil, &out)
			if len(out.DailyReports.Edges) != 1 || out.DailyReports.Edges[0].Node.Summary != "三王庄村日报" || out.DailyReports.Edges[0].Node.Visits != 1 {
				t.Errorf("the patroller's reports = %+v, want their one report with 1 visit", out.DailyReports.Edges)
			}
			if len(out.Patrols.Edges) != 1 || out.Patrols.Edges[0].Node.Person == nil || out.Patrols.Edges[0].Node.Person.ID != w.patroller.SID() {
				t.Errorf("the patroller's patrols = %+v, want their one patrol", out.Patrols.Edges)
			}
		})

		// Compliance: outside the viewer's scope an error and no data; inside, an answer.
		queries := []struct {
			field, query string
			vars         func(g string) map[string]any
		}{
			{"missingDailyReports", missingRepQ, func(g string) map[string]any { return map[string]any{"g": g, "day": w.today} }},
			{"missingPatrols", missingPatQ, func(g string) map[string]any { return map[string]any{"g": g, "day": w.today} }},
			{"overdueHouseholds", overdueQ, func(g string) map[string]any { return map[string]any{"g": g} }},
			{"workCounts", workCountsQ, func(g string) map[string]any { return map[string]any{"g": g, "from": w.today, "to": w.today} }},
		}
		compliance := []struct {
			viewer actor
			grid   string
			gname  string
			denied bool
		}{
			{w.outsider, gid(w.village), "village", true},
			{w.outsider, gid(w.group), "group", true},
			{w.gridHead, gid(w.village), "village", true},
			{w.patroller, gid(w.village2), "village2", true},
			{w.roleless, gid(w.group), "group", true},
			{w.gridHead, gid(w.group), "group", false},
			{w.villageFirst, gid(w.village), "village", false},
			{w.supervisor, gid(w.sub), "sub", false},
		}
		for _, c := range compliance {
			for _, q := range queries {
				t.Run(q.field+"("+c.gname+") as "+c.viewer.Key, func(t *testing.T) {
					resp := w.env.Do(t, c.viewer.Token, q.query, q.vars(c.grid))
					if !c.denied {
						if len(resp.Errors) > 0 {
							t.Errorf("refused: %+v", resp.Errors)
						}
						return
					}
					var data map[string]json.RawMessage
					_ = json.Unmarshal(resp.Data, &data)
					if got := data[q.field]; len(got) > 0 && string(got) != "null" {
						t.Errorf("answered outside the viewer's scope: %s", got)
					}
					if codes := resp.Codes(); len(codes) == 0 || (codes[0] != "NOT_FOUND" && codes[0] != "FORBIDDEN") {
						t.Errorf("errors %+v, want NOT_FOUND or FORBIDDEN", resp.Errors)
					}
				})
			}
		}
	})
}

// TestVisitInterval changes how often vulnerable households must be visited.
func TestVisitInterval(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		never := w.household(t, w.group, "VULNERABLE")
		recent := w.household(t, w.group, "VULNERABLE")
		w.visit(t, w.patroller, recent.ID, time.Now().Add(-24*time.Hour), "")
		overdue := func() []string {
			t.Helper()
			var out []Household
			w.must(t, w.villageFirst.Token, overdueQ, map[string]any{"g": gid(w.village), "level": "VULNERABLE"}, "overdueHouseholds", &out)
			return ids(out, func(h Household) string { return h.ID })
		}
		intervals := func() map[string]int {
			t.Helper()
			var out []struct {
				CareLevel string `json:"careLevel"`
				Days      int    `json:"days"`
			}
			w.must(t, w.villageFirst.Token, `query { visitIntervals { careLevel days } }`, nil, "visitIntervals", &out)
			m := map[string]int{}
			for _, i := range out {
				m[i.CareLevel] = i.Days
			}
			return m
		}
		defaults := map[string]int{"ORDINARY": 182, "NEEDS_ATTENTION": 91, "VULNERABLE": 30}
		if diff := cmp.Diff(defaults, intervals()); diff != "" {
			t.Errorf("default visitIntervals (-want +got):\n%s", diff)
		}
		if got := overdue(); !slices.Equal(got, []string{never.ID}) {
			t.Errorf("overdue with a 30-day interval = %v, want %v", got, []string{never.ID})
		}

		w.refuse(t, w.villageFirst.Token, intervalQ, map[string]any{"level": "VULNERABLE", "days": 1}, "FORBIDDEN", "")
		if got := overdue(); !slices.Equal(got, []string{never.ID}) {
			t.Errorf("overdue after a refused change = %v, want %v", got, []string{never.ID})
		}

		var set struct {
			CareLevel string `json:"careLevel"`
			Days      int    `json:"days"`
		}
		w.must(t, w.admin, intervalQ, map[string]any{"level": "VULNERABLE", "days": 1}, "setVisitInterval", &set)
		if set.CareLevel != "VULNERABLE" || set.Days != 1 {
			t.Errorf("setVisitInterval = %+v, want VULNERABLE 1", set)
		}
		if got, want := overdue(), sortedIDs(never.ID, recent.ID); !slices.Equal(got, want) {
			t.Errorf("overdue with a 1-day interval = %v, want %v (the one visited yesterday too)", got, want)
		}
		w.must(t, w.admin, intervalQ, map[string]any{"level": "VULNERABLE", "days": 30}, "setVisitInterval", &set)
		if got := overdue(); !slices.Equal(got, []string{never.ID}) {
			t.Errorf("overdue back at 30 days = %v, want %v", got, []string{never.ID})
		}
		if diff := cmp.Diff(defaults, intervals()); diff != "" {
			t.Errorf("visitIntervals after setting 30 again (-want +got):\n%s", diff)
		}
		if n, err := db.Client.VisitInterval.Query().Count(servertest.System()); err != nil || n != 1 {
			t.Errorf("%d visit interval rows (%v) after setting one level twice, want 1", n, err)
		}
	})
}

// TestIdempotency retries recordPatrol and recordVisit with the same key.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "ORDINARY")
		sys := servertest.System()

		pv := w.patrolVars(w.group)
		pv["key"] = "patrol-1"
		var p1, p2 Patrol
		w.must(t, w.patroller.Token, patrolQ, pv, "recordPatrol", &p1)
		w.must(t, w.patroller.Token, patrolQ, pv, "recordPatrol", &p2)
		if p1.ID != p2.ID {
			t.Errorf("recordPatrol retried with the same key made patrols %s and %s", p1.ID, p2.ID)
		}
		if n, _ := db.Client.Patrol.Query().Where(patrol.PersonID(w.patroller.ID)).Count(sys); n != 1 {
			t.Errorf("%d patrols after a retry, want 1", n)
		}

		vv := map[string]any{"h": h.ID, "at": w.recentToday(time.Minute), "notes": "入户走访", "key": "visit-1"}
		var v1, v2 Visit
		w.must(t, w.patroller.Token, visitQ, vv, "recordVisit", &v1)
		w.must(t, w.patroller.Token, visitQ, vv, "recordVisit", &v2)
		if v1.ID != v2.ID {
			t.Errorf("recordVisit retried with the same key made visits %s and %s", v1.ID, v2.ID)
		}
		if n, _ := db.Client.Visit.Query().Where(visit.VisitorID(w.patroller.ID)).Count(sys); n != 1 {
			t.Errorf("%d visits after a retry, want 1", n)
		}

		// A key belongs to one operation, and a new key is a new record.
		w.refuse(t, w.patroller.Token, visitQ, map[string]any{"h": h.ID, "at": w.recentToday(time.Minute), "key": "patrol-1"}, "BAD_USER_INPUT", "idempotencyKey")
		vv["key"] = "visit-2"
		w.must(t, w.patroller.Token, visitQ, vv, "recordVisit", &v2)
		if v1.ID == v2.ID {
			t.Errorf("recordVisit with a new key returned the old visit %s", v1.ID)
		}
		var r Report
		w.must(t, w.patroller.Token, reportQ, map[string]any{"summary": "日报"}, "submitDailyReport", &r)
		if r.Visits != 2 || r.Patrols != 1 {
			t.Errorf("report totals visits=%d patrols=%d, want 2 and 1", r.Visits, r.Patrols)
		}
	})
}

// TestOverdueMostVulnerableFirst checks the order overdueHouseholds promises.
func TestOverdueMostVulnerableFirst(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		for _, level := range []string{"ORDINARY", "NEEDS_ATTENTION", "VULNERABLE", "ORDINARY", "NEEDS_ATTENTION", "VULNERABLE"} {
			w.household(t, w.group, level)
		}
		var out []Household
		w.must(t, w.villageFirst.Token, overdueQ, map[string]any{"g": gid(w.village)}, "overdueHouseholds", &out)
		got := make([]string, len(out))
		for i, h := range out {
			got[i] = h.CareLevel
		}
		want := []string{"VULNERABLE", "VULNERABLE", "NEEDS_ATTENTION", "NEEDS_ATTENTION", "ORDINARY", "ORDINARY"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("overdueHouseholds care levels, most vulnerable first (-want +got):\n%s", diff)
		}
	})
}

// TestDutyHoldersCanClearTheirDuty: whoever missingPatrols or missingDailyReports lists can
// record what is missing, and then leaves the list.
func TestDutyHoldersCanClearTheirDuty(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		byID := map[string]actor{w.patroller.SID(): w.patroller, w.gridHead.SID(): w.gridHead}
		vars := map[string]any{"g": gid(w.village), "day": w.today}
		for _, c := range []struct {
			field, query string
			record       func(t *testing.T, a actor) *servertest.Response
		}{
			{"missingPatrols", missingPatQ, func(t *testing.T, a actor) *servertest.Response {
				return w.env.Do(t, a.Token, patrolQ, w.patrolVars(w.group))
			}},
			{"missingDailyReports", missingRepQ, func(t *testing.T, a actor) *servertest.Response {
				return w.env.Do(t, a.Token, reportQ, map[string]any{"summary": "今日工作"})
			}},
		} {
			missing := w.people(t, w.villageFirst.Token, c.query, c.field, vars)
			if want := sortedIDs(w.patroller.SID(), w.gridHead.SID()); !slices.Equal(missing, want) {
				t.Errorf("%s = %v, want %v", c.field, missing, want)
			}
			for _, id := range missing {
				a, ok := byID[id]
				if !ok {
					continue
				}
				t.Run(c.field+" "+a.Key, func(t *testing.T) {
					if resp := c.record(t, a); len(resp.Errors) > 0 {
						t.Errorf("%s, listed by %s, cannot record it: %+v", a.Key, c.field, resp.Errors)
					}
					if slices.Contains(w.people(t, w.villageFirst.Token, c.query, c.field, vars), id) {
						t.Errorf("%s still lists %s", c.field, a.Key)
					}
				})
			}
		}
	})
}

// TestMovedGridTakesItsDailyWork moves a villager group, and a household, to the sibling
// village: their daily work must follow them into the new scope and leave the old one.
func TestMovedGridTakesItsDailyWork(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "VULNERABLE")
		var tag Tag
		w.must(t, w.patroller.Token, tagQ, map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD", "post": "岗", "pledge": "承诺", "at": time.Now()}, "tagHousehold", &tag)
		v := w.visit(t, w.patroller, h.ID, w.recentToday(time.Minute), "")
		p := w.patrol(t, w.patroller, w.group)
		r := w.report(t, w.patroller, "日报")
		never := w.household(t, w.group, "VULNERABLE")

		w.env.MustDo(t, w.admin, `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { id } }`,
			map[string]any{"id": gid(w.group), "p": gid(w.village2)}, nil)

		for list, want := range map[string][]string{
			"households": sortedIDs(h.ID, never.ID), "visits": {v.ID}, "patrols": {p.ID}, "dailyReports": {r.ID},
		} {
			if got := w.connection(t, w.outsider.Token, list); !slices.Equal(got, want) {
				t.Errorf("%s of the moved group as the new village's staff = %v, want %v", list, got, want)
			}
			if got := w.connection(t, w.villageFirst.Token, list); len(got) != 0 {
				t.Errorf("%s of the moved group still visible to the old village: %v", list, got)
			}
		}
		var overdue []Household
		w.must(t, w.outsider.Token, overdueQ, map[string]any{"g": gid(w.village2), "level": "VULNERABLE"}, "overdueHouseholds", &overdue)
		if got := ids(overdue, func(h Household) string { return h.ID }); !slices.Contains(got, never.ID) {
			t.Errorf("overdueHouseholds(new village) = %v, want it to hold the moved group's %s", got, never.ID)
		}
	})
}

// TestMovedHouseholdKeepsItsPlates moves one household to the sibling village's group.
func TestMovedHouseholdKeepsItsPlates(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "ORDINARY")
		var tag Tag
		w.must(t, w.patroller.Token, tagQ, map[string]any{"h": h.ID, "kind": "PARTY_MEMBER_HOUSEHOLD", "post": "岗", "pledge": "承诺", "at": time.Now()}, "tagHousehold", &tag)
		var moved Household
		w.must(t, w.admin, updateHouseholdQ, map[string]any{"id": h.ID, "in": map[string]any{"gridID": gid(w.group2)}}, "updateHousehold", &moved)
		if moved.GridPath != w.group2.Path {
			t.Errorf("moved household's gridPath = %s, want %s", moved.GridPath, w.group2.Path)
		}
		var out struct {
			Node *Household `json:"node"`
		}
		w.env.MustDo(t, w.outsider.Token, householdNode, map[string]any{"id": h.ID}, &out)
		if out.Node == nil {
			t.Fatalf("moved household not visible in its new village")
		}
		if len(out.Node.Tags) != 1 || out.Node.Tags[0].ID != tag.ID {
			t.Errorf("moved household's tags in its new village = %+v, want its plate %s", out.Node.Tags, tag.ID)
		}
		if got := w.node(t, w.villageFirst.Token, tag.ID); got != "" {
			t.Errorf("the old village still sees the moved household's plate %s", tag.ID)
		}
	})
}

// TestFormerStaff: someone whose role ended keeps seeing their own visits, but can no longer
// record daily work or turn an old visit's concern into a case.
func TestFormerStaff(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		sys := servertest.System()
		h := w.household(t, w.group, "ORDINARY")
		p, err := db.Client.Person.Create().SetName("冯离任").SetGridID(w.village2.ID).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(w.group.ID).SetRole(assignment.RoleSPECIFIC_RESPONSIBLE).
			SetDuty(assignment.DutyPATROLLER).SetValidFrom(time.Now().Add(-48 * time.Hour)).Exec(sys); err != nil {
			t.Fatal(err)
		}
		former := actor{ID: p.ID, Key: "former", Name: "冯离任", Token: w.env.TokenFor(t, p.ID, false)}
		v := w.visit(t, former, h.ID, w.recentToday(2*time.Minute), "院墙开裂")
		if err := db.Client.Assignment.Update().Where(assignment.PersonID(p.ID)).SetValidTo(time.Now().Add(-time.Second)).Exec(sys); err != nil {
			t.Fatal(err)
		}

		if got := w.connection(t, former.Token, "visits"); !slices.Equal(got, []string{v.ID}) {
			t.Errorf("the former patroller's visits = %v, want their own %s", got, v.ID)
		}
		w.refuse(t, former.Token, concernQ, map[string]any{"v": v.ID, "cat": w.garbage, "title": "院墙开裂"}, "FORBIDDEN", "")
		w.refuse(t, former.Token, visitQ, map[string]any{"h": h.ID, "at": w.recentToday(time.Minute)}, "FORBIDDEN", "")
		w.refuse(t, former.Token, reportQ, map[string]any{"summary": "日报"}, "FORBIDDEN", "")
	})
}

// TestLateReport files reports for past days: their totals are that day's work, and a report
// may be up to 7 days late.
func TestLateReport(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "VULNERABLE")
		w.visit(t, w.patroller, h.ID, time.Now().Add(-24*time.Hour), "")
		w.visit(t, w.patroller, h.ID, w.recentToday(time.Minute), "")

		var r Report
		w.must(t, w.patroller.Token, reportQ, map[string]any{"day": w.yesterday, "summary": "补报昨日"}, "submitDailyReport", &r)
		if r.Day != w.yesterday || r.Visits != 1 || r.Patrols != 0 || r.EventsReported != 0 {
			t.Errorf("yesterday's report = %+v, want day %s with 1 visit", r, w.yesterday)
		}
		start, err := time.Parse(time.DateOnly, w.today)
		if err != nil {
			t.Fatal(err)
		}
		weekAgo := start.AddDate(0, 0, -7).Format(time.DateOnly)
		if resp := w.env.Do(t, w.patroller.Token, reportQ, map[string]any{"day": weekAgo, "summary": "补报"}); len(resp.Errors) > 0 {
			t.Errorf("a report 7 days late (%s) refused: %+v", weekAgo, resp.Errors)
		}
		w.refuse(t, w.patroller.Token, reportQ, map[string]any{"day": start.AddDate(0, 0, -8).Format(time.DateOnly), "summary": "补报"}, "BAD_USER_INPUT", "day")
	})
}
