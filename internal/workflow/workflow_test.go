package workflow_test

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gridgov/ent/eventaction"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// TestDoneMeansScenario is issue 4's "Done means" through GraphQL: a patroller reports, the
// village accepts and dispatches, the handler reports back, a supervisor verifies, the
// first-responsible closes; the village escalates another case to the sub-district, which
// solves it; the timelines show every step; a resident follows a public report.
func TestDoneMeansScenario(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)

		// The patroller reports exposed garbage on their group.
		a := w.report(t, "EXPOSED_GARBAGE")
		if a.Status != "REPORTED" || a.StatusLabel != "已上报" || a.Version != 1 || a.SourceLabel != "巡查发现" {
			t.Fatalf("reported case: %+v", a)
		}
		if a.GridPath != w.group.Path || a.OriginPath != w.group.Path || a.Reporter == nil || a.Reporter.ID != w.patroller.SID() {
			t.Errorf("reported case: grid %s origin %s reporter %+v", a.GridPath, a.OriginPath, a.Reporter)
		}
		if a.Deadline != nil || a.RegisteredAt != nil || a.SlaLight != nil || a.Overdue {
			t.Errorf("an unregistered case has deadline %v registeredAt %v light %v overdue %v", a.Deadline, a.RegisteredAt, a.SlaLight, a.Overdue)
		}
		if len(a.TrackingCode) != 12 {
			t.Errorf("tracking code %q", a.TrackingCode)
		}

		// The village accepts (立案) and dispatches it to the patroller.
		a = w.must(t, w.villageDirect, "acceptEvent", a.ID, map[string]any{"version": 1, "note": "受理"})
		if a.Status != "REGISTERED" || a.Version != 2 || a.RegisteredAt == nil || a.Deadline == nil {
			t.Fatalf("accepted case: %+v", a)
		}
		if want := workcal.Default().Deadline(*a.RegisteredAt, 4, workcal.WorkingHours); !a.Deadline.Equal(want) {
			t.Errorf("deadline %s, want %s (4 working hours from %s)", a.Deadline, want, a.RegisteredAt)
		}
		if a.SlaLight == nil || *a.SlaLight != "GREEN" {
			t.Errorf("light right after registration: %v, want GREEN", a.SlaLight)
		}
		a = w.must(t, w.villageDirect, "dispatchEvent", a.ID, map[string]any{"version": 2, "toPersonID": w.patroller.SID(), "note": "请王建国处置"})
		if a.Status != "DISPATCHED" || a.Version != 3 || a.Assignee == nil || a.Assignee.ID != w.patroller.SID() {
			t.Fatalf("dispatched case: %+v", a)
		}

		// The handler starts and reports back with a photo of the result.
		a = w.must(t, w.patroller, "startHandling", a.ID, map[string]any{"version": 3})
		if a.Status != "HANDLING" || a.Version != 4 {
			t.Fatalf("handling case: %+v", a)
		}
		a = w.must(t, w.patroller, "reportBack", a.ID, map[string]any{"version": 4, "note": "已清运", "photoUrls": []string{"https://img.example.com/after.jpg"}})
		if a.Status != "HANDLED" || a.Version != 5 || len(a.PhotoUrls) != 2 {
			t.Fatalf("handled case: %+v", a)
		}

		// A supervisor verifies on site; the village's first-responsible closes it as fixed.
		a = w.must(t, w.supervisor, "verifyEvent", a.ID, map[string]any{"version": 5, "passed": true, "note": "现场核查已清理"})
		if a.Status != "VERIFIED" || a.Version != 6 {
			t.Fatalf("verified case: %+v", a)
		}
		a = w.must(t, w.villageFirst, "closeEvent", a.ID, map[string]any{"version": 6, "fixed": true, "feedback": "垃圾已清运，路面已清扫"})
		if a.Status != "CLOSED_FIXED" || a.StatusLabel != "已结案(已解决)" || a.Version != 7 || a.ClosedAt == nil || a.Feedback != "垃圾已清运，路面已清扫" {
			t.Fatalf("closed case: %+v", a)
		}

		// The timeline shows every step in order, with who, from/to status and grid.
		type want struct{ action, label, from, to, fromGrid, toGrid, actor string }
		g := w.group.Code
		// (Read by the sub-district, who may see every actor: the village does not see the
		// sub-district's supervisor, so that actor reads as null to it.)
		checkTimeline(t, w.timeline(t, w.subFirst.Token, a.ID), []want{
			{"REPORT", "上报", "", "REPORTED", "", g, w.patroller.SID()},
			{"ACCEPT", "受理立案", "REPORTED", "REGISTERED", g, g, w.villageDirect.SID()},
			{"DISPATCH", "派遣", "REGISTERED", "DISPATCHED", g, g, w.villageDirect.SID()},
			{"START", "开始处置", "DISPATCHED", "HANDLING", g, g, w.patroller.SID()},
			{"REPORT_BACK", "处置反馈", "HANDLING", "HANDLED", g, g, w.patroller.SID()},
			{"VERIFY_PASS", "核查通过", "HANDLED", "VERIFIED", g, g, w.supervisor.SID()},
			{"CLOSE", "结案", "VERIFIED", "CLOSED_FIXED", g, g, w.villageFirst.SID()},
		}, func(s Step, x want) []string {
			var bad []string
			if s.Action != x.action || s.ActionLabel != x.label || s.ToStatus != x.to || ptr(s.FromStatus) != or(x.from, "<nil>") {
				bad = append(bad, "action/status")
			}
			if code(s.FromGrid) != x.fromGrid || code(s.ToGrid) != x.toGrid {
				bad = append(bad, "grids")
			}
			if s.Actor == nil || s.Actor.ID != x.actor {
				bad = append(bad, "actor")
			}
			return bad
		})

		// The village cannot solve a dispute and escalates it (逐级上报) to the sub-district.
		b := w.reportAs(t, w.villageDirect, w.reportInput(w.village, "NEIGHBOUR_DISPUTE"))
		b = w.must(t, w.villageDirect, "acceptEvent", b.ID, nil)
		b = w.must(t, w.villageDirect, "escalateEvent", b.ID, map[string]any{"version": b.Version, "note": "宅基地纠纷，村级无法调解"})
		if b.Status != "REGISTERED" || b.EscalationCount != 1 || b.GridPath != w.sub.Path || b.OriginPath != w.village.Path {
			t.Fatalf("escalated case: %+v (grid %s origin %s)", b, b.GridPath, b.OriginPath)
		}
		// The village still sees it through its origin grid, but no longer acts on it.
		if !containsID(w.listIDs(t, w.villageDirect.Token, nil), b.ID) {
			t.Errorf("the village does not see the case it escalated in events")
		}
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", b.ID, map[string]any{"toPersonID": w.villageDirect.SID()}, "FORBIDDEN")
		w.refuse(t, w.villageFirst.Token, "escalateEvent", b.ID, nil, "FORBIDDEN")
		// The sub-district acts on it: dispatches to its own first-responsible, who solves it.
		if !containsID(w.listIDs(t, w.subFirst.Token, map[string]any{"where": map[string]any{"status": "REGISTERED"}}), b.ID) {
			t.Errorf("the sub-district does not list the escalated case")
		}
		b = w.must(t, w.subFirst, "dispatchEvent", b.ID, map[string]any{"toPersonID": w.subFirst.SID()})
		b = w.must(t, w.subFirst, "startHandling", b.ID, nil)
		b = w.must(t, w.subFirst, "reportBack", b.ID, map[string]any{"note": "街道司法所组织调解，双方签订协议"})
		b = w.must(t, w.supervisor, "verifyEvent", b.ID, map[string]any{"passed": true})
		b = w.must(t, w.subFirst, "closeEvent", b.ID, map[string]any{"fixed": true, "feedback": "经街道调解已达成协议"})
		if b.Status != "CLOSED_FIXED" || b.EscalationCount != 1 {
			t.Fatalf("closed escalated case: %+v", b)
		}
		// The answer flows back down: the village reads status and feedback.
		var seen struct {
			Node *struct {
				Status, Feedback string
				EscalationCount  int
				OriginGrid       Ref
			}
		}
		w.env.MustDo(t, w.villageDirect.Token, `query($id: ID!) { node(id: $id) { ... on Event { status feedback escalationCount originGrid { code } } } }`,
			map[string]any{"id": b.ID}, &seen)
		if seen.Node == nil || seen.Node.Status != "CLOSED_FIXED" || seen.Node.Feedback != "经街道调解已达成协议" || seen.Node.OriginGrid.Code != w.village.Code {
			t.Errorf("the village reads the escalated case as %+v", seen.Node)
		}
		v, s := w.village.Code, w.sub.Code
		checkTimeline(t, w.timeline(t, w.subFirst.Token, b.ID), []want{
			{"REPORT", "上报", "", "REPORTED", "", v, w.villageDirect.SID()},
			{"ACCEPT", "受理立案", "REPORTED", "REGISTERED", v, v, w.villageDirect.SID()},
			{"ESCALATE", "逐级上报", "REGISTERED", "REGISTERED", v, s, w.villageDirect.SID()},
			{"DISPATCH", "派遣", "REGISTERED", "DISPATCHED", s, s, w.subFirst.SID()},
			{"START", "开始处置", "DISPATCHED", "HANDLING", s, s, w.subFirst.SID()},
			{"REPORT_BACK", "处置反馈", "HANDLING", "HANDLED", s, s, w.subFirst.SID()},
			{"VERIFY_PASS", "核查通过", "HANDLED", "VERIFIED", s, s, w.supervisor.SID()},
			{"CLOSE", "结案", "VERIFIED", "CLOSED_FIXED", s, s, w.subFirst.SID()},
		}, func(s Step, x want) []string {
			var bad []string
			if s.Action != x.action || s.ActionLabel != x.label || s.ToStatus != x.to || ptr(s.FromStatus) != or(x.from, "<nil>") {
				bad = append(bad, "action/status")
			}
			if code(s.FromGrid) != x.fromGrid || code(s.ToGrid) != x.toGrid {
				bad = append(bad, "grids")
			}
			if s.Actor == nil || s.Actor.ID != x.actor {
				bad = append(bad, "actor")
			}
			return bad
		})

		// A resident reports on the group's notice-card code and follows the case.
		code := w.publicReport(t, w.env, w.group.Code, "EXPOSED_GARBAGE", "李大妈", "13987654321")
		pub := w.publicEvent(t, code)
		if pub == nil || pub.Status != "REPORTED" {
			t.Fatalf("publicEvent after report: %+v", pub)
		}
		id := w.caseByTrackingCode(t, w.villageDirect.Token, code).ID
		w.must(t, w.villageDirect, "acceptEvent", id, nil)
		w.must(t, w.villageDirect, "dispatchEvent", id, map[string]any{"toPersonID": w.patroller.SID()})
		pub = w.publicEvent(t, code)
		if pub == nil || pub.Status != "DISPATCHED" || pub.StatusLabel != "已派遣" ||
			!slices.Equal(publicActions(pub), []string{"REPORT", "ACCEPT", "DISPATCH"}) {
			t.Errorf("publicEvent after dispatch: %+v", pub)
		}
	})
}

