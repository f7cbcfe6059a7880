package workflow_test

import (
	"bytes"
	"testing"

	"gridgov/internal/dbtest"
	"gridgov/internal/photos/photostest"
	"gridgov/internal/servertest"
)

// TestReportBackPhotos: the handler reports the work done with two photos of the result; the
// case carries them as REPORT_BACK photos, public, and its public page shows them; a third
// upload of ten photos is refused and changes nothing.
func TestReportBackPhotos(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ev := w.dispatchedTo(t, w.patroller2)
		w.must(t, w.patroller2, "startHandling", ev.ID, nil)
		jpeg := photostest.JPEG(t, photostest.Image(64, 48), 1)
		const reportBack = `mutation($id: ID!, $p: [Upload!]) { reportBack(id: $id, note: "已清运", photos: $p) {
			status trackingCode photos { stage public width } } }`
		resp := w.env.DoUpload(t, w.patroller2.Token, reportBack, map[string]any{"id": ev.ID, "p": []any{nil, nil}},
			[]servertest.File{{Var: "p.0", Name: "后.jpg", Data: jpeg}, {Var: "p.1", Name: "后2.jpg", Data: jpeg}})
		if len(resp.Errors) > 0 {
			t.Fatalf("reportBack with photos: %+v", resp.Errors)
		}
		if !bytes.Contains(resp.Data, []byte(`"photos":[{"stage":"REPORT_BACK","public":true,"width":64},{"stage":"REPORT_BACK","public":true,"width":64}]`)) {
			t.Errorf("reportBack answered %s, want two public REPORT_BACK photos", resp.Data)
		}
		var pub struct {
			PublicEvent struct{ Photos []struct{ StageLabel string } }
		}
		w.env.MustDo(t, "", `query($c: String!) { publicEvent(trackingCode: $c) { photos { stageLabel } } }`, map[string]any{"c": ev.TrackingCode}, &pub)
		if len(pub.PublicEvent.Photos) != 2 || pub.PublicEvent.Photos[0].StageLabel != "处置结果照片" {
			t.Errorf("public page photos %+v, want the two result photos", pub.PublicEvent.Photos)
		}
		// Ten more at once: refused before the step, which is not taken again.
		files := make([]servertest.File, 10)
		nulls := make([]any, 10)
		for i := range files {
			files[i] = servertest.File{Var: "p." + string(rune('0'+i)), Name: "x.jpg", Data: jpeg}
		}
		before := w.countActions(t, ev.ID, "")
		resp = w.env.DoUpload(t, w.patroller2.Token, reportBack, map[string]any{"id": ev.ID, "p": nulls}, files)
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != "photos" {
			t.Errorf("ten photos: %+v, want BAD_USER_INPUT on photos", resp.Errors)
		}
		if after := w.countActions(t, ev.ID, ""); after != before {
			t.Errorf("a refused upload took %d steps", after-before)
		}
	})
}
