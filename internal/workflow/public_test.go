package workflow_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"entgo.io/ent/dialect"

	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// trackingAlphabet is the alphabet of tracking codes: no 0/O, 1/I/L.
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// PublicEv is a case as the public page shows it.
type PublicEv struct {
	TrackingCode string     `json:"trackingCode"`
	Status       string     `json:"status"`
	StatusLabel  string     `json:"statusLabel"`
	CategoryName string     `json:"categoryName"`
	GridName     string     `json:"gridName"`
	ReportedAt   time.Time  `json:"reportedAt"`
	ClosedAt     *time.Time `json:"closedAt"`
	Feedback     string     `json:"feedback"`
	Steps        []struct {
		Action      string    `json:"action"`
		ActionLabel string    `json:"actionLabel"`
		Status      string    `json:"status"`
		At          time.Time `json:"at"`
	} `json:"steps"`
}

const publicReportMutation = `mutation($in: PublicReportInput!, $key: String) {
  reportPublicEvent(input: $in, idempotencyKey: $key) { trackingCode status statusLabel } }`

const publicEventQuery = `query($code: String!) { publicEvent(trackingCode: $code) {
  trackingCode status statusLabel categoryName gridName reportedAt closedAt feedback
  steps { action actionLabel status at } } }`

// publicInput is a resident's report for a grid code.
func publicInput(gridCode, category, name, phone string) map[string]any {
	in := map[string]any{
		"gridCode": gridCode, "categoryCode": category, "title": "小区门口垃圾没人清",
		"description": "门口垃圾堆了三天，有异味", "address": "村委会对面",
		"photoUrls": []string{"https://img.example.com/resident.jpg"},
	}
	if name != "" {
		in["contactName"] = name
	}
	if phone != "" {
		in["contactPhone"] = phone
	}
	return in
}

// publicReport reports anonymously through env and returns the tracking code.
func (w *world) publicReport(t testing.TB, env *servertest.Env, gridCode, category, name, phone string) string {
	t.Helper()
	var out struct {
		ReportPublicEvent struct{ TrackingCode, Status, StatusLabel string }
	}
	env.MustDo(t, "", publicReportMutation, map[string]any{"in": publicInput(gridCode, category, name, phone)}, &out)
	r := out.ReportPublicEvent
	if r.Status != "REPORTED" || r.StatusLabel != "已上报" {
		t.Errorf("receipt: %+v", r)
	}
	checkTrackingCode(t, r.TrackingCode)
	return r.TrackingCode
}

func checkTrackingCode(t testing.TB, code string) {
	t.Helper()
	if len(code) != 12 || strings.Trim(code, trackingAlphabet) != "" {
		t.Errorf("tracking code %q: want 12 characters of %s", code, trackingAlphabet)
	}
}

// publicEventResp asks anonymously for the public page of a tracking code.
func (w *world) publicEventResp(t testing.TB, code string) (*PublicEv, *servertest.Response) {
	t.Helper()
	resp := w.env.Do(t, "", publicEventQuery, map[string]any{"code": code})
	if len(resp.Errors) > 0 {
		t.Fatalf("publicEvent(%q): %+v", code, resp.Errors)
	}
	var out struct {
		PublicEvent *PublicEv `json:"publicEvent"`
	}
	if err := json.Unmarshal(resp.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.PublicEvent, resp
}

func (w *world) publicEvent(t testing.TB, code string) *PublicEv {
	t.Helper()
	pub, _ := w.publicEventResp(t, code)
	return pub
}

func publicActions(p *PublicEv) []string {
	if p == nil {
		return nil
	}
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = s.Action
	}
	return out
}

// caseByTrackingCode reads a case by its tracking code as staff; nil when out of scope.
func (w *world) caseByTrackingCode(t testing.TB, token, code string) *StaffEv {
	t.Helper()
	var out struct {
		EventByTrackingCode *StaffEv `json:"eventByTrackingCode"`
	}
	w.env.MustDo(t, token, `query($code: String!) { eventByTrackingCode(code: $code) {
		id status source reporterContact reporter { id } grid { code } } }`, map[string]any{"code": code}, &out)
	return out.EventByTrackingCode
}

// StaffEv is a case as staff read it by tracking code.
type StaffEv struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	Source          string  `json:"source"`
	ReporterContact *string `json:"reporterContact"`
	Reporter        *Ref    `json:"reporter"`
	Grid            Ref     `json:"grid"`
}

