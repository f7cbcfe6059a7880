package publicface_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// pdfPage matches a page object of a PDF, not the page tree (/Type /Pages).
var pdfPage = regexp.MustCompile(`/Type\s*/Page\b`)

// TestPrint prints the cards and badges in headless Chromium as a village office would, and
// counts the pages of the PDFs: a card with 30 people responsible on exactly one A4 and one
// A5 sheet, one page per card for a village, 8 badges to a sheet, and one badge for a person
// heading three grids. On every page, nothing the card or badge holds is hidden by its box.
func TestPrint(t *testing.T) {
	exe := servertest.Chromium(t)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)...)
	// The stores' subtests run in parallel, after this function returns: one browser for both.
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		pw := newPrintWorld(t, db, w)
		srv := httptest.NewServer(w.env.Handler)
		defer srv.Close()
		// GRIDGOV_PRINT_DIR keeps the PDFs for a person to look at.
		dir := t.TempDir()
		if keep := os.Getenv("GRIDGOV_PRINT_DIR"); keep != "" {
			dir = filepath.Join(keep, filepath.Base(t.Name()))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}

		cases := []struct {
			name, path string
			pages      int
		}{
			{"30 people A4", "/cards/" + pw.full.Code, 1},
			{"30 people A5", "/cards/" + pw.full.Code + "?size=A5", 1},
			{"30 people and long texts A4", "/cards/" + pw.wordy.Code, 1},
			{"30 people and long texts A5", "/cards/" + pw.wordy.Code + "?size=A5", 1},
			{"village cards", "/cards?root=" + pw.village.Code, len(pw.groups)},
			{"village cards A5", "/cards?root=" + pw.village.Code + "&size=A5", len(pw.groups)},
			{"9 badges", "/badges?root=" + pw.village.Code, 2},
			{"texts of 4,000 characters A4", "/cards/" + pw.huge.Code, 1},
			{"texts of 4,000 characters A5", "/cards/" + pw.huge.Code + "?size=A5", 1},
			{"a badge with 4,000 characters of duties", "/badges?root=" + pw.huge.Code, 1},
		}
		for i, tc := range cases {
			tab, cancel := chromedp.NewContext(browser)
			ctx, cancelTime := context.WithTimeout(tab, 60*time.Second)
			pdf, hidden, text, err := printPage(ctx, srv.URL+tc.path)
			cancelTime()
			cancel()
			if err != nil {
				t.Fatalf("%s: print %s: %v", tc.name, tc.path, err)
			}
			file := filepath.Join(dir, fmt.Sprintf("%d-%s.pdf", i, strings.ReplaceAll(tc.name, " ", "-")))
			if err := os.WriteFile(file, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if got := len(pdfPage.FindAll(pdf, -1)); got != tc.pages {
				t.Errorf("%s: %s prints on %d pages, want %d (%s)", tc.name, tc.path, got, tc.pages, file)
			}
			if len(hidden) > 0 {
				t.Errorf("%s: %s hides part of %d boxes: %v", tc.name, tc.path, len(hidden), hidden)
			}
			switch {
			case strings.Contains(tc.path, pw.huge.Code):
				// Too long for any type size: shortened, marked, and the card still whole.
				for _, s := range []string{"…", pw.huge.Name} {
					if !strings.Contains(text, s) {
						t.Errorf("%s: the page lacks %q", tc.name, s)
					}
				}
			case strings.HasPrefix(tc.path, "/cards/"):
				for _, s := range []string{supervisionPhone, "扫码反映问题", "共 30 人", pw.multi.Name} {
					if !strings.Contains(text, s) {
						t.Errorf("%s: the card lacks %q", tc.name, s)
					}
				}
			case strings.HasPrefix(tc.path, "/badges"):
				if n := strings.Count(text, pw.multi.Name); n != 1 {
					t.Errorf("%s: %s is on %d badges, want 1", tc.name, pw.multi.Name, n)
				}
				if !strings.Contains(text, "测试村：第一村民组、第二村民组、第三村民组") {
					t.Errorf("%s: the badge of %s does not list the three groups they head", tc.name, pw.multi.Name)
				}
			}
		}
		t.Logf("PDFs in %s", dir)
	})
}

