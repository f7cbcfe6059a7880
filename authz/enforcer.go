package authz

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Enforcer answers authorization questions from the embedded model and role policy. It is
// built once, never written to afterwards, and shared by every request: a viewer's grants
// travel with each question as a casbin request attribute (see Grants), so no request writes
// shared state and memory does not grow with the number of users who signed in.
type Enforcer struct {
	// byObject holds one casbin enforcer per object kind, each with only the rules of that
	// object: casbin evaluates the matcher against every rule of its model on each Enforce,
	// so splitting by object makes a check cost the dozen rules of its object instead of all
	// of them (the matcher still compares the object, so a rule can never answer for another).
	byObject map[string]*casbin.Enforcer

	roles   []string                      // sorted
	acts    map[[2]string]map[string]bool // (role, object) → actions
	roleSet map[string]bool
	pairs   [][2]string // every (object, action) policy.csv names, "*" expanded
}

// Grant is a role held on the subtree at Root, a canonical grid path.
type Grant struct {
	Role string
	Root string
}

// NewEnforcer returns an Enforcer with the embedded model and role policy.
func NewEnforcer() (*Enforcer, error) {
	rules, err := parsePolicy(policyCSV)
	if err != nil {
		return nil, fmt.Errorf("authz: load policy.csv: %w", err)
	}
	e := &Enforcer{byObject: map[string]*casbin.Enforcer{}, acts: map[[2]string]map[string]bool{}, roleSet: map[string]bool{}}
	objActs := map[string]map[string]bool{}
	for _, r := range rules {
		ce := e.byObject[r.obj]
		if ce == nil {
			if ce, err = newObjectEnforcer(); err != nil {
				return nil, err
			}
			e.byObject[r.obj] = ce
		}
		// One model rule per (role, object), its actions joined by "|": merging the
		// one-action lines of policy.csv (written that way to be read by people) makes a
		// check evaluate the matcher once per role instead of once per line.
		if err := persist.LoadPolicyArray([]string{"p", r.role, r.obj, strings.Join(r.acts, "|")}, ce.GetModel()); err != nil {
			return nil, fmt.Errorf("authz: rule %s %s: %w", r.role, r.obj, err)
		}
		e.roleSet[r.role] = true
		e.acts[[2]string{r.role, r.obj}] = map[string]bool{}
		if objActs[r.obj] == nil {
			objActs[r.obj] = map[string]bool{}
		}
		for _, a := range r.acts {
			e.acts[[2]string{r.role, r.obj}][a] = true
			objActs[r.obj][a] = true
		}
	}
	for r := range e.roleSet {
		e.roles = append(e.roles, r)
	}
	slices.Sort(e.roles)
	e.pairs = objectActions(objActs)
	return e, nil
}

// newObjectEnforcer returns a casbin enforcer of the embedded model with no rules yet and
// the matcher functions registered.
func newObjectEnforcer() (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("authz: load model: %w", err)
	}
	ce, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: new casbin enforcer: %w", err)
	}
	// casbin caches the compiled matcher with the functions known at its first Enforce, so
	// the functions must be registered before any Enforce.
	ce.AddFunction("withinGrant", withinGrant)
	ce.AddFunction("actionIn", actionIn)
	return ce, nil
}