// checkTimeline compares a timeline with the expected steps, and checks that it is ordered by
// time.
func checkTimeline[W any](t *testing.T, got []Step, want []W, diff func(Step, W) []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("timeline has %d steps %v, want %d", len(got), actionsOf(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if bad := diff(got[i], want[i]); len(bad) > 0 {
			t.Errorf("timeline step %d: %v wrong: got %+v (from %v to %v actor %v), want %+v", i, bad, got[i], got[i].FromGrid, got[i].ToGrid, got[i].Actor, want[i])
		}
		if i > 0 && got[i].CreatedAt.Before(got[i-1].CreatedAt) {
			t.Errorf("timeline step %d at %s is before step %d at %s", i, got[i].CreatedAt, i-1, got[i-1].CreatedAt)
		}
	}
}

func code(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// statuses are every status of a case.
var statuses = []string{"REPORTED", "REGISTERED", "DISPATCHED", "HANDLING", "HANDLED", "VERIFIED", "CLOSED_FIXED", "CLOSED_NOT_FIXED", "VOIDED"}

// stepSpec is a step a client can send, with valid arguments and the statuses it may start
// from (GB/T 30428 practice, as DESIGN.md and issue 4 describe it).
type stepSpec struct {
	op    string
	args  func(w *world) map[string]any
	legal []string
}

var stepSpecs = []stepSpec{
	{"acceptEvent", nil, []string{"REPORTED"}},
	{"dispatchEvent", func(w *world) map[string]any { return map[string]any{"toPersonID": w.patroller2.SID()} }, []string{"REGISTERED", "DISPATCHED"}},
	{"returnEvent", nil, []string{"DISPATCHED"}},
	{"startHandling", nil, []string{"DISPATCHED"}},
	{"reportBack", func(*world) map[string]any { return map[string]any{"note": "已处置"} }, []string{"HANDLING"}},
	{"verifyEvent", func(*world) map[string]any { return map[string]any{"passed": true} }, []string{"HANDLED"}},
	{"verifyEvent", func(*world) map[string]any { return map[string]any{"passed": false} }, []string{"HANDLED"}},
	{"closeEvent", func(*world) map[string]any { return map[string]any{"fixed": true, "feedback": "已解决"} }, []string{"VERIFIED"}},
	{"closeEvent", func(*world) map[string]any { return map[string]any{"fixed": false, "feedback": "未解决"} }, []string{"VERIFIED"}},
	{"escalateEvent", nil, []string{"REPORTED", "REGISTERED", "DISPATCHED", "HANDLING"}},
	{"requestExtension", func(*world) map[string]any {
		return map[string]any{"newDeadline": time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)}
	}, []string{"REGISTERED", "DISPATCHED", "HANDLING"}},
	{"decideExtension", func(*world) map[string]any { return map[string]any{"approve": true} }, []string{"REGISTERED", "DISPATCHED", "HANDLING"}},
	{"decideExtension", func(*world) map[string]any { return map[string]any{"approve": false} }, []string{"REGISTERED", "DISPATCHED", "HANDLING"}},
	{"voidEvent", nil, []string{"REPORTED", "REGISTERED"}},
	{"reopenEvent", nil, []string{"CLOSED_FIXED", "CLOSED_NOT_FIXED"}},
}

func (s stepSpec) argsFor(w *world) map[string]any {
	if s.args == nil {
		return nil
	}
	return s.args(w)
}

// TestIllegalTransitions sends every step from every status where it is illegal, as an
// official who holds every event permission there: each is refused with CONFLICT and
// changes nothing.
func TestIllegalTransitions(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		for _, status := range statuses {
			ev := w.drive(t, status)
			for _, s := range stepSpecs {
				if slices.Contains(s.legal, status) {
					continue
				}
				e := w.refuse(t, w.villageFirst.Token, s.op, ev.ID, s.argsFor(w), "CONFLICT")
				if e.Message == "" {
					continue
				}
				if !strings.Contains(e.Message, status) {
					t.Errorf("%s from %s: message %q does not name the status", s.op, status, e.Message)
				}
			}
		}
		// The two refusals the issue names, as the roles that would try them.
		handled := w.drive(t, "HANDLED")
		w.refuse(t, w.villageFirst.Token, "closeEvent", handled.ID, map[string]any{"fixed": true, "feedback": "x"}, "CONFLICT")
		closed := w.drive(t, "CLOSED_FIXED")
		w.refuse(t, w.villageDirect.Token, "acceptEvent", closed.ID, nil, "CONFLICT")
		w.refuse(t, w.supervisor.Token, "verifyEvent", closed.ID, map[string]any{"passed": true}, "CONFLICT")
	})
}

