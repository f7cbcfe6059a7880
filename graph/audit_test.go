package graph_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/auditentry"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// auditFields is the selection the audit tests read entries with.
const auditFields = `fragment A on AuditEntry { actorID actorName operation requestID action actionLabel entityType entityID gridPath before after occurredAt }`

// auditNode is an entry as the API returns it with the A fragment.
type auditNode struct {
	ActorID    *string        `json:"actorID"`
	ActorName  string         `json:"actorName"`
	Operation  string         `json:"operation"`
	RequestID  string         `json:"requestID"`
	Action     string         `json:"action"`
	Label      string         `json:"actionLabel"`
	EntityType string         `json:"entityType"`
	EntityID   string         `json:"entityID"`
	GridPath   string         `json:"gridPath"`
	Before     map[string]any `json:"before"`
	After      map[string]any `json:"after"`
	OccurredAt time.Time      `json:"occurredAt"`
}

// auditLog reads the audit log as token sees it, with where as the filter.
func (f *fixture) auditLog(t *testing.T, token string, where map[string]any, gridID string) []auditNode {
	t.Helper()
	vars := map[string]any{"w": where}
	if gridID != "" {
		vars["g"] = gridID
	}
	var out struct {
		AuditLog struct {
			TotalCount int
			Edges      []struct{ Node auditNode }
		}
	}
	f.env.MustDo(t, token, `query($w: AuditEntryWhereInput, $g: ID) { auditLog(first: 500, where: $w, gridID: $g) { totalCount edges { node { ...A } } } } `+auditFields, vars, &out)
	nodes := make([]auditNode, len(out.AuditLog.Edges))
	for i, e := range out.AuditLog.Edges {
		nodes[i] = e.Node
	}
	if out.AuditLog.TotalCount != len(nodes) {
		t.Fatalf("totalCount %d, but %d entries", out.AuditLog.TotalCount, len(nodes))
	}
	return nodes
}

