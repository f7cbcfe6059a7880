package dbtest

import (
	"bytes"
	"fmt"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
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
