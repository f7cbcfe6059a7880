package main

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/alecthomas/kong"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/auth"
	"gridgov/internal/calendar"
	"gridgov/internal/changefeed"
	"gridgov/internal/clock"
	"gridgov/internal/demo"
	"gridgov/internal/excel"
	"gridgov/internal/photos"
	"gridgov/internal/realtime"
	"gridgov/internal/replica"
	"gridgov/internal/server"
	"gridgov/internal/store"
)

// DefaultShutdownTimeout is how long serve waits for requests in flight when it is told to
// stop: longer than a request may take by default, so that every one of them can finish.
const DefaultShutdownTimeout = server.DefaultRequestTimeout + 5*time.Second

// maxSessionHours is the longest sign-in serve accepts: a year.
const maxSessionHours = 366 * 24

// serveSettings are the flags of serve, checked.
type serveSettings struct {
	addr, dbURL      string
	demo             bool
	introspection    bool
	sessionTTL       time.Duration
	production       bool
	logFormat        string // "text" or "json"
	maxOpenConns     int    // 0: store's default
	statementTimeout time.Duration
	requestTimeout   time.Duration
	supervisionPhone string // printed on the notice cards
	publicURL        string // in the cards' QR codes; empty: a trusted proxy's forwarded host, or the address reached
	trustedProxies   []netip.Prefix
	shutdownTimeout  time.Duration
	pprofAddr        string   // empty: no profiling listener
	metricsAddr      string   // empty: /metrics on the API's port, or nowhere in production mode
	corsOrigins      []string // empty: same origin only
	photoStore       string   // empty: photos.DefaultDir
	signingKey       []byte   // of download and photo links; empty: a random one (not in production)
	pooler           bool     // dbURL goes through a pooler in transaction mode
	listenURL        string   // PostgreSQL URL for LISTEN, direct to the server; empty: dbURL
	readURL          string   // a hot standby for reads; empty: none
	readMaxLag       time.Duration
	readWait         time.Duration
	warnings         []string // to log once the logger exists
}

