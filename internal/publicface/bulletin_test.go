package publicface_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/ent/event"
	"gridgov/ent/eventcategory"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

const (
	createPost  = `mutation($g: ID!, $col: BulletinColumn!, $t: String!, $a: [String!]) { createBulletinPost(input: {gridID: $g, column: $col, title: $t, body: "正文", attachments: $a}) { id status statusLabel columnLabel author { name } } }`
	updatePost  = `mutation($id: ID!, $t: String!) { updateBulletinPost(id: $id, input: {title: $t}) { id title } }`
	publishPost = `mutation($id: ID!) { publishBulletinPost(id: $id) { id status publishedAt } }`
	unpublish   = `mutation($id: ID!) { unpublishBulletinPost(id: $id) { id status } }`
	publicPosts = `query($c: String!) { publicBulletin(gridCode: $c) { title column columnLabel gridName attachments } }`
)

type postJSON struct {
	ID, Status, StatusLabel, ColumnLabel string
	Author                               *struct{ Name string }
}

// TestBulletin: grid and workstation heads draft, first- and direct-responsibles publish;
// only published posts are public, and a published post changes only with the publish right.
func TestBulletin(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		env := w.env
		vars := func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		var created struct{ CreateBulletinPost postJSON }
		env.MustDo(t, w.stationToken, createPost, vars("g", w.village.ID, "col", "FINANCIAL_AFFAIRS", "t", "10月财务收支", "a", []string{"https://docs.example.test/10.pdf"}), &created)
		post := created.CreateBulletinPost
		if post.Status != "DRAFT" || post.StatusLabel != "草稿" || post.ColumnLabel != "财务公开" || post.Author == nil || post.Author.Name != "陈站长" {
			t.Fatalf("new post: %+v", post)
		}
		var draft struct{ CreateBulletinPost postJSON }
		env.MustDo(t, w.directorToken, createPost, vars("g", w.village.ID, "col", "VILLAGE_AFFAIRS", "t", "草稿标题不公开"), &draft)

		// Who may do what.
		cleanerToken := env.TokenFor(t, w.cleaner.ID, false)
		env.MustFail(t, w.stationToken, publishPost, vars("id", post.ID), "FORBIDDEN")
		env.MustFail(t, w.supervisorToken, createPost, vars("g", w.village.ID, "col", "PARTY_AFFAIRS", "t", "x"), "FORBIDDEN")
		env.MustFail(t, cleanerToken, createPost, vars("g", w.village.ID, "col", "PARTY_AFFAIRS", "t", "x"), "FORBIDDEN")
		env.MustFail(t, "", createPost, vars("g", w.village.ID, "col", "PARTY_AFFAIRS", "t", "x"), "UNAUTHENTICATED")
		env.MustFail(t, w.stationToken, createPost, vars("g", w.village.ID, "col", "PARTY_AFFAIRS", "t", "x", "a", []string{"javascript:alert(1)"}), "BAD_USER_INPUT")
		env.MustDo(t, w.stationToken, updatePost, vars("id", post.ID, "t", "2026年10月财务收支"), nil) // a draft: fine

		var published struct {
			PublishBulletinPost struct{ Status, PublishedAt string }
		}
		env.MustDo(t, w.directorToken, publishPost, vars("id", post.ID), &published)
		if published.PublishBulletinPost.Status != "PUBLISHED" || published.PublishBulletinPost.PublishedAt == "" {
			t.Fatalf("published: %+v", published)
		}
		// What the public sees may not change behind the publisher's back.
		env.MustFail(t, w.stationToken, updatePost, vars("id", post.ID, "t", "改过的标题"), "FORBIDDEN")

		// The public reads published posts of the grid and the grids above it.
		type pub struct {
			Title, Column, ColumnLabel, GridName string
			Attachments                          []string
		}
		want := []pub{{Title: "2026年10月财务收支", Column: "FINANCIAL_AFFAIRS", ColumnLabel: "财务公开", GridName: "三王庄村",
			Attachments: []string{"https://docs.example.test/10.pdf"}}}
		for _, code := range []string{w.group.Code, w.village.Code, w.sub.Code} {
			var got struct{ PublicBulletin []pub }
			env.MustDo(t, "", publicPosts, vars("c", code), &got)
			if diff := cmp.Diff(want, got.PublicBulletin); diff != "" {
				t.Errorf("publicBulletin(%s) (-want +got):\n%s", code, diff)
			}
		}
		// Staff lists are scoped: the cleaner's scope is their group, not the village.
		var list struct{ BulletinPosts struct{ TotalCount int } }
		env.MustDo(t, cleanerToken, `{ bulletinPosts { totalCount } }`, nil, &list)
		if list.BulletinPosts.TotalCount != 0 {
			t.Errorf("the cleaner sees %d posts of the village", list.BulletinPosts.TotalCount)
		}
		env.MustDo(t, w.stationToken, `{ bulletinPosts(where: {status: DRAFT}) { totalCount } }`, nil, &list)
		if list.BulletinPosts.TotalCount != 1 {
			t.Errorf("the workstation head sees %d drafts, want 1", list.BulletinPosts.TotalCount)
		}

		env.MustFail(t, w.stationToken, unpublish, vars("id", post.ID), "FORBIDDEN")
		env.MustDo(t, w.directorToken, unpublish, vars("id", post.ID), nil)
		var after struct{ PublicBulletin []pub }
		env.MustDo(t, "", publicPosts, vars("c", w.village.Code), &after)
		if len(after.PublicBulletin) != 0 {
			t.Errorf("withdrawn post still public: %+v", after.PublicBulletin)
		}
	})
}

