package server

import (
	"context"
	"database/sql"
	"errors"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/internal/apperr"
	"gridgov/internal/publicface"
)

// dbFault returns the client's error for a failure of the database rather than of the
// request: unreachable (DATABASE_UNAVAILABLE), out of time with the pool busy to its limit
// (OVERLOADED: the request waited for a connection), or out of time otherwise (TIMEOUT); nil
// for any other error.
func dbFault(ctx context.Context, err error) *apperr.Error {
	e := apperr.Classify(err)
	switch {
	case e.Code == apperr.Timeout && errors.Is(err, context.DeadlineExceeded) && poolBusy(infoFrom(ctx).pool):
		// database/sql ends a wait for a connection with the context's error and nothing else.
		return apperr.Wrap(err, apperr.Overloaded, apperr.OverloadedMessage)
	case e.Code == apperr.Unavailable, e.Code == apperr.Timeout:
		return e
	}
	return nil
}

// poolBusy reports whether every connection the pool may open is in use and requests have
// had to wait for one.
func poolBusy(pool *sql.DB) bool {
	if pool == nil {
		return false
	}
	s := pool.Stats()
	return s.MaxOpenConnections > 0 && s.InUse >= s.MaxOpenConnections && s.WaitCount > 0
}

// presentError is apperr.Present knowing the pool: a deadline met while the pool was busy
// is OVERLOADED, not TIMEOUT. Errors that already carry a code keep it.
//
// The errors of the public operations (those residents' pages call) also carry the Chinese
// sentence a resident reads, extensions.publicMessage (see publicface.ForResidents).
func presentError(ctx context.Context, err error) *gqlerror.Error {
	if _, ok := apperr.As(err); !ok {
		if f := dbFault(ctx, err); f != nil && f.Code == apperr.Overloaded {
			err = f
		}
	}
	if publicface.IsPublicOperation(rootField(ctx)) {
		err = publicface.ForResidents(err)
	}
	return apperr.Present(ctx, err)
}

// rootField names the top-level field whose resolution failed; "" outside one.
func rootField(ctx context.Context) string {
	fc := graphql.GetFieldContext(ctx)
	for fc != nil && fc.Parent != nil && fc.Parent.Field.Field != nil {
		fc = fc.Parent
	}
	if fc == nil || fc.Field.Field == nil {
		return ""
	}
	return fc.Field.Name
}

// Retry-After values, in seconds. After an outage: long enough for a restart of PostgreSQL,
// short enough that a client is not kept waiting after one. When busy: longer, so that
// clients retrying do not keep the pool full.
const (
	retryAfterUnavailable = "5"
	retryAfterOverloaded  = "30"
)

// faultStatus returns the HTTP status and Retry-After of a database fault's code, or 0 for
// any other code: 503 for an unreachable or busy database, 504 for a timeout.
func faultStatus(code apperr.Code) (status int, retryAfter string) {
	switch code {
	case apperr.Unavailable:
		return http.StatusServiceUnavailable, retryAfterUnavailable
	case apperr.Overloaded:
		return http.StatusServiceUnavailable, retryAfterOverloaded
	case apperr.Timeout:
		return http.StatusGatewayTimeout, ""
	}
	return 0, ""
}

// noteFault records code as the request's database fault unless one is noted already.
func (info *requestInfo) noteFault(code apperr.Code) {
	if status, _ := faultStatus(code); status != 0 && info.fault == "" {
		info.fault = code
	}
}

// respondFault answers a database fault outside GraphQL execution.
func respondFault(w http.ResponseWriter, r *http.Request, f *apperr.Error) {
	status, retry := faultStatus(f.Code)
	if retry != "" {
		w.Header().Set("Retry-After", retry)
	}
	respondError(w, r, status, string(f.Code), f.Message)
}

// faultStatusOf answers with the status of its database fault (faultStatus), instead of 200,
// a GraphQL response that carries one (recordResponse notes it before the response is
// written), so that load balancers and clients see the outage, the timeout or the load.
func faultStatusOf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&faultWriter{ResponseWriter: w, info: infoFrom(r.Context())}, r)
	})
}

type faultWriter struct {
	http.ResponseWriter
	info        *requestInfo
	wroteHeader bool
}

func (w *faultWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if fault, retry := faultStatus(w.info.fault); status == http.StatusOK && fault != 0 {
			if retry != "" {
				w.Header().Set("Retry-After", retry)
			}
			status = fault
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *faultWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *faultWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