// serveFlags are serve's flags, one line each (add new ones here); settings checks them.
type serveFlags struct {
	Addr             string        `name:"addr" env:"GRIDGOV_ADDR" default:"127.0.0.1:8080" help:"address to listen on"`
	DB               dbFlag        `embed:""`
	Demo             bool          `name:"demo" env:"GRIDGOV_DEMO" help:"load the Xushui demo data set and demo accounts (demo only; refused in production mode)"`
	Introspection    bool          `name:"introspection" env:"GRIDGOV_INTROSPECTION" default:"true" help:"allow GraphQL schema introspection (in production mode off unless given explicitly)"`
	SessionHours     int           `name:"session-hours" env:"GRIDGOV_SESSION_HOURS" default:"12" help:"how long a sign-in lasts, in hours"`
	Production       bool          `name:"production" env:"GRIDGOV_PRODUCTION" help:"production mode: refuse --demo, introspection off unless enabled explicitly, JSON logs"`
	LogFormat        string        `name:"log-format" env:"GRIDGOV_LOG_FORMAT" default:"auto" help:"log format on standard error: \"text\", \"json\", or \"auto\" (json in production mode, text otherwise)"`
	MaxOpenConns     int           `name:"db-max-open-conns" env:"GRIDGOV_DB_MAX_OPEN_CONNS" default:"0" help:"most database connections open at once, idle ones kept up to the same number (0: ${pg_max_open} for PostgreSQL, ${sqlite_max_open} for SQLite)"`
	StatementTimeout time.Duration `name:"db-statement-timeout" env:"GRIDGOV_DB_STATEMENT_TIMEOUT" default:"10s" help:"PostgreSQL statement_timeout of the server's connections, e.g. 10s (0: none; SQLite: ignored)"`
	RequestTimeout   time.Duration `name:"request-timeout" env:"GRIDGOV_REQUEST_TIMEOUT" default:"${request_timeout}" help:"how long a GraphQL request may take before it is stopped"`
	SupervisionPhone string        `name:"supervision-phone" env:"GRIDGOV_SUPERVISION_PHONE" help:"the supervision group's phone number (督察电话) printed on every notice card (demo: a sample number)"`
	PublicURL        string        `name:"public-url" env:"GRIDGOV_PUBLIC_URL" help:"the address residents reach the server at, e.g. https://grid.example.cn, put in the notice cards' QR codes (default: X-Forwarded-Host from a trusted proxy, else the address the connection reached; never the Host header)"`
	TrustedProxies   string        `name:"trusted-proxies" env:"GRIDGOV_TRUSTED_PROXIES" help:"comma-separated CIDRs or addresses of the reverse proxies in front of the server, e.g. 10.0.0.0/8; only their X-Forwarded-For, X-Real-IP and X-Forwarded-Host/-Proto are believed (default: none)"`
	ShutdownTimeout  time.Duration `name:"shutdown-timeout" env:"GRIDGOV_SHUTDOWN_TIMEOUT" default:"${shutdown_timeout}" help:"on SIGTERM or SIGINT, how long requests in flight may take to finish before they are cut off"`
	PprofAddr        string        `name:"pprof-addr" env:"GRIDGOV_PPROF_ADDR" help:"address of a separate listener serving Go profiles at /debug/pprof/, e.g. 127.0.0.1:6060 (default: off; never the --addr port; keep it private)"`
	MetricsAddr      string        `name:"metrics-addr" env:"GRIDGOV_METRICS_ADDR" help:"address of a separate listener serving Prometheus metrics at /metrics, e.g. 127.0.0.1:9090 (default: /metrics on the --addr port, except in production mode, where metrics are served only here)"`
	PhotoStore       string        `name:"photo-store" env:"GRIDGOV_PHOTO_STORE" help:"where uploaded photos are kept: file:///var/lib/gridgov/photos?create_dir=1, or s3://BUCKET?region=R&endpoint=URL&use_path_style=true for S3 or a compatible store (credentials from the AWS environment variables) (default: the directory ./gridgov-photos)"`
	SigningKeyFile   string        `name:"signing-key-file" env:"GRIDGOV_SIGNING_KEY_FILE" help:"file holding the key (at least 32 bytes, e.g. head -c 32 /dev/urandom | base64) that signs download and photo links, the same for every API process so that a link one hands out works on the others; required in production mode (default elsewhere: a random key per process)"`
	DBPooler         bool          `name:"db-pooler" env:"GRIDGOV_DB_POOLER" help:"the database URL reaches PostgreSQL through a pooler in transaction mode (pgbouncer): no run-time parameters are sent at connect (set jit=off and statement_timeout as the database's defaults; serve warns when they differ), and LISTEN goes to --listen-database-url"`
	ListenURL        string        `name:"listen-database-url" env:"GRIDGOV_LISTEN_DATABASE_URL" placeholder:"URL" help:"PostgreSQL URL straight to the primary, not through a pooler, for the LISTEN connections that hear other processes' changes (default: --database-url; required with --db-pooler)"`
	ReadURL          string        `name:"read-database-url" env:"GRIDGOV_READ_DATABASE_URL" placeholder:"URL" help:"PostgreSQL URL of a hot standby (streaming replica) of --database-url for reads: queries, public pages and downloads go there while it is at most --read-max-lag behind, a session's reads after its mutation waiting up to --read-wait for the standby to replay it (default: none, everything on the primary)"`
	ReadMaxLag       time.Duration `name:"read-max-lag" env:"GRIDGOV_READ_MAX_LAG" default:"10s" help:"how far the --read-database-url standby may lag behind the primary before it is skipped"`
	ReadWait         time.Duration `name:"read-wait" env:"GRIDGOV_READ_WAIT" default:"500ms" help:"how long a session's read after its mutation waits for the standby to replay it before it goes to the primary"`
	CORSOrigins      string        `name:"cors-origins" env:"GRIDGOV_CORS_ORIGINS" help:"comma-separated origins of browser frontends allowed to call the API from another origin, e.g. http://localhost:5173,https://*.grid.example.cn (default: none, same origin only)"`

	introspectionGiven bool // --introspection on the command line or in the environment
}

