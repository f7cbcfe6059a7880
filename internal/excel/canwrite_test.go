package excel

import (
	"context"
	"errors"
	"testing"

	"gridgov/authz"
)

// TestCanWriteFailsClosed: rows may be written on the system's account and by a viewer whose
// role allows it, never by a context with neither (imports over HTTP must not find an
// "allowed everywhere" default).
func TestCanWriteFailsClosed(t *testing.T) {
	t.Parallel()
	if canIn(context.Background())("/1/", authz.ObjLedger, authz.ActCreate) {
		t.Error("a context with neither viewer nor system account may write ledger rows")
	}
	if !canIn(authz.SystemContext(context.Background(), "test"))("/1/", authz.ObjLedger, authz.ActCreate) {
		t.Error("the system's account may not write ledger rows")
	}
}

// TestImportsFailClosed: without a viewer or the system's account, both imports refuse as
// unauthenticated before they read the workbook or the database.
func TestImportsFailClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := ImportLedgers(ctx, nil, nil, 0, nil); !errors.Is(err, authz.ErrNoViewer) {
		t.Errorf("ImportLedgers without a viewer = %v, want ErrNoViewer", err)
	}
	if _, err := ImportRoster(ctx, nil, nil, 0, RosterOptions{}); !errors.Is(err, authz.ErrNoViewer) {
		t.Errorf("ImportRoster without a viewer = %v, want ErrNoViewer", err)
	}
}
