package graph_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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
	x := excelize.NewFile()
	defer x.Close()
	for _, name := range []string{"网格", "任职"} {
		_, _ = x.NewSheet(name)
	}
	_ = x.SetSheetName("Sheet1", "人员")
	sheets := map[string][][]any{
		"网格": {{"网格编码*", "名称*", "类型*", "上级网格编码"}, {"code", "name", "kind", "parent_code"}},
		"任职": {{"人员编号*", "姓名", "网格编码*", "角色*", "具体职责", "职务", "任职起始*", "任职终止", "终止原因"},
			{"person_key", "person_name", "grid_code", "role", "duty", "title", "valid_from", "valid_to", "end_reason"}},
		"人员": people,
	}
	for sheet, rs := range sheets {
		for i, r := range rs {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow(sheet, cell, &r); err != nil {
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

// onePersonRoster is a roster that adds one person to the grid with code.
func onePersonRoster(t *testing.T, code string) []byte {
	return rosterFile(t, [][]any{
		{"人员编号", "姓名*", "性别", "联系电话", "职务", "工作单位", "党员", "所属网格编码*"},
		{"key", "name", "gender", "phone", "title", "unit", "party_member", "grid_code"},
		{"", "表格新人（测试）", "男", "", "", "", "否", code},
	})
}
