package authz

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/log"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/casbin/casbin/v2/rbac"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Enforcer answers authorization questions from the embedded model and role policy plus the
// grants set per user; it is safe for concurrent use.
type Enforcer struct {
	// mu makes SetGrants atomic to readers: the casbin grouping policy and its role links
	// change together. casbin's own SyncedEnforcer locks per call, which would let a reader
	// see a user with the old grants removed and the new ones not yet added. mu also guards
	// links, which casbin updates from SetGrants and reads from Enforce.
	mu    sync.RWMutex
	ce    *casbin.Enforcer
	links *grantLinks // casbin's role manager for g

	roles   []string                      // sorted; immutable after NewEnforcer
	acts    map[[2]string]map[string]bool // (role, object) → actions; immutable
	roleSet map[string]bool
}

// Grant is a role held on the subtree at Root, a canonical grid path.
type Grant struct {
	Role string
	Root string
}

// NewEnforcer returns an Enforcer with the embedded model and role policy and no grants.
func NewEnforcer() (*Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("authz: load model: %w", err)
	}
	acts, err := loadPolicy(m, policyCSV)
	if err != nil {
		return nil, fmt.Errorf("authz: load policy.csv: %w", err)
	}
	ce, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: new casbin enforcer: %w", err)
	}
	e := &Enforcer{
		ce:      ce,
		links:   newGrantLinks(),
		roleSet: map[string]bool{},
	}
	// casbin's default domain role manager allocates on every HasLink that misses (a
	// throwaway role manager for an unknown domain, a throwaway role for an unknown user), and
	// serializes HasLink calls per domain; at 100k grants that doubled to quadrupled the cost
	// of an Enforce. grantLinks answers each HasLink with a lookup in the user's grants.
	ce.SetRoleManager(e.links)
	// casbin caches the compiled matcher with the functions known at its first Enforce, so
	// the function must be registered before any Enforce.
	ce.AddFunction("withinGrant", e.withinGrant)
	ce.AddFunction("actionIn", actionIn)
	e.acts = acts

	// Not GetAllSubjects: it finds the subject column by the name "sub", and ours is "role".
	rules, err := ce.GetPolicy()
	if err != nil {
		return nil, fmt.Errorf("authz: read policy: %w", err)
	}
	for _, r := range rules {
		e.roleSet[r[0]] = true
	}
	for r := range e.roleSet {
		e.roles = append(e.roles, r)
	}
	slices.Sort(e.roles)
	return e, nil
}

