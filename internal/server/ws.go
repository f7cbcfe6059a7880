package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/authz"
	"gridgov/internal/apperr"
	"gridgov/internal/realtime"
)

// WebSocket settings.
const (
	// CloseForbidden is the close code of a connection whose sign-in was refused or has ended
	// (session revoked, account disabled, a role ended), as graphql-ws names it.
	CloseForbidden = 4403
	// DefaultSocketsPerAddress bounds the open WebSockets of one client address.
	DefaultSocketsPerAddress = 20
	// socketPing is how often a connection is pinged (graphql-transport-ws ping, or the
	// legacy protocol's keep-alive); one that does not answer within twice that is closed.
	socketPing = 25 * time.Second
	// socketInitTimeout is how long a connection may take to send connection_init.
	socketInitTimeout = 10 * time.Second
	// socketWriteTimeout bounds one message written to a connection: a client that stops
	// reading is cut off rather than holding its subscriptions' goroutines.
	socketWriteTimeout = 10 * time.Second
	// socketRecheck is how often an open connection's sign-in is checked again even when no
	// change was announced, as a last line of defence (the viewer cache's maxViewerAge).
	socketRecheck = 10 * time.Minute
	// socketReadLimit bounds a message from the client (subscribe messages are small).
	socketReadLimit = 64 << 10
)

// sockets are the server's open WebSocket connections.
type sockets struct {
	cfg     Config
	hub     *realtime.Hub
	perAddr int

	mu     sync.Mutex
	byAddr map[string]int
	all    map[*socket]struct{}

	open   atomic.Int64
	closes *prometheus.CounterVec
}

func newSockets(cfg Config, hub *realtime.Hub) *sockets {
	s := &sockets{
		cfg: cfg, hub: hub, perAddr: cfg.SocketsPerAddress,
		byAddr: map[string]int{}, all: map[*socket]struct{}{},
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridgov_websocket_closed_total",
			Help: "WebSocket connections the server closed, by reason: forbidden (sign-in refused or ended), slow (a slow consumer dropped).",
		}, []string{"reason"}),
	}
	if s.perAddr <= 0 {
		s.perAddr = DefaultSocketsPerAddress
	}
	cfg.Viewers.Watch(s.changed)
	return s
}

// collectors are the realtime metrics: open sockets and subscriptions, deliveries and drops.
func (s *sockets) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridgov_websockets_open", Help: "Open WebSocket connections."},
			func() float64 { return float64(s.open.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gridgov_subscriptions_open", Help: "Open GraphQL subscriptions."},
			func() float64 { return float64(s.hub.Stats().Subscriptions) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridgov_subscription_deliveries_total", Help: "Changes delivered to subscriptions."},
			func() float64 { return float64(s.hub.Stats().Deliveries) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridgov_subscription_drops_total", Help: "Subscribers dropped for reading too slowly."},
			func() float64 { return float64(s.hub.Stats().Drops) }),
		s.closes,
	}
}

// isWebSocket reports whether r asks to upgrade to a WebSocket.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// handler serves WebSocket upgrades of /graphql with srv: the Origin checked against the CORS
// list, the connections of one address bounded. Sign-in comes with connection_init.
func (s *sockets) handler(srv http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !originAllowed(r, s.cfg) {
			writeError(w, r, s.cfg.Logger, http.StatusForbidden, apperr.New(apperr.Forbidden, "WebSocket from origin %q refused: not in the server's CORS origins", r.Header.Get("Origin")))
			return
		}
		addr := proxies(s.cfg.TrustedProxies).clientAddr(r)
		s.mu.Lock()
		if s.byAddr[addr] >= s.perAddr {
			s.mu.Unlock()
			w.Header().Set("Retry-After", "60")
			writeError(w, r, s.cfg.Logger, http.StatusTooManyRequests, apperr.New(apperr.RateLimited, "at most %d WebSocket connections per address", s.perAddr))
			return
		}
		s.byAddr[addr]++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if s.byAddr[addr]--; s.byAddr[addr] <= 0 {
				delete(s.byAddr, addr)
			}
			s.mu.Unlock()
		}()
		// The server's read and write timeouts are meant for requests; a socket lives on, and
		// bounds its own writes (socketWriteTimeout) and silences (socketPing).
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		sock := &socket{s: s, ctx: r.Context()}
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), socketKey{}, sock)))
		sock.end()
	})
}

// socketKey carries the socket of an upgrade request from the handler to the transport.
type socketKey struct{}

// originAllowed reports whether an upgrade request comes from no browser (no Origin), from
// the server's own origin, or from an origin of the CORS list: a page elsewhere must not open
// a socket on a visitor's behalf.
func originAllowed(r *http.Request, cfg Config) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	if base, err := url.Parse(proxies(cfg.TrustedProxies).publicBase(r, cfg.PublicURL)); err == nil && strings.EqualFold(u.Host, base.Host) {
		return true
	}
	origin = strings.ToLower(strings.TrimSuffix(origin, "/"))
	for _, o := range cfg.CORSOrigins {
		if o == origin {
			return true
		}
		if pre, post, ok := strings.Cut(o, "*"); ok && len(origin) > len(pre)+len(post) &&
			strings.HasPrefix(origin, pre) && strings.HasSuffix(origin, post) &&
			!strings.ContainsAny(origin[len(pre):len(origin)-len(post)], "./:") {
			return true // the "*" stands for one part of the host, as rs/cors matches it
		}
	}
	return false
}

