// Package server wires gridgov's HTTP surface: the GraphQL endpoint with its limits, sign-in
// middleware, request logs and metrics, GraphiQL and health checks.
package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/graph"
	"gridgov/internal/apperr"
	"gridgov/internal/audit"
	"gridgov/internal/auth"
	"gridgov/internal/clock"
	"gridgov/internal/excel"
	"gridgov/internal/gqllimits"
	"gridgov/internal/photos"
	"gridgov/internal/publicface"
	"gridgov/internal/realtime"
	"gridgov/internal/replica"
	"gridgov/internal/server/graphiql"
	"gridgov/internal/store"
)

// Config is what the server needs.
type Config struct {
	Client   *ent.Client
	Enforcer *authz.Enforcer
	Auth     *auth.Service
	// Logger receives a line per GraphQL request and the server's errors, with request ids
	// (see LogHandler). Without it errors go to slog.Default() and requests are not logged.
	Logger *slog.Logger
	// DB is the pool below Client: /readyz pings it and /metrics reports its statistics.
	// Without it /readyz answers 503.
	DB *sql.DB
	// Ready, if set, is a further readiness check for /readyz, such as that the database
	// schema is current. Its error message is shown to the caller of /readyz.
	Ready func(ctx context.Context) error
	// Introspection enables schema introspection (on in development and demo).
	Introspection bool
	// RequestTimeout bounds each GraphQL request (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// SupervisionPhone is the supervision group's number printed on the notice cards.
	SupervisionPhone string
	// PublicURL is the address residents reach the server at, printed in the cards' QR codes;
	// empty: the scheme and host of each request.
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For, X-Real-IP,
	// X-Forwarded-Host and X-Forwarded-Proto are believed; from anyone else they are ignored.
	TrustedProxies []netip.Prefix
	// Downloads signs the links of requestExport and checks them at /downloads/; New makes
	// one with a random key when it is nil (give several processes one key to share links).
	Downloads *excel.Signer
	// Photos stores the photos uploaded with reports, report-backs and inspections and serves
	// them at /photos/; New keeps them in memory when it is nil (tests: serve opens the store
	// that --photo-store names), signing their links with Downloads.
	Photos *photos.Service
	// Viewers caches each session's viewer between requests. New makes one that hears the
	// changes committed in this process; processes sharing a PostgreSQL database must also
	// feed it the others' changes (changefeed.Listen), as serve does.
	Viewers *authz.ViewerCache
	// CORSOrigins are the origins of the browser frontends allowed to call the server from
	// elsewhere (cross-origin requests with Authorization and Content-Type), such as
	// http://localhost:5173; empty: same origin only. See ParseCORSOrigins.
	CORSOrigins []string
	// Reads, if set, sends reads to a PostgreSQL read replica: query operations, the public
	// pages and downloads, with read-your-writes per session (see package replica).
	Reads *replica.Router
	// PrivateMetrics keeps /metrics off the handler of the public port (production mode, or
	// when the metrics have a listener of their own): serve Handlers.Metrics instead.
	PrivateMetrics bool
	// Broker brings the case steps committed by every process to this one's subscriptions:
	// nil hears this process's own commits only (realtime.Local, enough for SQLite); processes
	// sharing a PostgreSQL database use realtime.ListenPostgres, as serve does.
	Broker realtime.Broker
	// Subscriptions bounds the subscriptions of a connection and of a user, and the changes
	// that may wait for a slow one (see realtime.Limits for the defaults).
	Subscriptions realtime.Limits
	// SocketsPerAddress bounds the open WebSockets of one client address
	// (DefaultSocketsPerAddress when ≤ 0).
	SocketsPerAddress int

	sockets *sockets // set by Build
}

// Handlers are the server's HTTP handlers.
type Handlers struct {
	// Public is what the API's port serves (see New).
	Public http.Handler
	// Metrics serves /metrics alone, the same metrics as Public's, for a listener of its own
	// (serve's --metrics-addr).
	Metrics http.Handler
}

