package server_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"regexp"
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
	message  string // of the first error
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
	o := c.send(token, query, vars, mutation, out)
	return o.err == nil && len(o.codes) == 0
}

// send is post returning the outcome.
func (c *loadClient) send(token, query string, vars map[string]any, mutation bool, out any) outcome {
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
	if len(r.Errors) > 0 {
		o.message = fmt.Sprintf("%s (at %v)", r.Errors[0].Message, r.Errors[0].Path)
	}
	if o.err == nil && len(r.Errors) == 0 && out != nil {
		o.err = json.Unmarshal(r.Data, out)
	}
	c.mu.Lock()
	c.outcomes = append(c.outcomes, o)
	c.mu.Unlock()
	return o
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

// proxiedConfig is how newProxiedServer sets up its server.
type proxiedConfig struct {
	requestTimeout time.Duration
	query          string         // added to the database URL's query, e.g. statement_timeout=200
	opts           []store.Option // of the server's pool
}

// proxiedServer is a server whose database connections pass through a faultproxy, with a
// client that records every request's outcome.
type proxiedServer struct {
	proxy *faultproxy.Proxy
	pool  *sql.DB
	lc    *loadClient
}

// newProxiedServer starts a server on db whose pool connects through a faultproxy; env gives
// the enforcer (and, on the direct connection, tokens).
func newProxiedServer(t *testing.T, db *dbtest.DB, env *servertest.Env, c proxiedConfig) *proxiedServer {
	t.Helper()
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
	if c.query != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += c.query
	}
	client, pool, err := store.Open(t.Context(), u.String(), c.opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	srv := httptest.NewServer(server.New(server.Config{
		Client: client, Enforcer: env.Enforcer, Auth: auth.NewService(client, env.Enforcer, time.Hour), DB: pool,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: c.requestTimeout,
	}))
	t.Cleanup(srv.Close)
	return &proxiedServer{proxy: proxy, pool: pool, lc: &loadClient{base: srv.URL, http: &http.Client{Timeout: 2 * max(c.requestTimeout, time.Second)}}}
}

// outageRig is a server whose database connections pass through a faultproxy, and clients
// that load it: one case per client, moved round its workflow.
type outageRig struct {
	db    *dbtest.DB
	proxy *faultproxy.Proxy
	pool  *sql.DB
	lc    *loadClient
	ws    []*caseWorker
	stop  chan struct{}
	wg    sync.WaitGroup
}

// newOutageRig sets up a server on a fresh PostgreSQL database behind a proxy, and reports
// a case for each of 8 clients through it.
func newOutageRig(t *testing.T) *outageRig {
	t.Helper()
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
	group := newTree(t, db.Client).g11
	handler := mkPerson(t, db.Client, "王建国", group)

	ps := newProxiedServer(t, db, env, proxiedConfig{requestTimeout: outageRequestTimeout})
	r := &outageRig{db: db, proxy: ps.proxy, pool: ps.pool, lc: ps.lc}

	for i := range 8 {
		token := env.TokenFor(t, 0, true)
		var rep struct{ ReportEvent struct{ ID string } }
		if o := r.lc.send(token, `mutation($g: ID!, $c: ID!, $t: String!, $k: String) {
			reportEvent(input: {gridID: $g, categoryID: $c, title: $t}, idempotencyKey: $k) { id } }`,
			map[string]any{"g": group.ID, "c": cat, "t": fmt.Sprintf("路灯不亮 %d", i), "k": fmt.Sprintf("report-%d", i)}, true, &rep); o.err != nil || len(o.codes) > 0 {
			t.Fatalf("report case %d: %+v", i, o)
		}
		r.ws = append(r.ws, &caseWorker{c: r.lc, token: token, caseID: rep.ReportEvent.ID, handler: strconv.Itoa(handler.ID)})
	}
	return r
}

// startLoad sets every client going round its case's workflow until stopLoad.
func (r *outageRig) startLoad() {
	r.stop = make(chan struct{})
	for _, w := range r.ws {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for {
				select {
				case <-r.stop:
					return
				default:
					w.round()
				}
			}
		}()
	}
}

func (r *outageRig) stopLoad() {
	close(r.stop)
	r.wg.Wait()
}

// steps counts the workflow steps answered as done.
func (r *outageRig) steps() (n int64) {
	for _, w := range r.ws {
		n += w.steps.Load()
	}
	return n
}

