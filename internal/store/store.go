package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"gridgov/ent"
)

// Pool defaults. A pool that keeps fewer idle connections than it opens closes and reopens
// connections under load: Go's default of 2 idle connections cut throughput by about 60 % and
// pushed p99 latency to about 90 ms in a measurement on gridgov, so idle defaults to open.
const (
	// DefaultPostgresMaxOpenConns is the default pool size for PostgreSQL: enough for 16
	// concurrent requests on a small server without crowding PostgreSQL's max_connections
	// (100 by default) when several API processes share one database.
	DefaultPostgresMaxOpenConns = 16
	// DefaultSQLiteMaxOpenConns is the default pool size for a SQLite file. In WAL mode readers
	// run concurrently with each other and with the one writer, so more than one connection
	// pays; writers still take turns (the busy timeout makes them wait rather than fail), so
	// a larger pool would only queue more writers on the same lock.
	DefaultSQLiteMaxOpenConns = 8
	// DefaultConnMaxIdleTime is how long a connection may sit idle before the pool closes it,
	// so that the pool shrinks back after a burst.
	DefaultConnMaxIdleTime = 5 * time.Minute
)

// Option configures Open.
type Option func(*options)

type options struct {
	maxOpen, maxIdle int
	maxIdleTime      time.Duration
	idleTimeSet      bool
	pooled           bool
}

// WithMaxOpenConns sets the maximum number of open connections (default
// DefaultPostgresMaxOpenConns or DefaultSQLiteMaxOpenConns). Values below 1 keep the default.
// A private in-memory SQLite database always uses one connection.
func WithMaxOpenConns(n int) Option { return func(o *options) { o.maxOpen = n } }

// WithMaxIdleConns sets how many idle connections the pool keeps (default: the maximum number
// of open connections). Values below 1 keep the default.
func WithMaxIdleConns(n int) Option { return func(o *options) { o.maxIdle = n } }

// WithConnMaxIdleTime sets how long a connection may stay idle before it is closed (default
// DefaultConnMaxIdleTime; 0 keeps idle connections forever). In-memory SQLite databases
// ignore it: closing their last connection would discard the database.
func WithConnMaxIdleTime(d time.Duration) Option {
	return func(o *options) { o.maxIdleTime, o.idleTimeSet = d, true }
}

// WithPooler says that a PostgreSQL URL reaches the server through a connection pooler in
// transaction mode, such as pgbouncer, which hands each transaction (each statement outside
// one) to any of its server connections. Open then sends no run-time parameters at connect
// (jit=off): pgbouncer refuses the ones it does not track, or with ignore_startup_parameters
// drops them, so they must be set on the role or database instead (see CheckPooledSettings).
// It refuses binary_parameters=no, with which lib/pq parses a statement in one round trip
// and runs it in the next, which the pooler may send to another server connection.
func WithPooler() Option { return func(o *options) { o.pooled = true } }

// Dialect returns the ent dialect for a database URL: dialect.Postgres for postgres:// and
// postgresql:// URLs, dialect.SQLite for anything else.
func Dialect(url string) string {
	s := strings.ToLower(strings.TrimSpace(url))
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return dialect.Postgres
	}
	return dialect.SQLite
}

