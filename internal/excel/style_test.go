package excel_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/ent/schema/ledgerfield"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// TestWorkbookLooks opens an exported roster, a ledger template and a case export the way a
// spreadsheet program would and checks what people see: date cells, a frozen Chinese header
// over a hidden key row, a filter, fitted columns, drop-downs and a 说明 sheet.
func TestWorkbookLooks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadLedgers(ctx, db.Client, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		var roster bytes.Buffer
		if err := excel.ExportRoster(ctx, db.Client, &roster, nil); err != nil {
			t.Fatal(err)
		}
		f := open(t, roster.Bytes())
		if got := f.GetSheetList(); strings.Join(got, ",") != "说明,_lists,网格,人员,任职" {
			t.Errorf("sheets %q", got)
		}
		if v, _ := f.GetSheetVisible("_lists"); v {
			t.Error("the list sheet is visible")
		}
		if n, _ := f.GetSheetVisible("说明"); !n || f.GetActiveSheetIndex() != 0 {
			t.Error("the 说明 sheet is not the visible, active first sheet")
		}

		// 任职!G3 (valid_from) is a number shown as a local date and time.
		const sheet = "任职"
		if typ, _ := f.GetCellType(sheet, "G3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("G3 is of type %v, want a number", typ)
		}
		raw, _ := f.GetCellValue(sheet, "G3", excelize.Options{RawCellValue: true})
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			t.Errorf("G3 holds %q, want a date serial", raw)
		}
		if st := style(t, f, sheet, "G3"); st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd hh:mm:ss" {
			t.Errorf("G3's number format: %+v", st.CustomNumFmt)
		}
		shown, _ := f.GetCellValue(sheet, "G3")
		if _, err := time.Parse("2006-01-02 15:04:05", shown); err != nil {
			t.Errorf("G3 shows %q", shown)
		}

		for _, s := range []string{"网格", "人员", "任职"} {
			if vis, _ := f.GetRowVisible(s, 2); vis {
				t.Errorf("%s: the key row 2 is visible", s)
			}
			if vis, _ := f.GetRowVisible(s, 1); !vis {
				t.Errorf("%s: the heading row is hidden", s)
			}
			p, _ := f.GetPanes(s)
			if !p.Freeze || p.YSplit != 2 || p.TopLeftCell != "A3" {
				t.Errorf("%s: panes %+v, want rows 1–2 frozen", s, p)
			}
			if !filtered(f, s) {
				t.Errorf("%s: no autofilter", s)
			}
		}
		// 任职!A1 is required, 任职!B1 is not: they look different.
		if a, b := cellStyle(f, sheet, "A1"), cellStyle(f, sheet, "B1"); a == b {
			t.Errorf("required and optional headings share style %d", a)
		}
		// Widths follow content, CJK counting double, capped at 60.
		for _, c := range []struct {
			sheet, col string
			min        float64
		}{{"任职", "D", 2*7 + 2}, {"网格", "G", 20}, {"人员", "A", 8}} {
			w, _ := f.GetColWidth(c.sheet, c.col)
			if w < c.min || w > 60 {
				t.Errorf("%s!%s is %v wide, want %v to 60", c.sheet, c.col, w, c.min)
			}
		}

		dvs := validations(t, f, sheet)
		if dv := dvs["D3"]; dv == nil || !strings.Contains(dv.Formula1, "网格长") || !strings.Contains(dv.Formula1, "责任领导") {
			t.Errorf("role drop-down: %+v", dv)
		}
		if dv := dvs["E3"]; dv == nil || !strings.Contains(dv.Formula1, "巡防员") {
			t.Errorf("duty drop-down: %+v", dv)
		}
		dv := dvs["C3"]
		if dv == nil || !strings.HasPrefix(dv.Formula1, "'_lists'!$A$2:$A$") {
			t.Fatalf("grid-code drop-down: %+v", dv)
		}
		n, _ := strconv.Atoi(dv.Formula1[strings.LastIndex(dv.Formula1, "$")+1:])
		codes, _ := f.GetRows("_lists")
		grids, _ := f.GetRows("网格")
		if n != len(grids)-1 || len(codes) != n || codes[1][0] != grids[2][0] {
			t.Errorf("the list of grid codes ends on row %d, the list sheet has %d rows and 网格 %d", n, len(codes), len(grids))
		}
		if dv := validations(t, f, "人员")["C3"]; dv == nil || !strings.Contains(dv.Formula1, "男") {
			t.Errorf("gender drop-down: %+v", dv)
		}
		if dv := validations(t, f, "人员")["G3"]; dv == nil || dv.Formula1 != `"是,否"` {
			t.Errorf("party member drop-down: %+v", dv)
		}
		if dv := validations(t, f, "网格")["C3"]; dv == nil || !strings.Contains(dv.Formula1, "行政村") {
			t.Errorf("grid kind drop-down: %+v", dv)
		}
		notes, _ := f.GetRows("说明")
		if text := flat(notes); !strings.Contains(text, "第2行") || !strings.Contains(text, "valid_from") || !strings.Contains(text, "日期时间") {
			t.Errorf("说明 says %q", text)
		}
		f.Close()

		// The ledger template: enum and 是/否 fields get drop-downs, dates a date format.
		var tmpl bytes.Buffer
		if err := excel.LedgerTemplate(ctx, db.Client, &tmpl, nil); err != nil {
			t.Fatal(err)
		}
		f = open(t, tmpl.Bytes())
		if f.GetSheetList()[0] != "说明" {
			t.Errorf("ledger sheets %q", f.GetSheetList())
		}
		dvs = validations(t, f, "RENTAL_HOUSING")
		if dv := dvs["J3"]; dv == nil || !strings.Contains(dv.Formula1, "居住") {
			t.Errorf("RENTAL_HOUSING use drop-down: %+v", dv)
		}
		if dv := dvs["B3"]; dv == nil || !strings.Contains(dv.Formula1, "_lists") {
			t.Errorf("RENTAL_HOUSING grid drop-down: %+v", dv)
		}
		if vis, _ := f.GetRowVisible("RENTAL_HOUSING", 2); vis {
			t.Error("RENTAL_HOUSING: the key row is visible")
		}
		f.Close()

		// Ledger dates are date cells, and the import reads them back (TestRoundTrip).
		data := workbook(t, sheetSpec{name: "RENTAL_HOUSING", rows: rentalRows([]any{"410102001001001", "", "", "", "一组9号", "钱某", "", 1, "居住", "2026-01-05"})})
		if _, err := excel.ImportLedgers(ctx, db.Client, bytes.NewReader(data), int64(len(data)), nil); err != nil {
			t.Fatal(err)
		}
		var ledgers bytes.Buffer
		if err := excel.ExportLedgers(ctx, db.Client, &ledgers, excel.LedgerFilter{}); err != nil {
			t.Fatal(err)
		}
		f = open(t, ledgers.Bytes())
		rows, _ := f.GetRows("RENTAL_HOUSING")
		dated := 0
		for i, r := range rows[2:] {
			if len(r) < 11 || r[10] == "" {
				continue
			}
			dated++
			cell := "K" + strconv.Itoa(i+3)
			if st := style(t, f, "RENTAL_HOUSING", cell); st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd" || r[10] != "2026-01-05" {
				t.Errorf("RENTAL_HOUSING!%s (%q) number format: %+v", cell, r[10], st.CustomNumFmt)
			}
			if raw, _ := f.GetCellValue("RENTAL_HOUSING", cell, excelize.Options{RawCellValue: true}); raw != "46027" {
				t.Errorf("RENTAL_HOUSING!%s holds %q, want the serial 46027", cell, raw)
			}
			break
		}
		if dated == 0 {
			t.Error("no dated RENTAL_HOUSING row to check")
		}
		f.Close()

		var events bytes.Buffer
		if err := excel.ExportEvents(ctx, db.Client, &events, excel.EventFilter{}); err != nil {
			t.Fatal(err)
		}
		f = open(t, events.Bytes())
		if rows, _ := f.GetRows("事件"); len(rows) > 2 {
			if st := style(t, f, "事件", "J3"); st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd hh:mm:ss" {
				t.Errorf("事件!J3 (%q): %+v", rows[2], st.CustomNumFmt)
			}
		}
		if p, _ := f.GetPanes("事件"); !p.Freeze || !filtered(f, "事件") {
			t.Errorf("事件: panes %+v", p)
		}
		f.Close()
	})
}

