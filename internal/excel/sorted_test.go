package excel_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// TestSortedSheets: an office sorts the exported roster in a spreadsheet program, which
// moves the hidden key row (row 2) down among the data, or deletes that row; the import
// finds the columns by their headings and skips the key row wherever it is: 0 changes.
func TestSortedSheets(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := excel.ExportRoster(ctx, db.Client, &out, nil); err != nil {
			t.Fatal(err)
		}
		for _, how := range []string{"sorted", "key row deleted"} {
			f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			for _, sheet := range excel.RosterSheets {
				rows, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
				keys, data := rows[1], slices.Clone(rows[2:])
				slices.Reverse(data) // "sort descending"
				if how == "sorted" {
					data = slices.Insert(data, len(data)/2, keys) // the hidden row lands in the middle
				}
				for i := len(rows); i >= 2; i-- {
					_ = f.RemoveRow(sheet, i)
				}
				for i, r := range data {
					row := make([]any, len(r))
					for j, v := range r {
						row[j] = v
					}
					cell, _ := excelize.CoordinatesToCellName(1, i+2)
					if err := f.SetSheetRow(sheet, cell, &row); err != nil {
						t.Fatal(err)
					}
				}
			}
			var buf bytes.Buffer
			if _, err := f.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			_ = f.Close()
			plan, err := excel.ImportRoster(ctx, db.Client, bytes.NewReader(buf.Bytes()), int64(buf.Len()), excel.RosterOptions{DryRun: true})
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if n := len(plan.Creates) + len(plan.Changes); n != 0 {
				t.Errorf("%s: %d rows to create or change, want 0\n%s", how, n, plan.Summary())
			}
			if _, _, u := plan.Count("人员"); u < 500 {
				t.Errorf("%s: only %d people read", how, u)
			}
		}
	})
}
