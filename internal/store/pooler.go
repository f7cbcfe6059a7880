package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// PooledSettings are the run-time settings gridgov's connections need, which a pooler in
// transaction mode cannot carry from the client's connect: they must be the role's or the
// database's defaults, which every server connection the pooler opens starts with.
//
// statement_timeout bounds a runaway query; jit is off because gridgov's queries are short
// and many and compiling them cost more than running them (see withoutJIT).
func PooledSettings(statementTimeout time.Duration) map[string]string {
	return map[string]string{"jit": "off", "statement_timeout": timeoutSetting(statementTimeout)}
}

// timeoutSetting is how PostgreSQL shows a statement_timeout of d: "0" for none, else in the
// largest unit that divides it (10s, 1500ms, 2min).
func timeoutSetting(d time.Duration) string {
	ms := d.Milliseconds()
	switch {
	case ms <= 0:
		return "0"
	case ms%3_600_000 == 0:
		return fmt.Sprintf("%dh", ms/3_600_000)
	case ms%60_000 == 0:
		return fmt.Sprintf("%dmin", ms/60_000)
	case ms%1000 == 0:
		return fmt.Sprintf("%ds", ms/1000)
	}
	return fmt.Sprintf("%dms", ms)
}

// CheckPooledSettings reads the settings of want (PooledSettings) on a connection of db, as a
// pooler hands it out, and returns an error naming the ones that differ and the statement that
// sets them for the database, or nil.
func CheckPooledSettings(ctx context.Context, db *sql.DB, want map[string]string) error {
	var (
		wrong  []string
		set    []string
		dbName string
	)
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		return fmt.Errorf("check the pooled connections' settings: %w", err)
	}
	for _, name := range []string{"jit", "statement_timeout"} {
		w, ok := want[name]
		if !ok {
			continue
		}
		var got string
		if err := db.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil {
			return fmt.Errorf("check the pooled connections' settings: %w", err)
		}
		if got != w {
			wrong = append(wrong, fmt.Sprintf("%s is %s, want %s", name, got, w))
			set = append(set, fmt.Sprintf("ALTER DATABASE %s SET %s = '%s';", pq.QuoteIdentifier(dbName), name, w))
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	return fmt.Errorf("through the pooler the connections run with %s: a pooler cannot pass them at connect; set them as the database's defaults (or the role's, ALTER ROLE … IN DATABASE …): %s",
		strings.Join(wrong, ", "), strings.Join(set, " "))
}
