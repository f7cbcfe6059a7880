package publicface_test

import (
	"net/http"
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
		mk := func(code string, status event.Status, feedback string, rework int) {
			t.Helper()
			b := db.Client.Event.Create().SetTitle("王大妈家门口垃圾 " + code).SetDescription("私密描述" + code).SetAddress("三王庄村一组23号").
				SetSource(event.SourceRESIDENT_REPORT).SetCategoryID(cat.ID).SetGridID(w.group.ID).SetOriginGridID(w.group.ID).
				SetOriginPath(w.group.Path).SetTrackingCode(code).SetReportedAt(day).SetStatus(status).SetFeedback(feedback).
				SetReworkCount(rework).SetReporterName("王大妈").SetReporterPhone("13955556666")
			if status == event.StatusCLOSED_FIXED || status == event.StatusCLOSED_NOT_FIXED || status == event.StatusVOIDED {
				b.SetClosedAt(day.Add(48 * time.Hour))
			}
			if err := b.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		mk("GMTEST000001", event.StatusCLOSED_FIXED, "已清运并增设垃圾桶", 1)
		mk("GMTEST000002", event.StatusCLOSED_NOT_FIXED, "需区城管局协调，已上报", 0)
		mk("GMTEST000003", event.StatusHANDLING, "", 0)
		mk("GMTEST000004", event.StatusVOIDED, "重复报告", 0)

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
		for _, private := range []string{"王大妈", "13955556666", "私密描述", "三王庄村一组23号", "GMTEST"} {
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
