package gridtree

import (
	"maps"
	"slices"
)

// PathCopyTables lists the tables whose path copies Move rewrites, for the checks of the
// external tests.
func PathCopyTables() []string { return slices.Sorted(maps.Keys(pathCopies)) }
