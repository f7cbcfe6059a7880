package graph_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"gridgov/ent/grid"
	"gridgov/ent/ledgerentry"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestImportRosterInScope: a village official uploads a roster through GraphQL; the dry run
// plans their village's row and refuses, row by row, the one for another village; applied
// with that row removed, it writes only in their village; the audit names them.
func TestImportRosterInScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		_, _, token := f.holder(t, g["v1"].ID, "王村长", "FIRST_RESPONSIBLE")
		people := [][]any{
			{"人员编号", "姓名*", "性别", "联系电话", "职务", "工作单位", "党员", "所属网格编码*"},
			{"key", "name", "gender", "phone", "title", "unit", "party_member", "grid_code"},
			{"", "新组员（测试）", "男", "13700002222", "", "", "否", g["g11"].Code},
			{"", "外村人（测试）", "女", "13700003333", "", "", "否", g["g21"].Code},
		}
		file := func(rows [][]any) []byte { return rosterFile(t, rows) }
		const mutation = `mutation($f: Upload!, $dry: Boolean!) { importRoster(file: $f, dryRun: $dry) {
			applied sheets { sheet created changed unchanged } creates { sheet row key } refused { text } refusedTotal } }`
		type plan struct {
			ImportRoster struct {
				Applied bool
				Sheets  []struct {
					Sheet                       string
					Created, Changed, Unchanged int
				}
				Creates []struct {
					Sheet, Key string
					Row        int
				}
				Refused      []struct{ Text string }
				RefusedTotal int
			}
		}
		upload := func(data []byte, dry bool) plan {
			t.Helper()
			resp := f.env.DoUpload(t, token, mutation, map[string]any{"f": nil, "dry": dry}, []servertest.File{{Var: "f", Name: "roster.xlsx", Data: data}})
			if len(resp.Errors) > 0 {
				t.Fatalf("importRoster: %+v", resp.Errors)
			}
			var p plan
			if err := json.Unmarshal(resp.Data, &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		before := db.Client.Person.Query().CountX(servertest.System())

		p := upload(file(people), true)
		ir := p.ImportRoster
		if ir.Applied || len(ir.Creates) != 1 || ir.Creates[0].Key != "新组员（测试）" || ir.RefusedTotal != 1 ||
			!strings.HasPrefix(ir.Refused[0].Text, "人员!H4: grid "+g["g21"].Code+": not found or outside your scope") {
			t.Fatalf("dry run: %+v", ir)
		}
		// Not applied while a row is refused, even when asked.
		if p := upload(file(people), false); p.ImportRoster.Applied {
			t.Fatalf("applied with a refused row: %+v", p.ImportRoster)
		}
		if n := db.Client.Person.Query().CountX(servertest.System()); n != before {
			t.Fatalf("a refused import wrote %d people", n-before)
		}
		p = upload(file(people[:3]), false)
		if !p.ImportRoster.Applied || p.ImportRoster.Sheets[1].Created != 1 {
			t.Fatalf("apply: %+v", p.ImportRoster)
		}
		if n := db.Client.Person.Query().CountX(servertest.System()); n != before+1 {
			t.Errorf("the import wrote %d people, want 1", n-before)
		}
		// Importing the same file again: the person has no code in it, so they look like a
		// duplicate of the one just created.
		p = upload(file(people[:3]), true)
		if p.ImportRoster.RefusedTotal != 1 || !strings.Contains(p.ImportRoster.Refused[0].Text, "has the name and phone of") {
			t.Errorf("the same new person again: %+v", p.ImportRoster)
		}
	})
}

// rosterFile is a roster workbook whose 人员 sheet holds rows (headings and keys first) and
// whose other sheets are empty.
func rosterFile(t *testing.T, people [][]any) []byte {
	t.Helper()
	return xlsx(t, sheetRows{"人员", people},
		sheetRows{"网格", [][]any{{"网格编码*", "名称*", "类型*", "上级网格编码"}, {"code", "name", "kind", "parent_code"}}},
		sheetRows{"任职", [][]any{{"人员编号*", "姓名", "网格编码*", "角色*", "具体职责", "职务", "任职起始*", "任职终止", "终止原因"},
			{"person_key", "person_name", "grid_code", "role", "duty", "title", "valid_from", "valid_to", "end_reason"}}})
}

// onePersonRoster is a roster that adds one person to the grid with code.
func onePersonRoster(t *testing.T, code string) []byte {
	return rosterFile(t, [][]any{
		{"人员编号", "姓名*", "性别", "联系电话", "职务", "工作单位", "党员", "所属网格编码*"},
		{"key", "name", "gender", "phone", "title", "unit", "party_member", "grid_code"},
		{"", "表格新人（测试）", "男", "", "", "", "否", code},
	})
}

