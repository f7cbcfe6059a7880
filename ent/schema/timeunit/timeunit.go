// Package timeunit defines the unit of a case category's time limit, shared by the category
// and the case that copies it.
package timeunit

import (
	"fmt"
	"io"
	"strconv"
)

// Unit is the unit of a time limit.
type Unit string

// The units of a time limit.
const (
	// WorkingHours counts hours of working time on working days (工作时).
	WorkingHours Unit = "WORKING_HOURS"
	// WorkingDays counts working days (工作日).
	WorkingDays Unit = "WORKING_DAYS"
	// NaturalHours counts clock hours, day and night (自然时).
	NaturalHours Unit = "NATURAL_HOURS"
)

// Values lists the units, for ent's enum field.
func (Unit) Values() []string {
	return []string{string(WorkingHours), string(WorkingDays), string(NaturalHours)}
}

// MarshalGQL writes the unit as a GraphQL enum value.
func (u Unit) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(u))) }

// UnmarshalGQL reads a GraphQL enum value.
func (u *Unit) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("time limit unit must be a string, got %T", v)
	}
	for _, x := range u.Values() {
		if s == x {
			*u = Unit(s)
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid TimeLimitUnit", s)
}