// TestResavedExports re-saves an exported roster and ledgers with LibreOffice, as an office
// would, and imports them into an empty database. It is skipped where soffice is not installed.
func TestResavedExports(t *testing.T) {
	if _, err := exec.LookPath("soffice"); err != nil {
		t.Skip("soffice is not installed")
	}
	dbtest.Run(t, func(t *testing.T, src *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, src.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadLedgers(ctx, src.Client, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		var roster, ledgers bytes.Buffer
		if err := excel.ExportRoster(ctx, src.Client, &roster, nil); err != nil {
			t.Fatal(err)
		}
		if err := excel.ExportLedgers(ctx, src.Client, &ledgers, excel.LedgerFilter{}); err != nil {
			t.Fatal(err)
		}
		resavedRoster := resaved(t, "roster.xlsx", roster.Bytes())
		f := open(t, resavedRoster)
		if vis, _ := f.GetRowVisible("任职", 2); vis {
			t.Error("re-saved: the key row is visible")
		}
		if dv := validations(t, f, "任职")["D3"]; dv == nil || !strings.Contains(dv.Formula1, "网格长") {
			t.Errorf("re-saved: role drop-down %+v", dv)
		}
		if dv := validations(t, f, "任职")["C3"]; dv == nil || !strings.Contains(dv.Formula1, "_lists") {
			t.Errorf("re-saved: grid-code drop-down %+v", dv)
		}
		// Frozen panes are view settings, which a headless conversion has none of and drops
		// (as with unoconv); the filter and hidden row are the sheet's own and survive.
		if !filtered(f, "任职") {
			t.Error("re-saved: the filter is lost")
		}
		if typ, _ := f.GetCellType("任职", "G3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("re-saved: G3 is of type %v", typ)
		}
		f.Close()

		dst := dbtest.New(t, src.Dialect)
		loadCatalogue(t, dst.Client)
		// Into the database it came from, the re-saved roster changes nothing.
		same, err := excel.ImportRoster(ctx, src.Client, bytes.NewReader(resavedRoster), int64(len(resavedRoster)), excel.RosterOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(same.Creates) + len(same.Changes); n != 0 {
			t.Errorf("the re-saved roster, imported where it came from, plans %d changes: %s", n, same.Summary())
		}
		rs, err := excel.ImportRoster(ctx, dst.Client, bytes.NewReader(resavedRoster), int64(len(resavedRoster)), excel.RosterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		resavedLedgers := resaved(t, "ledgers.xlsx", ledgers.Bytes())
		ls, err := excel.ImportLedgers(ctx, dst.Client, bytes.NewReader(resavedLedgers), int64(len(resavedLedgers)), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("re-saved workbooks imported: %s and %d ledger rows", strings.TrimSpace(rs.Summary()), len(ls.Creates))
		var roster2, ledgers2 bytes.Buffer
		if err := excel.ExportRoster(ctx, dst.Client, &roster2, nil); err != nil {
			t.Fatal(err)
		}
		if err := excel.ExportLedgers(ctx, dst.Client, &ledgers2, excel.LedgerFilter{}); err != nil {
			t.Fatal(err)
		}
		diff(t, "roster re-saved by LibreOffice and imported", contents(t, roster.Bytes()), contents(t, roster2.Bytes()))
		diff(t, "ledgers re-saved by LibreOffice and imported", contents(t, ledgers.Bytes()), contents(t, ledgers2.Bytes()))
	})
}

func open(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func cellStyle(f *excelize.File, sheet, cell string) int {
	id, _ := f.GetCellStyle(sheet, cell)
	return id
}

func style(t *testing.T, f *excelize.File, sheet, cell string) *excelize.Style {
	t.Helper()
	st, err := f.GetStyle(cellStyle(f, sheet, cell))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// validations maps the first cell of each validation's range to it.
func validations(t *testing.T, f *excelize.File, sheet string) map[string]*excelize.DataValidation {
	t.Helper()
	dvs, err := f.GetDataValidations(sheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		for _, ref := range strings.Fields(dv.Sqref) {
			out[strings.Split(ref, ":")[0]] = dv
		}
	}
	return out
}

// filtered reports whether a sheet has an autofilter over its heading row.
func filtered(f *excelize.File, sheet string) bool {
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm._FilterDatabase" && d.Scope == sheet && strings.Contains(d.RefersTo, "$A$1:") {
			return true
		}
	}
	return false
}

func flat(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " ") + "\n")
	}
	return b.String()
}

// TestImportRosterDateCells imports times the way spreadsheet programs write them: a date
// serial with a time of day, a date cell written as a time, and a bare date serial, all
// read as Beijing wall-clock time.
func TestImportRosterDateCells(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		smallTree(t, db.Client)
		shanghai, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			t.Fatal(err)
		}
		grids := [][]any{{"网格编码*", "名称*", "类型*", "上级网格编码"}, {"code", "name", "kind", "parent_code"}, {"410102001002", "桐树王村", "行政村", "410102001"}}
		people := [][]any{{"人员编号*", "姓名*", "所属网格编码*"}, {"key", "name", "grid_code"}, {"P1", "张三", "410102001002"}, {"P2", "李四", "410102001002"}, {"P3", "王五", "410102001002"}}
		as := [][]any{
			{"人员编号*", "网格编码*", "角色*", "任职起始*", "任职终止"},
			{"person_key", "grid_code", "role", "valid_from", "valid_to"},
			{"P1", "410102001002", "网格长", 46023.333333333336, 46388.75},
			{"P2", "410102001002", "网格长", time.Date(2026, 1, 1, 8, 0, 0, 0, shanghai), nil},
			{"P3", "410102001002", "网格长", 46023, nil},
		}
		data := workbook(t, sheetSpec{name: "网格", rows: grids}, sheetSpec{name: "人员", rows: people}, sheetSpec{name: "任职", rows: as})
		if _, err := excel.ImportRoster(ctx, db.Client, bytes.NewReader(data), int64(len(data)), excel.RosterOptions{}); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range db.Client.Assignment.Query().WithPerson().AllX(ctx) {
			s := a.ValidFrom.In(shanghai).Format(time.DateTime)
			if a.ValidTo != nil {
				s += " – " + a.ValidTo.In(shanghai).Format(time.DateTime)
			}
			got[a.Edges.Person.Name] = s
		}
		diff(t, "imported times", map[string]string{
			"张三": "2026-01-01 08:00:00 – 2027-01-01 18:00:00",
			"李四": "2026-01-01 08:00:00",
			"王五": "2026-01-01 00:00:00",
		}, got)
	})
}