// Open connects to the database at url, checks the connection with a ping and returns an ent
// client together with the *sql.DB below it. Closing the client closes the *sql.DB. The client
// is plain: callers that need to bypass or set up privacy do it through the context.
func Open(ctx context.Context, url string, opts ...Option) (*ent.Client, *sql.DB, error) {
	url = strings.TrimSpace(url)
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var (
		db       *sql.DB
		err      error
		secrets  []string
		maxOpen  = DefaultPostgresMaxOpenConns
		idleTime = DefaultConnMaxIdleTime
		d        = Dialect(url)
	)
	if strings.TrimSpace(url) == "" {
		// SQLite would open a temporary database, gone with the process.
		return nil, nil, errors.New("open database: no URL given")
	}
	if err := CheckScheme(url); err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	switch d {
	case dialect.Postgres:
		db, secrets, err = openPostgres(url, o.pooled)
		if err != nil {
			return nil, nil, fmt.Errorf("open database: %s: %w", RedactURL(url), scrub(err, secrets))
		}
	default:
		dsn, mem := sqliteDSN(url)
		maxOpen = DefaultSQLiteMaxOpenConns
		if mem != onDisk {
			// Closing the last connection of an in-memory database discards it.
			idleTime, o.idleTimeSet = 0, false
		}
		if mem == privateMemory {
			// Every connection would see its own empty database.
			o.maxOpen, maxOpen = 1, 1
		}
		db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, nil, fmt.Errorf("open database: %s: %w", RedactURL(url), err)
		}
	}
	if o.maxOpen > 0 {
		maxOpen = o.maxOpen
	}
	maxIdle := maxOpen
	if o.maxIdle > 0 {
		maxIdle = min(o.maxIdle, maxOpen)
	}
	if o.idleTimeSet {
		idleTime = o.maxIdleTime
	}
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxIdle)
	db.SetConnMaxIdleTime(idleTime)

	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open database: connect to %s: %w", RedactURL(url), scrub(err, secrets))
	}
	client := ent.NewClient(ent.Driver(entsql.OpenDB(d, db)))
	return client, db, nil
}

// openPostgres returns a pool for a PostgreSQL URL and the secrets in it, which must not appear
// in error messages.
func openPostgres(url string, pooled bool) (*sql.DB, []string, error) {
	u, err := neturl.Parse(url)
	if err != nil {
		// A *url.Error quotes the whole URL, password included; keep only the reason.
		if ue, ok := err.(*neturl.Error); ok {
			err = fmt.Errorf("invalid URL: %w", ue.Err)
		}
		return nil, nil, err
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		secrets = append(secrets, pw)
	}
	for k, vs := range u.Query() {
		if isSecretKey(k) {
			for _, v := range vs {
				if v != "" {
					secrets = append(secrets, v)
				}
			}
		}
	}
	withParams := withoutJIT(u)
	if pooled {
		if v := u.Query().Get("binary_parameters"); v != "" && v != "yes" {
			return nil, secrets, errors.New("binary_parameters=" + v + " does not work through a pooler in transaction mode: lib/pq would parse and run each statement in two round trips, which the pooler may hand to different server connections")
		}
		withParams = u.String()
	}
	connector, err := pq.NewConnector(withBinaryParameters(withParams))
	if err != nil {
		return nil, secrets, err
	}
	return sql.OpenDB(jsonTextConnector{connector}), secrets, nil
}

// withoutJIT returns the URL with PostgreSQL's JIT compilation turned off (jit=off, a run-time
// parameter lib/pq passes on), unless the URL sets jit itself. gridgov's queries are short
// and many: a rollup summing twenty thousand summary cells is estimated costly enough to be
// compiled, and the compilation alone (about 7 ms) took longer than the query.
func withoutJIT(u *neturl.URL) string {
	q := u.Query()
	if q.Has("jit") || strings.Contains(q.Get("options"), "jit") {
		return u.String()
	}
	q.Set("jit", "off")
	v := *u
	v.RawQuery = q.Encode()
	return v.String()
}

// withBinaryParameters returns the URL with lib/pq's binary_parameters=yes, unless the URL
// sets it itself. Without it lib/pq sends every statement with arguments in two round trips
// (parse and describe, then bind and execute), since it needs the parameter types from the
// server; with it, one. The statements stay unnamed, so PostgreSQL still plans each with its
// values and a path prefix LIKE $1 keeps its index.
func withBinaryParameters(url string) string {
	u, err := neturl.Parse(url)
	if err != nil || u.Query().Has("binary_parameters") {
		return url
	}
	q := u.Query()
	q.Set("binary_parameters", "yes")
	u.RawQuery = q.Encode()
	return u.String()
}

