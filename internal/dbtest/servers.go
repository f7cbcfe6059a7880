package dbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// requireOrSkip skips t with msg, or fails it when GRIDGOV_REQUIRE_POSTGRES=1 (CI), where the
// PostgreSQL tools the tests start must be there.
func requireOrSkip(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(envRequirePostgres) == "1" {
		t.Fatal(msg + " (" + envRequirePostgres + "=1)")
	}
	t.Skip(msg)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// SharedTempDir returns a directory removed when t ends that the postgres OS user can read
// and write too: servers started as that user (pgbouncer, a standby) keep files there.
func SharedTempDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// asPostgresUser returns the user a server must run as when the tests run as root (PostgreSQL
// and pgbouncer refuse root), and whether it is needed.
func asPostgresUser(t testing.TB) (uid, gid uint32, needed bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		return 0, 0, false
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		requireOrSkip(t, "running as root and there is no postgres OS user to run a test server as")
	}
	id, _ := strconv.ParseUint(u.Uid, 10, 32)
	g, _ := strconv.ParseUint(u.Gid, 10, 32)
	return uint32(id), uint32(g), true
}

// waitForPort waits until something accepts TCP connections on 127.0.0.1:port.
func waitForPort(port int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PgBouncer starts a pgbouncer of its own in transaction pooling mode, in front of the
// PostgreSQL server of db, with trust authentication and at most poolSize server connections
// per database, and returns db's URL through it; it is stopped when t ends. Without a
// pgbouncer binary (Debian's package: apt-get install pgbouncer) it skips t, or fails it
// when GRIDGOV_REQUIRE_POSTGRES=1.
func PgBouncer(t testing.TB, db *DB, poolSize int) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil {
			requireOrSkip(t, "no pgbouncer binary: apt-get install pgbouncer to run the pooler test")
		}
		bin = "/usr/sbin/pgbouncer"
	}
	u, err := neturl.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	dir := SharedTempDir(t, "gridgov-pgbouncer-")
	listen := FreePort(t)
	users := filepath.Join(dir, "users.txt")
	ini := filepath.Join(dir, "pgbouncer.ini")
	userName := u.User.Username()
	if err := os.WriteFile(users, fmt.Appendf(nil, "%q \"\"\n", userName), 0o644); err != nil {
		t.Fatal(err)
	}
	// unix_socket_dir empty: TCP only, nothing written outside dir. No
	// ignore_startup_parameters: a client that sends a parameter pgbouncer does not track
	// (jit, statement_timeout) is refused, as with a stock configuration.
	conf := fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 200
