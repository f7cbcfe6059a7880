package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/faultproxy"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
	"gridgov/internal/workflow"
)

// outageRequestTimeout is the server's request timeout in TestDatabaseOutage: no request may
// take longer, outage or not.
const outageRequestTimeout = 5 * time.Second

// outcome is what one request of the load got.
type outcome struct {
	start    time.Time
	mutation bool
	status   int
	codes    []string
	took     time.Duration
	err      error // the HTTP exchange itself failed
}

// loadClient sends the load's requests over real HTTP.
type loadClient struct {
	base string
	http *http.Client

	mu       sync.Mutex
	outcomes []outcome
}

// post sends a GraphQL request, records its outcome and decodes its data into out on success.
func (c *loadClient) post(token, query string, vars map[string]any, mutation bool, out any) bool {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	o := outcome{start: time.Now(), mutation: mutation}
	resp, err := c.http.Do(req)
	o.took = time.Since(o.start)
	var r servertest.Response
	if err == nil {
		o.status = resp.StatusCode
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
	}
	o.err, o.codes = err, r.Codes()
	c.mu.Lock()
	c.outcomes = append(c.outcomes, o)
	c.mu.Unlock()
	if err != nil || len(r.Errors) > 0 {
		return false
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return false
		}
	}
	return true
}

