package excel_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/user"
	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// sheetSpec is a sheet of a test workbook: rows from A1, then formulas and merges.
type sheetSpec struct {
	name     string
	rows     [][]any
	formulas map[string]string // cell → formula
	merges   [][2]string
}

func workbook(t *testing.T, sheets ...sheetSpec) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(s.name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		for c, fo := range s.formulas {
			if err := f.SetCellFormula(s.name, c, fo); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range s.merges {
			if err := f.MergeCell(s.name, m[0], m[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rentalRows are the two header rows of the RENTAL_HOUSING sheet, then rows.
func rentalRows(rows ...[]any) [][]any {
	return append([][]any{
		{"网格编码*", "网格名称", "期间", "重点项目编码", "地址*", "房东*", "房东电话", "承租人数(人)*", "用途", "起租日期"},
		{"grid_code", "grid_name", "period", "key_project", "address", "landlord", "landlord_phone", "tenants", "use", "since"},
	}, rows...)
}

func smallTree(t testing.TB, c *ent.Client) {
	t.Helper()
	ctx := servertest.System()
	d, err := c.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Grid.Create().SetCode("410102001").SetName("须水街道").SetKind(grid.KindSUB_DISTRICT).SetParentID(d.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Grid.Create().SetCode("410102001001").SetName("三王庄村").SetKind(grid.KindVILLAGE).SetParentID(s.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Grid.Create().SetCode("410102001001001").SetName("一组").SetKind(grid.KindVILLAGER_GROUP).SetParentID(v.ID).Save(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestImportLedgersBadInput(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		loadCatalogue(t, db.Client)
		smallTree(t, db.Client)
		g := "410102001001001"
		good := []any{g, "一组", "", "", "一组1号", "王某", "13800000000", 2, "居住", "2026-01-05"}
		riverRows := [][]any{
			{"网格编码*", "网格名称", "期间", "重点项目编码", "河道*", "巡河日期*", "巡河人", "发现问题"},
			{"grid_code", "grid_name", "period", "key_project", "river", "patrolled_on", "patroller", "problems"},
			{g, "", "2026-11", "", "须水河", "2026-11-03", "999999", ""},
		}
		cases := []struct {
			name   string
			sheets []sheetSpec
			want   []string
		}{
			{"wrong type, missing required, bad enum, bad date", []sheetSpec{{name: "RENTAL_HOUSING", rows: rentalRows(
				good,
				[]any{g, "", "", "", "一组2号", "李某", "", "三个", "居住", ""},
				[]any{g, "", "", "", "", "李某", "", 1, "养殖", "2026-02-30"},
			)}}, []string{
				`RENTAL_HOUSING!H4: 承租人数 (tenants): "三个" is not a number`,
				`RENTAL_HOUSING!E5: 地址 (address): required`,
				`RENTAL_HOUSING!I5: 用途 (use): "养殖" is not one of 居住, 经营, 仓储, 生产`,
				`RENTAL_HOUSING!J5: 起租日期 (since): "2026-02-30" is not a date (YYYY-MM-DD)`,
			}},
			{"unknown grid, key project and period", []sheetSpec{{name: "RENTAL_HOUSING", rows: rentalRows(
				[]any{"999", "", "2026-11", "KP-NONE", "一组1号", "王某", "", 2},
			)}}, []string{
				`RENTAL_HOUSING!A3: unknown grid code "999"`,
				`RENTAL_HOUSING!C3: period "2026-11" does not fit a NONE ledger: write it like "" (a standing register)`,
				`RENTAL_HOUSING!D3: unknown key project "KP-NONE"`,
			}},
			{"unknown person", []sheetSpec{{name: "RIVER_CHIEF_PATROLS", rows: riverRows}}, []string{
				`RIVER_CHIEF_PATROLS!G3: 巡河人 (patroller): no person 999999 in your scope`,
			}},
			{"duplicate rows", []sheetSpec{{name: "RENTAL_HOUSING", rows: rentalRows(good, good, []any{g, "", "", "", "一组1号", "王某", "13800000000", "2.0", "居住", "2026-01-05"})}}, []string{
				`RENTAL_HOUSING row 4: duplicates row 3`,
				`RENTAL_HOUSING row 5: duplicates row 3`,
			}},
			{"unknown sheet and field", []sheetSpec{
				{name: "NO_SUCH_LEDGER", rows: rentalRows(good)},
				{name: "RENTAL_HOUSING", rows: [][]any{{"a"}, {"grid_code", "colour"}, {g, "红"}}},
			}, []string{
				`NO_SUCH_LEDGER: no ledger item type with code "NO_SUCH_LEDGER" (each sheet is named by its type's code)`,
				`RENTAL_HOUSING!B2: "colour" is no field of RENTAL_HOUSING`,
				`RENTAL_HOUSING row 3: 地址 (address): required`,
				`RENTAL_HOUSING row 3: 房东 (landlord): required`,
				`RENTAL_HOUSING row 3: 承租人数 (tenants): required`,
			}},
			{"formulas and merged cells", []sheetSpec{{name: "RENTAL_HOUSING", rows: rentalRows(good, good),
				formulas: map[string]string{"H3": "1+1"}, merges: [][2]string{{"E4", "E5"}}}}, []string{
				`RENTAL_HOUSING!H3: a formula: type the value itself (formulas are not imported)`,
				`RENTAL_HOUSING!E4: merged cells E4:E5: unmerge them and fill every cell`,
			}},
			{"no key row", []sheetSpec{{name: "RENTAL_HOUSING", rows: [][]any{{"网格编码"}}}}, []string{
				`RENTAL_HOUSING row 2: row 2 must hold the field keys, starting with grid_code: download the template`,
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				data := workbook(t, c.sheets...)
				_, err := excel.ImportLedgers(ctx, db.Client, bytes.NewReader(data), int64(len(data)), nil)
				diff(t, "problems", c.want, importErr(t, err))
				if n := db.Client.LedgerEntry.Query().CountX(ctx); n != 0 {
					t.Errorf("a refused import wrote %d entries", n)
				}
			})
		}

		// Not an xlsx, and too large, are refused before anything is read.
		notXLSX := []byte("网格编码,地址\n410102001001001,一组1号\n")
		diff(t, "csv", []string{"not an xlsx workbook (not a zip archive): save it from Excel or WPS as .xlsx"},
			importErr(t, func() error {
				_, err := excel.ImportLedgers(ctx, db.Client, bytes.NewReader(notXLSX), int64(len(notXLSX)), nil)
				return err
			}()))
		big := filepath.Join(t.TempDir(), "big.xlsx")
		if err := os.WriteFile(big, workbook(t, sheetSpec{name: "RENTAL_HOUSING", rows: rentalRows(good)}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(big, 50<<20); err != nil { // sparse: 50 MB without writing them
			t.Fatal(err)
		}
		f, size, err := excel.OpenFile(big)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = excel.ImportLedgers(ctx, db.Client, f, size, nil)
		diff(t, "50 MB", []string{"the file is larger than 40 MB"}, importErr(t, err))

		// With a viewer, only grids where their role allows adding ledger entries take rows.
		env := servertest.New(t, db)
		village, err := db.Client.Grid.Query().Where(grid.Code("410102001001")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, err := db.Client.Person.Create().SetName("督察").SetGridID(village.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Client.Assignment.Create().SetPersonID(p.ID).SetGridID(village.ID).SetRole(assignment.RoleSUPERVISOR).
			SetValidFrom(time.Now().Add(-time.Hour)).Save(ctx); err != nil {
			t.Fatal(err)
		}
		env.TokenFor(t, p.ID, false)
		u, err := db.Client.User.Query().Where(user.PersonID(p.ID)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := env.Enforcer.LoadViewer(ctx, db.Client, u, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		supervised := workbook(t, sheetSpec{name: "RENTAL_HOUSING", rows: rentalRows(good)})
		_, err = excel.ImportLedgers(authz.NewContext(context.Background(), v), db.Client, bytes.NewReader(supervised), int64(len(supervised)), nil)
		diff(t, "a supervisor's import", []string{"RENTAL_HOUSING!A3: your role on grid 410102001001001 does not allow adding ledger entries"}, importErr(t, err))

		// Neither a viewer nor the system's account: refused, never "allowed everywhere".
		before, err := db.Client.LedgerEntry.Query().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := excel.ImportLedgers(context.Background(), db.Client, bytes.NewReader(supervised), int64(len(supervised)), nil); err == nil {
			t.Error("an import with neither a viewer nor the system's account succeeded")
		}
		if _, err := excel.ImportRoster(context.Background(), db.Client, bytes.NewReader(supervised), int64(len(supervised)), excel.RosterOptions{}); err == nil {
			t.Error("a roster import with neither a viewer nor the system's account succeeded")
		}
		if after, _ := db.Client.LedgerEntry.Query().Count(ctx); after != before {
			t.Errorf("a refused import wrote %d ledger entries", after-before)
		}

		// A good file is written whole.
		data := workbook(t, sheetSpec{name: "RENTAL_HOUSING", rows: rentalRows(good, []any{g, "", "", "", "一组2号", "李某", "", "1", "仓储", "46027"})})
		sum, err := excel.ImportLedgers(ctx, db.Client, bytes.NewReader(data), int64(len(data)), nil)
		if err != nil || len(sum.Creates) != 2 {
			t.Fatalf("good import: %+v %v", sum, err)
		}
		e, err := db.Client.LedgerEntry.Query().Order(ent.Desc("id")).First(ctx)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "values of a row with a date serial", map[string]string{"address": "一组2号", "landlord": "李某", "tenants": "1", "use": "仓储", "since": "2026-01-05"}, e.Values)
	})
}

func TestImportRosterBadInput(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		smallTree(t, db.Client)
		grids := [][]any{
			{"网格编码*", "名称*", "类型*", "上级网格编码"},
			{"code", "name", "kind", "parent_code"},
			{"410102001002", "桐树王村", "行政村", "410102001"},
			{"410102001003001", "一组", "村民组", "410102001003"},
			{"410102001003", "庙王村", "VILLAGE", "410102001"},
			{"410102001002", "重复", "行政村", "410102001"},
			{"410102001001", "已有", "行政村", "410102001"},
			{"410102001004", "X", "村庄", "410102001"},
		}
		people := [][]any{
			{"人员编号*", "姓名*", "性别", "联系电话", "职务", "工作单位", "党员", "所属网格编码*"},
			{"key", "name", "gender", "phone", "title", "unit", "party_member", "grid_code"},
			{"P1", "张三", "男", "13800000000", "", "", "是", "410102001002"},
			{"P2", "", "女", "", "", "", "否", "410102009"},
			{"P1", "李四", "男", "", "", "", "也许", "410102001002"},
		}
		as := [][]any{
			{"人员编号*", "姓名", "网格编码*", "角色*", "具体职责", "职务", "任职起始*", "任职终止", "终止原因"},
			{"person_key", "person_name", "grid_code", "role", "duty", "title", "valid_from", "valid_to", "end_reason"},
			{"P1", "张三", "410102001002", "网格长", "", "", "2026-01-01 08:00:00", "", ""},
			{"P9", "", "410102001002", "村长", "", "", "昨天", "", ""},
			{"P1", "张三", "410102001002", "网格长", "", "", "2026-01-01 08:00:00", "2025-01-01", ""},
			{"P8", "", "410102001002", "网格长", "", "", "2026-01-01 08:00:00", "", ""},
		}
		data := workbook(t, sheetSpec{name: "网格", rows: grids}, sheetSpec{name: "人员", rows: people}, sheetSpec{name: "任职", rows: as})
		_, err := excel.ImportRoster(ctx, db.Client, bytes.NewReader(data), int64(len(data)), excel.RosterOptions{})
		diff(t, "roster problems", []string{
			`网格!D4: unknown parent grid "410102001003": it must exist or come on an earlier row`,
			`网格!A6: grid code 410102001002 repeats row 3`,
			`网格!C8: "村庄" is not a grid kind: one of 市/区（县）/街道/乡镇/行政村/社区/园区/村民组/重点企事业单位/居民楼院/单元网格`,
			`人员!B4: required`,
			`人员!H4: unknown grid code "410102009"`,
			`人员!G5: "也许" is not 是 or 否`,
			`人员!A5: person code P1 repeats row 3`,
			`任职!D4: "村长" is not a role: one of 责任领导/第一责任人/直接责任人/具体责任人/网格长/网格工作站站长/督察/系统管理员`,
			`任职!G4: "昨天" is not a time (2026-01-05 08:00:00)`,
			`任职!H5: "2025-01-01" is not a time after the start`,
			`任职 row 5: duplicates row 3`,
			`任职!A6: unknown person "P8": not on the 人员 sheet nor in the database`,
		}, importErr(t, err))
		if n := db.Client.Grid.Query().CountX(ctx); n != 4 {
			t.Errorf("a refused roster import left %d grids, want the 4 there before", n)
		}
		missing := workbook(t, sheetSpec{name: "网格", rows: grids[:3]})
		_, err = excel.ImportRoster(ctx, db.Client, bytes.NewReader(missing), int64(len(missing)), excel.RosterOptions{})
		diff(t, "missing sheets", []string{`人员: the workbook has no sheet "人员": download the template`, `任职: the workbook has no sheet "任职": download the template`}, importErr(t, err))
	})
}