// TestDatabaseOutage takes the database away under load and brings it back: requests during
// the outage fail fast with DATABASE_UNAVAILABLE and 503, /readyz says not ready, the same
// server serves again once the database is back, and no mutation is left half-applied. Then
// a blip that the idle server does not see: its pooled connections are all broken, and the
// next requests still succeed.
//
// PostgreSQL itself is shared by every test package, so the outage is a faultproxy between
// the server's pool and the database: stopping it refuses new connections and breaks the open
// ones, which is what a stopped PostgreSQL looks like to the server.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	r := newOutageRig(t)
	lc, ws, proxy, pool, db, steps := r.lc, r.ws, r.proxy, r.pool, r.db, r.steps
	r.startLoad()

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
	login := lc.send("", `mutation { login(username: "nobody", password: "not-a-password") { token } }`, nil, true, nil)
	if login.status != http.StatusServiceUnavailable || !allEqual(login.codes, "DATABASE_UNAVAILABLE") {
		t.Errorf("login during the outage answered %d %v %q, want 503 DATABASE_UNAVAILABLE", login.status, login.codes, login.message)
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
	r.stopLoad()
	if steps() == stepsInOutage {
		t.Error("no workflow step succeeded after the database came back")
	}

	checkOutcomes(t, lc.outcomes, times)
	resp, err := lc.http.Get(lc.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^gridgov_graphql_errors_total\{code="DATABASE_UNAVAILABLE"\} [1-9]`).Match(metrics) {
		t.Error("/metrics counts no DATABASE_UNAVAILABLE errors")
	}

	// A blip while the server is idle: every pooled connection breaks unnoticed, and the
	// next requests meet them first. database/sql retries a statement on another connection
	// when its connection turns out to have been closed before the statement was sent, so
	// these requests are expected to succeed; each broken connection may cost at most one
	// request, answered DATABASE_UNAVAILABLE, when the close is seen only after sending.
	idle := pool.Stats().Idle
	if idle == 0 {
		t.Fatal("no idle connection in the pool after the load")
	}
	proxy.Stop()
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	lc.outcomes = nil
	var bwg sync.WaitGroup
	for _, w := range ws {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			for range 3 {
				w.round()
			}
		}()
	}
	bwg.Wait()
	failed := 0
	for _, o := range lc.outcomes {
		switch {
		case o.err == nil && o.status == http.StatusOK && len(o.codes) == 0:
		case o.err == nil && o.status == http.StatusServiceUnavailable && allEqual(o.codes, "DATABASE_UNAVAILABLE"):
			failed++
		default:
			t.Errorf("after a blip: answered %d %v (%v), want 200 without errors", o.status, o.codes, o.err)
		}
	}
	if failed > idle {
		t.Errorf("after a blip: %d requests failed, more than the %d broken connections", failed, idle)
	}
	t.Logf("after a blip with %d idle connections: %d of %d requests failed", idle, failed, len(lc.outcomes))
	for _, w := range ws {
		if o := w.c.send(w.token, readCase, map[string]any{"id": w.caseID}, false, nil); o.err != nil || len(o.codes) > 0 {
			t.Errorf("read case %s after the blip: %+v", w.caseID, o)
		}
	}
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
			t.Errorf("%s: answered %d %v %q, want 200 without errors or 503 DATABASE_UNAVAILABLE", phase, o.status, o.codes, o.message)
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

// TestDatabaseBlips cuts the database off 30 times under load, for 0 to 60 ms each: the
// connections break in every state (idle, in a query, in a transaction, committing). Every
// answer is a success, DATABASE_UNAVAILABLE, or CONFLICT for a client that could not read its
// case and stepped with an old version; never another error, and no mutation half-applied.
func TestDatabaseBlips(t *testing.T) {
	t.Parallel()
	r := newOutageRig(t)
	r.startLoad()
	for round := range 30 {
		time.Sleep(100 * time.Millisecond)
		r.proxy.Stop()
		time.Sleep(time.Duration(round%4) * 20 * time.Millisecond)
		if err := r.proxy.Start(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	r.stopLoad()
	counts := map[string]int{}
	for _, o := range r.lc.outcomes {
		switch {
		case o.err != nil:
			t.Errorf("request failed at the HTTP level: %v", o.err)
		case o.status == http.StatusOK && len(o.codes) == 0:
			counts["ok"]++
		case o.status == http.StatusServiceUnavailable && allEqual(o.codes, "DATABASE_UNAVAILABLE"):
			counts["unavailable"]++
		case o.mutation && o.status == http.StatusOK && allEqual(o.codes, "CONFLICT"):
			counts["conflict"]++
		default:
			t.Errorf("answered %d %v %q, want success, 503 DATABASE_UNAVAILABLE or CONFLICT", o.status, o.codes, o.message)
		}
		if o.took > outageRequestTimeout {
			t.Errorf("a request took %v, longer than the request timeout %v", o.took, outageRequestTimeout)
		}
	}
	t.Logf("%d requests: %v", len(r.lc.outcomes), counts)
	if counts["unavailable"] == 0 || counts["ok"] == 0 {
		t.Errorf("want both successes and DATABASE_UNAVAILABLE answers, got %v", counts)
	}
	for _, w := range r.ws {
		if o := w.c.send(w.token, readCase, map[string]any{"id": w.caseID}, false, nil); o.err != nil || len(o.codes) > 0 {
			t.Errorf("read case %s after the blips: %+v", w.caseID, o)
		}
	}
	checkNothingHalfApplied(t, r.db, r.ws)
}
