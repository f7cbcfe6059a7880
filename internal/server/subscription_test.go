package server_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/user"
	"gridgov/internal/dbtest"
	"gridgov/internal/realtime"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// eventChangedQuery is the subscription the tests open.
const eventChangedQuery = `subscription($g: ID, $k: [EventChangeKind!]) {
  eventChanged(gridID: $g, kinds: $k) { kind kindLabel needsRefetch step { action } event { id title status grid { id } } }
}`

// change is one eventChanged delivery as the tests read it.
type change struct {
	Kind, KindLabel string
	NeedsRefetch    bool
	Step            *struct{ Action string }
	Event           *struct {
		ID, Title, Status string
		Grid              *struct{ ID string }
	}
}

// nextChange returns the next delivery of sock within wait, failing on anything else.
func nextChange(t *testing.T, sock *servertest.Socket, wait time.Duration) (change, bool) {
	t.Helper()
	m, ok := sock.Next(wait)
	if !ok {
		return change{}, false
	}
	if m.Type != "next" {
		t.Fatalf("want a next message, got %s %s", m.Type, m.Payload)
	}
	var out struct {
		Data   struct{ EventChanged change }
		Errors []servertest.Error
	}
	if err := json.Unmarshal(m.Payload, &out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("delivery %s: %v %+v", m.Payload, err, out.Errors)
	}
	return out.Data.EventChanged, true
}

// wantChange waits up to a second for the next delivery and checks its kind and case title.
func wantChange(t *testing.T, sock *servertest.Socket, who, kind, title string) change {
	t.Helper()
	c, ok := nextChange(t, sock, time.Second)
	if !ok {
		t.Fatalf("%s: no delivery within 1 s, want %s of %q", who, kind, title)
	}
	if c.Kind != kind || c.Event == nil || c.Event.Title != title {
		t.Fatalf("%s: got %+v, want %s of %q", who, c, kind, title)
	}
	return c
}

