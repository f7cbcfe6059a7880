package graph_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/auditentry"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/ent/householdtag"
	"gridgov/ent/inspection"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/schema/ledgerfield"
	"gridgov/ent/session"
	"gridgov/ent/vehicle"
	"gridgov/graph/generated"
	"gridgov/internal/accounts"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// The mutation × viewer table: every field of the schema's Mutation type is tried by four
// viewers — in scope (a role that allows it, on a grid above the target), out of scope (the
// same role on another subtree), wrong role (in scope, a role that may not do it) and
// anonymous — on a world of its own per mutation, built fresh beside the others in one
// database per store. A refused attempt must carry the expected
// code and write nothing (no audit entry, no session change); an allowed one must write. A
// mutation added to the schema without a row here fails the test.

// viewerKind is one of the four viewers of a row, in the order of authzRow.want.
type viewerKind int

const (
	inScope viewerKind = iota
	outOfScope
	wrongRole
	anonymous
)

var viewerKinds = [...]string{"in scope", "out of scope", "wrong role", "anonymous"}

// verdict is what an attempt must end in.
type verdict int

const (
	allowed       verdict = iota + 1
	denied                // FORBIDDEN when signed in, UNAUTHENTICATED when anonymous
	notApplicable         // the viewer kind makes no sense for the mutation; reason says why
)

// outcome is the expectation of one viewer kind of a row.
type outcome struct {
	verdict verdict
	// reason explains a notApplicable outcome.
	reason string
}

var (
	allow = outcome{verdict: allowed}
	deny  = outcome{verdict: denied}
	// scoped is the expectation of an ordinary scoped write.
	scoped = [4]outcome{allow, deny, deny, deny}
)

// na marks a viewer kind that does not apply, with the reason.
func na(reason string) outcome { return outcome{verdict: notApplicable, reason: reason} }

// who is a signed-in viewer: a superuser, or a person holding role on the grid named at.
type who struct {
	role  string
	at    string // key of mworld.grids
	super bool
	// own is the viewer whose session the row's vars opened (mworld.ownToken), for mutations
	// on one's own sessions.
	own bool
}

// authzRow is one mutation of the table.
type authzRow struct {
	mutation string
	doc      string
	// vars builds the variables from the row's fresh world; one set serves every viewer.
	vars func(t *testing.T, w *mworld) map[string]any
	// role may do the mutation, wrong may not; the in-scope and wrong-role viewers hold them
	// on s1, above every target, and the out-of-scope viewer holds role on s2.
	role, wrong string
	// viewers overrides the default viewers (zero entries keep the default).
	viewers [3]who
	want    [4]outcome
	// noWrite says why an allowed attempt writes nothing; then only the absence of errors and
	// a non-null answer are checked.
	noWrite string
	// files, when set, are sent with the operation as a multipart upload.
	files func(t *testing.T, w *mworld) []servertest.File
}

// adminOnly are the viewers of a mutation reserved to administrators of the whole tree: a
// superuser may, an ADMIN of a subtree may not, nor a first-responsible of the root.
var adminOnly = [3]who{{super: true}, {role: "ADMIN", at: "s1"}, {role: "FIRST_RESPONSIBLE", at: "root"}}

// mworld is the fixture of one row: a small tree and one row of every kind a mutation
// targets, all under s1 (v1 and its groups), read by ids.
//
//	root 4101nn (nn: the row's number)
//	├── s1 4101nn001 ── v1 4101nn001001 ── g11, g12
//	│               └── v1b 4101nn001002
//	└── s2 4101nn002 ── v2 4101nn002001
type mworld struct {
	env   *servertest.Env
	n     int // the row's number, which makes the world's codes unique in the database
	grids map[string]*ent.Grid

	category           *ent.EventCategory
	staff              *ent.Person
	staffRole          *ent.Assignment
	vehicle            *ent.Vehicle
	household          *ent.Household
	visit              *ent.Visit
	patrol             *ent.Patrol
	events             map[event.Status]*ent.Event
	pendingExtension   *ent.Event
	draft, published   *ent.BulletinPost
	project            *ent.KeyProject
	metric             *ent.KeyProjectMetric
	itemType           *ent.LedgerItemType
	entry              *ent.LedgerEntry
	inspection         *ent.Inspection
	ledgerCategoryCode string
	// ownToken is the token of a viewer a row's vars signed in (who.own).
	ownToken string
}

// id is a row's GraphQL id.
func id(n int) string { return strconv.Itoa(n) }

// grid returns the GraphQL id of the grid named key.
func (w *mworld) grid(key string) string { return id(w.grids[key].ID) }

