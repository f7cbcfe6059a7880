package publicface_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gridgov/ent/assignment"
	"gridgov/ent/event"
	"gridgov/ent/eventcategory"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/photos"
	"gridgov/internal/photos/photostest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestPhotos, through the API's multipart upload: a resident reports with two photos; the
// tracking page shows them, without the GPS position the JPEG carried; the village's staff
// see them on the case; staff of another village cannot reach the case or its photos; a
// forged link serves nothing; a zip renamed .jpg is refused with a Chinese message and
// stores nothing.
func TestPhotos(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ctx := servertest.System()
		store := photos.Memory(context.Background())
		signer := excel.NewSigner(nil)
		w.env.Handler = server.New(server.Config{Client: db.Client, Enforcer: w.env.Enforcer, Auth: w.env.Auth,
			SupervisionPhone: supervisionPhone, PublicURL: publicURL, Downloads: signer, Photos: photos.New(store, signer)})

		// Another village under the same sub-district, with its own station head.
		other, err := db.Client.Grid.Create().SetCode("410102001009").SetName("另一村").SetKind(grid.KindVILLAGE).SetParentID(w.sub.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stranger, err := db.Client.Person.Create().SetName("钱外村").SetPhone("18800004321").SetGridID(other.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Assignment.Create().SetPersonID(stranger.ID).SetGridID(other.ID).SetRole(assignment.RoleWORKSTATION_HEAD).
			SetValidFrom(w.head.CreatedAt.AddDate(0, -1, 0)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		strangerToken := w.env.TokenFor(t, stranger.ID, false)

		withGPS := photostest.JPEG(t, photostest.Image(120, 80), 1)
		var pngBuf bytes.Buffer
		if err := png.Encode(&pngBuf, photostest.Image(30, 30)); err != nil {
			t.Fatal(err)
		}
		const report = `mutation($in: PublicReportInput!) { reportPublicEvent(input: $in) { trackingCode } }`
		input := func() map[string]any {
			return map[string]any{"gridCode": w.group.Code, "categoryCode": "EXPOSED_GARBAGE", "title": "路边垃圾（测试）", "photos": []any{nil, nil}}
		}
		resp := w.env.DoUpload(t, "", report, map[string]any{"in": input()}, []servertest.File{
			{Var: "in.photos.0", Name: "现场.jpg", Data: withGPS}, {Var: "in.photos.1", Name: "近景.png", Data: pngBuf.Bytes()},
		})
		if len(resp.Errors) > 0 {
			t.Fatalf("report with photos: %+v", resp.Errors)
		}
		var receipt struct{ ReportPublicEvent struct{ TrackingCode string } }
		mustJSON(t, resp.Data, &receipt)
		code := receipt.ReportPublicEvent.TrackingCode

		// The tracking page.
		var pub struct {
			PublicEvent struct {
				Photos []struct{ URL, ThumbnailURL, StageLabel string }
			}
		}
		w.env.MustDo(t, "", `query($c: String!) { publicEvent(trackingCode: $c) { photos { url thumbnailUrl stageLabel } } }`, map[string]any{"c": code}, &pub)
		if n := len(pub.PublicEvent.Photos); n != 2 {
			t.Fatalf("tracking page shows %d photos, want 2", n)
		}
		first := pub.PublicEvent.Photos[0]
		status, ct, body := fetch(t, w.env.Handler, first.URL)
		if status != http.StatusOK || ct != "image/jpeg" || bytes.Contains(body, []byte("Exif")) {
			t.Errorf("public photo: %d %s, EXIF kept: %v", status, ct, bytes.Contains(body, []byte("Exif")))
		}
		if _, err := jpeg.Decode(bytes.NewReader(body)); err != nil {
			t.Errorf("public photo does not decode: %v", err)
		}
		if status, ct, body := fetch(t, w.env.Handler, first.ThumbnailURL); status != http.StatusOK || ct != "image/jpeg" || len(body) == 0 {
			t.Errorf("thumbnail: %d %s", status, ct)
		}
		if first.StageLabel != "问题照片" {
			t.Errorf("stage label %q", first.StageLabel)
		}

		// The village's station head sees them on the case; another village's does not see the case.
		ev, err := db.Client.Event.Query().Where(event.TrackingCode(code)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const staffQuery = `query($id: ID!) { node(id: $id) { ... on Event { photos { url public contentType width height stage } } } }`
		var staff struct {
			Node *struct {
				Photos []struct {
					URL, ContentType, Stage string
					Public                  bool
					Width, Height           int
				}
			}
		}
		w.env.MustDo(t, w.stationToken, staffQuery, map[string]any{"id": ev.ID}, &staff)
		if staff.Node == nil || len(staff.Node.Photos) != 2 || staff.Node.Photos[1].ContentType != "image/png" ||
			!staff.Node.Photos[0].Public || staff.Node.Photos[0].Width != 120 || staff.Node.Photos[0].Stage != "REPORT" {
			t.Fatalf("station head sees %+v, want the 2 photos", staff.Node)
		}
		if status, _, _ := fetch(t, w.env.Handler, staff.Node.Photos[1].URL); status != http.StatusOK {
			t.Errorf("staff link: %d", status)
		}
		var outside struct {
			Node *struct{ Photos []struct{ URL string } }
		}
		resp = w.env.Do(t, strangerToken, staffQuery, map[string]any{"id": ev.ID})
		_ = jsonInto(resp.Data, &outside)
		for _, c := range resp.Codes() {
			if c != "NOT_FOUND" {
				t.Errorf("another village's staff: error %s, want the case just not found", c)
			}
		}
		if outside.Node != nil && len(outside.Node.Photos) > 0 {
			t.Errorf("another village's staff reach the photos: %+v", outside.Node)
		}
		// A forged or altered link serves nothing.
		forged := first.URL[:len(first.URL)-3] + "abc"
		for _, u := range []string{forged, "/photos/" + strings.Repeat("A", 40), "/photos/x.y"} {
			if status, _, body := fetch(t, w.env.Handler, u); status != http.StatusNotFound || bytes.Contains(body, []byte{0xFF, 0xD8}) {
				t.Errorf("link %s: %d, want 404", u, status)
			}
		}

		// Staff photos: on the case for staff, never on the public page; an inspection's too.
		cat, err := db.Client.EventCategory.Query().Where(eventcategory.Code("EXPOSED_GARBAGE")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resp = w.env.DoUpload(t, w.stationToken, `mutation($in: ReportEventInput!) { reportEvent(input: $in) { id trackingCode photos { public stage } } }`,
			map[string]any{"in": map[string]any{"gridID": w.group.ID, "categoryID": cat.ID, "title": "巡查发现（测试）", "photos": []any{nil}}},
			[]servertest.File{{Var: "in.photos.0", Name: "巡查.jpg", Data: withGPS}})
		var staffReport struct {
			ReportEvent struct {
				TrackingCode string
				Photos       []struct {
					Public bool
					Stage  string
				}
			}
		}
		if len(resp.Errors) > 0 {
			t.Fatalf("reportEvent with a photo: %+v", resp.Errors)
		}
		mustJSON(t, resp.Data, &staffReport)
		if p := staffReport.ReportEvent.Photos; len(p) != 1 || p[0].Public || p[0].Stage != "REPORT" {
			t.Errorf("staff report's photos %+v, want one, not public", p)
		}
		w.env.MustDo(t, "", `query($c: String!) { publicEvent(trackingCode: $c) { photos { url } } }`, map[string]any{"c": staffReport.ReportEvent.TrackingCode}, &pub)
		if len(pub.PublicEvent.Photos) != 0 {
			t.Errorf("the public page of a staff report shows %d staff photos", len(pub.PublicEvent.Photos))
		}
		resp = w.env.DoUpload(t, w.supervisorToken, `mutation($in: RecordInspectionInput!) { recordInspection(input: $in) { photos { stage stageLabel } } }`,
			map[string]any{"in": map[string]any{"gridID": w.group.ID, "rating": "GOOD", "findings": "台账齐全", "photos": []any{nil, nil}}},
			[]servertest.File{{Var: "in.photos.0", Name: "1.jpg", Data: withGPS}, {Var: "in.photos.1", Name: "2.png", Data: pngBuf.Bytes()}})
		if len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"stageLabel":"督察照片"`) || strings.Count(string(resp.Data), "INSPECTION") != 2 {
			t.Errorf("recordInspection with 2 photos: %s %+v", resp.Data, resp.Errors)
		}

		// Bad input stores nothing: no case, no blob.
		cases, _ := db.Client.Event.Query().Count(ctx)
		blobs, _ := store.Count(context.Background())
		zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), make([]byte, 100)...)
		resp = w.env.DoUpload(t, "", report, map[string]any{"in": input()}, []servertest.File{
			{Var: "in.photos.0", Name: "a.jpg", Data: withGPS}, {Var: "in.photos.1", Name: "照片.jpg", Data: zip},
		})
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "BAD_USER_INPUT" || resp.Errors[0].Extensions["field"] != "photos[1]" {
			t.Fatalf("a zip renamed .jpg: %+v, want BAD_USER_INPUT on photos[1]", resp.Errors)
		}
		if m, _ := resp.Errors[0].Extensions["publicMessage"].(string); !strings.Contains(m, "照片") {
			t.Errorf("publicMessage %q, want a Chinese sentence about the photos", m)
		}
		if n, _ := db.Client.Event.Query().Count(ctx); n != cases {
			t.Errorf("a refused upload created %d cases", n-cases)
		}
		if n, _ := store.Count(context.Background()); n != blobs {
			t.Errorf("a refused upload stored %d blobs", n-blobs)
		}
	})
}

// fetch GETs a path from h.
func fetch(t *testing.T, h http.Handler, path string) (int, string, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, rec.Header().Get("Content-Type"), body
}

// jsonInto decodes data, when there is any, into out.
func jsonInto(data []byte, out any) error {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	return json.Unmarshal(data, out)
}