// New returns the HTTP handler of the whole server: GraphiQL at /, the API at /graphql,
// /healthz (the process is up), /readyz (it can serve: the database answers), /metrics
// (Prometheus) and the public pages without sign-in (notice cards, badges, the report and
// tracking pages, the bulletin: see publicface.Web.Register).
//
// New panics when the binary does not register every entity's privacy policy (see
// CheckPolicies): such a server would answer every query unchecked or not at all.
func New(cfg Config) http.Handler { return Build(cfg).Public }

// Build returns the handler of the public port, as New does, and the metrics' handler for a
// listener of their own. Public serves /metrics too unless cfg.PrivateMetrics.
func Build(cfg Config) Handlers {
	if err := CheckPolicies(); err != nil {
		panic(err)
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	var requestLog *slog.Logger // nil: requests are measured but not logged
	if cfg.Logger != nil {
		cfg.Logger = slog.New(LogHandler(cfg.Logger.Handler()))
		requestLog = cfg.Logger
	} else {
		cfg.Logger = slog.New(LogHandler(slog.Default().Handler()))
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Downloads == nil {
		cfg.Downloads = excel.NewSigner(nil)
	}
	if cfg.Photos == nil {
		cfg.Photos = photos.New(photos.Memory(context.Background()), cfg.Downloads)
	}
	if cfg.Viewers == nil {
		cfg.Viewers = authz.NewViewerCache(0)
		authz.Subscribe(cfg.Viewers.Invalidate)
	}
	if cfg.Broker == nil {
		cfg.Broker = realtime.Local{}
	}
	hub, _ := realtime.NewHub(cfg.Client, cfg.Broker, cfg.Subscriptions, cfg.Logger) // lives as long as the process
	cfg.sockets = newSockets(cfg, hub)
	obs := newObserver(requestLog, cfg.DB)
	obs.registry.MustRegister(cfg.sockets.collectors()...)
	obs.client = proxies(cfg.TrustedProxies).clientAddr
	if cfg.Reads != nil {
		obs.registry.MustRegister(cfg.Reads.Collectors()...)
	}
	mux := http.NewServeMux()
	gql := GraphQL(cfg)
	api := obs.wrap(faultStatusOf(graphQLRequests(cfg).Wrap(withViewer(cfg, gql))))
	// Subscriptions: a WebSocket signs in with connection_init, not with a header, and lives
	// beyond the request limits and timeout.
	sockets := cfg.sockets.handler(gql)
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			sockets.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	mux.Handle("GET /downloads/{token}", obs.wrap(downloads(cfg)))
	mux.Handle("GET /photos/{token}", obs.wrap(cfg.Photos.Handler(cfg.Client)))
	page := graphiql.Handler()
	mux.Handle("/{$}", page)
	mux.Handle(graphiql.Prefix, page)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", readyz(cfg))
	metrics := http.NewServeMux()
	metrics.Handle("/metrics", obs.metrics())
	if !cfg.PrivateMetrics {
		mux.Handle("/metrics", metrics)
	}
	web := &publicface.Web{Service: publicService(cfg), Logger: cfg.Logger,
		Base: func(r *http.Request) string { return proxies(cfg.TrustedProxies).publicBase(r, cfg.PublicURL) }}
	pages := http.NewServeMux()
	web.Register(pages)
	for _, p := range []string{"/cards", "/cards/", "/badges", "/report/", "/track", "/track/", "/bulletin/", "/map/", "/public/"} {
		mux.Handle(p, http.TimeoutHandler(readPages(cfg, pages), cfg.RequestTimeout, "请求超时，请稍后再试。"))
	}
	return Handlers{Public: withCORS(cfg.CORSOrigins, mux), Metrics: metrics}
}

// DefaultRequestTimeout is how long a GraphQL request may take unless Config says otherwise.
const DefaultRequestTimeout = 15 * time.Second

// graphQLRequests are the checks of gqllimits.Requests on a request to /graphql, refused in
// GraphQL's response shape, with the operation the request names noted for its log line.
func graphQLRequests(cfg Config) gqllimits.Requests {
	return gqllimits.Requests{Timeout: cfg.RequestTimeout, Refuse: respondError, Operation: func(r *http.Request, name string) {
		infoFrom(r.Context()).rawOperation = name
	}, MaxUploadBytes: photos.MaxRequestBytes}
}

// ErrPoliciesMissing is returned by CheckPolicies when some entity has no registered privacy
// policy.
var ErrPoliciesMissing = errors.New("privacy policies are not registered: the binary must import _ \"gridgov/ent/runtime\"")

// CheckPolicies returns an error wrapping ErrPoliciesMissing, naming the entity types, when
// some entity's privacy policy is not registered.
func CheckPolicies() error {
	if missing := ent.MissingPolicies(); len(missing) > 0 {
		return fmt.Errorf("%w (missing for %s)", ErrPoliciesMissing, strings.Join(missing, ", "))
	}
	return nil
}

// GraphQL returns the GraphQL handler with gridgov's limits, transactions and error
// presentation; it expects the viewer middleware in front of it.
func GraphQL(cfg Config) *handler.Server {
	resolver := graph.NewResolver(cfg.Client, cfg.Auth)
	resolver.Public = publicService(cfg)
	resolver.Downloads = cfg.Downloads
	resolver.PhotoService = cfg.Photos
	srv := handler.New(graph.NewSchemaFor(resolver))
	if cfg.sockets != nil {
		resolver.Realtime = cfg.sockets.hub
		srv.AddTransport(cfg.sockets.transport()) // first: it takes the upgrade requests
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{}) // gqllimits.Requests refuses mutations over GET first
	srv.AddTransport(transport.POST{})
	// Photo uploads (the GraphQL multipart request). gqllimits.Requests bounds the body first;
	// files beyond MaxMemory go to temporary files, not to memory.
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: photos.MaxRequestBytes, MaxMemory: 16 << 20})
	cache := lru.New[*ast.QueryDocument](gqllimits.QueryCacheItems)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(gqllimits.ParserTokens)
	srv.SetDisableSuggestion(true)
	srv.SetValidationRulesFn(rulesWithoutSuggestions)
	// Before QueryLimits, which must see the query a hash stands for.
	srv.Use(extension.AutomaticPersistedQuery{Cache: newPersistedQueries()})
	srv.Use(gqllimits.QueryLimits{Cache: cache}) // before validation, which costs what the limits bound
	srv.Use(graph.TextCheck{})
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.AroundResponses(recordResponse) // outermost: sees the response as sent
	srv.AroundResponses(gqllimits.TruncateErrors)
	srv.Use(gqllimits.PageSizeCheck{}) // before the complexity limit: a clearer refusal
	srv.Use(gqllimits.ComplexityLimit())
	if cfg.Reads != nil {
		srv.Use(readRouting{reads: cfg.Reads, cfg: cfg}) // outside the transactioner: after the commit
	}
	// Page sizes are checked once per operation (PageSizeCheck), not by a field middleware,
	// which would run on every field of every response (a district rollup has thousands).
	// Before the transactioner, which serializes a mutation's fields around it.
	srv.Use(fieldMiddleware{resolver})
	srv.Use(transactioner{entgql.Transactioner{TxOpener: cfg.Client}})
	srv.AroundOperations(resolver.WithLoaders)
	srv.AroundOperations(subscriptionsOnly)
	// Each delivery of a subscription: the connection's viewer as it is now, fresh loaders.
	srv.AroundResponses(withLiveViewer)
	srv.AroundResponses(resolver.WithDeliveryLoaders)
	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		cfg.Logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(v))
		return apperr.New(apperr.Internal, apperr.InternalMessage)
	})
	return srv
}