// printPage opens url and prints it as the browser's print dialog would with the page's own
// paper size; it returns the PDF, the boxes whose content overflows (cards' bodies, badges'
// text, a line of the roster or of a tile cut short), and the page's text.
func printPage(ctx context.Context, url string) (pdf []byte, hidden []string, text string, err error) {
	err = chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
	if err != nil {
		return nil, nil, "", err
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		return nil, nil, "", err
	}
	hidden, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		...[...document.querySelectorAll(".card-body, .badge-text")].filter(e => e.scrollHeight > e.clientHeight + 1),
		...[...document.querySelectorAll(".roster .person span, .who > div")].filter(e => e.scrollWidth > e.clientWidth + 1),
	].map(e => e.closest("[data-grid-code]").dataset.gridCode + " " + e.className + " " + JSON.stringify(e.textContent.slice(0, 12)))`))
	if err != nil {
		return nil, nil, "", err
	}
	text, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		return nil, nil, "", err
	}
	pdf, err = chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	return pdf, hidden, text, err
}

// printWorld adds to a world a village of 11 groups: the first with 30 people responsible
// in mixed roles, the second with 30 people and long texts; a person who heads the first
// three groups; and eight others heading one group each, so nine people have badges. In
// another village, a group whose area and duties are as long as they may be (4,000
// characters each), with a head.
type printWorld struct {
	village           *ent.Grid
	groups            []*ent.Grid
	full, wordy, huge *ent.Grid
	multi             *ent.Person
}

func newPrintWorld(t *testing.T, db *dbtest.DB, w *world) *printWorld {
	t.Helper()
	ctx := servertest.System()
	pw := &printWorld{}
	var err error
	pw.village, err = db.Client.Grid.Create().SetCode("410102001009").SetName("测试村").SetKind(grid.KindVILLAGE).SetParentID(w.sub.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ordinals := []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"}
	area := "东至测试村第二村民组，西至须水河西岸，南至陇海西路，北至中原西路以北"
	duties := "网格长带领具体责任人每日走访农户、巡查网格；排查矛盾纠纷、安全隐患、违法建设和占道经营；收集村情民意，能现场解决的现场解决，不能解决的逐级上报。"
	for i, o := range ordinals {
		b := db.Client.Grid.Create().SetCode(fmt.Sprintf("410102001009%03d", i+1)).SetName("测试村第" + o + "村民组").
			SetKind(grid.KindVILLAGER_GROUP).SetParentID(pw.village.ID).SetAreaDescription(area).SetDuties(duties).SetHouseholds(300 + i)
		if i == 1 {
			b.SetAreaDescription(strings.Repeat(area+"；", 4)).SetDuties(strings.Repeat(duties+"\n", 5))
		}
		g, err := b.Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pw.groups = append(pw.groups, g)
	}
	pw.full, pw.wordy = pw.groups[0], pw.groups[1]
	v2, err := db.Client.Grid.Create().SetCode("410102001008").SetName("长文村").SetKind(grid.KindVILLAGE).SetParentID(w.sub.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pw.huge, err = db.Client.Grid.Create().SetCode("410102001008001").SetName("长文村第一村民组").SetKind(grid.KindVILLAGER_GROUP).SetParentID(v2.ID).
		SetAreaDescription(string([]rune(strings.Repeat(area+"；", 200))[:4000])).
		SetDuties(string([]rune(strings.Repeat(duties+"\n", 100))[:4000])).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}

	surnames := []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
	given := []string{"建国", "秀英", "志强", "桂兰", "海涛", "丽华", "德厚", "春梅", "国庆", "玉珍", "长江", "慧敏"}
	n := 0
	person := func(title string) *ent.Person {
		t.Helper()
		n++
		name := string(surnames[n%len(surnames)]) + given[n%len(given)] + ordinals[n%len(ordinals)]
		p, err := db.Client.Person.Create().SetName(name).SetTitle(title).SetPhone(fmt.Sprintf("139%08d", n)).SetGridID(pw.village.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	past := time.Now().AddDate(0, -1, 0)
	assign := func(p *ent.Person, g *ent.Grid, role assignment.Role, duty *assignment.Duty) {
		t.Helper()
		if err := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(g.ID).SetRole(role).SetNillableDuty(duty).
			SetValidFrom(past).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pw.multi = person("村委委员")
	for _, g := range pw.groups[:3] {
		assign(pw.multi, g, assignment.RoleGRID_HEAD, nil)
	}
	for _, g := range append(pw.groups[3:], pw.huge) {
		assign(person("村民组长"), g, assignment.RoleGRID_HEAD, nil)
	}
	duties14 := []assignment.Duty{assignment.DutyPATROLLER, assignment.DutyCLEANER, assignment.DutySAFETY_INSPECTOR,
		assignment.DutyHOUSEHOLD_REPRESENTATIVE, assignment.DutyPARTY_GROUP_LEADER, assignment.DutyURBAN_MANAGEMENT_OFFICER,
		assignment.DutyFAMILY_PLANNING_PUBLICIST, assignment.DutySOCIAL_SECURITY_LIAISON}
	for _, g := range []*ent.Grid{pw.full, pw.wordy} {
		// 30 people: the grid head (also first responsible), a direct responsible, a
		// responsible leader, and 27 specific responsibles.
		assign(pw.multi, g, assignment.RoleFIRST_RESPONSIBLE, nil)
		assign(person("村委会主任"), g, assignment.RoleDIRECT_RESPONSIBLE, nil)
		assign(person("街道办事处副主任"), g, assignment.RoleRESPONSIBLE_LEADER, nil)
		for i := range 27 {
			d := duties14[i%len(duties14)]
			assign(person(""), g, assignment.RoleSPECIFIC_RESPONSIBLE, &d)
		}
	}
	return pw
}

// TestBadgePerPerson: publicBadges gives a person heading several grids one badge naming
// them all, in the order of the first grid each person heads.
func TestBadgePerPerson(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		pw := newPrintWorld(t, db, w)
		var got struct {
			PublicBadges []struct{ Name, Role, RoleLabel, GridCode, GridName, Scope string }
		}
		w.env.MustDo(t, "", `query($c: String!) { publicBadges(rootCode: $c) { name role roleLabel gridCode gridName scope } }`,
			map[string]any{"c": pw.village.Code}, &got)
		if len(got.PublicBadges) != 9 {
			t.Fatalf("%d badges for the village, want 9 (one per person): %+v", len(got.PublicBadges), got.PublicBadges)
		}
		b := got.PublicBadges[0]
		want := "测试村第一村民组、测试村第二村民组、测试村第三村民组"
		if b.Name != pw.multi.Name || b.Role != "GRID_HEAD" || b.GridCode != pw.groups[0].Code || b.GridName != want ||
			b.Scope != "须水街道 · 测试村：第一村民组、第二村民组、第三村民组" {
			t.Errorf("first badge %+v, want %s heading %s", b, pw.multi.Name, want)
		}
		for i, b := range got.PublicBadges[1:] {
			if g := pw.groups[3+i]; b.GridCode != g.Code || b.GridName != g.Name {
				t.Errorf("badge %d is of %s (%s), want the head of %s", i+1, b.GridName, b.GridCode, g.Code)
			}
		}
	})
}