// AfterApply records whether --introspection was asked for, which production mode needs.
func (f *serveFlags) AfterApply(kctx *kong.Context) error {
	for _, p := range kctx.Path {
		if p.Flag != nil && p.Flag.Name == "introspection" && !p.Resolved {
			f.introspectionGiven = true
		}
	}
	if _, ok := os.LookupEnv("GRIDGOV_INTROSPECTION"); ok {
		f.introspectionGiven = true
	}
	return nil
}

// Run runs serve.
func (f *serveFlags) Run(e *runEnv) error {
	s, err := f.settings()
	if err != nil {
		return err
	}
	setServerGC()
	return serve(e.ctx, s, e.stdout)
}

// serverGCPercent is the server's GOGC unless the environment sets one. A request allocates
// about 200 kB that dies with it, and the live heap is a few tens of MB, so the default 100
// collected so often that GC took 15 % of the CPU at 16 clients (pprof on the city data set);
// 200 halves that (8 %) for a heap at most twice as large.
const serverGCPercent = 200

// setServerGC applies serverGCPercent when GOGC is not set.
func setServerGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}

// parseServeFlags reads serve's flags and environment variables as the command line does;
// --help prints them to out.
func parseServeFlags(args []string, out io.Writer) (serveSettings, error) {
	var c cli
	parser, err := newParser(&c, out, func(int) {})
	if err != nil {
		return serveSettings{}, err
	}
	if _, err := parser.Parse(append([]string{"serve"}, args...)); err != nil {
		return serveSettings{}, err
	}
	return c.Serve.settings()
}

