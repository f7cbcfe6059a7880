package publicface_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Values the pages must show, or must not.
const (
	supervisionPhone = "0371-1234 5678"
	publicURL        = "https://grid.example.test"
	headPhone        = "13812345678"
	headMasked       = "138****5678"
	cleanerPhone     = "15900001111"
)

// world is a server with a small tree:
//
//	district 410102 中原区
//	└── sub 410102001 须水街道                 supervisor (SUPERVISOR)
//	    └── village 410102001001 三王庄村       station (WORKSTATION_HEAD), director (DIRECT_RESPONSIBLE)
//	        ├── group 410102001001001          head (GRID_HEAD + FIRST_RESPONSIBLE), cleaner (SPECIFIC/CLEANER),
//	        │                                  former head (ended), next head (from tomorrow)
//	        └── group2 410102001001002         nobody
type world struct {
	env                               *servertest.Env
	district, sub, village, group, g2 *ent.Grid
	head, cleaner, station, director  *ent.Person
	former, next, supervisor          *ent.Person
	supervisorToken, directorToken    string
	stationToken                      string
}

func newWorld(t *testing.T, db *dbtest.DB) *world {
	t.Helper()
	ctx := servertest.System()
	if err := workflow.SeedCategories(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	env := servertest.New(t, db)
	env.Handler = server.New(server.Config{Client: db.Client, Enforcer: env.Enforcer, Auth: env.Auth,
		SupervisionPhone: supervisionPhone, PublicURL: publicURL})
	w := &world{env: env}
	mkGrid := func(parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
		t.Helper()
		b := db.Client.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			b.SetParentID(parent.ID)
		}
		if kind == grid.KindVILLAGER_GROUP {
			b.SetAreaDescription("东至村道，西至水渠").SetDuties("巡查网格内安全隐患\n收集社情民意").SetHouseholds(120)
		}
		g, err := b.Save(ctx)
		if err != nil {
			t.Fatalf("create grid %s: %v", code, err)
		}
		return g
	}
	w.district = mkGrid(nil, "410102", "中原区", grid.KindDISTRICT)
	w.sub = mkGrid(w.district, "410102001", "须水街道", grid.KindSUB_DISTRICT)
	w.village = mkGrid(w.sub, "410102001001", "三王庄村", grid.KindVILLAGE)
	w.group = mkGrid(w.village, "410102001001001", "三王庄村第一村民组", grid.KindVILLAGER_GROUP)
	w.g2 = mkGrid(w.village, "410102001001002", "三王庄村第二村民组", grid.KindVILLAGER_GROUP)

	now := time.Now()
	person := func(name, phone, title, photo string, home *ent.Grid) *ent.Person {
		t.Helper()
		p, err := db.Client.Person.Create().SetName(name).SetPhone(phone).SetTitle(title).SetPhotoURL(photo).SetGridID(home.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	assign := func(p *ent.Person, g *ent.Grid, role assignment.Role, duty *assignment.Duty, from time.Time, to *time.Time) {
		t.Helper()
		if err := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(role).SetNillableDuty(duty).
			SetValidFrom(from).SetNillableValidTo(to).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	past, yesterday, tomorrow := now.AddDate(0, -3, 0), now.AddDate(0, 0, -1), now.AddDate(0, 0, 1)
	cleaner := assignment.DutyCLEANER
	w.head = person("王建国", headPhone, "村委委员", "https://photos.example.test/wang.jpg", w.group)
	assign(w.head, w.group, assignment.RoleFIRST_RESPONSIBLE, nil, past, nil)
	assign(w.head, w.group, assignment.RoleGRID_HEAD, nil, past, nil)
	w.cleaner = person("李秀英", cleanerPhone, "", "", w.group)
	assign(w.cleaner, w.group, assignment.RoleSPECIFIC_RESPONSIBLE, &cleaner, past, nil)
	w.former = person("张旧人", "13700000000", "", "", w.group)
	assign(w.former, w.group, assignment.RoleGRID_HEAD, nil, past, &yesterday)
	w.next = person("刘未来", "13600000000", "", "", w.group)
	assign(w.next, w.group, assignment.RoleGRID_HEAD, nil, tomorrow, nil)
	w.station = person("陈站长", "18800001234", "网格工作站站长", "", w.village)
	assign(w.station, w.village, assignment.RoleWORKSTATION_HEAD, nil, past, nil)
	w.director = person("赵德厚", "18800005678", "村委会主任", "", w.village)
	assign(w.director, w.village, assignment.RoleDIRECT_RESPONSIBLE, nil, past, nil)
	w.supervisor = person("吴督察", "18800009999", "督察组组员", "", w.sub)
	assign(w.supervisor, w.sub, assignment.RoleSUPERVISOR, nil, past, nil)
	w.supervisorToken = env.TokenFor(t, w.supervisor.ID, false)
	w.directorToken = env.TokenFor(t, w.director.ID, false)
	w.stationToken = env.TokenFor(t, w.station.ID, false)
	return w
}

// get fetches a page without signing in.
func (w *world) get(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	w.env.Handler.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, rec.Header(), string(body)
}

func mustJSON(t *testing.T, data []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}
