package dailywork_test

import (
	"strings"
	"testing"
	"time"

	"gridgov/internal/dbtest"
	"gridgov/internal/photos/photostest"
	"gridgov/internal/servertest"
)

// TestFindingPhotos: a visit's concern and a patrol's finding become cases with the photos
// uploaded with them, kept for staff (not public: they are not the resident's).
func TestFindingPhotos(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		jpeg := photostest.JPEG(t, photostest.Image(40, 30), 1)
		h := w.household(t, w.group, "ORDINARY")
		v := w.visit(t, w.patroller, h.ID, w.recentToday(time.Minute), "院墙开裂")
		resp := w.env.DoUpload(t, w.patroller.Token,
			`mutation($v: ID!, $c: ID!, $p: [Upload!]) { visitConcernToEvent(visitID: $v, categoryID: $c, title: "院墙开裂", photos: $p) { event { photos { stage public } } } }`,
			map[string]any{"v": v.ID, "c": w.garbage, "p": []any{nil}}, []servertest.File{{Var: "p.0", Name: "墙.jpg", Data: jpeg}})
		if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"photos":[{"stage":"REPORT","public":false}]`) {
			t.Errorf("visitConcernToEvent with a photo: %s %+v", resp.Data, resp.Errors)
		}

		from, to := w.patrolWindow()
		var p Patrol
		w.must(t, w.patroller.Token, patrolQ, map[string]any{"g": gid(w.group), "from": from, "to": to}, "recordPatrol", &p)
		resp = w.env.DoUpload(t, w.patroller.Token,
			`mutation($p: ID!, $c: ID!, $f: [Upload!]) { reportPatrolFinding(patrolID: $p, categoryID: $c, title: "路边垃圾", solvedOnSpot: false, photos: $f) { photos { stage public } } }`,
			map[string]any{"p": p.ID, "c": w.garbage, "f": []any{nil, nil}},
			[]servertest.File{{Var: "f.0", Name: "1.jpg", Data: jpeg}, {Var: "f.1", Name: "2.jpg", Data: jpeg}})
		if len(resp.Errors) > 0 || strings.Count(string(resp.Data), `{"stage":"REPORT","public":false}`) != 2 {
			t.Errorf("reportPatrolFinding with two photos: %s %+v", resp.Data, resp.Errors)
		}
	})
}