// transport is the WebSocket transport of srv: graphql-transport-ws (and the legacy
// graphql-ws protocol), signed in by connection_init, pinged.
func (s *sockets) transport() transport.Websocket {
	limit := int64(socketReadLimit)
	return transport.Websocket{
		Implementation:        wsImplementation{},
		InitFunc:              s.init,
		InitTimeout:           socketInitTimeout,
		KeepAlivePingInterval: socketPing,
		PingPongInterval:      socketPing,
		PayloadReadLimit:      &limit,
		ErrorFunc: func(ctx context.Context, err error) {
			if !errors.Is(err, context.Canceled) && coderws.CloseStatus(err) == -1 && !errors.Is(err, io.EOF) {
				s.cfg.Logger.DebugContext(ctx, "websocket", "err", err)
			}
		},
	}
}

// init signs a connection in from connection_init's {"authorization": "Bearer …"}.
func (s *sockets) init(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	sock, _ := ctx.Value(socketKey{}).(*socket)
	if sock == nil {
		return ctx, nil, errors.New("no socket")
	}
	refuse := func(msg string) (context.Context, *transport.InitPayload, error) {
		s.closes.WithLabelValues("forbidden").Inc()
		ctx = transport.WithWebsocketCloseCode(ctx, CloseForbidden)
		return transport.AppendCloseReason(ctx, msg), nil, errors.New(msg)
	}
	token, ok := strings.CutPrefix(payload.Authorization(), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return refuse(`sign in: send {"authorization": "Bearer <token>"} as the connection_init payload`)
	}
	sock.token = strings.TrimSpace(token)
	v, expires, err := sock.load(ctx)
	if err != nil {
		return refuse("sign-in refused: " + apperr.Classify(err).Message)
	}
	ctx, sock.cancel = context.WithCancel(ctx)
	sock.viewer.Store(v)
	s.mu.Lock()
	s.all[sock] = struct{}{}
	s.mu.Unlock()
	s.open.Add(1)
	sock.registered = true
	sock.mu.Lock()
	sock.schedule(v, expires)
	sock.mu.Unlock()
	ctx = authz.NewContext(ctx, v)
	return realtime.WithSocket(ctx, sock), nil, nil
}

// changed checks again the sockets whose viewer a change may affect.
func (s *sockets) changed(ch authz.Change) {
	s.mu.Lock()
	var hit []*socket
	for sock := range s.all {
		v := sock.Viewer()
		if v == nil || ch.All || (ch.UserID != 0 && ch.UserID == v.UserID) || (ch.PersonID != 0 && ch.PersonID == v.PersonID) {
			hit = append(hit, sock)
		}
	}
	s.mu.Unlock()
	for _, sock := range hit {
		go sock.recheck()
	}
}

// socket is one WebSocket connection: its sign-in, its current viewer, its connection.
type socket struct {
	s          *sockets
	ctx        context.Context // the upgrade request's
	conn       *wsConn
	token      string
	viewer     atomic.Pointer[authz.Viewer]
	cancel     context.CancelFunc // ends the connection's operations
	registered bool

	mu       sync.Mutex // serialises rechecks
	timer    *time.Timer
	dropOnce sync.Once
}

// Viewer returns the connection's viewer as it is now.
func (c *socket) Viewer() *authz.Viewer { return c.viewer.Load() }

// Drop closes the connection with code and reason, and ends its subscriptions.
func (c *socket) Drop(code int, reason string) {
	c.dropOnce.Do(func() {
		if code == realtime.CloseSlowConsumer {
			c.s.closes.WithLabelValues("slow").Inc()
		} else {
			c.s.closes.WithLabelValues("forbidden").Inc()
		}
		c.viewer.Store(nil)
		if c.conn != nil {
			_ = c.conn.WriteClose(code, reason)
		}
		if c.cancel != nil {
			c.cancel()
		}
		c.s.cfg.Logger.InfoContext(c.ctx, "websocket closed", "code", code, "reason", reason)
	})
}

// load signs the token in again and loads its viewer as the assignments are now.
func (c *socket) load(ctx context.Context) (*authz.Viewer, time.Time, error) {
	u, expires, err := c.s.cfg.Auth.AuthenticateSession(ctx, c.token)
	if err != nil {
		return nil, time.Time{}, err
	}
	v, err := c.s.cfg.Enforcer.LoadViewer(ctx, c.s.cfg.Client, u, c.s.cfg.Now())
	return v, expires, err
}

