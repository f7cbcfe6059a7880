package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	allObjects = []string{
		"grid", "person", "assignment", "vehicle", "user", "event", "household", "visit",
		"patrol", "daily_report", "ledger", "key_project", "audit", "bulletin", "inspection",
	}
	allActions = []string{
		"read", "create", "update", "delete", "move", "assign",
		"report", "accept", "dispatch", "handle", "report_back", "verify", "close", "escalate",
		"extend", "void", "reopen", "inspect", "publish", "record_progress",
	}
)

func newTestEnforcer(t testing.TB) *Enforcer {
	t.Helper()
	e, err := NewEnforcer()
	if err != nil {
		t.Fatalf("NewEnforcer: %v", err)
	}
	return e
}

// mustGrants returns grants as a validated set.
func mustGrants(t testing.TB, e *Enforcer, grants ...Grant) *Grants {
	t.Helper()
	g, err := e.NewGrants(grants)
	if err != nil {
		t.Fatalf("NewGrants(%v): %v", grants, err)
	}
	return g
}

func TestRoles(t *testing.T) {
	t.Parallel()
	want := []string{
		"ADMIN", "DIRECT_RESPONSIBLE", "FIRST_RESPONSIBLE", "GRID_HEAD", "RESPONSIBLE_LEADER",
		"SPECIFIC_RESPONSIBLE", "SUPERVISOR", "WORKSTATION_HEAD",
	}
	if diff := cmp.Diff(want, newTestEnforcer(t).Roles()); diff != "" {
		t.Errorf("Roles() (-want +got):\n%s", diff)
	}
}

// TestPolicyVocabulary keeps policy.csv to the known objects and actions, so a typo cannot
// silently grant nothing.
func TestPolicyVocabulary(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	var rules [][]string
	for obj, ce := range e.byObject {
		rs, err := ce.GetPolicy()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r[1] != obj {
				t.Errorf("policy rule %v sits in the enforcer of %q", r, obj)
			}
		}
		rules = append(rules, rs...)
	}
	if len(rules) == 0 {
		t.Fatal("the enforcer holds no rule")
	}
	for _, r := range rules {
		if !slices.Contains(allObjects, r[1]) {
			t.Errorf("policy rule %v: unknown object %q", r, r[1])
		}
		for a := range strings.SplitSeq(r[2], "|") {
			if a != "*" && !slices.Contains(allActions, a) {
				t.Errorf("policy rule %v: unknown action %q", r, a)
			}
		}
	}
}

func TestLoadPolicyRefusesGrants(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		csv  string
	}{
		{name: "grant line", csv: "p, ADMIN, grid, *\ng, user:1, ADMIN, /\n"},
		{name: "short rule", csv: "p, ADMIN, grid\n"},
		{name: "action with the list separator", csv: "p, ADMIN, grid, read|update\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parsePolicy(tc.csv); err == nil {
				t.Errorf("parsePolicy(%q) succeeded, want an error", tc.csv)
			}
		})
	}
}