// buildMWorld builds the n-th row's world beside the others in the database: its own tree,
// rooted at district code 4101nn, and codes of its own.
func buildMWorld(t *testing.T, env *servertest.Env, n int) *mworld {
	t.Helper()
	ctx := servertest.System()
	c := env.Client
	w := &mworld{env: env, n: n, grids: map[string]*ent.Grid{}, events: map[event.Status]*ent.Event{}}
	root := fmt.Sprintf("4101%02d", n)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		key, parent, code string
		kind              grid.Kind
	}{
		{"root", "", "", grid.KindDISTRICT},
		{"s1", "root", "001", grid.KindSUB_DISTRICT},
		{"v1", "s1", "001001", grid.KindVILLAGE},
		{"g11", "v1", "001001001", grid.KindVILLAGER_GROUP},
		{"g12", "v1", "001001002", grid.KindVILLAGER_GROUP},
		{"v1b", "s1", "001002", grid.KindVILLAGE},
		{"s2", "root", "002", grid.KindSUB_DISTRICT},
		{"v2", "s2", "002001", grid.KindVILLAGE},
	} {
		b := c.Grid.Create().SetCode(root + s.code).SetName("网格" + root + s.code).SetKind(s.kind)
		if s.parent != "" {
			b.SetParentID(w.grids[s.parent].ID)
		}
		g, err := b.Save(ctx)
		must(err)
		w.grids[s.key] = g
	}
	g11, v1 := w.grids["g11"], w.grids["v1"]
	var err error
	w.category, err = c.EventCategory.Query().Where(eventcategory.Code("EXPOSED_GARBAGE")).Only(ctx)
	must(err)
	w.staff, err = c.Person.Create().SetName("组员").SetGridID(g11.ID).Save(ctx)
	must(err)
	w.staffRole, err = c.Assignment.Create().SetPersonID(w.staff.ID).SetGridID(g11.ID).SetRole(assignment.RoleGRID_HEAD).
		SetValidFrom(time.Now().AddDate(-1, 0, 0)).Save(ctx)
	must(err)
	w.vehicle, err = c.Vehicle.Create().SetPlate(fmt.Sprintf("测巡%02d", n)).SetKind(vehicle.KindBICYCLE).SetGridID(g11.ID).Save(ctx)
	must(err)
	w.household, err = c.Household.Create().SetGridID(g11.ID).SetAddress("一组1号").SetHeadName("户主").Save(ctx)
	must(err)
	must(c.HouseholdTag.Create().SetHouseholdID(w.household.ID).SetGridPath(w.household.GridPath).SetKind(householdtag.KindPARTY_MEMBER_HOUSEHOLD).
		SetPost("党员户").SetPledge("带头").SetPlateHungAt(time.Now().AddDate(0, -1, 0)).Exec(ctx))
	w.visit, err = c.Visit.Create().SetHouseholdID(w.household.ID).SetVisitorID(w.staff.ID).SetVisitedAt(time.Now().Add(-time.Hour)).
		SetConcerns("门口垃圾").SetGridPath(w.household.GridPath).Save(ctx)
	must(err)
	w.patrol, err = c.Patrol.Create().SetGridID(g11.ID).SetPersonID(w.staff.ID).SetStartedAt(time.Now().Add(-2 * time.Hour)).
		SetEndedAt(time.Now().Add(-time.Hour)).Save(ctx)
	must(err)
	reported := time.Now().Add(-3 * time.Hour)
	mkEvent := func(status event.Status) *ent.Event {
		t.Helper()
		k := len(w.events) + 1
		b := c.Event.Create().SetTitle("垃圾" + strconv.Itoa(k)).SetSource(event.SourcePATROL).SetCategoryID(w.category.ID).
			SetGridID(g11.ID).SetOriginGridID(g11.ID).SetOriginPath(g11.Path).SetTrackingCode(fmt.Sprintf("AUTHZ%02d%02d", w.n, k)).
			SetReportedAt(reported).SetStatus(status)
		if status != event.StatusREPORTED {
			b.SetRegisteredAt(reported).SetDeadline(reported.Add(72 * time.Hour))
		}
		if workflow.Closed(status) {
			b.SetClosedAt(reported.Add(time.Hour)).SetFeedback("已清运")
		}
		ev, err := b.Save(ctx)
		must(err)
		must(c.EventAction.Create().SetEventID(ev.ID).SetAction(eventaction.ActionREPORT).
			SetToStatus(eventaction.ToStatusREPORTED).SetToGridID(g11.ID).Exec(ctx))
		return ev
	}
	for _, s := range []event.Status{event.StatusREPORTED, event.StatusREGISTERED, event.StatusDISPATCHED, event.StatusHANDLING,
		event.StatusHANDLED, event.StatusVERIFIED, event.StatusCLOSED_FIXED} {
		w.events[s] = mkEvent(s)
	}
	w.pendingExtension = mkEvent(event.StatusHANDLING)
	w.pendingExtension, err = w.pendingExtension.Update().SetRequestedDeadline(reported.Add(240 * time.Hour)).Save(ctx)
	must(err)
	w.draft, err = c.BulletinPost.Create().SetGridID(v1.ID).SetColumn(bulletinpost.ColumnVILLAGE_AFFAIRS).SetTitle("草稿").Save(ctx)
	must(err)
	w.published, err = c.BulletinPost.Create().SetGridID(v1.ID).SetColumn(bulletinpost.ColumnVILLAGE_AFFAIRS).SetTitle("公告").
		SetStatus(bulletinpost.StatusPUBLISHED).SetPublishedAt(time.Now()).Save(ctx)
	must(err)
	w.project, err = c.KeyProject.Create().SetCode(fmt.Sprintf("KP-%02d", n)).SetName("项目").SetGridID(v1.ID).SetGridIds([]int{v1.ID}).Save(ctx)
	must(err)
	w.metric, err = c.KeyProjectMetric.Create().SetProjectID(w.project.ID).SetCode("M").SetLabel("指标").SetTarget(10).
		SetGridPath(w.project.GridPath).Save(ctx)
	must(err)
	cat, err := c.LedgerCategory.Create().SetCode(fmt.Sprintf("TEST%02d", n)).SetName("Test").SetLabel("测试").Save(ctx)
	must(err)
	w.ledgerCategoryCode = cat.Code
	w.itemType, err = c.LedgerItemType.Create().SetCode(fmt.Sprintf("NOTE%02d", n)).SetName("Note").SetLabel("测试台账").SetCategoryID(cat.ID).
		SetPeriod(ledgeritemtype.PeriodMONTH).SetFields([]ledgerfield.Def{{Key: "note", Label: "备注", Type: ledgerfield.Text, Required: true}}).Save(ctx)
	must(err)
	w.entry, err = c.LedgerEntry.Create().SetItemTypeID(w.itemType.ID).SetGridID(v1.ID).SetPeriod(lastMonth()).
		SetValues(map[string]string{"note": "记录"}).Save(ctx)
	must(err)
	w.inspection, err = c.Inspection.Create().SetGridID(v1.ID).SetInspectorID(w.staff.ID).SetKind(inspection.KindUNANNOUNCED).
		SetInspectedAt(time.Now().Add(-time.Hour)).SetRating(inspection.RatingFAIR).SetFollowUpDue(time.Now().Add(24 * time.Hour)).Save(ctx)
	must(err)
	return w
}