// settings checks the flags and turns them into serveSettings.
func (f *serveFlags) settings() (serveSettings, error) {
	s := serveSettings{
		addr: f.Addr, dbURL: f.DB.URL, demo: f.Demo, introspection: f.Introspection,
		production: f.Production, logFormat: f.LogFormat, maxOpenConns: f.MaxOpenConns,
		statementTimeout: f.StatementTimeout, requestTimeout: f.RequestTimeout,
		shutdownTimeout: f.ShutdownTimeout, pprofAddr: f.PprofAddr, metricsAddr: f.MetricsAddr,
		supervisionPhone: f.SupervisionPhone, publicURL: strings.TrimRight(f.PublicURL, "/"),
		photoStore: f.PhotoStore, pooler: f.DBPooler, listenURL: f.ListenURL,
		readURL: f.ReadURL, readMaxLag: f.ReadMaxLag, readWait: f.ReadWait,
	}
	if f.SessionHours >= 1 && f.SessionHours <= maxSessionHours {
		s.sessionTTL = time.Duration(f.SessionHours) * time.Hour
	}
	proxies, err := server.ParseTrustedProxies(f.TrustedProxies)
	if err != nil {
		return s, fmt.Errorf("--trusted-proxies: %w", err)
	}
	s.trustedProxies = proxies
	if s.corsOrigins, err = server.ParseCORSOrigins(f.CORSOrigins); err != nil {
		return s, fmt.Errorf("--cors-origins: %w", err)
	}
	if s.pprofAddr != "" {
		if err := server.CheckProfilingAddr(s.pprofAddr, s.addr); err != nil {
			return s, fmt.Errorf("--pprof-addr: %w", err)
		}
	}
	if s.metricsAddr != "" {
		if err := server.CheckPrivateAddr("metrics", s.metricsAddr, s.addr); err != nil {
			return s, fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	if s.publicURL != "" {
		if u, err := neturl.Parse(s.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return s, fmt.Errorf("--public-url must be an absolute http(s) URL, got %q", f.PublicURL)
		}
	}
	switch {
	case f.SessionHours < 1 || f.SessionHours > maxSessionHours:
		// Checked before the multiplication by an hour, which overflows for large values.
		return s, fmt.Errorf("--session-hours must be at least 1 and at most %d (a year), got %d", maxSessionHours, f.SessionHours)
	case s.maxOpenConns < 0:
		return s, fmt.Errorf("--db-max-open-conns must not be negative, got %d", s.maxOpenConns)
	case s.statementTimeout < 0:
		return s, fmt.Errorf("--db-statement-timeout must not be negative, got %v", s.statementTimeout)
	case s.requestTimeout <= 0:
		return s, fmt.Errorf("--request-timeout must be positive, got %v", s.requestTimeout)
	case s.shutdownTimeout <= 0:
		return s, fmt.Errorf("--shutdown-timeout must be positive, got %v", s.shutdownTimeout)
	}
	switch s.logFormat {
	case "auto":
		s.logFormat = "text"
		if s.production {
			s.logFormat = "json"
		}
	case "text", "json":
	default:
		return s, fmt.Errorf(`--log-format must be "text", "json" or "auto", got %q`, s.logFormat)
	}
	if s.pooler && store.Dialect(s.dbURL) != dialect.Postgres {
		return s, errors.New("--db-pooler needs a PostgreSQL --database-url")
	}
	if s.pooler && s.listenURL == "" {
		return s, errors.New("--db-pooler needs --listen-database-url, straight to PostgreSQL: through a pooler in transaction mode LISTEN holds no server connection and hears nothing")
	}
	if s.listenURL != "" && store.Dialect(s.listenURL) != dialect.Postgres {
		return s, fmt.Errorf("--listen-database-url must be a PostgreSQL URL, got %q", store.RedactURL(s.listenURL))
	}
	if s.readURL != "" && (store.Dialect(s.readURL) != dialect.Postgres || store.Dialect(s.dbURL) != dialect.Postgres) {
		return s, errors.New("--read-database-url needs PostgreSQL URLs for it and --database-url")
	}
	if s.readMaxLag <= 0 || s.readWait <= 0 {
		return s, fmt.Errorf("--read-max-lag and --read-wait must be positive, got %v and %v", s.readMaxLag, s.readWait)
	}
	if f.SigningKeyFile != "" {
		if s.signingKey, err = readSigningKey(f.SigningKeyFile); err != nil {
			return s, fmt.Errorf("--signing-key-file: %w", err)
		}
	}
	if s.production {
		if len(s.signingKey) == 0 {
			return s, errors.New("production mode needs --signing-key-file (GRIDGOV_SIGNING_KEY_FILE): a key of its own per process would make the download and photo links one process hands out fail on the others, and change on every restart")
		}
		if s.demo {
			return s, errors.New("--demo is refused in production mode (--production, GRIDGOV_PRODUCTION): the demo accounts share a published password")
		}
		if !f.introspectionGiven {
			s.introspection = false
		}
		if s.metricsAddr == "" {
			s.warnings = append(s.warnings, "production mode without --metrics-addr: /metrics is served nowhere")
		}
		if store.Dialect(s.dbURL) == dialect.SQLite {
			s.warnings = append(s.warnings, "production mode on an SQLite file: fine for one small office, but PostgreSQL is what gridgov is run and measured on")
		}
	}
	return s, nil
}

// serve runs the HTTP server until ctx is done, then drains the requests in flight.
func serve(ctx context.Context, s serveSettings, stdout io.Writer) error {
	if err := server.CheckPolicies(); err != nil {
		return err
	}
	logger := server.NewLogger(os.Stderr, s.logFormat)
	slog.SetDefault(logger)
	for _, w := range s.warnings {
		logger.Warn(w)
	}
	client, db, err := openServeDatabase(ctx, s)
	if err != nil {
		return err
	}
	defer client.Close()
	enforcer, err := authz.NewEnforcer()
	if err != nil {
		return err
	}
	if s.production {
		names, err := demo.WithPublishedPassword(ctx, client)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return fmt.Errorf("production mode refused: the demo accounts %s still have the published demo password; "+
				"disable them (gridgov user disable NAME) or use a database not loaded with `gridgov demo`", strings.Join(names, ", "))
		}
	}
	if s.demo {
		all, err := demo.LoadAll(ctx, client)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo data: %d grids (1 sub-district, %d level-2, %d level-3), %d people, %d assignments, %d vehicles\n",
			all.Grids, all.Level2, all.Level3, all.People, all.Assignments, all.Vehicles)
		fmt.Fprintf(stdout, "demo cases: %d; daily work: %d households, %d visits, %d patrols, %d daily reports\n",
			all.Cases, all.Daily.Households, all.Daily.Visits, all.Daily.Patrols, all.Daily.DailyReports)
		fmt.Fprintf(stdout, "demo sign-ins (password %q for all; demo only):\n", demo.AccountPassword)
		for _, a := range all.Accounts {
			fmt.Fprintf(stdout, "  %-14s %s\n", a.Username, a.Description)
		}
		if s.supervisionPhone == "" {
			s.supervisionPhone = demo.SupervisionPhone
		}
		fmt.Fprintf(stdout, "demo public pages: /cards/%s, /cards?root=%s, /badges?root=%s, /bulletin/%s\n",
			demo.SanwangzhuangGroupCode, demo.SanwangzhuangCode, demo.SanwangzhuangCode, demo.SanwangzhuangCode)
	}
	listenURL := cmp.Or(s.listenURL, s.dbURL)
	viewers, stopFeed, err := viewerCache(ctx, listenURL, db, logger)
	if err != nil {
		return err
	}
	// Deferred after client.Close, so run before it: the feed listens, and acknowledges the
	// other processes' changes, while requests in flight drain, then says goodbye.
	defer stopFeed()
	// Subscriptions hear the case steps of every process: on PostgreSQL through LISTEN.
	var broker realtime.Broker = realtime.Local{}
	if store.Dialect(s.dbURL) == dialect.Postgres {
		pg, stopEvents, err := realtime.ListenPostgres(context.WithoutCancel(ctx), s.dbURL, logger)
		if err != nil {
			logger.Warn("case change feed not connected yet: subscriptions hear this process's changes until it is", "err", err)
		}
		defer stopEvents()
		broker = pg
	}
	// Deadlines use the database's holidays from the first request; other processes' changes
	// are reloaded as they commit.
	calDSN := ""
	if store.Dialect(s.dbURL) == dialect.Postgres {
		calDSN = listenURL
	}
	stopCal, err := calendar.Start(ctx, client, calDSN, logger, clock.Now)
	if err != nil {
		return err
	}
	defer stopCal()
	photoStore := s.photoStore
	if photoStore == "" {
		if photoStore, err = photos.DirURL(photos.DefaultDir); err != nil {
			return fmt.Errorf("photo store: %w", err)
		}
	}
	photoBucket, err := photos.Open(ctx, photoStore)
	if err != nil {
		return err
	}
	defer photoBucket.Close()
	logger.Info("photo store", "url", photos.Redact(photoStore))
	reads, stopReads, err := openReplica(ctx, s, client, db, logger)
	if err != nil {
		return err
	}
	defer stopReads()
	// One key signs the links of downloads and of photos: the configured one, shared by every
	// process, or outside production a random one of this process.
	if len(s.signingKey) == 0 {
		logger.Warn("no --signing-key-file: download and photo links are signed with a random key of this process; they fail on other processes and after a restart")
	}
	signer := excel.NewSigner(s.signingKey)
	handlers := server.Build(server.Config{
		Downloads:        signer,
		Photos:           photos.New(photoBucket, signer),
		Viewers:          viewers,
		Reads:            reads,
		Broker:           broker,
		Client:           client,
		Enforcer:         enforcer,
		Auth:             auth.NewService(client, enforcer, s.sessionTTL),
		Logger:           logger,
		DB:               db,
		Introspection:    s.introspection,
		RequestTimeout:   s.requestTimeout,
		SupervisionPhone: s.supervisionPhone,
		PublicURL:        s.publicURL,
		TrustedProxies:   s.trustedProxies,
		CORSOrigins:      s.corsOrigins,
		PrivateMetrics:   s.production || s.metricsAddr != "",
		// /readyz also says whether the migrations are current.
		Ready: func(ctx context.Context) error { return store.CheckSchema(ctx, db, store.Dialect(s.dbURL)) },
	})
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	srv := &http.Server{
		Handler:           handlers.Public,
		ReadHeaderTimeout: 10 * time.Second,
		// A body of the largest size allowed, on a slow mobile link.
		ReadTimeout: 30 * time.Second,
		// Longer than a request may take, so that its answer, even a timeout error, arrives.
		WriteTimeout: s.requestTimeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		// Requests outlive the signal that stops the server: they are drained, not cancelled.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:    slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	stats := db.Stats()
	logger.Info("serving", "addr", ln.Addr().String(), "database", store.RedactURL(s.dbURL),
		"production", s.production, "introspection", s.introspection,
		"db_max_open_conns", stats.MaxOpenConnections, "db_statement_timeout", s.statementTimeout.String(),
		"request_timeout", s.requestTimeout.String())
	errc := make(chan error, 3)
	if s.pprofAddr != "" {
		profiles, err := serveProfiling(s.pprofAddr, logger, errc)
		if err != nil {
			return err
		}
		defer profiles.Close()
	}
	if s.metricsAddr != "" {
		metrics, err := serveAside("--metrics-addr", "metrics", s.metricsAddr, handlers.Metrics, logger, errc)
		if err != nil {
			return err
		}
		defer metrics.Close()
		fmt.Fprintf(stdout, "gridgov metrics on http://%s/metrics\n", metrics.Addr)
	}
	fmt.Fprintf(stdout, "gridgov serving %s on http://%s/ (GraphiQL) and http://%s/graphql\n", store.RedactURL(s.dbURL), ln.Addr(), ln.Addr())
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Shutdown closes the listener at once, so new connections are refused, closes idle
	// connections, and waits for the requests in flight; the deferred client.Close closes the
	// database after them.
	logger.Info("shutting down: draining requests in flight", "shutdown_timeout", s.shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close() // cut off what is still running
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: requests still running after --shutdown-timeout %v were cut off", s.shutdownTimeout)
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped: every request in flight was answered")
	return nil
}

// serveProfiling serves server.Profiling on a listener of its own at addr until it is closed;
// a failure of that server is sent to errc.
func serveProfiling(addr string, logger *slog.Logger, errc chan<- error) (*http.Server, error) {
	srv, err := serveAside("--pprof-addr", "profiling", addr, server.Profiling(), logger, errc)
	if err == nil {
		logger.Warn("serving Go profiles: keep this address private", "pprof_addr", srv.Addr)
	}
	return srv, err
}

// serveAside serves handler on a listener of its own at addr (given by flag; what names it in
// errors) until it is closed; a failure of that server is sent to errc.
func serveAside(flag, what, addr string, handler http.Handler, logger *slog.Logger, errc chan<- error) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %w", flag, addr, err)
	}
	srv := &http.Server{
		Addr:              ln.Addr().String(), // the port chosen for :0
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("%s listener: %w", what, err)
		}
	}()
	return srv, nil
}