func TestRoleCan(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	cases := []struct {
		role, obj, act string
		want           bool
	}{
		{role: "ADMIN", obj: "audit", act: "read", want: true},
		{role: "ADMIN", obj: "grid", act: "move", want: true},
		{role: "RESPONSIBLE_LEADER", obj: "grid", act: "move", want: true},
		{role: "FIRST_RESPONSIBLE", obj: "grid", act: "delete", want: true},
		{role: "FIRST_RESPONSIBLE", obj: "event", act: "close", want: true},
		{role: "FIRST_RESPONSIBLE", obj: "audit", act: "read", want: false},
		{role: "DIRECT_RESPONSIBLE", obj: "grid", act: "update", want: true},
		{role: "DIRECT_RESPONSIBLE", obj: "grid", act: "move", want: false},
		{role: "DIRECT_RESPONSIBLE", obj: "grid", act: "delete", want: false},
		{role: "GRID_HEAD", obj: "assignment", act: "assign", want: true},
		{role: "GRID_HEAD", obj: "event", act: "escalate", want: true},
		{role: "GRID_HEAD", obj: "event", act: "close", want: false},
		{role: "GRID_HEAD", obj: "person", act: "delete", want: false},
		{role: "WORKSTATION_HEAD", obj: "vehicle", act: "create", want: true},
		{role: "SPECIFIC_RESPONSIBLE", obj: "visit", act: "create", want: true},
		{role: "SPECIFIC_RESPONSIBLE", obj: "household", act: "update", want: true},
		{role: "SPECIFIC_RESPONSIBLE", obj: "event", act: "dispatch", want: false},
		{role: "SPECIFIC_RESPONSIBLE", obj: "grid", act: "update", want: false},
		{role: "SUPERVISOR", obj: "audit", act: "read", want: true},
		{role: "SUPERVISOR", obj: "event", act: "inspect", want: true},
		{role: "SUPERVISOR", obj: "grid", act: "update", want: false},
		{role: "SUPERVISOR", obj: "event", act: "handle", want: false},
		{role: "NOBODY", obj: "grid", act: "read", want: false},
		{role: "ADMIN", obj: "spaceship", act: "read", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.role+" "+tc.obj+" "+tc.act, func(t *testing.T) {
			t.Parallel()
			if got := e.RoleCan(tc.role, tc.obj, tc.act); got != tc.want {
				t.Errorf("RoleCan(%q, %q, %q) = %v, want %v", tc.role, tc.obj, tc.act, got, tc.want)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	users := map[string]*Grants{}
	users["user:head"] = mustGrants(t, e, Grant{Role: "GRID_HEAD", Root: "/1/4/"})
	users["user:admin"] = mustGrants(t, e, Grant{Role: "ADMIN", Root: "/"})
	users["user:multi"] = mustGrants(t, e,
		Grant{Role: "SPECIFIC_RESPONSIBLE", Root: "/1/4/17/"},
		Grant{Role: "SUPERVISOR", Root: "/1/"},
		Grant{Role: "DIRECT_RESPONSIBLE", Root: "/2/"},
	)
	cases := []struct {
		name                 string
		user, path, obj, act string
		want                 bool
	}{
		{name: "grant root itself", user: "user:head", path: "/1/4/", obj: "grid", act: "update", want: true},
		{name: "below grant root", user: "user:head", path: "/1/4/17/", obj: "grid", act: "update", want: true},
		{name: "deep below", user: "user:head", path: "/1/4/17/203/9/", obj: "event", act: "dispatch", want: true},
		{name: "sibling sharing a prefix", user: "user:head", path: "/1/40/", obj: "grid", act: "update"},
		{name: "below that sibling", user: "user:head", path: "/1/41/7/", obj: "grid", act: "update"},
		{name: "parent", user: "user:head", path: "/1/", obj: "grid", act: "read"},
		{name: "root", user: "user:head", path: "/", obj: "grid", act: "read"},
		{name: "other tree", user: "user:head", path: "/2/4/", obj: "grid", act: "read"},
		{name: "role lacks action", user: "user:head", path: "/1/4/", obj: "grid", act: "delete"},
		{name: "role lacks object", user: "user:head", path: "/1/4/", obj: "audit", act: "read"},
		{name: "unknown object", user: "user:head", path: "/1/4/", obj: "spaceship", act: "read"},
		{name: "stranger", user: "user:nobody", path: "/1/4/", obj: "grid", act: "read"},
		{name: "empty user", user: "", path: "/1/4/", obj: "grid", act: "read"},
		{name: "user named like a role", user: "GRID_HEAD", path: "/1/4/", obj: "grid", act: "read"},
		{name: "admin anywhere", user: "user:admin", path: "/9/8/7/", obj: "audit", act: "delete", want: true},
		{name: "admin at root", user: "user:admin", path: "/", obj: "grid", act: "move", want: true},
		{name: "multi: specific at own grid", user: "user:multi", path: "/1/4/17/", obj: "visit", act: "create", want: true},
		{name: "multi: specific not beside", user: "user:multi", path: "/1/4/18/", obj: "visit", act: "create"},
		{name: "multi: supervisor over it", user: "user:multi", path: "/1/4/18/", obj: "event", act: "verify", want: true},
		{name: "multi: supervisor reads audit", user: "user:multi", path: "/1/", obj: "audit", act: "read", want: true},
		{name: "multi: direct elsewhere", user: "user:multi", path: "/2/5/", obj: "grid", act: "create", want: true},
		{name: "multi: roles do not mix across roots", user: "user:multi", path: "/1/4/", obj: "grid", act: "create"},
		{name: "multi: direct cannot move", user: "user:multi", path: "/2/5/", obj: "grid", act: "move"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.Allowed(users[tc.user], tc.path, tc.obj, tc.act)
			if err != nil {
				t.Fatalf("Allowed: %v", err)
			}
			if got != tc.want {
				t.Errorf("Allowed(%q, %q, %q, %q) = %v, want %v", tc.user, tc.path, tc.obj, tc.act, got, tc.want)
			}
		})
	}
}

func TestAllowedAdminEverything(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	users := map[string]*Grants{}
	users["user:admin"] = mustGrants(t, e, Grant{Role: "ADMIN", Root: "/"})
	for _, path := range []string{"/", "/1/", "/1/4/17/"} {
		for _, obj := range allObjects {
			for _, act := range allActions {
				ok, err := e.Allowed(users["user:admin"], path, obj, act)
				if err != nil || !ok {
					t.Errorf("Allowed(admin, %q, %q, %q) = %v, %v; want true", path, obj, act, ok, err)
				}
			}
		}
	}
}

func TestAllowedBadPath(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	users := map[string]*Grants{}
	users["user:admin"] = mustGrants(t, e, Grant{Role: "ADMIN", Root: "/"})
	for _, p := range []string{"", "/1/4", "1/4/", "//", "/01/", "/a/"} {
		ok, err := e.Allowed(users["user:admin"], p, "grid", "read")
		if ok || !errors.Is(err, ErrBadPath) {
			t.Errorf("Allowed(admin, %q) = %v, %v; want false, ErrBadPath", p, ok, err)
		}
	}
}

func TestScopeRoots(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	users := map[string]*Grants{}
	users["user:nested"] = mustGrants(t, e,
		Grant{Role: "GRID_HEAD", Root: "/1/4/17/"},
		Grant{Role: "FIRST_RESPONSIBLE", Root: "/1/4/"},
		Grant{Role: "GRID_HEAD", Root: "/1/40/"},
		Grant{Role: "SPECIFIC_RESPONSIBLE", Root: "/1/41/7/"},
		Grant{Role: "SUPERVISOR", Root: "/2/"},
	)
	users["user:admin"] = mustGrants(t, e, Grant{Role: "ADMIN", Root: "/"}, Grant{Role: "GRID_HEAD", Root: "/1/"})
	cases := []struct {
		name, user, obj, act string
		want                 []string
	}{
		{
			name: "read: nested grant folded, siblings kept",
			user: "user:nested", obj: "event", act: "read",
			want: []string{"/1/4/", "/1/40/", "/1/41/7/", "/2/"},
		},
		{
			name: "only roles with the permission count",
			user: "user:nested", obj: "event", act: "dispatch",
			want: []string{"/1/4/", "/1/40/"},
		},
		{
			// Grid heads and specific-responsible staff record visits; the first-responsible
			// grant on /1/4/ does not, so /1/4/17/ stays a root of its own.
			name: "a permission the outer grant lacks",
			user: "user:nested", obj: "visit", act: "create",
			want: []string{"/1/4/17/", "/1/40/", "/1/41/7/"},
		},
		{name: "audit", user: "user:nested", obj: "audit", act: "read", want: []string{"/2/"}},
		{name: "move: only the first-responsible grant", user: "user:nested", obj: "grid", act: "move", want: []string{"/1/4/"}},
		{name: "no such permission", user: "user:nested", obj: "ledger", act: "delete", want: nil},
		{name: "stranger", user: "user:nobody", obj: "event", act: "read", want: nil},
		{name: "admin wildcard at root", user: "user:admin", obj: "ledger", act: "delete", want: []string{"/"}},
		{name: "root covers the rest", user: "user:admin", obj: "grid", act: "update", want: []string{"/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, e.ScopeRoots(users[tc.user], tc.obj, tc.act)); diff != "" {
				t.Errorf("ScopeRoots(%q, %q, %q) (-want +got):\n%s", tc.user, tc.obj, tc.act, diff)
			}
		})
	}
}

// TestScopeRootsAgreesWithAllowed checks the list path (ScopeRoots) and the single-object path
// (Allowed) give the same answer for every path of a small tree.
func TestScopeRootsAgreesWithAllowed(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	const u = "user:1"
	users := map[string]*Grants{}
	users[u] = mustGrants(t, e,
		Grant{Role: "GRID_HEAD", Root: "/1/4/"},
		Grant{Role: "SPECIFIC_RESPONSIBLE", Root: "/1/40/2/"},
		Grant{Role: "SUPERVISOR", Root: "/1/41/"},
	)
	paths := []string{"/"}
	for _, a := range []int{1, 2} {
		pa := ChildPath("/", a)
		paths = append(paths, pa)
		for _, b := range []int{4, 40, 41} {
			pb := ChildPath(pa, b)
			paths = append(paths, pb)
			for _, c := range []int{2, 20} {
				paths = append(paths, ChildPath(pb, c))
			}
		}
	}
	for _, obj := range allObjects {
		for _, act := range allActions {
			roots := e.ScopeRoots(users[u], obj, act)
			for _, p := range paths {
				inScope := slices.ContainsFunc(roots, func(r string) bool { return IsWithin(p, r) })
				ok, err := e.Allowed(users[u], p, obj, act)
				if err != nil {
					t.Fatal(err)
				}
				if ok != inScope {
					t.Errorf("%s %s at %s: Allowed = %v but ScopeRoots %v", obj, act, p, ok, roots)
				}
			}
		}
	}
}

func TestNewGrantsRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		grants []Grant
	}{
		{name: "unknown role", grants: []Grant{{Role: "KING", Root: "/"}}},
		{name: "bad root", grants: []Grant{{Role: "GRID_HEAD", Root: "/1/4"}}},
		{name: "one bad among good", grants: []Grant{
			{Role: "GRID_HEAD", Root: "/1/"}, {Role: "GRID_HEAD", Root: "/1/04/"},
		}},
	}
	e := newTestEnforcer(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := e.NewGrants(tc.grants); err == nil {
				t.Fatalf("NewGrants(%v) succeeded, want an error", tc.grants)
			}
		})
	}
}