// loadPolicy adds the lines of a casbin policy CSV to m, one model rule per (role, object)
// with its actions joined by "|": casbin checks every rule on every Enforce, so merging the
// one-action lines of policy.csv (written that way to be read by people) halves the cost of
// a check. Grants ("g" lines) are refused because they come from the assignments table only.
// It returns the actions of each role on each object.
func loadPolicy(m model.Model, csv string) (map[[2]string]map[string]bool, error) {
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
	for _, key := range order {
		list := make([]string, 0, len(acts[key]))
		for a := range acts[key] {
			list = append(list, a)
		}
		slices.Sort(list)
		if err := persist.LoadPolicyArray([]string{"p", key[0], key[1], strings.Join(list, "|")}, m); err != nil {
			return nil, fmt.Errorf("rule %v: %w", key, err)
		}
	}
	return acts, nil
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

// withinGrant is the matcher function withinGrant(user, role, path): it holds when user holds
// role on an ancestor-or-self of path. Each ancestor is one exact-domain lookup, so the cost
// depends on the depth of path, not on how many grants exist.
func (e *Enforcer) withinGrant(args ...any) (any, error) {
	if len(args) != 3 {
		return false, fmt.Errorf("withinGrant: want 3 arguments, got %d", len(args))
	}
	user, ok1 := args[0].(string)
	role, ok2 := args[1].(string)
	path, ok3 := args[2].(string)
	if !ok1 || !ok2 || !ok3 {
		return false, fmt.Errorf("withinGrant: want string arguments, got %T, %T, %T", args...)
	}
	for _, dom := range Ancestors(path) {
		ok, err := e.links.HasLink(user, role, dom)
		if err != nil {
			return false, fmt.Errorf("withinGrant: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// SetGrants replaces the whole set of grants of user in one step; a call that changes nothing
// only takes a read lock.
func (e *Enforcer) SetGrants(user string, grants []Grant) error {
	want, err := e.normalize(user, grants)
	if err != nil {
		return err
	}
	e.mu.RLock()
	same := slices.Equal(e.links.grants(user), want)
	e.mu.RUnlock()
	if same {
		return nil
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	have := e.links.grants(user)
	var add, del [][]string
	for _, g := range want {
		if _, found := slices.BinarySearchFunc(have, g, compareGrant); !found {
			add = append(add, []string{user, g.Role, g.Root})
		}
	}
	for _, g := range have {
		if _, found := slices.BinarySearchFunc(want, g, compareGrant); !found {
			del = append(del, []string{user, g.Role, g.Root})
		}
	}
	if err := e.apply(add, del); err != nil {
		return fmt.Errorf("authz: set grants of %q: %w", user, err)
	}
	return nil
}

// normalize validates grants and returns them sorted and deduplicated.
func (e *Enforcer) normalize(user string, grants []Grant) ([]Grant, error) {
	if user == "" {
		return nil, errors.New("authz: set grants: empty user")
	}
	// Users and roles share casbin's name space, and casbin's stock role manager answers
	// HasLink(a, a) with true in every domain.
	if e.roleSet[user] {
		return nil, fmt.Errorf("authz: set grants: user %q is named like a role", user)
	}
	if len(grants) == 0 {
		return nil, nil
	}
	out := make([]Grant, 0, len(grants))
	for _, g := range grants {
		if !e.roleSet[g.Role] {
			return nil, fmt.Errorf("authz: set grants of %q: unknown role %q", user, g.Role)
		}
		if _, err := CanonicalPath(g.Root); err != nil {
			return nil, fmt.Errorf("authz: set grants of %q: %w", user, err)
		}
		out = append(out, g)
	}
	slices.SortFunc(out, compareGrant)
	return slices.Compact(out), nil
}

// apply removes del and adds add to the casbin grouping policy, undoing what it did if a step
// fails. Removal goes rule by rule: casbin's single RemovePolicy is a swap-delete, while its
// batch RemovePolicies rebuilds the index of every later rule for each rule removed, which is
// O(all grants) per rule.
func (e *Enforcer) apply(add, del [][]string) error {
	for i, r := range del {
		if _, err := e.ce.RemoveGroupingPolicy(r); err != nil {
			e.undo(nil, del[:i])
			return fmt.Errorf("remove %v: %w", r, err)
		}
	}
	if len(add) > 0 {
		// The Ex variant adds the missing rules even if some exist; the plain one adds none.
		if _, err := e.ce.AddGroupingPoliciesEx(add); err != nil {
			e.undo(add, del)
			return fmt.Errorf("add %d grants: %w", len(add), err)
		}
	}
	return nil
}

// undo best-effort reverts apply: it removes added and adds back removed.
func (e *Enforcer) undo(added, removed [][]string) {
	for _, r := range added {
		_, _ = e.ce.RemoveGroupingPolicy(r)
	}
	if len(removed) > 0 {
		_, _ = e.ce.AddGroupingPoliciesEx(removed)
	}
}

func compareGrant(a, b Grant) int {
	if c := strings.Compare(a.Root, b.Root); c != 0 {
		return c
	}
	return strings.Compare(a.Role, b.Role)
}

// Grants returns the grants of user sorted by root, then role.
func (e *Enforcer) Grants(user string) []Grant {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.links.grants(user))
}

// Allowed reports whether user may do act on obj at the canonical grid path.
func (e *Enforcer) Allowed(user, path, obj, act string) (bool, error) {
	if _, err := CanonicalPath(path); err != nil {
		return false, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	ok, err := e.ce.Enforce(user, path, obj, act)
	if err != nil {
		return false, fmt.Errorf("authz: enforce %q %s %s at %s: %w", user, obj, act, path, err)
	}
	return ok, nil
}

// ScopeRoots returns the minimal set of subtree roots under which user may do act on obj;
// nil means nowhere.
func (e *Enforcer) ScopeRoots(user, obj, act string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var roots []string
	for _, g := range e.links.grants(user) {
		if e.roleCan(g.Role, obj, act) {
			roots = append(roots, g.Root)
		}
	}
	return MinimalRoots(roots)
}

// RoleCan reports whether policy.csv lets role do act on obj.
func (e *Enforcer) RoleCan(role, obj, act string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.roleCan(role, obj, act)
}

// roleCan is RoleCan for a caller holding e.mu.
func (e *Enforcer) roleCan(role, obj, act string) bool {
	a := e.acts[[2]string{role, obj}]
	return a[act] || a["*"]
}

// Roles returns the roles named in policy.csv, sorted.
func (e *Enforcer) Roles() []string {
	return slices.Clone(e.roles)
}

// grantLinks is the casbin role manager for g = user, role, domain, where the domain is the
// root path of a grant. It holds exact links only: no role hierarchy (HasLink(a, a) is false
// unless a holds a), no pattern matching, so each HasLink is one lookup whatever the number
// of grants. casbin updates it as g rules are added and removed.
//
// It is not safe for concurrent use by itself: Enforcer.mu guards it.
type grantLinks struct {
	byUser map[string][]Grant // sorted by compareGrant, no duplicates
}

var _ rbac.RoleManager = (*grantLinks)(nil)

func newGrantLinks() *grantLinks {
	return &grantLinks{byUser: map[string][]Grant{}}
}

// grants returns the grants of user; the caller must not modify the slice.
func (l *grantLinks) grants(user string) []Grant {
	return l.byUser[user]
}

// Clear removes every link.
func (l *grantLinks) Clear() error {
	clear(l.byUser)
	return nil
}

// AddLink records that user holds role on the subtree at domain.
func (l *grantLinks) AddLink(user, role string, domain ...string) error {
	if len(domain) != 1 {
		return fmt.Errorf("grant of %s to %q needs exactly one root, got %q", role, user, domain)
	}
	g := Grant{Role: role, Root: domain[0]}
	gs := l.byUser[user]
	if i, found := slices.BinarySearchFunc(gs, g, compareGrant); !found {
		l.byUser[user] = slices.Insert(gs, i, g)
	}
	return nil
}

// BuildRelationship does nothing; casbin no longer calls it.
func (l *grantLinks) BuildRelationship(string, string, ...string) error { return nil }

// DeleteLink removes the link AddLink recorded.
func (l *grantLinks) DeleteLink(user, role string, domain ...string) error {
	if len(domain) != 1 {
		return fmt.Errorf("grant of %s to %q needs exactly one root, got %q", role, user, domain)
	}
	gs := l.byUser[user]
	i, found := slices.BinarySearchFunc(gs, Grant{Role: role, Root: domain[0]}, compareGrant)
	if !found {
		return nil
	}
	if gs = slices.Delete(gs, i, i+1); len(gs) == 0 {
		delete(l.byUser, user)
	} else {
		l.byUser[user] = gs
	}
	return nil
}

// HasLink reports whether user holds role on exactly the root domain.
func (l *grantLinks) HasLink(user, role string, domain ...string) (bool, error) {
	if len(domain) != 1 {
		return false, fmt.Errorf("grant of %s to %q needs exactly one root, got %q", role, user, domain)
	}
	_, found := slices.BinarySearchFunc(l.byUser[user], Grant{Role: role, Root: domain[0]}, compareGrant)
	return found, nil
}

// GetRoles returns the roles user holds on the root domain.
func (l *grantLinks) GetRoles(user string, domain ...string) ([]string, error) {
	if len(domain) != 1 {
		return nil, fmt.Errorf("roles of %q need exactly one root, got %q", user, domain)
	}
	var out []string
	for _, g := range l.byUser[user] {
		if g.Root == domain[0] {
			out = append(out, g.Role)
		}
	}
	return out, nil
}

// GetUsers returns the users holding role on the root domain; it scans every grant.
func (l *grantLinks) GetUsers(role string, domain ...string) ([]string, error) {
	if len(domain) != 1 {
		return nil, fmt.Errorf("users of %s need exactly one root, got %q", role, domain)
	}
	var out []string
	for user, gs := range l.byUser {
		if slices.Contains(gs, Grant{Role: role, Root: domain[0]}) {
			out = append(out, user)
		}
	}
	slices.Sort(out)
	return out, nil
}

// GetImplicitRoles is GetRoles: roles do not inherit roles.
func (l *grantLinks) GetImplicitRoles(user string, domain ...string) ([]string, error) {
	return l.GetRoles(user, domain...)
}

// GetImplicitUsers is GetUsers: roles do not inherit roles.
func (l *grantLinks) GetImplicitUsers(role string, domain ...string) ([]string, error) {
	return l.GetUsers(role, domain...)
}

// GetDomains returns the roots of the grants of user.
func (l *grantLinks) GetDomains(user string) ([]string, error) {
	var out []string
	for _, g := range l.byUser[user] {
		out = append(out, g.Root)
	}
	return slices.Compact(out), nil // sorted by root already
}

// GetAllDomains returns every grant root; it scans every grant.
func (l *grantLinks) GetAllDomains() ([]string, error) {
	var out []string
	for _, gs := range l.byUser {
		for _, g := range gs {
			out = append(out, g.Root)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// PrintRoles does nothing.
func (l *grantLinks) PrintRoles() error { return nil }

// SetLogger does nothing.
func (l *grantLinks) SetLogger(log.Logger) {}

// Match matches exactly: grants never hold patterns.
func (l *grantLinks) Match(str, pattern string) bool { return str == pattern }

// AddMatchingFunc is ignored: user and role names are never patterns.
func (l *grantLinks) AddMatchingFunc(string, rbac.MatchingFunc) {}

// AddDomainMatchingFunc is ignored: roots are matched exactly, never as patterns, because
// a pattern such as keyMatch("/1/40/7", "/1/4*") crosses segments.
func (l *grantLinks) AddDomainMatchingFunc(string, rbac.MatchingFunc) {}

// DeleteDomain removes every link on the root domain.
func (l *grantLinks) DeleteDomain(domain string) error {
	for user, gs := range l.byUser {
		gs = slices.DeleteFunc(gs, func(g Grant) bool { return g.Root == domain })
		if len(gs) == 0 {
			delete(l.byUser, user)
		} else {
			l.byUser[user] = gs
		}
	}
	return nil
}
