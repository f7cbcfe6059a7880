package excel

import (
	"context"
	"testing"

	"gridgov/authz"
)

// TestCanWriteFailsClosed: ledger rows may be written on the system's account and by a viewer
// whose role allows it, never by a context with neither (imports over HTTP must not find an
// "allowed everywhere" default).
func TestCanWriteFailsClosed(t *testing.T) {
	t.Parallel()
	if canWrite(context.Background())("/1/") {
		t.Error("a context with neither viewer nor system account may write ledger rows")
	}
	if !canWrite(authz.SystemContext(context.Background(), "test"))("/1/") {
		t.Error("the system's account may not write ledger rows")
	}
}