server_check_delay = 0
`, host, port, listen, users, poolSize)
	if err := os.WriteFile(ini, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{ini}
	if _, _, root := asPostgresUser(t); root {
		args = []string{"-u", "postgres", ini}
	}
	cmd := exec.Command(bin, args...)
	log := &lockedLog{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	if err := waitForPort(listen, 10*time.Second); err != nil {
		t.Fatalf("pgbouncer did not listen on %d: %v\n%s", listen, err, log)
	}
	v := *u
	v.Host = fmt.Sprintf("127.0.0.1:%d", listen)
	return v.String()
}

// lockedLog collects a server's output while it runs, for the message of a failure.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// pgBin is where Debian keeps PostgreSQL 15's server programs, which are not on PATH.
const pgBin = "/usr/lib/postgresql/15/bin"

// slotPrefix names the replication slots of the standbys the tests make; a slot keeps WAL on
// the primary until dropped, so a later run drops the ones a killed run left behind.
const slotPrefix = "gridgov_test_"

// Standby is a streaming hot standby of the test PostgreSQL server, made by the test.
type Standby struct {
	// Port is where it listens on 127.0.0.1.
	Port int
	dir  string
	run  func(name string, args ...string) error
	stop sync.Once
}

// URL returns the URL of the standby's copy of db.
func (s *Standby) URL(db *DB) string {
	u, err := neturl.Parse(db.URL)
	if err != nil {
		return ""
	}
	u.Host = fmt.Sprintf("127.0.0.1:%d", s.Port)
	return u.String()
}

// Stop stops the standby at once (as a crash would), if it is running.
func (s *Standby) Stop() error {
	var err error
	s.stop.Do(func() {
		err = s.run(filepath.Join(pgBin, "pg_ctl"), "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	})
	return err
}

// NewStandby makes a streaming replica of the test PostgreSQL server with pg_basebackup -R
// into a directory of its own, over a replication slot of its own, starts it on a free port
// with the Debian binaries in /usr/lib/postgresql/15/bin (as the postgres OS user when the
// tests run as root), and stops and removes it, slot included, when t ends. It copies the
// whole cluster, every database the server holds; databases created later replicate too.
// The primary must accept replication connections from 127.0.0.1 (pg_hba.conf: host
// replication all 127.0.0.1/32 trust, which .ci/run adds). When it cannot, it skips t, or
// fails it when GRIDGOV_REQUIRE_POSTGRES=1.
func NewStandby(t testing.TB) *Standby {
	t.Helper()
	pgTmpl.once.Do(pgTmpl.make)
	if pgTmpl.unreachable || pgTmpl.err != nil {
		requireOrSkip(t, fmt.Sprintf("PostgreSQL not reachable for a standby: %v", pgTmpl.err))
	}
	for _, prog := range []string{"pg_basebackup", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(pgBin, prog)); err != nil {
			requireOrSkip(t, "no PostgreSQL 15 server programs in "+pgBin+" to make a standby: "+err.Error())
		}
	}
	uid, gid, asPostgres := asPostgresUser(t)
	log := &lockedLog{}
	run := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Stdout, cmd.Stderr = log, log
		if asPostgres {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		}
		return cmd.Run()
	}
	ctx := t.Context()
	dropStaleSlots(ctx)
	dir := SharedTempDir(t, "gridgov-standby-")
	if asPostgres {
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			t.Fatal(err)
		}
	}
	u := *pgTmpl.base
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	slot := fmt.Sprintf("%s%d_%s", slotPrefix, time.Now().Unix(), randomSuffix())
	data := filepath.Join(dir, "data")
	err := run(filepath.Join(pgBin, "pg_basebackup"), "-R", "-C", "-S", slot, "-X", "stream", "-c", "fast",
		"-D", data, "-h", u.Hostname(), "-p", port, "-U", u.User.Username())
	// The slot exists once pg_basebackup has started: drop it whatever happened next.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		_, _ = pgTmpl.adminDB.ExecContext(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", slot)
	})
	if err != nil {
		requireOrSkip(t, fmt.Sprintf("pg_basebackup of the test server failed (does pg_hba.conf allow replication from 127.0.0.1?): %v\n%s", err, log))
	}
	s := &Standby{Port: FreePort(t), dir: dir, run: run}
	// Debian keeps postgresql.conf and pg_hba.conf outside the data directory, so the copy
	// has none: the standby gets its own, small.
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nhot_standby = on\n"+
		"shared_buffers = 32MB\nfsync = off\n", s.Port, dir)
	// A hot standby refuses to start with less of these than its primary has.
	for _, name := range []string{"max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction"} {
		var v string
		if err := pgTmpl.adminDB.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		conf += name + " = " + v + "\n"
	}
	files := map[string]string{
		"postgresql.conf": conf,
		"pg_hba.conf":     "local all all trust\nhost all all 127.0.0.1/32 trust\n",
		"pg_ident.conf":   "",
	}
	for name, body := range files {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if asPostgres {
			if err := os.Chown(p, int(uid), int(gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := run(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "standby.log"), "-w", "-t", "60", "start"); err != nil {
		logText, _ := os.ReadFile(filepath.Join(dir, "standby.log"))
		t.Fatalf("start the standby: %v\n%s\n%s", err, log, logText)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop the standby: %v\n%s", err, log)
		}
	})
	return s
}

// dropStaleSlots drops the inactive replication slots of standbys that killed test runs
// left behind, once older than staleAfter: each keeps WAL on the server until dropped.
func dropStaleSlots(ctx context.Context) {
	rows, err := pgTmpl.adminDB.QueryContext(ctx, "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active", slotPrefix+"%")
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) == nil {
			if at, ok := createdAt(name, slotPrefix); ok && time.Since(at) > staleAfter {
				stale = append(stale, name)
			}
		}
	}
	rows.Close()
	for _, name := range stale {
		_, _ = pgTmpl.adminDB.ExecContext(ctx, "SELECT pg_drop_replication_slot($1)", name)
	}
}
