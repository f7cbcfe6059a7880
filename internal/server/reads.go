package server

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/apperr"
	"gridgov/internal/auth"
	"gridgov/internal/replica"
)

// readRouting sends query operations to the client replica.Router.Read chooses (the read
// replica's, when it is fresh enough for the caller), again on the primary when the replica
// turns out to be down, and records, after each mutation has committed, the caller's
// position for read-your-writes. Registered outside the transactioner, so that it sees
// mutations after their commit.
type readRouting struct {
	reads *replica.Router
	cfg   Config
}

// ExtensionName names the extension.
func (readRouting) ExtensionName() string { return "ReadRouting" }

// Validate accepts every schema.
func (readRouting) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation runs a query on the client Read chooses. When it ran on the replica
// and failed for want of a database, and the replica does not answer a ping, the replica is
// marked down and the query runs again on the primary: a query has no effects to repeat.
func (r readRouting) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Query {
		return next(ctx)
	}
	client := r.reads.Read(ctx, readerKey(ctx))
	if client != r.reads.Replica() {
		return next(ent.NewContext(ctx, client))
	}
	onReplica := next(ent.NewContext(ctx, client))
	return func(rctx context.Context) *graphql.Response {
		resp := onReplica(rctx)
		if resp == nil || !unavailable(resp) || !r.reads.Down(rctx) {
			return resp
		}
		info := infoFrom(rctx)
		info.codes, info.fault = nil, "" // the answer is the primary's, below
		// The resolvers get the context the response handler is called with (gqlgen hands
		// the transport the one the first next was given): the primary's client goes there.
		return next(ent.NewContext(ctx, r.cfg.Client))(ent.NewContext(rctx, r.cfg.Client))
	}
}

// unavailable reports whether a response carries a DATABASE_UNAVAILABLE error.
func unavailable(resp *graphql.Response) bool {
	for _, e := range resp.Errors {
		if code, _ := e.Extensions["code"].(string); code == string(apperr.Unavailable) {
			return true
		}
	}
	return false
}

// InterceptResponse records a mutation's position after its commit.
func (r readRouting) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	resp := next(ctx)
	if err := r.reads.Wrote(context.WithoutCancel(ctx), readerKey(ctx)); err != nil {
		r.cfg.Logger.WarnContext(ctx, "read-your-writes: the mutation's position was not recorded", "error", err)
	}
	return resp
}

// readerKey is whose writes a read must see: the session's (its token's hash) when signed
// in, else the client address's, so that a resident who has just reported finds the report
// on the tracking page.
func readerKey(ctx context.Context) string {
	req := auth.RequestFrom(ctx)
	if req.Token != "" && authz.FromContext(ctx) != nil {
		return "s:" + auth.SessionKey(req.Token)
	}
	if req.RemoteAddr != "" {
		return "a:" + req.RemoteAddr
	}
	return ""
}

// readPages serves the public pages with the client replica.Router.Read chooses for the
// client's address in the request's context, which publicface.Service reads with.
func readPages(cfg Config, next http.Handler) http.Handler {
	if cfg.Reads == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ctx = ent.NewContext(ctx, cfg.Reads.Read(ctx, "a:"+proxies(cfg.TrustedProxies).clientAddr(r)))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// readClient is the client of reads outside GraphQL that follow no session (downloads):
// the replica's when it is usable, else the primary's.
func readClient(ctx context.Context, cfg Config) *ent.Client {
	if cfg.Reads == nil {
		return cfg.Client
	}
	return cfg.Reads.Read(ctx, "")
}
