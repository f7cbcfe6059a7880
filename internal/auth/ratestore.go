package auth

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent"
)

// RateStore keeps the state of the rate limits (Limiter, Backoff), a few integers per key.
// MemoryRates keeps it in this process; PostgresRates in the database, where every API
// process on it counts against the same limits (N processes must not mean N× the limit).
type RateStore interface {
	// Update passes key's state (nil when it has none or it has expired at now) to fn and
	// keeps what fn returns until keep after now, or forgets the key when fn returns nil.
	// Updates of one key are serialised, across processes for a shared store.
	Update(ctx context.Context, key string, now time.Time, fn func(state []int64) (next []int64, keep time.Duration)) error
	// Forget drops key's state.
	Forget(ctx context.Context, key string) error
}

// RatesFor returns the store the limits of an API on client count in: PostgresRates on
// PostgreSQL, shared by every process on the database, and MemoryRates on SQLite, whose file
// one process owns.
func RatesFor(client *ent.Client) RateStore {
	if client != nil && client.Dialect() == dialect.Postgres {
		return PostgresRates(client)
	}
	return MemoryRates()
}

// memoryRates is a RateStore in process memory.
type memoryRates struct {
	mu    sync.Mutex
	state map[string]memoryState
}

type memoryState struct {
	v       []int64
	expires time.Time
}

// maxMemoryKeys bounds a memory store under a flood of distinct keys (an attacker trying
// usernames): beyond it, expired keys are swept.
const maxMemoryKeys = 100_000

// MemoryRates returns a RateStore in this process's memory.
func MemoryRates() RateStore { return &memoryRates{state: make(map[string]memoryState)} }

func (m *memoryRates) Update(_ context.Context, key string, now time.Time, fn func([]int64) ([]int64, time.Duration)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.state[key]
	if ok && !now.Before(cur.expires) {
		cur, ok = memoryState{}, false
	}
	next, keep := fn(slices.Clone(cur.v))
	if next == nil {
		delete(m.state, key)
		return nil
	}
	m.state[key] = memoryState{v: next, expires: now.Add(keep)}
	if !ok && len(m.state) > maxMemoryKeys {
		for k, s := range m.state {
			if !now.Before(s.expires) {
				delete(m.state, k)
			}
		}
	}
	return nil
}

func (m *memoryRates) Forget(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.state, key)
	return nil
}

// RateTable is the PostgreSQL table of PostgresRates. It is UNLOGGED: counters are not
// worth a WAL record each, and a crash that empties them only forgives some failed sign-ins.
// Being unlogged it is not replicated either, which is right: a standby never counts.
const RateTable = "gridgov_rate_limits"

// createRateTable makes the table on first use; it holds nothing to migrate, so it is not in
// the versioned schema (ent knows nothing of it).
const createRateTable = `CREATE UNLOGGED TABLE IF NOT EXISTS ` + RateTable + ` (
	key bytea PRIMARY KEY,
	state bigint[] NOT NULL,
	expires_at timestamptz NOT NULL
)`

// rateTableLock serialises the creation of the table by processes starting at once: two
// concurrent CREATE TABLE IF NOT EXISTS can still collide on the type's name. It is a
// transaction-level advisory lock, which a pooler in transaction mode keeps on one server
// connection.
const rateTableLock = 0x67726964_72617465 // "gridrate"

// pruneOdds is one in how many updates also deletes the expired rows of every key.
const pruneOdds = 512

// postgresRates is a RateStore in a PostgreSQL table, shared by every process on the database.
type postgresRates struct {
	client *ent.Client

	mu    sync.Mutex
	ready bool
}

// PostgresRates returns a RateStore in the table RateTable of the database below client,
// made on first use. Each update is one transaction of four statements on the client's pool
// (never the caller's transaction: a count must outlive a rolled-back mutation).
func PostgresRates(client *ent.Client) RateStore { return &postgresRates{client: client} }

// ensure creates the table once per process; a failure is retried on the next call.
func (p *postgresRates) ensure(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ready {
		return nil
	}
	tx, err := p.client.Tx(ctx)
	if err != nil {
		return err
	}
	c := tx.Client()
	if _, err := c.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(rateTableLock)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if _, err := c.ExecContext(ctx, createRateTable); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	p.ready = true
	return nil
}

func (p *postgresRates) Update(ctx context.Context, key string, now time.Time, fn func([]int64) ([]int64, time.Duration)) error {
	if err := p.ensure(ctx); err != nil {
		return fmt.Errorf("rate limits: create %s: %w", RateTable, err)
	}
	if err := p.update(ctx, key, now, fn); err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	if rand.IntN(pruneOdds) == 0 {
		// Keys nobody tries again would stay forever otherwise.
		_, _ = p.client.ExecContext(ctx, "DELETE FROM "+RateTable+" WHERE expires_at <= $1", now)
	}
	return nil
}

func (p *postgresRates) update(ctx context.Context, name string, now time.Time, fn func([]int64) ([]int64, time.Duration)) (err error) {
	key := rowKey(name)
	tx, err := p.client.Tx(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	c := tx.Client()
	// The upsert locks the key's row, existing or new, until the end of the transaction:
	// updates of one key from every process take turns.
	rows, err := c.QueryContext(ctx, `INSERT INTO `+RateTable+` AS r (key, state, expires_at) VALUES ($1, '{}', $2)
		ON CONFLICT (key) DO UPDATE SET key = r.key RETURNING state::text, expires_at`, key, now)
	if err != nil {
		return err
	}
	var (
		text    string
		expires time.Time
	)
	if rows.Next() {
		err = rows.Scan(&text, &expires)
	}
	if cerr := rows.Close(); err == nil {
		err = cmp.Or(cerr, rows.Err())
	}
	if err != nil {
		return err
	}
	var cur []int64
	if now.Before(expires) {
		if cur, err = parseInts(text); err != nil {
			return err
		}
	}
	next, keep := fn(cur)
	if next == nil {
		_, err = c.ExecContext(ctx, "DELETE FROM "+RateTable+" WHERE key = $1", key)
	} else {
		_, err = c.ExecContext(ctx, "UPDATE "+RateTable+" SET state = $2::bigint[], expires_at = $3 WHERE key = $1",
			key, formatInts(next), now.Add(keep))
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

func (p *postgresRates) Forget(ctx context.Context, key string) error {
	if err := p.ensure(ctx); err != nil {
		return fmt.Errorf("rate limits: create %s: %w", RateTable, err)
	}
	if _, err := p.client.ExecContext(ctx, "DELETE FROM "+RateTable+" WHERE key = $1", rowKey(key)); err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	return nil
}

// rowKey is the table's key for a limiter's key: its SHA-256, of fixed size whatever a client
// sends as a username, any bytes allowed (text refuses NUL), and no usernames or addresses
// kept in the table.
func rowKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// formatInts writes v as a PostgreSQL array literal, {1,2,3}: sent as text, since lib/pq's
// binary parameters carry no arrays.
func formatInts(v []int64) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	b.WriteByte('}')
	return b.String()
}

// parseInts reads a PostgreSQL bigint array literal, as formatInts writes it.
func parseInts(s string) ([]int64, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		return []int64{}, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("rate state %q: %w", s, err)
		}
		out[i] = n
	}
	return out, nil
}