// eventPerms reads authz/policy.csv: role → the event actions it holds.
func eventPerms(t *testing.T) map[string]map[string]bool {
	t.Helper()
	f, err := os.Open("../../authz/policy.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "p,") {
			continue
		}
		parts := strings.Split(line, ",")
		if len(parts) != 4 {
			t.Fatalf("policy line %q", line)
		}
		role, obj, act := strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2]), strings.TrimSpace(parts[3])
		if obj != "event" {
			continue
		}
		if out[role] == nil {
			out[role] = map[string]bool{}
		}
		out[role][act] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// permCase is a step with the policy.csv action it needs and a setup that brings a fresh case
// to a status where the step is legal; assignee is the person the case is dispatched to when
// the step concerns a handler.
type permCase struct {
	op, perm string
	want     string // the status after the step
	setup    func(t *testing.T, w *world, assignee actor) (Ev, map[string]any)
}

var permCases = []permCase{
	{"acceptEvent", "accept", "REGISTERED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		return w.drive(t, "REPORTED"), nil
	}},
	{"dispatchEvent", "dispatch", "DISPATCHED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		return w.drive(t, "REGISTERED"), map[string]any{"toPersonID": w.patroller2.SID()}
	}},
	{"returnEvent", "handle", "REGISTERED", func(t *testing.T, w *world, a actor) (Ev, map[string]any) {
		return w.dispatchedTo(t, a), map[string]any{"note": "不属于本网格"}
	}},
	{"startHandling", "handle", "HANDLING", func(t *testing.T, w *world, a actor) (Ev, map[string]any) {
		return w.dispatchedTo(t, a), nil
	}},
	{"reportBack", "report_back", "HANDLED", func(t *testing.T, w *world, a actor) (Ev, map[string]any) {
		ev := w.dispatchedTo(t, a)
		// The dispatcher may start a case on its handler's behalf.
		return w.must(t, w.subFirst, "startHandling", ev.ID, nil), map[string]any{"note": "已处置"}
	}},
	{"verifyEvent", "verify", "VERIFIED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		return w.handledBy(t, w.patroller2), map[string]any{"passed": true}
	}},
	{"closeEvent", "close", "CLOSED_FIXED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		ev := w.handledBy(t, w.patroller2)
		return w.must(t, w.supervisor, "verifyEvent", ev.ID, map[string]any{"passed": true}), map[string]any{"fixed": true, "feedback": "已解决"}
	}},
	{"escalateEvent", "escalate", "REGISTERED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		return w.drive(t, "REGISTERED"), nil
	}},
	{"requestExtension", "handle", "REGISTERED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		ev := w.drive(t, "REGISTERED")
		return ev, map[string]any{"newDeadline": ev.Deadline.Add(48 * time.Hour).Format(time.RFC3339)}
	}},
	{"decideExtension", "extend", "REGISTERED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		ev := w.drive(t, "REGISTERED")
		ev = w.must(t, w.patroller2, "requestExtension", ev.ID, map[string]any{"newDeadline": ev.Deadline.Add(48 * time.Hour).Format(time.RFC3339)})
		return ev, map[string]any{"approve": true}
	}},
	{"voidEvent", "void", "VOIDED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		return w.drive(t, "REPORTED"), nil
	}},
	{"reopenEvent", "reopen", "REGISTERED", func(t *testing.T, w *world, _ actor) (Ev, map[string]any) {
		return w.drive(t, "CLOSED_FIXED"), nil
	}},
}

// dispatchedTo is a fresh registered case dispatched to a by the sub-district (who sees
// every person of the tree).
func (w *world) dispatchedTo(t *testing.T, a actor) Ev {
	t.Helper()
	ev := w.drive(t, "REGISTERED")
	return w.must(t, w.subFirst, "dispatchEvent", ev.ID, map[string]any{"toPersonID": a.SID()})
}

// handledBy is a fresh case dispatched to, started and reported back by a.
func (w *world) handledBy(t *testing.T, a actor) Ev {
	t.Helper()
	ev := w.dispatchedTo(t, a)
	w.must(t, a, "startHandling", ev.ID, nil)
	return w.must(t, a, "reportBack", ev.ID, map[string]any{"note": "已处置"})
}

// TestStepPermissions takes every step as each role of the tree on a case in its subtree, in
// a status where the step is legal: it succeeds exactly when policy.csv grants the role the
// step's action, and is refused with FORBIDDEN (changing nothing) otherwise.
func TestStepPermissions(t *testing.T) {
	t.Parallel()
	perms := eventPerms(t)
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		roles := []struct {
			role string
			a    actor
		}{
			{"SPECIFIC_RESPONSIBLE", w.patroller},
			{"SUPERVISOR", w.supervisor},
			{"DIRECT_RESPONSIBLE", w.villageDirect},
			{"FIRST_RESPONSIBLE", w.villageFirst},
		}
		for _, r := range roles {
			for _, c := range permCases {
				ev, args := c.setup(t, w, r.a)
				if !perms[r.role][c.perm] {
					w.refuse(t, r.a.Token, c.op, ev.ID, args, "FORBIDDEN")
					continue
				}
				resp := w.do(t, r.a.Token, c.op, ev.ID, args)
				if len(resp.Errors) > 0 {
					t.Errorf("%s (%s, holds %s) %s: %+v", r.a.Key, r.role, c.perm, c.op, resp.Errors)
					continue
				}
				if got := decodeOne(t, resp, c.op); got.Status != c.want || got.Version != ev.Version+1 {
					t.Errorf("%s %s: status %s version %d, want %s version %d", r.a.Key, c.op, got.Status, got.Version, c.want, ev.Version+1)
				}
			}
		}
		// The patroller, explicitly: may not accept, dispatch, close, verify, escalate, void.
		reported := w.drive(t, "REPORTED")
		w.refuse(t, w.patroller.Token, "acceptEvent", reported.ID, nil, "FORBIDDEN")
		w.refuse(t, w.patroller.Token, "voidEvent", reported.ID, nil, "FORBIDDEN")
		w.refuse(t, w.patroller.Token, "escalateEvent", reported.ID, nil, "FORBIDDEN")
	})
}

// TestOutsiderCannotAct has an official of a sibling village (who holds every event step in
// their own village) try every step on cases of the neighbouring village: none is visible to
// them, every step is refused and changes nothing.
func TestOutsiderCannotAct(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		for _, c := range permCases {
			ev, args := c.setup(t, w, w.patroller2)
			if w.get(t, w.outsider.Token, ev.ID) != nil {
				t.Errorf("the outsider sees case %s", ev.ID)
			}
			before := w.snap(t, ev.ID)
			resp := w.do(t, w.outsider.Token, c.op, ev.ID, args)
			codes := resp.Codes()
			if len(codes) == 0 || !(codes[0] == "NOT_FOUND" || codes[0] == "FORBIDDEN") {
				t.Errorf("outsider %s: codes %v, want NOT_FOUND or FORBIDDEN (data %s)", c.op, codes, resp.Data)
			}
			if string(resp.Data) != "null" {
				t.Errorf("outsider %s: data %s, want null", c.op, resp.Data)
			}
			if after := w.snap(t, ev.ID); after != before {
				t.Errorf("outsider %s changed the case:\nbefore %s\nafter  %s", c.op, before, after)
			}
		}
		if ids := w.listIDs(t, w.outsider.Token, nil); len(ids) != 0 {
			t.Errorf("the outsider lists %d cases of another village: %v", len(ids), ids)
		}
		// Nor may the outsider report on the neighbouring village's grids.
		n := w.countCases(t)
		resp := w.env.Do(t, w.outsider.Token, reportMutation, map[string]any{"in": w.reportInput(w.group, "EXPOSED_GARBAGE")})
		if c := resp.Codes(); len(c) == 0 || c[0] != "FORBIDDEN" {
			t.Errorf("outsider reportEvent on group: %v", c)
		}
		if w.countCases(t) != n {
			t.Errorf("a refused report created a case")
		}
	})
}

