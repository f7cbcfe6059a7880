package workflow_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/auditentry"
	"gridgov/ent/eventaction"
	"gridgov/ent/user"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestAuditLogOfCaseSteps takes a case through its first steps and reads its audit entries:
// one per changed row (the case and each timeline step), by the actor who took the step,
// named after the mutation, and visible to the sub-district's supervisor (督察) but not to
// the village officials who took the steps nor to a neighbouring village.
func TestAuditLogOfCaseSteps(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.drive(t, "DISPATCHED")
		id, _ := strconv.Atoi(ev.ID)
		ctx := servertest.System()
		entries, err := db.Client.AuditEntry.Query().
			Where(auditentry.EntityType(ent.TypeEvent), auditentry.EntityID(id)).
			Order(ent.Asc(auditentry.FieldID)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		usernameOf := func(a actor) string {
			u, err := db.Client.User.Query().Where(user.PersonID(a.ID)).Only(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return u.Username
		}
		want := []struct {
			op, actor     string
			action        auditentry.Action
			before, after any // status before and after
		}{
			{"reportEvent", usernameOf(w.patroller), auditentry.ActionCREATE, nil, "REPORTED"},
			{"acceptEvent", usernameOf(w.villageDirect), auditentry.ActionUPDATE, "REPORTED", "REGISTERED"},
			{"dispatchEvent", usernameOf(w.villageDirect), auditentry.ActionUPDATE, "REGISTERED", "DISPATCHED"},
		}
		if len(entries) != len(want) {
			t.Fatalf("%d entries for the case, want %d: %+v", len(entries), len(want), entries)
		}
		for i, e := range entries {
			wt := want[i]
			if e.Operation != wt.op || e.ActorName != wt.actor || e.Action != wt.action || e.GridPath != w.group.Path {
				t.Errorf("entry %d: %s by %s (%s) on %s, want %s by %s (%s) on %s", i, e.Operation, e.ActorName, e.Action, e.GridPath, wt.op, wt.actor, wt.action, w.group.Path)
			}
			if got := e.Before["status"]; wt.before != nil && got != wt.before {
				t.Errorf("entry %d: status before %v, want %v", i, got, wt.before)
			}
			if got := e.After["status"]; got != wt.after {
				t.Errorf("entry %d: status after %v, want %v", i, got, wt.after)
			}
			if _, ok := e.After["reporter_phone"]; ok && e.After["reporter_phone"] != "[redacted]" {
				t.Errorf("entry %d records the reporter's phone: %v", i, e.After["reporter_phone"])
			}
		}
		steps, err := db.Client.AuditEntry.Query().
			Where(auditentry.EntityType(ent.TypeEventAction), auditentry.OperationIn("reportEvent", "acceptEvent", "dispatchEvent")).Count(ctx)
		if err != nil || steps != 3 {
			t.Errorf("timeline steps recorded: %d, %v; want 3", steps, err)
		}

		q := `query($id: ID!) { auditLog(where: {entityType: "Event", entityID: $id}) { totalCount } }`
		for _, c := range []struct {
			who  string
			tok  string
			want int
		}{
			{"supervisor of the sub-district", w.supervisor.Token, 3},
			{"village official who took the steps", w.villageDirect.Token, 0},
			{"official of the neighbouring village", w.outsider.Token, 0},
			{"superuser", w.admin, 3},
		} {
			var out struct{ AuditLog struct{ TotalCount int } }
			w.env.MustDo(t, c.tok, q, map[string]any{"id": ev.ID}, &out)
			if out.AuditLog.TotalCount != c.want {
				t.Errorf("%s sees %d entries of the case, want %d", c.who, out.AuditLog.TotalCount, c.want)
			}
		}
	})
}

// TestAuditLogOfCaseStepsScoped: the entries of a case's steps (EventAction rows, which
// belong to a grid through their case) carry the case's grid path, so a supervisor sees the
// steps of the cases in their subtree and no others.
func TestAuditLogOfCaseStepsScoped(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ctx := servertest.System()
		inVillage := w.drive(t, "REGISTERED")
		inVillage2 := w.reportAs(t, w.outsider, w.reportInput(w.group2, "EXPOSED_GARBAGE"))
		p, err := db.Client.Person.Create().SetName("钱督察").SetGridID(w.village2.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(w.village2.ID).
			SetRole(assignment.RoleSUPERVISOR).SetValidFrom(time.Now().Add(-time.Hour)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		village2Supervisor := w.env.TokenFor(t, p.ID, false)
		stepsOf := func(ev Ev) []string {
			t.Helper()
			id, _ := strconv.Atoi(ev.ID)
			ids, err := db.Client.EventAction.Query().Where(eventaction.EventID(id)).Order(ent.Asc(eventaction.FieldID)).IDs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, id := range ids {
				out = append(out, strconv.Itoa(id))
			}
			return out
		}
		village, village2 := stepsOf(inVillage), stepsOf(inVillage2)
		const q = `{ auditLog(first: 100, where: {entityType: "EventAction"}, orderBy: {field: OCCURRED_AT}) { edges { node { entityID } } } }`
		for _, c := range []struct {
			who, token string
			want       []string
		}{
			{"supervisor of the sub-district", w.supervisor.Token, append(slices.Clone(village), village2...)},
			{"supervisor of the neighbouring village", village2Supervisor, village2},
		} {
			var out struct {
				AuditLog struct {
					Edges []struct{ Node struct{ EntityID string } }
				}
			}
			w.env.MustDo(t, c.token, q, nil, &out)
			var got []string
			for _, e := range out.AuditLog.Edges {
				got = append(got, e.Node.EntityID)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: audit entries of case steps (-want +got):\n%s", c.who, diff)
			}
		}
	})
}
