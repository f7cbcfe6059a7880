// Command aliasflood measures what issue 13's anonymous alias flood does to a running
// server: it sends -concurrent anonymous operations of -aliases aliases of
// publicCards(rootCode:) at once to `gridgov serve --demo`, and meanwhile loads a signed-in
// user's page again and again, then reports the flood's answers and latencies, the page's
// latency before and during the flood, and the server's resident memory (from /proc, with
// -pid) before and at its highest.
//
//	go run ./internal/bench/aliasflood -pid $(pgrep -n gridgov)
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// page is the signed-in user's page: the README's cases with their timelines.
const page = `{ events(first: 20, where: {statusIn: [REGISTERED, DISPATCHED, HANDLING]},
	orderBy: {field: REPORTED_AT, direction: DESC}) { totalCount
	edges { node { id version title statusLabel slaLight overdue deadline
	category { name } grid { name } originGrid { name }
	timeline { actionLabel actor { name } fromStatus toStatus createdAt } } } } }`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "aliasflood:", err)
		os.Exit(1)
	}
}

func run() error {
	url := flag.String("url", "http://127.0.0.1:8080/graphql", "the GraphQL endpoint")
	pid := flag.Int("pid", 0, "the server's process id, for its memory (0: not measured)")
	concurrent := flag.Int("concurrent", 4, "flood operations sent at once")
	aliases := flag.Int("aliases", 240, "aliases of publicCards in each")
	root := flag.String("root", "410102", "the rootCode they ask for")
	user := flag.String("user", "village", "the signed-in user whose page is timed")
	password := flag.String("password", "gridgov-demo", "its password")
	flag.Parse()

	c := client{url: *url}
	var login struct {
		Login struct{ Token string }
	}
	if _, err := c.do("", `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`,
		map[string]any{"u": *user, "p": *password}, &login); err != nil {
		return fmt.Errorf("sign in as %s: %w", *user, err)
	}
	token := login.Login.Token
	timePage := func() (time.Duration, error) {
		start := time.Now()
		_, err := c.do(token, page, nil, nil)
		return time.Since(start), err
	}
	var before []time.Duration
	for range 10 {
		d, err := timePage()
		if err != nil {
			return fmt.Errorf("the signed-in page: %w", err)
		}
		before = append(before, d)
	}
	rssBefore := rss(*pid)

	var b strings.Builder
	b.WriteString("{ ")
	for i := range *aliases {
		fmt.Fprintf(&b, "a%d: publicCards(rootCode: %q) { gridCode } ", i, *root)
	}
	b.WriteString("}")
	flood := b.String()

	var (
		wg       sync.WaitGroup
		done     atomic.Bool
		mu       sync.Mutex
		answers  []string
		floodDur []time.Duration
		during   []time.Duration
		peak     = rssBefore
	)
	for range *concurrent {
		wg.Go(func() {
			start := time.Now()
			status, err := c.do("", flood, nil, nil)
			took := time.Since(start)
			answer := strconv.Itoa(status)
			if err != nil {
				answer += " " + err.Error()
			}
			mu.Lock()
			answers, floodDur = append(answers, answer), append(floodDur, took)
			mu.Unlock()
		})
	}
	var side sync.WaitGroup
	side.Go(func() {
		for !done.Load() {
			d, err := timePage()
			if err == nil {
				mu.Lock()
				during = append(during, d)
				mu.Unlock()
			}
		}
	})
	side.Go(func() {
		for !done.Load() {
			if r := rss(*pid); r > peak {
				mu.Lock()
				peak = r
				mu.Unlock()
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	wg.Wait()
	done.Store(true)
	side.Wait()

	fmt.Printf("flood: %d × %d aliases of publicCards(rootCode: %q), anonymous, at once\n", *concurrent, *aliases, *root)
	for i, a := range answers {
		fmt.Printf("  answer %d: HTTP %s in %v\n", i+1, short(a), floodDur[i].Round(time.Millisecond))
	}
	fmt.Printf("signed-in page (%s): p50 %v before, p50 %v max %v during (%d loads)\n", *user,
		p50(before), p50(during), slices.Max(append(during, 0)), len(during))
	if *pid != 0 {
		fmt.Printf("server RSS: %d MB before, %d MB at most during\n", rssBefore>>20, peak>>20)
	}
	return nil
}

// client sends GraphQL requests.
type client struct{ url string }

// do sends one operation and decodes its data into out; it returns the HTTP status and the
// first error's code and message, if any.
func (c client) do(token, query string, vars map[string]any, out any) (int, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return resp.StatusCode, fmt.Errorf("decode the response: %w", err)
	}
	if len(r.Errors) > 0 {
		return resp.StatusCode, fmt.Errorf("%s: %s", r.Errors[0].Extensions.Code, r.Errors[0].Message)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(r.Data, out)
	}
	return resp.StatusCode, nil
}

// rss is the resident memory of process pid in bytes, 0 when it cannot be read.
func rss(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func p50(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Round(100 * time.Microsecond)
}

func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
