package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

func TestUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"bad connection in a transaction", fmt.Errorf("load case 7: %w", driver.ErrBadConn), true},
		{"statement after the connection broke", sql.ErrConnDone, true},
		{"dial refused", fmt.Errorf("authenticate: %w", refused), true},
		{"connection reset", reset, true},
		{"end of stream", fmt.Errorf("authenticate: %w", io.EOF), true},
		{"server shutting down", &pq.Error{Code: pqerror.AdminShutdown}, true},
		{"server starting up", &pq.Error{Code: pqerror.CannotConnectNow}, true},
		{"too many connections", &pq.Error{Code: pqerror.TooManyConnections}, true},
		{"connection exception class", &pq.Error{Code: pqerror.ConnectionFailure}, true},
		{"unique violation", &pq.Error{Code: pqerror.UniqueViolation}, false},
		{"statement timeout", &pq.Error{Code: pqerror.QueryCanceled}, false},
		{"no rows", sql.ErrNoRows, false},
		{"plain error", errors.New("vehicles: no such table"), false},
	}
	for _, tc := range cases {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