// TestAuditLogRecordsChanges makes changes through the API and reads back exactly one entry
// per changed row, with the actor, the operation, and the changed fields before and after.
func TestAuditLogRecordsChanges(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		var me struct{ Me struct{ Username string } }
		f.env.MustDo(t, f.token, `{ me { username } }`, nil, &me)
		admin := me.Me.Username

		g11 := tree["g11"]
		created := f.auditLog(t, f.token, map[string]any{"entityType": "Grid", "entityID": g11.ID}, "")
		if len(created) != 1 {
			t.Fatalf("createGrid left %d entries for the grid, want 1: %+v", len(created), created)
		}
		c := created[0]
		if c.Action != "CREATE" || c.Label != "新增" || c.Operation != "createGrid" || c.ActorName != admin || c.ActorID == nil || c.RequestID == "" || c.Before != nil {
			t.Errorf("create entry = %+v", c)
		}
		if c.GridPath != g11.Path || c.After["path"] != g11.Path || c.After["name"] != g11.Name || c.After["code"] != g11.Code {
			t.Errorf("create entry path %q after %v, want the grid's path %s, name and code", c.GridPath, c.After, g11.Path)
		}

		f.env.MustDo(t, f.token, `mutation($id: ID!) { updateGrid(id: $id, input: {name: "三王庄村一组", households: 42}) { id } }`,
			map[string]any{"id": g11.ID}, nil)
		updates := f.auditLog(t, f.token, map[string]any{"entityID": g11.ID, "entityType": "Grid", "action": "UPDATE"}, "")
		if len(updates) != 1 {
			t.Fatalf("updateGrid left %d update entries, want 1: %+v", len(updates), updates)
		}
		u := updates[0]
		want := auditNode{
			ActorID: c.ActorID, ActorName: admin, Operation: "updateGrid", RequestID: u.RequestID, Action: "UPDATE", Label: "修改",
			EntityType: "Grid", EntityID: g11.ID, GridPath: g11.Path,
			Before: map[string]any{"name": g11.Name, "households": float64(0)},
			After:  map[string]any{"name": "三王庄村一组", "households": float64(42)},
		}
		u.OccurredAt = time.Time{}
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("update entry (-want +got):\n%s", diff)
		}

		// Moving a grid records the grid's own move, once; the paths rewritten below it are
		// derived from it.
		v2 := tree["v2"]
		f.env.MustDo(t, f.token, `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { id } }`,
			map[string]any{"id": tree["v1"].ID, "p": tree["s2"].ID}, nil)
		moves := f.auditLog(t, f.token, map[string]any{"operation": "moveGrid"}, "")
		newPath := tree["s2"].Path + tree["v1"].ID + "/"
		if len(moves) != 1 || moves[0].EntityID != tree["v1"].ID || moves[0].Before["path"] != tree["v1"].Path ||
			moves[0].After["path"] != newPath || moves[0].GridPath != newPath {
			t.Errorf("moveGrid entries = %+v, want one for v1 from %s to %s", moves, tree["v1"].Path, newPath)
		}

		// A delete records every field of the row as it was.
		f.env.MustDo(t, f.token, `mutation($id: ID!) { deleteGrid(id: $id) }`, map[string]any{"id": tree["g21"].ID}, nil)
		dels := f.auditLog(t, f.token, map[string]any{"action": "DELETE"}, "")
		if len(dels) != 1 || dels[0].EntityID != tree["g21"].ID || dels[0].Operation != "deleteGrid" || dels[0].After != nil ||
			dels[0].Before["code"] != tree["g21"].Code || dels[0].GridPath != tree["g21"].Path {
			t.Errorf("deleteGrid entries = %+v", dels)
		}

		// One request whose second mutation fails rolls back the first: no change, no entry.
		resp := f.env.Do(t, f.token, `mutation($id: ID!) {
			a: updateGrid(id: $id, input: {name: "不会保存"}) { id }
			b: updateGrid(id: $id, input: {code: "bad code"}) { id }
		}`, map[string]any{"id": v2.ID})
		if len(resp.Errors) == 0 {
			t.Fatal("the second updateGrid should fail")
		}
		if got := f.auditLog(t, f.token, map[string]any{"entityID": v2.ID, "action": "UPDATE"}, ""); len(got) != 0 {
			t.Errorf("a rolled-back request left entries: %+v", got)
		}
		g, err := db.Client.Grid.Get(servertest.System(), atoi(t, v2.ID))
		if err != nil || g.Name != v2.Name {
			t.Fatalf("grid after the rolled-back request: %v, %v", g, err)
		}
	})
}

// TestAuditLogScope reads the log as a supervisor (督察) of one village, a village official,
// an administrator of one district and an administrator of everything.
func TestAuditLogScope(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		tree := f.buildTree(t, baseTree)
		from := time.Now().Add(-time.Hour)
		sup := f.createPerson(t, tree["v1"].ID, "督察甲")
		f.assign(t, sup, tree["v1"].ID, "SUPERVISOR", "", from)
		official := f.createPerson(t, tree["v1"].ID, "村支书")
		f.assign(t, official, tree["v1"].ID, "FIRST_RESPONSIBLE", "", from)
		districtAdmin := f.createPerson(t, tree["d1"].ID, "区管理员")
		f.assign(t, districtAdmin, tree["d1"].ID, "ADMIN", "", from)

		supToken := f.env.TokenFor(t, atoi(t, sup), false)
		officialToken := f.env.TokenFor(t, atoi(t, official), false)
		districtToken := f.env.TokenFor(t, atoi(t, districtAdmin), false)

		all := f.auditLog(t, f.token, nil, "")
		within := func(root string) (n int) {
			for _, e := range all {
				if root == "" || (e.GridPath != "" && strings.HasPrefix(e.GridPath, root)) {
					n++
				}
			}
			return n
		}
		if within(tree["v1"].Path) == 0 || within(tree["d2"].Path) == 0 || len(all) == within(tree["city"].Path) {
			t.Fatalf("the test needs entries inside v1, in d2, and outside the tree; got %d entries", len(all))
		}
		cases := []struct {
			name  string
			token string
			root  string // entries under it are visible; "-" for none
		}{
			{"supervisor of v1", supToken, tree["v1"].Path},
			{"first responsible of v1", officialToken, "-"},
			{"administrator of d1", districtToken, tree["d1"].Path},
			{"superuser", f.token, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got := f.auditLog(t, tc.token, nil, "")
				want := 0
				if tc.root != "-" {
					want = within(tc.root)
				}
				if len(got) != want {
					t.Errorf("sees %d entries, want %d", len(got), want)
				}
				for _, e := range got {
					if tc.root != "" && !strings.HasPrefix(e.GridPath, tc.root) {
						t.Errorf("sees an entry outside %s: %+v", tc.root, e)
					}
				}
			})
		}
		// gridID narrows to a subtree; a grid outside the scope is refused like a missing one.
		if got := f.auditLog(t, f.token, nil, tree["v1"].ID); len(got) != within(tree["v1"].Path) {
			t.Errorf("gridID v1: %d entries, want %d", len(got), within(tree["v1"].Path))
		}
		f.env.MustFail(t, supToken, `query($g: ID) { auditLog(gridID: $g) { totalCount } }`, map[string]any{"g": tree["d2"].ID}, "FORBIDDEN")
	})
}

