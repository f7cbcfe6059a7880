package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gridgov/internal/store"
)

// runCLI runs args through runMain, the entry point main uses, and returns the exit code and
// what went to standard output and standard error.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	migrateMu.Lock()
	defer migrateMu.Unlock()
	var out, errOut strings.Builder
	code = runMain(t.Context(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestHelpEveryCommand: every command and subcommand answers --help with exit 0 and lists
// its flags (with their environment variables, where they have one).
func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	db := []string{"--database-url", "$GRIDGOV_DATABASE_URL"}
	cases := []struct {
		command []string
		flags   []string // flag, then its environment variable ("" for none)
	}{
		{nil, nil},
		{[]string{"serve"}, []string{"--addr", "$GRIDGOV_ADDR", "--demo", "$GRIDGOV_DEMO", "--production", "$GRIDGOV_PRODUCTION", "--pprof-addr", "$GRIDGOV_PPROF_ADDR"}},
		{[]string{"demo"}, db},
		{[]string{"gen"}, []string{"--database-url", "$GRIDGOV_DATABASE_URL", "--scale", "$GRIDGOV_GEN_SCALE", "--seed", "$GRIDGOV_GEN_SEED",
			"--password", "$GRIDGOV_GEN_PASSWORD", "--reset", "$GRIDGOV_GEN_RESET", "--until", "$GRIDGOV_GEN_UNTIL", "--events", "$GRIDGOV_GEN_EVENTS"}},
		{[]string{"catalogue"}, nil},
		{[]string{"catalogue", "load"}, db},
		{[]string{"import"}, nil},
		{[]string{"import", "roster"}, db},
		{[]string{"import", "ledger"}, db},
		{[]string{"export"}, nil},
		{[]string{"export", "roster"}, append([]string{"--grid", "", "--out", ""}, db...)},
		{[]string{"export", "ledgers"}, append([]string{"--grid", "", "--out", ""}, db...)},
		{[]string{"export", "events"}, append([]string{"--grid", "", "--out", ""}, db...)},
		{[]string{"export", "template"}, append([]string{"--grid", "", "--out", ""}, db...)},
		{[]string{"migrate"}, nil},
		{[]string{"migrate", "status"}, db},
		{[]string{"migrate", "apply"}, append([]string{"--baseline", ""}, db...)},
		{[]string{"rollup"}, nil},
		{[]string{"rollup", "verify"}, db},
		{[]string{"rollup", "rebuild"}, db},
		{[]string{"user"}, nil},
		{[]string{"user", "add"}, append([]string{"--person-id", "", "--admin", ""}, db...)},
		{[]string{"user", "disable"}, db},
		{[]string{"user", "enable"}, db},
		{[]string{"backup"}, db},
		{[]string{"bench"}, []string{"--url", "$GRIDGOV_BENCH_URL", "--clients", "$GRIDGOV_BENCH_CLIENTS", "--duration", "$GRIDGOV_BENCH_DURATION",
			"--requests", "$GRIDGOV_BENCH_REQUESTS", "--warmup", "$GRIDGOV_BENCH_WARMUP", "--admin-user", "$GRIDGOV_BENCH_ADMIN_USER",
			"--village-user", "$GRIDGOV_BENCH_VILLAGE_USER", "--password", "$GRIDGOV_BENCH_PASSWORD", "--month", "$GRIDGOV_BENCH_MONTH",
			"--scenarios", "$GRIDGOV_BENCH_SCENARIOS", "--markdown", "$GRIDGOV_BENCH_MARKDOWN"}},
		{[]string{"completion"}, nil},
	}
	for _, tc := range cases {
		for _, help := range []string{"--help", "-h"} {
			args := append(append([]string{}, tc.command...), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				code, out, errOut := runCLI(t, args...)
				if code != 0 || errOut != "" {
					t.Fatalf("gridgov %s: exit %d, want 0\n%s%s", strings.Join(args, " "), code, errOut, out)
				}
				if want := "Usage: gridgov " + strings.Join(tc.command, " "); !strings.HasPrefix(out, strings.TrimSpace(want)) {
					t.Errorf("help does not start with %q:\n%s", want, out)
				}
				for i := 0; i < len(tc.flags); i += 2 {
					flag, env := tc.flags[i], tc.flags[i+1]
					re := regexp.MustCompile(`(?m)^ +` + regexp.QuoteMeta(flag) + `\b`)
					if env != "" {
						re = regexp.MustCompile(`(?m)^ +` + regexp.QuoteMeta(flag) + `\b[^$]*?\(` + regexp.QuoteMeta(env) + `\)`)
					}
					if !re.MatchString(out) {
						t.Errorf("help does not list %s %s:\n%s", flag, env, out)
					}
				}
			})
		}
	}
}