// fieldMiddleware is the server's one field middleware: it names the audit operation of a
// mutation's fields (withAuditOperation) and primes the loaders with what each field returned
// (graph.Resolver.PrimeLoaders). It wraps the operation's resolver middleware itself rather than
// being added with AroundFields, whose chain allocates a closure and adds four frames to every
// field of every response, a concurrent resolver or a plain struct field alike (a page of 50
// cases has ~700 fields, each frame deepening the stacks that its goroutines must grow).
type fieldMiddleware struct{ resolver *graph.Resolver }

// ExtensionName names the extension in gqlgen's list.
func (fieldMiddleware) ExtensionName() string { return "FieldMiddleware" }

// Validate accepts every schema.
func (fieldMiddleware) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext wraps the operation's resolver middleware.
func (m fieldMiddleware) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	previous := oc.ResolverMiddleware
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := previous(withAuditOperation(ctx), next)
		if err == nil {
			m.resolver.PrimeLoaders(ctx, res)
		}
		return res, err
	}
	return nil
}

// withAuditOperation names, for the audit log, the operation of the changes a top-level mutation
// field makes: its field name (not an alias) and the request id.
func withAuditOperation(ctx context.Context) context.Context {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Object == "Mutation" && fc.Field.Field != nil {
		return audit.WithOperation(ctx, fc.Field.Name, RequestID(ctx))
	}
	return ctx
}