// TestHandlerRules: verification is by someone other than the handler, and a case dispatched
// to one person is handled by that person.
func TestHandlerRules(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)

		// The village's direct-responsible handles a case themselves, then tries to verify it.
		ev := w.drive(t, "REGISTERED")
		w.must(t, w.villageDirect, "dispatchEvent", ev.ID, map[string]any{"toPersonID": w.villageDirect.SID()})
		w.must(t, w.villageDirect, "startHandling", ev.ID, nil)
		ev = w.must(t, w.villageDirect, "reportBack", ev.ID, map[string]any{"note": "已处置"})
		e := w.refuse(t, w.villageDirect.Token, "verifyEvent", ev.ID, map[string]any{"passed": true}, "FORBIDDEN")
		if !strings.Contains(e.Message, "handler") {
			t.Errorf("refusal of verifying one's own handling says %q", e.Message)
		}
		w.refuse(t, w.villageDirect.Token, "verifyEvent", ev.ID, map[string]any{"passed": false}, "FORBIDDEN")
		if got := w.must(t, w.villageFirst, "verifyEvent", ev.ID, map[string]any{"passed": true}); got.Status != "VERIFIED" {
			t.Errorf("verified by another official: %s", got.Status)
		}

		// A case dispatched to the patroller: their colleague may not start it…
		ev = w.drive(t, "DISPATCHED")
		w.refuse(t, w.patroller2.Token, "startHandling", ev.ID, nil, "FORBIDDEN")
		// …nor give it back in the handler's place…
		w.refuse(t, w.patroller2.Token, "returnEvent", ev.ID, nil, "FORBIDDEN")
		// …nor report it done once the handler has started.
		ev = w.drive(t, "HANDLING")
		w.refuse(t, w.patroller2.Token, "reportBack", ev.ID, map[string]any{"note": "我替他处理了"}, "FORBIDDEN")
		if w.statusOf(t, ev.ID) == "HANDLING" {
			if got := w.must(t, w.patroller, "reportBack", ev.ID, nil); got.Status != "HANDLED" {
				t.Errorf("reported back by the handler: %s", got.Status)
			}
		}

		// A case dispatched to a grid only is taken by whoever starts it there.
		ev = w.drive(t, "REGISTERED")
		ev = w.must(t, w.villageDirect, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.group.ID)})
		if ev.Assignee != nil {
			t.Errorf("dispatched to a grid only, assignee %+v", ev.Assignee)
		}
		ev = w.must(t, w.patroller2, "startHandling", ev.ID, nil)
		if ev.Assignee == nil || ev.Assignee.ID != w.patroller2.SID() {
			t.Errorf("started by patroller2, assignee %+v", ev.Assignee)
		}

		// The handler gives a case back: REGISTERED again, no assignee.
		ev = w.drive(t, "DISPATCHED")
		ev = w.must(t, w.patroller, "returnEvent", ev.ID, map[string]any{"note": "不在本组范围"})
		if ev.Status != "REGISTERED" || ev.Assignee != nil {
			t.Errorf("returned case: status %s assignee %+v", ev.Status, ev.Assignee)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDispatchTargets: a case goes down the tree to a grid at or below its own within the
// dispatcher's subtree, or to a person the dispatcher can see.
func TestDispatchTargets(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.drive(t, "REGISTERED") // on the group
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.group2.ID)}, "FORBIDDEN")
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.village2.ID)}, "FORBIDDEN")
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toGridID": "999999"}, "FORBIDDEN")
		e := w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.village.ID)}, "BAD_USER_INPUT")
		if f, _ := e.Extensions["field"].(string); f != "toGridID" {
			t.Errorf("dispatch above the case's grid: field %q", f)
		}
		// Above the case's grid and outside the dispatcher's subtree.
		resp := w.do(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.sub.ID)})
		if c := resp.Codes(); len(c) == 0 || (c[0] != "FORBIDDEN" && c[0] != "BAD_USER_INPUT") {
			t.Errorf("dispatch to the sub-district: %v", c)
		}
		// The sub-district may not send a village case up to itself either.
		w.refuse(t, w.subFirst.Token, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.sub.ID)}, "BAD_USER_INPUT")
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toPersonID": w.outsider.SID()}, "FORBIDDEN")
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"toPersonID": "999999"}, "FORBIDDEN")
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, nil, "BAD_USER_INPUT")
		if w.statusOf(t, ev.ID) != "REGISTERED" {
			t.Fatalf("refusals moved the case")
		}

		// Down the tree: a case on the village goes to the group and its patroller.
		v := w.reportAs(t, w.villageDirect, w.reportInput(w.village, "ILLEGAL_SIGNBOARD"))
		w.must(t, w.villageDirect, "acceptEvent", v.ID, nil)
		v = w.must(t, w.villageDirect, "dispatchEvent", v.ID, map[string]any{"toGridID": itoa(w.group.ID), "toPersonID": w.patroller.SID()})
		if v.GridPath != w.group.Path || v.OriginPath != w.village.Path || v.Assignee == nil || v.Assignee.ID != w.patroller.SID() {
			t.Errorf("dispatched down: grid %s origin %s assignee %+v", v.GridPath, v.OriginPath, v.Assignee)
		}
		steps := w.timeline(t, w.villageDirect.Token, v.ID)
		last := steps[len(steps)-1]
		if last.Action != "DISPATCH" || code(last.FromGrid) != w.village.Code || code(last.ToGrid) != w.group.Code {
			t.Errorf("dispatch step: %+v from %+v to %+v", last, last.FromGrid, last.ToGrid)
		}
		// A dispatched case may be re-dispatched to someone else.
		v = w.must(t, w.villageDirect, "dispatchEvent", v.ID, map[string]any{"toPersonID": w.patroller2.SID()})
		if v.Status != "DISPATCHED" || v.Assignee == nil || v.Assignee.ID != w.patroller2.SID() {
			t.Errorf("re-dispatched: %s assignee %+v", v.Status, v.Assignee)
		}
		w.must(t, w.patroller2, "startHandling", v.ID, nil)
	})
}

// TestEscalation walks a case up the tree level by level (逐级上报) to the root, where it can go
// no further.
func TestEscalation(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.drive(t, "REPORTED") // on the group

		// Escalating an unregistered case registers it on the way up.
		ev = w.must(t, w.villageDirect, "escalateEvent", ev.ID, map[string]any{"note": "组级无法处置"})
		if ev.Status != "REGISTERED" || ev.GridPath != w.village.Path || ev.EscalationCount != 1 || ev.RegisteredAt == nil || ev.Deadline == nil {
			t.Fatalf("escalated from REPORTED: %+v grid %s", ev, ev.GridPath)
		}
		ev = w.must(t, w.villageDirect, "escalateEvent", ev.ID, nil)
		if ev.GridPath != w.sub.Path || ev.EscalationCount != 2 {
			t.Fatalf("second escalation: grid %s count %d", ev.GridPath, ev.EscalationCount)
		}
		w.refuse(t, w.villageDirect.Token, "escalateEvent", ev.ID, nil, "FORBIDDEN")
		ev = w.must(t, w.subFirst, "escalateEvent", ev.ID, nil)
		if ev.GridPath != w.district.Path || ev.EscalationCount != 3 {
			t.Fatalf("third escalation: grid %s count %d", ev.GridPath, ev.EscalationCount)
		}
		// The sub-district still sees it (it came from its subtree) but acts no more.
		w.refuse(t, w.subFirst.Token, "escalateEvent", ev.ID, nil, "FORBIDDEN")
		// Above the root there is nothing.
		e := w.refuse(t, w.admin, "escalateEvent", ev.ID, nil, "CONFLICT")
		if !strings.Contains(e.Message, "top") {
			t.Logf("escalation above the root: %q", e.Message)
		}
		var want [][2]string
		for _, s := range w.timeline(t, w.admin, ev.ID) {
			if s.Action == "ESCALATE" {
				want = append(want, [2]string{code(s.FromGrid), code(s.ToGrid)})
			}
		}
		if !slices.Equal(want, [][2]string{{w.group.Code, w.village.Code}, {w.village.Code, w.sub.Code}, {w.sub.Code, w.district.Code}}) {
			t.Errorf("escalation steps: %v", want)
		}

		// Escalating a dispatched case takes it from its handler.
		ev = w.drive(t, "HANDLING")
		ev = w.must(t, w.villageFirst, "escalateEvent", ev.ID, nil)
		if ev.Status != "REGISTERED" || ev.Assignee != nil || ev.GridPath != w.village.Path {
			t.Errorf("escalated while handling: status %s assignee %+v grid %s", ev.Status, ev.Assignee, ev.GridPath)
		}
	})
}