// TestBadCommandLine: a bad flag, a missing argument or an unknown command is one line of
// error first, then where the help is, and exit 2; no page of usage.
func TestBadCommandLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		err  string // the first line of standard error
		help string // the command whose help the second line names
	}{
		{[]string{"serve", "--frob"}, "gridgov: error: unknown flag --frob", "gridgov serve --help"},
		{[]string{"import", "roster", "cli_test.go", "--frob"}, "gridgov: error: unknown flag --frob", "gridgov import roster --help"},
		{[]string{"import", "roster"}, `gridgov: error: expected "<file>"`, "gridgov import roster --help"},
		{[]string{"user", "add"}, `gridgov: error: expected "<name>"`, "gridgov user add --help"},
		{[]string{"backup"}, `gridgov: error: expected "<file>"`, "gridgov backup --help"},
		{[]string{"frobnicate"}, `gridgov: error: unknown command "frobnicate"`, "gridgov --help"},
		{[]string{"migrate", "down"}, `gridgov: error: unknown migrate command "down"`, "gridgov migrate --help"},
		{[]string{"rollup"}, `gridgov: error: expected one of "verify", "rebuild"`, "gridgov rollup --help"},
		{[]string{"serve", "--session-hours", "many"}, "gridgov: error: --session-hours: expected", "gridgov serve --help"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, tc.args...)
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if code != 2 || len(lines) != 2 || !strings.HasPrefix(lines[0], tc.err) || !strings.Contains(lines[1], tc.help) {
				t.Errorf("gridgov %s: exit %d, stderr:\n%s\nwant exit 2, %q then a line naming %q", strings.Join(tc.args, " "), code, errOut, tc.err, tc.help)
			}
			if out != "" {
				t.Errorf("gridgov %s printed to standard output:\n%s", strings.Join(tc.args, " "), out)
			}
		})
	}
}

// TestBadEnvironment: an environment variable that does not parse is an error naming the
// variable, never its value (it may be a secret), and exit 2.
func TestBadEnvironment(t *testing.T) {
	t.Setenv("GRIDGOV_SESSION_HOURS", "s3cret-not-a-number")
	code, _, errOut := runCLI(t, "serve")
	if code != 2 || !strings.HasPrefix(errOut, "gridgov: error: environment variable GRIDGOV_SESSION_HOURS: invalid value for --session-hours") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if strings.Contains(errOut, "s3cret") {
		t.Errorf("the error repeats the value:\n%s", errOut)
	}
}

// TestFlagsAnywhere: flags may come before or after the positional argument.
func TestFlagsAnywhere(t *testing.T) {
	t.Parallel()
	for _, after := range []bool{true, false} {
		t.Run(map[bool]string{true: "after", false: "before"}[after], func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file, db := filepath.Join(dir, "roster.xlsx"), filepath.Join(dir, "gridgov.db")
			mustRun(t, "", "export", "roster", "--out", file, "--database-url", db) // an empty roster
			args := []string{"import", "roster", "--database-url", db, file}
			if after {
				args = []string{"import", "roster", file, "--database-url", db}
			}
			if out := mustRun(t, "", args...); !strings.Contains(out, "0 changes\nimported "+file) {
				t.Errorf("gridgov %s: %s", strings.Join(args, " "), out)
			}
		})
	}
}

// TestUnknownScheme: a mysql:// URL is refused, not opened as an SQLite file named "mysql:".
func TestUnknownScheme(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"demo", "--database-url", "mysql://u@h/db"},
		{"backup", filepath.Join(dir, "copy.db"), "--database-url", "mysql://u@h/db"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 1 || !strings.Contains(errOut, `scheme "mysql" is not supported`) {
			t.Errorf("gridgov %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, errOut)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused URL left files: %v", entries)
	}
}

// TestBackup: gridgov backup writes a copy of an SQLite database that opens with its rows, refuses
// to overwrite a file, and points PostgreSQL to pg_dump.
func TestBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, copyFile := filepath.Join(dir, "gridgov.db"), filepath.Join(dir, "backup.db")
	mustRun(t, "erin-password-1\n", "user", "add", "erin", "--database-url", db)
	out := mustRun(t, "", "backup", "--database-url", db, copyFile) // flags before the file, too
	if !strings.Contains(out, "backed up") {
		t.Errorf("backup printed %q", out)
	}
	client, _, err := store.Open(t.Context(), copyFile)
	if err != nil {
		t.Fatal(err)
	}
	got := accountOf(t, client, "erin")
	client.Close()
	if got == nil {
		t.Error("the backup does not hold the account erin")
	}
	if _, err := run(t, "", "backup", copyFile, "--database-url", db); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file = %v, want a refusal", err)
	}
	_, err = run(t, "", "backup", filepath.Join(dir, "pg.db"), "--database-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	if !errors.Is(err, store.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of PostgreSQL = %v, want store.ErrBackupPostgres", err)
	}
}

// TestCompletion: gridgov completion prints the line that makes the shell ask gridgov.
func TestCompletion(t *testing.T) {
	t.Parallel()
	out := mustRun(t, "", "completion")
	if !regexp.MustCompile(`(?m)^complete -C \S+ gridgov$`).MatchString(out) {
		t.Errorf("completion printed:\n%s", out)
	}
}