// feedConnectWait is how long serve waits for the authorization change feed before it serves
// anyway, with the viewer cache off until the feed connects.
const feedConnectWait = 10 * time.Second

// viewerCache returns the cache of session viewers: fed by this process's own changes and, on
// PostgreSQL, by every process's through LISTEN (changefeed), which acknowledges them through
// db, so that a role ended through one process is refused on the next request to any other.
// stop ends the feed.
func viewerCache(ctx context.Context, dbURL string, db *sql.DB, logger *slog.Logger) (cache *authz.ViewerCache, stop func(), err error) {
	cache = authz.NewViewerCache(0)
	authz.Subscribe(cache.Invalidate)
	if store.Dialect(dbURL) != dialect.Postgres {
		return cache, func() {}, nil
	}
	ready := make(chan struct{})
	// The feed outlives the signal to stop, until the requests in flight are drained.
	stop, err = changefeed.Listen(context.WithoutCancel(ctx), dbURL, db, cache, logger, ready)
	if err != nil {
		return nil, nil, err
	}
	select {
	case <-ready:
	case <-time.After(feedConnectWait):
		logger.Warn("authorization change feed not connected yet: serving with the viewer cache off")
	case <-ctx.Done():
	}
	return cache, stop, nil
}

// openReplica opens the --read-database-url standby and starts measuring it; nil without one.
// stop ends the measurements and closes the standby's pool.
func openReplica(ctx context.Context, s serveSettings, primary *ent.Client, primaryDB *sql.DB, logger *slog.Logger) (*replica.Router, func(), error) {
	if s.readURL == "" {
		return nil, func() {}, nil
	}
	url := s.readURL
	opts := []store.Option{store.WithMaxOpenConns(s.maxOpenConns)}
	switch {
	case s.pooler:
		opts = append(opts, store.WithPooler())
	case s.statementTimeout > 0:
		url = withStatementTimeout(url, s.statementTimeout)
	}
	client, db, err := store.Open(ctx, url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("--read-database-url: %w", err)
	}
	r := replica.New(primary, primaryDB, client, db, replica.Options{MaxLag: s.readMaxLag, Wait: s.readWait, Logger: logger})
	stop := r.Start(context.WithoutCancel(ctx))
	logger.Info("reads go to a replica when fresh", "read_database", store.RedactURL(s.readURL), "read_max_lag", s.readMaxLag.String())
	return r, func() { stop(); client.Close() }, nil
}

