package graph

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
	"gridgov/internal/apperr"
	"gridgov/internal/store"
)

// PresentError is the one place where errors become what a client sees: every error gets an
// extensions.code, and internal failures are logged and reported without their details.
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if gqlErr.Extensions != nil && gqlErr.Extensions["code"] != nil {
		return gqlErr // parse and validation errors from gqlgen already carry a code
	}
	code, msg, field := classify(err)
	if code == apperr.Internal {
		slog.ErrorContext(ctx, "internal error", "error", err, "path", gqlErr.Path.String())
	}
	gqlErr.Message = msg
	gqlErr.Extensions = map[string]any{"code": string(code)}
	if field != "" {
		gqlErr.Extensions["field"] = field
	}
	return gqlErr
}

// UnavailableMessage is what a client reads when the database cannot be reached.
const UnavailableMessage = "the database is unavailable: try again shortly"

// TimeoutMessage is what a client reads when a statement or the request ran out of time.
const TimeoutMessage = "the request took too long and was stopped: nothing was changed; narrow it down rather than sending it again as it is"

// classify maps an error to its code, client message and input field.
func classify(err error) (apperr.Code, string, string) {
	if e, ok := apperr.As(err); ok {
		return e.Code, e.Message, e.Field
	}
	var verr *ent.ValidationError
	var nf *ent.NotFoundError
	var cerr *ent.CursorError
	switch {
	case errors.As(err, &cerr):
		return apperr.BadInput, cerr.Error(), ""
	case errors.As(err, &verr):
		field := lowerCamel(verr.Name)
		return apperr.BadInput, field + ": " + validationReason(verr), field
	case errors.Is(err, privacy.Deny):
		return apperr.Forbidden, "you may not do this here", ""
	case errors.As(err, &nf), strings.Contains(err.Error(), "Could not resolve to a node"):
		return apperr.NotFound, "not found or outside your scope", ""
	case ent.IsConstraintError(err):
		if field, msg, ok := uniqueViolation(err.Error()); ok {
			return apperr.Conflict, msg, field
		}
		return apperr.Conflict, "conflicts with an existing record: a unique value is taken, or a referenced record is missing", ""
	case isCursorError(err):
		// Before the database's failures: a truncated cursor ends in io.EOF too.
		return apperr.BadInput, "malformed cursor: pass a cursor from an edge or pageInfo as it is", ""
	case store.Unavailable(err):
		// Checked before the deadline: a connection that breaks is not a slow query.
		return apperr.Unavailable, UnavailableMessage, ""
	case store.TimedOut(err):
		return apperr.Timeout, TimeoutMessage, ""
	}
	// gqlgen reports arguments it cannot read (a malformed ID, time or cursor) as gqlerrors
	// around a plain parse error; it wraps resolver failures the same way, so only parse
	// errors count as the client's fault.
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && isParseError(gqlErr.Unwrap()) {
		var numErr *strconv.NumError
		if errors.As(gqlErr.Unwrap(), &numErr) { // an ID that is not one of ours (IDs are numbers)
			return apperr.BadInput, "malformed id: pass an id as this API returned it in an id field", ""
		}
		return apperr.BadInput, gqlErr.Message, ""
	}
	return apperr.Internal, "internal server error", ""
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
