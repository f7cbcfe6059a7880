package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/user"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// startServeOn runs `gridgov serve` on the database at url as a process of its own and
// returns its base URL.
func startServeOn(t *testing.T, url string) string {
	t.Helper()
	return startServeLogged(t, url).base
}

// servedProcess is a `gridgov serve` process started by startServeLogged.
type servedProcess struct {
	base   string
	proc   *os.Process
	stderr *lockedBuffer
	done   chan struct{} // closed once the process has exited
}

// startServeLogged is startServeOn, with serve's further flags extra, also returning the
// process and its standard error.
func startServeLogged(t *testing.T, url string, extra ...string) *servedProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", url}, extra...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	addr := listenAddr(pr, nil)
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve exited before listening\n%s", stderr)
		}
		return &servedProcess{base: "http://" + a, proc: cmd.Process, stderr: stderr, done: done}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not listen within 60 s\n%s", stderr)
	}
	return nil
}

// lockedBuffer is a process's standard error, readable while the process writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// graphQL posts query with token to the server at base and returns the data and the first
// error code ("" when none).
func graphQL(t *testing.T, base, token, query string, vars map[string]any) (json.RawMessage, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []servertest.Error
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: status %d: %v", query, resp.StatusCode, err)
	}
	if len(out.Errors) > 0 {
		return out.Data, out.Errors[0].Code()
	}
	return out.Data, ""
}

// TestRevocationAcrossProcesses: two serve processes on one PostgreSQL database, each with
// its own viewer cache. A role ended through process A is refused by process B, whose cache
// held the viewer, on the very next request: A answers the mutation only once B acknowledged
// having dropped the viewer (changefeed), however loaded the machine. The same holds for a
// sign-out.
func TestRevocationAcrossProcesses(t *testing.T) {
	t.Parallel()
	migrateMu.Lock()
	db := dbtest.New(t, dialect.Postgres)
	migrateMu.Unlock()
	env := servertest.New(t, db)
	sys := servertest.System()
	mk := func(parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
		c := db.Client.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			c.SetParentID(parent.ID)
		}
		g, err := c.Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	district := mk(nil, "410102", "中原区", grid.KindDISTRICT)
	village := mk(mk(district, "410102001", "须水街道", grid.KindSUB_DISTRICT), "410102001001", "董岗村", grid.KindVILLAGE)
	wang, err := db.Client.Person.Create().SetName("王伟").SetGridID(village.ID).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	held, err := db.Client.Assignment.Create().SetPersonID(wang.ID).SetGridID(village.ID).
		SetRole(assignment.RoleFIRST_RESPONSIBLE).SetValidFrom(time.Now().Add(-time.Hour)).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	admin := env.TokenFor(t, 0, true)
	official := env.TokenFor(t, wang.ID, false)
	uid, err := db.Client.User.Query().Where(user.PersonID(wang.ID)).OnlyID(sys)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := env.Auth.OpenSession(sys, uid, "192.0.2.9") // a second session of the official
	if err != nil {
		t.Fatal(err)
	}

	pa, pb := startServeLogged(t, db.URL), startServeLogged(t, db.URL)
	a, b := pa.base, pb.base
	const count = `{ grids(first: 10) { totalCount } }`
	visible := func(base, token string) (int, string) {
		t.Helper()
		data, code := graphQL(t, base, token, count, nil)
		if code != "" {
			return -1, code
		}
		var out struct{ Grids struct{ TotalCount int } }
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		return out.Grids.TotalCount, ""
	}
	for _, base := range []string{a, b} {
		for range 2 { // the second request is answered from B's cache
			if n, code := visible(base, official); n != 1 {
				t.Fatalf("before: the official sees %d grids (%s) on %s, want 1", n, code, base)
			}
		}
	}

	start := time.Now()
	if _, code := graphQL(t, a, admin, `mutation($id: ID!) { endAssignment(id: $id) { id } }`,
		map[string]any{"id": strconv.Itoa(held.ID)}); code != "" {
		t.Fatalf("endAssignment through A: %s", code)
	}
	t.Logf("endAssignment through A, with B as its peer, answered in %v", time.Since(start))
	if n, code := visible(b, official); n != 0 {
		t.Fatalf("the official's next request on B sees %d grids (%s), want 0: B answered with the ended role", n, code)
	}

	// A sign-out through A ends the session on B too.
	if n, _ := visible(b, other); n != 0 {
		t.Fatalf("second session on B sees %d grids, want 0", n)
	}
	start = time.Now()
	if _, code := graphQL(t, a, other, `mutation { logout }`, nil); code != "" {
		t.Fatalf("logout through A: %s", code)
	}
	t.Logf("logout through A answered in %v", time.Since(start))
	if _, code := visible(b, other); code != "UNAUTHENTICATED" {
		t.Fatalf("the signed-out session's next request on B: %q, want UNAUTHENTICATED", code)
	}

	// A peer that stops without a goodbye (killed) holds up the next revoking mutation through A
	// once, for at most authz.AckWait, and is then forgotten: the mutation after it does not
	// wait for it again (A warns once).
	if err := pb.proc.Kill(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		tok, _, err := env.Auth.OpenSession(sys, uid, "192.0.2.9")
		if err != nil {
			t.Fatal(err)
		}
		if _, code := graphQL(t, a, tok, `mutation { logout }`, nil); code != "" {
			t.Fatalf("logout through A with B killed: %s", code)
		}
	}
	if n := strings.Count(pa.stderr.String(), "not acknowledged in time by a peer process"); n != 1 {
		t.Fatalf("A warned %d times of an unacknowledged change after B was killed, want 1:\n%s", n, pa.stderr)
	}
}

// TestPeerGoodbye: a serve process that stops cleanly says goodbye, so that the other does not
// wait for its acknowledgements.
func TestPeerGoodbye(t *testing.T) {
	t.Parallel()
	migrateMu.Lock()
	db := dbtest.New(t, dialect.Postgres)
	migrateMu.Unlock()
	env := servertest.New(t, db)
	a, b := startServeLogged(t, db.URL), startServeLogged(t, db.URL)
	if err := b.proc.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	<-b.done
	admin := env.TokenFor(t, 0, true)
	start := time.Now()
	if _, code := graphQL(t, a.base, admin, `mutation { logout }`, nil); code != "" {
		t.Fatalf("logout through A: %s", code)
	}
	t.Logf("logout through A after B's goodbye answered in %v", time.Since(start))
	if strings.Contains(a.stderr.String(), "not acknowledged in time") {
		t.Fatalf("A waited for the acknowledgement of B, which had said goodbye:\n%s", a.stderr)
	}
}
