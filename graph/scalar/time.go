// Package scalar holds gridgov's custom GraphQL scalars.
package scalar

import (
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes a time as RFC 3339 in UTC.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 time with any offset and returns it in UTC, so that every
// time the API receives is stored and compared in UTC.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errors.New("a Time must be an RFC 3339 string such as 2026-03-01T08:00:00+08:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("a Time must be an RFC 3339 string such as 2026-03-01T08:00:00+08:00")
	}
	return t.UTC(), nil
}