// scrubbedError replaces secrets in an error's message and still unwraps to it, so that
// errors.Is and errors.As keep working.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func scrub(err error, secrets []string) error {
	msg := err.Error()
	scrubbed := msg
	for _, s := range secrets {
		scrubbed = strings.ReplaceAll(scrubbed, s, redacted)
		for _, esc := range []string{neturl.QueryEscape(s), neturl.PathEscape(s)} {
			scrubbed = strings.ReplaceAll(scrubbed, esc, redacted)
		}
	}
	if scrubbed == msg {
		return err
	}
	return &scrubbedError{msg: scrubbed, err: err}
}

type memoryKind int

const (
	onDisk        memoryKind = iota
	sharedMemory             // one in-memory database shared by the pool's connections
	privateMemory            // a separate in-memory database per connection
)

// sqliteDSN turns a SQLite URL into a modernc.org/sqlite DSN with gridgov's defaults added
// (unless the URL sets them) and tells whether the database lives in memory.
func sqliteDSN(url string) (string, memoryKind) {
	s := url
	for _, scheme := range []string{"sqlite://", "sqlite3://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):] // sqlite:///abs/path keeps its leading slash
			break
		}
	}
	path, query, _ := strings.Cut(s, "?")
	q, _ := neturl.ParseQuery(query)
	mem := onDisk
	isURI := strings.HasPrefix(path, "file:")
	switch {
	case path == ":memory:":
		// A plain ":memory:" gives every pooled connection its own database. The memdb VFS
		// shares one database, named by a path starting with "/", between the connections of
		// this process, with ordinary locking (unlike cache=shared, which fails writers with
		// SQLITE_LOCKED instead of waiting).
		path = fmt.Sprintf("file:/gridgov-mem-%016x", rand.Uint64())
		query = joinQuery(query, "vfs=memdb")
		mem = sharedMemory
	case q.Get("vfs") == "memdb":
		mem = sharedMemory
	case isURI && (strings.HasPrefix(path, "file::memory:") || q.Get("mode") == "memory"):
		mem = privateMemory
		if q.Get("cache") == "shared" {
			mem = sharedMemory
		}
	}

	pragmas := map[string]bool{}
	for _, p := range q["_pragma"] {
		name := strings.ToLower(strings.TrimSpace(p))
		if i := strings.IndexAny(name, "(= "); i >= 0 {
			name = name[:i]
		}
		pragmas[name] = true
	}
	set := func(pragma string, aliases ...string) bool {
		if pragmas[pragma] {
			return true
		}
		for _, a := range aliases {
			if q.Has(a) {
				return true
			}
		}
		return false
	}
	var add []string
	if !set("busy_timeout", "_busy_timeout", "_timeout") {
		// Wait for a competing writer instead of failing with SQLITE_BUSY at once.
		add = append(add, "_pragma=busy_timeout(5000)")
	}
	if !set("foreign_keys", "_foreign_keys", "_fk") {
		// SQLite leaves foreign keys off per connection; ent's migration requires them.
		add = append(add, "_pragma=foreign_keys(1)")
	}
	if mem == onDisk && !set("journal_mode", "_journal_mode", "_journal") {
		// Readers do not block the writer nor each other.
		add = append(add, "_pragma=journal_mode(WAL)")
	}
	if !q.Has("_time_format") {
		// Store times as "2006-01-02 15:04:05.999999999-07:00", which SQLite's date functions
		// read (rollups bucket by day with them) and which sorts as text when all times are
		// UTC, as gridgov writes them. The driver's default is Go's time.String form.
		add = append(add, "_time_format=sqlite")
	}
	if !q.Has("_txlock") {
		// A deferred transaction that reads and then writes cannot wait for the write lock in
		// WAL mode when another connection wrote in between: it fails with SQLITE_BUSY. BEGIN
		// IMMEDIATE takes the write lock up front and waits for it under the busy timeout.
		add = append(add, "_txlock=immediate")
	}
	query = joinQuery(query, add...)
	if query == "" {
		return path, mem
	}
	return path + "?" + query, mem
}

func joinQuery(query string, params ...string) string {
	parts := make([]string, 0, len(params)+1)
	if query != "" {
		parts = append(parts, query)
	}
	return strings.Join(append(parts, params...), "&")
}
