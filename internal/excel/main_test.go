package excel_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"gridgov/ent"
	_ "gridgov/ent/runtime" // registers the schemas' hooks and privacy policies
	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/ledger"
	"gridgov/internal/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// contents reads every sheet of a workbook as text rows.
func contents(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out[s] = rows
	}
	return out
}

// loadCatalogue loads the starter catalogue on the system's account.
func loadCatalogue(t testing.TB, c *ent.Client) {
	t.Helper()
	cat, err := ledger.Starter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.LoadCatalogue(servertest.System(), c, cat); err != nil {
		t.Fatal(err)
	}
}

// importErr returns the problems of a refused import as text, failing on other errors.
func importErr(t *testing.T, err error) []string {
	t.Helper()
	var ie *excel.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("want an ImportError, got %v", err)
	}
	var out []string
	for _, p := range ie.Problems {
		out = append(out, p.String())
	}
	return out
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

// sortDataRows sorts the rows below the two header rows of every sheet, so that workbooks
// are compared whatever order their rows were written in.
func sortDataRows(m map[string][][]string) {
	for _, rows := range m {
		if len(rows) > 2 {
			slices.SortFunc(rows[2:], func(a, b []string) int { return strings.Compare(strings.Join(a, "|"), strings.Join(b, "|")) })
		}
	}
}