func TestNewGrantsSortsAndDeduplicates(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	g := mustGrants(t, e,
		Grant{Role: "SUPERVISOR", Root: "/2/"}, Grant{Role: "GRID_HEAD", Root: "/1/4/"},
		Grant{Role: "GRID_HEAD", Root: "/1/4/"},
	)
	want := []Grant{{Role: "GRID_HEAD", Root: "/1/4/"}, {Role: "SUPERVISOR", Root: "/2/"}}
	if diff := cmp.Diff(want, g.List()); diff != "" {
		t.Errorf("List() (-want +got):\n%s", diff)
	}
	var none *Grants
	if ok, err := e.Allowed(none, "/1/", "grid", "read"); ok || err != nil {
		t.Errorf("Allowed(nil grants) = %v, %v; want false, nil", ok, err)
	}
}

// TestConcurrentAllowed runs under -race: one shared enforcer answers for many grant sets at
// once and never mixes them up, because nothing is written to it after NewEnforcer.
func TestConcurrentAllowed(t *testing.T) {
	t.Parallel()
	e := newTestEnforcer(t)
	head := mustGrants(t, e, Grant{Role: "GRID_HEAD", Root: "/1/4/"})
	other := mustGrants(t, e, Grant{Role: "GRID_HEAD", Root: "/1/40/"})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		mine, theirs := head, other
		if i%2 == 1 {
			mine, theirs = other, head
		}
		wg.Go(func() {
			for range 500 {
				path := "/1/4/17/"
				if mine == other {
					path = "/1/40/17/"
				}
				if ok, err := e.Allowed(mine, path, "grid", "read"); err != nil || !ok {
					errs <- fmt.Errorf("Allowed(own grid %s) = %v, %v", path, ok, err)
					return
				}
				if ok, _ := e.Allowed(theirs, path, "grid", "read"); ok {
					errs <- fmt.Errorf("another grant set allowed %s", path)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
