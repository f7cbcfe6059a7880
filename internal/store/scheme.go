package store

import (
	"fmt"
	"strings"
)

// knownSchemes are the URL schemes Open understands. Anything else written as "scheme://" is
// refused rather than taken as an SQLite file name: "mysql://…" must not quietly create a file
// called "mysql:" next to the binary.
var knownSchemes = []string{"postgres", "postgresql", "sqlite", "sqlite3"}

// CheckScheme returns an error naming the supported forms when url starts with a scheme
// gridgov does not speak. Plain paths, ":memory:" and SQLite "file:" URIs pass.
func CheckScheme(url string) error {
	s := strings.TrimSpace(url)
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || strings.ContainsAny(scheme, `/\.?`) {
		return nil // a path such as ./data/x.db or C:\x.db, or file:x.db?mode=rwc
	}
	for _, k := range knownSchemes {
		if strings.EqualFold(scheme, k) {
			return nil
		}
	}
	return fmt.Errorf("database URL scheme %q is not supported: use postgres://… (production) or an SQLite file path or sqlite://… (embedded)", scheme)
}