// objectActions lists every (object, action) pair named in the policy; an object with "*"
// pairs with every action named anywhere.
func objectActions(objActs map[string]map[string]bool) [][2]string {
	all := map[string]bool{}
	for _, as := range objActs {
		for a := range as {
			if a != "*" {
				all[a] = true
			}
		}
	}
	var pairs [][2]string
	for obj, as := range objActs {
		names := as
		if as["*"] {
			names = all
		}
		for a := range names {
			if a != "*" {
				pairs = append(pairs, [2]string{obj, a})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return pairs
}

// policyRule is the merged rule of one role on one object: every action policy.csv lists.
type policyRule struct {
	role, obj string
	acts      []string // sorted
}

// parsePolicy reads the lines of a casbin policy CSV into one rule per (role, object), in
// the order of their first lines. Grants ("g" lines) are refused because they come from the
// assignments table only.
func parsePolicy(csv string) ([]policyRule, error) {
	acts := map[[2]string]map[string]bool{}
	var order [][2]string
	sc := bufio.NewScanner(strings.NewReader(csv))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "p,") {
			return nil, fmt.Errorf("line %d: only p rules belong here: %q", n, line)
		}
		fields := strings.Split(line, ",")
		if len(fields) != 4 {
			return nil, fmt.Errorf("line %d: want p, role, object, action: %q", n, line)
		}
		role, obj, act := strings.TrimSpace(fields[1]), strings.TrimSpace(fields[2]), strings.TrimSpace(fields[3])
		if role == "" || obj == "" || act == "" || strings.Contains(act, "|") {
			return nil, fmt.Errorf("line %d: empty role, object or action, or a '|' in the action: %q", n, line)
		}
		key := [2]string{role, obj}
		if acts[key] == nil {
			acts[key] = map[string]bool{}
			order = append(order, key)
		}
		acts[key][act] = true
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	rules := make([]policyRule, 0, len(order))
	for _, key := range order {
		list := make([]string, 0, len(acts[key]))
		for a := range acts[key] {
			list = append(list, a)
		}
		slices.Sort(list)
		rules = append(rules, policyRule{role: key[0], obj: key[1], acts: list})
	}
	return rules, nil
}

// actionIn is the matcher function actionIn(act, acts): acts is a "|"-joined list of actions,
// "*" among them meaning every action.
func actionIn(args ...any) (any, error) {
	if len(args) != 2 {
		return false, fmt.Errorf("actionIn: want 2 arguments, got %d", len(args))
	}
	act, ok1 := args[0].(string)
	acts, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return false, fmt.Errorf("actionIn: want string arguments, got %T, %T", args...)
	}
	for a := range strings.SplitSeq(acts, "|") {
		if a == act || a == "*" {
			return true, nil
		}
	}
	return false, nil
}

// withinGrant is the matcher function withinGrant(grants, role, path): it holds when the
// grants (the request's subject, a *Grants) hold role on an ancestor-or-self of path. Each
// ancestor is one map lookup, so the cost depends on the depth of path, not on how many
// grants exist.
func withinGrant(args ...any) (any, error) {
	if len(args) != 3 {
		return false, fmt.Errorf("withinGrant: want 3 arguments, got %d", len(args))
	}
	g, ok1 := args[0].(*Grants)
	role, ok2 := args[1].(string)
	path, ok3 := args[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return false, fmt.Errorf("withinGrant: want *Grants, string, string, got %T, %T, %T", args...)
	}
	return g.holdsWithin(role, path), nil
}

// Grants is a validated, immutable set of grants: the subject of every casbin request. Make
// one with Enforcer.NewGrants; the zero value and nil hold nothing.
type Grants struct {
	list []Grant // sorted by compareGrant, no duplicates
	set  map[Grant]bool
}

// NewGrants validates grants (known roles, canonical roots) and returns them as a set.
func (e *Enforcer) NewGrants(grants []Grant) (*Grants, error) {
	out := make([]Grant, 0, len(grants))
	for _, g := range grants {
		if !e.roleSet[g.Role] {
			return nil, fmt.Errorf("authz: grant: unknown role %q", g.Role)
		}
		if _, err := CanonicalPath(g.Root); err != nil {
			return nil, fmt.Errorf("authz: grant of %s: %w", g.Role, err)
		}
		out = append(out, g)
	}
	slices.SortFunc(out, compareGrant)
	out = slices.Compact(out)
	set := make(map[Grant]bool, len(out))
	for _, g := range out {
		set[g] = true
	}
	return &Grants{list: out, set: set}, nil
}

// List returns the grants sorted by root, then role.
func (g *Grants) List() []Grant {
	if g == nil {
		return nil
	}
	return slices.Clone(g.list)
}

// holdsWithin reports whether role is held on an ancestor-or-self of path.
func (g *Grants) holdsWithin(role, path string) bool {
	if g == nil || len(g.set) == 0 {
		return false
	}
	// Every prefix of a canonical path that ends in "/" is an ancestor-or-self: "/", "/1/",
	// "/1/4/", …; slicing the path allocates nothing.
	for i := 0; i < len(path); i++ {
		if path[i] == '/' && g.set[Grant{Role: role, Root: path[:i+1]}] {
			return true
		}
	}
	return false
}

func compareGrant(a, b Grant) int {
	if c := strings.Compare(a.Root, b.Root); c != 0 {
		return c
	}
	return strings.Compare(a.Role, b.Role)
}

// Allowed reports whether grants allow act on obj at the canonical grid path: one casbin
// Enforce with the grants as the request's subject.
func (e *Enforcer) Allowed(grants *Grants, path, obj, act string) (bool, error) {
	if _, err := CanonicalPath(path); err != nil {
		return false, err
	}
	if grants == nil {
		grants = &Grants{}
	}
	ce := e.byObject[obj]
	if ce == nil {
		return false, nil // no role may do anything on an object policy.csv does not name
	}
	ok, err := ce.Enforce(grants, path, obj, act)
	if err != nil {
		return false, fmt.Errorf("authz: enforce %s %s at %s: %w", obj, act, path, err)
	}
	return ok, nil
}

// ScopeRoots returns the minimal set of subtree roots under which grants allow act on obj;
// nil means nowhere.
func (e *Enforcer) ScopeRoots(grants *Grants, obj, act string) []string {
	if grants == nil {
		return nil
	}
	var roots []string
	for _, g := range grants.list {
		if e.RoleCan(g.Role, obj, act) {
			roots = append(roots, g.Root)
		}
	}
	return MinimalRoots(roots)
}

// RoleCan reports whether policy.csv lets role do act on obj.
func (e *Enforcer) RoleCan(role, obj, act string) bool {
	a := e.acts[[2]string{role, obj}]
	return a[act] || a["*"]
}

// Roles returns the roles named in policy.csv, sorted.
func (e *Enforcer) Roles() []string {
	return slices.Clone(e.roles)
}