// publicService is the public face's data with the configured supervision phone and clock.
func publicService(cfg Config) *publicface.Service {
	s := publicface.NewService(cfg.Client, cfg.SupervisionPhone)
	if cfg.Now != nil {
		s.Now = cfg.Now
	}
	return s
}

// transactioner runs mutations in a transaction as entgql.Transactioner does, whose
// serialization of a mutation's resolvers it keeps, with two differences: a response without
// an operation (gqlgen answers a POST body it cannot read or decode with one) passes through
// instead of panicking, and a transaction that cannot be opened or committed is reported
// through the error presenter with a code, not in the driver's words without one.
type transactioner struct{ entgql.Transactioner }

// InterceptResponse runs mutations in a transaction: committed when the response has no
// errors, rolled back otherwise.
func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	opCtx := graphql.GetOperationContext(ctx)
	if op := opCtx.Operation; op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	if outside, err := outsideTransaction(opCtx); err != nil {
		return errorResponse(ctx, err)
	} else if outside {
		return next(ctx)
	}
	txCtx, tx, err := t.OpenTx(ctx)
	if err != nil {
		return errorResponse(ctx, fmt.Errorf("open the mutation's transaction: %w", err))
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	resp := next(txCtx)
	if len(resp.Errors) > 0 {
		_ = tx.Rollback()
		return &graphql.Response{Errors: resp.Errors}
	}
	if err := tx.Commit(); err != nil {
		if store.Unavailable(err) {
			// The commit may have reached the database before the connection broke.
			err = apperr.Wrap(err, apperr.Unavailable, "the database became unavailable while saving: the change may or may not have been saved; "+
				"send the mutation again with the same idempotencyKey, or reload and check")
		}
		return errorResponse(ctx, fmt.Errorf("commit the mutation's transaction: %w", err))
	}
	return resp
}

// ownTransactions are the mutation fields that run outside the mutation's transaction: they
// hash passwords for tens of milliseconds and must not hold a pooled connection meanwhile
// (changePassword opens a transaction of its own for its writes).
var ownTransactions = map[string]bool{"login": true, "activateAccount": true, "changePassword": true}

