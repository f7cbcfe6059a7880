// Package server wires gridgov's HTTP surface: the GraphQL endpoint with its limits, sign-in
// middleware, GraphiQL and health checks.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"gridgov/internal/clock"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/graph"
	"gridgov/internal/apperr"
	"gridgov/internal/auth"
)

// Config is what the server needs.
type Config struct {
	Client   *ent.Client
	Enforcer *authz.Enforcer
	Auth     *auth.Service
	Logger   *slog.Logger
	// Introspection enables schema introspection (on in development and demo).
	Introspection bool
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Limits applied to every GraphQL request.
const (
	maxBodyBytes    = 1 << 20 // 1 MiB
	parserTokens    = 15_000  // far above any real query; a flood of tokens is refused before it costs
	maxComplexity   = 20_000
	requestTimeout  = 15 * time.Second
	queryCacheItems = 1000
)

// New returns the HTTP handler of the whole server.
func New(cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", withLimits(withViewer(cfg, GraphQL(cfg))))
	mux.Handle("/{$}", playground.Handler("gridgov GraphiQL", "/graphql"))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// GraphQL returns the GraphQL handler with gridgov's limits, transactions and error
// presentation; it expects the viewer middleware in front of it.
func GraphQL(cfg Config) *handler.Server {
	resolver := graph.NewResolver(cfg.Client, cfg.Auth)
	srv := handler.New(graph.NewSchemaFor(resolver))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{}) // gqlgen refuses mutations over GET
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheItems))
	srv.SetParserTokenLimit(parserTokens)
	srv.SetDisableSuggestion(true)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(graph.PageSizeCheck{}) // before the complexity limit: a clearer refusal
	srv.Use(extension.FixedComplexityLimit(maxComplexity))
	srv.Use(entgql.Transactioner{TxOpener: cfg.Client})
	srv.AroundFields(graph.PageSizeLimit)
	srv.AroundOperations(resolver.WithLoaders)
	srv.SetErrorPresenter(graph.PresentError)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		cfg.Logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(v))
		return apperr.New(apperr.Internal, "internal server error")
	})
	return srv
}

// withLimits caps the request body and the time a request may take.
func withLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withViewer resolves the bearer token to a viewer whose grants come from the user's active
// assignments, loaded once for the request. A request without a token is anonymous; one with
// a bad token is refused with 401, so that a client never silently loses its sign-in.
func withViewer(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, hasToken := bearer(r)
		ctx = auth.WithRequest(ctx, auth.Request{Token: token, RemoteAddr: clientAddr(r)})
		if hasToken {
			u, err := cfg.Auth.Authenticate(ctx, token)
			if err != nil {
				writeError(w, cfg.Logger, http.StatusUnauthorized, err)
				return
			}
			v, err := cfg.Enforcer.LoadViewer(ctx, cfg.Client, u, cfg.Now())
			if err != nil {
				writeError(w, cfg.Logger, http.StatusServiceUnavailable, err)
				return
			}
			ctx = authz.NewContext(ctx, v)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
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

// clientAddr is the address the rate limits count by: the TCP peer's IP.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeError answers outside GraphQL execution, in GraphQL's response shape.
func writeError(w http.ResponseWriter, logger *slog.Logger, status int, err error) {
	code, msg := apperr.Internal, "internal server error"
	if e, ok := apperr.As(err); ok {
		code, msg = e.Code, e.Message
	} else {
		logger.Error("request failed before execution", "error", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "the request took too long and was stopped"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	resp := graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": string(code)}}}}
	_ = json.NewEncoder(w).Encode(resp)
}