// TestReworkCloseNotFixedReopen: a failed verification sends the case back to its handler, a
// case closed as not fixed is told apart from a fixed one, a closed case can be reopened.
func TestReworkCloseNotFixedReopen(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.drive(t, "HANDLED")
		ev = w.must(t, w.supervisor, "verifyEvent", ev.ID, map[string]any{"version": ev.Version, "passed": false, "note": "垃圾未清理干净"})
		if ev.Status != "HANDLING" || ev.ReworkCount != 1 || ev.Assignee == nil || ev.Assignee.ID != w.patroller.SID() {
			t.Fatalf("failed verification: status %s rework %d assignee %+v", ev.Status, ev.ReworkCount, ev.Assignee)
		}
		w.must(t, w.patroller, "reportBack", ev.ID, map[string]any{"note": "已返工"})
		w.must(t, w.supervisor, "verifyEvent", ev.ID, map[string]any{"passed": true})
		notFixed := w.must(t, w.villageFirst, "closeEvent", ev.ID, map[string]any{"fixed": false, "feedback": "权属争议，移交相关部门"})
		if notFixed.Status != "CLOSED_NOT_FIXED" || notFixed.StatusLabel != "已结案(未解决)" || notFixed.ClosedAt == nil || notFixed.ReworkCount != 1 {
			t.Fatalf("closed not fixed: %+v", notFixed)
		}
		fixed := w.drive(t, "CLOSED_FIXED")
		if fixed.Status != "CLOSED_FIXED" {
			t.Fatalf("closed fixed: %s", fixed.Status)
		}
		byStatus := func(s string) []string {
			return w.listIDs(t, w.villageFirst.Token, map[string]any{"where": map[string]any{"status": s}})
		}
		if ids := byStatus("CLOSED_FIXED"); containsID(ids, notFixed.ID) || !containsID(ids, fixed.ID) {
			t.Errorf("CLOSED_FIXED lists %v (fixed %s, not fixed %s)", ids, fixed.ID, notFixed.ID)
		}
		if ids := byStatus("CLOSED_NOT_FIXED"); !containsID(ids, notFixed.ID) || containsID(ids, fixed.ID) {
			t.Errorf("CLOSED_NOT_FIXED lists %v (fixed %s, not fixed %s)", ids, fixed.ID, notFixed.ID)
		}
		steps := w.timeline(t, w.villageFirst.Token, notFixed.ID)
		if got := actionsOf(steps); !slices.Equal(got, []string{"REPORT", "ACCEPT", "DISPATCH", "START", "REPORT_BACK", "VERIFY_FAIL", "REPORT_BACK", "VERIFY_PASS", "CLOSE"}) {
			t.Errorf("timeline with rework: %v", got)
		}
		if last := steps[len(steps)-1]; last.ToStatus != "CLOSED_NOT_FIXED" {
			t.Errorf("close step to %s", last.ToStatus)
		}

		// Reopening counts as rework and starts again from registration.
		re := w.must(t, w.supervisor, "reopenEvent", notFixed.ID, map[string]any{"version": notFixed.Version, "note": "群众反映问题仍在"})
		if re.Status != "REGISTERED" || re.ReworkCount != 2 || re.ClosedAt != nil || re.Assignee != nil || re.Version != notFixed.Version+1 {
			t.Errorf("reopened: %+v", re)
		}
		re = w.must(t, w.villageFirst, "reopenEvent", fixed.ID, nil)
		if re.Status != "REGISTERED" || re.ReworkCount != 1 || re.ClosedAt != nil {
			t.Errorf("reopened: %+v", re)
		}
		// Voided cases stay voided.
		voided := w.drive(t, "VOIDED")
		w.refuse(t, w.villageFirst.Token, "reopenEvent", voided.ID, nil, "CONFLICT")
	})
}

// TestExtensions: an extension is asked for with a later deadline and takes effect only when
// approved.
func TestExtensions(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.drive(t, "HANDLING")
		d0 := *ev.Deadline
		w.refuse(t, w.villageFirst.Token, "decideExtension", ev.ID, map[string]any{"approve": true}, "CONFLICT") // nothing asked for
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		e := w.refuse(t, w.patroller.Token, "requestExtension", ev.ID, map[string]any{"newDeadline": past}, "BAD_USER_INPUT")
		if f, _ := e.Extensions["field"].(string); f != "newDeadline" {
			t.Errorf("past deadline: field %q", f)
		}
		earlier := d0.Add(-time.Minute).Format(time.RFC3339Nano)
		w.refuse(t, w.patroller.Token, "requestExtension", ev.ID, map[string]any{"newDeadline": earlier}, "BAD_USER_INPUT")

		d1 := d0.Add(48 * time.Hour).Truncate(time.Second)
		ev = w.must(t, w.patroller, "requestExtension", ev.ID, map[string]any{"newDeadline": d1.Format(time.RFC3339), "note": "需协调环卫车辆"})
		if ev.Status != "HANDLING" || ev.RequestedDeadline == nil || !ev.RequestedDeadline.Equal(d1) || !ev.Deadline.Equal(d0) {
			t.Fatalf("requested: status %s requested %v deadline %v (was %v)", ev.Status, ev.RequestedDeadline, ev.Deadline, d0)
		}
		w.refuse(t, w.patroller.Token, "decideExtension", ev.ID, map[string]any{"approve": true}, "FORBIDDEN")
		w.refuse(t, w.supervisor.Token, "decideExtension", ev.ID, map[string]any{"approve": true}, "FORBIDDEN")
		ev = w.must(t, w.villageDirect, "decideExtension", ev.ID, map[string]any{"approve": true})
		if !ev.Deadline.Equal(d1) || ev.RequestedDeadline != nil || ev.Status != "HANDLING" {
			t.Errorf("approved: deadline %v (want %v) requested %v status %s", ev.Deadline, d1, ev.RequestedDeadline, ev.Status)
		}
		w.refuse(t, w.villageDirect.Token, "decideExtension", ev.ID, map[string]any{"approve": true}, "CONFLICT")

		d2 := d1.Add(24 * time.Hour)
		w.must(t, w.patroller, "requestExtension", ev.ID, map[string]any{"newDeadline": d2.Format(time.RFC3339)})
		ev = w.must(t, w.villageFirst, "decideExtension", ev.ID, map[string]any{"approve": false, "note": "不予延期"})
		if !ev.Deadline.Equal(d1) || ev.RequestedDeadline != nil {
			t.Errorf("rejected: deadline %v (want unchanged %v) requested %v", ev.Deadline, d1, ev.RequestedDeadline)
		}
		acts := actionsOf(w.timeline(t, w.villageFirst.Token, ev.ID))
		if got := acts[len(acts)-4:]; !slices.Equal(got, []string{"REQUEST_EXTENSION", "APPROVE_EXTENSION", "REQUEST_EXTENSION", "REJECT_EXTENSION"}) {
			t.Errorf("extension steps: %v", got)
		}
	})
}

