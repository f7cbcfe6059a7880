// Package apperr defines the errors gridgov shows to API clients: each carries a stable code
// that the GraphQL layer puts into extensions.code, and a message written for the frontend
// engineer who will read it.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the machine-readable class of an error, exposed as extensions.code.
type Code string

// The codes a client can receive.
const (
	// BadInput means the request's arguments are invalid; the message names the field.
	BadInput Code = "BAD_USER_INPUT"
	// NotFound means the object does not exist or is outside the viewer's scope.
	NotFound Code = "NOT_FOUND"
	// Forbidden means the viewer may not do this here.
	Forbidden Code = "FORBIDDEN"
	// Unauthenticated means the request carries no valid sign-in.
	Unauthenticated Code = "UNAUTHENTICATED"
	// Conflict means the change clashes with the current state (a duplicate, a stale version).
	Conflict Code = "CONFLICT"
	// RateLimited means the client must slow down.
	RateLimited Code = "RATE_LIMITED"
	// Internal means the server failed; the message says nothing more.
	Internal Code = "INTERNAL_SERVER_ERROR"
	// Unavailable means the database cannot be reached for now: nothing was changed unless
	// the message says it may have been, and the same request can be sent again shortly.
	Unavailable Code = "DATABASE_UNAVAILABLE"
)

// The codes of a database that answers too slowly or is too busy, as distinct from one that
// cannot be reached (Unavailable): retrying at once does not help either, and a busy server
// wants its clients to wait longer.
const (
	// Timeout means a statement or the request ran out of time: nothing was changed, and the
	// same request is likely to take as long again.
	Timeout Code = "TIMEOUT"
	// Overloaded means every database connection of the server was busy for the whole request:
	// nothing was changed; send the request again after the response's Retry-After.
	Overloaded Code = "OVERLOADED"
)

// Error is an error with a client-facing code and message.
type Error struct {
	Code    Code
	Field   string // the input field at fault, if any
	Message string
	// PublicMessage, when set, is a zh-CN sentence a page may show to a resident as it is
	// (extensions.publicMessage): the errors of the public operations carry one.
	PublicMessage string
	cause         error
}

// WithPublic returns a copy of e that carries zh as its PublicMessage.
func (e *Error) WithPublic(zh string) *Error {
	c := *e
	c.PublicMessage = zh
	return &c
}

// Error returns the client-facing message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// New returns an error with the given code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a BAD_USER_INPUT error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the given code and message that keeps cause for errors.Is/As.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), cause: cause}
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns the code of the first *Error in err's chain, or "" when there is none.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}