// readyz returns the status of GET /readyz.
func (c *loadClient) readyz(t *testing.T) int {
	t.Helper()
	resp, err := c.http.Get(c.base + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// caseWorker moves one case round and round its workflow (dispatch, return, dispatch…),
// reading it before each step, with a fresh idempotency key per mutation so that every
// committed mutation leaves one key row beside its case row and its action row.
type caseWorker struct {
	c       *loadClient
	token   string
	caseID  string
	handler string // the person dispatched to
	steps   atomic.Int64
	keys    int
	status  string // as last read
	version int
}

const readCase = `query($id: ID!) { node(id: $id) { ... on Event { status version timeline { action toStatus } grid { name } } } }`

func (w *caseWorker) round() {
	var read struct {
		Node struct {
			Status  string
			Version int
		}
	}
	// A client that cannot read goes on with what it read last, as a user would press the
	// button again: its mutations meet the outage too.
	if w.c.post(w.token, readCase, map[string]any{"id": w.caseID}, false, &read) {
		w.status, w.version = read.Node.Status, read.Node.Version
	}
	w.keys++
	vars := map[string]any{"id": w.caseID, "v": w.version, "k": fmt.Sprintf("%s-%d", w.caseID, w.keys)}
	var q string
	switch w.status {
	case "REPORTED":
		q = `mutation($id: ID!, $v: Int, $k: String) { acceptEvent(id: $id, version: $v, idempotencyKey: $k) { status } }`
	case "REGISTERED":
		q = `mutation($id: ID!, $v: Int, $k: String, $p: ID) { dispatchEvent(id: $id, version: $v, toPersonID: $p, idempotencyKey: $k) { status } }`
		vars["p"] = w.handler
	case "DISPATCHED":
		q = `mutation($id: ID!, $v: Int, $k: String) { returnEvent(id: $id, version: $v, note: "back for another round", idempotencyKey: $k) { status } }`
	default:
		return
	}
	if w.c.post(w.token, q, vars, true, nil) {
		w.steps.Add(1)
	}
}

// TestDatabaseOutage takes the database away under load and brings it back: requests during
// the outage fail fast with DATABASE_UNAVAILABLE and 503, /readyz says not ready, the same
// server serves again once the database is back, and no mutation is left half-applied.
//
// PostgreSQL itself is shared by every test package, so the outage is a faultproxy between
// the server's pool and the database: stopping it refuses new connections and breaks the open
// ones, which is what a stopped PostgreSQL looks like to the server.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	env := servertest.New(t, db) // on the direct connection: setup and tokens
	ctx := servertest.System()
	if err := workflow.SeedCategories(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	cat, err := db.Client.EventCategory.Query().FirstID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTree(t, db.Client)
	group := tr.g11
	handler := mkPerson(t, db.Client, "王建国", group)

	u, err := neturl.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	u.Host = proxy.Addr()
	client, pool, err := store.Open(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	srv := httptest.NewServer(server.New(server.Config{
		Client: client, Enforcer: env.Enforcer, Auth: auth.NewService(client, env.Enforcer, time.Hour), DB: pool,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: outageRequestTimeout,
	}))
	t.Cleanup(srv.Close)
	lc := &loadClient{base: srv.URL, http: &http.Client{Timeout: 2 * outageRequestTimeout}}

	const workers = 8
	ws := make([]*caseWorker, workers)
	for i := range ws {
		token := env.TokenFor(t, 0, true)
		var rep struct{ ReportEvent struct{ ID string } }
		if !lc.post(token, `mutation($g: ID!, $c: ID!, $t: String!, $k: String) {
			reportEvent(input: {gridID: $g, categoryID: $c, title: $t}, idempotencyKey: $k) { id } }`,
			map[string]any{"g": group.ID, "c": cat, "t": fmt.Sprintf("路灯不亮 %d", i), "k": fmt.Sprintf("report-%d", i)}, true, &rep) {
			t.Fatalf("report case %d: %+v", i, lc.outcomes[len(lc.outcomes)-1])
		}
		ws[i] = &caseWorker{c: lc, token: token, caseID: rep.ReportEvent.ID, handler: strconv.Itoa(handler.ID)}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					w.round()
				}
			}
		}()
	}
	steps := func() (n int64) {
		for _, w := range ws {
			n += w.steps.Load()
		}
		return n
	}

	var times outageTimes
	times.loadStart = time.Now()
	time.Sleep(time.Second)
	if n := steps(); n == 0 {
		t.Fatal("no workflow step succeeded before the outage")
	}
	if n := proxy.Conns(); n == 0 {
		t.Fatal("the pool holds no connection through the proxy before the outage")
	}

	times.stop = time.Now()
	proxy.Stop()
	times.stopped = time.Now()
	time.Sleep(time.Second)
	if status := lc.readyz(t); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz during the outage = %d, want 503", status)
	}
	// A mutation without a sign-in gets as far as opening its transaction.
	login := lc.post("", `mutation { login(username: "nobody", password: "not-a-password") { token } }`, nil, true, nil)
	if last := lc.outcomes[len(lc.outcomes)-1]; login || last.status != http.StatusServiceUnavailable || !allEqual(last.codes, "DATABASE_UNAVAILABLE") {
		t.Errorf("login during the outage answered %d %v, want 503 DATABASE_UNAVAILABLE", last.status, last.codes)
	}
	stepsInOutage := steps()

	times.restart = time.Now()
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	for steps() == stepsInOutage || lc.readyz(t) != http.StatusOK {
		if time.Since(times.restart) > 10*time.Second {
			t.Fatal("no workflow step succeeded, or /readyz not ready, within 10 s of the database's return")
		}
		time.Sleep(20 * time.Millisecond)
	}
	times.recovered = time.Now()
	t.Logf("serving again %v after the database came back", times.recovered.Sub(times.restart).Round(time.Millisecond))
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	if steps() == stepsInOutage {
		t.Error("no workflow step succeeded after the database came back")
	}

	checkOutcomes(t, lc.outcomes, times)
	checkNothingHalfApplied(t, db, ws)
}

// outageTimes are the moments of the outage.
type outageTimes struct {
	loadStart     time.Time
	stop, stopped time.Time // around proxy.Stop
	restart       time.Time // proxy.Start
	recovered     time.Time // a step succeeded and /readyz said ready
}

// phase names the part of the test a request fell in: before the outage, during it, after
// recovery, or across one of the changes, where either answer is right.
func (ts outageTimes) phase(o outcome) string {
	end := o.start.Add(o.took)
	switch {
	case o.start.Before(ts.loadStart):
		return "setup"
	case end.Before(ts.stop):
		return "before"
	case o.start.After(ts.stopped) && end.Before(ts.restart):
		return "outage"
	case o.start.After(ts.recovered):
		return "after"
	}
	return "transition"
}

