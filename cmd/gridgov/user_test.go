package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestUserAddFromRoster: `user add --from-roster --out F` makes an account for every person
// with an active role on the demo roster and writes one row per account, with its activation
// code, to F; a second run makes none; the flags that do not go together are a usage error
// (exit 2, the hint to the help).
func TestUserAddFromRoster(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, codes := filepath.Join(dir, "gridgov.db"), filepath.Join(dir, "codes.xlsx")
	mustRun(t, "", "demo", "--database-url", db)
	out := mustRun(t, "", "user", "add", "--from-roster", "--out", codes, "--database-url", db)
	m := regexp.MustCompile(`created (\d+) accounts`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("user add --from-roster printed %q", out)
	}
	made, _ := strconv.Atoi(m[1])
	if made < 100 {
		t.Fatalf("created %d accounts for the demo roster, want the 1,000-odd people with roles", made)
	}
	f, err := excelize.OpenFile(codes)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != made+1 {
		t.Fatalf("%s has %d rows, want a header and %d accounts", codes, len(rows), made)
	}
	if len(rows[1]) < 2 || rows[1][0] == "" || len(rows[1][1]) < 10 {
		t.Errorf("first account row = %q, want a username and an activation code", rows[1])
	}
	if out := mustRun(t, "", "user", "add", "--from-roster", "--out", filepath.Join(dir, "again.xlsx"), "--database-url", db); !strings.Contains(out, "created 0 accounts") {
		t.Errorf("second run printed %q, want no new accounts", out)
	}
	for _, args := range [][]string{
		{"user", "add", "--from-roster", "--database-url", db},                            // no --out
		{"user", "add", "someone", "--from-roster", "--out", codes, "--database-url", db}, // NAME and --from-roster
		{"user", "add", "--database-url", db},                                             // neither
	} {
		code, _, stderr := runCLI(t, args...)
		if code != 2 || !strings.Contains(stderr, `Run "gridgov user add --help"`) {
			t.Errorf("gridgov %s: exit %d, stderr %q; want exit 2 and the hint", strings.Join(args, " "), code, stderr)
		}
	}
}