// TestAuditLogKeepsNoSecrets signs in and creates an account, then looks for the password
// hash, the token and its hash anywhere in the log.
func TestAuditLogKeepsNoSecrets(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		ctx := servertest.System()
		token := f.env.TokenFor(t, 0, false)
		u, err := db.Client.User.Query().Order(ent.Desc("id")).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		login := f.env.Login(t, u.Username, servertest.Password)
		entries, err := db.Client.AuditEntry.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var logins int
		for _, e := range entries {
			if e.Operation == "login" && e.EntityType == "User" && e.EntityID == u.ID {
				logins++
			}
		}
		if logins != 1 {
			t.Errorf("%d login entries for user %d, want 1", logins, u.ID)
		}
		dump, err := json.Marshal(entries)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{token, login} {
			sum := sha256.Sum256([]byte(tok))
			for name, secret := range map[string]string{
				"token": tok, "token hash (hex)": hex.EncodeToString(sum[:]), "token hash (base64)": base64.StdEncoding.EncodeToString(sum[:]),
			} {
				if strings.Contains(string(dump), secret) {
					t.Errorf("the audit log holds a %s", name)
				}
			}
		}
		if strings.Contains(string(dump), u.PasswordHash) || strings.Contains(string(dump), "$argon2") {
			t.Error("the audit log holds a password hash")
		}
		if !strings.Contains(string(dump), `"password_hash":"[redacted]"`) {
			t.Error("an account's creation should show its password hash as [redacted]")
		}
	})
}

// TestAuditLogIsAppendOnly tries to change and delete entries, and to add one by hand, on the
// system's account.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		f.createGrid(t, "", "4101", "郑州市", "CITY")
		ctx := servertest.System()
		n, err := db.Client.AuditEntry.Query().Count(ctx)
		if err != nil || n == 0 {
			t.Fatalf("entries: %d, %v", n, err)
		}
		if err := db.Client.AuditEntry.Update().Exec(ctx); err == nil {
			t.Error("an update of the audit log succeeded")
		}
		if _, err := db.Client.AuditEntry.Delete().Exec(ctx); err == nil {
			t.Error("a delete of the audit log succeeded")
		}
		err = db.Client.AuditEntry.Create().SetActorName("x").SetOperation("x").SetAction(auditentry.ActionCREATE).
			SetEntityType("Grid").SetEntityID(1).Exec(ctx)
		if err == nil {
			t.Error("an entry written by hand was accepted")
		}
		if m, _ := db.Client.AuditEntry.Query().Count(ctx); m != n {
			t.Errorf("entries %d after the attempts, want %d", m, n)
		}
	})
}
