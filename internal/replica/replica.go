// Package replica sends reads to a PostgreSQL hot standby when it is fresh enough, with
// read-your-writes per session: after a session's mutation commits on the primary, its next
// reads wait until the standby has replayed the primary's WAL position of that moment, for
// a bounded time, then go to the primary. A standby that is down, not in recovery or behind
// by more than a bound is skipped until it catches up; /readyz and the metrics say so.
//
// The session's last write position is kept on the primary (an UNLOGGED table), not in the
// process, so that the guarantee holds when the session's next request reaches another API
// process: it costs a primary key lookup on the primary per signed-in read.
package replica

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"gridgov/ent"
)

// Defaults of Options.
const (
	DefaultMaxLag       = 10 * time.Second
	DefaultWait         = 500 * time.Millisecond
	DefaultPollInterval = 250 * time.Millisecond
)

// Options tune a Router.
type Options struct {
	// MaxLag is how far behind the primary the standby may be and still be read from
	// (default DefaultMaxLag).
	MaxLag time.Duration
	// Wait is how long a read waits for the standby to replay the session's last write
	// before it goes to the primary (default DefaultWait).
	Wait time.Duration
	// PollInterval is how often the standby's lag is measured (default DefaultPollInterval).
	PollInterval time.Duration
	// Logger receives the standby's changes of state (default slog.Default()).
	Logger *slog.Logger
}

// Router chooses the client of each read: the standby's or the primary's.
type Router struct {
	primary   *ent.Client
	primaryDB *sql.DB
	replica   *ent.Client
	replicaDB *sql.DB
	opts      Options

	state   atomic.Pointer[Status]
	replay  atomic.Uint64 // the highest replay position seen on the standby
	samples []sample      // the primary's positions over time, oldest first (poller only)

	tableMu    sync.Mutex
	tableReady bool

	reads *prometheus.CounterVec
	up    prometheus.Gauge
	lag   prometheus.Gauge
}

// sample is the primary's WAL position at a time: the standby's lag is how long ago the
// primary was where the standby is now.
type sample struct {
	at  time.Time
	lsn uint64
}

// Status is the standby's state as last measured.
type Status struct {
	// Usable: reads may go to the standby.
	Usable bool
	// Reason says why not, when not usable.
	Reason string
	// Lag is how far the standby's replay is behind the primary, at the measurement's
	// granularity (PollInterval).
	Lag time.Duration
	// Checked is when it was measured.
	Checked time.Time
}

// New returns a Router between the primary and the standby; call Start to measure the
// standby, which is not used until measured.
func New(primary *ent.Client, primaryDB *sql.DB, replica *ent.Client, replicaDB *sql.DB, opts Options) *Router {
	if opts.MaxLag <= 0 {
		opts.MaxLag = DefaultMaxLag
	}
	if opts.Wait <= 0 {
		opts.Wait = DefaultWait
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Router{primary: primary, primaryDB: primaryDB, replica: replica, replicaDB: replicaDB, opts: opts,
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridgov_reads_total",
			Help: "Read operations by where they ran (replica or primary) and why (replica: fresh, caught_up after waiting; primary: replica_skipped, wait_timeout, no_session_position, replica_failed: run again on the primary after failing on a replica that went down).",
		}, []string{"target", "reason"}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gridgov_replica_usable",
			Help: "1 when reads go to the read replica, 0 when it is skipped (down, not a standby, or lagging beyond --read-max-lag).",
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gridgov_replica_lag_seconds",
			Help: "How far the read replica's replay is behind the primary, as last measured.",
		}),
	}
	r.state.Store(&Status{Reason: "not measured yet"})
	return r
}

// Collectors are the Router's metrics, for the server's registry.
func (r *Router) Collectors() []prometheus.Collector {
	return []prometheus.Collector{r.reads, r.up, r.lag}
}

// Down reports whether the standby fails to answer a ping now, and if so marks it skipped
// until the next measurement finds it usable: a read that failed on it can go to the primary.
func (r *Router) Down(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := r.replicaDB.PingContext(ctx)
	if err == nil {
		return false
	}
	st := r.Status()
	if st.Usable {
		r.opts.Logger.Warn("read replica skipped: reads go to the primary", "reason", "down: "+err.Error())
	}
	st.Usable, st.Reason = false, "down: "+err.Error()
	r.state.Store(&st)
	r.up.Set(0)
	r.reads.WithLabelValues("primary", "replica_failed").Inc()
	return true
}

