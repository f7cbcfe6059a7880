package gqllimits

import (
	"gridgov/internal/apperr"
)

// CheckListLen refuses list arguments longer than MaxListLen.
func CheckListLen(field string, n int) error {
	if n > MaxListLen {
		return apperr.Invalid(field, "%s may hold at most %d items, got %d", field, MaxListLen, n)
	}
	return nil
}