// noLeak fails when a response, raw or decoded, contains any of secrets.
func noLeak(t testing.TB, what string, resp *servertest.Response, secrets []string) {
	t.Helper()
	var texts []string
	texts = append(texts, string(resp.Data))
	for _, e := range resp.Errors {
		texts = append(texts, e.Message, fmt.Sprint(e.Extensions))
	}
	var decoded any
	if err := json.Unmarshal(resp.Data, &decoded); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			texts = append(texts, x)
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			for k, y := range x {
				texts = append(texts, k)
				walk(y)
			}
		}
	}
	walk(decoded)
	for _, s := range secrets {
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Errorf("%s: the public response contains %q: %s", what, s, resp.Data)
				break
			}
		}
	}
}

// secrets are the names and phones of every person of the tree plus extra.
func (w *world) secrets(extra ...string) []string {
	out := slices.Clone(extra)
	for _, p := range w.people() {
		out = append(out, p.Name, p.Phone)
	}
	return out
}

// TestPublicReporting: an anonymous resident reports by grid code and category code, gets a
// tracking code and follows the case; the public page never shows a name or a phone number.
func TestPublicReporting(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		const contactName, contactPhone = "李秀英", "13912345678"
		secrets := w.secrets(contactName, contactPhone)

		// The categories a resident may choose, without signing in.
		var cats struct {
			PublicEventCategories []struct{ Code, Name string }
		}
		w.env.MustDo(t, "", `{ publicEventCategories { code name } }`, nil, &cats)
		names := map[string]string{}
		for _, c := range cats.PublicEventCategories {
			names[c.Code] = c.Name
		}
		if names["EXPOSED_GARBAGE"] != "暴露垃圾" || names["ILLEGAL_SIGNBOARD"] == "" {
			t.Errorf("publicEventCategories: %v", names)
		}
		// In the order staff know (by group, as set up), 其他 last; not by English code.
		if list := cats.PublicEventCategories; len(list) < 2 || list[0].Code != "EXPOSED_GARBAGE" || list[len(list)-1].Code != "OTHER" {
			t.Errorf("publicEventCategories order: %v, want EXPOSED_GARBAGE first and OTHER (其他) last", list)
		}

		code := w.publicReport(t, w.env, w.group.Code, "EXPOSED_GARBAGE", contactName, contactPhone)
		pub, resp := w.publicEventResp(t, code)
		if pub == nil || pub.TrackingCode != code || pub.Status != "REPORTED" || pub.StatusLabel != "已上报" ||
			pub.CategoryName != "暴露垃圾" || pub.GridName != w.group.Name || pub.ClosedAt != nil ||
			!slices.Equal(publicActions(pub), []string{"REPORT"}) {
			t.Fatalf("public page after report: %+v", pub)
		}
		noLeak(t, "after report", resp, secrets)

		// Staff in scope see the case and how to reach the resident; staff out of scope do not
		// see it at all.
		for _, a := range []actor{w.patroller, w.villageDirect, w.supervisor, w.subFirst} {
			c := w.caseByTrackingCode(t, a.Token, code)
			if c == nil {
				t.Errorf("%s cannot see the resident's report", a.Key)
				continue
			}
			if c.ReporterContact == nil || !strings.Contains(*c.ReporterContact, contactName) || !strings.Contains(*c.ReporterContact, contactPhone) {
				t.Errorf("%s reads reporterContact %v", a.Key, c.ReporterContact)
			}
			if c.Source != "RESIDENT_REPORT" || c.Reporter != nil || c.Grid.Code != w.group.Code {
				t.Errorf("%s reads %+v", a.Key, c)
			}
		}
		id := w.caseByTrackingCode(t, w.villageDirect.Token, code).ID
		if c := w.caseByTrackingCode(t, w.outsider.Token, code); c != nil {
			t.Errorf("the outsider reads the resident's report: %+v", c)
		}
		var node struct{ Node *struct{ ID string } }
		w.env.MustDo(t, w.outsider.Token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &node)
		if node.Node != nil {
			t.Errorf("the outsider reads the case by id")
		}
		if ids := w.listIDs(t, w.outsider.Token, nil); containsID(ids, id) {
			t.Errorf("the outsider lists the case")
		}
		steps := w.timeline(t, w.villageDirect.Token, id)
		if len(steps) != 1 || steps[0].Action != "REPORT" || steps[0].Actor != nil {
			t.Errorf("timeline of a public report: %+v", steps)
		}

		// Staff work the case; at every step the public page shows progress and no names.
		type op struct {
			a    actor
			op   string
			args map[string]any
		}
		for _, s := range []op{
			{w.villageDirect, "acceptEvent", map[string]any{"note": "赵德厚受理"}},
			{w.villageDirect, "dispatchEvent", map[string]any{"toPersonID": w.patroller.SID(), "note": "派王建国 13800000001 处理"}},
			{w.patroller, "startHandling", nil},
			{w.patroller, "reportBack", map[string]any{"note": "王建国已清运"}},
			{w.supervisor, "verifyEvent", map[string]any{"passed": true, "note": "督察员吴秋菊核查"}},
			{w.villageFirst, "closeEvent", map[string]any{"fixed": true, "feedback": "垃圾已清运，感谢您的反映", "note": "孙长林结案"}},
		} {
			ev := w.must(t, s.a, s.op, id, s.args)
			pub, resp := w.publicEventResp(t, code)
			if pub == nil || pub.Status != ev.Status {
				t.Errorf("after %s the public page shows %+v, want status %s", s.op, pub, ev.Status)
			}
			noLeak(t, "after "+s.op, resp, secrets)
		}
		pub = w.publicEvent(t, code)
		if pub.Status != "CLOSED_FIXED" || pub.StatusLabel != "已结案(已解决)" || pub.Feedback != "垃圾已清运，感谢您的反映" || pub.ClosedAt == nil {
			t.Errorf("closed public page: %+v", pub)
		}
		if got := publicActions(pub); !slices.Equal(got, []string{"REPORT", "ACCEPT", "DISPATCH", "START", "REPORT_BACK", "VERIFY_PASS", "CLOSE"}) {
			t.Errorf("public steps: %v", got)
		}
		wantStatus := []string{"REPORTED", "REGISTERED", "DISPATCHED", "HANDLING", "HANDLED", "VERIFIED", "CLOSED_FIXED"}
		for i, s := range pub.Steps {
			if i < len(wantStatus) && (s.Status != wantStatus[i] || s.ActionLabel == "" || s.At.IsZero()) {
				t.Errorf("public step %d: %+v, want status %s", i, s, wantStatus[i])
			}
		}

		// A staff member's report, followed by its code, shows no staff either.
		staff := w.drive(t, "CLOSED_FIXED")
		_, resp = w.publicEventResp(t, staff.TrackingCode)
		noLeak(t, "staff-reported case", resp, secrets)

		// The public cannot list or read cases.
		resp = w.env.Do(t, "", `{ events(first: 5) { totalCount } }`, nil)
		if c := resp.Codes(); len(c) == 0 || c[0] != "UNAUTHENTICATED" {
			t.Errorf("anonymous events: %v %s", c, resp.Data)
		}
		resp = w.env.Do(t, "", `query($c: String!) { eventByTrackingCode(code: $c) { id } }`, map[string]any{"c": code})
		if c := resp.Codes(); len(c) == 0 || c[0] != "UNAUTHENTICATED" {
			t.Errorf("anonymous eventByTrackingCode: %v %s", c, resp.Data)
		}
	})
}