// staffUsername is the username of the world's staff member's account.
func (w *mworld) staffUsername() string { return fmt.Sprintf("staff%02d", w.n) }

// staffAccount creates an account (staffUsername) for the world's staff member, disabled if
// asked, and returns it with its activation code.
func (w *mworld) staffAccount(t *testing.T, disabled bool) *accounts.Activation {
	t.Helper()
	a, err := (&accounts.Service{Auth: w.env.Auth}).Create(servertest.System(), w.env.Client, w.staff.ID, w.staffUsername())
	if err != nil {
		t.Fatal(err)
	}
	if disabled {
		if err := w.env.Client.User.UpdateOneID(a.User.ID).SetDisabled(true).Exec(servertest.System()); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// lastMonth is the ledger period of the previous month.
func lastMonth() string { return time.Now().AddDate(0, -1, 0).Format("2006-01") }

// viewer signs in a viewer of spec and returns its token.
func (w *mworld) viewer(t *testing.T, spec who) string {
	t.Helper()
	if spec.super {
		return w.env.TokenFor(t, 0, true)
	}
	if spec.own {
		return w.ownToken
	}
	ctx := servertest.System()
	g := w.grids[spec.at]
	p, err := w.env.Client.Person.Create().SetName("查看人").SetGridID(g.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := w.env.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(assignment.Role(spec.role)).
		SetValidFrom(time.Now().AddDate(-1, 0, 0))
	if spec.role == string(assignment.RoleSPECIFIC_RESPONSIBLE) {
		b.SetDuty(assignment.DutyPATROLLER)
	}
	if err := b.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return w.env.TokenFor(t, p.ID, false)
}

// digest sums up everything a mutation can write: the audit log, which records every change
// of a business row, and the sessions, which it does not record.
type digest struct {
	entries  int // audit entries
	byOp     int // of them, the ones recorded for the operation in question
	sessions string
}

// writes returns the digest of the database, counting the audit entries of operation op.
func (w *mworld) writes(t *testing.T, op string) digest {
	t.Helper()
	ctx := servertest.System()
	entries, err := w.env.Client.AuditEntry.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byOp, err := w.env.Client.AuditEntry.Query().Where(auditentry.Operation(op)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := w.env.Client.Session.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := w.env.Client.Session.Query().Where(session.RevokedAtNotNil()).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return digest{entries: entries, byOp: byOp, sessions: fmt.Sprintf("%d sessions (%d revoked)", sessions, revoked)}
}

// vars makes a variables map of key, value pairs.
func vars(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// recently is the moment d ago, as a GraphQL Time.
func recently(d time.Duration) string { return time.Now().Add(-d).UTC().Format(time.RFC3339) }

// eventStep is a workflow step on the world's case in status s.
func eventStep(s event.Status) func(*testing.T, *mworld) map[string]any {
	return func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.events[s].ID)) }
}

// mutationRows is the table. Keep one row per field of the Mutation type.
func mutationRows() []authzRow {
	const public = "a public mutation: anyone may call it without signing in, so scope and role do not apply"
	return []authzRow{
		// Grids, people, roles and vehicles.
		{mutation: "createGrid", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc: `mutation($p: ID!, $code: String!) { createGrid(input: {parentID: $p, code: $code, name: "三组", kind: VILLAGER_GROUP}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("p", w.grid("v1"), "code", w.grids["v1"].Code+"003")
			}},
		{mutation: "updateGrid", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { updateGrid(id: $id, input: {name: "改名"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", w.grid("g11")) }},
		{mutation: "setGridBoundary", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { setGridBoundary(gridID: $id, geojson: "{\"type\":\"Polygon\",\"coordinates\":[[[113.5,34.7],[113.51,34.7],[113.51,34.71],[113.5,34.7]]]}") { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", w.grid("g11")) }},
		{mutation: "moveGrid", role: "FIRST_RESPONSIBLE", wrong: "DIRECT_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!, $to: ID!) { moveGrid(id: $id, newParentID: $to) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", w.grid("g12"), "to", w.grid("v1b")) }},
		{mutation: "deleteGrid", role: "FIRST_RESPONSIBLE", wrong: "DIRECT_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { deleteGrid(id: $id) }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", w.grid("g12")) }},
		{mutation: "createPerson", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($g: ID!) { createPerson(input: {gridID: $g, name: "新人"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("g11")) }},
		{mutation: "updatePerson", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { updatePerson(id: $id, input: {phone: "13800000000"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.staff.ID)) }},
		{mutation: "assignRole", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc: `mutation($p: ID!, $g: ID!) { assignRole(input: {personID: $p, gridID: $g, role: SPECIFIC_RESPONSIBLE, duty: PATROLLER, validFrom: "2026-01-01T00:00:00Z"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("p", id(w.staff.ID), "g", w.grid("g11"))
			}},
		{mutation: "endAssignment", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { endAssignment(id: $id, reason: "换届") { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.staffRole.ID)) }},
		{mutation: "createVehicle", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($g: ID!) { createVehicle(input: {gridID: $g, plate: "测巡002", kind: E_BIKE}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("g11")) }},
		{mutation: "updateVehicle", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { updateVehicle(id: $id, input: {inService: false}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.vehicle.ID)) }},

		// Signing in and out.
		{mutation: "login",
			want: [4]outcome{
				na("signing in is decided by the password, not by a role or a scope"),
				na("signing in is decided by the password, not by a role or a scope"),
				na("signing in is decided by the password, not by a role or a scope"),
				allow},
			doc: `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
			vars: func(t *testing.T, w *mworld) map[string]any {
				hash, err := auth.HashPassword(servertest.Password)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.env.Client.User.Create().SetUsername("signin").SetPasswordHash(hash).Exec(servertest.System()); err != nil {
					t.Fatal(err)
				}
				return vars("u", "signin", "p", servertest.Password)
			}},
		{mutation: "logout", viewers: [3]who{{role: "SPECIFIC_RESPONSIBLE", at: "s1"}},
			want: [4]outcome{allow,
				na("ends the caller's own session: there is no target outside a scope"),
				na("ends the caller's own session: every role may"),
				deny},
			doc:  `mutation { logout }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},

		// Accounts.
		{mutation: "createUser", role: "ADMIN", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc:  `mutation($p: ID!, $u: String!) { createUser(input: {personID: $p, username: $u}) { activationCode } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("p", id(w.staff.ID), "u", w.staffUsername()) }},
		{mutation: "resetUserPassword", role: "ADMIN", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { resetUserPassword(userID: $id) { activationCode } }`,
			vars: func(t *testing.T, w *mworld) map[string]any { return vars("id", id(w.staffAccount(t, false).User.ID)) }},
		{mutation: "disableUser", role: "ADMIN", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { disableUser(userID: $id) { disabled } }`,
			vars: func(t *testing.T, w *mworld) map[string]any { return vars("id", id(w.staffAccount(t, false).User.ID)) }},
		{mutation: "enableUser", role: "ADMIN", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { enableUser(userID: $id) { disabled } }`,
			vars: func(t *testing.T, w *mworld) map[string]any { return vars("id", id(w.staffAccount(t, true).User.ID)) }},
		{mutation: "activateAccount",
			want: [4]outcome{
				na("activation is decided by the one-time code, not by a role or a scope"),
				na("activation is decided by the one-time code, not by a role or a scope"),
				na("activation is decided by the one-time code, not by a role or a scope"),
				allow},
			doc: `mutation($u: String!, $c: String!) { activateAccount(username: $u, code: $c, newPassword: "staff-password-1") { token } }`,
			vars: func(t *testing.T, w *mworld) map[string]any {
				return vars("u", w.staffUsername(), "c", w.staffAccount(t, false).Code)
			}},
		{mutation: "changePassword", viewers: [3]who{{role: "SPECIFIC_RESPONSIBLE", at: "s1"}},
			want: [4]outcome{allow,
				na("changes the caller's own password: there is no target outside a scope"),
				na("changes the caller's own password: every role may"),
				deny},
			doc:  `mutation($o: String!) { changePassword(oldPassword: $o, newPassword: "brand-new-pass-1") }`,
			vars: func(*testing.T, *mworld) map[string]any { return vars("o", servertest.Password) }},
		{mutation: "revokeSession", viewers: [3]who{{own: true}},
			want: [4]outcome{allow,
				na("ends one of the caller's own sessions: another user's session is NOT_FOUND (TestAccountStory)"),
				na("ends one of the caller's own sessions: every role may"),
				deny},
			doc: `mutation($id: ID!) { revokeSession(id: $id) }`,
			vars: func(t *testing.T, w *mworld) map[string]any {
				w.ownToken = w.viewer(t, who{role: "SPECIFIC_RESPONSIBLE", at: "s1"})
				// A second session of the same account, to be revoked by the first.
				sess, err := w.env.Client.Session.Query().Where(session.TokenHash(auth.TokenHash(w.ownToken))).Only(servertest.System())
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = w.env.Auth.OpenSession(servertest.System(), sess.UserID, "192.0.2.9")
				if err != nil {
					t.Fatal(err)
				}
				other, err := w.env.Client.Session.Query().Where(session.UserID(sess.UserID), session.IDNEQ(sess.ID)).Only(servertest.System())
				if err != nil {
					t.Fatal(err)
				}
				return vars("id", id(other.ID))
			}},

		// The village bulletin.
		{mutation: "createBulletinPost", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($g: ID!) { createBulletinPost(input: {gridID: $g, column: VILLAGE_AFFAIRS, title: "通知"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("v1")) }},
		{mutation: "updateBulletinPost", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { updateBulletinPost(id: $id, input: {title: "改题"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.draft.ID)) }},
		{mutation: "publishBulletinPost", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc:  `mutation($id: ID!) { publishBulletinPost(id: $id) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.draft.ID)) }},
		{mutation: "unpublishBulletinPost", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc:  `mutation($id: ID!) { unpublishBulletinPost(id: $id) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.published.ID)) }},

		// Daily work.
		{mutation: "createHousehold", role: "GRID_HEAD", wrong: "SUPERVISOR", want: scoped,
			doc:  `mutation($g: ID!) { createHousehold(input: {gridID: $g, address: "一组2号", headName: "户主"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("g11")) }},
		{mutation: "updateHousehold", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc:  `mutation($id: ID!) { updateHousehold(id: $id, input: {careLevel: VULNERABLE}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.household.ID)) }},
		{mutation: "tagHousehold", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($h: ID!, $at: Time!) { tagHousehold(householdID: $h, kind: MASSES_REPRESENTATIVE_HOUSEHOLD, post: "代表户", pledge: "带头", plateHungAt: $at) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("h", id(w.household.ID), "at", recently(time.Hour))
			}},
		{mutation: "untagHousehold", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc:  `mutation($h: ID!) { untagHousehold(householdID: $h, kind: PARTY_MEMBER_HOUSEHOLD) }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("h", id(w.household.ID)) }},
		{mutation: "recordVisit", role: "GRID_HEAD", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc: `mutation($h: ID!, $at: Time!) { recordVisit(householdID: $h, visitedAt: $at, notes: "走访") { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("h", id(w.household.ID), "at", recently(30*time.Minute))
			}},
		// A first-responsible may report cases but not record visits.
		{mutation: "visitConcernToEvent", role: "GRID_HEAD", wrong: "FIRST_RESPONSIBLE",
			want: [4]outcome{allow, deny, deny, deny},
			doc:  `mutation($v: ID!, $c: ID!) { visitConcernToEvent(visitID: $v, categoryID: $c, title: "门口垃圾") { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("v", id(w.visit.ID), "c", id(w.category.ID))
			}},
		{mutation: "recordPatrol", role: "SPECIFIC_RESPONSIBLE", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc: `mutation($g: ID!, $from: Time!, $to: Time!) { recordPatrol(gridID: $g, startedAt: $from, endedAt: $to) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("g", w.grid("g11"), "from", recently(90*time.Minute), "to", recently(30*time.Minute))
			}},
		{mutation: "reportPatrolFinding", role: "SPECIFIC_RESPONSIBLE", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc: `mutation($p: ID!, $c: ID!) { reportPatrolFinding(patrolID: $p, categoryID: $c, title: "乱堆", solvedOnSpot: false) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("p", id(w.patrol.ID), "c", id(w.category.ID))
			}},
		{mutation: "submitDailyReport", role: "SPECIFIC_RESPONSIBLE", wrong: "FIRST_RESPONSIBLE",
			want: [4]outcome{allow,
				na("a daily report is filed by oneself on the grid of one's own current role: there is no target in another subtree (a gridID without a role of one's own is BAD_USER_INPUT)"),
				deny, deny},
			doc:  `mutation { submitDailyReport(summary: "今日巡查一次") { id } }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},
		{mutation: "setVisitInterval", viewers: adminOnly,
			want: [4]outcome{allow, deny, deny, deny},
			doc:  `mutation { setVisitInterval(careLevel: VULNERABLE, days: 3) { days } }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},

		// Year 2099 so that the allowed calls change no calendar another test relies on.
		{mutation: "setCalendarYear", viewers: adminOnly,
			want: [4]outcome{allow, deny, deny, deny},
			doc:  `mutation { setCalendarYear(year: 2099, days: [], covered: true) { covered } }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},
		{mutation: "deleteCalendarYear", viewers: adminOnly,
			want: [4]outcome{allow, deny, deny, deny},
			doc:  `mutation { deleteCalendarYear(year: 2099) { covered } }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},

		// Cases.
		{mutation: "reportEvent", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($g: ID!, $c: ID!) { reportEvent(input: {gridID: $g, categoryID: $c, title: "垃圾"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("g", w.grid("g11"), "c", id(w.category.ID))
			}},
		{mutation: "acceptEvent", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc: `mutation($id: ID!) { acceptEvent(id: $id) { id } }`, vars: eventStep(event.StatusREPORTED)},
		{mutation: "dispatchEvent", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc: `mutation($id: ID!, $p: ID!) { dispatchEvent(id: $id, toPersonID: $p) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("id", id(w.events[event.StatusREGISTERED].ID), "p", id(w.staff.ID))
			}},
		{mutation: "returnEvent", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($id: ID!) { returnEvent(id: $id, note: "不属本组") { id } }`, vars: eventStep(event.StatusDISPATCHED)},
		{mutation: "startHandling", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($id: ID!) { startHandling(id: $id) { id } }`, vars: eventStep(event.StatusDISPATCHED)},
		{mutation: "reportBack", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($id: ID!) { reportBack(id: $id, note: "已清理") { id } }`, vars: eventStep(event.StatusHANDLING)},
		{mutation: "verifyEvent", role: "SUPERVISOR", wrong: "GRID_HEAD", want: scoped,
			doc: `mutation($id: ID!) { verifyEvent(id: $id, passed: true) { id } }`, vars: eventStep(event.StatusHANDLED)},
		{mutation: "closeEvent", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc: `mutation($id: ID!) { closeEvent(id: $id, fixed: true, feedback: "已处理") { id } }`, vars: eventStep(event.StatusVERIFIED)},
		{mutation: "escalateEvent", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc: `mutation($id: ID!) { escalateEvent(id: $id, note: "本级无法解决") { id } }`, vars: eventStep(event.StatusREGISTERED)},
		{mutation: "requestExtension", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($id: ID!, $d: Time!) { requestExtension(id: $id, newDeadline: $d) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("id", id(w.events[event.StatusREGISTERED].ID), "d", time.Now().Add(30*24*time.Hour).UTC().Format(time.RFC3339))
			}},
		{mutation: "decideExtension", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc:  `mutation($id: ID!) { decideExtension(id: $id, approve: true) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.pendingExtension.ID)) }},
		{mutation: "voidEvent", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc: `mutation($id: ID!) { voidEvent(id: $id, note: "重复") { id } }`, vars: eventStep(event.StatusREPORTED)},
		{mutation: "reopenEvent", role: "SUPERVISOR", wrong: "GRID_HEAD", want: scoped,
			doc: `mutation($id: ID!) { reopenEvent(id: $id, note: "复发") { id } }`, vars: eventStep(event.StatusCLOSED_FIXED)},
		{mutation: "reportPublicEvent",
			want: [4]outcome{na(public), na(public), na(public), allow},
			doc:  `mutation($g: String!) { reportPublicEvent(input: {gridCode: $g, categoryCode: "EXPOSED_GARBAGE", title: "路口垃圾"}) { trackingCode } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grids["g11"].Code) }},
		{mutation: "createEventCategory", viewers: adminOnly, want: scoped,
			doc:  `mutation { createEventCategory(input: {code: "NEW_KIND", name: "新类别", timeLimit: 3, limitUnit: WORKING_DAYS}) { id } }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},
		{mutation: "updateEventCategory", viewers: adminOnly, want: scoped,
			doc:  `mutation($id: ID!) { updateEventCategory(id: $id, input: {timeLimit: 5}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.category.ID)) }},

		// Key projects.
		{mutation: "createKeyProject", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc:  `mutation($g: ID!) { createKeyProject(input: {gridID: $g, code: "KP-2", name: "新项目"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("v1")) }},
		{mutation: "setKeyProjectStatus", role: "FIRST_RESPONSIBLE", wrong: "GRID_HEAD", want: scoped,
			doc:  `mutation($id: ID!) { setKeyProjectStatus(id: $id, status: IN_PROGRESS) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.project.ID)) }},
		{mutation: "recordKeyProjectProgress", role: "GRID_HEAD", wrong: "SPECIFIC_RESPONSIBLE", want: scoped,
			doc: `mutation($m: ID!, $d: String!) { recordKeyProjectProgress(metricID: $m, day: $d, value: 3) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("m", id(w.metric.ID), "d", time.Now().AddDate(0, 0, -2).Format(time.DateOnly))
			}},

		// Ledgers and exports.
		{mutation: "defineLedgerCategory", viewers: adminOnly, want: scoped,
			doc:  `mutation { defineLedgerCategory(input: {code: "NEWCAT", name: "New", label: "新台账类"}) { id } }`,
			vars: func(*testing.T, *mworld) map[string]any { return nil }},
		{mutation: "defineLedgerItemType", viewers: adminOnly, want: scoped,
			doc: `mutation($c: String!) { defineLedgerItemType(input: {categoryCode: $c, code: "NEWTYPE", name: "New", label: "新台账",
				fields: [{key: "n", label: "数量", type: NUMBER}]}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("c", w.ledgerCategoryCode) }},
		{mutation: "createLedgerEntry", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc: `mutation($it: ID!, $g: ID!, $p: String!) { createLedgerEntry(input: {itemTypeID: $it, gridID: $g, period: $p, values: [{key: "note", value: "新记录"}]}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("it", id(w.itemType.ID), "g", w.grid("v1"), "p", lastMonth())
			}},
		{mutation: "updateLedgerEntry", role: "SPECIFIC_RESPONSIBLE", wrong: "SUPERVISOR", want: scoped,
			doc:  `mutation($id: ID!) { updateLedgerEntry(id: $id, input: {values: [{key: "note", value: "改"}]}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.entry.ID)) }},
		{mutation: "importRoster", role: "FIRST_RESPONSIBLE",
			want: [4]outcome{allow, na("an import refuses each row outside the viewer's rights in its plan (applied: false), not with an error: TestImportRosterInScope"),
				na("as for out of scope: each row is refused in the plan"), deny},
			doc:  `mutation($f: Upload!) { importRoster(file: $f, dryRun: false) { applied } }`,
			vars: func(*testing.T, *mworld) map[string]any { return map[string]any{"f": nil} },
			files: func(t *testing.T, w *mworld) []servertest.File {
				return []servertest.File{{Var: "f", Name: "roster.xlsx", Data: onePersonRoster(t, w.grids["g11"].Code)}}
			}},
		{mutation: "importLedger", role: "SPECIFIC_RESPONSIBLE",
			want: [4]outcome{allow, na("an import refuses each row outside the viewer's rights in its result (applied: false), not with an error: TestImportLedgerInScope"),
				na("as for out of scope: each row is refused in the result"), deny},
			doc:  `mutation($f: Upload!) { importLedger(file: $f, dryRun: false) { applied } }`,
			vars: func(*testing.T, *mworld) map[string]any { return map[string]any{"f": nil} },
			files: func(t *testing.T, w *mworld) []servertest.File {
				return []servertest.File{{Var: "f", Name: "ledger.xlsx", Data: oneLedgerRow(t, w.itemType.Code, w.grids["v1"].Code, lastMonth())}}
			}},
		{mutation: "startImport", role: "FIRST_RESPONSIBLE",
			want: [4]outcome{allow, na("the job's plan refuses each row outside the viewer's rights, as importRoster's does: TestStartImport"),
				na("as for out of scope: each row is refused in the job's plan"), deny},
			doc:  `mutation($f: Upload!) { startImport(kind: ROSTER, file: $f, dryRun: true) { token } }`,
			vars: func(*testing.T, *mworld) map[string]any { return map[string]any{"f": nil} },
			files: func(t *testing.T, w *mworld) []servertest.File {
				return []servertest.File{{Var: "f", Name: "roster.xlsx", Data: onePersonRoster(t, w.grids["g11"].Code)}}
			},
			noWrite: "the job's row is not audited, and the import runs after the answer (TestStartImport follows it)"},
		{mutation: "requestExport", role: "FIRST_RESPONSIBLE",
			want:    [4]outcome{allow, deny, na("an export is a read of what the viewer may see: every role reads"), deny},
			doc:     `mutation($g: ID!) { requestExport(kind: ROSTER, gridID: $g) { url } }`,
			vars:    func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("v1")) },
			noWrite: "it only signs a download link"},

		// Supervision.
		{mutation: "recordInspection", role: "SUPERVISOR", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc:  `mutation($g: ID!) { recordInspection(input: {gridID: $g, rating: GOOD, findings: "台账齐全"}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("g", w.grid("v1")) }},
		{mutation: "recheckEvent", role: "SUPERVISOR", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc: `mutation($e: ID!) { recheckEvent(input: {eventID: $e, passed: true, rating: GOOD}) { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any {
				return vars("e", id(w.events[event.StatusCLOSED_FIXED].ID))
			}},
		{mutation: "completeFollowUp", role: "SUPERVISOR", wrong: "FIRST_RESPONSIBLE", want: scoped,
			doc:  `mutation($id: ID!) { completeFollowUp(id: $id, note: "已整改") { id } }`,
			vars: func(_ *testing.T, w *mworld) map[string]any { return vars("id", id(w.inspection.ID)) }},
	}
}

// schemaMutations returns the fields of the executable schema's Mutation type.
func schemaMutations() []string {
	var out []string
	for _, f := range generated.NewExecutableSchema(generated.Config{}).Schema().Mutation.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestMutationTableCheck proves the table check fails for a mutation without a row, a row
// for a mutation that is gone, and a row missing an outcome or a reason.
func TestMutationTableCheck(t *testing.T) {
	t.Parallel()
	rows := mutationRows()
	if p := mutationTableProblems(rows, schemaMutations()); p != nil {
		t.Errorf("the table does not match the schema:\n%s", strings.Join(p, "\n"))
	}
	broken := append([]authzRow{}, rows[1:]...) // createGrid's row dropped
	broken = append(broken, authzRow{mutation: "renamedMutation", doc: "mutation { x }", vars: rows[0].vars,
		want: [4]outcome{allow, na(""), {}, deny}, role: "GRID_HEAD"})
	got := strings.Join(mutationTableProblems(broken, schemaMutations()), "\n")
	for _, want := range []string{
		"mutation createGrid has no row",
		"a row for renamedMutation, which the schema's Mutation type no longer has",
		"row renamedMutation: the out of scope viewer is marked not applicable without a reason",
		"row renamedMutation: no outcome for the wrong role viewer",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the check of a broken table does not say %q; it says:\n%s", want, got)
		}
	}
}

// mutationTableProblems lists the mutations of the schema without a row, the rows of
// mutations the schema no longer has, and incomplete rows.
func mutationTableProblems(rows []authzRow, fields []string) []string {
	var out []string
	inSchema := map[string]bool{}
	for _, f := range fields {
		inSchema[f] = true
	}
	seen := map[string]bool{}
	for _, r := range rows {
		switch {
		case seen[r.mutation]:
			out = append(out, fmt.Sprintf("mutation %s has two rows in mutationRows", r.mutation))
		case !inSchema[r.mutation]:
			out = append(out, fmt.Sprintf("mutationRows has a row for %s, which the schema's Mutation type no longer has: remove it", r.mutation))
		}
		seen[r.mutation] = true
		if r.doc == "" || r.vars == nil {
			out = append(out, fmt.Sprintf("row %s: no GraphQL document or variables", r.mutation))
		}
		for k, o := range r.want {
			switch {
			case o.verdict == 0:
				out = append(out, fmt.Sprintf("row %s: no outcome for the %s viewer", r.mutation, viewerKinds[k]))
			case o.verdict == notApplicable && o.reason == "":
				out = append(out, fmt.Sprintf("row %s: the %s viewer is marked not applicable without a reason", r.mutation, viewerKinds[k]))
			case o.verdict != notApplicable && viewerKind(k) != anonymous && r.viewerOf(viewerKind(k)) == (who{}):
				out = append(out, fmt.Sprintf("row %s: no role for the %s viewer", r.mutation, viewerKinds[k]))
			}
		}
	}
	for _, f := range fields {
		if !seen[f] {
			out = append(out, fmt.Sprintf("mutation %s has no row in mutationRows (graph/mutationauthz_test.go): add one with the expected outcome of each viewer kind", f))
		}
	}
	return out
}

// viewerOf returns the spec of a signed-in viewer kind of the row.
func (r authzRow) viewerOf(k viewerKind) who {
	if r.viewers[k] != (who{}) {
		return r.viewers[k]
	}
	switch k {
	case inScope:
		if r.role != "" {
			return who{role: r.role, at: "s1"}
		}
	case outOfScope:
		if r.role != "" {
			return who{role: r.role, at: "s2"}
		}
	case wrongRole:
		if r.wrong != "" {
			return who{role: r.wrong, at: "s1"}
		}
	}
	return who{}
}

// TestMutationAuthz runs the table on both stores: one database per store, one world of its
// own per row, so that a row's allowed write cannot reach another row's targets.
func TestMutationAuthz(t *testing.T) {
	t.Parallel()
	rows := mutationRows()
	if p := mutationTableProblems(rows, schemaMutations()); p != nil {
		t.Fatalf("the table does not match the schema:\n%s", strings.Join(p, "\n"))
	}
	for _, store := range []struct{ name, dialect string }{{"sqlite", dialect.SQLite}, {"postgres", dialect.Postgres}} {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			env := servertest.New(t, dbtest.New(t, store.dialect))
			if err := workflow.SeedCategories(servertest.System(), env.Client); err != nil {
				t.Fatal(err)
			}
			attempts := 0
			for i, r := range rows {
				t.Run(r.mutation, func(t *testing.T) { attempts += runMutationRow(t, env, i, r) })
			}
			t.Logf("%d rows, %d attempts in %v", len(rows), attempts, time.Since(start).Round(time.Millisecond))
		})
	}
}

// runMutationRow tries the row's mutation as each viewer kind on a fresh world and returns the
// number of attempts made. The refused attempts run first, so that the allowed write finds
// the world as built.
func runMutationRow(t *testing.T, env *servertest.Env, n int, r authzRow) int {
	w := buildMWorld(t, env, n)
	variables := r.vars(t, w)
	tokens := map[viewerKind]string{}
	for _, k := range []viewerKind{inScope, outOfScope, wrongRole} {
		if r.want[k].verdict != notApplicable {
			tokens[k] = w.viewer(t, r.viewerOf(k))
		}
	}
	attempts := 0
	order := []viewerKind{outOfScope, wrongRole, anonymous, inScope}
	for _, pass := range []verdict{denied, allowed} {
		for _, k := range order {
			o := r.want[k]
			if o.verdict != pass {
				continue
			}
			t.Run(viewerKinds[k], func(t *testing.T) {
				attempts++
				before := w.writes(t, r.mutation)
				var resp *servertest.Response
				if r.files != nil {
					resp = env.DoUpload(t, tokens[k], r.doc, variables, r.files(t, w))
				} else {
					resp = env.Do(t, tokens[k], r.doc, variables)
				}
				after := w.writes(t, r.mutation)
				if o.verdict == allowed {
					checkAllowed(t, r, resp, before, after)
					return
				}
				code := "FORBIDDEN"
				if k == anonymous {
					code = "UNAUTHENTICATED"
				}
				if len(resp.Errors) == 0 || resp.Errors[0].Code() != code {
					t.Errorf("%s as %s: want %s, got errors %+v (data %s)", r.mutation, viewerKinds[k], code, resp.Errors, resp.Data)
				}
				if before != after {
					t.Errorf("%s as %s was refused but wrote: before %+v, after %+v", r.mutation, viewerKinds[k], before, after)
				}
			})
		}
	}
	for k, o := range r.want {
		if o.verdict == notApplicable {
			t.Run(viewerKinds[k], func(t *testing.T) { t.Skip("not applicable: " + o.reason) })
		}
	}
	return attempts
}

// checkAllowed fails unless the mutation answered without an error, with a non-null field,
// and wrote (unless the row says why it does not): an audit entry of the operation, or a
// session.
func checkAllowed(t *testing.T, r authzRow, resp *servertest.Response, before, after digest) {
	t.Helper()
	if len(resp.Errors) > 0 {
		t.Errorf("%s: want it allowed, got errors %+v", r.mutation, resp.Errors)
		return
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(resp.Data, &data); err != nil || len(data[r.mutation]) == 0 || string(data[r.mutation]) == "null" {
		t.Errorf("%s: allowed but answered %s", r.mutation, resp.Data)
	}
	if r.noWrite == "" && after.byOp == before.byOp && after.sessions == before.sessions {
		t.Errorf("%s: allowed without an error but wrote nothing: no audit entry of operation %s, no session change (%+v)", r.mutation, r.mutation, after)
	}
}