// TestImportLedgerInScope: a village's staff upload a ledger sheet through GraphQL; the row
// for another village is refused, naming the cell, and nothing is written until the file
// holds only rows they may add.
func TestImportLedgerInScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		defineTestLedger(t, f)
		_, _, token := f.holder(t, g["v1"].ID, "李村干部", "DIRECT_RESPONSIBLE")
		sheet := func(grids ...string) []byte {
			t.Helper()
			rows := [][]any{{"网格编码*", "网格名称", "期间", "重点项目编码", "房屋地址*", "承租人数*"},
				{"grid_code", "grid_name", "period", "key_project", "address", "tenants"}}
			for _, code := range grids {
				rows = append(rows, []any{code, "", "2026-11", "", "村东头（测试）", "2"})
			}
			return xlsx(t, sheetRows{"RENTAL", rows})
		}
		const mutation = `mutation($f: Upload!, $dry: Boolean!) { importLedger(file: $f, dryRun: $dry) { applied creates { row } sheets { sheet created } refused { text } refusedTotal } }`
		type result struct {
			ImportLedger struct {
				Applied      bool
				Creates      []struct{ Row int }
				Refused      []struct{ Text string }
				RefusedTotal int
			}
		}
		upload := func(data []byte, dry bool) result {
			t.Helper()
			resp := f.env.DoUpload(t, token, mutation, map[string]any{"f": nil, "dry": dry}, []servertest.File{{Var: "f", Name: "ledger.xlsx", Data: data}})
			if len(resp.Errors) > 0 {
				t.Fatalf("importLedger: %+v", resp.Errors)
			}
			var r result
			if err := json.Unmarshal(resp.Data, &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		entries := func() int { return db.Client.LedgerEntry.Query().CountX(servertest.System()) }
		before := entries()
		r := upload(sheet(g["g11"].Code, g["g21"].Code), false)
		if r.ImportLedger.Applied || r.ImportLedger.RefusedTotal != 1 || !strings.HasPrefix(r.ImportLedger.Refused[0].Text, "RENTAL!A4: ") {
			t.Fatalf("a row for another village: %+v", r.ImportLedger)
		}
		if n := entries(); n != before {
			t.Fatalf("a refused import wrote %d entries", n-before)
		}
		if r := upload(sheet(g["g11"].Code), true); r.ImportLedger.Applied || len(r.ImportLedger.Creates) != 1 || entries() != before {
			t.Errorf("dry run: %+v, %d entries written", r.ImportLedger, entries()-before)
		}
		if r := upload(sheet(g["g11"].Code), false); !r.ImportLedger.Applied || len(r.ImportLedger.Creates) != 1 || entries() != before+1 {
			t.Errorf("apply: %+v, %d entries written", r.ImportLedger, entries()-before)
		}

		// Upsert by entry code: their own entry changes; another village's entry is refused.
		gridID := func(code string) int {
			return db.Client.Grid.Query().Where(grid.Code(code)).OnlyIDX(servertest.System())
		}
		own := db.Client.LedgerEntry.Query().Where(ledgerentry.GridID(gridID(g["g11"].Code))).OnlyX(servertest.System())
		other := db.Client.LedgerEntry.Create().SetItemTypeID(own.ItemTypeID).SetGridID(gridID(g["g21"].Code)).SetPeriod("2026-11").
			SetValues(map[string]string{"address": "别村（测试）", "tenants": "1"}).SaveX(servertest.System())
		byCode := func(rows ...[]any) []byte {
			t.Helper()
			all := [][]any{{"台账编号", "网格编码*", "网格名称", "期间", "重点项目编码", "房屋地址*", "承租人数*"},
				{"entry_code", "grid_code", "grid_name", "period", "key_project", "address", "tenants"}}
			return xlsx(t, sheetRows{"RENTAL", append(all, rows...)})
		}
		const upsert = `mutation($f: Upload!, $dry: Boolean!) { importLedger(file: $f, dryRun: $dry) {
			applied changes { row key changes { field old new } } sheets { sheet created changed unchanged } refused { text } } }`
		var plan struct {
			ImportLedger struct {
				Applied bool
				Changes []struct {
					Row     int
					Key     string
					Changes []struct{ Field, Old, New string }
				}
				Sheets  []struct{ Created, Changed, Unchanged int }
				Refused []struct{ Text string }
			}
		}
		send := func(data []byte, dry bool) {
			t.Helper()
			resp := f.env.DoUpload(t, token, upsert, map[string]any{"f": nil, "dry": dry}, []servertest.File{{Var: "f", Name: "ledger.xlsx", Data: data}})
			if len(resp.Errors) > 0 {
				t.Fatalf("importLedger: %+v", resp.Errors)
			}
			plan.ImportLedger.Changes, plan.ImportLedger.Refused = nil, nil
			if err := json.Unmarshal(resp.Data, &plan); err != nil {
				t.Fatal(err)
			}
		}
		send(byCode([]any{*own.EntryCode, g["g11"].Code, "", "2026-11", "", "村西头（测试）", "2"},
			[]any{*other.EntryCode, g["g21"].Code, "", "2026-11", "", "改别村（测试）", "1"}), false)
		if p := plan.ImportLedger; p.Applied || len(p.Refused) != 1 || !strings.HasPrefix(p.Refused[0].Text, "RENTAL!A4: entry "+*other.EntryCode+": not found or outside your scope") {
			t.Errorf("another village's entry by code: %+v", p)
		}
		send(byCode([]any{*own.EntryCode, g["g11"].Code, "", "2026-11", "", "村西头（测试）", "2"}), true)
		if p := plan.ImportLedger; p.Applied || len(p.Changes) != 1 || p.Changes[0].Key != *own.EntryCode ||
			len(p.Changes[0].Changes) != 1 || p.Changes[0].Changes[0].Old != "村东头（测试）" || p.Changes[0].Changes[0].New != "村西头（测试）" {
			t.Errorf("dry run of a change: %+v", p)
		}
		send(byCode([]any{*own.EntryCode, g["g11"].Code, "", "2026-11", "", "村西头（测试）", "2"}), false)
		if e := db.Client.LedgerEntry.GetX(servertest.System(), own.ID); !plan.ImportLedger.Applied || e.Values["address"] != "村西头（测试）" || e.Version != 2 {
			t.Errorf("the change applied: %+v, entry %+v", plan.ImportLedger, e)
		}
		if e := db.Client.LedgerEntry.GetX(servertest.System(), other.ID); e.Values["address"] != "别村（测试）" {
			t.Errorf("another village's entry was changed: %+v", e.Values)
		}
	})
}