// TestVoidDuplicate: a duplicate is voided with a link to the original.
func TestVoidDuplicate(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		orig := w.drive(t, "REGISTERED")
		dup := w.drive(t, "REPORTED")
		w.refuse(t, w.villageDirect.Token, "voidEvent", dup.ID, map[string]any{"duplicateOfID": dup.ID}, "BAD_USER_INPUT")
		// A case the village cannot see is no original, and is answered as a missing one is.
		other := w.reportAs(t, w.outsider, w.reportInput(w.group2, "EXPOSED_GARBAGE"))
		w.refuse(t, w.villageDirect.Token, "voidEvent", dup.ID, map[string]any{"duplicateOfID": other.ID}, "FORBIDDEN")
		w.refuse(t, w.villageDirect.Token, "voidEvent", dup.ID, map[string]any{"duplicateOfID": "999999"}, "FORBIDDEN")
		dup = w.must(t, w.villageDirect, "voidEvent", dup.ID, map[string]any{"duplicateOfID": orig.ID, "note": "重复上报"})
		if dup.Status != "VOIDED" || dup.StatusLabel != "已作废" || dup.DuplicateOf == nil || dup.DuplicateOf.ID != orig.ID || dup.ClosedAt == nil || dup.Overdue {
			t.Fatalf("voided: %+v duplicateOf %+v", dup, dup.DuplicateOf)
		}
		if st := w.stored(t, dup.ID); st.DuplicateOfID == nil || *st.DuplicateOfID != atoi(t, orig.ID) {
			t.Errorf("stored duplicate_of_id %v", st.DuplicateOfID)
		}
		steps := w.timeline(t, w.villageDirect.Token, dup.ID)
		if last := steps[len(steps)-1]; last.Action != "VOID" || ptr(last.FromStatus) != "REPORTED" || last.ToStatus != "VOIDED" || last.Note != "重复上报" {
			t.Errorf("void step: %+v", last)
		}
		// The original goes on.
		if w.statusOf(t, orig.ID) != "REGISTERED" {
			t.Errorf("voiding a duplicate changed the original")
		}
		// A registered case may be voided as invalid, without an original.
		inv := w.must(t, w.villageFirst, "voidEvent", w.drive(t, "REGISTERED").ID, map[string]any{"note": "无效上报"})
		if inv.Status != "VOIDED" || inv.DuplicateOf != nil {
			t.Errorf("voided as invalid: %+v", inv)
		}
	})
}

// TestReportValidation: bad reports are refused with BAD_USER_INPUT and create nothing.
func TestReportValidation(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		if err := w.db.Client.EventCategory.UpdateOneID(w.cat["ILLEGAL_POSTER"]).SetActive(false).Exec(servertest.System()); err != nil {
			t.Fatal(err)
		}
		tenPhotos := make([]string, 10)
		for i := range tenPhotos {
			tenPhotos[i] = "https://img.example.com/" + itoa(i) + ".jpg"
		}
		cases := []struct {
			name, field string
			edit        func(in map[string]any)
		}{
			{"unknown category", "categoryID", func(in map[string]any) { in["categoryID"] = "999999" }},
			{"inactive category", "categoryID", func(in map[string]any) { in["categoryID"] = itoa(w.cat["ILLEGAL_POSTER"]) }},
			{"ten photos", "photoUrls", func(in map[string]any) { in["photoUrls"] = tenPhotos }},
			{"photo not a URL", "photoUrls", func(in map[string]any) { in["photoUrls"] = []string{"file:///etc/passwd"} }},
			{"title of 10,000 characters", "title", func(in map[string]any) { in["title"] = strings.Repeat("垃", 10_000) }},
			{"empty title", "title", func(in map[string]any) { in["title"] = "" }},
			{"description of 10,000 characters", "description", func(in map[string]any) { in["description"] = strings.Repeat("x", 10_000) }},
			{"latitude out of range", "latitude", func(in map[string]any) { in["latitude"] = 91.0 }},
			{"negative quantity", "quantity", func(in map[string]any) { in["quantity"] = -1.0 }},
		}
		n := w.countCases(t)
		for _, c := range cases {
			in := w.reportInput(w.group, "EXPOSED_GARBAGE")
			c.edit(in)
			resp := w.env.Do(t, w.patroller.Token, reportMutation, map[string]any{"in": in})
			if len(resp.Errors) == 0 || resp.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: errors %+v, want BAD_USER_INPUT", c.name, resp.Errors)
				continue
			}
			if f, _ := resp.Errors[0].Extensions["field"].(string); f != c.field {
				t.Errorf("%s: field %q, want %q", c.name, f, c.field)
			}
		}
		// Roles without the report step.
		resp := w.env.Do(t, w.supervisor.Token, reportMutation, map[string]any{"in": w.reportInput(w.group, "EXPOSED_GARBAGE")})
		if c := resp.Codes(); len(c) == 0 || c[0] != "FORBIDDEN" {
			t.Errorf("supervisor reportEvent: %v", c)
		}
		resp = w.env.Do(t, "", reportMutation, map[string]any{"in": w.reportInput(w.group, "EXPOSED_GARBAGE")})
		if c := resp.Codes(); len(c) == 0 || c[0] != "UNAUTHENTICATED" {
			t.Errorf("anonymous reportEvent: %v", c)
		}
		if got := w.countCases(t); got != n {
			t.Errorf("refused reports created %d cases", got-n)
		}
		// Nine photos are fine; a report back may not push a case over nine.
		in := w.reportInput(w.group, "EXPOSED_GARBAGE")
		in["photoUrls"] = tenPhotos[:9]
		ev := w.reportAs(t, w.patroller, in)
		w.must(t, w.villageDirect, "acceptEvent", ev.ID, nil)
		w.must(t, w.villageDirect, "dispatchEvent", ev.ID, map[string]any{"toPersonID": w.patroller.SID()})
		w.must(t, w.patroller, "startHandling", ev.ID, nil)
		w.refuse(t, w.patroller.Token, "reportBack", ev.ID, map[string]any{"photoUrls": []string{"https://img.example.com/after.jpg"}}, "BAD_USER_INPUT")
		w.refuse(t, w.patroller.Token, "reportBack", ev.ID, map[string]any{"note": strings.Repeat("x", 10_000)}, "BAD_USER_INPUT")
	})
}

