package main

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gridgov/internal/migrations"
	"gridgov/internal/migrations/migrationstest"
)

// migrate runs "gridgov migrate ARGS" and returns its output.
func migrate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := realMain(t.Context(), append([]string{"migrate"}, args...), strings.NewReader(""), &out)
	return out.String(), err
}

func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	url := migrationstest.EmptyDatabase(t)
	files, err := migrations.Files()
	if err != nil {
		t.Fatal(err)
	}
	last := files[len(files)-1]
	row := func(state string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^` + last.Version + `\s+` + regexp.QuoteMeta(last.Description) + `\s+` + state + `\b`)
	}

	out, err := migrate(t, "status", "--database-url", url)
	if err != nil {
		t.Fatalf("migrate status: %v\n%s", err, out)
	}
	if !row("pending").MatchString(out) || !strings.Contains(out, "pending; run `gridgov migrate apply`") {
		t.Errorf("migrate status on an empty database lists no pending %s:\n%s", last.Version, out)
	}

	out, err = migrate(t, "apply", "--database-url", url)
	if err != nil {
		t.Fatalf("migrate apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "applied "+last.Version+"_"+last.Description+" (") || !row("applied").MatchString(out) ||
		!strings.Contains(out, "schema is up to date") {
		t.Errorf("migrate apply output:\n%s", out)
	}

	out, err = migrate(t, "apply", "--database-url", url)
	if err != nil || !strings.Contains(out, "no migration pending") {
		t.Errorf("second migrate apply: %v\n%s", err, out)
	}
	out, err = migrate(t, "status", "--database-url", url)
	if err != nil || !row("applied").MatchString(out) || !strings.Contains(out, "schema is up to date") {
		t.Errorf("migrate status after apply: %v\n%s", err, out)
	}
	if strings.Contains(out, "pending") {
		t.Errorf("migrate status after apply lists pending migrations:\n%s", out)
	}
}

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gridgov.db")
	out, err := migrate(t, "status", "--database-url", path)
	if err != nil || !strings.Contains(out, "SQLite") || !strings.Contains(out, "automatically") {
		t.Errorf("migrate status on SQLite: %v\n%s", err, out)
	}
	out, err = migrate(t, "apply", "--database-url", path)
	if err != nil || !strings.Contains(out, "migrated automatically") {
		t.Errorf("migrate apply on SQLite: %v\n%s", err, out)
	}
	if _, err := migrate(t, "apply", "--database-url", path, "--baseline", "1"); err == nil {
		t.Error("migrate apply --baseline on SQLite succeeded")
	}
}

func TestMigrateUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args    []string
		command string // the command whose --help the error points to
	}{{nil, "migrate "}, {[]string{"down"}, "migrate "}, {[]string{"status", "extra"}, "migrate status "}}
	for _, tc := range cases {
		var u *usageError
		if out, err := migrate(t, tc.args...); !errors.As(err, &u) || u.command != tc.command {
			t.Errorf("gridgov migrate %q: %v, want a usage error of %q\n%s", tc.args, err, tc.command, out)
		}
	}
}
