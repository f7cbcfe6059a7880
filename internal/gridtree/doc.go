// Package gridtree keeps the grid tree consistent: it validates grid codes against their kind
// and parent, maintains the materialized paths (and every copy of them on rows that belong to
// a grid), and moves and deletes subtrees.
package gridtree
