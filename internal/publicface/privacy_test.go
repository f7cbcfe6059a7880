package publicface_test

import (
	"encoding/json"
	"fmt"
	"index/suffixarray"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"gridgov/ent/bulletinpost"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/labels"
	"gridgov/internal/publicface"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
)

// TestPublicSurfaceLeaksNothing loads the whole demo and reads every public page and every
// public GraphQL field without signing in, then looks in all of it for the demo's actual
// private values: full phone numbers of staff, households and reporters; household heads,
// addresses and notes; reporters' names; case titles, descriptions, addresses and private
// step notes; visit notes and concerns; inspection findings; drafts and withdrawn posts. None
// may appear. It also checks that the staff API answers an anonymous caller with nothing.
func TestPublicSurfaceLeaksNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.LoadAll(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		env := servertest.New(t, db)
		handler := server.New(server.Config{Client: db.Client, Enforcer: env.Enforcer, Auth: env.Auth, SupervisionPhone: demo.SupervisionPhone})
		env.Handler = handler
		var out strings.Builder
		page := func(path string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, path, nil)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", path, rec.Code, rec.Body.String())
			}
			out.WriteString(rec.Body.String())
			out.WriteByte('\n')
		}
		query := func(q string, vars map[string]any) json.RawMessage {
			t.Helper()
			resp := env.Do(t, "", q, vars)
			if len(resp.Errors) > 0 {
				t.Fatalf("%s: %+v", q, resp.Errors)
			}
			// Unescaped, so that the search sees the text as a page would show it.
			var v any
			if err := json.Unmarshal(resp.Data, &v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			out.WriteString(unescapeJSON(string(b)))
			out.WriteByte('\n')
			return resp.Data
		}

		levels, err := db.Client.Grid.Query().Where(grid.LevelLTE(2)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		page("/cards?root=" + demo.DistrictCode)
		page("/cards/" + demo.SanwangzhuangGroupCode)
		page("/badges?root=" + demo.DistrictCode)
		page("/report/" + demo.SanwangzhuangGroupCode)
		// Card by card: the district's sheet in one operation is beyond an anonymous caller's
		// complexity budget (the printed sheet above serves it).
		var pub struct {
			PublicCards []struct {
				People []struct{ Name string }
			}
		}
		all, err := db.Client.Grid.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range all {
			if !publicface.HasCard(g.Kind) {
				continue
			}
			var one struct {
				PublicCard struct {
					People []struct{ Name string }
				}
			}
			_ = json.Unmarshal(query(`query($c: String!) { publicCard(gridCode: $c) { gridCode gridName kindLabel breadcrumb area duties households
				supervisionPhone reportPath people { name title photoUrl phone roles roleLabels dutyLabels } } }`, map[string]any{"c": g.Code}), &one)
			pub.PublicCards = append(pub.PublicCards, one.PublicCard)
		}
		badges := query(`query($c: String!) { publicBadges(rootCode: $c) { name title photoUrl phone role roleLabel gridCode gridName scope duties } }`,
			map[string]any{"c": demo.DistrictCode})
		for _, g := range levels {
			if g.Level == 0 {
				continue
			}
			page("/bulletin/" + g.Code + "?from=2026-05-01&to=2026-11-30")
			query(`query($c: String!) { publicBulletin(gridCode: $c, first: 100) { id column columnLabel title body attachments publishedAt gridCode gridName } }`,
				map[string]any{"c": g.Code})
			query(`query($c: String!) { publicGridManagement(gridCode: $c, from: "2026-05-01T00:00:00Z", to: "2026-12-01T00:00:00Z") {
				gridCode gridName from to reported closed fixed items { gridName categoryName status statusLabel reportedAt closedAt feedback reworked } } }`,
				map[string]any{"c": g.Code})
		}
		events, err := db.Client.Event.Query().WithActions().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Every case a resident reported, and every tenth other one, on its status page.
		for i, e := range events {
			if e.Source == event.SourceRESIDENT_REPORT || i%10 == 0 {
				query(`query($c: String!) { publicEvent(trackingCode: $c) { trackingCode status statusLabel categoryName gridName reportedAt
					closedAt feedback steps { action actionLabel status at } } }`, map[string]any{"c": e.TrackingCode})
			}
		}
		query(`{ publicEventCategories { code name } }`, nil)
		text := dataURI.ReplaceAllString(out.String(), "data:…")
		if !strings.Contains(text, "****") || !strings.Contains(text, "网格化管理公示卡") || !strings.Contains(text, "财务公开") {
			t.Fatal("the public surface shows no cards or posts: the test would prove nothing")
		}

		// Strings the public may see through another route, which private values may equal.
		public := map[string]bool{}
		staff := map[string]bool{} // names shown on cards and badges
		for _, c := range pub.PublicCards {
			for _, p := range c.People {
				public[p.Name], staff[p.Name] = true, true
			}
		}
		var pb struct{ PublicBadges []struct{ Name string } }
		_ = json.Unmarshal(badges, &pb)
		for _, b := range pb.PublicBadges {
			public[b.Name], staff[b.Name] = true, true
		}
		for _, e := range events {
			public[e.Feedback] = true
		}
		cats, _ := db.Client.EventCategory.Query().All(ctx)
		for _, c := range cats {
			public[c.Name] = true
		}
		for _, enum := range labels.Enums() {
			ls, _ := labels.Of(enum)
			for _, l := range ls {
				public[l.Label] = true
			}
		}
		// Staff names are public; blank them out so that a resident whose name is the start
		// of a staff member's (王东 in 王东升) is not taken for a leak. Longest first, so that
		// a name inside a longer one does not break it up.
		var names []string
		for n := range staff {
			if utf8.RuneCountInString(n) >= 2 {
				names = append(names, n)
			}
		}
		sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
		var pairs []string
		for _, n := range names {
			pairs = append(pairs, n, "〔公开〕")
		}
		text = strings.NewReplacer(pairs...).Replace(text)

		private := map[string]string{} // value → what it is
		add := func(what, v string, minRunes int) {
			v = strings.TrimSpace(v)
			if utf8.RuneCountInString(v) >= minRunes && !public[v] {
				private[v] = what
			}
		}
		people, _ := db.Client.Person.Query().All(ctx)
		for _, p := range people {
			add("a person's full phone", p.Phone, 7)
		}
		households, _ := db.Client.Household.Query().All(ctx)
		for _, h := range households {
			add("a household's phone", h.Phone, 7)
			add("a household's address", h.Address, 6)
			add("a household's notes", h.Notes, 6)
			add("a household head's name", h.HeadName, 2)
		}
		for _, e := range events {
			add("a reporter's phone", e.ReporterPhone, 7)
			add("a reporter's name", e.ReporterName, 2)
			add("a case's title", e.Title, 6)
			add("a case's description", e.Description, 6)
			add("a case's address", e.Address, 6)
			for _, a := range e.Edges.Actions {
				add("a case step's private note", a.Note, 6)
			}
		}
		visits, _ := db.Client.Visit.Query().All(ctx)
		for _, v := range visits {
			add("a visit's notes", v.Notes, 6)
			add("a visit's concerns", v.Concerns, 6)
		}
		inspections, _ := db.Client.Inspection.Query().All(ctx)
		for _, in := range inspections {
			add("an inspection's findings", in.Findings, 6)
		}
		unpublished, _ := db.Client.BulletinPost.Query().Where(bulletinpost.StatusNEQ(bulletinpost.StatusPUBLISHED)).All(ctx)
		for _, p := range unpublished {
			add("a draft post's title", p.Title, 6)
			add("a draft post's body", p.Body, 6)
		}
		if len(private) < 1000 || len(inspections) == 0 || len(unpublished) == 0 {
			t.Fatalf("only %d private values, %d inspections, %d drafts: the demo changed and the test would prove little",
				len(private), len(inspections), len(unpublished))
		}
		idx := suffixarray.New([]byte(text))
		// The search finds what is there: a published post's title and a staff member's masked
		// phone.
		for _, shown := range []string{"2026年10月村级财务收支公开", "****"} {
			if len(idx.Lookup([]byte(shown), 1)) == 0 {
				t.Fatalf("the search does not find %q, which the public surface shows", shown)
			}
		}
		leaks := 0
		for v, what := range private {
			if hits := idx.Lookup([]byte(v), 1); len(hits) > 0 {
				leaks++
				if leaks <= 20 {
					at := hits[0]
					t.Errorf("the public surface shows %s %q: …%s…", what, v, text[max(0, at-60):min(len(text), at+len(v)+60)])
				}
			}
		}
		t.Logf("%d private values checked against %d bytes of public pages and responses; %d leaks", len(private), len(text), leaks)

		// The staff API gives an anonymous caller nothing.
		for _, q := range []string{
			`{ events(first: 1) { totalCount } }`, `{ households(first: 1) { totalCount } }`, `{ people(first: 1) { totalCount } }`,
			`{ inspections(first: 1) { totalCount } }`, `{ bulletinPosts(first: 1) { totalCount } }`, `{ visits(first: 1) { totalCount } }`,
			fmt.Sprintf(`{ node(id: %d) { id } }`, people[0].ID), fmt.Sprintf(`{ eventByTrackingCode(code: %q) { id } }`, events[0].TrackingCode),
		} {
			resp := env.Do(t, "", q, nil)
			if len(resp.Errors) == 0 || resp.Errors[0].Code() != "UNAUTHENTICATED" {
				t.Errorf("anonymous %s: %s %+v", q, resp.Data, resp.Errors)
			}
		}
	})
}

// dataURI matches the inline QR images, whose base64 could hold any run of digits.
var dataURI = regexp.MustCompile(`data:image/png;base64,[A-Za-z0-9+/=]+`)

// unescapeJSON undoes the escapes encoding/json writes into strings for HTML safety, so that
// "<" in a value is searched as "<".
func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&", `\n`, "\n").Replace(s)
}