// openServeDatabase opens and prepares the database as openDatabase does, with the pool size and statement
// timeout of the settings, and returns the pool below the client for /readyz and /metrics.
func openServeDatabase(ctx context.Context, s serveSettings) (*ent.Client, *sql.DB, error) {
	url := s.dbURL
	opts := []store.Option{store.WithMaxOpenConns(s.maxOpenConns)}
	switch {
	case s.pooler:
		// The pooler would refuse or drop statement_timeout at connect: the database's
		// defaults must carry it, checked below.
		opts = append(opts, store.WithPooler())
	case store.Dialect(url) == dialect.Postgres && s.statementTimeout > 0:
		url = withStatementTimeout(url, s.statementTimeout)
	}
	client, db, err := store.Open(ctx, url, opts...)
	if err != nil {
		return nil, nil, err
	}
	if s.pooler {
		if err := store.CheckPooledSettings(ctx, db, store.PooledSettings(s.statementTimeout)); err != nil {
			slog.Warn(err.Error())
		}
	}
	// SQLite migrates itself; PostgreSQL is migrated by `gridgov migrate apply`, and serve
	// refuses a schema that is behind rather than changing a production database on start.
	migrate := func() error { return store.Migrate(ctx, client) }
	if store.Dialect(url) == dialect.Postgres {
		migrate = func() error { return store.CheckSchema(ctx, db, dialect.Postgres) }
	}
	if err := migrate(); err != nil {
		client.Close()
		return nil, nil, err
	}
	if err := prepareDatabase(ctx, client); err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, db, nil
}

// withStatementTimeout returns a PostgreSQL URL whose connections run with statement_timeout
// d, unless the URL sets one already. lib/pq sends URL parameters it does not know to the
// server as run-time settings. A URL that does not parse is returned as it is, for store.Open
// to report without its password.
func withStatementTimeout(url string, d time.Duration) string {
	u, err := neturl.Parse(url)
	if err != nil {
		return url
	}
	q := u.Query()
	if q.Has("statement_timeout") || strings.Contains(q.Get("options"), "statement_timeout") {
		return url
	}
	ms := max(d.Milliseconds(), 1) // 0 would mean no timeout
	if u.RawQuery != "" {
		u.RawQuery += "&"
	}
	u.RawQuery += "statement_timeout=" + strconv.FormatInt(ms, 10)
	return u.String()
}
