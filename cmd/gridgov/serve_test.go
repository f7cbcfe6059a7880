package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
	"gridgov/internal/store"
)

// TestServeFlags: each flag of serve and its environment twin, and what production mode
// refuses or changes.
func TestServeFlags(t *testing.T) {
	defaults := serveSettings{
		addr: "127.0.0.1:8080", dbURL: "gridgov.db", introspection: true, sessionTTL: 12 * time.Hour,
		logFormat: "text", statementTimeout: 10 * time.Second, requestTimeout: 15 * time.Second,
		shutdownTimeout: 20 * time.Second, readMaxLag: 10 * time.Second, readWait: 500 * time.Millisecond,
	}
	with := func(change func(s *serveSettings)) serveSettings {
		s := defaults
		change(&s)
		return s
	}
	const metricsWarning = "production mode without --metrics-addr: /metrics is served nowhere"
	const sqliteWarning = "production mode on an SQLite file: fine for one small office, but PostgreSQL is what gridgov is run and measured on"
	pg := "postgres://gridgov@db.internal:5432/gridgov?sslmode=disable"
	keyFile, key := writeSigningKey(t)
	shortKey := filepath.Join(t.TempDir(), "short.key")
	if err := os.WriteFile(shortKey, []byte("too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    serveSettings
		wantErr string
	}{
		{name: "defaults", want: defaults},
		{name: "every flag", args: []string{"--addr", ":9000", "--database-url", pg, "--demo", "--introspection=false",
			"--session-hours", "2", "--log-format", "json", "--db-max-open-conns", "32", "--db-statement-timeout", "2s", "--request-timeout", "5s",
			"--supervision-phone", "0371-1234", "--public-url", "https://grid.example.cn/", "--shutdown-timeout", "1m"},
			want: serveSettings{addr: ":9000", dbURL: pg, demo: true, sessionTTL: 2 * time.Hour, logFormat: "json",
				maxOpenConns: 32, statementTimeout: 2 * time.Second, requestTimeout: 5 * time.Second,
				supervisionPhone: "0371-1234", publicURL: "https://grid.example.cn", shutdownTimeout: time.Minute,
				readMaxLag: 10 * time.Second, readWait: 500 * time.Millisecond}},
		{name: "every environment variable", env: map[string]string{"GRIDGOV_ADDR": ":9000", "GRIDGOV_DATABASE_URL": pg,
			"GRIDGOV_DEMO": "true", "GRIDGOV_INTROSPECTION": "0", "GRIDGOV_SESSION_HOURS": "2", "GRIDGOV_LOG_FORMAT": "json",
			"GRIDGOV_DB_MAX_OPEN_CONNS": "32", "GRIDGOV_DB_STATEMENT_TIMEOUT": "2s", "GRIDGOV_REQUEST_TIMEOUT": "5s",
			"GRIDGOV_SUPERVISION_PHONE": "0371-1234", "GRIDGOV_PUBLIC_URL": "https://grid.example.cn",
			"GRIDGOV_SHUTDOWN_TIMEOUT": "1m"},
			want: serveSettings{addr: ":9000", dbURL: pg, demo: true, sessionTTL: 2 * time.Hour, logFormat: "json",
				maxOpenConns: 32, statementTimeout: 2 * time.Second, requestTimeout: 5 * time.Second,
				supervisionPhone: "0371-1234", publicURL: "https://grid.example.cn", shutdownTimeout: time.Minute,
				readMaxLag: 10 * time.Second, readWait: 500 * time.Millisecond}},
		{name: "the flag wins over the environment", args: []string{"--db-max-open-conns", "8"}, env: map[string]string{"GRIDGOV_DB_MAX_OPEN_CONNS": "32"},
			want: with(func(s *serveSettings) { s.maxOpenConns = 8 })},
		{name: "statement timeout off", args: []string{"--db-statement-timeout", "0"}, want: with(func(s *serveSettings) { s.statementTimeout = 0 })},

		{name: "production", args: []string{"--production", "--signing-key-file", keyFile, "--database-url", pg},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.dbURL, s.introspection, s.logFormat = true, pg, false, "json"
				s.warnings = []string{metricsWarning}
			})},
		{name: "production from the environment", env: map[string]string{"GRIDGOV_SIGNING_KEY_FILE": keyFile, "GRIDGOV_PRODUCTION": "true", "GRIDGOV_DATABASE_URL": pg},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.dbURL, s.introspection, s.logFormat = true, pg, false, "json"
				s.warnings = []string{metricsWarning}
			})},
		{name: "production with introspection asked for", args: []string{"--production", "--signing-key-file", keyFile, "--introspection", "--database-url", pg},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.dbURL, s.logFormat = true, pg, "json"
				s.warnings = []string{metricsWarning}
			})},
		{name: "production with introspection asked for in the environment", args: []string{"--production", "--signing-key-file", keyFile, "--database-url", pg},
			env: map[string]string{"GRIDGOV_INTROSPECTION": "true"},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.dbURL, s.logFormat = true, pg, "json"
				s.warnings = []string{metricsWarning}
			})},
		{name: "production with text logs", args: []string{"--production", "--signing-key-file", keyFile, "--log-format", "text", "--database-url", pg},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.dbURL, s.introspection = true, pg, false
				s.warnings = []string{metricsWarning}
			})},
		{name: "production on SQLite warns", args: []string{"--production", "--signing-key-file", keyFile},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.introspection, s.logFormat, s.warnings = true, false, "json", []string{metricsWarning, sqliteWarning}
			})},

		{name: "behind a pooler", args: []string{"--database-url", pg, "--db-pooler", "--listen-database-url", pg + "&application_name=listen"},
			want: with(func(s *serveSettings) { s.dbURL, s.pooler, s.listenURL = pg, true, pg+"&application_name=listen" })},
		{name: "behind a pooler from the environment", env: map[string]string{"GRIDGOV_DATABASE_URL": pg, "GRIDGOV_DB_POOLER": "1", "GRIDGOV_LISTEN_DATABASE_URL": pg},
			want: with(func(s *serveSettings) { s.dbURL, s.pooler, s.listenURL = pg, true, pg })},
		{name: "a pooler without a direct URL to listen on", args: []string{"--database-url", pg, "--db-pooler"}, wantErr: "--db-pooler needs --listen-database-url"},
		{name: "a pooler on SQLite", args: []string{"--db-pooler", "--listen-database-url", pg}, wantErr: "--db-pooler needs a PostgreSQL --database-url"},
		{name: "listening on SQLite", args: []string{"--listen-database-url", "gridgov.db"}, wantErr: "--listen-database-url must be a PostgreSQL URL"},
		{name: "a read replica", args: []string{"--database-url", pg, "--read-database-url", pg + "&host=standby", "--read-max-lag", "3s", "--read-wait", "200ms"},
			want: with(func(s *serveSettings) {
				s.dbURL, s.readURL, s.readMaxLag, s.readWait = pg, pg+"&host=standby", 3*time.Second, 200*time.Millisecond
			})},
		{name: "a read replica from the environment", env: map[string]string{"GRIDGOV_DATABASE_URL": pg, "GRIDGOV_READ_DATABASE_URL": pg, "GRIDGOV_READ_MAX_LAG": "1m"},
			want: with(func(s *serveSettings) { s.dbURL, s.readURL, s.readMaxLag = pg, pg, time.Minute })},
		{name: "a read replica of SQLite", args: []string{"--read-database-url", pg}, wantErr: "--read-database-url needs PostgreSQL"},
		{name: "no lag allowed", args: []string{"--read-max-lag", "0s"}, wantErr: "--read-max-lag and --read-wait must be positive"},
		{name: "production needs a signing key", args: []string{"--production", "--database-url", pg}, wantErr: "production mode needs --signing-key-file"},
		{name: "signing key outside production", args: []string{"--signing-key-file", keyFile},
			want: with(func(s *serveSettings) { s.signingKey = key })},
		{name: "a short signing key", args: []string{"--signing-key-file", shortKey}, wantErr: "holds 9 bytes, want at least 32"},
		{name: "a missing signing key file", args: []string{"--signing-key-file", shortKey + ".missing"}, wantErr: "--signing-key-file: open"},
		{name: "production refuses the demo", args: []string{"--production", "--signing-key-file", keyFile, "--demo"}, wantErr: "--demo is refused in production mode"},
		{name: "a relative public URL", args: []string{"--public-url", "grid.example.cn"}, wantErr: "--public-url must be an absolute http(s) URL"},
		{name: "a public URL of another scheme", args: []string{"--public-url", "javascript:alert(1)"}, wantErr: "--public-url must be an absolute http(s) URL"},
		{name: "production refuses the demo from the environment", env: map[string]string{"GRIDGOV_PRODUCTION": "1", "GRIDGOV_DEMO": "1", "GRIDGOV_SIGNING_KEY_FILE": keyFile},
			wantErr: "--demo is refused in production mode"},
		{name: "a bad boolean in the environment", env: map[string]string{"GRIDGOV_PRODUCTION": "yes please"},
			wantErr: "environment variable GRIDGOV_PRODUCTION: invalid value for --production"},
		{name: "a bad number in the environment", env: map[string]string{"GRIDGOV_DB_MAX_OPEN_CONNS": "many"},
			wantErr: "environment variable GRIDGOV_DB_MAX_OPEN_CONNS"},
		{name: "a bad duration in the environment", env: map[string]string{"GRIDGOV_REQUEST_TIMEOUT": "15"},
			wantErr: "environment variable GRIDGOV_REQUEST_TIMEOUT"},
		{name: "unknown log format", args: []string{"--log-format", "xml"}, wantErr: `--log-format must be "text", "json" or "auto"`},
		{name: "negative pool", args: []string{"--db-max-open-conns", "-1"}, wantErr: "--db-max-open-conns must not be negative"},
		{name: "no request timeout", args: []string{"--request-timeout", "0"}, wantErr: "--request-timeout must be positive"},
		{name: "no shutdown timeout", args: []string{"--shutdown-timeout", "0s"}, wantErr: "--shutdown-timeout must be positive"},
		{name: "no session", args: []string{"--session-hours", "0"}, wantErr: "--session-hours must be at least 1"},
		{name: "trusted proxies", args: []string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.1"},
			want: func() serveSettings {
				s := defaults
				s.trustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
				return s
			}()},
		{name: "trusted proxies from the environment", env: map[string]string{"GRIDGOV_TRUSTED_PROXIES": "10.0.0.0/8"},
			want: func() serveSettings {
				s := defaults
				s.trustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
				return s
			}()},
		{name: "bad trusted proxy", args: []string{"--trusted-proxies", "10.0.0.0/99"}, wantErr: "--trusted-proxies"},
		{name: "session overflows", args: []string{"--session-hours", "100000000"}, wantErr: "--session-hours must be at least 1 and at most 8784"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected argument now"},

		{name: "profiling listener", args: []string{"--pprof-addr", "127.0.0.1:6060"},
			want: with(func(s *serveSettings) { s.pprofAddr = "127.0.0.1:6060" })},
		{name: "profiling listener from the environment", env: map[string]string{"GRIDGOV_PPROF_ADDR": "127.0.0.1:6060"},
			want: with(func(s *serveSettings) { s.pprofAddr = "127.0.0.1:6060" })},
		{name: "profiling on the API address", args: []string{"--pprof-addr", "127.0.0.1:8080"}, wantErr: "--pprof-addr: profiling address"},
		{name: "profiling on the API address from the environment", env: map[string]string{"GRIDGOV_PPROF_ADDR": ":9000", "GRIDGOV_ADDR": ":9000"},
			wantErr: "never be served on the public port"},
		{name: "profiling on the wildcard of the API port", args: []string{"--pprof-addr", "0.0.0.0:8080"}, wantErr: "--pprof-addr"},
		{name: "profiling address without a port", args: []string{"--pprof-addr", "localhost"}, wantErr: "--pprof-addr"},

		{name: "metrics listener", args: []string{"--metrics-addr", "127.0.0.1:9090"},
			want: with(func(s *serveSettings) { s.metricsAddr = "127.0.0.1:9090" })},
		{name: "production with a metrics listener from the environment", args: []string{"--production", "--signing-key-file", keyFile, "--database-url", pg},
			env: map[string]string{"GRIDGOV_METRICS_ADDR": "127.0.0.1:9090"},
			want: with(func(s *serveSettings) {
				s.signingKey = key
				s.production, s.dbURL, s.introspection, s.logFormat, s.metricsAddr = true, pg, false, "json", "127.0.0.1:9090"
			})},
		{name: "metrics on the API address", args: []string{"--metrics-addr", "0.0.0.0:8080"}, wantErr: "--metrics-addr: metrics address"},

		{name: "CORS origins", args: []string{"--cors-origins", "http://localhost:5173, https://*.grid.example.cn"},
			want: with(func(s *serveSettings) { s.corsOrigins = []string{"http://localhost:5173", "https://*.grid.example.cn"} })},
		{name: "CORS origins from the environment", env: map[string]string{"GRIDGOV_CORS_ORIGINS": "http://localhost:5173"},
			want: with(func(s *serveSettings) { s.corsOrigins = []string{"http://localhost:5173"} })},
		{name: "CORS for everyone", args: []string{"--cors-origins", "*"}, wantErr: "--cors-origins"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range serveEnv {
				t.Setenv(k, "") // restored when the test ends
				os.Unsetenv(k)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got, err := parseServeFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseServeFlags(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(serveSettings{}), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("parseServeFlags(%q) (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

// serveEnv are serve's flags and their environment variables.
var serveEnv = map[string]string{
	"addr": "GRIDGOV_ADDR", "database-url": "GRIDGOV_DATABASE_URL", "demo": "GRIDGOV_DEMO",
	"introspection": "GRIDGOV_INTROSPECTION", "session-hours": "GRIDGOV_SESSION_HOURS",
	"production": "GRIDGOV_PRODUCTION", "log-format": "GRIDGOV_LOG_FORMAT",
	"db-max-open-conns": "GRIDGOV_DB_MAX_OPEN_CONNS", "db-statement-timeout": "GRIDGOV_DB_STATEMENT_TIMEOUT",
	"request-timeout": "GRIDGOV_REQUEST_TIMEOUT", "supervision-phone": "GRIDGOV_SUPERVISION_PHONE",
	"public-url": "GRIDGOV_PUBLIC_URL", "shutdown-timeout": "GRIDGOV_SHUTDOWN_TIMEOUT",
	"trusted-proxies": "GRIDGOV_TRUSTED_PROXIES", "pprof-addr": "GRIDGOV_PPROF_ADDR",
	"metrics-addr": "GRIDGOV_METRICS_ADDR", "cors-origins": "GRIDGOV_CORS_ORIGINS",
	"photo-store": "GRIDGOV_PHOTO_STORE", "signing-key-file": "GRIDGOV_SIGNING_KEY_FILE",
	"db-pooler": "GRIDGOV_DB_POOLER", "listen-database-url": "GRIDGOV_LISTEN_DATABASE_URL",
	"read-database-url": "GRIDGOV_READ_DATABASE_URL", "read-max-lag": "GRIDGOV_READ_MAX_LAG", "read-wait": "GRIDGOV_READ_WAIT",
}

// writeSigningKey writes a link-signing key file as an operator would (base64 of random
// bytes and a newline) and returns its path and the key serve reads from it.
func writeSigningKey(t *testing.T) (string, []byte) {
	t.Helper()
	key := []byte("c2lnbmluZy1rZXktb2YtdGhlLXRlc3Qtc3VpdGUtMzI=")
	path := filepath.Join(t.TempDir(), "signing.key")
	if err := os.WriteFile(path, append(key, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, key
}

// TestServeHelp: serve --help succeeds and lists every flag with its environment variable.
func TestServeHelp(t *testing.T) {
	t.Parallel()
	out, err := run(t, "", "serve", "--help")
	if err != nil {
		t.Errorf("serve --help = %v, want success", err)
	}
	for name, env := range serveEnv {
		re := regexp.MustCompile(`(?m)^ +--` + regexp.QuoteMeta(name) + `\b[^$]*?\(\$` + env + `\)`)
		if !re.MatchString(out) {
			t.Errorf("serve --help does not list --%s with ($%s):\n%s", name, env, out)
		}
	}
	if n := strings.Count(out, "($GRIDGOV_"); n != len(serveEnv) {
		t.Errorf("serve --help lists %d environment variables, want %d", n, len(serveEnv))
	}
}

func TestWithStatementTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url  string
		d    time.Duration
		want string
	}{
		{"postgres://u@h/db", 10 * time.Second, "postgres://u@h/db?statement_timeout=10000"},
		{"postgres://u:p%40ss@h:5432/db?sslmode=disable", 1500 * time.Millisecond, "postgres://u:p%40ss@h:5432/db?sslmode=disable&statement_timeout=1500"},
		{"postgres://u@h/db", time.Microsecond, "postgres://u@h/db?statement_timeout=1"},
		{"postgres://u@h/db?statement_timeout=500", 10 * time.Second, "postgres://u@h/db?statement_timeout=500"},
		{"postgres://u@h/db?options=-c%20statement_timeout%3D500", 10 * time.Second, "postgres://u@h/db?options=-c%20statement_timeout%3D500"},
		{"postgres://u@h/db?options=-c%20search_path%3Dx", time.Second, "postgres://u@h/db?options=-c%20search_path%3Dx&statement_timeout=1000"},
		{"postgres://u@h:bad/db", time.Second, "postgres://u@h:bad/db"},
	}
	for _, tc := range cases {
		if got := withStatementTimeout(tc.url, tc.d); got != tc.want {
			t.Errorf("withStatementTimeout(%q, %v) = %q, want %q", tc.url, tc.d, got, tc.want)
		}
	}
}

// TestStatementTimeout: PostgreSQL connections opened with withStatementTimeout run with that
// statement_timeout, and a longer statement is stopped.
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	_, pool, err := store.Open(t.Context(), withStatementTimeout(db.URL, 300*time.Millisecond), store.WithMaxOpenConns(3))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var setting string
	if err := pool.QueryRowContext(t.Context(), "SHOW statement_timeout").Scan(&setting); err != nil {
		t.Fatal(err)
	}
	if setting != "300ms" {
		t.Errorf("statement_timeout = %q, want 300ms", setting)
	}
	start := time.Now()
	_, err = pool.ExecContext(t.Context(), "SELECT pg_sleep(5)")
	if err == nil || !strings.Contains(err.Error(), "statement timeout") {
		t.Errorf("pg_sleep(5) = %v, want a statement timeout", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("pg_sleep(5) stopped after %v, want about 300ms", took)
	}
	if n := pool.Stats().MaxOpenConnections; n != 3 {
		t.Errorf("pool of %d connections, want 3", n)
	}
}

// listenAddr reads serve's standard output to its end, giving each line to each (if not nil),
// and sends the address serve listens on; the channel is closed when the output ends.
func listenAddr(r io.Reader, each func(line string)) <-chan string {
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		re := regexp.MustCompile(`on http://([^/]+)/ \(GraphiQL\)`)
		for sc.Scan() {
			if each != nil {
				each(sc.Text())
			}
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	return addr
}

// startServe runs realMain serve with args until the test ends, and returns its base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	return startServeEach(t, nil, args...)
}

// startServeEach is startServe calling each with every line serve prints until it listens.
func startServeEach(t *testing.T, each func(string), args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	migrateMu.Lock() // until serve listens, which is after its migration
	go func() {
		done <- realMain(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), pw)
		pw.Close()
	}()
	addr := listenAddr(pr, each)
	var base string
	select {
	case a, ok := <-addr:
		migrateMu.Unlock()
		if !ok {
			t.Fatalf("serve ended before listening: %v", <-done)
		}
		base = "http://" + a
	case err := <-done:
		migrateMu.Unlock()
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(60 * time.Second):
		migrateMu.Unlock()
		t.Fatal("serve did not start listening within 60 s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after cancel, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s of cancel")
		}
	})
	return base
}

// TestServeProduction runs serve in production mode and checks what an operations team sees:
// readiness, metrics with the pool size given on their own listener only, request ids, and
// introspection off.
func TestServeProduction(t *testing.T) {
	t.Parallel()
	metricsLine := regexp.MustCompile(`^gridgov metrics on (http://[^/]+)/metrics$`)
	var metricsBase string
	keyFile, _ := writeSigningKey(t)
	base := startServeEach(t, func(line string) {
		if m := metricsLine.FindStringSubmatch(line); m != nil {
			metricsBase = m[1]
		}
	}, "--production", "--signing-key-file", keyFile, "--database-url", filepath.Join(t.TempDir(), "prod.db"), "--db-max-open-conns", "3", "--metrics-addr", "127.0.0.1:0")
	if metricsBase == "" {
		t.Fatal("serve --metrics-addr did not print where the metrics are")
	}
	fetch := func(url string) (int, string, http.Header) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	get := func(path string) (int, string, http.Header) { return fetch(base + path) }
	post := func(query string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query": "`+query+`", "operationName": "Probe"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", "probe-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	// The first line says ready; a warning line (a year without a holiday schedule) may follow.
	if status, body, _ := get("/readyz"); status != http.StatusOK || !strings.HasPrefix(body, "ready\n") {
		t.Errorf("GET /readyz = %d %q", status, body)
	}
	status, body, header := post(`query Probe { __schema { types { name } } }`)
	if !strings.Contains(body, `"message":"introspection disabled"`) || !strings.Contains(body, `"data":null`) {
		t.Errorf("introspection in production mode = %d %s, want refused", status, body)
	}
	if id := header.Get("X-Request-Id"); id != "probe-1" {
		t.Errorf("X-Request-Id = %q, want probe-1", id)
	}
	if status, body, _ := post(`query Probe { __typename }`); status != http.StatusOK {
		t.Errorf("query Probe = %d %s", status, body)
	}
	if status, body, _ := get("/metrics"); status != http.StatusNotFound || strings.Contains(body, "gridgov_") {
		t.Errorf("GET /metrics on the public port in production mode = %d %.100s, want 404", status, body)
	}
	_, metrics, _ := fetch(metricsBase + "/metrics")
	for _, want := range []string{
		`gridgov_graphql_request_duration_seconds_count{operation="Probe"} 2`,
		`gridgov_graphql_errors_total{code="BAD_USER_INPUT"} 1`,
		`go_sql_max_open_connections{db_name="gridgov"} 3`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestServeProfiling: --pprof-addr's listener serves the profiles on its own port and stops
// when closed.
func TestServeProfiling(t *testing.T) {
	t.Parallel()
	errc := make(chan error, 1)
	srv, err := serveProfiling("127.0.0.1:0", slog.New(slog.DiscardHandler), errc)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + srv.Addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/cmdline on the profiling listener: %d, want 200", resp.StatusCode)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		t.Errorf("closing the profiling listener reported %v", err)
	default:
	}
	if _, err := http.Get("http://" + srv.Addr + "/debug/pprof/"); err == nil {
		t.Errorf("the profiling listener still answers after Close")
	}
}
