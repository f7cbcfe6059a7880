package authz

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Scale of the benchmark data: a city tree of depth 5 (city, district, sub-district,
// community, grid) with 30,000 grids, and 100,000 users holding 1–3 grants each (about
// 112,000 grants), a third of them on communities and the rest on grids.
const (
	benchDistricts   = 10
	benchStreets     = 15 // per district
	benchCommunities = 20 // per street
	benchGrids       = 10 // per community
	benchUsers       = 100_000
)

type benchUser struct {
	name    string
	grants  []Grant
	set     *Grants
	inside  string // a depth-5 path inside the first grant
	outside string // a depth-5 path outside every grant
}

type benchData struct {
	e       *Enforcer
	users   []benchUser
	grants  int
	buildIn time.Duration
}

var (
	benchOnce sync.Once
	bench     benchData
)

// benchEnforcer builds the large enforcer once for all benchmarks.
func benchEnforcer(b *testing.B) *benchData {
	b.Helper()
	benchOnce.Do(func() {
		bench = buildBench(b)
	})
	if bench.e == nil {
		b.Fatal("building the benchmark enforcer failed")
	}
	b.Logf("%d users, %d grants, built in %v", len(bench.users), bench.grants, bench.buildIn)
	return &bench
}

func buildBench(b *testing.B) benchData {
	rng := rand.New(rand.NewPCG(1, 2))
	// Ids are handed out breadth-first, as an import of a real tree would.
	next := 1
	id := func() int { next++; return next }
	city := ChildPath("/", 1)
	var communities []string
	grids := map[string][]string{} // community → its grids
	var allGrids []string
	for range benchDistricts {
		d := ChildPath(city, id())
		for range benchStreets {
			s := ChildPath(d, id())
			for range benchCommunities {
				c := ChildPath(s, id())
				communities = append(communities, c)
			}
		}
	}
	for _, c := range communities {
		for range benchGrids {
			g := ChildPath(c, id())
			grids[c] = append(grids[c], g)
			allGrids = append(allGrids, g)
		}
	}
	covered := func(path string, grants []Grant) bool {
		for _, g := range grants {
			if IsWithin(path, g.Root) {
				return true
			}
		}
		return false
	}

	e, err := NewEnforcer()
	if err != nil {
		b.Fatal(err)
	}
	roles := e.Roles()
	data := benchData{e: e, users: make([]benchUser, benchUsers)}
	start := time.Now()
	for i := range data.users {
		u := benchUser{name: fmt.Sprintf("user:%d", i+1)}
		// Most people hold one assignment; some hold two or three.
		n := 1
		if r := rng.IntN(100); r < 2 {
			n = 3
		} else if r < 10 {
			n = 2
		}
		for range n {
			var root string
			if rng.IntN(3) == 0 {
				root = communities[rng.IntN(len(communities))]
			} else {
				root = allGrids[rng.IntN(len(allGrids))]
			}
			u.grants = append(u.grants, Grant{Role: roles[rng.IntN(len(roles))], Root: root})
		}
		first := u.grants[0].Root
		community := first
		if _, ok := grids[first]; ok {
			u.inside = grids[first][rng.IntN(benchGrids)]
		} else {
			u.inside = first
			community = Ancestors(first)[4]
		}
		// Prefer a sibling of the inside grid: it shares the most ancestors, so the walk
		// finds nothing until the last step.
		for _, g := range grids[community] {
			if !covered(g, u.grants) {
				u.outside = g
				break
			}
		}
		for u.outside == "" {
			if g := allGrids[rng.IntN(len(allGrids))]; !covered(g, u.grants) {
				u.outside = g
			}
		}
		if u.set, err = e.NewGrants(u.grants); err != nil {
			b.Fatal(err)
		}
		data.grants += len(u.set.List())
		data.users[i] = u
	}
	data.buildIn = time.Since(start)
	runtime.GC() // so the garbage of the build is not charged to the first benchmark
	return data
}

func BenchmarkAllowed(b *testing.B) {
	d := benchEnforcer(b)
	b.Run("inside", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			u := &d.users[i%len(d.users)]
			ok, err := d.e.Allowed(u.set, u.inside, "event", "read")
			if err != nil || !ok {
				b.Fatalf("Allowed(%s, %s) = %v, %v", u.name, u.inside, ok, err)
			}
		}
	})
	b.Run("outside", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			u := &d.users[i%len(d.users)]
			ok, err := d.e.Allowed(u.set, u.outside, "event", "read")
			if err != nil || ok {
				b.Fatalf("Allowed(%s, %s) = %v, %v", u.name, u.outside, ok, err)
			}
		}
	})
	b.Run("inside-parallel", func(b *testing.B) {
		b.ReportAllocs()
		var seq sync.Mutex
		start := 0
		b.RunParallel(func(pb *testing.PB) {
			seq.Lock()
			i := start * 7919
			start++
			seq.Unlock()
			for ; pb.Next(); i++ {
				u := &d.users[i%len(d.users)]
				if ok, err := d.e.Allowed(u.set, u.inside, "event", "read"); err != nil || !ok {
					b.Errorf("Allowed(%s, %s) = %v, %v", u.name, u.inside, ok, err)
					return
				}
			}
		})
	})
}

func BenchmarkScopeRoots(b *testing.B) {
	d := benchEnforcer(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		u := &d.users[i%len(d.users)]
		if roots := d.e.ScopeRoots(u.set, "event", "read"); len(roots) == 0 {
			b.Fatalf("ScopeRoots(%s) is empty", u.name)
		}
	}
}

// BenchmarkAllowedHugeGrantSet checks one viewer holding every grant of the data set (about
// 112,000): a check still walks only the target's ancestors.
func BenchmarkAllowedHugeGrantSet(b *testing.B) {
	d := benchEnforcer(b)
	var all []Grant
	for _, u := range d.users {
		all = append(all, u.grants...)
	}
	set, err := d.e.NewGrants(all)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("one grant set of %d grants", len(set.List()))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		u := &d.users[i%len(d.users)]
		if ok, err := d.e.Allowed(set, u.inside, "event", "read"); err != nil || !ok {
			b.Fatalf("Allowed(%s) = %v, %v", u.inside, ok, err)
		}
	}
}

// BenchmarkNewViewer is what a viewer-cache miss costs in Go once its assignments are read:
// validating the grants and computing the scope roots of every (object, action).
func BenchmarkNewViewer(b *testing.B) {
	d := benchEnforcer(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		u := &d.users[i%len(d.users)]
		if _, err := d.e.NewViewer(ViewerInfo{UserID: i + 1}, u.grants, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}