// Replica returns the standby's client.
func (r *Router) Replica() *ent.Client { return r.replica }

// Status returns the standby's state as last measured.
func (r *Router) Status() Status { return *r.state.Load() }

// Start measures the standby at once and then every PollInterval until stop is called.
func (r *Router) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	r.poll(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(r.opts.PollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				r.poll(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// poll measures the standby: reachable, in recovery, and how far behind.
func (r *Router) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(r.opts.PollInterval, time.Second))
	defer cancel()
	now := time.Now()
	st := &Status{Checked: now}
	defer func() {
		prev := r.state.Swap(st)
		if prev.Checked.IsZero() || prev.Usable != st.Usable {
			if st.Usable {
				r.opts.Logger.Info("read replica in use", "lag", st.Lag.String())
			} else {
				r.opts.Logger.Warn("read replica skipped: reads go to the primary", "reason", st.Reason)
			}
		}
		r.lag.Set(st.Lag.Seconds())
		if st.Usable {
			r.up.Set(1)
		} else {
			r.up.Set(0)
		}
	}()
	var primaryText string
	if err := r.primaryDB.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&primaryText); err != nil {
		st.Reason = "primary position unknown: " + err.Error()
		return
	}
	primaryLSN, err := ParseLSN(primaryText)
	if err != nil {
		st.Reason = err.Error()
		return
	}
	r.samples = append(r.samples, sample{at: now, lsn: primaryLSN})
	var (
		recovering bool
		replayText sql.NullString
	)
	if err := r.replicaDB.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&recovering, &replayText); err != nil {
		st.Reason = "down: " + err.Error()
		r.trim(now)
		return
	}
	if !recovering || !replayText.Valid {
		st.Reason = "not a standby (pg_is_in_recovery() is false): it may have been promoted, and its data may have diverged"
		r.trim(now)
		return
	}
	replay, err := ParseLSN(replayText.String)
	if err != nil {
		st.Reason = err.Error()
		return
	}
	r.sawReplay(replay)
	// The lag: how long ago the primary was at the standby's position. Measured against
	// the samples, not pg_last_xact_replay_timestamp(), which grows while the primary is idle.
	st.Lag = 0
	for i := len(r.samples) - 1; i >= 0; i-- {
		if r.samples[i].lsn <= replay {
			if i < len(r.samples)-1 {
				st.Lag = now.Sub(r.samples[i+1].at)
			}
			break
		}
		if i == 0 {
			st.Lag = now.Sub(r.samples[0].at)
		}
	}
	r.trim(now)
	if st.Lag > r.opts.MaxLag {
		st.Reason = fmt.Sprintf("lagging %s behind the primary, beyond %s", st.Lag.Round(time.Millisecond), r.opts.MaxLag)
		return
	}
	st.Usable = true
}

// trim drops samples older than twice the lag bound, keeping the newest one older still.
func (r *Router) trim(now time.Time) {
	i := 0
	for i < len(r.samples)-1 && now.Sub(r.samples[i+1].at) > 2*r.opts.MaxLag {
		i++
	}
	r.samples = r.samples[i:]
}

// sawReplay records a replay position seen on the standby.
func (r *Router) sawReplay(lsn uint64) {
	for {
		cur := r.replay.Load()
		if lsn <= cur || r.replay.CompareAndSwap(cur, lsn) {
			return
		}
	}
}

// Read returns the client a read of session (auth.SessionKey; "" for anonymous) should use:
// the standby's when it is usable and has replayed the session's last write, after waiting
// up to Options.Wait for it, else the primary's.
func (r *Router) Read(ctx context.Context, session string) *ent.Client {
	st := r.state.Load()
	if !st.Usable {
		r.reads.WithLabelValues("primary", "replica_skipped").Inc()
		return r.primary
	}
	if session == "" {
		r.reads.WithLabelValues("replica", "fresh").Inc()
		return r.replica
	}
	want, err := r.sessionPosition(ctx, session)
	if err != nil {
		// Without the session's position its writes may not be on the standby.
		r.opts.Logger.WarnContext(ctx, "read replica: session's last write unknown: reading from the primary", "error", err)
		r.reads.WithLabelValues("primary", "no_session_position").Inc()
		return r.primary
	}
	if want <= r.replay.Load() {
		r.reads.WithLabelValues("replica", "fresh").Inc()
		return r.replica
	}
	if r.waitFor(ctx, want) {
		r.reads.WithLabelValues("replica", "caught_up").Inc()
		return r.replica
	}
	r.reads.WithLabelValues("primary", "wait_timeout").Inc()
	return r.primary
}

