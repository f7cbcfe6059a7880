package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gridgov/internal/apperr"
	"gridgov/internal/calendar"
	"gridgov/internal/workcal"
)

const (
	// requestIDHeader carries the request id: taken from the client or its proxy when it is
	// a plausible id, generated otherwise, and always echoed in the response.
	requestIDHeader = "X-Request-Id"
	// maxOperationLabels bounds the distinct operation names in the metrics: clients choose
	// the names, and every name is a time series.
	maxOperationLabels = 200
	// readyTimeout bounds the readiness checks.
	readyTimeout = 2 * time.Second
)

var (
	validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
	validOperation = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
	validCode      = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
)

// requestInfo is what one GraphQL request tells the log line and the metrics written when it
// ends. The request's own goroutine writes it, before the response is written.
type requestInfo struct {
	id           string
	rawOperation string      // the operationName the client sent
	operation    string      // the name of the operation gqlgen ran or refused, once known
	known        bool        // whether operation is known
	codes        []string    // extensions.code of each error answered
	userID       int         // the signed-in user, 0 if anonymous
	fault        apperr.Code // the first database fault answered (see faultStatus), or ""
	pool         *sql.DB     // the server's pool, to tell a busy pool from a slow statement
}

type requestInfoKey struct{}

// infoFrom returns the request's info; outside an observed request, a throwaway one.
func infoFrom(ctx context.Context) *requestInfo {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{}
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string { return infoFrom(ctx).id }

// newRequestID returns the client's id when it is plausible, or a new random one.
func newRequestID(client string) string {
	if validRequestID.MatchString(client) {
		return client
	}
	return rand.Text()
}

// LogHandler returns h adding the request id (as request_id) to every record logged with the
// context of a request. server.New applies it to Config.Logger; give it to slog.SetDefault's
// logger too, so that code logging through slog's package functions gets the ids.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

// NewLogger returns a logger writing to w as JSON ("json") or as key=value text (anything
// else), with request ids.
func NewLogger(w io.Writer, format string) *slog.Logger {
	var h slog.Handler = slog.NewTextHandler(w, nil)
	if format == "json" {
		h = slog.NewJSONHandler(w, nil)
	}
	return slog.New(LogHandler(h))
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// observer logs each GraphQL request and keeps the Prometheus metrics.
type observer struct {
	logger   *slog.Logger               // nil: requests are measured, not logged
	client   func(*http.Request) string // the client's address, through trusted proxies
	pool     *sql.DB                    // given to each request's info; nil when the server has none
	registry *prometheus.Registry
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec

	mu         sync.Mutex
	operations map[string]bool // operation names admitted as labels
}

func newObserver(logger *slog.Logger, db *sql.DB) *observer {
	o := &observer{
		logger:   logger,
		client:   peer,
		pool:     db,
		registry: prometheus.NewRegistry(),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridgov_graphql_request_duration_seconds",
			Help: "Time to answer a GraphQL request, by operation name (anonymous for unnamed or unknown operations, other beyond the first names seen).",
			// The bars are p50 ≤ 5 ms and p99 ≤ 25 ms; requests stop at the 15 s timeout.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridgov_graphql_errors_total",
			Help: "Errors answered to GraphQL requests, by extensions.code.",
		}, []string{"code"}),
		operations: map[string]bool{},
	}
	o.registry.MustRegister(o.latency, o.errors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		// go_sql_* {db_name="gridgov"}: open, in use and idle connections, waits for one and
		// the time spent waiting, connections closed for being idle.
		o.registry.MustRegister(collectors.NewDBStatsCollector(db, "gridgov"))
	}
	return o
}

// metrics serves the metrics in the Prometheus text format.
func (o *observer) metrics() http.Handler {
	return promhttp.HandlerFor(o.registry, promhttp.HandlerOpts{})
}

