package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"
	"github.com/lib/pq"
)

func TestDialect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url  string
		want string
	}{
		{"postgres://u:p@localhost:5432/gridgov?sslmode=disable", dialect.Postgres},
		{"postgresql://localhost/gridgov", dialect.Postgres},
		{"POSTGRES://localhost/gridgov", dialect.Postgres},
		{"  postgres://localhost/gridgov", dialect.Postgres},
		{"gridgov.db", dialect.SQLite},
		{"/var/lib/gridgov/gridgov.db?_pragma=cache_size(-20000)", dialect.SQLite},
		{"file:gridgov.db?mode=rwc", dialect.SQLite},
		{"sqlite:///var/lib/gridgov/gridgov.db", dialect.SQLite},
		{":memory:", dialect.SQLite},
		{"postgres-data/gridgov.db", dialect.SQLite},
	}
	for _, c := range cases {
		if got := Dialect(c.url); got != c.want {
			t.Errorf("Dialect(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		url  string
		want string
	}{
		{"user info", "postgres://gridgov:s3cret@db:5432/gridgov?sslmode=disable", "postgres://gridgov:xxxxx@db:5432/gridgov?sslmode=disable"},
		{"postgresql scheme", "postgresql://gridgov:s3cret@db/gridgov", "postgresql://gridgov:xxxxx@db/gridgov"},
		{"escaped password", "postgres://gridgov:p%40ss%2Fword@db/gridgov", "postgres://gridgov:xxxxx@db/gridgov"},
		{"query password", "postgres://db/gridgov?user=gridgov&password=s3cret&sslmode=require", "postgres://db/gridgov?user=gridgov&password=xxxxx&sslmode=require"},
		{"sslpassword", "postgres://db/gridgov?sslpassword=s3cret", "postgres://db/gridgov?sslpassword=xxxxx"},
		{"no password", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"},
		{"unparsable", "postgres://gridgov:s3cret@db:notaport/gridgov", "postgres://gridgov:xxxxx@db:notaport/gridgov"},
		{"unparsable with @ in password", "postgres://gridgov:s3c@ret@db:x/gridgov", "postgres://gridgov:xxxxx@db:x/gridgov"},
		{"key value", "host=db user=gridgov password=s3cret dbname=gridgov", "host=db user=gridgov password=xxxxx dbname=gridgov"},
		{"key value quoted", `host=db password='s3 cr\'et' dbname=gridgov`, "host=db password=xxxxx dbname=gridgov"},
		{"sqlite path", "/var/lib/gridgov/gridgov.db?_pragma=cache_size(-20000)", "/var/lib/gridgov/gridgov.db?_pragma=cache_size(-20000)"},
		{"sqlite URI", "file:gridgov.db?mode=rwc", "file:gridgov.db?mode=rwc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := RedactURL(c.url)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("RedactURL(%q) (-want +got):\n%s", c.url, diff)
			}
			if strings.Contains(got, "s3") {
				t.Errorf("RedactURL(%q) = %q still shows the password", c.url, got)
			}
		})
	}
}

func TestSQLiteDSN(t *testing.T) {
	t.Parallel()
	const defaults = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_time_format=sqlite&_txlock=immediate"
	cases := []struct {
		name    string
		url     string
		want    string
		wantMem memoryKind
	}{
		{"path", "data/gridgov.db", "data/gridgov.db?" + defaults, onDisk},
		{"path with query", "/srv/gridgov.db?_pragma=cache_size(-20000)", "/srv/gridgov.db?_pragma=cache_size(-20000)&" + defaults, onDisk},
		{"file URI", "file:gridgov.db?mode=rwc", "file:gridgov.db?mode=rwc&" + defaults, onDisk},
		{"sqlite URL absolute", "sqlite:///srv/gridgov.db", "/srv/gridgov.db?" + defaults, onDisk},
		{"sqlite URL relative", "sqlite://gridgov.db?_fk=0", "gridgov.db?_fk=0&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_time_format=sqlite&_txlock=immediate", onDisk},
		{"own pragmas kept", "gridgov.db?_pragma=journal_mode(DELETE)&_pragma=busy_timeout = 100&_txlock=deferred", "gridgov.db?_pragma=journal_mode(DELETE)&_pragma=busy_timeout = 100&_txlock=deferred&_pragma=foreign_keys(1)&_time_format=sqlite", onDisk},
		{"private memory URI", "file::memory:", "file::memory:?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_time_format=sqlite&_txlock=immediate", privateMemory},
		{"shared memory URI", "file::memory:?cache=shared", "file::memory:?cache=shared&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_time_format=sqlite&_txlock=immediate", sharedMemory},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, mem := sqliteDSN(c.url)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("sqliteDSN(%q) (-want +got):\n%s", c.url, diff)
			}
			if mem != c.wantMem {
				t.Errorf("sqliteDSN(%q) memory kind = %d, want %d", c.url, mem, c.wantMem)
			}
		})
	}

	got, mem := sqliteDSN(":memory:")
	if !strings.HasPrefix(got, "file:/gridgov-mem-") || !strings.Contains(got, "vfs=memdb") || mem != sharedMemory {
		t.Errorf("sqliteDSN(:memory:) = %q, %d; want a shared memdb database", got, mem)
	}
	if again, _ := sqliteDSN(":memory:"); again == got {
		t.Errorf("sqliteDSN(:memory:) returned %q twice; each Open needs its own database", got)
	}
}