// waitFor waits up to Options.Wait for the standby to replay position want.
func (r *Router) waitFor(ctx context.Context, want uint64) bool {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Wait)
	defer cancel()
	pause := 2 * time.Millisecond
	for {
		var text sql.NullString
		if err := r.replicaDB.QueryRowContext(ctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&text); err != nil || !text.Valid {
			return false
		}
		if lsn, err := ParseLSN(text.String); err == nil {
			r.sawReplay(lsn)
			if lsn >= want {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(pause):
		}
		pause = min(2*pause, 25*time.Millisecond)
	}
}

// SessionTable keeps each session's WAL position after its last mutation, on the primary.
// UNLOGGED: a crash that empties it loses only positions the standby has long replayed.
const SessionTable = "gridgov_session_positions"

const createSessionTable = `CREATE UNLOGGED TABLE IF NOT EXISTS ` + SessionTable + ` (
	key bytea PRIMARY KEY,
	lsn pg_lsn NOT NULL,
	written_at timestamptz NOT NULL
)`

// sessionTableLock serialises the table's creation by processes starting at once.
const sessionTableLock = 0x67726964_72656164 // "gridread"

// ensureTable makes the session table once per process; a failure is retried next time.
func (r *Router) ensureTable(ctx context.Context) error {
	r.tableMu.Lock()
	defer r.tableMu.Unlock()
	if r.tableReady {
		return nil
	}
	tx, err := r.primaryDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(sessionTableLock)); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if _, err := tx.ExecContext(ctx, createSessionTable); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	r.tableReady = true
	return nil
}

// Wrote records that session's mutation has committed: its next reads must see the
// primary's WAL position as of now. Call it after the commit.
func (r *Router) Wrote(ctx context.Context, session string) error {
	if session == "" {
		return nil
	}
	if err := r.ensureTable(ctx); err != nil {
		return fmt.Errorf("read replica: create %s: %w", SessionTable, err)
	}
	// pg_current_wal_lsn() after the commit is at or past the commit's record.
	if _, err := r.primaryDB.ExecContext(ctx, `INSERT INTO `+SessionTable+` (key, lsn, written_at) VALUES ($1, pg_current_wal_lsn(), now())
		ON CONFLICT (key) DO UPDATE SET lsn = EXCLUDED.lsn, written_at = EXCLUDED.written_at`, rowKey(session)); err != nil {
		return fmt.Errorf("read replica: record the session's write: %w", err)
	}
	if rand.IntN(512) == 0 {
		// Positions an hour old are long replayed or the standby is skipped anyway.
		_, _ = r.primaryDB.ExecContext(ctx, "DELETE FROM "+SessionTable+" WHERE written_at < now() - interval '1 hour'")
	}
	return nil
}

// sessionPosition returns the WAL position of session's last write, 0 if none is recorded.
func (r *Router) sessionPosition(ctx context.Context, session string) (uint64, error) {
	if err := r.ensureTable(ctx); err != nil {
		return 0, err
	}
	var text string
	err := r.primaryDB.QueryRowContext(ctx, "SELECT lsn::text FROM "+SessionTable+" WHERE key = $1", rowKey(session)).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return ParseLSN(text)
}

// rowKey is the table's key for a reader: its SHA-256, so that no client address is kept.
func rowKey(reader string) []byte {
	h := sha256.Sum256([]byte(reader))
	return h[:]
}

// ParseLSN reads a PostgreSQL WAL position, such as 0/16B3748, as a number.
func ParseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("WAL position %q: want X/Y", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("WAL position %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("WAL position %q: %w", s, err)
	}
	return h<<32 | l, nil
}
