package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/server/graphiql"
	"gridgov/internal/servertest"
)

// cspViolations records, in every document of the tab, what the page's
// Content-Security-Policy refused; it runs before the page's own scripts.
const cspViolations = `window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.effectiveDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber));`

// TestGraphiQLOffline loads GraphiQL in headless Chromium that can reach nothing but the
// test server (every host name unresolvable, every other address through a proxy that does
// not exist), signs in with the page's helper, runs a query and reads its answer in the
// result pane: every file the page needs comes from gridgov, and its CSP refuses nothing
// the page does.
func TestGraphiQLOffline(t *testing.T) {
	exe := servertest.Chromium(t)
	db := dbtest.New(t, dialect.SQLite)
	env := servertest.New(t, db)
	hash, err := auth.HashPassword("graphiql-pass-123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Client.User.Create().SetUsername("graphiql-admin").SetPasswordHash(hash).SetSuperuser(true).Save(servertest.System()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	var mu sync.Mutex
	var requests, exceptions []string
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1300, 900),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.ProxyServer("http://127.0.0.1:9"), // loopback bypasses the proxy; nothing else does
	)...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			if d.Exception != nil {
				exceptions = append(exceptions, d.Text+" "+d.Exception.Description)
			} else {
				exceptions = append(exceptions, d.Text)
			}
		}
	}))
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	b := &tab{t: t, ctx: ctx}
	b.do("record CSP violations", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspViolations})
		return err
	}))

	const query = "{ me { username superuser } }"
	b.do("open GraphiQL", chromedp.Navigate(srv.URL+"/?query="+url.QueryEscape(query)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")))
	b.do("sign in", chromedp.SendKeys(chromedp.CSS("#username"), "graphiql-admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), "graphiql-pass-123"), chromedp.Click(chromedp.CSS("#sign-in-button")))
	get(b, "signed in", chromedp.Poll[bool](`document.getElementById("sign-in-status").textContent.includes("graphiql-admin")`, chromedp.WithPollingTimeout(20*time.Second)))
	// The token is in the headers editor, where the user sees it and GraphiQL sends it from.
	get(b, "token in the headers", chromedp.Poll[bool](`[...document.querySelectorAll(".CodeMirror")].some(e => /"Authorization": "Bearer [^"]+"/.test(e.CodeMirror.getValue()))`,
		chromedp.WithPollingTimeout(10*time.Second)))
	b.do("run the query", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	get(b, "the result", chromedp.Poll[bool](`(document.querySelector(".result-window") || {innerText: ""}).innerText.includes('"graphiql-admin"')`,
		chromedp.WithPollingTimeout(20*time.Second)))
	result := get(b, "result text", chromedp.Text(chromedp.CSS(".result-window")))
	if !strings.Contains(result, `"superuser": true`) {
		t.Errorf("result pane: %q, want the signed-in superuser", result)
	}
	// The settings dialog and the documentation explorer: a dialog locks the page's scroll
	// with a style of its own, and the explorer reads the schema (introspection is on here).
	b.do("open the settings", chromedp.Click(chromedp.CSS(`[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-dialog")))
	b.do("close the settings", chromedp.Click(chromedp.CSS(".graphiql-dialog-close")))
	b.do("open the documentation", chromedp.Click(chromedp.CSS(`[aria-label="Show Documentation Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-doc-explorer")))
	shot := get(b, "screenshot", chromedp.FullScreenshot(100))
	if dir := os.Getenv("GRIDGOV_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "graphiql.png"), shot, 0o644)
	}
	violations := get(b, "CSP violations", chromedp.Evaluate[[]string](`window.__csp`))

	mu.Lock()
	defer mu.Unlock()
	if len(violations) > 0 {
		t.Errorf("the page's CSP refused %d things, want none:\n%s", len(violations), strings.Join(violations, "\n"))
	}
	if len(exceptions) > 0 {
		t.Errorf("uncaught exceptions in the page:\n%s", strings.Join(exceptions, "\n"))
	}
	own := 0
	for _, u := range requests {
		switch {
		case strings.HasPrefix(u, srv.URL+"/"):
			own++
		case strings.HasPrefix(u, "data:"), strings.HasPrefix(u, "blob:"), u == "about:blank":
		default:
			t.Errorf("the page asked for %s, outside gridgov", u)
		}
	}
	if own < 6 { // the page, three scripts of the packages, its own script and style, /graphql
		t.Errorf("%d requests to the server, want the page, its files and /graphql: %q", own, requests)
	}
}

// TestGraphiQLFiles: the page carries a policy with a nonce of its own for each response;
// its files carry the policy and revalidate by ETag; the vendored packages' licences are there.
func TestGraphiQLFiles(t *testing.T) {
	t.Parallel()
	h := graphiql.Handler()
	nonces := map[string]bool{}
	for range 2 {
		rec := send(h, http.MethodGet, "/", nil, "")
		csp := rec.Header().Get("Content-Security-Policy")
		nonce, ok := strings.CutPrefix(csp, graphiql.ContentSecurityPolicy+"; style-src-elem 'self' 'nonce-")
		nonce = strings.TrimSuffix(nonce, "'")
		if rec.Code != http.StatusOK || !ok || len(nonce) < 16 || !strings.Contains(rec.Body.String(), `<meta name="csp-nonce" content="`+nonce+`">`) {
			t.Fatalf("GET /: %d, CSP %q, page without its nonce: %.300s", rec.Code, csp, rec.Body)
		}
		nonces[nonce] = true
	}
	if len(nonces) != 2 {
		t.Errorf("two responses of the page share their nonce")
	}
	for _, path := range []string{"/graphiql/graphiql.min.js", "/graphiql/react.production.min.js",
		"/graphiql/react-dom.production.min.js", "/graphiql/graphiql.min.css", "/graphiql/page.js", "/graphiql/LICENSE.graphiql",
		"/graphiql/LICENSE.react", "/graphiql/LICENSE.react-dom"} {
		rec := send(h, http.MethodGet, path, nil, "")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Security-Policy") != graphiql.ContentSecurityPolicy {
			t.Errorf("GET %s: %d, CSP %q", path, rec.Code, rec.Header().Get("Content-Security-Policy"))
			continue
		}
		again := send(h, http.MethodGet, path, map[string]string{"If-None-Match": rec.Header().Get("ETag")}, "")
		if again.Code != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", path, again.Code)
		}
	}
	for _, path := range []string{"/graphiql/", "/graphiql/index.html", "/graphiql/../server.go", "/graphiql/files/none.woff2"} {
		if rec := send(h, http.MethodGet, path, nil, ""); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	if csp := graphiql.ContentSecurityPolicy; strings.Contains(csp, "unsafe") || strings.Contains(csp, "data:") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q allows more than the server itself", csp)
	}
}

// tab runs steps in a browser tab and fails the test on the first error.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// get runs an action that returns a value.
func get[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// TestGraphiQLSubscription runs the README's kind of subscription in GraphiQL in headless
// Chromium: signed in with the page's helper, the subscription opens a WebSocket with the
// headers pane's sign-in, and a case reported through HTTP meanwhile shows in the result pane;
// the page's CSP refuses nothing.
func TestGraphiQLSubscription(t *testing.T) {
	exe := servertest.Chromium(t)
	db := dbtest.New(t, dialect.SQLite)
	env := servertest.New(t, db)
	hash, err := auth.HashPassword("graphiql-pass-123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Client.User.Create().SetUsername("graphiql-admin").SetPasswordHash(hash).SetSuperuser(true).Save(servertest.System()); err != nil {
		t.Fatal(err)
	}
	tr := newTree(t, db.Client)
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1300, 900),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
	)...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	b := &tab{t: t, ctx: ctx}
	b.do("record CSP violations", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspViolations})
		return err
	}))
	const query = "subscription { eventChanged { kind kindLabel event { title statusLabel } } }"
	b.do("open GraphiQL", chromedp.Navigate(srv.URL+"/?query="+url.QueryEscape(query)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")))
	b.do("sign in", chromedp.SendKeys(chromedp.CSS("#username"), "graphiql-admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), "graphiql-pass-123"), chromedp.Click(chromedp.CSS("#sign-in-button")))
	get(b, "token in the headers", chromedp.Poll[bool](`[...document.querySelectorAll(".CodeMirror")].some(e => /"Authorization": "Bearer [^"]+"/.test(e.CodeMirror.getValue()))`,
		chromedp.WithPollingTimeout(20*time.Second)))
	b.do("run the subscription", chromedp.Click(chromedp.CSS(".graphiql-execute-button")))
	time.Sleep(time.Second) // the socket opens and subscribes
	report(t, env, env.TokenFor(t, 0, true), tr.g11, "浏览器里看到的事件")
	get(b, "the delivery", chromedp.Poll[bool](`(document.querySelector(".result-window") || {innerText: ""}).innerText.includes("浏览器里看到的事件")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	result := get(b, "result text", chromedp.Text(chromedp.CSS(".result-window")))
	if !strings.Contains(result, `"REPORTED"`) || !strings.Contains(result, "上报") {
		t.Errorf("result pane: %s", result)
	}
	shot := get(b, "screenshot", chromedp.FullScreenshot(100))
	if dir := os.Getenv("GRIDGOV_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "graphiql-subscription.png"), shot, 0o644)
	}
	if violations := get(b, "CSP violations", chromedp.Evaluate[[]string](`window.__csp`)); len(violations) > 0 {
		t.Errorf("the page's CSP refused %d things, want none:\n%s", len(violations), strings.Join(violations, "\n"))
	}
}