// TestGridManagement: the bulletin's grid column lists the problems reported and how each was
// resolved, with counts, and no personal data.
func TestGridManagement(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		ctx := servertest.System()
		cat, err := db.Client.EventCategory.Query().Where(eventcategory.Code("EXPOSED_GARBAGE")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 10, 15, 3, 0, 0, 0, time.UTC)
		mk := func(code string, status event.Status, feedback string, rework int, registered bool) {
			t.Helper()
			b := db.Client.Event.Create().SetTitle("王大妈家门口垃圾 " + code).SetDescription("私密描述" + code).SetAddress("三王庄村一组23号").
				SetSource(event.SourceRESIDENT_REPORT).SetCategoryID(cat.ID).SetGridID(w.group.ID).SetOriginGridID(w.group.ID).
				SetOriginPath(w.group.Path).SetTrackingCode(code).SetReportedAt(day).SetStatus(status).SetFeedback(feedback).
				SetReworkCount(rework).SetReporterName("王大妈").SetReporterPhone("13955556666")
			if registered {
				b.SetRegisteredAt(day.Add(time.Hour))
			}
			if status == event.StatusCLOSED_FIXED || status == event.StatusCLOSED_NOT_FIXED || status == event.StatusVOIDED {
				b.SetClosedAt(day.Add(48 * time.Hour))
			}
			if err := b.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		mk("GMTEST000001", event.StatusCLOSED_FIXED, "已清运并增设垃圾桶", 1, true)
		mk("GMTEST000002", event.StatusCLOSED_NOT_FIXED, "需区城管局协调，已上报", 0, true)
		mk("GMTEST000003", event.StatusHANDLING, "", 0, true)
		// Never public: a registered case voided as a duplicate, a report rejected (voided
		// unregistered), and a report nobody has accepted yet.
		mk("GMTEST000004", event.StatusVOIDED, "重复报告", 0, true)
		mk("GMTEST000005", event.StatusVOIDED, "无效报告", 0, false)
		mk("GMTEST000006", event.StatusREPORTED, "", 0, false)

		resp := w.env.Do(t, "", `query($c: String!) { publicGridManagement(gridCode: $c, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z") {
			gridName reported closed fixed items { gridName categoryName status statusLabel feedback reworked closedAt } } }`,
			map[string]any{"c": w.village.Code})
		if len(resp.Errors) > 0 {
			t.Fatal(resp.Errors)
		}
		var got struct {
			PublicGridManagement struct {
				GridName                string
				Reported, Closed, Fixed int
				Items                   []struct {
					GridName, CategoryName, Status, StatusLabel, Feedback string
					Reworked                                              bool
				}
			}
		}
		mustJSON(t, resp.Data, &got)
		g := got.PublicGridManagement
		if g.GridName != "三王庄村" || g.Reported != 3 || g.Closed != 2 || g.Fixed != 1 || len(g.Items) != 3 {
			t.Fatalf("grid management: %+v", g)
		}
		var feedback []string
		for _, it := range g.Items {
			feedback = append(feedback, it.Feedback)
			if it.GridName != w.group.Name || it.CategoryName != cat.Name {
				t.Errorf("item %+v", it)
			}
		}
		if !strings.Contains(strings.Join(feedback, "|"), "已清运并增设垃圾桶") {
			t.Errorf("feedback %q", feedback)
		}
		for _, private := range []string{"王大妈", "13955556666", "私密描述", "三王庄村一组23号", "GMTEST", "重复报告", "无效报告"} {
			if strings.Contains(string(resp.Data), private) {
				t.Errorf("grid management shows %q", private)
			}
		}
		// A period longer than a year, or ending before it starts, is refused.
		w.env.MustFail(t, "", `{ publicGridManagement(gridCode: "410102", from: "2020-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { reported } }`, nil, "BAD_USER_INPUT")

		// The bulletin page shows the same, and the posts.
		status, _, body := w.get(t, "/bulletin/"+w.village.Code+"?from=2026-10-01&to=2026-10-31")
		if status != http.StatusOK || !strings.Contains(body, "网格化管理") || !strings.Contains(body, "已清运并增设垃圾桶") ||
			!strings.Contains(body, `<strong class="reported">3</strong>`) || !strings.Contains(body, "（经返工）") {
			t.Errorf("bulletin page: %d\n%s", status, body)
		}
		for _, private := range []string{"王大妈", "13955556666", "私密描述", "三王庄村一组23号"} {
			if strings.Contains(body, private) {
				t.Errorf("bulletin page shows %q", private)
			}
		}
		if status, _, _ := w.get(t, "/bulletin/"+w.village.Code+"?from=yesterday"); status != http.StatusBadRequest {
			t.Errorf("bad date: %d, want 400", status)
		}
		if status, _, _ := w.get(t, "/bulletin/999"); status != http.StatusNotFound {
			t.Errorf("unknown grid: %d, want 404", status)
		}
	})
}

