// Command wsfanout measures subscription fan-out on one process: -subscribers village
// officials each hold a WebSocket with an eventChanged subscription on one server, cases are
// reported in their village through HTTP one after another, and it reports the delivery
// latency (from the report's commit to each subscriber's receipt) at p50, p99 and max, and
// the server's memory per open socket (Go heap and stacks after a GC, and resident memory).
// The subscribers run in a child process of their own, so that the server's memory is its
// own; both read one wall clock.
//
//	go run ./internal/bench/wsfanout -subscribers 1000 -reports 50
//	go run ./internal/bench/wsfanout -database-url postgres://postgres@127.0.0.1:5432/wsfanout?sslmode=disable
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"gridgov/authz"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	_ "gridgov/ent/runtime"
	"gridgov/internal/auth"
	"gridgov/internal/server"
	"gridgov/internal/store"
	"gridgov/internal/workflow"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-client" {
		if err := client(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "wsfanout client:", err)
			os.Exit(1)
		}
		return
	}
	n := flag.Int("subscribers", 1000, "open sockets, one subscription each")
	reports := flag.Int("reports", 50, "cases reported one after another")
	dbURL := flag.String("database-url", "", "database (default: a fresh SQLite file in a temporary directory)")
	distinct := flag.Bool("distinct-scopes", false, "give each subscriber a second village of its own, so that no two share a scope (the worst case: one statement per subscriber and change)")
	flag.Parse()
	if err := run(*n, *reports, *dbURL, *distinct); err != nil {
		fmt.Fprintln(os.Stderr, "wsfanout:", err)
		os.Exit(1)
	}
}

func run(n, reports int, dbURL string, distinct bool) error {
	ctx := context.Background()
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "wsfanout")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbURL = "file:" + filepath.Join(dir, "fanout.db") + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	}
	client, db, err := store.Open(ctx, dbURL, store.WithMaxOpenConns(8))
	if err != nil {
		return err
	}
	defer client.Close()
	if err := store.Migrate(ctx, client); err != nil {
		return err
	}
	sys := authz.SystemContext(ctx, "wsfanout setup")
	district, err := client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(sys)
	if err != nil {
		return err
	}
	village, err := client.Grid.Create().SetCode("410102001001").SetName("测试村").SetKind(grid.KindVILLAGE).SetParentID(district.ID).Save(sys)
	if err != nil {
		return err
	}
	if err := workflow.SeedCategories(sys, client); err != nil {
		return err
	}
	cat, err := client.EventCategory.Query().FirstID(sys)
	if err != nil {
		return err
	}
	enf, err := authz.NewEnforcer()
	if err != nil {
		return err
	}
	svc := auth.NewService(client, enf, 24*time.Hour)
	hash, err := auth.HashPassword("wsfanout-password")
	if err != nil {
		return err
	}
	tokens := make([]string, n)
	for i := range n {
		p, err := client.Person.Create().SetName(fmt.Sprintf("测试人员%04d", i)).SetGridID(village.ID).Save(sys)
		if err != nil {
			return err
		}
		if _, err := client.Assignment.Create().SetPersonID(p.ID).SetGridID(village.ID).SetRole(assignment.RoleFIRST_RESPONSIBLE).
			SetValidFrom(time.Now().Add(-time.Hour)).Save(sys); err != nil {
			return err
		}
		if distinct {
			own, err := client.Grid.Create().SetCode(fmt.Sprintf("410102%03d%03d", 2+i/999, 1+i%999)).SetName(fmt.Sprintf("村%04d", i)).
				SetKind(grid.KindVILLAGE).SetParentID(district.ID).Save(sys)
			if err != nil {
				return err
			}
			if _, err := client.Assignment.Create().SetPersonID(p.ID).SetGridID(own.ID).SetRole(assignment.RoleFIRST_RESPONSIBLE).
				SetValidFrom(time.Now().Add(-time.Hour)).Save(sys); err != nil {
				return err
			}
		}
		u, err := client.User.Create().SetUsername(fmt.Sprintf("u%04d", i)).SetPasswordHash(hash).SetPersonID(p.ID).Save(sys)
		if err != nil {
			return err
		}
		if tokens[i], _, err = svc.OpenSession(sys, u.ID, "127.0.0.1"); err != nil {
			return err
		}
	}
	ts := httptest.NewServer(server.New(server.Config{Client: client, Enforcer: enf, Auth: svc, DB: db, SocketsPerAddress: n + 10}))
	defer ts.Close()
	before := memory()

	// The subscribers, in a child process: it prints "ready" once every socket is subscribed,
	// then "recv <report> <unix nanos>" per delivery, and exits when stdin closes.
	tokFile, err := os.CreateTemp("", "wsfanout-tokens")
	if err != nil {
		return err
	}
	defer os.Remove(tokFile.Name())
	if _, err := tokFile.WriteString(strings.Join(tokens, "\n")); err != nil {
		return err
	}
	tokFile.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(self, "-client", ts.URL, tokFile.Name())
	child.Stderr = os.Stderr
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		return err
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		return fmt.Errorf("client did not get ready: %q", lines.Text())
	}
	time.Sleep(500 * time.Millisecond) // the last subscriptions are registered
	after := memory()

	var mu sync.Mutex
	received := map[int][]time.Time{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for lines.Scan() {
			f := strings.Fields(lines.Text())
			if len(f) != 3 {
				continue
			}
			i, _ := strconv.Atoi(f[1])
			ns, _ := strconv.ParseInt(f[2], 10, 64)
			mu.Lock()
			received[i] = append(received[i], time.Unix(0, ns))
			mu.Unlock()
		}
	}()
	committed := make([]time.Time, reports)
	var reportTook []time.Duration
	for i := range reports {
		body, _ := json.Marshal(map[string]any{
			"query":     `mutation($g: ID!, $c: ID!, $t: String!) { reportEvent(input: {gridID: $g, categoryID: $c, title: $t, source: PATROL}) { id } }`,
			"variables": map[string]any{"g": village.ID, "c": cat, "t": "报告" + strconv.Itoa(i)},
		})
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens[0])
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		reportTook = append(reportTook, time.Since(start))
		// The commit is between the request's start and its answer: take the start, so that the
		// latency counted includes the mutation's own time (an upper bound).
		committed[i] = start
		// Wait for this report's deliveries before the next, so that each is measured alone.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			mu.Lock()
			got := len(received[i])
			mu.Unlock()
			if got >= n {
				break
			}
		}
	}
	stdin.Close()
	_ = child.Wait()
	<-done

	var lat []time.Duration
	missing := 0
	for i := range reports {
		missing += n - len(received[i])
		for _, at := range received[i] {
			lat = append(lat, at.Sub(committed[i]))
		}
	}
	slices.Sort(lat)
	slices.Sort(reportTook)
	pct := func(d []time.Duration, p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[min(len(d)-1, int(p*float64(len(d))))]
	}
	scopes := "one scope"
	if distinct {
		scopes = "a scope each"
	}
	fmt.Printf("store: %s; %d subscribers (%s), %d reports, %d deliveries, %d missing\n", store.Dialect(dbURL), n, scopes, reports, len(lat), missing)
	fmt.Printf("delivery latency from the report's start: p50 %v  p99 %v  max %v (the report mutation itself: p50 %v)\n",
		pct(lat, .5).Round(10*time.Microsecond), pct(lat, .99).Round(10*time.Microsecond), pct(lat, 1).Round(10*time.Microsecond), pct(reportTook, .5).Round(10*time.Microsecond))
	fmt.Printf("server memory per open socket: %.1f KiB Go heap+stacks (%d goroutines per socket), %.1f KiB resident\n",
		float64(after.heapStacks-before.heapStacks)/float64(n)/1024, (after.goroutines-before.goroutines)/n,
		float64(after.rss-before.rss)/float64(n)/1024)
	return nil
}

