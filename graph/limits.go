package graph

import (
	"gridgov/internal/apperr"
)

// checkListLen refuses list arguments longer than maxListLen.
func checkListLen(field string, n int) error {
	if n > maxListLen {
		return apperr.Invalid(field, "%s may hold at most %d items, got %d", field, maxListLen, n)
	}
	return nil
}
