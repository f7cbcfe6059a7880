package rollup_test

import (
	"slices"
	"testing"

	"gridgov/ent/event"
	"gridgov/ent/schema"
	"gridgov/internal/rollup"
)

// TestOpenStatuses checks that OpenStatuses lists every status of the workflow but the closed
// and voided ones, so that a new status cannot silently drop out of "overdue today".
func TestOpenStatuses(t *testing.T) {
	for _, s := range schema.EventStatuses {
		ended := s == string(event.StatusCLOSED_FIXED) || s == string(event.StatusCLOSED_NOT_FIXED) || s == string(event.StatusVOIDED)
		if open := slices.Contains(rollup.OpenStatuses, event.Status(s)); open == ended {
			t.Errorf("status %s: in OpenStatuses %v, closed or voided %v", s, open, ended)
		}
	}
}
