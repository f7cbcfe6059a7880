package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridgov/ent"
	"gridgov/ent/privacy"
	"gridgov/internal/apperr"
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

// classify maps an error to its code, client message and input field.
func classify(err error) (apperr.Code, string, string) {
	if e, ok := apperr.As(err); ok {
		return e.Code, e.Message, e.Field
	}
	var verr *ent.ValidationError
	var nf *ent.NotFoundError
	switch {
	case errors.As(err, &verr):
		field := lowerCamel(verr.Name)
		return apperr.BadInput, field + ": " + validationReason(verr), field
	case errors.Is(err, privacy.Deny):
		return apperr.Forbidden, "you may not do this here", ""
	case errors.As(err, &nf), strings.Contains(err.Error(), "Could not resolve to a node"):
		return apperr.NotFound, "not found or outside your scope", ""
	case ent.IsConstraintError(err):
		return apperr.Conflict, "conflicts with an existing record: a unique value (such as a code or plate) is taken, or a referenced record is missing", ""
	case errors.Is(err, context.DeadlineExceeded):
		return apperr.Internal, "the request took too long and was stopped", ""
	}
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Rule != "" {
		return apperr.BadInput, gqlErr.Message, ""
	}
	return apperr.Internal, "internal server error", ""
}

// validationReason turns ent's validator error into words a frontend engineer can act on.
func validationReason(verr *ent.ValidationError) string {
	msg := verr.Unwrap().Error()
	switch {
	case strings.Contains(msg, "greater than the required length"):
		return "too long"
	case strings.Contains(msg, "less than the required length"), strings.Contains(msg, "empty"):
		return "must not be empty"
	case strings.Contains(msg, "negative"):
		return "must not be negative"
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
