package apperr

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/ent"
	"gridgov/ent/privacy"
	"gridgov/internal/store"
)

// Present is the one place where errors become what a GraphQL client sees: every error gets
// an extensions.code, and internal failures are logged and reported without their details.
func Present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if gqlErr.Extensions != nil && gqlErr.Extensions["code"] != nil {
		return gqlErr // parse and validation errors from gqlgen already carry a code
	}
	e := Classify(err)
	if e.Code == Internal {
		slog.ErrorContext(ctx, "internal error", "error", err, "path", gqlErr.Path.String())
	}
	gqlErr.Message = e.Message
	gqlErr.Extensions = map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		gqlErr.Extensions["field"] = e.Field
	}
	if e.PublicMessage != "" {
		gqlErr.Extensions["publicMessage"] = e.PublicMessage
	}
	return gqlErr
}

// Messages of the database's failures, the same wherever a client meets them.
const (
	// UnavailableMessage is what a client reads when the database cannot be reached.
	UnavailableMessage = "the database is unavailable: try again shortly"
	// TimeoutMessage is what a client reads when a statement or the request ran out of time.
	TimeoutMessage = "the request took too long and was stopped: nothing was changed; narrow it down rather than sending it again as it is"
	// OverloadedMessage is what a client reads when every connection of the pool stayed busy.
	OverloadedMessage = "the server is busy: nothing was changed; try again after the Retry-After of this response"
	// ContendedMessage is what a client reads when the database aborted its transaction for a
	// concurrent one (a deadlock or a serialization failure).
	ContendedMessage = "the change clashed with another one made at the same time and was not saved: send the same request again"
	// InternalMessage is all a client reads of a failure of the server.
	InternalMessage = "internal server error"
)

// Classify is the one mapping of errors to what a client is told: an *Error in err's chain
// as it is, else the code, message and field of the failure err describes (ent's, the
// database's, gqlgen's argument parsing), else INTERNAL_SERVER_ERROR with nothing more.
// The result keeps err as its cause.
func Classify(err error) *Error {
	if e, ok := As(err); ok {
		return e
	}
	code, msg, field := classify(err)
	return &Error{Code: code, Message: msg, Field: field, cause: err}
}

// classify maps an error that carries no code to its code, client message and input field.
func classify(err error) (Code, string, string) {
	var verr *ent.ValidationError
	var nf *ent.NotFoundError
	var cerr *ent.CursorError
	switch {
	case errors.As(err, &cerr):
		return BadInput, cerr.Error(), ""
	case errors.As(err, &verr):
		field := lowerCamel(verr.Name)
		return BadInput, field + ": " + validationReason(verr), field
	case errors.Is(err, privacy.Deny):
		return Forbidden, "you may not do this here", ""
	case errors.As(err, &nf), strings.Contains(err.Error(), "Could not resolve to a node"):
		return NotFound, "not found or outside your scope", ""
	case ent.IsConstraintError(err):
		if field, msg, ok := uniqueViolation(err.Error()); ok {
			return Conflict, msg, field
		}
		return Conflict, "conflicts with an existing record: a unique value is taken, or a referenced record is missing", ""
	case isCursorError(err):
		// Before the database's failures: a truncated cursor ends in io.EOF too.
		return BadInput, "malformed cursor: pass a cursor from an edge or pageInfo as it is", ""
	case store.Unavailable(err):
		// Checked before the deadline: a connection that breaks is not a slow query.
		return Unavailable, UnavailableMessage, ""
	case store.TimedOut(err):
		return Timeout, TimeoutMessage, ""
	case store.Contended(err):
		return Conflict, ContendedMessage, ""
	}
	// gqlgen reports arguments it cannot read (a malformed ID, time or cursor) as gqlerrors
	// around a plain parse error; it wraps resolver failures the same way, so only parse
	// errors count as the client's fault.
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && isParseError(gqlErr.Unwrap()) {
		var numErr *strconv.NumError
		if errors.As(gqlErr.Unwrap(), &numErr) { // an ID that is not one of ours (IDs are numbers)
			return BadInput, "malformed id: pass an id as this API returned it in an id field", ""
		}
		return BadInput, gqlErr.Message, ""
	}
	return Internal, InternalMessage, ""
}

// isCursorError reports whether err is entgql's failure to decode a cursor argument.
func isCursorError(err error) bool {
	var gqlErr *gqlerror.Error
	return errors.As(err, &gqlErr) && strings.HasPrefix(gqlErr.Message, "cannot decode cursor")
}

// validationReason turns ent's validator error into words a frontend engineer can act on.
func validationReason(verr *ent.ValidationError) string {
	msg := verr.Unwrap().Error()
	switch {
	case strings.Contains(msg, "greater than the required"): // length, or rune length
		return "too long"
	case strings.Contains(msg, "less than the required length"), strings.Contains(msg, "empty"):
		return "must not be empty"
	case strings.Contains(msg, "negative"), strings.Contains(msg, "out of range"):
		return "out of range (counts must not be negative)"
	}
	return msg
}

// lowerCamel turns ent's snake_case field name into the GraphQL field name.
func lowerCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// uniqueKeys maps the unique indexes (their PostgreSQL name and SQLite column) to the input
// field and the message a client sees when a value is taken.
var uniqueKeys = []struct{ pg, sqlite, field, msg string }{
	{"grid_code", "grids.code", "code", "code: another grid already has this code"},
	{"vehicle_plate", "vehicles.plate", "plate", "plate: another vehicle already has this plate"},
	{"eventcategory_code", "event_categories.code", "code", "code: another category already has this code"},
	{"user_username", "users.username", "username", "username: this username is taken"},
}

// uniqueViolation recognises a unique-index violation in a driver's message.
func uniqueViolation(msg string) (field, text string, ok bool) {
	for _, k := range uniqueKeys {
		if strings.Contains(msg, `"`+k.pg+`"`) || strings.Contains(msg, k.sqlite) {
			return k.field, k.msg, true
		}
	}
	return "", "", false
}

// isParseError reports whether err is what decoding a malformed argument produces: nothing, or
// a chain of errors from the standard library's parsing and formatting packages or the
// cursor codec. A chain that reaches anything else (a database driver's error, say) is a
// failure of the server, whatever wraps it.
func isParseError(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		t := reflect.TypeOf(err).String()
		known := false
		for _, p := range []string{"*errors.", "*fmt.", "*strconv.", "*json.", "*base64.", "base64.", "*msgpack.", "*time."} {
			known = known || strings.HasPrefix(t, p)
		}
		if !known {
			return false
		}
	}
	return true
}
