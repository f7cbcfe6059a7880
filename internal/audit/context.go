package audit

import "context"

// operation names the operation a change belongs to.
type operation struct {
	name      string
	requestID string
}

type operationKey struct{}

// WithOperation returns ctx naming the operation of the changes made with it: the GraphQL
// mutation field, "login", or a command such as "cli:user add"; requestID is the HTTP
// request id, or "".
func WithOperation(ctx context.Context, name, requestID string) context.Context {
	return context.WithValue(ctx, operationKey{}, operation{name: name, requestID: requestID})
}

// OperationFrom returns the operation named in ctx, or "system" and "" when none is.
func OperationFrom(ctx context.Context) (name, requestID string) {
	if op, ok := ctx.Value(operationKey{}).(operation); ok && op.name != "" {
		return op.name, op.requestID
	}
	return SystemActor, ""
}

type derivedKey struct{}

// Derived returns ctx for writes that only maintain copies derived from a change that is
// itself recorded (the grid paths copied onto rows below a moved grid or household); they are
// not recorded row by row. reason documents the caller and is there to be grepped.
func Derived(ctx context.Context, reason string) context.Context {
	_ = reason
	return context.WithValue(ctx, derivedKey{}, true)
}

func isDerived(ctx context.Context) bool { return ctx.Value(derivedKey{}) != nil }

type writerKey struct{}

// writerContext marks the writes of the audit log itself, the only writes AppendOnly allows.
func writerContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, writerKey{}, true)
}

// SystemActor is the actor (and default operation) of changes made without a signed-in user.
const SystemActor = "system"
