package workcal

import (
	"fmt"
	"io"
	"strconv"
)

// MarshalGQL writes the light as the GraphQL enum value SlaLight, so that the API serves it
// from (*ent.Event).SLALight without a conversion.
func (l Light) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(l))) }

// UnmarshalGQL reads a GraphQL SlaLight value.
func (l *Light) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("SLA light must be a string, got %T", v)
	}
	switch x := Light(s); x {
	case Green, Yellow, Red:
		*l = x
		return nil
	}
	return fmt.Errorf("%q is not a valid SlaLight", s)
}
