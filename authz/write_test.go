package authz_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/privacy"
	"gridgov/ent/visitinterval"
	"gridgov/internal/apperr"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// writeWorld is a district with two villages and the viewers of the write-check tests.
type writeWorld struct {
	district, village, village2 *ent.Grid
	admin, official, supervisor context.Context // ADMIN on "/", FIRST_RESPONSIBLE and SUPERVISOR on village
}

func newWriteWorld(t *testing.T, c *ent.Client) *writeWorld {
	t.Helper()
	sys := servertest.System()
	mk := func(parent *ent.Grid, code string, kind grid.Kind) *ent.Grid {
		t.Helper()
		b := c.Grid.Create().SetCode(code).SetName(code).SetKind(kind)
		if parent != nil {
			b.SetParentID(parent.ID)
		}
		g, err := b.Save(sys)
		if err != nil {
			t.Fatalf("create grid %s: %v", code, err)
		}
		return g
	}
	w := &writeWorld{}
	w.district = mk(nil, "410102", grid.KindDISTRICT)
	sub := mk(w.district, "410102001", grid.KindSUB_DISTRICT)
	w.village = mk(sub, "410102001001", grid.KindVILLAGE)
	w.village2 = mk(sub, "410102001002", grid.KindVILLAGE)
	enf, err := authz.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	viewer := func(id int, role, root string) context.Context {
		t.Helper()
		v, err := enf.NewViewer(authz.ViewerInfo{UserID: id, PersonID: id, Username: role}, []authz.Grant{{Role: role, Root: root}}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return authz.NewContext(context.Background(), v)
	}
	w.admin = viewer(1, authz.RoleAdmin, "/")
	w.official = viewer(2, "FIRST_RESPONSIBLE", w.village.Path)
	w.supervisor = viewer(3, "SUPERVISOR", w.village.Path)
	return w
}

// answer is what a check said: "ok", or the code and message of its refusal.
func answer(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := apperr.As(err); ok {
		return fmt.Sprintf("%s %s", e.Code, e.Message)
	}
	return "error " + err.Error()
}

func TestCheckGrid(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWriteWorld(t, db.Client)
		const unknown = 1 << 30
		hidden := func(id int) string {
			return fmt.Sprintf("FORBIDDEN gridID: grid %d does not exist or is outside your scope", id)
		}
		cases := []struct {
			name     string
			ctx      context.Context
			gridID   int
			obj, act string
			want     string
			wantPath string
		}{
			{"unknown grid, viewer who sees everything", w.admin, unknown, authz.ObjHousehold, authz.ActCreate,
				fmt.Sprintf("BAD_USER_INPUT gridID: no grid with id %d", unknown), ""},
			{"unknown grid, official", w.official, unknown, authz.ObjHousehold, authz.ActCreate, hidden(unknown), ""},
			{"hidden grid reads like an unknown one", w.official, w.village2.ID, authz.ObjHousehold, authz.ActCreate, hidden(w.village2.ID), ""},
			{"visible grid, role lacks the action", w.official, w.village.ID, authz.ObjVisit, authz.ActCreate,
				fmt.Sprintf("FORBIDDEN gridID: your role on grid %d does not allow you to create a visit there", w.village.ID), ""},
			{"allowed", w.official, w.village.ID, authz.ObjHousehold, authz.ActCreate, "ok", w.village.Path},
			{"administrator anywhere", w.admin, w.village2.ID, authz.ObjVisit, authz.ActCreate, "ok", w.village2.Path},
			{"no viewer", context.Background(), w.village.ID, authz.ObjHousehold, authz.ActCreate, answer(authz.ErrNoViewer), ""},
			{"system", servertest.System(), w.village2.ID, authz.ObjVisit, authz.ActCreate, "ok", w.village2.Path},
			{"system, unknown grid", servertest.System(), unknown, authz.ObjVisit, authz.ActCreate,
				fmt.Sprintf("BAD_USER_INPUT gridID: no grid with id %d", unknown), ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				path, err := authz.CheckGrid(c.ctx, db.Client, c.gridID, "gridID", c.obj, c.act)
				if got := answer(err); got != c.want {
					t.Errorf("CheckGrid = %q, want %q", got, c.want)
				}
				if path != c.wantPath {
					t.Errorf("path %q, want %q", path, c.wantPath)
				}
				if err != nil && c.want != "ok" && !errors.Is(err, privacy.Deny) && !errors.Is(err, authz.ErrNoViewer) {
					if e, ok := apperr.As(err); !ok || e.Code != apperr.BadInput {
						t.Errorf("refusal %v is neither privacy.Deny nor a bad input", err)
					}
				}
			})
		}
	})
}

