// Package inputtext decides which text a client may send: every string reaching gridgov from
// outside (GraphQL variables and literals, the public pages' paths and query strings) passes
// Check once, at the edge, so no store or resolver meets a control character. PostgreSQL
// refuses a NUL byte in text with an error that would surface as an internal failure, and
// SQLite cuts a LIKE pattern at one, so that a filter on "\x00" matches every row.
package inputtext

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Check returns an error naming what is wrong when s holds a control character other than
// tab, newline and carriage return, or bytes that are not UTF-8.
func Check(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !validAt(s, i):
			return fmt.Errorf("invalid UTF-8 at byte %d", i)
		case r == '\t', r == '\n', r == '\r':
		case unicode.IsControl(r):
			return fmt.Errorf("control character U+%04X at byte %d: only tab, newline and carriage return are allowed", r, i)
		}
	}
	return nil
}

// validAt reports whether the U+FFFD decoded at byte i of s was really written, not the mark
// of an invalid byte.
func validAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size > 1
}
