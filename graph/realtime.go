package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/ent"
	"gridgov/internal/apperr"
)

// errNoRealtime refuses subscriptions on a server built without a realtime hub.
var errNoRealtime = apperr.New(apperr.Unavailable, "subscriptions are not served here")

// deliveredStep loads a delivered step as the viewer may see it; nil for a refetch notice (id 0) or a
// step outside the viewer's scope.
func (r *Resolver) deliveredStep(ctx context.Context, id int) (*ent.EventAction, error) {
	if id == 0 {
		return nil, nil
	}
	a, err := r.Client.EventAction.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return a, err
}

// WithDeliveryLoaders gives each delivery of a subscription loaders of its own, so that
// nothing loaded for one delivery (as the viewer then was) is served to a later one.
func (r *Resolver) WithDeliveryLoaders(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Subscription {
		return next(ctx)
	}
	return next(context.WithValue(ctx, loadersKey{}, &lazyLoaders{r: r}))
}