// TestDeadlinesAndLights: the deadline is computed at registration from the category's limit
// on the work calendar; the light and the overdue filter follow it.
func TestDeadlinesAndLights(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)

		// The taxonomy as the API shows it.
		var cats struct {
			EventCategories []struct {
				Code, LimitUnit string
				TimeLimit       int
				Parent          *Ref
			}
		}
		w.env.MustDo(t, w.patroller.Token, `{ eventCategories { code timeLimit limitUnit parent { code } } }`, nil, &cats)
		limits := map[string][2]any{}
		for _, c := range cats.EventCategories {
			limits[c.Code] = [2]any{c.TimeLimit, c.LimitUnit}
		}
		if got := limits["EXPOSED_GARBAGE"]; got != [2]any{4, "WORKING_HOURS"} {
			t.Errorf("EXPOSED_GARBAGE limit %v, want 4 WORKING_HOURS", got)
		}
		for _, want := range []string{"ILLEGAL_CONSTRUCTION", "ILLEGAL_CONSTRUCTION_STOP", "EXPOSED_GARBAGE", "ILLEGAL_SIGNBOARD", "ROAD_OCCUPYING_BUSINESS", "NEIGHBOUR_DISPUTE", "FIRE_HAZARD"} {
			if _, ok := limits[want]; !ok {
				t.Errorf("the taxonomy has no %s", want)
			}
		}

		// Deadline = the calendar's deadline from registration, for each unit.
		for _, c := range []struct {
			code  string
			limit int
			unit  workcal.Unit
		}{
			{"EXPOSED_GARBAGE", 4, workcal.WorkingHours},
			{"GARBAGE_PILE", 2, workcal.WorkingDays},
			{"ILLEGAL_CONSTRUCTION_STOP", 4, workcal.NaturalHours},
			{"ILLEGAL_CONSTRUCTION", 20, workcal.WorkingDays},
		} {
			if got := limitOf(c.code); got != [2]any{c.limit, c.unit} {
				t.Errorf("workflow.Taxonomy %s: %v, want %d %s", c.code, got, c.limit, c.unit)
			}
			ev := w.report(t, c.code)
			ev = w.must(t, w.villageDirect, "acceptEvent", ev.ID, nil)
			want := workcal.Default().Deadline(*ev.RegisteredAt, c.limit, c.unit)
			if ev.Deadline == nil || !ev.Deadline.Equal(want) {
				t.Errorf("%s: deadline %v, want %s (%d %s from %s)", c.code, ev.Deadline, want, c.limit, c.unit, ev.RegisteredAt)
			}
			if ev.LimitUnit == nil || *ev.LimitUnit != string(c.unit) {
				t.Errorf("%s: limitUnit %v", c.code, ev.LimitUnit)
			}
			if ev.SlaLight == nil || *ev.SlaLight != "GREEN" || ev.Overdue {
				t.Errorf("%s right after registration: light %v overdue %v", c.code, ev.SlaLight, ev.Overdue)
			}
		}

		now := time.Now()
		// Overdue: registered 5 hours ago, due an hour ago.
		late := w.drive(t, "DISPATCHED")
		w.setDeadline(t, late.ID, now.Add(-5*time.Hour), now.Add(-time.Hour))
		// Within the limit but close to it: 90 % of 4 natural hours used.
		yellow := w.report(t, "ILLEGAL_CONSTRUCTION_STOP")
		w.must(t, w.villageDirect, "acceptEvent", yellow.ID, nil)
		w.setDeadline(t, yellow.ID, now.Add(-216*time.Minute), now.Add(24*time.Minute))
		fresh := w.drive(t, "REGISTERED")
		unregistered := w.drive(t, "REPORTED")
		// Closed after its deadline: not overdue any more, but the light stays red.
		closedLate := w.drive(t, "CLOSED_FIXED")
		w.setDeadline(t, closedLate.ID, now.Add(-5*time.Hour), now.Add(-time.Hour))

		light := func(e *Ev) string { return ptr(e.SlaLight) }
		if e := w.get(t, w.villageFirst.Token, late.ID); !e.Overdue || light(e) != "RED" {
			t.Errorf("late case: overdue %v light %s", e.Overdue, light(e))
		}
		if e := w.get(t, w.villageFirst.Token, yellow.ID); e.Overdue || light(e) != "YELLOW" {
			t.Errorf("case at 90%%: overdue %v light %s", e.Overdue, light(e))
		}
		if e := w.get(t, w.villageFirst.Token, fresh.ID); e.Overdue || light(e) != "GREEN" {
			t.Errorf("fresh case: overdue %v light %s", e.Overdue, light(e))
		}
		if e := w.get(t, w.villageFirst.Token, closedLate.ID); e.Overdue || light(e) != "RED" {
			t.Errorf("case closed late: overdue %v light %s", e.Overdue, light(e))
		}
		if e := w.get(t, w.villageFirst.Token, unregistered.ID); e.Overdue || e.SlaLight != nil {
			t.Errorf("unregistered case: overdue %v light %s", e.Overdue, light(e))
		}

		overdue := w.listIDs(t, w.villageFirst.Token, map[string]any{"overdue": true})
		if !slices.Equal(overdue, []string{late.ID}) {
			t.Errorf("events(overdue: true) = %v, want only %s", overdue, late.ID)
		}
		notOverdue := w.listIDs(t, w.villageFirst.Token, map[string]any{"overdue": false})
		for _, id := range []string{yellow.ID, fresh.ID, closedLate.ID} {
			if !containsID(notOverdue, id) {
				t.Errorf("events(overdue: false) lacks case %s, which is not overdue", id)
			}
		}
		if containsID(notOverdue, late.ID) {
			t.Errorf("events(overdue: false) lists the overdue case")
		}
		if !containsID(notOverdue, unregistered.ID) {
			t.Errorf("events(overdue: false) lacks the unregistered case %s (no deadline, so not overdue): %v", unregistered.ID, notOverdue)
		}
		all := w.listIDs(t, w.villageFirst.Token, nil)
		if len(overdue)+len(notOverdue) != len(all) {
			t.Errorf("overdue true (%d) + false (%d) != all (%d)", len(overdue), len(notOverdue), len(all))
		}
		// The filter is scoped like every list.
		if ids := w.listIDs(t, w.outsider.Token, map[string]any{"overdue": true}); len(ids) != 0 {
			t.Errorf("the outsider's overdue list: %v", ids)
		}
	})
}

// limitOf returns the limit of a category in workflow.Taxonomy.
func limitOf(code string) [2]any {
	for _, major := range workflow.Taxonomy {
		if major.Code == code {
			return [2]any{major.TimeLimit, workcal.Unit(major.Unit)}
		}
		for _, minor := range major.Minor {
			if minor.Code == code {
				return [2]any{minor.TimeLimit, workcal.Unit(minor.Unit)}
			}
		}
	}
	return [2]any{}
}

// TestConcurrentSteps: two officials act on one case at the same moment; exactly one wins.
func TestConcurrentSteps(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		race := func(op string, id string, a, b actor, argsA, argsB map[string]any) (winner int, codes [2][]string) {
			var wg sync.WaitGroup
			start := make(chan struct{})
			var resps [2]*servertest.Response
			for i, x := range []struct {
				a    actor
				args map[string]any
			}{{a, argsA}, {b, argsB}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					resps[i] = w.do(t, x.a.Token, op, id, x.args)
				}()
			}
			close(start)
			wg.Wait()
			winner = -1
			for i, r := range resps {
				codes[i] = r.Codes()
				if len(r.Errors) == 0 {
					if winner >= 0 {
						return -2, codes
					}
					winner = i
				}
			}
			return winner, codes
		}

		for round := range 3 {
			// Two dispatchers, same version.
			ev := w.drive(t, "REGISTERED")
			winner, codes := race("dispatchEvent", ev.ID, w.villageDirect, w.villageFirst,
				map[string]any{"version": ev.Version, "toPersonID": w.patroller.SID()},
				map[string]any{"version": ev.Version, "toPersonID": w.patroller2.SID()})
			if winner < 0 {
				t.Fatalf("round %d dispatch: winner %d, codes %v; want exactly one success", round, winner, codes)
			}
			if loser := codes[1-winner]; len(loser) != 1 || loser[0] != "CONFLICT" {
				t.Errorf("round %d dispatch: loser's codes %v, want [CONFLICT]", round, loser)
			}
			st := w.stored(t, ev.ID)
			if st.Version != ev.Version+1 || w.countActions(t, ev.ID, eventaction.ActionDISPATCH) != 1 {
				t.Errorf("round %d dispatch: version %d (want %d), %d DISPATCH actions", round, st.Version, ev.Version+1, w.countActions(t, ev.ID, eventaction.ActionDISPATCH))
			}
			wantAssignee := []int{w.patroller.ID, w.patroller2.ID}[winner]
			if st.AssigneeID == nil || *st.AssigneeID != wantAssignee {
				t.Errorf("round %d dispatch: assignee %s, want the winner's %d", round, ptr(st.AssigneeID), wantAssignee)
			}

			// Two officials accept the same report without naming a version.
			ev = w.drive(t, "REPORTED")
			winner, codes = race("acceptEvent", ev.ID, w.villageDirect, w.villageFirst, nil, nil)
			if winner < 0 {
				t.Fatalf("round %d accept: winner %d, codes %v; want exactly one success", round, winner, codes)
			}
			if loser := codes[1-winner]; len(loser) != 1 || loser[0] != "CONFLICT" {
				t.Errorf("round %d accept: loser's codes %v, want [CONFLICT]", round, loser)
			}
			if st := w.stored(t, ev.ID); st.Version != 2 || w.countActions(t, ev.ID, eventaction.ActionACCEPT) != 1 {
				t.Errorf("round %d accept: version %d, %d ACCEPT actions", round, st.Version, w.countActions(t, ev.ID, eventaction.ActionACCEPT))
			}
		}

		// A version passed explicitly must be the current one.
		ev := w.drive(t, "REPORTED")
		w.refuse(t, w.villageDirect.Token, "acceptEvent", ev.ID, map[string]any{"version": 2}, "CONFLICT")
		w.refuse(t, w.villageDirect.Token, "acceptEvent", ev.ID, map[string]any{"version": 0}, "CONFLICT")
		ev = w.must(t, w.villageDirect, "acceptEvent", ev.ID, map[string]any{"version": 1})
		e := w.refuse(t, w.villageFirst.Token, "dispatchEvent", ev.ID, map[string]any{"version": 1, "toPersonID": w.patroller.SID()}, "CONFLICT")
		if !strings.Contains(e.Message, "version") {
			t.Errorf("stale version refusal says %q", e.Message)
		}
	})
}

