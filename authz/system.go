package authz

import (
	"context"

	"gridgov/ent/privacy"
)

// SystemContext returns a context that passes every privacy rule. It is the one place gridgov
// bypasses authorization, for work the system does on its own account after the viewer's
// request was checked: maintaining derived paths, loading the demo, signing in, bootstrapping
// the first administrator. reason documents the caller and is there to be grepped.
func SystemContext(ctx context.Context, reason string) context.Context {
	_ = reason
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// IsSystem reports whether ctx is a SystemContext: it passes every privacy rule, so code
// that decides outside ent (a summary table, an import) lets it see and write everything.
// ent reports the Allow decision as a nil error.
func IsSystem(ctx context.Context) bool {
	d, ok := privacy.DecisionFromContext(ctx)
	return ok && d == nil
}
