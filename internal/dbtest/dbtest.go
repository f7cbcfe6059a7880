package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"gridgov/ent"
	"gridgov/internal/store"
)

const (
	// DefaultPostgresURL is the PostgreSQL server used when GRIDGOV_TEST_POSTGRES_URL is unset.
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

	envPostgresURL     = "GRIDGOV_TEST_POSTGRES_URL"
	envRequirePostgres = "GRIDGOV_REQUIRE_POSTGRES"

	// Databases and files are named with their creation time (Unix seconds), so that a later
	// run can remove what a killed run left behind once it is older than staleAfter.
	templatePrefix = "gridgov_tmpl_"
	testPrefix     = "gridgov_test_"
	sqlitePrefix   = "gridgov-dbtest-"
	staleAfter     = 6 * time.Hour

	setupTimeout = 2 * time.Minute
)

// DB is one fresh, migrated database owned by a test.
type DB struct {
	// Client is a plain ent client on the database; closing it is left to the test's cleanup.
	Client *ent.Client
	// SQL is the connection pool below Client.
	SQL *sql.DB
	// Dialect is dialect.SQLite or dialect.Postgres.
	Dialect string
	// URL opens the same database with store.Open (a file path for SQLite).
	URL string
}

// mainRunning is set by Main; New refuses to run without it, since nothing else would remove the
// templates.
var mainRunning atomic.Bool

// Main runs the tests of a package that uses dbtest and then removes the template databases
// it made. Call it from TestMain, with or without os.Exit: it returns m.Run's exit code.
func Main(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()
	sqliteTmpl.remove()
	pgTmpl.remove()
	return code
}

// Run runs fn as the subtests "sqlite" and "postgres", in parallel, each with a fresh
// database of its own. fn must not call t.Parallel again. Like all parallel subtests they run
// after the calling test function returns.
func Run(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, d := range []struct{ name, dialect string }{
		{"sqlite", dialect.SQLite},
		{"postgres", dialect.Postgres},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, d.dialect))
		})
	}
}

// New returns a fresh, migrated database for dialect.SQLite ("sqlite3" or "sqlite") or
// dialect.Postgres, dropped when t ends. On PostgreSQL it skips t when the server is not
// reachable, or fails it if GRIDGOV_REQUIRE_POSTGRES=1.
func New(t testing.TB, dialectName string) *DB {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatal("dbtest: call dbtest.Main from TestMain (func TestMain(m *testing.M) { dbtest.Main(m) }) so that the template databases are removed")
	}
	switch dialectName {
	case dialect.SQLite, "sqlite":
		return newSQLite(t)
	case dialect.Postgres:
		return newPostgres(t)
	}
	t.Fatalf("dbtest: unknown dialect %q", dialectName)
	return nil
}

// open opens url with store.Open, as production does, and closes it when t ends.
func open(t testing.TB, dialectName, url string) *DB {
	t.Helper()
	client, db, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := client.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	return &DB{Client: client, SQL: db, Dialect: dialectName, URL: url}
}

// randomSuffix makes names unique across processes and runs.
func randomSuffix() string { return fmt.Sprintf("%012x", rand.Uint64()>>16) }

// createdAt reads the Unix time from a name made by the prefix and a timestamp.
func createdAt(name, prefix string) (time.Time, bool) {
	ts, _, _ := strings.Cut(strings.TrimPrefix(name, prefix), "_")
	ts, _, _ = strings.Cut(ts, "-")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// SQLite.

type sqliteTemplate struct {
	once sync.Once
	dir  string // removed by Main
	path string
	err  error
}

var sqliteTmpl sqliteTemplate

func newSQLite(t testing.TB) *DB {
	t.Helper()
	sqliteTmpl.once.Do(sqliteTmpl.make)
	if sqliteTmpl.err != nil {
		t.Fatalf("dbtest: SQLite template: %v", sqliteTmpl.err)
	}
	path := filepath.Join(t.TempDir(), "gridgov.db")
	if err := copyFile(path, sqliteTmpl.path); err != nil {
		t.Fatalf("dbtest: copy SQLite template: %v", err)
	}
	return open(t, dialect.SQLite, path)
}

func (s *sqliteTemplate) make() {
	removeStaleSQLite()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", sqlitePrefix, time.Now().Unix()))
	if err != nil {
		s.err = err
		return
	}
	s.dir, s.path = dir, filepath.Join(dir, "template.db")
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	client, db, err := store.Open(ctx, s.path, store.WithMaxOpenConns(1))
	if err != nil {
		s.err = err
		return
	}
	defer client.Close()
	if err := store.Migrate(ctx, client); err != nil {
		s.err = err
		return
	}
	// Leave the template in one file, with no -wal beside it; copies switch back to WAL when
	// store.Open opens them.
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=DELETE"); err != nil {
		s.err = fmt.Errorf("leave WAL mode: %w", err)
		return
	}
	s.err = client.Close()
}

func (s *sqliteTemplate) remove() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeStaleSQLite removes template directories left by killed test binaries.
func removeStaleSQLite() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), sqlitePrefix+"*"))
	for _, dir := range dirs {
		if at, ok := createdAt(filepath.Base(dir), sqlitePrefix); ok && time.Since(at) > staleAfter {
			os.RemoveAll(dir)
		}
	}
}

// PostgreSQL.