// TestIdempotency: a retried request with the same key acts once.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		reportWithKey := func(a actor, in map[string]any, key string) *servertest.Response {
			return w.env.Do(t, a.Token, reportMutation, map[string]any{"in": in, "key": key})
		}

		// A report sent twice is one case with one REPORT.
		in := w.reportInput(w.group, "EXPOSED_GARBAGE")
		n := w.countCases(t)
		first := decodeOne(t, mustOK(t, reportWithKey(w.patroller, in, "report-1")), "reportEvent")
		again := decodeOne(t, mustOK(t, reportWithKey(w.patroller, in, "report-1")), "reportEvent")
		if again.ID != first.ID || again.TrackingCode != first.TrackingCode {
			t.Errorf("retried report: id %s, first %s", again.ID, first.ID)
		}
		if got := w.countCases(t); got != n+1 {
			t.Errorf("two reports with one key made %d cases", got-n)
		}
		if c := w.countActions(t, first.ID, eventaction.ActionREPORT); c != 1 {
			t.Errorf("%d REPORT actions", c)
		}
		// Keys are per user: the colleague's same key is a report of their own.
		other := decodeOne(t, mustOK(t, reportWithKey(w.patroller2, in, "report-1")), "reportEvent")
		if other.ID == first.ID {
			t.Errorf("another user's key returned the first user's case")
		}
		// A key reused for another operation is refused.
		resp := w.do(t, w.villageDirect.Token, "acceptEvent", first.ID, map[string]any{"idempotencyKey": "k-accept"})
		ev := decodeOne(t, mustOK(t, resp), "acceptEvent")
		resp = w.env.Do(t, w.villageDirect.Token, reportMutation, map[string]any{"in": w.reportInput(w.village, "EXPOSED_GARBAGE"), "key": "k-accept"})
		if c := resp.Codes(); len(c) == 0 || c[0] != "BAD_USER_INPUT" {
			t.Errorf("key reused for reportEvent: %v", c)
		}
		w.refuse(t, w.villageDirect.Token, "escalateEvent", first.ID, map[string]any{"idempotencyKey": "k-accept"}, "BAD_USER_INPUT")

		// A step retried with its key: applied once, the retry answers with the case.
		dispatch := map[string]any{"idempotencyKey": "k-dispatch", "toPersonID": w.patroller.SID()}
		d1 := w.must(t, w.villageDirect, "dispatchEvent", ev.ID, dispatch)
		d2 := w.must(t, w.villageDirect, "dispatchEvent", ev.ID, dispatch)
		if d1.Version != ev.Version+1 || d2.Version != d1.Version || d2.Status != "DISPATCHED" {
			t.Errorf("retried dispatch: versions %d then %d (before %d)", d1.Version, d2.Version, ev.Version)
		}
		if c := w.countActions(t, ev.ID, eventaction.ActionDISPATCH); c != 1 {
			t.Errorf("retried dispatch wrote %d DISPATCH actions", c)
		}
		// Passed and failed verification are different operations.
		ev = w.handledBy(t, w.patroller)
		w.must(t, w.supervisor, "verifyEvent", ev.ID, map[string]any{"passed": false, "idempotencyKey": "k-verify"})
		w.must(t, w.patroller, "reportBack", ev.ID, nil)
		w.refuse(t, w.supervisor.Token, "verifyEvent", ev.ID, map[string]any{"passed": true, "idempotencyKey": "k-verify"}, "BAD_USER_INPUT")

		// A refused step does not use its key up.
		ev = w.drive(t, "REGISTERED")
		w.refuse(t, w.villageDirect.Token, "dispatchEvent", ev.ID, map[string]any{"idempotencyKey": "k-later"}, "BAD_USER_INPUT")
		if got := w.must(t, w.villageDirect, "dispatchEvent", ev.ID, map[string]any{"idempotencyKey": "k-later", "toPersonID": w.patroller.SID()}); got.Status != "DISPATCHED" {
			t.Errorf("dispatch after a refused attempt with the same key: %s", got.Status)
		}
		// The same key on the same step for another case must not answer with the first case.
		a := w.drive(t, "REPORTED")
		b := w.drive(t, "REPORTED")
		w.must(t, w.villageFirst, "acceptEvent", a.ID, map[string]any{"idempotencyKey": "k-same"})
		resp = w.do(t, w.villageFirst.Token, "acceptEvent", b.ID, map[string]any{"idempotencyKey": "k-same"})
		if len(resp.Errors) == 0 {
			if got := decodeOne(t, resp, "acceptEvent"); got.ID != b.ID {
				t.Errorf("acceptEvent(%s) with a key first used on case %s answered with case %s (status %s) and left %s %s: a key is matched by operation only, not by its case",
					b.ID, a.ID, got.ID, got.Status, b.ID, w.statusOf(t, b.ID))
			}
		} else if c := resp.Codes(); c[0] != "BAD_USER_INPUT" {
			t.Errorf("key reused on another case: %v", c)
		}
		// Oversized keys are refused.
		w.refuse(t, w.villageFirst.Token, "acceptEvent", b.ID, map[string]any{"idempotencyKey": strings.Repeat("k", 101)}, "BAD_USER_INPUT")
	})
}

// mustOK fails the test when a response has errors.
func mustOK(t *testing.T, resp *servertest.Response) *servertest.Response {
	t.Helper()
	if len(resp.Errors) > 0 {
		t.Fatalf("request failed: %+v", resp.Errors)
	}
	return resp
}

// TestCaseGridsReadableByItsViewers: a viewer who sees a case through one of its two grids
// (where it sits now, where it was reported) can read it, and take a step on it, whatever
// fields of the case the client selects. Event.grid and Event.originGrid are non-null, so
// they must not fail for such a viewer: the village that escalated a case still reads it
// with its grid, and a patroller handling a case sent down from the village reads its origin.
func TestCaseGridsReadableByItsViewers(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		const withGrids = `mutation($id: ID!) { %s(id: $id) { id status grid { code } originGrid { code } } }`

		// The village escalates a case of its own to the sub-district, selecting where it went.
		ev := w.reportAs(t, w.villageDirect, w.reportInput(w.village, "NEIGHBOUR_DISPUTE"))
		w.must(t, w.villageDirect, "acceptEvent", ev.ID, nil)
		resp := w.env.Do(t, w.villageDirect.Token, fmt.Sprintf(withGrids, "escalateEvent"), map[string]any{"id": ev.ID})
		if len(resp.Errors) > 0 {
			t.Errorf("escalateEvent selecting grid: %+v; the step was rolled back: grid now %s, escalations %d",
				resp.Errors, w.stored(t, ev.ID).GridPath, w.stored(t, ev.ID).EscalationCount)
			w.must(t, w.villageDirect, "escalateEvent", ev.ID, nil) // go on without the grid
		}
		resp = w.env.Do(t, w.villageDirect.Token, `query($id: ID!) { node(id: $id) { ... on Event { id status grid { code } originGrid { code } } } }`, map[string]any{"id": ev.ID})
		if len(resp.Errors) > 0 || strings.Contains(string(resp.Data), `"node":null`) {
			t.Errorf("the village reads the case it escalated with its grid: %+v %s", resp.Errors, resp.Data)
		}

		// The village sends a case of its own down to the group; the patroller starts it.
		ev = w.reportAs(t, w.villageDirect, w.reportInput(w.village, "ILLEGAL_SIGNBOARD"))
		w.must(t, w.villageDirect, "acceptEvent", ev.ID, nil)
		w.must(t, w.villageDirect, "dispatchEvent", ev.ID, map[string]any{"toGridID": itoa(w.group.ID), "toPersonID": w.patroller.SID()})
		resp = w.env.Do(t, w.patroller.Token, fmt.Sprintf(withGrids, "startHandling"), map[string]any{"id": ev.ID})
		if len(resp.Errors) > 0 {
			t.Errorf("startHandling selecting originGrid: %+v; the step was rolled back: status now %s", resp.Errors, w.statusOf(t, ev.ID))
		}
	})
}
