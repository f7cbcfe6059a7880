package authz

import (
	"context"

	"entgo.io/ent/entql"

	"gridgov/ent"
	"gridgov/ent/privacy"
	"gridgov/internal/apperr"
)

// NewPolicy returns the privacy policy of an entity: a request without a viewer is denied,
// then the entity's rules run, and whatever no rule allowed is denied. The system context
// (SystemContext) passes before any rule runs; ent checks it first.
func NewPolicy(query []privacy.QueryRule, mutation []privacy.MutationRule) ent.Policy {
	q := privacy.QueryPolicy{denyIfNoViewer()}
	q = append(q, query...)
	q = append(q, privacy.AlwaysDenyRule())
	m := privacy.MutationPolicy{denyIfNoViewer()}
	m = append(m, mutation...)
	m = append(m, privacy.AlwaysDenyRule())
	return privacy.Policy{Query: q, Mutation: m}
}

// ErrNoViewer is returned when a request that needs a signed-in viewer has none.
var ErrNoViewer = apperr.Wrap(privacy.Deny, apperr.Unauthenticated, "sign in first: this operation needs a signed-in user (send Authorization: Bearer <token>)")

func denyIfNoViewer() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if FromContext(ctx) == nil {
			return ErrNoViewer
		}
		return privacy.Skip
	})
}

// forbidden is the refusal of an action; it wraps privacy.Deny so ent and the API layer
// both recognise it.
func forbidden(format string, args ...any) error {
	return apperr.Wrap(privacy.Deny, apperr.Forbidden, format, args...)
}

// ScopeRead returns a query rule that rewrites every query of an entity to the rows under the
// viewer's read roots for obj, matched on pathField ("path" or "grid_path"), and then allows
// it. extra adds alternative conditions (a row is visible if any holds), given the roots.
// Because it rewrites the query itself, it covers lists, node/nodes, edges, eager loading,
// counts and aggregates alike.
func ScopeRead(obj, pathField string, extra ...func(v *Viewer, roots []string) entql.P) privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := FromContext(ctx)
		roots := v.Roots(obj, ActRead)
		if len(roots) == 1 && roots[0] == "/" {
			return privacy.Allow
		}
		preds := make([]entql.P, 0, len(roots)+len(extra))
		if p := underRoots(pathField, roots); p != nil {
			preds = append(preds, p)
		}
		for _, x := range extra {
			if p := x(v, roots); p != nil {
				preds = append(preds, p)
			}
		}
		f.Where(anyOf(preds))
		return privacy.Allow
	})
}

// underRoots is the predicate "field lies under one of roots", or nil when roots is empty.
// Prefix matching is segment-exact because canonical paths end in "/".
func underRoots(field string, roots []string) entql.P {
	if len(roots) == 0 {
		return nil
	}
	preds := make([]entql.P, len(roots))
	for i, r := range roots {
		preds[i] = entql.FieldHasPrefix(field, r)
	}
	return anyOf(preds)
}

// anyOf is the disjunction of preds; with none it is a predicate no row satisfies.
func anyOf(preds []entql.P) entql.P {
	switch len(preds) {
	case 0:
		return entql.FieldNil("id") // ids are never NULL: matches nothing
	case 1:
		return preds[0]
	default:
		return entql.Or(preds[0], preds[1], preds[2:]...)
	}
}

// Actions on records, as named in policy.csv.
const (
	ActRead   = "read"
	ActCreate = "create"
	ActUpdate = "update"
	ActDelete = "delete"
	ActMove   = "move"
	ActAssign = "assign"
)

// Objects, as named in policy.csv.
const (
	ObjGrid       = "grid"
	ObjPerson     = "person"
	ObjAssignment = "assignment"
	ObjVehicle    = "vehicle"
	ObjUser       = "user"
	ObjEvent      = "event"
)

// Event steps, as named in policy.csv.
const (
	ActReport     = "report"
	ActAccept     = "accept"
	ActDispatch   = "dispatch"
	ActHandle     = "handle"
	ActReportBack = "report_back"
	ActVerify     = "verify"
	ActClose      = "close"
	ActEscalate   = "escalate"
	ActExtend     = "extend"
	ActVoid       = "void"
	ActReopen     = "reopen"
)
