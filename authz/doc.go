// Package authz decides who may do what on which part of the grid tree.
//
// A user's grants are (role, subtree root) pairs derived from the person's active role
// assignments; policy.csv maps each role to the (object, action) pairs it permits, and
// model.conf tells casbin that a grant on a root covers the root and everything below it.
// Grid paths are canonical materialized paths such as "/1/4/17/" (see CanonicalPath).
package authz
