package realtime_test

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/authz"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	_ "gridgov/ent/runtime" // the hooks that announce steps
	"gridgov/ent/schema/timeunit"
	"gridgov/internal/dbtest"
	"gridgov/internal/realtime"
	"gridgov/internal/workflow"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup returns an administrator's context and a function that reports a case on a grid of
// db's fresh tree.
func setup(t *testing.T, db *dbtest.DB) (context.Context, func(title string)) {
	t.Helper()
	sys := authz.SystemContext(context.Background(), "test setup")
	g, err := db.Client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := workflow.SeedCategories(sys, db.Client); err != nil {
		t.Fatal(err)
	}
	cat, err := db.Client.EventCategory.Query().FirstID(sys)
	if err != nil {
		t.Fatal(err)
	}
	enf, err := authz.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	v, err := enf.NewViewer(authz.ViewerInfo{UserID: 1}, []authz.Grant{{Role: authz.RoleAdmin, Root: "/"}}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := authz.NewContext(context.Background(), v)
	return ctx, func(title string) {
		t.Helper()
		if _, err := workflow.New().Report(ctx, db.Client, workflow.Report{GridID: g.ID, CategoryID: cat, Source: event.SourcePATROL, Title: title}); err != nil {
			t.Fatal(err)
		}
	}
}

// slowSocket is a socket whose consumer never reads; Drop records the close.
type slowSocket struct {
	v    *authz.Viewer
	mu   sync.Mutex
	code int
	why  string
}

func (s *slowSocket) Viewer() *authz.Viewer { return s.v }
func (s *slowSocket) Drop(code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.code, s.why = code, reason
}

// TestSlowConsumerDropped: a subscriber that does not read is dropped with a clear close
// reason once Limits.Buffer changes wait for it, rather than buffered without bound.
func TestSlowConsumerDropped(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.SQLite)
	ctx, report := setup(t, db)
	hub, stop := realtime.NewHub(db.Client, realtime.Local{}, realtime.Limits{Buffer: 3}, slog.Default())
	defer stop()
	sock := &slowSocket{v: authz.FromContext(ctx)}
	ctx, cancel := context.WithCancel(realtime.WithSocket(ctx, sock))
	defer cancel()
	if _, err := hub.EventChanges(ctx, realtime.EventFilter{}); err != nil { // never read
		t.Fatal(err)
	}
	for i := range 8 {
		report("事件" + string(rune('A'+i)))
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		sock.mu.Lock()
		code, why := sock.code, sock.why
		sock.mu.Unlock()
		if code != 0 {
			if code != realtime.CloseSlowConsumer || why != "slow consumer: more than 3 changes waited to be read" {
				t.Fatalf("dropped with %d %q", code, why)
			}
			if got := hub.Stats().Drops; got != 1 {
				t.Errorf("drops: %d, want 1", got)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the slow consumer was not dropped")
}

// TestListenerReconnectRefetch: on PostgreSQL, a step committed by another process (here: a
// NOTIFY sent by hand, as another process's commit sends it) reaches the subscribers, and when
// the listening connection is lost and back they are told to refetch.
func TestListenerReconnectRefetch(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	ctx, report := setup(t, db)
	broker, stopListen, err := realtime.ListenPostgres(context.Background(), db.URL, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer stopListen()
	hub, stop := realtime.NewHub(db.Client, broker, realtime.Limits{}, slog.Default())
	defer stop()
	ch, err := hub.EventChanges(ctx, realtime.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	next := func(what string) *realtime.EventChange {
		t.Helper()
		select {
		case c := <-ch:
			return c
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing delivered", what)
		}
		return nil
	}
	report("本进程上报")
	if c := next("own commit"); c.Kind != realtime.Reported || c.Event == nil || c.Event.Title != "本进程上报" {
		t.Fatalf("own commit: %+v", c)
	}
	// Another process's commit: its payload, with a nonce that is not this process's.
	sys := authz.SystemContext(context.Background(), "test")
	ev, err := db.Client.Event.Query().Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	act, err := ev.QueryActions().Only(sys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Client.ExecContext(sys, "SELECT pg_notify($1, $2)", realtime.Channel, "a:"+strconv.Itoa(act.ID)+" #other-process"); err != nil {
		t.Fatal(err)
	}
	if c := next("another process's commit"); c.Kind != realtime.Reported || c.Event == nil || c.Event.ID != ev.ID {
		t.Fatalf("another process's commit: %+v", c)
	}
	// The listener's connection is cut: once it is back, subscribers are told to refetch.
	if _, err := db.Client.ExecContext(sys, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`); err != nil {
		t.Fatal(err)
	}
	if c := next("reconnect"); !c.NeedsRefetch || c.Event != nil {
		t.Fatalf("after the listener reconnected: %+v, want a refetch notice", c)
	}
}

// TestLightsTurn: a subscriber is told when an open case's light turns YELLOW (80 % of its
// limit used) and RED (its deadline passed), with no step taken, by the clock alone.
func TestLightsTurn(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.SQLite)
	ctx, report := setup(t, db)
	report("路灯损坏")
	sys := authz.SystemContext(context.Background(), "test")
	base := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	// Registered at base with 10 natural hours: YELLOW from base+8h, RED after base+10h.
	if err := db.Client.Event.Update().SetStatus(event.StatusREGISTERED).SetRegisteredAt(base).SetDeadline(base.Add(10 * time.Hour)).
		SetLimitUnit(timeunit.NaturalHours).SetTimeLimit(10).Exec(sys); err != nil {
		t.Fatal(err)
	}
	var now atomic.Pointer[time.Time]
	set := func(d time.Duration) { at := base.Add(d); now.Store(&at) }
	set(7*time.Hour + 59*time.Minute)
	hub, stop := realtime.NewHub(db.Client, realtime.Local{}, realtime.Limits{Now: func() time.Time { return *now.Load() }}, slog.Default())
	defer stop()
	ch, err := hub.EventChanges(ctx, realtime.EventFilter{Kinds: []realtime.EventChangeKind{realtime.TurnedYellow, realtime.TurnedRed}})
	if err != nil {
		t.Fatal(err)
	}
	want := func(kind realtime.EventChangeKind) {
		t.Helper()
		select {
		case c := <-ch:
			if c.Kind != kind || c.Event == nil || c.Event.Title != "路灯损坏" || c.ActionID != 0 {
				t.Fatalf("got %+v, want %s", c, kind)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s within 5 s", kind)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the schedule is loaded, and nothing is due yet
	select {
	case c := <-ch:
		t.Fatalf("a GREEN case announced %+v", c)
	default:
	}
	set(8*time.Hour + time.Second)
	want(realtime.TurnedYellow)
	set(10*time.Hour + time.Second)
	want(realtime.TurnedRed)
}
