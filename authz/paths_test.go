package authz

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCanonicalPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{name: "root", in: "/", ok: true},
		{name: "one level", in: "/1/", ok: true},
		{name: "deep", in: "/1/4/17/", ok: true},
		{name: "big id", in: "/1/9223372036854775807/", ok: true},
		{name: "empty", in: ""},
		{name: "no trailing slash", in: "/1/4"},
		{name: "no leading slash", in: "1/4/"},
		{name: "double slash", in: "//"},
		{name: "empty segment", in: "/1//4/"},
		{name: "leading zero", in: "/01/"},
		{name: "zero id", in: "/0/"},
		{name: "letters", in: "/a/"},
		{name: "negative", in: "/-1/"},
		{name: "plus sign", in: "/+1/"},
		{name: "space", in: "/1 /"},
		{name: "dot dot", in: "/1/../"},
		{name: "overflow", in: "/1/9223372036854775808/"},
		{name: "bare id", in: "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CanonicalPath(tc.in)
			if !tc.ok {
				if !errors.Is(err, ErrBadPath) {
					t.Fatalf("CanonicalPath(%q) = %q, %v; want ErrBadPath", tc.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CanonicalPath(%q): %v", tc.in, err)
			}
			if got != tc.in {
				t.Errorf("CanonicalPath(%q) = %q, want it unchanged", tc.in, got)
			}
		})
	}
}

func TestChildPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		parent string
		id     int
		want   string
	}{
		{name: "under root", parent: "/", id: 1, want: "/1/"},
		{name: "deep", parent: "/1/4/", id: 17, want: "/1/4/17/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ChildPath(tc.parent, tc.id); got != tc.want {
				t.Errorf("ChildPath(%q, %d) = %q, want %q", tc.parent, tc.id, got, tc.want)
			}
		})
	}
}

func TestIsWithin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path, root string
		want       bool
	}{
		{path: "/1/4/", root: "/1/4/", want: true},
		{path: "/1/4/17/", root: "/1/4/", want: true},
		{path: "/1/4/17/", root: "/", want: true},
		{path: "/", root: "/", want: true},
		{path: "/1/40/", root: "/1/4/", want: false},
		{path: "/1/41/7/", root: "/1/4/", want: false},
		{path: "/1/", root: "/1/4/", want: false},
		{path: "/", root: "/1/", want: false},
		{path: "/2/4/", root: "/1/4/", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.path+" in "+tc.root, func(t *testing.T) {
			t.Parallel()
			if got := IsWithin(tc.path, tc.root); got != tc.want {
				t.Errorf("IsWithin(%q, %q) = %v, want %v", tc.path, tc.root, got, tc.want)
			}
		})
	}
}

func TestAncestors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path string
		want []string
	}{
		{path: "/", want: []string{"/"}},
		{path: "/1/", want: []string{"/", "/1/"}},
		{path: "/1/4/", want: []string{"/", "/1/", "/1/4/"}},
		{path: "/1/4/17/", want: []string{"/", "/1/", "/1/4/", "/1/4/17/"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Ancestors(tc.path)); diff != "" {
				t.Errorf("Ancestors(%q) (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func TestAncestorsAllocatesOnlyTheResult(t *testing.T) {
	// Not parallel: AllocsPerRun counts allocations process-wide.
	if n := testing.AllocsPerRun(100, func() { _ = Ancestors("/1/4/17/203/9999/") }); n != 1 {
		t.Errorf("Ancestors allocated %v times per call, want 1", n)
	}
}

func TestMinimalRoots(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{name: "none", in: nil, want: nil},
		{name: "one", in: []string{"/1/4/"}, want: []string{"/1/4/"}},
		{name: "duplicates", in: []string{"/1/4/", "/1/4/"}, want: []string{"/1/4/"}},
		{name: "nested", in: []string{"/1/4/17/", "/1/4/"}, want: []string{"/1/4/"}},
		{
			name: "siblings stay",
			in:   []string{"/1/40/", "/1/4/", "/1/41/7/"},
			want: []string{"/1/4/", "/1/40/", "/1/41/7/"},
		},
		{
			name: "covered after an unrelated sibling",
			in:   []string{"/1/4/17/", "/1/40/", "/1/4/", "/1/4/2/", "/2/"},
			want: []string{"/1/4/", "/1/40/", "/2/"},
		},
		{name: "root covers all", in: []string{"/1/", "/", "/7/3/"}, want: []string{"/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := append([]string(nil), tc.in...)
			if diff := cmp.Diff(tc.want, MinimalRoots(in)); diff != "" {
				t.Errorf("MinimalRoots(%q) (-want +got):\n%s", tc.in, diff)
			}
			if diff := cmp.Diff(tc.in, in); diff != "" {
				t.Errorf("MinimalRoots modified its input (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPathIDs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path string
		want []int
	}{
		{path: "/", want: nil},
		{path: "/1/", want: []int{1}},
		{path: "/1/4/17/", want: []int{1, 4, 17}},
		{path: "/1/4", want: nil},
		{path: "/1/a/", want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, PathIDs(tc.path)); diff != "" {
				t.Errorf("PathIDs(%q) (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}
