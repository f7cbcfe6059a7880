package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gridgov/internal/servertest"
)

// runMainEnv makes the test binary run main instead of the tests: the command as a process of
// its own.
const runMainEnv = "GRIDGOV_TEST_RUN_MAIN"

// serveProcess is `gridgov serve` running as a process of its own.
type serveProcess struct {
	cmd    *exec.Cmd
	addr   string
	stderr *bytes.Buffer
	done   chan struct{} // closed when the process has exited
	err    error         // how it exited, once done is closed
}

// startServeProcess starts serve on a free port, with an administrator admin whose password
// is password, and waits until it listens.
func startServeProcess(t *testing.T, password string, args ...string) *serveProcess {
	t.Helper()
	file := filepath.Join(t.TempDir(), "drain.db")
	mustRun(t, password+"\n", "user", "add", "admin", "--admin", "--database-url", file)
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", file}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	p := &serveProcess{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := listenAddr(pr, nil)
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // the process's own id; a no-op once it has exited
		<-p.done
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve exited before listening\n%s", p.stderr)
		}
		p.addr = a
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30 s\n%s", p.stderr)
	}
	return p
}

// holdRequest opens a connection, sends the headers of a login request with
// "Expect: 100-continue" and waits for the server's "100 Continue": the request is then in
// flight, its handler waiting for the body. It returns the connection, its reader and the
// body to send.
func holdRequest(t *testing.T, addr, password string) (net.Conn, *bufio.Reader, string) {
	t.Helper()
	body := fmt.Sprintf(`{"query": "mutation { login(username: \"admin\", password: \"%s\") { token } }"}`, password)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue, got %v %v", cont, err)
	}
	return conn, br, body
}

// waitRefused waits until the server refuses new connections.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			if !strings.Contains(err.Error(), "connection refused") {
				t.Fatalf("dial after SIGTERM: %v, want connection refused", err)
			}
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("serve still accepts connections 10 s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeDrainsOnSIGTERM: on SIGTERM serve stops accepting connections, answers the
// request in flight, which uses the database after the signal, and exits 0.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	t.Parallel()
	const password = "drain-password-1"
	p := startServeProcess(t, password, "--shutdown-timeout", "10s")
	conn, br, body := holdRequest(t, p.addr, password)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, p.addr)

	// The rest of the request: signing in reads and writes the database.
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatalf("send the body after SIGTERM: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read the answer to the request in flight: %v\n%s", err, p.stderr)
	}
	var out struct {
		Data   struct{ Login struct{ Token string } }
		Errors []servertest.Error
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(out.Errors) > 0 || out.Data.Login.Token == "" {
		t.Errorf("request in flight at SIGTERM answered %d %+v (%v), want 200 with a token", resp.StatusCode, out.Errors, err)
	}

	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want 0\n%s", p.err, p.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not exit within 10 s of answering its last request\n%s", p.stderr)
	}
	for _, want := range []string{"shutting down: draining requests in flight", "stopped: every request in flight was answered"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("serve's log lacks %q:\n%s", want, p.stderr)
		}
	}
}

// TestServeShutdownTimeout: a request that does not finish within --shutdown-timeout is cut
// off, and serve exits with an error saying so.
func TestServeShutdownTimeout(t *testing.T) {
	t.Parallel()
	const password = "drain-password-2"
	p := startServeProcess(t, password, "--shutdown-timeout", "500ms")
	holdRequest(t, p.addr, password) // its body never comes

	sent := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		var exit *exec.ExitError
		if !errors.As(p.err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("serve exited with %v, want exit status 1", p.err)
		}
		if took := time.Since(sent); took < 500*time.Millisecond {
			t.Errorf("serve exited %v after SIGTERM, before the shutdown timeout of 500ms", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not exit within 10 s of SIGTERM with a 500ms shutdown timeout\n%s", p.stderr)
	}
	if want := "requests still running after --shutdown-timeout 500ms were cut off"; !strings.Contains(p.stderr.String(), want) {
		t.Errorf("serve's error output lacks %q:\n%s", want, p.stderr)
	}
}