// TestGridManagementModerated: reports filed anonymously through the API stay off the
// bulletin until staff accept them; a voided one never appears, on the API nor on the page.
func TestGridManagementModerated(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		const report = `mutation($in: PublicReportInput!) { reportPublicEvent(input: $in) { trackingCode } }`
		const column = `query($c: String!) { publicGridManagement(gridCode: $c) { reported items { categoryName statusLabel } } }`
		var ids []string
		for i, title := range []string{"垃圾堆放（测试一）", "垃圾堆放（测试二）", "垃圾堆放（测试三）"} {
			var out struct{ ReportPublicEvent struct{ TrackingCode string } }
			in := map[string]any{"gridCode": w.group.Code, "categoryCode": "EXPOSED_GARBAGE", "title": title,
				"contactName": "测试居民", "contactPhone": fmt.Sprintf("1390000000%d", i)}
			w.env.MustDo(t, "", report, map[string]any{"in": in}, &out)
			ev, err := db.Client.Event.Query().Where(event.TrackingCode(out.ReportPublicEvent.TrackingCode)).Only(servertest.System())
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, strconv.Itoa(ev.ID))
		}
		read := func() (reported int, labels []string) {
			t.Helper()
			var out struct {
				PublicGridManagement struct {
					Reported int
					Items    []struct{ CategoryName, StatusLabel string }
				}
			}
			w.env.MustDo(t, "", column, map[string]any{"c": w.village.Code}, &out)
			for _, it := range out.PublicGridManagement.Items {
				labels = append(labels, it.StatusLabel)
			}
			return out.PublicGridManagement.Reported, labels
		}
		if n, items := read(); n != 0 || len(items) != 0 {
			t.Fatalf("before any acceptance the column shows %d cases %q, want none", n, items)
		}
		// The station head (工作站站长) accepts; the village director (直接责任人) voids.
		step := func(token, op, id string) {
			t.Helper()
			w.env.MustDo(t, token, fmt.Sprintf(`mutation($id: ID!) { %s(id: $id) { status } }`, op), map[string]any{"id": id}, nil)
		}
		step(w.stationToken, "acceptEvent", ids[0])
		step(w.directorToken, "voidEvent", ids[1])
		n, items := read()
		if n != 1 || len(items) != 1 || items[0] != "已立案" {
			t.Errorf("after one acceptance and one void the column shows %d cases %q, want the accepted one (已立案)", n, items)
		}
		_, _, body := w.get(t, "/bulletin/"+w.village.Code)
		if !strings.Contains(body, `<strong class="reported">1</strong>`) {
			t.Errorf("bulletin page does not count the one accepted case:\n%s", body)
		}
		for _, private := range []string{"测试居民", "1390000000", "垃圾堆放"} {
			if strings.Contains(body, private) {
				t.Errorf("bulletin page shows %q", private)
			}
		}
	})
}
