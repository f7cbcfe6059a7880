package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/internal/dbtest"
	"gridgov/internal/replica"
	"gridgov/internal/server"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
	"gridgov/internal/workflow"
)

// TestReadReplica runs the API with reads on a streaming hot standby the test makes
// (pg_basebackup -R, started on a port of its own): a case reported through the API is in
// the same session's next read, also while the standby's replay is paused (the read waits,
// then goes to the primary) and another session's read shows the standby's stale copy; a
// standby lagging beyond the bound is skipped; a stopped one too, without failing a read.
func TestReadReplica(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := dbtest.New(t, dialect.Postgres)
	sys := servertest.System()
	if err := workflow.SeedCategories(sys, db.Client); err != nil {
		t.Fatal(err)
	}
	cat, err := db.Client.EventCategory.Query().FirstID(sys)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTree(t, db.Client)

	standby := dbtest.NewStandby(t)
	rclient, rpool, err := store.Open(ctx, standby.URL(db), store.WithMaxOpenConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rclient.Close() })
	const maxLag = 4 * time.Second
	router := replica.New(db.Client, db.SQL, rclient, rpool, replica.Options{MaxLag: maxLag, Wait: 300 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	stopPolling := router.Start(ctx)
	env := servertest.New(t, db)
	env.Handler = server.New(server.Config{Client: db.Client, Enforcer: env.Enforcer, Auth: env.Auth, DB: db.SQL, Reads: router})
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not %s within 30 s: %+v", what, router.Status())
			}
		}
	}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, string(body)
	}
	until("usable", func() bool { return router.Status().Usable })

	writer, other := env.TokenFor(t, 0, true), env.TokenFor(t, 0, true)
	n := 0
	report := func() string {
		t.Helper()
		n++
		var out struct{ ReportEvent struct{ ID string } }
		env.MustDo(t, writer, `mutation($g: ID!, $c: ID!, $t: String!) { reportEvent(input: {gridID: $g, categoryID: $c, title: $t}) { id } }`,
			map[string]any{"g": tr.g11.ID, "c": cat, "t": fmt.Sprintf("路灯不亮 %d", n)}, &out)
		return out.ReportEvent.ID
	}
	// sees reports whether token's read of case id finds it.
	sees := func(token, id string) bool {
		t.Helper()
		var out struct{ Node *struct{ ID string } }
		env.MustDo(t, token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &out)
		return out.Node != nil && out.Node.ID == id
	}
	metric := func(line string) bool {
		_, body := get("/metrics")
		return strings.Contains(body, line+"\n")
	}
	// counter returns the value of a metric, 0 when it has none yet.
	counter := func(name string) float64 {
		_, body := get("/metrics")
		for _, l := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(l, name+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		return 0
	}
	const waitedOut = `gridgov_reads_total{reason="wait_timeout",target="primary"}`

	// The writer's next read sees each report at once (from the standby once it has
	// replayed it, or from the primary after waiting for it in vain); a session that has
	// written nothing reads the standby straight away.
	for range 5 {
		if id := report(); !sees(writer, id) {
			t.Fatalf("case %s reported through the API is not in the same session's next read", id)
		}
	}
	sees(other, "1")
	if !metric(`gridgov_replica_usable 1`) || counter(`gridgov_reads_total{reason="fresh",target="replica"}`)+counter(`gridgov_reads_total{reason="caught_up",target="replica"}`) == 0 {
		_, body := get("/metrics")
		t.Errorf("the metrics do not show reads on the replica:\n%s", grep(body, "gridgov_re"))
	}
	onReplica := func() float64 {
		return counter(`gridgov_reads_total{reason="fresh",target="replica"}`) + counter(`gridgov_reads_total{reason="caught_up",target="replica"}`)
	}
	before := onReplica()
	if code, body := get("/cards/" + tr.g11.Code); code != http.StatusOK {
		t.Errorf("a public page with the replica in use: %d %.200s", code, body)
	}
	if after := onReplica(); after != before+1 {
		t.Errorf("a public page made %v reads on the replica, want 1", after-before)
	}

	// Replay paused: the writer's read waits, then goes to the primary; another session
	// reads the standby, which does not have the case yet.
	if _, err := rpool.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	until("paused", func() bool {
		var state string
		return rpool.QueryRowContext(ctx, "SELECT pg_get_wal_replay_pause_state()").Scan(&state) == nil && state == "paused"
	})
	timeouts := counter(waitedOut)
	paused := report()
	if !sees(writer, paused) {
		t.Errorf("with the standby's replay paused, the writer's next read misses its case %s", paused)
	}
	if counter(waitedOut) != timeouts+1 {
		_, body := get("/metrics")
		t.Errorf("no read went to the primary after waiting for the standby (%+v):\n%s", router.Status(), grep(body, "gridgov_re"))
	}
	if router.Status().Usable && sees(other, paused) {
		t.Errorf("another session's read found case %s on a standby whose replay is paused: is it reading the primary?", paused)
	}
	// Still paused, and the primary writing: beyond the lag bound the standby is skipped.
	until("skipped for its lag", func() bool {
		report()
		time.Sleep(100 * time.Millisecond)
		return !router.Status().Usable
	})
	if _, body := get("/readyz"); !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, "read replica skipped") || !strings.Contains(body, "lagging") {
		t.Errorf("/readyz with the standby lagging = %q", body)
	}
	if !sees(other, paused) {
		t.Errorf("with the standby skipped, another session does not see case %s", paused)
	}
	if _, err := rpool.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	until("usable after catching up", func() bool { return router.Status().Usable })
	until("replayed the paused case", func() bool { return router.Read(ctx, "") == rclient && sees(other, paused) })

	// Stopped, before the router measures it again (its polling stopped): a read sent to
	// the standby fails there and runs again on the primary, and the standby is skipped.
	// On a busy machine the last poll may have found the standby lagging: poll again until
	// it is usable when polling stops.
	for attempt := 0; ; attempt++ {
		stopPolling()
		if router.Status().Usable {
			break
		}
		if attempt == 20 {
			t.Fatalf("the standby never usable when polling stopped: %+v", router.Status())
		}
		stopPolling = router.Start(ctx)
		until("usable again", func() bool { return router.Status().Usable })
	}
	if err := standby.Stop(); err != nil {
		t.Fatal(err)
	}
	last := report()
	if !router.Status().Usable {
		t.Fatalf("the router noticed the stop without measuring: %+v", router.Status())
	}
	if !sees(other, paused) || !sees(other, last) || !sees(writer, last) {
		t.Errorf("reads fail or miss cases with the standby stopped")
	}
	if n := counter(`gridgov_reads_total{reason="replica_failed",target="primary"}`); n != 1 {
		t.Errorf("%v reads ran again on the primary after failing on the stopped standby, want 1", n)
	}
	t.Cleanup(router.Start(ctx))
	until("skipped when down", func() bool { return !router.Status().Usable })
	if _, body := get("/readyz"); !strings.HasPrefix(body, "ready\n") || !strings.Contains(body, "read replica skipped") || !strings.Contains(body, "down") {
		t.Errorf("/readyz with the standby stopped = %q", body)
	}
	if !metric(`gridgov_replica_usable 0`) {
		t.Errorf("gridgov_replica_usable is not 0 with the standby stopped")
	}
	for range 3 {
		if !sees(other, last) {
			t.Errorf("a read with the standby stopped misses case %s", last)
		}
	}
}

// grep returns the lines of s containing sub.
func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