// operationLabel maps an operation name to a label of bounded cardinality.
func (o *observer) operationLabel(name string) string {
	if l := logName(name); l != name {
		return l
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.operations[name] {
		if len(o.operations) >= maxOperationLabels {
			return "other"
		}
		o.operations[name] = true
	}
	return name
}

// logName is an operation name fit for a log line: "anonymous" for none, "other" for one
// that is not a plausible GraphQL name.
func logName(name string) string {
	switch {
	case name == "":
		return "anonymous"
	case !validOperation.MatchString(name):
		return "other"
	}
	return name
}

// wrap gives each request an id, and logs and measures it when it ends. It never logs
// headers, the query, variables or response data: they hold tokens and passwords.
func (o *observer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: newRequestID(r.Header.Get(requestIDHeader)), pool: o.pool}
		w.Header().Set(requestIDHeader, info.id)
		ctx := context.WithValue(r.Context(), requestInfoKey{}, info)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		took := time.Since(start)

		name := info.rawOperation
		if info.known {
			name = info.operation
		}
		label := "anonymous"
		if info.known {
			label = o.operationLabel(info.operation)
		}
		o.latency.WithLabelValues(label).Observe(took.Seconds())
		for _, code := range info.codes {
			if !validCode.MatchString(code) {
				code = "OTHER"
			}
			o.errors.WithLabelValues(code).Inc()
		}
		if o.logger == nil {
			return
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("operation", logName(name)),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000),
			slog.Int64("bytes", sw.bytes),
			slog.String("remote", o.client(r)),
		}
		if p := peer(r); p != o.client(r) { // behind a trusted proxy: name the proxy too
			attrs = append(attrs, slog.String("peer", p))
		}
		if info.userID != 0 {
			attrs = append(attrs, slog.Int("user_id", info.userID))
		}
		if len(info.codes) > 0 {
			attrs = append(attrs, slog.Any("codes", distinct(info.codes)))
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		o.logger.LogAttrs(ctx, level, "graphql request", attrs...)
	})
}

// recordResponse notes the operation and the error codes of a GraphQL response.
func recordResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	info := infoFrom(ctx)
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			info.operation, info.known = op.Name, true
		}
	}
	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			info.codes = append(info.codes, code)
			info.noteFault(apperr.Code(code))
		}
	}
	return resp
}

func distinct(codes []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range codes {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ping pings the database, trying again while the pool still holds idle connections: after a
// restart of PostgreSQL that an idle server did not notice, every pooled connection is
// broken, and each failed ping (driver.ErrBadConn, which database/sql does not retry for a
// ping) only discards the one it used, so a single ping would fail once per broken
// connection although the database answers.
func ping(ctx context.Context, db *sql.DB) error {
	err := db.PingContext(ctx)
	// One more try than there are idle connections: the last one dials a fresh connection.
	for tries := db.Stats().Idle + 1; errors.Is(err, driver.ErrBadConn) && tries > 0 && ctx.Err() == nil; tries-- {
		err = db.PingContext(ctx)
	}
	return err
}

// readyz answers 200 when the database answers a ping and cfg.Ready passes, within
// readyTimeout, and 503 otherwise. A ready answer adds a "warning:" line when the work
// calendar lacks a schedule it should have by now (calendar.Warning).
func readyz(cfg Config) http.HandlerFunc {
	logger := cfg.Logger
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		notReady := func(reason string) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "not ready: "+reason+"\n")
		}
		if cfg.DB == nil {
			notReady("no database configured")
			return
		}
		if err := ping(ctx, cfg.DB); err != nil {
			logger.WarnContext(ctx, "readiness: database unreachable", "error", err)
			notReady("database unreachable")
			return
		}
		if cfg.Ready != nil {
			if err := cfg.Ready(ctx); err != nil {
				logger.WarnContext(ctx, "readiness check failed", "error", err)
				notReady(err.Error())
				return
			}
		}
		_, _ = io.WriteString(w, "ready\n")
		if cfg.Reads != nil {
			// A replica that is skipped does not stop serving: the primary takes its reads.
			if st := cfg.Reads.Status(); st.Usable {
				_, _ = fmt.Fprintf(w, "read replica: in use, %s behind\n", st.Lag.Round(time.Millisecond))
			} else {
				_, _ = io.WriteString(w, "warning: read replica skipped, reads go to the primary: "+st.Reason+"\n")
			}
		}
		// A missing holiday schedule does not stop serving, but the operator must see it.
		if msg := calendar.Warning(workcal.Default(), cfg.Now()); msg != "" {
			_, _ = io.WriteString(w, "warning: "+msg+"\n")
		}
	}
}