// checkOutcomes: every request answered within the request timeout, successfully or with 503
// DATABASE_UNAVAILABLE; during the outage always the latter, reads and mutations alike; before
// it and after recovery always the former.
func checkOutcomes(t *testing.T, outcomes []outcome, times outageTimes) {
	t.Helper()
	type tally struct{ ok, unavailable, mutationsUnavailable int }
	tallies := map[string]*tally{}
	var slowest time.Duration
	for _, o := range outcomes {
		phase := times.phase(o)
		if tallies[phase] == nil {
			tallies[phase] = &tally{}
		}
		tl := tallies[phase]
		slowest = max(slowest, o.took)
		if o.took > outageRequestTimeout {
			t.Errorf("%s: a request took %v, longer than the request timeout %v", phase, o.took, outageRequestTimeout)
		}
		switch {
		case o.err != nil:
			t.Errorf("%s: request failed at the HTTP level: %v", phase, o.err)
		case o.status == http.StatusOK && len(o.codes) == 0:
			tl.ok++
		case o.status == http.StatusServiceUnavailable && allEqual(o.codes, "DATABASE_UNAVAILABLE"):
			tl.unavailable++
			if o.mutation {
				tl.mutationsUnavailable++
			}
			if phase == "setup" || phase == "before" || phase == "after" {
				t.Errorf("%s: DATABASE_UNAVAILABLE while the database was up", phase)
			}
		case phase == "transition" && o.status == http.StatusOK && allEqual(o.codes, "CONFLICT"):
			// A step whose commit was answered DATABASE_UNAVAILABLE may have been saved; the
			// client, unable to read the case, retried with its old version and is told so.
		default:
			t.Errorf("%s: answered %d %v, want 200 without errors or 503 DATABASE_UNAVAILABLE", phase, o.status, o.codes)
		}
	}
	phases := make([]string, 0, len(tallies))
	for p, tl := range tallies {
		phases = append(phases, fmt.Sprintf("%s: %d ok, %d unavailable (%d mutations)", p, tl.ok, tl.unavailable, tl.mutationsUnavailable))
	}
	sort.Strings(phases)
	t.Logf("%d requests, slowest %v; %v", len(outcomes), slowest.Round(time.Millisecond), phases)
	if tl := tallies["outage"]; tl == nil || tl.unavailable == 0 || tl.mutationsUnavailable == 0 {
		t.Errorf("the outage answered no DATABASE_UNAVAILABLE to reads or to mutations: %+v", tl)
	}
	if tl := tallies["outage"]; tl != nil && tl.ok > 0 {
		t.Errorf("%d requests succeeded with the database gone", tl.ok)
	}
}

func allEqual(codes []string, code string) bool {
	for _, c := range codes {
		if c != code {
			return false
		}
	}
	return len(codes) > 0
}

// checkNothingHalfApplied checks what each committed mutation writes in one transaction: the
// case row (status, version), an action row and an idempotency key row. Every case must have
// as many actions as its version, its status must be where its last action led, and each
// action must have its idempotency key, the case's report included.
func checkNothingHalfApplied(t *testing.T, db *dbtest.DB, ws []*caseWorker) {
	t.Helper()
	rows, err := db.SQL.QueryContext(t.Context(), `
		SELECT e.id, e.status, e.version,
		       (SELECT count(*) FROM event_actions a WHERE a.event_id = e.id),
		       (SELECT a.to_status FROM event_actions a WHERE a.event_id = e.id ORDER BY a.id DESC LIMIT 1),
		       (SELECT count(*) FROM idempotency_keys k WHERE k.result_id = e.id)
		FROM events e ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cases, totalActions := 0, 0
	for rows.Next() {
		var (
			id, version, actions, keys int
			status, lastTo             string
		)
		if err := rows.Scan(&id, &status, &version, &actions, &lastTo, &keys); err != nil {
			t.Fatal(err)
		}
		cases++
		totalActions += actions
		if actions != version || status != lastTo || keys != actions {
			t.Errorf("case %d half-applied: status %s, version %d; %d actions, the last to %s; %d idempotency keys",
				id, status, version, actions, lastTo, keys)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if cases != len(ws) {
		t.Errorf("%d cases in the database, want %d", cases, len(ws))
	}
	// Each step answered as done is in the database; one answered DATABASE_UNAVAILABLE while
	// committing may be there too.
	var acknowledged int64
	for _, w := range ws {
		acknowledged += w.steps.Load()
	}
	if steps := int64(totalActions - len(ws)); steps < acknowledged {
		t.Errorf("%d workflow steps in the database, fewer than the %d acknowledged", steps, acknowledged)
	}
}
