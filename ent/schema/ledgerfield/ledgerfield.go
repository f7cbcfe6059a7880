// Package ledgerfield describes the typed fields of a ledger item type (台账事项) and checks
// values against them. It is a leaf package: the ent schema stores Defs as JSON, and the
// ledger package, the API and the Excel import all validate through Check.
package ledgerfield

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Type is the kind of value a field holds.
type Type string

// The field types.
const (
	Text    Type = "TEXT"
	Number  Type = "NUMBER"
	Date    Type = "DATE"
	Enum    Type = "ENUM"
	Boolean Type = "BOOLEAN"
	Person  Type = "PERSON"
)

// Types lists every field type in declaration order.
var Types = []Type{Text, Number, Date, Enum, Boolean, Person}

// Limits on definitions, so that a type cannot be defined to hold unbounded data.
const (
	MaxFields    = 60
	MaxKey       = 40
	MaxLabel     = 100
	MaxTextValue = 4000
	MaxOptions   = 100
	MaxPattern   = 200
)

// DateLayout is how dates are written in values and spreadsheets.
const DateLayout = "2006-01-02"

// Def is one field of a ledger item type.
type Def struct {
	// Key names the value in an entry; lower-case letters, digits and underscores.
	Key string `json:"key"`
	// Label is the zh-CN column heading, e.g. 从业人数.
	Label string `json:"label"`
	// Type is the kind of value.
	Type Type `json:"type"`
	// Unit of a number, e.g. 人, m², 万元.
	Unit string `json:"unit,omitempty"`
	// Required values must be given in every entry.
	Required bool `json:"required,omitempty"`
	// Min and Max bound a number.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Pattern is a regular expression (RE2) a text value must match in full.
	Pattern string `json:"pattern,omitempty"`
	// MaxLength bounds a text value, in characters.
	MaxLength int `json:"maxLength,omitempty"`
	// Options are the allowed values of an enum.
	Options []string `json:"options,omitempty"`
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks a list of definitions: unique well-formed keys, known types, sound bounds.
// It returns every problem found, each naming the field.
func Validate(defs []Def) []string {
	var probs []string
	if len(defs) > MaxFields {
		probs = append(probs, fmt.Sprintf("at most %d fields", MaxFields))
	}
	seen := map[string]bool{}
	for i, d := range defs {
		at := fmt.Sprintf("fields[%d] (%s)", i, d.Key)
		switch {
		case len(d.Key) > MaxKey || !keyPattern.MatchString(d.Key):
			probs = append(probs, at+": key must be lower-case letters, digits and _ (at most 40), starting with a letter")
		case seen[d.Key]:
			probs = append(probs, at+": duplicate key")
		}
		seen[d.Key] = true
		if strings.TrimSpace(d.Label) == "" || utf8.RuneCountInString(d.Label) > MaxLabel {
			probs = append(probs, at+": label is required (at most 100 characters)")
		}
		known := false
		for _, t := range Types {
			known = known || t == d.Type
		}
		if !known {
			probs = append(probs, fmt.Sprintf("%s: unknown type %q", at, d.Type))
		}
		if d.Min != nil && d.Max != nil && *d.Min > *d.Max {
			probs = append(probs, at+": min is greater than max")
		}
		if (d.Min != nil || d.Max != nil || d.Unit != "") && d.Type != Number {
			probs = append(probs, at+": min, max and unit apply to numbers only")
		}
		if (d.Pattern != "" || d.MaxLength != 0) && d.Type != Text {
			probs = append(probs, at+": pattern and maxLength apply to text only")
		}
		if d.Pattern != "" {
			if len(d.Pattern) > MaxPattern {
				probs = append(probs, at+": pattern too long")
			} else if _, err := regexp.Compile(d.Pattern); err != nil {
				probs = append(probs, at+": pattern: "+err.Error())
			}
		}
		if d.MaxLength < 0 || d.MaxLength > MaxTextValue {
			probs = append(probs, fmt.Sprintf("%s: maxLength must be between 1 and %d", at, MaxTextValue))
		}
		if d.Type == Enum && (len(d.Options) == 0 || len(d.Options) > MaxOptions) {
			probs = append(probs, fmt.Sprintf("%s: an enum needs 1 to %d options", at, MaxOptions))
		}
		if d.Type != Enum && len(d.Options) > 0 {
			probs = append(probs, at+": options apply to enums only")
		}
	}
	return probs
}

// Problem is a value that does not fit its field.
type Problem struct {
	Key    string
	Label  string
	Reason string
}

// Error reads "label (key): reason".
func (p Problem) Error() string { return fmt.Sprintf("%s (%s): %s", p.Label, p.Key, p.Reason) }

// PersonExists reports whether a person id may be named in a value.
type PersonExists func(id int) bool

// Check validates raw values (text as typed or read from a cell) against defs and returns the
// canonical values to store: numbers without trailing zeros, dates as YYYY-MM-DD, booleans as
// true/false, persons as ids. Empty values are dropped. Keys not defined are problems too.
func Check(defs []Def, raw map[string]string, person PersonExists) (map[string]string, []Problem) {
	out := make(map[string]string, len(raw))
	var probs []Problem
	known := make(map[string]bool, len(defs))
	for _, d := range defs {
		known[d.Key] = true
		v := strings.TrimSpace(raw[d.Key])
		if v == "" {
			if d.Required {
				probs = append(probs, Problem{d.Key, d.Label, "required"})
			}
			continue
		}
		c, reason := canonical(d, v, person)
		if reason != "" {
			probs = append(probs, Problem{d.Key, d.Label, reason})
			continue
		}
		out[d.Key] = c
	}
	for k := range raw {
		if !known[k] {
			probs = append(probs, Problem{k, k, "no such field in this ledger type"})
		}
	}
	return out, probs
}

func canonical(d Def, v string, person PersonExists) (string, string) {
	switch d.Type {
	case Text:
		n := utf8.RuneCountInString(v)
		limit := d.MaxLength
		if limit == 0 {
			limit = MaxTextValue
		}
		if n > limit {
			return "", fmt.Sprintf("longer than %d characters", limit)
		}
		if d.Pattern != "" && !anchored(d.Pattern).MatchString(v) {
			return "", fmt.Sprintf("does not match the pattern %s", d.Pattern)
		}
		return v, ""
	case Number:
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", fmt.Sprintf("%q is not a number", v)
		}
		if d.Min != nil && f < *d.Min {
			return "", fmt.Sprintf("%s is below the minimum %s", FormatNumber(f), FormatNumber(*d.Min))
		}
		if d.Max != nil && f > *d.Max {
			return "", fmt.Sprintf("%s is above the maximum %s", FormatNumber(f), FormatNumber(*d.Max))
		}
		return FormatNumber(f), ""
	case Date:
		t, err := time.Parse(DateLayout, v)
		if err != nil {
			return "", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", v)
		}
		return t.Format(DateLayout), ""
	case Enum:
		for _, o := range d.Options {
			if o == v {
				return v, ""
			}
		}
		return "", fmt.Sprintf("%q is not one of %s", v, strings.Join(d.Options, ", "))
	case Boolean:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "是", "y":
			return "true", ""
		case "false", "0", "no", "否", "n":
			return "false", ""
		}
		return "", fmt.Sprintf("%q is not yes or no (是/否, true/false)", v)
	case Person:
		id, err := strconv.Atoi(v)
		if err != nil || id <= 0 {
			return "", fmt.Sprintf("%q is not a person code (人员编号) in your scope", v)
		}
		if person == nil || !person(id) {
			return "", fmt.Sprintf("no person %d in your scope", id)
		}
		return strconv.Itoa(id), ""
	}
	return "", fmt.Sprintf("unknown type %q", d.Type)
}

// patterns caches compiled patterns: an import checks the same few against every row.
var patterns sync.Map

// anchored returns pattern compiled to match a whole value; Validate has checked it compiles
// (a pattern stored before that check matches nothing).
func anchored(pattern string) *regexp.Regexp {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		re = regexp.MustCompile(`^\b\B$`)
	}
	patterns.Store(pattern, re)
	return re
}

// FormatNumber writes a number in its shortest exact form.
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// MarshalGQL writes the type as a GraphQL enum value.
func (t Type) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(t))) }

// UnmarshalGQL reads a GraphQL enum value.
func (t *Type) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("field type must be a string, got %T", v)
	}
	for _, x := range Types {
		if string(x) == s {
			*t = x
			return nil
		}
	}
	return fmt.Errorf("%q is not a field type", s)
}
