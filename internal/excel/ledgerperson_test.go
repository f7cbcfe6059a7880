package excel_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gridgov/ent/grid"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/schema/ledgerfield"
	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// TestLedgerPersonCells: a ledger's person field exports as the person's code (人员编号), not
// the database id; the export imports back to the same person, an id from an older export
// still works, and an unknown code is refused naming the cell.
func TestLedgerPersonCells(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		smallTree(t, db.Client)
		g := db.Client.Grid.Query().Where(grid.Code("410102001001001")).OnlyX(ctx)
		p := db.Client.Person.Create().SetName("赵台账（测试）").SetGridID(g.ID).SetPersonCode("GH0042").SaveX(ctx)
		cat := db.Client.LedgerCategory.Create().SetCode("TEST").SetName("Test").SetLabel("测试").SaveX(ctx)
		typ := db.Client.LedgerItemType.Create().SetCode("DUTY").SetName("Duty").SetLabel("值守台账").SetCategory(cat).
			SetFields([]ledgerfield.Def{{Key: "who", Label: "值守人", Type: ledgerfield.Person, Required: true}}).SaveX(ctx)
		db.Client.LedgerEntry.Create().SetItemTypeID(typ.ID).SetGridID(g.ID).SetPeriod("").
			SetValues(map[string]string{"who": strconv.Itoa(p.ID)}).ExecX(ctx)
		var out bytes.Buffer
		if err := excel.ExportLedgers(ctx, db.Client, &out, excel.LedgerFilter{}); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("DUTY")
		if len(rows) != 3 || rows[2][5] != "GH0042" {
			t.Fatalf("the exported person cell: %q, want the code GH0042", rows)
		}
		importWith := func(v string) (*excel.Plan, error) {
			t.Helper()
			if err := f.SetCellValue("DUTY", "F3", v); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := f.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			return excel.ImportLedgers(ctx, db.Client, bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil)
		}
		// The entry's code is in the file: by code or by id, the same person is no change.
		for _, v := range []string{"GH0042", strconv.Itoa(p.ID)} {
			plan, err := importWith(v)
			if err != nil {
				t.Fatalf("import with %s: %v", v, err)
			}
			if len(plan.Creates)+len(plan.Changes) != 0 || plan.Unchanged["DUTY"] != 1 {
				t.Errorf("import with %s: %+v, want 1 unchanged", v, plan)
			}
		}
		entries := db.Client.LedgerEntry.Query().Where(ledgerentry.ItemTypeID(typ.ID)).AllX(ctx)
		for _, e := range entries {
			if e.Values["who"] != strconv.Itoa(p.ID) {
				t.Errorf("an imported entry names %q, want person %d", e.Values["who"], p.ID)
			}
		}
		if len(entries) != 1 {
			t.Errorf("%d entries, want the exported one only", len(entries))
		}
		_, err = importWith("GH9999")
		probs := importErr(t, err)
		if len(probs) != 1 || !strings.HasPrefix(probs[0], "DUTY!F3: ") || !strings.Contains(probs[0], `"GH9999" is not a person code`) {
			t.Errorf("an unknown code: %q", probs)
		}
	})
}