// recheck loads the viewer again after a change: the connection is closed when the session or
// the account ended, or when the viewer lost a grant it had (a role ended); a viewer who only
// gained grants keeps the one they signed in with until they reconnect.
func (c *socket) recheck() {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.Viewer()
	if old == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 10*time.Second)
	defer cancel()
	v, expires, err := c.load(ctx)
	switch {
	case err != nil && apperr.Classify(err).Code == apperr.Unauthenticated:
		c.Drop(CloseForbidden, "signed out: the session ended or the account was disabled")
		return
	case err != nil:
		// The database could not say: try again shortly rather than keep an unchecked viewer.
		c.s.cfg.Logger.WarnContext(ctx, "websocket: could not check a sign-in again", "err", err)
		c.schedule(old, time.Now().Add(time.Second))
		return
	case lostGrant(old, v):
		c.Drop(CloseForbidden, "a role of yours ended or changed: reconnect to go on with your current scope")
		return
	}
	c.schedule(v, expires)
}

// schedule checks the sign-in again when it changes by itself: at the session's end or when an
// assignment starts or ends, at the latest after socketRecheck.
func (c *socket) schedule(v *authz.Viewer, expires time.Time) {
	at := time.Now().Add(socketRecheck)
	if !expires.IsZero() && expires.Before(at) {
		at = expires
	}
	if ch := v.ChangesAt(); !ch.IsZero() && ch.Before(at) {
		at = ch
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(max(time.Until(at), 0), c.recheck)
}

// end forgets a connection that has closed.
func (c *socket) end() {
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
	}
	if c.registered {
		c.s.mu.Lock()
		delete(c.s.all, c)
		c.s.mu.Unlock()
		c.s.open.Add(-1)
	}
}

// lostGrant reports whether next lacks a grant of prev, or is someone else.
func lostGrant(prev, next *authz.Viewer) bool {
	if prev.UserID != next.UserID || prev.PersonID != next.PersonID {
		return true
	}
	have := map[authz.Grant]bool{}
	for _, g := range next.Grants() {
		have[g] = true
	}
	for _, g := range prev.Grants() {
		if !have[g] {
			return true
		}
	}
	return false
}

// withLiveViewer gives each delivery of a subscription the connection's viewer as it is now,
// so that the fields of a delivered case are resolved in the viewer's current scope.
func withLiveViewer(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if sock := realtime.SocketFrom(ctx); sock != nil {
		if v := sock.Viewer(); v != nil {
			ctx = authz.NewContext(ctx, v)
		}
	}
	return next(ctx)
}

// subscriptionsOnly refuses queries and mutations over a WebSocket: they go over HTTP, where
// the request limits, timeouts and logs apply.
func subscriptionsOnly(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if realtime.SocketFrom(ctx) == nil {
		return next(ctx)
	}
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation != ast.Subscription {
		return graphql.OneShot(errorResponse(ctx, apperr.New(apperr.BadInput, "only subscriptions go over the WebSocket: send queries and mutations with HTTP POST")))
	}
	return next(ctx)
}

// wsImplementation accepts WebSockets with coder/websocket, as gqlgen's own adapter does,
// with a bound on the time of each write. The Origin was checked before (originAllowed).
type wsImplementation struct{}

// Accept upgrades the request and hands the connection to its socket.
func (wsImplementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	conn, err := coderws.Accept(w, r, &coderws.AcceptOptions{Subprotocols: opts.Subprotocols, InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	c := &wsConn{conn: conn}
	if sock, _ := r.Context().Value(socketKey{}).(*socket); sock != nil {
		sock.conn = c
	}
	return c, nil
}

// wsConn is one accepted connection for gqlgen's transport.
type wsConn struct {
	conn *coderws.Conn

	mu      sync.Mutex
	closing bool
	timer   *time.Timer
}

func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch coderws.CloseStatus(err) {
		case coderws.StatusNormalClosure, coderws.StatusNoStatusRcvd:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

func (c *wsConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), socketWriteTimeout)
	defer cancel()
	return c.conn.Write(ctx, coderws.MessageText, data)
}

// WriteClose starts the close handshake in the background (coder/websocket waits up to 5 s
// for the peer's answer); the first close wins, so a close code given by Drop is the one the
// client reads.
func (c *wsConn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil
	}
	c.closing = true
	c.stopTimer()
	go func() { _ = c.conn.Close(coderws.StatusCode(code), truncateReason(reason)) }()
	return nil
}

func (c *wsConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopTimer()
	if c.closing {
		return nil // the close handshake closes the connection
	}
	c.closing = true
	return c.conn.CloseNow()
}

func (c *wsConn) Subprotocol() string { return c.conn.Subprotocol() }

// SetReadLimit bounds a message from the client.
func (c *wsConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// SetReadDeadline closes the connection at t unless moved again (ping without pong).
func (c *wsConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopTimer()
	if !t.IsZero() {
		c.timer = time.AfterFunc(time.Until(t), func() { _ = c.conn.CloseNow() })
	}
	return nil
}

func (c *wsConn) stopTimer() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// truncateReason keeps a close reason within the 123 bytes a close frame allows, on a rune
// boundary.
func truncateReason(s string) string {
	for len(s) > 123 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