type mem struct {
	heapStacks, rss uint64
	goroutines      int
}

// memory returns the process's Go heap and stacks in use after a GC, and its resident memory.
func memory() mem {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := mem{heapStacks: ms.HeapInuse + ms.StackInuse, goroutines: runtime.NumGoroutine()}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				m.rss = kb * 1024
			}
		}
	}
	return m
}

// client opens a socket per token with one eventChanged subscription and prints each
// delivery's report number and arrival time.
func client(base, tokenFile string) error {
	b, err := os.ReadFile(tokenFile)
	if err != nil {
		return err
	}
	tokens := strings.Split(string(b), "\n")
	out := make(chan string, 4096)
	var wg sync.WaitGroup
	ready := make(chan error, len(tokens))
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready <- subscribe(base, tok, out)
		}()
	}
	for range tokens {
		if err := <-ready; err != nil {
			return err
		}
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "ready")
	w.Flush()
	go func() { // the parent closes stdin when it is done
		_, _ = bufio.NewReader(os.Stdin).ReadString(0)
		close(out)
	}()
	for line := range out {
		fmt.Fprintln(w, line)
		if len(out) == 0 {
			w.Flush()
		}
	}
	w.Flush()
	return nil
}

func subscribe(base, token string, out chan<- string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return err
	}
	conn.SetReadLimit(1 << 20)
	send := func(v any) error {
		b, _ := json.Marshal(v)
		return conn.Write(ctx, websocket.MessageText, b)
	}
	if err := send(map[string]any{"type": "connection_init", "payload": map[string]string{"authorization": "Bearer " + token}}); err != nil {
		return err
	}
	if _, data, err := conn.Read(ctx); err != nil || !bytes.Contains(data, []byte("connection_ack")) {
		return fmt.Errorf("init: %v %s", err, data)
	}
	if err := send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { eventChanged { kind event { title } } }`}}); err != nil {
		return err
	}
	go func() {
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			at := time.Now().UnixNano()
			var m struct {
				Type    string
				Payload struct {
					Data struct {
						EventChanged struct{ Event struct{ Title string } }
					}
				}
			}
			if json.Unmarshal(data, &m) != nil {
				continue
			}
			switch m.Type {
			case "ping":
				_ = conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
			case "next":
				i, _ := strconv.Atoi(strings.TrimPrefix(m.Payload.Data.EventChanged.Event.Title, "报告"))
				out <- fmt.Sprintf("recv %d %d", i, at)
			}
		}
	}()
	return nil
}