// outsideTransaction reports whether every top-level field of the mutation runs outside a
// transaction; a mutation mixing such fields with others is refused.
func outsideTransaction(opCtx *graphql.OperationContext) (bool, error) {
	fields := graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, []string{"Mutation"})
	own := 0
	for _, f := range fields {
		if ownTransactions[f.Name] {
			own++
		}
	}
	if own > 0 && own < len(fields) {
		return false, apperr.New(apperr.BadInput, "login, activateAccount and changePassword must each be sent as a mutation of its own, without other fields")
	}
	return own > 0, nil
}

// errorResponse answers a whole operation with one error, presented as resolvers' errors are.
func errorResponse(ctx context.Context, err error) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{apperr.Present(ctx, err)}}
}

// withViewer resolves the bearer token to the session's viewer, whose grants come from the
// user's active assignments: from the viewer cache when it holds the session, else loaded
// (two statements) and cached. A request without a token is anonymous; one with a bad token
// is refused with 401, so that a client never silently loses its sign-in.
func withViewer(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, hasToken := bearer(r)
		ctx = auth.WithRequest(ctx, auth.Request{Token: token, RemoteAddr: proxies(cfg.TrustedProxies).clientAddr(r), UserAgent: r.UserAgent()})
		if hasToken {
			v, status, err := sessionViewer(ctx, cfg, token)
			if err != nil {
				writeError(w, r, cfg.Logger, status, err)
				return
			}
			ctx = authz.NewContext(ctx, v)
			infoFrom(ctx).userID = v.UserID
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sessionViewer returns the viewer of token's session, or the error to answer with its status.
func sessionViewer(ctx context.Context, cfg Config, token string) (*authz.Viewer, int, error) {
	// Sessions expire by the sign-in service's clock; in production it is the server's.
	key, now := auth.SessionKey(token), cfg.Auth.Now()
	if v := cfg.Viewers.Get(key, now); v != nil {
		return v, 0, nil
	}
	gen := cfg.Viewers.Begin()
	u, expires, err := cfg.Auth.AuthenticateSession(ctx, token)
	if err != nil {
		return nil, http.StatusUnauthorized, err
	}
	v, err := cfg.Enforcer.LoadViewer(ctx, cfg.Client, u, cfg.Now())
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	cfg.Viewers.Put(key, v, gen, now, expires)
	return v, 0, nil
}

// viewerContext adds the viewer of user u, with grants loaded now, to ctx; on failure it
// answers with the error (503 when the database is unavailable) and returns false. Used
// where there is no session to cache the viewer by (download links).
func viewerContext(ctx context.Context, cfg Config, w http.ResponseWriter, r *http.Request, u *ent.User) (context.Context, bool) {
	v, err := cfg.Enforcer.LoadViewer(ctx, cfg.Client, u, cfg.Now())
	if err != nil {
		writeError(w, r, cfg.Logger, http.StatusInternalServerError, err)
		return ctx, false
	}
	ctx = authz.NewContext(ctx, v)
	infoFrom(ctx).userID = u.ID
	return ctx, true
}

// bearer returns the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	// A header that is present but not "Bearer …" counts as a bad token, not as anonymous.
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", true
	}
	return strings.TrimSpace(token), true
}

// writeError answers outside GraphQL execution, in GraphQL's response shape: an apperr with
// status, a database fault with its status (see faultStatus), anything else with 500 and no details.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, err error) {
	code, msg := apperr.Internal, apperr.InternalMessage
	switch e, ok := apperr.As(err); {
	case ok:
		code, msg = e.Code, e.Message
	case dbFault(r.Context(), err) != nil:
		logger.WarnContext(r.Context(), "database fault", "error", err)
		respondFault(w, r, dbFault(r.Context(), err))
		return
	default:
		status = http.StatusInternalServerError
		logger.ErrorContext(r.Context(), "request failed before execution", "error", err)
	}
	respondError(w, r, status, string(code), msg)
}

// respondError answers one error with its code, outside GraphQL execution.
func respondError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	info := infoFrom(r.Context())
	info.codes = append(info.codes, code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	resp := graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}}
	_ = json.NewEncoder(w).Encode(resp)
}
