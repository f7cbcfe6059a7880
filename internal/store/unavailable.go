package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// Unavailable reports whether err says that the database could not be reached, rather than
// that a statement failed: a refused or broken connection, or PostgreSQL shutting down,
// restarting or full. Such a failure passes by itself (database/sql drops broken connections
// and dials new ones), so clients are told to retry instead of being shown an internal error.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	// ErrBadConn: lib/pq's word for a connection that broke (end of file, a fatal server
	// error), returned inside transactions, where database/sql cannot retry. ErrConnDone: a
	// transaction's statement after its connection broke.
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	// The end of the stream: lib/pq passes it on as it is from some paths when a connection
	// is cut between statements. Nothing else a request reads is a stream of this kind.
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// A dial refused or timed out, a connection reset: lib/pq passes them on as they are.
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	// A request's deadline is a net.Error too (it has Timeout), but says nothing about the
	// database: it is TimedOut's, and a wait for a busy pool's connection ends with it.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case pqerror.AdminShutdown, pqerror.CrashShutdown, pqerror.CannotConnectNow, pqerror.TooManyConnections:
			return true
		}
		return pqErr.Code.Class() == pqerror.ClassConnectionException
	}
	return false
}

// TimedOut reports whether err says that a statement or the request ran out of time while
// the database was reachable: PostgreSQL's statement_timeout or lock_timeout, or the
// request's deadline (also what a wait for a connection of a busy pool ends with).
func TimedOut(err error) bool {
	if err == nil || Unavailable(err) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == pqerror.QueryCanceled || pqErr.Code == pqerror.LockNotAvailable
	}
	return false
}

// Contended reports whether PostgreSQL aborted err's transaction to resolve a clash with a
// concurrent one: a deadlock (40P01) or a serialization failure (40001). Nothing of the
// transaction was saved, and the same request usually succeeds when sent again.
func Contended(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == pqerror.TRDeadlockDetected || pqErr.Code == pqerror.TRSerializationFailure
	}
	return false
}
