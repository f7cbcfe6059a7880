package supervision_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// world: 须水街道 with 三王庄村 and its group, where supervisor inspects and director runs
// cases; another sub-district with its own supervisor (other), out of the first one's scope.
type world struct {
	env                               *servertest.Env
	sub, village, group, sub2, group2 *ent.Grid
	supervisor, director, other       string // tokens
	supervisorID, directorID          int
	fixed, notFixed, open, hidden     *ent.Event
	reportedAt                        time.Time
}

func newWorld(t *testing.T, db *dbtest.DB) *world {
	t.Helper()
	ctx := servertest.System()
	if err := workflow.SeedCategories(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	w := &world{env: servertest.New(t, db), reportedAt: time.Now().Add(-10 * 24 * time.Hour).UTC().Truncate(time.Second)}
	mkGrid := func(parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
		t.Helper()
		b := db.Client.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			b.SetParentID(parent.ID)
		}
		g, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	district := mkGrid(nil, "410102", "中原区", grid.KindDISTRICT)
	w.sub = mkGrid(district, "410102001", "须水街道", grid.KindSUB_DISTRICT)
	w.village = mkGrid(w.sub, "410102001001", "三王庄村", grid.KindVILLAGE)
	w.group = mkGrid(w.village, "410102001001001", "三王庄村第一村民组", grid.KindVILLAGER_GROUP)
	w.sub2 = mkGrid(district, "410102002", "另一街道", grid.KindSUB_DISTRICT)
	village2 := mkGrid(w.sub2, "410102002001", "另一村", grid.KindVILLAGE)
	w.group2 = mkGrid(village2, "410102002001001", "另一村一组", grid.KindVILLAGER_GROUP)
	person := func(name string, on *ent.Grid, role assignment.Role) (int, string) {
		t.Helper()
		p, err := db.Client.Person.Create().SetName(name).SetGridID(on.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(on.ID).SetRole(role).
			SetValidFrom(time.Now().AddDate(0, -1, 0)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return p.ID, w.env.TokenFor(t, p.ID, false)
	}
	w.supervisorID, w.supervisor = person("吴督察", w.sub, assignment.RoleSUPERVISOR)
	w.directorID, w.director = person("赵德厚", w.village, assignment.RoleDIRECT_RESPONSIBLE)
	_, w.other = person("钱督察", w.sub2, assignment.RoleSUPERVISOR)

	cat, err := db.Client.EventCategory.Query().Where(eventcategory.Code("EXPOSED_GARBAGE")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	mkEvent := func(g *ent.Grid, status event.Status) *ent.Event {
		t.Helper()
		n++
		b := db.Client.Event.Create().SetTitle("垃圾堆放" + strconv.Itoa(n)).SetSource(event.SourcePATROL).SetCategoryID(cat.ID).
			SetGridID(g.ID).SetOriginGridID(g.ID).SetOriginPath(g.Path).SetTrackingCode("SUPTEST" + strconv.Itoa(n)).
			SetReportedAt(w.reportedAt).SetRegisteredAt(w.reportedAt).SetDeadline(w.reportedAt.Add(4 * time.Hour)).SetStatus(status)
		if workflow.Closed(status) {
			b.SetClosedAt(w.reportedAt.Add(2 * time.Hour)).SetFeedback("已清运")
		}
		ev, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.EventAction.Create().SetEventID(ev.ID).SetAction(eventaction.ActionREPORT).
			SetToStatus(eventaction.ToStatusREPORTED).SetToGridID(g.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	w.fixed = mkEvent(w.group, event.StatusCLOSED_FIXED)
	w.notFixed = mkEvent(w.group, event.StatusCLOSED_FIXED)
	w.open = mkEvent(w.group, event.StatusHANDLING)
	w.hidden = mkEvent(w.group2, event.StatusCLOSED_FIXED)
	return w
}

const (
	record = `mutation($g: ID!, $at: Time, $due: Time, $r: InspectionRating!) { recordInspection(input: {gridID: $g, inspectedAt: $at,
		findings: "公示卡照片缺失", rating: $r, photoUrls: ["https://photos.example.test/1.jpg"], followUpDue: $due}) {
		id kind kindLabel rating ratingLabel findings followUpDue grid { code } inspector { name } } }`
	recheck = `mutation($e: ID!, $p: Boolean!, $f: String) { recheckEvent(input: {eventID: $e, passed: $p, findings: $f, rating: GOOD}) {
		id kind recheckPassed followUpDue event { id status reworkCount version deadline timeline { action note } } } }`
)

type inspectionJSON struct {
	ID, Kind, KindLabel, Rating, RatingLabel, Findings string
	FollowUpDue                                        *time.Time
	RecheckPassed                                      *bool
	Grid                                               *struct{ Code string }
	Inspector                                          *struct{ Name string }
	Event                                              *struct {
		ID, Status  string
		ReworkCount int
		Version     int
		Deadline    *time.Time
		Timeline    []struct{ Action, Note string }
	}
}

func TestInspections(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		env := w.env
		at := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
		due := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
		var got struct{ RecordInspection inspectionJSON }
		env.MustDo(t, w.supervisor, record, map[string]any{"g": w.group.ID, "at": at, "due": due, "r": "POOR"}, &got)
		in := got.RecordInspection
		if in.Kind != "UNANNOUNCED" || in.KindLabel != "暗访督察" || in.RatingLabel != "差" || in.Grid == nil || in.Grid.Code != w.group.Code ||
			in.Inspector == nil || in.Inspector.Name != "吴督察" || in.FollowUpDue == nil || !in.FollowUpDue.Equal(due) {
			t.Fatalf("recorded inspection: %+v", in)
		}
		// Only supervisors inspect, only in their scope, never ahead of time.
		env.MustFail(t, w.director, record, map[string]any{"g": w.group.ID, "r": "GOOD"}, "FORBIDDEN")
		env.MustFail(t, w.other, record, map[string]any{"g": w.group.ID, "r": "GOOD"}, "FORBIDDEN")
		env.MustFail(t, "", record, map[string]any{"g": w.group.ID, "r": "GOOD"}, "UNAUTHENTICATED")
		env.MustFail(t, w.supervisor, record, map[string]any{"g": w.group.ID, "r": "GOOD", "at": time.Now().Add(time.Hour)}, "BAD_USER_INPUT")
		env.MustFail(t, w.supervisor, record, map[string]any{"g": w.group.ID, "r": "GOOD", "at": at, "due": at.Add(-time.Hour)}, "BAD_USER_INPUT")

		// The ledger: the supervisor's own, the village's officials read theirs, the other
		// sub-district's supervisor sees none.
		count := func(token, q string) int {
			t.Helper()
			var c struct{ Inspections struct{ TotalCount int } }
			env.MustDo(t, token, q, nil, &c)
			return c.Inspections.TotalCount
		}
		for _, tc := range []struct {
			name, token, q string
			want           int
		}{
			{"supervisor", w.supervisor, `{ inspections { totalCount } }`, 1},
			{"supervisor, mine", w.supervisor, `{ inspections(mine: true) { totalCount } }`, 1},
			{"director", w.director, `{ inspections { totalCount } }`, 1},
			{"director, mine", w.director, `{ inspections(mine: true) { totalCount } }`, 0},
			{"other sub-district", w.other, `{ inspections { totalCount } }`, 0},
		} {
			if got := count(tc.token, tc.q); got != tc.want {
				t.Errorf("%s: %d inspections, want %d", tc.name, got, tc.want)
			}
		}
		env.MustFail(t, "", `{ inspections { totalCount } }`, nil, "UNAUTHENTICATED")

		// Follow-ups due, and done.
		var fu struct{ FollowUpsDue []struct{ ID string } }
		env.MustDo(t, w.supervisor, `query($b: Time) { followUpsDue(before: $b) { id } }`, map[string]any{"b": due}, &fu)
		if len(fu.FollowUpsDue) != 1 || fu.FollowUpsDue[0].ID != in.ID {
			t.Fatalf("follow-ups due: %+v, want inspection %s", fu.FollowUpsDue, in.ID)
		}
		env.MustDo(t, w.supervisor, `query { followUpsDue { id } }`, nil, &fu)
		if len(fu.FollowUpsDue) != 0 {
			t.Errorf("follow-ups due now: %+v, want none (due in a week)", fu.FollowUpsDue)
		}
		complete := `mutation($id: ID!) { completeFollowUp(id: $id, note: "照片已补齐") { id } }`
		env.MustFail(t, w.other, complete, map[string]any{"id": in.ID}, "FORBIDDEN")
		env.MustDo(t, w.supervisor, complete, map[string]any{"id": in.ID}, nil)
		env.MustFail(t, w.supervisor, complete, map[string]any{"id": in.ID}, "CONFLICT")
		env.MustDo(t, w.supervisor, `query($b: Time) { followUpsDue(before: $b) { id } }`, map[string]any{"b": due}, &fu)
		if len(fu.FollowUpsDue) != 0 {
			t.Errorf("a done follow-up is still due: %+v", fu.FollowUpsDue)
		}
	})
}

// TestRecheck: a passed re-check is recorded; a failed one reopens the case through the
// workflow, which counts it as rework: once it is closed again, the rollup's rework rate
// includes it.
func TestRecheck(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		env := w.env
		var passed struct{ RecheckEvent inspectionJSON }
		env.MustDo(t, w.supervisor, recheck, map[string]any{"e": w.fixed.ID, "p": true, "f": "整改到位"}, &passed)
		p := passed.RecheckEvent
		if p.Kind != "RECHECK" || p.RecheckPassed == nil || !*p.RecheckPassed || p.FollowUpDue != nil ||
			p.Event == nil || p.Event.Status != "CLOSED_FIXED" || p.Event.ReworkCount != 0 {
			t.Fatalf("passed re-check: %+v", p)
		}

		// Refusals: not closed, no findings on a failure, no inspect right, out of scope.
		env.MustFail(t, w.supervisor, recheck, map[string]any{"e": w.open.ID, "p": false, "f": "x"}, "CONFLICT")
		env.MustFail(t, w.supervisor, recheck, map[string]any{"e": w.notFixed.ID, "p": false}, "BAD_USER_INPUT")
		env.MustFail(t, w.director, recheck, map[string]any{"e": w.notFixed.ID, "p": false, "f": "x"}, "FORBIDDEN")
		env.MustFail(t, w.supervisor, recheck, map[string]any{"e": w.hidden.ID, "p": false, "f": "x"}, "FORBIDDEN")

		var failed struct{ RecheckEvent inspectionJSON }
		env.MustDo(t, w.supervisor, recheck, map[string]any{"e": w.notFixed.ID, "p": false, "f": "垃圾仍在原地"}, &failed)
		f := failed.RecheckEvent
		if f.RecheckPassed == nil || *f.RecheckPassed || f.Event == nil || f.Event.Status != "REGISTERED" || f.Event.ReworkCount != 1 {
			t.Fatalf("failed re-check: %+v", f)
		}
		last := f.Event.Timeline[len(f.Event.Timeline)-1]
		if last.Action != "REOPEN" || !strings.Contains(last.Note, "垃圾仍在原地") {
			t.Errorf("last step of the reopened case: %+v", last)
		}
		if f.FollowUpDue == nil || f.Event.Deadline == nil || !f.FollowUpDue.Equal(*f.Event.Deadline) {
			t.Errorf("follow-up due %v, want the reopened case's deadline %v", f.FollowUpDue, f.Event.Deadline)
		}
		var fu struct{ FollowUpsDue []struct{ ID string } }
		env.MustDo(t, w.supervisor, `query($b: Time) { followUpsDue(before: $b, mine: true) { id } }`, map[string]any{"b": f.FollowUpDue.Add(time.Second)}, &fu)
		if len(fu.FollowUpsDue) != 1 || fu.FollowUpsDue[0].ID != f.ID {
			t.Errorf("follow-ups due: %+v, want the failed re-check %s", fu.FollowUpsDue, f.ID)
		}

		// The village reworks the case and closes it again; the rollup counts the rework.
		id := f.Event.ID
		dirID := strconv.Itoa(w.directorID)
		steps := []struct {
			token, q string
		}{
			{w.director, `mutation($id: ID!) { dispatchEvent(id: $id, toPersonID: "` + dirID + `") { id } }`},
			{w.director, `mutation($id: ID!) { startHandling(id: $id) { id } }`},
			{w.director, `mutation($id: ID!) { reportBack(id: $id, note: "已清运") { id } }`},
			{w.supervisor, `mutation($id: ID!) { verifyEvent(id: $id, passed: true) { id } }`},
			{w.director, `mutation($id: ID!) { closeEvent(id: $id, fixed: true, feedback: "返工后已清运") { id } }`},
		}
		for _, s := range steps {
			env.MustDo(t, s.token, s.q, map[string]any{"id": id}, nil)
		}
		resp := env.Do(t, w.director, `query($g: ID!, $from: Time!, $to: Time!) { rollup(gridID: $g, from: $from, to: $to) {
			totals { closed reworked reworkRate } } }`,
			map[string]any{"g": w.village.ID, "from": w.reportedAt.Add(-time.Hour), "to": time.Now().Add(time.Hour)})
		if len(resp.Errors) > 0 {
			t.Fatal(resp.Errors)
		}
		var r struct {
			Rollup struct {
				Totals struct {
					Closed, Reworked int
					ReworkRate       *float64
				}
			}
		}
		if err := json.Unmarshal(resp.Data, &r); err != nil {
			t.Fatal(err)
		}
		if tot := r.Rollup.Totals; tot.Closed != 2 || tot.Reworked != 1 || tot.ReworkRate == nil || *tot.ReworkRate != 0.5 {
			t.Errorf("rollup after the rework: %+v, want 2 closed, 1 reworked, rate 0.5", tot)
		}
	})
}
