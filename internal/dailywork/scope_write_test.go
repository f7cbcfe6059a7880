package dailywork_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent/assignment"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestConcernToEventNeedsVisitPermission: turning a visit's concern into a case writes the
// visit, so the viewer must be allowed to record visits at the household's grid as well as to
// report cases there. An official who reads visits and reports cases, but records none, is
// refused and nothing changes; the visitor themselves may.
func TestConcernToEventNeedsVisitPermission(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		h := w.household(t, w.group, "ORDINARY")
		v := w.visit(t, w.patroller, h.ID, w.recentToday(time.Minute), "院墙开裂")
		vars := map[string]any{"v": v.ID, "cat": w.garbage, "title": "院墙开裂"}
		w.refuse(t, w.villageFirst.Token, concernQ, vars, "FORBIDDEN", "") // FIRST_RESPONSIBLE: visit/read, event/report
		w.refuse(t, w.supervisor.Token, concernQ, vars, "FORBIDDEN", "")   // SUPERVISOR: visit/read only
		w.refuse(t, w.outsider.Token, concernQ, vars, "FORBIDDEN", "")     // cannot see the visit
		w.refuse(t, "", concernQ, vars, "UNAUTHENTICATED", "")
		var linked Visit
		w.must(t, w.patroller.Token, concernQ, vars, "visitConcernToEvent", &linked)
		if linked.Event == nil {
			t.Fatalf("the visitor's concern was not linked to a case: %+v", linked)
		}
	})
}

// TestComplianceCountsOnlyWorkInScope: a patroller works in the official's village and in the
// sibling village. The official's compliance figures count only the work done under the
// village; the sub-district's supervisor, whose scope holds both, sees all of it.
func TestComplianceCountsOnlyWorkInScope(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		if err := db.Client.Assignment.Create().SetPersonID(w.patroller.ID).SetGridID(w.group2.ID).
			SetRole(assignment.RoleSPECIFIC_RESPONSIBLE).SetDuty(assignment.DutyPATROLLER).
			SetValidFrom(time.Now().Add(-24 * time.Hour)).Exec(servertest.System()); err != nil {
			t.Fatal(err)
		}
		inside := w.household(t, w.group, "ORDINARY")
		outside := w.household(t, w.group2, "ORDINARY")
		w.visit(t, w.patroller, inside.ID, w.recentToday(3*time.Minute), "")
		w.visit(t, w.patroller, outside.ID, w.recentToday(2*time.Minute), "")
		w.visit(t, w.patroller, outside.ID, w.recentToday(time.Minute), "")
		w.patrol(t, w.patroller, w.group2)
		var r Report
		w.must(t, w.patroller.Token, reportQ, map[string]any{"summary": "在桐树王村巡查", "g": gid(w.group2)}, "submitDailyReport", &r)

		type count struct {
			Person                                        Ref `json:"person"`
			Visits, Patrols, DailyReports, EventsReported int
		}
		countsOf := func(token string, g string) *count {
			t.Helper()
			var out []count
			w.must(t, token, workCountsQ, map[string]any{"g": g, "from": w.today, "to": w.today}, "workCounts", &out)
			for i := range out {
				if out[i].Person.ID == w.patroller.SID() {
					return &out[i]
				}
			}
			return &count{Person: Ref{ID: w.patroller.SID()}}
		}
		me := Ref{ID: w.patroller.SID()}
		if diff := cmp.Diff(&count{Person: me, Visits: 1}, countsOf(w.villageFirst.Token, gid(w.village))); diff != "" {
			t.Errorf("the official's workCounts (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(&count{Person: me, Visits: 3, Patrols: 1, DailyReports: 1}, countsOf(w.supervisor.Token, gid(w.sub))); diff != "" {
			t.Errorf("the supervisor's workCounts (-want +got):\n%s", diff)
		}

		// The patrol and the report were made outside the village: there the patroller has
		// done neither, and the official must not learn of work elsewhere.
		day := map[string]any{"g": gid(w.village), "day": w.today}
		want := sortedIDs(w.patroller.SID(), w.gridHead.SID())
		if diff := cmp.Diff(want, w.people(t, w.villageFirst.Token, missingPatQ, "missingPatrols", day)); diff != "" {
			t.Errorf("the official's missingPatrols (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, w.people(t, w.villageFirst.Token, missingRepQ, "missingDailyReports", day)); diff != "" {
			t.Errorf("the official's missingDailyReports (-want +got):\n%s", diff)
		}
		sub := map[string]any{"g": gid(w.sub), "day": w.today}
		if got := w.people(t, w.supervisor.Token, missingRepQ, "missingDailyReports", sub); slices.Contains(got, w.patroller.SID()) {
			t.Errorf("the supervisor's missingDailyReports %v lists the patroller, who filed under the sub-district", got)
		}
	})
}