type pgTemplate struct {
	once        sync.Once
	err         error
	unreachable bool
	url         string      // the server, as configured
	base        *neturl.URL // parsed url, to derive the URLs of new databases
	admin       *ent.Client // on the configured database, never on the template
	adminDB     *sql.DB
	version     int    // server_version_num
	name        string // the template database, dropped by Main

	// mu serializes CREATE DATABASE from the template in this process: PostgreSQL refuses to
	// copy a database that another session is using.
	mu sync.Mutex
}

var pgTmpl pgTemplate

func newPostgres(t testing.TB) *DB {
	t.Helper()
	pgTmpl.once.Do(pgTmpl.make)
	if pgTmpl.unreachable {
		msg := fmt.Sprintf("PostgreSQL not reachable at %s: %v", store.RedactURL(pgTmpl.url), pgTmpl.err)
		if os.Getenv(envRequirePostgres) == "1" {
			t.Fatal(msg + " (" + envRequirePostgres + "=1)")
		}
		t.Skip(msg)
	}
	if pgTmpl.err != nil {
		t.Fatalf("dbtest: PostgreSQL template: %v", pgTmpl.err)
	}

	name := fmt.Sprintf("%s%d_%s", testPrefix, time.Now().Unix(), randomSuffix())
	// Registered first, so it runs after the client is closed.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := pgTmpl.drop(ctx, name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	if err := pgTmpl.create(t.Context(), name); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return open(t, dialect.Postgres, pgTmpl.urlOf(name))
}

func (p *pgTemplate) make() {
	p.url = os.Getenv(envPostgresURL)
	if p.url == "" {
		p.url = DefaultPostgresURL
	}
	if store.Dialect(p.url) != dialect.Postgres {
		p.err = fmt.Errorf("%s=%q is not a postgres:// URL", envPostgresURL, store.RedactURL(p.url))
		return
	}
	if p.base, p.err = neturl.Parse(p.url); p.err != nil {
		p.err = fmt.Errorf("%s: invalid URL", envPostgresURL)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.admin, p.adminDB, p.err = store.Open(ctx, p.url, store.WithMaxOpenConns(4))
	if p.err != nil {
		p.unreachable = true
		return
	}

	ctx, cancel = context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if p.err = p.adminDB.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int").Scan(&p.version); p.err != nil {
		return
	}
	p.dropStale(ctx)

	name := fmt.Sprintf("%s%d_%d_%s", templatePrefix, time.Now().Unix(), os.Getpid(), randomSuffix())
	if _, p.err = p.adminDB.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); p.err != nil {
		p.err = fmt.Errorf("create template database: %w", p.err)
		return
	}
	p.name = name
	client, _, err := store.Open(ctx, p.urlOf(name), store.WithMaxOpenConns(1))
	if err != nil {
		p.err = err
		return
	}
	err = store.Migrate(ctx, client)
	// The template must have no open connections when it is copied.
	if cerr := client.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		p.err = err
		return
	}
	// Nobody may connect to the template from now on: not a stray psql, nor an autovacuum
	// worker, either of which would make copying it fail.
	if _, err := p.adminDB.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(name)+" ALLOW_CONNECTIONS false"); err != nil {
		p.err = fmt.Errorf("close template database to connections: %w", err)
	}
}

// urlOf returns the URL of database name on the configured server.
func (p *pgTemplate) urlOf(name string) string {
	u := *p.base
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// create makes database name as a copy of the template.
func (p *pgTemplate) create(ctx context.Context, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// PostgreSQL 15's default strategy, WAL_LOG, measured about twice as fast here for the
	// small template as FILE_COPY, which waits for two checkpoints.
	stmt := "CREATE DATABASE " + pq.QuoteIdentifier(name) + " TEMPLATE " + pq.QuoteIdentifier(p.name)
	for attempt := 1; ; attempt++ {
		_, err := p.adminDB.ExecContext(ctx, stmt)
		// Another session on the template (a stray one; ours never connect) makes the copy
		// fail with object_in_use after PostgreSQL has waited 5 s for it to go away.
		if err == nil || pq.As(err, pqerror.ObjectInUse) == nil || attempt == 5 {
			if err != nil {
				return fmt.Errorf("create test database %s: %w", name, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create test database %s: %w", name, err)
		case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
		}
	}
}

// drop removes database name, disconnecting anyone still on it.
func (p *pgTemplate) drop(ctx context.Context, name string) error {
	stmt := "DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name)
	if p.version >= 130000 {
		stmt += " WITH (FORCE)"
	}
	if _, err := p.adminDB.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// dropStale drops templates and test databases that killed test binaries left behind. It is
// best effort: another process may be dropping the same ones.
func (p *pgTemplate) dropStale(ctx context.Context) {
	rows, err := p.adminDB.QueryContext(ctx,
		`SELECT datname FROM pg_database WHERE datname LIKE 'gridgov\_tmpl\_%' OR datname LIKE 'gridgov\_test\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		prefix := templatePrefix
		if strings.HasPrefix(name, testPrefix) {
			prefix = testPrefix
		}
		if at, ok := createdAt(name, prefix); ok && time.Since(at) > staleAfter {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		p.drop(ctx, name)
	}
}

// remove drops the template and closes the admin connections.
func (p *pgTemplate) remove() {
	if p.admin == nil {
		return
	}
	if p.name != "" {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := p.drop(ctx, p.name); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
		}
	}
	p.admin.Close()
}
