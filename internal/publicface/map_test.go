package publicface_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestMapPage opens /map/{code} of the demo's 三王庄村 in headless Chromium, signs in as the
// village's official on the page, and checks what it draws: the village's outline and one
// per group, and a dot per open located case of the village. The screenshot is kept in
// $GRIDGOV_SCREENSHOTS when set (to look at), else in the test's temporary directory.
func TestMapPage(t *testing.T) {
	exe := servertest.Chromium(t)
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, _, err := demo.LoadWithCases(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Accounts(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadBoundaries(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		env := servertest.New(t, db)
		srv := httptest.NewServer(server.New(server.Config{Client: db.Client, Enforcer: env.Enforcer, Auth: env.Auth}))
		defer srv.Close()

		alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1100, 900))...)
		defer cancel()
		bctx, cancel := chromedp.NewContext(alloc)
		defer cancel()
		bctx, cancel = context.WithTimeout(bctx, 90*time.Second)
		defer cancel()
		shots := os.Getenv("GRIDGOV_SCREENSHOTS")
		if shots == "" {
			shots = t.TempDir()
		}
		b := &browser{t: t, ctx: bctx, shots: shots}

		b.do("open the map", chromedp.Navigate(srv.URL+"/map/"+demo.SanwangzhuangCode), chromedp.WaitVisible(chromedp.CSS("#signin")))
		b.do("sign in", chromedp.SendKeys(chromedp.CSS("#username"), "village"), chromedp.SendKeys(chromedp.CSS("#password"), "gridgov-demo"),
			chromedp.Click(chromedp.CSS("#signin button")))
		drawn := get(b, "the map drawn", chromedp.Poll[string](`document.getElementById("map").dataset.drawn || null`, chromedp.WithPollingTimeout(30*time.Second)))
		outlines := get(b, "outlines", chromedp.Evaluate[int](`document.querySelectorAll("path.leaflet-interactive:not([d*='a'])").length`))
		labels := get(b, "labels", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".grid-label")].map(e => e.textContent)`))
		b.shot("map-" + db.Dialect + ".png")
		t.Logf("map of %s: %s open cases drawn, %d outlines, labels %q; screenshot in %s", demo.SanwangzhuangCode, drawn, outlines, labels, shots)

		// What the page should show, from the database: the village and its groups, and its
		// open cases with a position.
		groups, err := db.Client.Grid.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantGroups := 0
		for _, g := range groups {
			if len(g.Code) == len(demo.SanwangzhuangGroupCode) && g.Code[:len(demo.SanwangzhuangCode)] == demo.SanwangzhuangCode {
				wantGroups++
			}
		}
		if len(labels) != wantGroups || wantGroups < 3 {
			t.Errorf("%d group labels on the map, want the village's %d groups", len(labels), wantGroups)
		}
		open, err := db.Client.Event.Query().Where(event.LatitudeNotNil(), event.StatusNotIn(event.StatusCLOSED_FIXED, event.StatusCLOSED_NOT_FIXED, event.StatusVOIDED),
			event.HasGridWith(grid.CodeHasPrefix(demo.SanwangzhuangCode))).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if drawn != strconv.Itoa(open) || open == 0 {
			t.Errorf("%s open cases drawn, want the village's %d", drawn, open)
		}
		if _, err := os.Stat(filepath.Join(shots, "map-"+db.Dialect+".png")); err != nil {
			t.Error(err)
		}
	})
}