// oneLedgerRow is a ledger workbook with one entry of the item type code (whose one field is
// note) on the grid with gridCode.
func oneLedgerRow(t *testing.T, code, gridCode, period string) []byte {
	t.Helper()
	return xlsx(t, sheetRows{code, [][]any{{"网格编码*", "网格名称", "期间", "重点项目编码", "备注*"},
		{"grid_code", "grid_name", "period", "key_project", "note"}, {gridCode, "", period, "", "表格导入（测试）"}}})
}

// sheetRows is one sheet of a workbook a test uploads.
type sheetRows struct {
	name string
	rows [][]any
}

// xlsx writes a workbook of the sheets, in order.
func xlsx(t *testing.T, sheets ...sheetRows) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, sh := range sheets {
		if i == 0 {
			_ = x.SetSheetName("Sheet1", sh.name)
		} else if _, err := x.NewSheet(sh.name); err != nil {
			t.Fatal(err)
		}
		for j, r := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+1)
			if err := x.SetSheetRow(sh.name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportRosterNotInFileScope: a village official's file that names another village's grid
// is refused for that row, and its "not in the file" list names only people the official may
// see: someone kept in their own grid, never someone kept in the other village.
func TestImportRosterNotInFileScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		_, _, token := f.holder(t, g["v1"].ID, "王村长", "FIRST_RESPONSIBLE")
		f.createPerson(t, g["g11"].ID, "本村未列（测试）")
		f.createPerson(t, g["g21"].ID, "外村未列（测试）")
		data := xlsx(t,
			sheetRows{"网格", [][]any{{"网格编码*", "名称*", "类型*", "上级网格编码"}, {"code", "name", "kind", "parent_code"},
				{g["g11"].Code, g["g11"].Name, "VILLAGER_GROUP", g["v1"].Code}, {g["g21"].Code, g["g21"].Name, "VILLAGER_GROUP", g["v2"].Code}}},
			sheetRows{"人员", [][]any{{"人员编号", "姓名*", "性别", "联系电话", "职务", "工作单位", "党员", "所属网格编码*"},
				{"key", "name", "gender", "phone", "title", "unit", "party_member", "grid_code"},
				{"", "新组员（测试）", "男", "13700002222", "", "", "否", g["g11"].Code}}},
			sheetRows{"任职", [][]any{{"人员编号*"}, {"person_key"}}})
		resp := f.env.DoUpload(t, token, `mutation($f: Upload!) { importRoster(file: $f) { notInFile refused { text } } }`,
			map[string]any{"f": nil}, []servertest.File{{Var: "f", Name: "roster.xlsx", Data: data}})
		if len(resp.Errors) > 0 {
			t.Fatalf("importRoster: %+v", resp.Errors)
		}
		out := string(resp.Data)
		if !strings.Contains(out, "本村未列（测试）") || strings.Contains(out, "外村未列（测试）") ||
			!strings.Contains(out, "网格!A4: grid "+g["g21"].Code+": not found or outside your scope") {
			t.Errorf("plan of a file naming another village's grid: %s", out)
		}
	})
}