func TestCheckPathAndRows(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWriteWorld(t, db.Client)
		rows := func(gs ...*ent.Grid) authz.PathQuery {
			ids := make([]int, len(gs))
			for i, g := range gs {
				ids[i] = g.ID
			}
			return db.Client.Grid.Query().Where(grid.IDIn(ids...)).Select(grid.FieldPath)
		}
		cases := []struct {
			name       string
			ctx        context.Context
			path       string
			rows       authz.PathQuery
			obj, act   string
			wantPath   string
			wantRows   string
			wantAllows bool
		}{
			{"allowed", w.official, w.village.Path, rows(w.village), authz.ObjGrid, authz.ActUpdate, "ok", "ok", true},
			{"visible, role lacks the action", w.supervisor, w.village.Path, rows(w.village), authz.ObjGrid, authz.ActUpdate,
				"FORBIDDEN why", "FORBIDDEN you may not update this grid: your role here does not allow it", false},
			{"out of scope", w.official, w.village2.Path, rows(w.village, w.village2), authz.ObjGrid, authz.ActUpdate,
				"FORBIDDEN why", "FORBIDDEN you may not update this grid: it does not exist or is outside your scope", false},
			{"no row", w.official, w.village.Path, rows(), authz.ObjGrid, authz.ActUpdate,
				"ok", "FORBIDDEN you may not update this grid: it does not exist or is outside your scope", true},
			{"no row, viewer who sees everything", w.admin, w.village.Path, rows(), authz.ObjGrid, authz.ActUpdate,
				"ok", "NOT_FOUND no such grid", true},
			{"no viewer", context.Background(), w.village.Path, rows(w.village), authz.ObjGrid, authz.ActRead,
				answer(authz.ErrNoViewer), answer(authz.ErrNoViewer), false},
			{"system", servertest.System(), w.village2.Path, rows(w.village2), authz.ObjGrid, authz.ActDelete, "ok", "ok", true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := answer(authz.CheckPath(c.ctx, c.path, c.obj, c.act, "why")); got != c.wantPath {
					t.Errorf("CheckPath = %q, want %q", got, c.wantPath)
				}
				if got := answer(authz.CheckRows(c.ctx, c.rows, c.obj, c.act)); got != c.wantRows {
					t.Errorf("CheckRows = %q, want %q", got, c.wantRows)
				}
				if got := authz.Allowed(c.ctx, c.path, c.obj, c.act); got != c.wantAllows {
					t.Errorf("Allowed = %v, want %v", got, c.wantAllows)
				}
			})
		}
		if got, want := answer(authz.CheckPath(w.supervisor, w.village.Path, authz.ObjVisit, authz.ActCreate, "")),
			"FORBIDDEN your role here does not allow you to create a visit"; got != want {
			t.Errorf("CheckPath without words = %q, want %q", got, want)
		}
		for name, ctx := range map[string]context.Context{"no viewer": context.Background(), "system": servertest.System(), "viewer": w.supervisor} {
			want := "ok"
			if name == "no viewer" {
				want = answer(authz.ErrNoViewer)
			}
			if got := answer(authz.RequireActor(ctx)); got != want {
				t.Errorf("RequireActor(%s) = %q, want %q", name, got, want)
			}
		}
	})
}

// TestVisitIntervalRules: the intervals are a catalogue any signed-in viewer reads; only an
// administrator of the whole tree (or the system) writes them.
func TestVisitIntervalRules(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWriteWorld(t, db.Client)
		c := db.Client.VisitInterval
		if err := c.Create().SetCareLevel(visitinterval.CareLevelORDINARY).SetDays(100).Exec(servertest.System()); err != nil {
			t.Fatalf("system writes an interval: %v", err)
		}
		for name, ctx := range map[string]context.Context{"official": w.official, "supervisor": w.supervisor, "admin": w.admin} {
			n, err := c.Query().Count(ctx)
			if err != nil || n != 1 {
				t.Errorf("%s reads %d intervals, %v; want 1", name, n, err)
			}
		}
		if _, err := c.Query().Count(context.Background()); !errors.Is(err, authz.ErrNoViewer) {
			t.Errorf("anonymous read = %v, want ErrNoViewer", err)
		}
		const refusal = "FORBIDDEN only an administrator of the whole tree may change visit intervals"
		for name, ctx := range map[string]context.Context{"official": w.official, "supervisor": w.supervisor} {
			err := c.Create().SetCareLevel(visitinterval.CareLevelVULNERABLE).SetDays(7).Exec(ctx)
			if got := answer(err); got != refusal || !errors.Is(err, privacy.Deny) {
				t.Errorf("%s creates an interval: %q, want %q", name, got, refusal)
			}
			_, err = c.Update().SetDays(1).Save(ctx)
			if got := answer(err); got != refusal {
				t.Errorf("%s updates intervals: %q, want %q", name, got, refusal)
			}
		}
		if err := c.Create().SetCareLevel(visitinterval.CareLevelVULNERABLE).SetDays(7).Exec(w.admin); err != nil {
			t.Errorf("admin creates an interval: %v", err)
		}
		if n, err := c.Query().Where(visitinterval.Days(100)).Count(servertest.System()); err != nil || n != 1 {
			t.Errorf("refused updates changed the data: %d rows at 100 days, %v", n, err)
		}
	})
}
