package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/calendar"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestCalendarImport: "gridgov calendar import FILE" loads a CSV file's year (TEST DATA, not
// an official schedule) as covered, on each store in turn; a file with one bad row loads
// nothing.
func TestCalendarImport(t *testing.T) {
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(d, func(t *testing.T) {
			t.Cleanup(calendar.Reset)
			db := dbtest.New(t, d)
			dir := t.TempDir()
			good := filepath.Join(dir, "2027-test.csv")
			bad := filepath.Join(dir, "bad.csv")
			const rows = "date,working,name\n2027-01-01,false,元旦（测试数据）\n2027-01-09,true,调休上班（测试数据）\n"
			if err := os.WriteFile(good, []byte(rows), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(bad, []byte(rows+"2027-01-06,true,周三\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := run(t, "", "calendar", "import", "--database-url", db.URL, bad); err == nil || !strings.Contains(err.Error(), "weekday") {
				t.Errorf("bad file: err %v, want the weekday make-up day refused", err)
			}
			if n, err := db.Client.CalendarDay.Query().Count(servertest.System()); err != nil || n != 0 {
				t.Errorf("refused file stored %d days (%v)", n, err)
			}
			out := mustRun(t, "", "calendar", "import", "--database-url", db.URL, good)
			if !strings.Contains(out, "work calendar 2027") || !strings.Contains(out, "2 days, covered") || !strings.Contains(out, "recomputed with it: 0 moved") {
				t.Errorf("output %q", out)
			}
			cal, err := calendar.Load(servertest.System(), db.Client)
			if err != nil || !cal.Covers(2027) || len(cal.Days(2027)) != 2 {
				t.Errorf("after import: covered %v, %d days of 2027, %v", cal.CoveredYears(), len(cal.Days(2027)), err)
			}
		})
	}
}