// TestLongDropDown gives a ledger enum whose options are too long to write inline (255
// characters) a drop-down from the hidden list sheet, and options with commas one too.
func TestLongDropDown(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		smallTree(t, db.Client)
		cat := db.Client.LedgerCategory.Create().SetCode("TEST").SetName("Test").SetLabel("测试").SaveX(ctx)
		var long []string
		for i := range 40 {
			long = append(long, fmt.Sprintf("很长的选项第%02d号", i+1))
		}
		typ := db.Client.LedgerItemType.Create().SetCode("LONG").SetName("Long").SetLabel("长选项").SetCategory(cat).
			SetFields([]ledgerfield.Def{
				{Key: "kind", Label: "种类", Type: ledgerfield.Enum, Options: long, Required: true},
				{Key: "part", Label: "部位", Type: ledgerfield.Enum, Options: []string{"甲,乙", "丙"}},
				{Key: "ok", Label: "合格", Type: ledgerfield.Boolean},
			}).SaveX(ctx)
		var tmpl bytes.Buffer
		if err := excel.LedgerTemplate(ctx, db.Client, &tmpl, []int{typ.ID}); err != nil {
			t.Fatal(err)
		}
		f := open(t, tmpl.Bytes())
		defer f.Close()
		dvs := validations(t, f, "LONG")
		lists, _ := f.GetCols("_lists")
		column := func(ref string) []string {
			t.Helper()
			if !strings.HasPrefix(ref, "'_lists'!$") {
				t.Fatalf("%q is not on the list sheet", ref)
			}
			parts := strings.Split(ref, "$")
			c, _ := excelize.ColumnNameToNumber(parts[1])
			end, _ := strconv.Atoi(parts[len(parts)-1])
			return lists[c-1][1:end]
		}
		diff(t, "the long enum's list", long, column(dvs["F3"].Formula1))
		diff(t, "the enum with a comma", []string{"甲,乙", "丙"}, column(dvs["G3"].Formula1))
		if dv := dvs["H3"]; dv == nil || dv.Formula1 != `"是,否"` {
			t.Errorf("是/否 drop-down: %+v", dv)
		}
		if got := column(dvs["B3"].Formula1); len(got) != 4 {
			t.Errorf("grid codes on the list sheet: %q", got)
		}
	})
}
