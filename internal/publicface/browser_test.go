package publicface_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"gridgov/ent/event"
	"gridgov/internal/dbtest"
	"gridgov/internal/geo"
	"gridgov/internal/gridmap"
	"gridgov/internal/photos/photostest"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestBrowser drives the public pages in headless Chromium as a resident would: open the
// notice card, read the names and the masked phone, follow the URL the QR code holds, file a
// report on the form and see its tracking code, then look the code up on the status page.
func TestBrowser(t *testing.T) {
	exe := servertest.Chromium(t)
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		// No public URL configured: the QR code points at the host the card was fetched from.
		handler := server.New(server.Config{Client: db.Client, Enforcer: w.env.Enforcer, Auth: w.env.Auth, SupervisionPhone: supervisionPhone})
		srv := httptest.NewServer(handler)
		defer srv.Close()
		shots := t.TempDir()

		alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(900, 1300))...)
		defer cancel()
		ctx, cancel := chromedp.NewContext(alloc)
		defer cancel()
		ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		b := &browser{t: t, ctx: ctx, shots: shots}

		// The notice card.
		b.do("open the card", chromedp.Navigate(srv.URL+"/cards/"+w.group.Code), chromedp.WaitVisible(chromedp.CSS(".card")))
		names := get(b, "names", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".person .name")].map(e => e.textContent)`))
		phones := get(b, "phones", chromedp.Evaluate[string](`[...document.querySelectorAll(".masked-phone")].map(e => e.textContent).join(" ")`))
		reportURL := get(b, "QR target", chromedp.AttributeValue(chromedp.CSS("a.report-url"), "href")).Value
		qrSrc := get(b, "QR image", chromedp.AttributeValue(chromedp.CSS("img.qr-code"), "src")).Value
		b.shot("card.png")
		if strings.Join(names, ",") != "王建国,李秀英" {
			t.Errorf("names on the card: %q, want 王建国 and 李秀英", names)
		}
		if !strings.Contains(phones, headMasked) || strings.Contains(phones, headPhone) {
			t.Errorf("phones on the card: %q, want %s and never the full number", phones, headMasked)
		}
		if want := srv.URL + "/report/" + w.group.Code; reportURL != want {
			t.Errorf("the QR code's URL is %q, want %q", reportURL, want)
		}
		if !strings.HasPrefix(qrSrc, "data:image/png;base64,") {
			t.Errorf("QR image src %.40q, want an inline PNG", qrSrc)
		}

		// The report page the QR code opens: choose a category, describe, submit.
		b.do("open the report page", chromedp.Navigate(reportURL))
		gridName := get(b, "grid name", chromedp.Text(chromedp.CSS("#grid-name")))
		get(b, "categories", chromedp.Poll[bool](`document.querySelectorAll("#category option").length > 1`, chromedp.WithPollingTimeout(20*time.Second)))
		get(b, "choose a category", chromedp.Evaluate[string](`(() => { const s = document.getElementById("category"); s.value = s.options[1].value; return s.value })()`))
		b.do("fill in the form",
			chromedp.SendKeys(chromedp.CSS("#title"), "路口垃圾堆放多日未清运"),
			chromedp.SendKeys(chromedp.CSS("#contact-phone"), "13911112222"))
		// A photo from the phone, as the file picker gives it: a JPEG with its GPS position.
		photoPath := filepath.Join(t.TempDir(), "现场.jpg")
		if err := os.WriteFile(photoPath, photostest.JPEG(t, photostest.Image(160, 120), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		b.do("attach a photo", chromedp.SetUploadFiles(chromedp.CSS("#photos"), []string{photoPath}))
		b.shot("report-form.png")
		b.do("submit", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#receipt")))
		code := get(b, "tracking code", chromedp.Text(chromedp.CSS("#tracking-code")))
		b.shot("report-receipt.png")
		if gridName != w.group.Name {
			t.Errorf("report page names grid %q, want %q", gridName, w.group.Name)
		}
		ev, err := db.Client.Event.Query().Where(event.TrackingCode(code)).Only(servertest.System())
		if err != nil {
			t.Fatalf("the tracking code %q shown names no case: %v", code, err)
		}
		if ev.Source != event.SourceRESIDENT_REPORT || ev.GridID != w.group.ID || ev.ReporterPhone != "13911112222" || ev.Title != "路口垃圾堆放多日未清运" {
			t.Errorf("filed case: source %s grid %d phone %q title %q", ev.Source, ev.GridID, ev.ReporterPhone, ev.Title)
		}

		// The status page of the tracking code.
		b.do("open the status page", chromedp.Navigate(srv.URL+"/track/"+code), chromedp.WaitVisible(chromedp.CSS("#status")))
		status := get(b, "status", chromedp.Text(chromedp.CSS("#status-label")))
		page := get(b, "page text", chromedp.Text(chromedp.CSS("body")))
		b.shot("track.png")
		if status != "已上报" || strings.Contains(page, "13911112222") {
			t.Errorf("status page: status %q; shows the reporter's phone: %v", status, strings.Contains(page, "13911112222"))
		}
		// The photo sent with the form shows, loaded through its signed link.
		loaded := get(b, "photo thumbnails", chromedp.Poll[[]int](`(() => { const i = [...document.querySelectorAll("#photos img.photo-thumb")]; return i.length && i.every(e => e.complete) ? i.map(e => e.naturalWidth) : null })()`, chromedp.WithPollingTimeout(20*time.Second)))
		if len(loaded) != 1 || loaded[0] != 160 {
			t.Errorf("thumbnails on the status page: natural widths %v, want one of 160 px", loaded)
		}
		// "Use my location" on the report page without a grid: the browser's position (here
		// set to the middle of the group's outline) routes the report to the group.
		square := (`{"type":"Polygon","coordinates":[[[113.54,34.74],[113.56,34.74],[113.56,34.76],[113.54,34.76],[113.54,34.74]]]}`)
		shape, err := geo.ParseShape([]byte(square), geo.WGS84)
		if err != nil {
			t.Fatal(err)
		}
		if err := gridmap.SetBoundary(servertest.System(), db.Client, w.group.ID, shape); err != nil {
			t.Fatal(err)
		}
		lat, lng, accuracy := 34.75, 113.55, 20.0
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: srv.URL}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lng, Accuracy: &accuracy}); err != nil {
			t.Fatal(err)
		}
		b.do("open the report page without a grid", chromedp.Navigate(srv.URL+"/report/"))
		get(b, "categories", chromedp.Poll[bool](`document.querySelectorAll("#category option").length > 1`, chromedp.WithPollingTimeout(20*time.Second)))
		b.do("use my location", chromedp.Click(chromedp.CSS("#locate")))
		get(b, "position", chromedp.Poll[bool](`document.getElementById("locate-status").textContent.startsWith("已获取位置")`, chromedp.WithPollingTimeout(20*time.Second)))
		get(b, "choose a category", chromedp.Evaluate[string](`(() => { const s = document.getElementById("category"); s.value = s.options[1].value; return s.value })()`))
		b.do("describe", chromedp.SendKeys(chromedp.CSS("#title"), "井盖缺失"))
		b.shot("report-here.png")
		b.do("submit", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#receipt")))
		here := get(b, "tracking code", chromedp.Text(chromedp.CSS("#tracking-code")))
		ev, err = db.Client.Event.Query().Where(event.TrackingCode(here)).Only(servertest.System())
		if err != nil || ev.GridID != w.group.ID || ev.Latitude == nil || *ev.Latitude != lat || *ev.Longitude != lng {
			t.Errorf("the report by position: %+v %v, want grid %d at %v,%v", ev, err, w.group.ID, lat, lng)
		}
		t.Logf("screenshots in %s", shots)
	})
}

// browser runs steps in a tab and fails the test on the first error.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a screenshot of the whole page in the test's temporary directory.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(b.shots, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// get runs an action that returns a value.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}