func TestOpenMigrateSQLite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gridgov.db")
	client, db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := Migrate(ctx, client); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, client); err != nil {
		t.Fatalf("second migration: %v", err)
	}

	// Pragmas are per connection: check several connections of the pool at once.
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		if conns[i], err = db.Conn(ctx); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	for i, conn := range conns {
		var fk int
		var journal string
		var timeout int
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || journal != "wal" || timeout != 5000 {
			t.Errorf("connection %d: foreign_keys=%d journal_mode=%q busy_timeout=%d, want 1, wal, 5000", i, fk, journal, timeout)
		}
	}

	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'grids'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 1 {
		t.Errorf("after Migrate: %d grids tables, want 1", tables)
	}
	// The globalid feature gives each table its own id range; the migration must set it up.
	var seq int64
	if err := db.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = 'grids'").Scan(&seq); err != nil {
		t.Fatalf("read id range of grids: %v", err)
	}
	if seq < 1<<32 {
		t.Errorf("grids ids start after %d, want a global id range (>= 1<<32)", seq)
	}
	if got := db.Stats().MaxOpenConnections; got != DefaultSQLiteMaxOpenConns {
		t.Errorf("MaxOpenConnections = %d, want %d", got, DefaultSQLiteMaxOpenConns)
	}
}

func TestOpenSQLiteConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, url := range []string{filepath.Join(t.TempDir(), "gridgov.db"), ":memory:"} {
		client, db, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		if _, err := db.ExecContext(ctx, "CREATE TABLE probe (n INTEGER)"); err != nil {
			t.Fatal(err)
		}
		// Read-then-write transactions from every connection of the pool: with deferred
		// transactions some would fail with SQLITE_BUSY instead of waiting.
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for range 64 {
			wg.Go(func() {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				defer tx.Rollback()
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM probe").Scan(&n); err != nil {
					errs <- err
					return
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO probe (n) VALUES (?)", n); err != nil {
					errs <- err
					return
				}
				errs <- tx.Commit()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%s: %v", url, err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM probe").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 64 {
			t.Errorf("%s: %d rows, want 64", url, n)
		}
	}
}

func TestOpenMemoryShared(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client, db, err := Open(ctx, ":memory:", WithConnMaxIdleTime(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := Migrate(ctx, client); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // an idle timeout would have discarded the database by now
	conns := make([]*sql.Conn, 3)
	for i := range conns {
		if conns[i], err = db.Conn(ctx); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	for i, conn := range conns {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'grids'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("connection %d does not see the migrated tables", i)
		}
	}

	other, otherDB, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var n int
	if err := otherDB.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a second :memory: database sees %d objects of the first", n)
	}
}

func TestOpenOptions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client, db, err := Open(ctx, filepath.Join(t.TempDir(), "gridgov.db"), WithMaxOpenConns(3), WithMaxIdleConns(10))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if got := db.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("MaxOpenConnections = %d, want 3", got)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		url  string
	}{
		{"refused", "postgres://gridgov:s3cret@127.0.0.1:1/gridgov?sslmode=disable"},
		{"bad port", "postgres://gridgov:s3cret@127.0.0.1:port/gridgov?sslmode=disable"},
		{"bad sslmode", "postgres://gridgov:s3cret@127.0.0.1/gridgov?sslmode=bogus"},
		{"missing directory", filepath.Join(t.TempDir(), "missing", "gridgov.db")},
		{"empty", " "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, _, err := Open(t.Context(), c.url)
			if err == nil {
				client.Close()
				t.Fatalf("Open(%q) succeeded, want an error", c.url)
			}
			if !strings.HasPrefix(err.Error(), "open database: ") {
				t.Errorf("error %q does not start with %q", err, "open database: ")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// postgresURL is the server TestOpenPostgres uses, as in package dbtest (which this package
// cannot import without a cycle in its tests).
func postgresURL(t *testing.T) string {
	if u := os.Getenv("GRIDGOV_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	url := postgresURL(t)
	client, db, err := Open(ctx, url)
	if err != nil {
		if os.Getenv("GRIDGOV_REQUIRE_POSTGRES") == "1" {
			t.Fatal(err)
		}
		t.Skipf("PostgreSQL not reachable at %s: %v", RedactURL(url), err)
	}
	defer client.Close()
	if got := db.Stats().MaxOpenConnections; got != DefaultPostgresMaxOpenConns {
		t.Errorf("MaxOpenConnections = %d, want %d", got, DefaultPostgresMaxOpenConns)
	}
	// JIT compilation is off: it cost more than gridgov's short queries it compiled.
	var jit string
	if err := db.QueryRowContext(ctx, "SHOW jit").Scan(&jit); err != nil || jit != "off" {
		t.Errorf("jit = %q (%v), want off", jit, err)
	}

	// Errors from the driver still unwrap to *pq.Error after scrubbing.
	bad := strings.Replace(url, "/postgres?", "/gridgov_no_such_database?", 1)
	if bad == url {
		t.Skip("cannot derive a missing database's URL from", RedactURL(url))
	}
	if c, _, err := Open(ctx, bad); err == nil {
		c.Close()
		t.Error("Open of a missing database succeeded")
	} else if pqErr := (*pq.Error)(nil); !errors.As(err, &pqErr) || pqErr.Code != "3D000" {
		t.Errorf("Open of a missing database: %v, want a *pq.Error with code 3D000", err)
	}
}
