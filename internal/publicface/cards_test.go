package publicface_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
	"gridgov/internal/publicface"
)

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{" 13812345678 ", "138****5678"},
		{"0371-67880000", "037****0000"},
		{"12345", "****"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := publicface.MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// publicCardQuery asks for every field of a card, without signing in.
const publicCardQuery = `query($c: String!) { publicCard(gridCode: $c) { gridCode gridName kindLabel breadcrumb area duties
	households supervisionPhone reportPath people { name title photoUrl phone roles roleLabels dutyLabels } } }`

type cardJSON struct {
	GridCode, GridName, KindLabel, Area, Duties, SupervisionPhone, ReportPath string
	Breadcrumb                                                                []string
	Households                                                                int
	People                                                                    []personJSON
}

type personJSON struct {
	Name, Title, PhotoURL, Phone  string
	Roles, RoleLabels, DutyLabels []string
}

func TestCardGraphQL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		var got struct{ PublicCard *cardJSON }
		w.env.MustDo(t, "", publicCardQuery, map[string]any{"c": w.group.Code}, &got)
		want := &cardJSON{
			GridCode: w.group.Code, GridName: "三王庄村第一村民组", KindLabel: "村民组",
			Breadcrumb: []string{"须水街道", "三王庄村"}, Area: "东至村道，西至水渠", Duties: "巡查网格内安全隐患\n收集社情民意",
			Households: 120, SupervisionPhone: supervisionPhone, ReportPath: "/report/" + w.group.Code,
			People: []personJSON{
				// The grid head first, their two roles on one line; the ended and the future
				// grid heads are not responsible today.
				{Name: "王建国", Title: "村委委员", PhotoURL: "https://photos.example.test/wang.jpg", Phone: headMasked,
					Roles: []string{"GRID_HEAD", "FIRST_RESPONSIBLE"}, RoleLabels: []string{"网格长", "第一责任人"}, DutyLabels: nil},
				{Name: "李秀英", Phone: "159****1111", Roles: []string{"SPECIFIC_RESPONSIBLE"},
					RoleLabels: []string{"具体责任人"}, DutyLabels: []string{"保洁员"}},
			},
		}
		if diff := cmp.Diff(want, got.PublicCard, cmpEmptyNil); diff != "" {
			t.Errorf("publicCard (-want +got):\n%s", diff)
		}
		// A village has no card of its own; an unknown code has none either.
		for _, code := range []string{w.village.Code, "999999999999999", ""} {
			var none struct{ PublicCard *cardJSON }
			w.env.MustDo(t, "", publicCardQuery, map[string]any{"c": code}, &none)
			if none.PublicCard != nil {
				t.Errorf("publicCard(%q) = %+v, want null", code, none.PublicCard)
			}
		}
		var all struct {
			PublicCards []struct {
				GridCode string
				People   []struct{ Name string }
			}
		}
		w.env.MustDo(t, "", `query($c: String!) { publicCards(rootCode: $c) { gridCode people { name } } }`, map[string]any{"c": w.sub.Code}, &all)
		if len(all.PublicCards) != 2 || all.PublicCards[0].GridCode != w.group.Code || all.PublicCards[1].GridCode != w.g2.Code ||
			len(all.PublicCards[1].People) != 0 {
			t.Errorf("publicCards(sub) = %+v, want the two groups by code, the second without people", all.PublicCards)
		}
	})
}

// cmpEmptyNil treats nil and empty slices alike.
var cmpEmptyNil = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Comparer(func(a, b []string) bool { return true }))

func TestCardPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		status, h, body := w.get(t, "/cards/"+w.group.Code)
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /cards/%s: %d %s", w.group.Code, status, h.Get("Content-Type"))
		}
		for _, s := range []string{"网格化管理公示卡", "三王庄村第一村民组", "王建国", "网格长、第一责任人", headMasked, "李秀英", "保洁员",
			"159****1111", "东至村道，西至水渠", "收集社情民意", supervisionPhone, publicURL + "/report/" + w.group.Code,
			"data:image/png;base64,", `src="https://photos.example.test/wang.jpg"`} {
			if !strings.Contains(body, s) {
				t.Errorf("card page lacks %q", s)
			}
		}
		for _, s := range []string{headPhone, cleanerPhone, "张旧人", "刘未来", "吴督察", "陈站长"} {
			if strings.Contains(body, s) {
				t.Errorf("card page shows %q", s)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		// A village's code prints its groups' cards.
		status, h, _ = w.get(t, "/cards/"+w.village.Code)
		if status != http.StatusFound || h.Get("Location") != "/cards?root="+w.village.Code {
			t.Errorf("GET /cards/<village>: %d to %q, want a redirect to the village's sheet", status, h.Get("Location"))
		}
		status, _, body = w.get(t, "/cards?root="+w.village.Code+"&size=A5")
		if status != http.StatusOK || strings.Count(body, `<article class="card"`) != 2 || !strings.Contains(body, "a5.css") ||
			!strings.Contains(body, "三王庄村第二村民组") || !strings.Contains(body, "责任人调整中") {
			t.Errorf("GET /cards?root=<village>&size=A5: %d, %d cards, a5=%v", status, strings.Count(body, `<article class="card"`), strings.Contains(body, "a5.css"))
		}
		for _, path := range []string{"/cards/410102999999999", "/cards?root=nope", "/cards"} {
			if status, _, _ := w.get(t, path); status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, status)
			}
		}
		status, h, css := w.get(t, "/public/public.css")
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || !strings.Contains(css, "@page { size: A4") {
			t.Errorf("GET /public/public.css: %d %s", status, h.Get("Content-Type"))
		}
		if status, _, _ := w.get(t, "/public/cards.html"); status != http.StatusNotFound {
			t.Errorf("GET /public/cards.html: %d, want 404 (templates are not served raw)", status)
		}
	})
}

func TestBadges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		var got struct {
			PublicBadges []struct{ Name, Role, RoleLabel, GridCode, Phone, Scope, Duties string }
		}
		w.env.MustDo(t, "", `query($c: String!) { publicBadges(rootCode: $c) { name role roleLabel gridCode phone scope duties } }`,
			map[string]any{"c": w.sub.Code}, &got)
		var names []string
		for _, b := range got.PublicBadges {
			names = append(names, b.Name+"/"+b.Role)
		}
		if diff := cmp.Diff([]string{"陈站长/WORKSTATION_HEAD", "王建国/GRID_HEAD"}, names); diff != "" {
			t.Fatalf("badges under the sub-district (-want +got):\n%s", diff)
		}
		if b := got.PublicBadges[1]; b.Phone != headMasked || b.Scope != "须水街道 · 三王庄村 · 三王庄村第一村民组（东至村道，西至水渠）" || b.RoleLabel != "网格长" {
			t.Errorf("grid head's badge: %+v", b)
		}
		status, _, body := w.get(t, "/badges?root="+w.village.Code)
		if status != http.StatusOK || strings.Count(body, `<article class="badge"`) != 2 || !strings.Contains(body, headMasked) || strings.Contains(body, headPhone) {
			t.Errorf("GET /badges?root=<village>: %d, %d badges", status, strings.Count(body, `<article class="badge"`))
		}
		if status, _, _ := w.get(t, "/badges?root="+w.g2.Code); status != http.StatusNotFound {
			t.Errorf("badges of a grid without heads: %d, want 404", status)
		}
	})
}

func TestReportAndTrackPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		// The report page works for any grid a resident may name, not only level 3.
		for _, g := range []string{w.group.Code, w.village.Code} {
			status, h, body := w.get(t, "/report/"+g)
			if status != http.StatusOK || !strings.Contains(body, `data-grid-code="`+g+`"`) || !strings.Contains(body, `src="/public/report.js"`) ||
				!strings.Contains(h.Get("Content-Security-Policy"), "connect-src 'self'") {
				t.Errorf("GET /report/%s: %d", g, status)
			}
		}
		if status, _, _ := w.get(t, "/report/410102999999999"); status != http.StatusNotFound {
			t.Errorf("report page of an unknown grid: %d, want 404", status)
		}
		status, _, body := w.get(t, "/track/ABC<script>")
		if status != http.StatusOK || strings.Contains(body, "ABC<script>") || !strings.Contains(body, "ABC&lt;script&gt;") {
			t.Errorf("GET /track/<code>: %d; the code must be escaped", status)
		}
		status, h, js := w.get(t, "/public/report.js")
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") || !strings.Contains(js, "reportPublicEvent") {
			t.Errorf("GET /public/report.js: %d %s", status, h.Get("Content-Type"))
		}
	})
}