// TestPublicReportingRefusals: bad input, guessed codes, retries and the rate limit.
func TestPublicReportingRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		w := newWorld(t, db)
		n := w.countCases(t)
		tenPhotos := make([]string, 10)
		for i := range tenPhotos {
			tenPhotos[i] = fmt.Sprintf("https://img.example.com/%d.jpg", i)
		}
		for _, c := range []struct {
			name, field string
			edit        func(in map[string]any)
		}{
			{"unknown grid code", "gridCode", func(in map[string]any) { in["gridCode"] = "410102009009009" }},
			{"empty grid code", "gridCode", func(in map[string]any) { in["gridCode"] = "" }},
			{"unknown category", "categoryCode", func(in map[string]any) { in["categoryCode"] = "UFO_SIGHTING" }},
			{"ten photos", "photoUrls", func(in map[string]any) { in["photoUrls"] = tenPhotos }},
			{"title of 10,000 characters", "title", func(in map[string]any) { in["title"] = strings.Repeat("脏", 10_000) }},
			{"phone of 100 characters", "contactPhone", func(in map[string]any) { in["contactPhone"] = strings.Repeat("1", 100) }},
		} {
			in := publicInput(w.group.Code, "EXPOSED_GARBAGE", "张三", "13900000000")
			c.edit(in)
			resp := w.env.Do(t, "", publicReportMutation, map[string]any{"in": in})
			if len(resp.Errors) == 0 || resp.Errors[0].Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v, want BAD_USER_INPUT", c.name, resp.Errors)
				continue
			}
			if f, _ := resp.Errors[0].Extensions["field"].(string); f != c.field && !(c.field == "contactPhone" && f == "reporterPhone") {
				t.Errorf("%s: field %q, want %q", c.name, f, c.field)
			}
			// What the resident reads: Chinese, and about the field, not a generic apology.
			if m, _ := resp.Errors[0].Extensions["publicMessage"].(string); !hasHan(m) || strings.Contains(m, "填写的内容有误") {
				t.Errorf("%s: publicMessage %q, want a Chinese sentence about the field", c.name, m)
			}
		}
		if got := w.countCases(t); got != n {
			t.Fatalf("refused public reports created %d cases", got-n)
		}

		// Codes are distinct, from the alphabet, and not guessable.
		seen := map[string]bool{}
		for range 6 {
			code := w.publicReport(t, w.env, w.village.Code, "ILLEGAL_SIGNBOARD", "", "")
			if seen[code] {
				t.Errorf("tracking code %s issued twice", code)
			}
			seen[code] = true
		}
		var any1 string
		for c := range seen {
			any1 = c
		}
		for _, guess := range []string{"23456789ABCD", "ZZZZZZZZZZZZ", strings.ToLower(any1), any1[:11], any1 + "2", "", strings.Repeat("A", 40)} {
			if seen[guess] {
				continue
			}
			if pub := w.publicEvent(t, guess); pub != nil {
				t.Errorf("guessed code %q shows a case: %+v", guess, pub)
			}
		}

		// A retried report with its key is one case.
		var r1, r2 struct{ ReportPublicEvent struct{ TrackingCode string } }
		in := publicInput(w.group.Code, "EXPOSED_GARBAGE", "", "")
		before := w.countCases(t)
		w.env.MustDo(t, "", publicReportMutation, map[string]any{"in": in, "key": "phone-retry-1"}, &r1)
		w.env.MustDo(t, "", publicReportMutation, map[string]any{"in": in, "key": "phone-retry-1"}, &r2)
		if r1.ReportPublicEvent.TrackingCode != r2.ReportPublicEvent.TrackingCode {
			t.Errorf("retried public report: codes %q and %q", r1.ReportPublicEvent.TrackingCode, r2.ReportPublicEvent.TrackingCode)
		}
		if got := w.countCases(t); got != before+1 {
			t.Errorf("a retried public report made %d cases", got-before)
		}

		// Twenty reports an hour from one address; the 21st is refused. servertest's requests
		// all come from 192.0.2.1. A fresh server has a fresh limiter on SQLite; on PostgreSQL
		// the counts are shared by every server of the database (issue 20): start them afresh.
		if db.Dialect == dialect.Postgres {
			if _, err := db.SQL.Exec("DELETE FROM " + auth.RateTable); err != nil {
				t.Fatal(err)
			}
		}
		env := servertest.New(t, db)
		before = w.countCases(t)
		for i := range 20 {
			resp := env.Do(t, "", publicReportMutation, map[string]any{"in": publicInput(w.group.Code, "EXPOSED_GARBAGE", "", "")})
			if len(resp.Errors) > 0 {
				t.Fatalf("public report %d: %+v", i+1, resp.Errors)
			}
		}
		resp := env.Do(t, "", publicReportMutation, map[string]any{"in": publicInput(w.group.Code, "EXPOSED_GARBAGE", "", "")})
		if c := resp.Codes(); len(c) == 0 || c[0] != "RATE_LIMITED" {
			t.Errorf("21st public report within the hour: %v", c)
		} else if m, _ := resp.Errors[0].Extensions["publicMessage"].(string); !strings.HasPrefix(m, "提交太频繁了，请") {
			t.Errorf("21st public report: publicMessage %q, want the Chinese wait", m)
		}
		if got := w.countCases(t); got != before+20 {
			t.Errorf("%d cases from 21 reports, want 20", got-before)
		}
		// Following a case is not limited by reporting.
		if pub := w.publicEvent(t, any1); pub == nil {
			t.Errorf("publicEvent after the rate limit: nil")
		}
	})
}

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