// report files a case as token's viewer on grid g through HTTP and returns its id.
func report(t *testing.T, env *servertest.Env, token string, g *ent.Grid, title string) string {
	t.Helper()
	cat, err := env.Client.EventCategory.Query().FirstID(servertest.System())
	if ent.IsNotFound(err) {
		if err = workflow.SeedCategories(servertest.System(), env.Client); err == nil {
			cat, err = env.Client.EventCategory.Query().FirstID(servertest.System())
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ ReportEvent struct{ ID string } }
	env.MustDo(t, token, `mutation($g: ID!, $c: ID!, $t: String!) { reportEvent(input: {gridID: $g, categoryID: $c, title: $t, source: PATROL}) { id } }`,
		map[string]any{"g": g.ID, "c": cat, "t": title}, &out)
	return out.ReportEvent.ID
}

// TestSubscriptionEndToEnd: a village official subscribes over a WebSocket, sees a case
// reported and accepted through HTTP in their village and nothing of the neighbouring one,
// and their socket is closed with 4403 within a second of their role being ended.
func TestSubscriptionEndToEnd(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		ts := httptest.NewServer(env.Handler)
		defer ts.Close()
		tr := newTree(t, db.Client)
		wang := mkPerson(t, db.Client, "王伟", tr.v1)
		role := mkAssignment(t, db.Client, wang, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		li := mkPerson(t, db.Client, "李娜", tr.v2)
		mkAssignment(t, db.Client, li, tr.v2, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		wangToken, liToken, admin := env.TokenFor(t, wang.ID, false), env.TokenFor(t, li.ID, false), env.TokenFor(t, 0, true)

		if _, err := servertest.DialSocket(t, ts.URL, "", nil); !isClosed(err, 4403) {
			t.Fatalf("socket without a sign-in: %v, want closed with 4403", err)
		}
		if _, err := servertest.DialSocket(t, ts.URL, "not-a-token", nil); !isClosed(err, 4403) {
			t.Fatalf("socket with a bad token: %v, want closed with 4403", err)
		}
		wangSock, err := servertest.DialSocket(t, ts.URL, wangToken, nil)
		if err != nil {
			t.Fatal(err)
		}
		liSock, err := servertest.DialSocket(t, ts.URL, liToken, nil)
		if err != nil {
			t.Fatal(err)
		}
		wangSock.Subscribe(t, "1", eventChangedQuery, nil)
		liSock.Subscribe(t, "1", eventChangedQuery, nil)
		time.Sleep(100 * time.Millisecond) // the subscribe messages are read

		id := report(t, env, wangToken, tr.g11, "垃圾暴露")
		c := wantChange(t, wangSock, "王伟", "REPORTED", "垃圾暴露")
		if c.KindLabel != "上报" || c.Step == nil || c.Step.Action != "REPORT" || c.Event.Grid == nil {
			t.Errorf("report delivery: %+v", c)
		}
		env.MustDo(t, wangToken, `mutation($id: ID!) { acceptEvent(id: $id) { id } }`, map[string]any{"id": id}, nil)
		if c := wantChange(t, wangSock, "王伟", "STEP", "垃圾暴露"); c.Event.Status != "REGISTERED" || c.Step.Action != "ACCEPT" {
			t.Errorf("accept delivery: %+v", c)
		}
		report(t, env, liToken, tr.g21, "占道经营")
		wantChange(t, liSock, "李娜", "REPORTED", "占道经营") // and not 王伟's village's case before it

		// Ending the role closes the socket, within a second.
		env.MustDo(t, admin, `mutation($id: ID!) { endAssignment(id: $id, reason: "调离") { id } }`, map[string]any{"id": role.ID}, nil)
		start := time.Now()
		select {
		case <-wangSock.Closed():
		case <-time.After(time.Second):
			t.Fatal("socket still open 1 s after the role ended")
		}
		if code, reason := wangSock.CloseStatus(); code != 4403 {
			t.Errorf("closed with %d %q, want 4403", code, reason)
		}
		t.Logf("socket closed %v after the role ended", time.Since(start).Round(time.Millisecond))
		// 李娜's socket is not touched by 王伟's change.
		report(t, env, liToken, tr.g21, "乱堆乱放")
		wantChange(t, liSock, "李娜", "REPORTED", "乱堆乱放")
	})
}

func isClosed(err error, code int) bool {
	var ce *servertest.SocketClosed
	return errors.As(err, &ce) && ce.Code == code
}

// TestSubscriptionCaseMovedAway: when a villager group moves to another village, its cases
// stop reaching the first village's subscribers (one signed in as the village's official, one
// a district administrator watching the village by gridID) and start reaching the other's.
func TestSubscriptionCaseMovedAway(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		ts := httptest.NewServer(env.Handler)
		defer ts.Close()
		tr := newTree(t, db.Client)
		wang := mkPerson(t, db.Client, "王伟", tr.v1)
		mkAssignment(t, db.Client, wang, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		li := mkPerson(t, db.Client, "李娜", tr.v2)
		mkAssignment(t, db.Client, li, tr.v2, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		admin := env.TokenFor(t, 0, true)
		socks := map[string]*servertest.Socket{}
		for name, token := range map[string]string{"王伟": env.TokenFor(t, wang.ID, false), "李娜": env.TokenFor(t, li.ID, false), "admin": admin} {
			s, err := servertest.DialSocket(t, ts.URL, token, nil)
			if err != nil {
				t.Fatal(err)
			}
			socks[name] = s
		}
		socks["王伟"].Subscribe(t, "1", eventChangedQuery, nil)
		socks["李娜"].Subscribe(t, "1", eventChangedQuery, nil)
		socks["admin"].Subscribe(t, "v1", eventChangedQuery, map[string]any{"g": tr.v1.ID})
		time.Sleep(100 * time.Millisecond)

		id := report(t, env, admin, tr.g11, "私搭乱建")
		wantChange(t, socks["王伟"], "王伟", "REPORTED", "私搭乱建")
		wantChange(t, socks["admin"], "admin on 董岗村", "REPORTED", "私搭乱建")

		env.MustDo(t, admin, `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { id } }`, map[string]any{"id": tr.g11.ID, "p": tr.v2.ID}, nil)
		env.MustDo(t, admin, `mutation($id: ID!) { acceptEvent(id: $id) { id } }`, map[string]any{"id": id}, nil)
		wantChange(t, socks["李娜"], "李娜", "STEP", "私搭乱建")
		// A later case of 董岗村 is the next thing its subscribers hear: the moved case's step
		// did not reach them.
		report(t, env, admin, tr.v1, "道路破损")
		wantChange(t, socks["王伟"], "王伟", "REPORTED", "道路破损")
		wantChange(t, socks["admin"], "admin on 董岗村", "REPORTED", "道路破损")
		if _, ok := nextChange(t, socks["李娜"], 200*time.Millisecond); ok {
			t.Error("李娜 heard of a case of 董岗村")
		}
	})
}

// TestSubscriptionMyTasks: myTasks tells a handler of a case dispatched to them and of the
// decision on the extension they asked for, and tells the dispatcher of the case returned to
// them; nobody hears of another's task.
func TestSubscriptionMyTasks(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		ts := httptest.NewServer(env.Handler)
		defer ts.Close()
		tr := newTree(t, db.Client)
		chief := mkPerson(t, db.Client, "王伟", tr.v1)
		mkAssignment(t, db.Client, chief, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		handler := mkPerson(t, db.Client, "赵强", tr.g11)
		mkAssignment(t, db.Client, handler, tr.g11, assignment.RoleSPECIFIC_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		other := mkPerson(t, db.Client, "孙丽", tr.g11)
		mkAssignment(t, db.Client, other, tr.g11, assignment.RoleSPECIFIC_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
		chiefToken, handlerToken, otherToken := env.TokenFor(t, chief.ID, false), env.TokenFor(t, handler.ID, false), env.TokenFor(t, other.ID, false)
		const tasks = `subscription { myTasks { kind kindLabel step { action } event { title } } }`
		socks := map[string]*servertest.Socket{}
		for name, token := range map[string]string{"chief": chiefToken, "handler": handlerToken, "other": otherToken} {
			s, err := servertest.DialSocket(t, ts.URL, token, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.Subscribe(t, "tasks", tasks, nil)
			socks[name] = s
		}
		time.Sleep(100 * time.Millisecond)
		want := func(who, kind, label string) {
			t.Helper()
			m, ok := socks[who].Next(time.Second)
			if !ok {
				t.Fatalf("%s: no task change within 1 s, want %s", who, kind)
			}
			var out struct {
				Data struct {
					MyTasks struct {
						Kind, KindLabel string
						Event           struct{ Title string }
					}
				}
			}
			if err := json.Unmarshal(m.Payload, &out); err != nil || out.Data.MyTasks.Kind != kind || out.Data.MyTasks.KindLabel != label {
				t.Fatalf("%s: got %s %s, want %s", who, m.Type, m.Payload, kind)
			}
		}
		step := func(token, mutation string, vars map[string]any) {
			t.Helper()
			env.MustDo(t, token, mutation, vars, nil)
		}
		id := report(t, env, chiefToken, tr.g11, "井盖缺失")
		step(chiefToken, `mutation($id: ID!) { acceptEvent(id: $id) { id } }`, map[string]any{"id": id})
		step(chiefToken, `mutation($id: ID!, $p: ID!) { dispatchEvent(id: $id, toPersonID: $p) { id } }`, map[string]any{"id": id, "p": handler.ID})
		want("handler", "DISPATCHED", "派遣")
		step(handlerToken, `mutation($id: ID!) { returnEvent(id: $id, note: "不属于本组") { id } }`, map[string]any{"id": id})
		want("chief", "RETURNED", "退回")
		step(chiefToken, `mutation($id: ID!, $p: ID!) { dispatchEvent(id: $id, toPersonID: $p) { id } }`, map[string]any{"id": id, "p": handler.ID})
		want("handler", "DISPATCHED", "派遣")
		step(handlerToken, `mutation($id: ID!) { startHandling(id: $id) { id } }`, map[string]any{"id": id})
		step(handlerToken, `mutation($id: ID!, $d: Time!) { requestExtension(id: $id, newDeadline: $d) { id } }`,
			map[string]any{"id": id, "d": time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)})
		step(chiefToken, `mutation($id: ID!) { decideExtension(id: $id, approve: false) { id } }`, map[string]any{"id": id})
		want("handler", "EXTENSION_REJECTED", "驳回延期")
		if m, ok := socks["other"].Next(200 * time.Millisecond); ok {
			t.Errorf("孙丽 heard of someone else's task: %s", m.Payload)
		}
		if m, ok := socks["chief"].Next(100 * time.Millisecond); ok {
			t.Errorf("王伟 heard more than the return: %s", m.Payload)
		}
	})
}

// TestSubscriptionLimits: subscriptions per connection and per user, WebSockets per address,
// the Origin of a browser page elsewhere, queries over the socket, and the metrics.
func TestSubscriptionLimits(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.SQLite)
	env := servertest.New(t, db)
	h := server.New(server.Config{Client: env.Client, Enforcer: env.Enforcer, Auth: env.Auth,
		Subscriptions: realtime.Limits{PerSocket: 2, PerUser: 3}, SocketsPerAddress: 3,
		CORSOrigins: []string{"https://grid.example.cn"}})
	ts := httptest.NewServer(h)
	defer ts.Close()
	tr := newTree(t, db.Client)
	wang := mkPerson(t, db.Client, "王伟", tr.v1)
	mkAssignment(t, db.Client, wang, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
	token := env.TokenFor(t, wang.ID, false)

	for _, origin := range []string{"https://evil.example.com", "https://grid.example.cn.evil.example.com"} {
		if _, err := servertest.DialSocket(t, ts.URL, token, map[string]string{"Origin": origin}); err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("origin %s: %v, want refused with 403", origin, err)
		}
	}
	first, err := servertest.DialSocket(t, ts.URL, token, map[string]string{"Origin": "https://grid.example.cn"})
	if err != nil {
		t.Fatalf("origin in the CORS list: %v", err)
	}
	second, err := servertest.DialSocket(t, ts.URL, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	// refused expects one subscription to be refused with code: the last of those sent at once
	// is not always the one that comes last.
	refused := func(s *servertest.Socket, id, code string) {
		t.Helper()
		m, ok := s.Next(time.Second)
		if ok && m.ID != "" {
			id = m.ID
		}
		if !ok || (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), code) {
			t.Fatalf("subscription %s: got %s %s, want an error %s", id, m.Type, m.Payload, code)
		}
		if m.Type == "next" { // a resolver's error: the operation then completes
			if m, ok := s.Next(time.Second); !ok || m.ID != id || m.Type != "complete" {
				t.Fatalf("subscription %s: got %s %s after its error, want complete", id, m.Type, m.Payload)
			}
		}
	}
	first.Subscribe(t, "1", eventChangedQuery, nil)
	first.Subscribe(t, "2", eventChangedQuery, nil)
	first.Subscribe(t, "3", eventChangedQuery, nil)
	refused(first, "3", "RATE_LIMITED") // 2 per connection
	second.Subscribe(t, "1", eventChangedQuery, nil)
	second.Subscribe(t, "2", eventChangedQuery, nil)
	refused(second, "2", "RATE_LIMITED") // 3 per user
	second.Subscribe(t, "q", `{ __typename }`, nil)
	refused(second, "q", "BAD_USER_INPUT") // queries go over HTTP
	second.Subscribe(t, "g", eventChangedQuery, map[string]any{"g": tr.v2.ID})
	refused(second, "g", "FORBIDDEN") // a grid outside the scope

	time.Sleep(100 * time.Millisecond)
	rec := send(h, "GET", "/metrics", nil, "")
	for _, want := range []string{"gridgov_websockets_open 2", "gridgov_subscriptions_open 3", "gridgov_subscription_deliveries_total 0"} {
		if !strings.Contains(rec.Body.String(), want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if _, err := servertest.DialSocket(t, ts.URL, token, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := servertest.DialSocket(t, ts.URL, token, nil); err == nil || !strings.Contains(err.Error(), "429") {
		t.Errorf("a fourth socket from one address: %v, want refused with 429", err)
	}
	first.Close()
	time.Sleep(100 * time.Millisecond)
	if _, err := servertest.DialSocket(t, ts.URL, token, nil); err != nil {
		t.Errorf("a socket after one closed: %v", err)
	}
}

// TestSubscriptionClosedOnRevoke: the socket is closed with 4403 within a second of each way a
// sign-in ends: a sign-out, the account disabled, a role ending by its validTo with no change
// announced.
func TestSubscriptionClosedOnRevoke(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		end  func(t *testing.T, env *servertest.Env, token, admin string, userID int)
		// validTo of the role, when it ends by itself
		validFor time.Duration
	}{
		{name: "logout", end: func(t *testing.T, env *servertest.Env, token, _ string, _ int) {
			env.MustDo(t, token, `mutation { logout }`, nil, nil)
		}},
		{name: "account disabled", end: func(t *testing.T, env *servertest.Env, _, admin string, userID int) {
			env.MustDo(t, admin, `mutation($id: ID!) { disableUser(userID: $id) { id } }`, map[string]any{"id": userID}, nil)
		}},
		{name: "role reaches its validTo", validFor: 1500 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := dbtest.New(t, dialect.SQLite)
			env := servertest.New(t, db)
			ts := httptest.NewServer(env.Handler)
			defer ts.Close()
			tr := newTree(t, db.Client)
			wang := mkPerson(t, db.Client, "王伟", tr.v1)
			var to *time.Time
			if c.validFor > 0 {
				end := time.Now().Add(c.validFor)
				to = &end
			}
			mkAssignment(t, db.Client, wang, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), to)
			token, admin := env.TokenFor(t, wang.ID, false), env.TokenFor(t, 0, true)
			sock, err := servertest.DialSocket(t, ts.URL, token, nil)
			if err != nil {
				t.Fatal(err)
			}
			sock.Subscribe(t, "1", eventChangedQuery, nil)
			var ended time.Time
			if c.end != nil {
				u, err := db.Client.User.Query().Where(user.PersonID(wang.ID)).Only(servertest.System())
				if err != nil {
					t.Fatal(err)
				}
				ended = time.Now()
				c.end(t, env, token, admin, u.ID)
			} else {
				ended = *to
			}
			select {
			case <-sock.Closed():
			case <-time.After(time.Until(ended.Add(time.Second))):
				t.Fatal("socket still open 1 s after the sign-in ended")
			}
			if code, reason := sock.CloseStatus(); code != 4403 {
				t.Errorf("closed with %d %q, want 4403", code, reason)
			}
			t.Logf("closed %v after the end", time.Since(ended).Round(time.Millisecond))
		})
	}
}

// TestSubscriptionEscalationKinds: an escalation (逐级上报) is told relative to each
// subscription's subtree: out of the villager group, up to the village and then out of it, up
// to the sub-district; a subscription asking for ESCALATED_IN alone hears nothing else.
func TestSubscriptionEscalationKinds(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.SQLite)
	env := servertest.New(t, db)
	ts := httptest.NewServer(env.Handler)
	defer ts.Close()
	tr := newTree(t, db.Client)
	admin := env.TokenFor(t, 0, true)
	sock, err := servertest.DialSocket(t, ts.URL, admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	const q = `subscription($g: ID, $k: [EventChangeKind!]) { eventChanged(gridID: $g, kinds: $k) { kind event { title } } }`
	sock.Subscribe(t, "group", q, map[string]any{"g": tr.g11.ID})
	sock.Subscribe(t, "village", q, map[string]any{"g": tr.v1.ID})
	sock.Subscribe(t, "sub-in", q, map[string]any{"g": tr.sub.ID, "k": []string{"ESCALATED_IN"}})
	time.Sleep(100 * time.Millisecond)
	heard := func(n int) map[string][]string {
		t.Helper()
		got := map[string][]string{}
		for range n {
			m, ok := sock.Next(time.Second)
			if !ok {
				t.Fatalf("heard %v, want %d deliveries", got, n)
			}
			var out struct {
				Data struct{ EventChanged struct{ Kind string } }
			}
			if err := json.Unmarshal(m.Payload, &out); err != nil || m.Type != "next" {
				t.Fatalf("%s %s", m.Type, m.Payload)
			}
			got[m.ID] = append(got[m.ID], out.Data.EventChanged.Kind)
		}
		if m, ok := sock.Next(200 * time.Millisecond); ok {
			t.Fatalf("heard %v and then %s %s", got, m.ID, m.Payload)
		}
		return got
	}
	id := report(t, env, admin, tr.g11, "违章搭建")
	if got := heard(2); !cmp.Equal(got, map[string][]string{"group": {"REPORTED"}, "village": {"REPORTED"}}) {
		t.Errorf("report: %v", got)
	}
	escalate := func() {
		t.Helper()
		env.MustDo(t, admin, `mutation($id: ID!) { escalateEvent(id: $id) { id } }`, map[string]any{"id": id}, nil)
	}
	escalate() // 村民组 → 村
	if got := heard(2); !cmp.Equal(got, map[string][]string{"group": {"ESCALATED_OUT"}, "village": {"ESCALATED_IN"}}) {
		t.Errorf("escalated out of the group: %v", got)
	}
	escalate() // 村 → 街道
	if got := heard(3); !cmp.Equal(got, map[string][]string{"group": {"ESCALATED"}, "village": {"ESCALATED_OUT"}, "sub-in": {"ESCALATED_IN"}}) {
		t.Errorf("escalated out of the village: %v", got)
	}
}
