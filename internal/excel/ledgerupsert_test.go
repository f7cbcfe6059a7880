package excel_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/ent/ledgerentry"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// TestLedgerUpsert is an office's round trip of its ledgers on each store: export the demo
// ledgers, change three cells and add two rows, re-save the file with LibreOffice where it is
// installed (as an office's spreadsheet program would), preview the import (exactly those
// three changes and two creations, nothing written), apply it (the old values kept as
// revisions), export again (the edits and nothing else changed), and import that export once
// more: 0 changes. The two new rows imported again are refused as entries already there, and
// an entry left out of the file is reported, never deleted.
func TestLedgerUpsert(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadLedgers(ctx, db.Client, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		export := func() []byte {
			t.Helper()
			var buf bytes.Buffer
			if err := excel.ExportLedgers(ctx, db.Client, &buf, excel.LedgerFilter{}); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		run := func(data []byte, dry bool) (*excel.Plan, error) {
			return excel.ImportLedgersWith(ctx, db.Client, bytes.NewReader(data), int64(len(data)), excel.LedgerOptions{DryRun: dry})
		}
		before := export()
		plan, err := run(before, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Creates)+len(plan.Changes) != 0 || !strings.Contains(plan.Summary(), "0 changes") || plan.Unchanged["RENTAL_HOUSING"] == 0 {
			t.Fatalf("re-importing the export: %d creations, %d changes\n%s", len(plan.Creates), len(plan.Changes), plan.Summary())
		}

		// Edit: the landlord and tenants of the first rented house, the use of the second; add
		// two houses (no codes yet) on the first one's grid.
		const sheet = "RENTAL_HOUSING"
		f, err := excelize.OpenReader(bytes.NewReader(before))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(sheet)
		col := map[string]int{}
		for i, k := range rows[1] {
			col[k] = i
		}
		at := func(key string, row int) string {
			cell, _ := excelize.CoordinatesToCellName(col[key]+1, row)
			return cell
		}
		set := func(cell string, v any) {
			t.Helper()
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
		first, second := rows[2], rows[3]
		tenants := 7
		if first[col["tenants"]] == "7" {
			tenants = 8
		}
		use := "经营"
		if second[col["use"]] == use {
			use = "仓储"
		}
		set(at("landlord", 3), "新房东（测试）")
		set(at("tenants", 3), tenants)
		set(at("use", 4), use)
		for i, addr := range []string{"新增一号（测试）", "新增二号（测试）"} {
			n := len(rows) + 1 + i
			set(at("grid_code", n), first[col["grid_code"]])
			set(at("grid_name", n), first[col["grid_name"]])
			set(at("address", n), addr)
			set(at("landlord", n), "新房东（测试）")
			set(at("tenants", n), 2)
			set(at("use", n), "居住")
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		edits := resaved(t, "ledgers.xlsx", buf.Bytes())
		entries0 := db.Client.LedgerEntry.Query().CountX(ctx)

		plan, err = run(edits, true)
		if err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, r := range plan.Changes {
			for _, c := range r.Changes {
				changes = append(changes, fmt.Sprintf("%s!%d %s: %s → %s", r.Sheet, r.Row, c.Field, c.Old, c.New))
			}
		}
		slices.Sort(changes)
		want := []string{
			fmt.Sprintf("%s!3 承租人数: %s → %d", sheet, first[col["tenants"]], tenants),
			fmt.Sprintf("%s!3 房东: %s → 新房东（测试）", sheet, first[col["landlord"]]),
			fmt.Sprintf("%s!4 用途: %s → %s", sheet, second[col["use"]], use),
		}
		slices.Sort(want)
		diff(t, "the dry run's changes", want, changes)
		if len(plan.Creates) != 2 || plan.Applied {
			t.Errorf("dry run: %d creations (want 2), applied %v", len(plan.Creates), plan.Applied)
		}
		if n := db.Client.LedgerEntry.Query().CountX(ctx); n != entries0 {
			t.Fatalf("a dry run wrote %d entries", n-entries0)
		}

		plan, err = run(edits, false)
		if err != nil || !plan.Applied {
			t.Fatalf("apply: %v (applied %v)", err, plan != nil && plan.Applied)
		}
		if n := db.Client.LedgerEntry.Query().CountX(ctx); n != entries0+2 {
			t.Errorf("the import added %d entries, want 2", n-entries0)
		}
		e := db.Client.LedgerEntry.Query().Where(ledgerentry.EntryCode(first[col["entry_code"]])).WithRevisions().OnlyX(ctx)
		if e.Values["landlord"] != "新房东（测试）" || e.Version != 2 || len(e.Edges.Revisions) != 1 || e.Edges.Revisions[0].Values["landlord"] != first[col["landlord"]] {
			t.Errorf("the changed entry: %+v, revisions %+v", e.Values, e.Edges.Revisions)
		}

		after := export()
		got, wantBook := contents(t, after), contents(t, edits)
		// The new rows got codes of their own: the export shows them where the file had none.
		for i, row := range got[sheet] {
			if len(row) > col["address"] && strings.HasPrefix(row[col["address"]], "新增") {
				if !strings.HasPrefix(row[0], "L") {
					t.Errorf("a new entry's code %q", row[0])
				}
				got[sheet][i][0] = ""
			}
		}
		sortDataRows(got)
		sortDataRows(wantBook)
		diff(t, "the export after the import, against the edited file", wantBook[sheet], got[sheet])

		plan, err = run(after, false)
		if err != nil || len(plan.Creates)+len(plan.Changes) != 0 {
			t.Errorf("importing the new export again: %v, %d creations, %d changes", err, len(plan.Creates), len(plan.Changes))
		}

		// The edited file again: its two new rows, still without codes, are there already.
		_, err = run(edits, false)
		probs := importErr(t, err)
		if len(probs) != 2 || !strings.Contains(probs[0], "the same entry is already there as L") {
			t.Errorf("the new rows twice: %q", probs)
		}

		// An entry left out of the file is reported and kept.
		f, _ = excelize.OpenReader(bytes.NewReader(after))
		if err := f.RemoveRow(sheet, 3); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		_, _ = f.WriteTo(&buf)
		plan, err = run(buf.Bytes(), true)
		if err != nil || plan.NotInFileTotal != 1 {
			t.Errorf("an entry left out: %v, not in the file %d %q", err, plan.NotInFileTotal, plan.NotInFile)
		}
	})
}

// resaved is data re-saved by LibreOffice as xlsx, as an office's spreadsheet program would
// write it; data itself where soffice is not installed.
func resaved(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Logf("soffice is not installed: %s is imported as written, not re-saved", name)
		return data
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in", name), filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless", "--convert-to", "xlsx", "--outdir", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	b, err := os.ReadFile(filepath.Join(out, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
