package authz

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrBadPath is returned for a grid path that is not canonical: "/" or "/" followed by one or
// more positive decimal ids without leading zeros, each followed by "/".
var ErrBadPath = errors.New("authz: bad grid path")

// CanonicalPath returns p if it is a canonical grid path, and an error wrapping ErrBadPath
// otherwise. It never rewrites a path: clients must send canonical paths.
func CanonicalPath(p string) (string, error) {
	if p == "/" {
		return p, nil
	}
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return "", fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	for _, seg := range strings.Split(p[1:len(p)-1], "/") {
		if !validID(seg) {
			return "", fmt.Errorf("%w: %q", ErrBadPath, p)
		}
	}
	return p, nil
}

// validID reports whether seg is a positive decimal int without a leading zero.
func validID(seg string) bool {
	if seg == "" || seg[0] == '0' {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return false
		}
	}
	// Reject ids that overflow int, so PathIDs can never fail on a canonical path.
	_, err := strconv.Atoi(seg)
	return err == nil
}

// ChildPath returns the path of grid id directly under the canonical path parent.
func ChildPath(parent string, id int) string {
	return parent + strconv.Itoa(id) + "/"
}

// IsWithin reports whether root is an ancestor-or-self of path; both must be canonical.
func IsWithin(path, root string) bool {
	// A prefix test is segment-exact only because canonical paths end in "/": "/1/4/" is a
	// prefix of "/1/4/17/" but not of "/1/40/".
	return strings.HasPrefix(path, root)
}

// Ancestors returns the ancestor-or-self paths of the canonical path, from "/" down to path.
// The elements are substrings of path, so the result slice is the only allocation.
func Ancestors(path string) []string {
	out := make([]string, 0, strings.Count(path, "/"))
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// MinimalRoots returns the canonical roots sorted and deduplicated, without any root that
// another root covers; the input is not modified. It returns nil for no roots.
func MinimalRoots(roots []string) []string {
	if len(roots) == 0 {
		return nil
	}
	sorted := slices.Clone(roots)
	slices.Sort(sorted)
	// In sorted order the paths a root covers directly follow it, so comparing with the last
	// kept root is enough.
	out := sorted[:0]
	for _, r := range sorted {
		if len(out) > 0 && IsWithin(r, out[len(out)-1]) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// PathIDs returns the grid ids along the path, root first; nil for "/" or a path that is not
// canonical.
func PathIDs(path string) []int {
	if _, err := CanonicalPath(path); err != nil || path == "/" {
		return nil
	}
	segs := strings.Split(path[1:len(path)-1], "/")
	ids := make([]int, len(segs))
	for i, s := range segs {
		// Cannot fail: CanonicalPath checked every segment.
		ids[i], _ = strconv.Atoi(s)
	}
	return ids
}
