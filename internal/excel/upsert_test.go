package excel_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/ent/person"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
	"gridgov/internal/workcal"
)

// TestRosterUpsert is an office's round trip on each store: export the demo roster, change
// three cells and add two rows as in a spreadsheet program, preview the import (exactly those
// three changes and two creations, and nothing written), apply it, export again (the edits
// and nothing else changed), and import that export once more: 0 changes. A new person who
// looks like one already there is refused until confirmed, and a person left out of the file
// is reported, never deleted.
func TestRosterUpsert(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		export := func() []byte {
			t.Helper()
			var buf bytes.Buffer
			if err := excel.ExportRoster(ctx, db.Client, &buf, nil); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		run := func(data []byte, opts excel.RosterOptions) (*excel.Plan, error) {
			return excel.ImportRoster(ctx, db.Client, bytes.NewReader(data), int64(len(data)), opts)
		}
		before := export()

		// The export re-imported as it is changes nothing.
		plan, err := run(before, excel.RosterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Creates)+len(plan.Changes) != 0 || !strings.Contains(plan.Summary(), "0 changes") {
			t.Fatalf("re-importing the export: %d creations, %d changes\n%s", len(plan.Creates), len(plan.Changes), plan.Summary())
		}

		// Edit: a phone and a title of one person, a grid's household count; add a person
		// (no code yet) and an assignment of someone already there.
		f, err := excelize.OpenReader(bytes.NewReader(before))
		if err != nil {
			t.Fatal(err)
		}
		people, _ := f.GetRows("人员")
		grids, _ := f.GetRows("网格")
		as, _ := f.GetRows("任职")
		edited := people[2] // row 3, the first person
		code, gridCode := edited[0], edited[7]
		set := func(sheet, cell string, v any) {
			t.Helper()
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
		set("人员", "D3", "13900009999")
		set("人员", "E3", "新职务（测试）")
		set("网格", "E3", "321")
		newRow := len(people) + 1
		for i, v := range []string{"", "张新（测试）", "男", "13700001111", "", "", "否", gridCode} {
			cell, _ := excelize.CoordinatesToCellName(i+1, newRow)
			set("人员", cell, v)
		}
		aRow := len(as) + 1
		// The start is typed as a spreadsheet program keeps a typed time: a date cell.
		start := time.Date(2026, 11, 1, 8, 0, 0, 0, workcal.Default().Location())
		for i, v := range []any{code, edited[1], gridCode, "具体责任人", "保洁员", "", start, "", ""} {
			cell, _ := excelize.CoordinatesToCellName(i+1, aRow)
			set("任职", cell, v)
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		edits := buf.Bytes()
		people0, _ := db.Client.Person.Query().Count(ctx)

		plan, err = run(edits, excel.RosterOptions{DryRun: true})
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
		wantChanges := []string{
			fmt.Sprintf("人员!3 职务: %s → 新职务（测试）", edited[4]),
			fmt.Sprintf("人员!3 联系电话: %s → 13900009999", edited[3]),
			fmt.Sprintf("网格!3 户数: %s → 321", grids[2][4]),
		}
		slices.Sort(wantChanges)
		diff(t, "the dry run's changes", wantChanges, changes)
		if len(plan.Creates) != 2 || plan.Applied {
			t.Errorf("dry run: %d creations (want 2), applied %v", len(plan.Creates), plan.Applied)
		}
		if n, _ := db.Client.Person.Query().Count(ctx); n != people0 {
			t.Fatalf("a dry run wrote %d people", n-people0)
		}

		plan, err = run(edits, excel.RosterOptions{})
		if err != nil || !plan.Applied {
			t.Fatalf("apply: %v (applied %v)", err, plan != nil && plan.Applied)
		}
		p, err := db.Client.Person.Query().Where(person.PersonCode(code)).Only(ctx)
		if err != nil || p.Phone != "13900009999" || p.Title != "新职务（测试）" {
			t.Errorf("after the import %s is %+v (%v)", code, p, err)
		}
		after := export()
		got, want := contents(t, after), contents(t, edits)
		// The new person got a code of their own: the export shows it where the file had none.
		for i, row := range got["人员"] {
			if len(row) > 1 && row[1] == "张新（测试）" {
				if row[0] == "" || !strings.HasPrefix(row[0], "P") {
					t.Errorf("the new person's code %q", row[0])
				}
				got["人员"][i][0] = ""
			}
		}
		sortDataRows(got)
		sortDataRows(want)
		diff(t, "the export after the import, against the edited file", want, got)

		plan, err = run(after, excel.RosterOptions{})
		if err != nil || len(plan.Creates)+len(plan.Changes) != 0 {
			t.Errorf("importing the new export again: %v, %d creations, %d changes", err, len(plan.Creates), len(plan.Changes))
		}

		// The same new person again, still without a code: refused as a likely duplicate.
		people0, _ = db.Client.Person.Query().Count(ctx)
		_, err = run(edits, excel.RosterOptions{})
		if probs := importErr(t, err); len(probs) != 1 || !strings.Contains(probs[0], "张新（测试） has the name and phone of") {
			t.Errorf("the same new person twice: %q", probs)
		}
		if _, err := run(edits, excel.RosterOptions{ConfirmDuplicates: true}); err != nil {
			t.Errorf("confirmed duplicate: %v", err)
		}
		if n, _ := db.Client.Person.Query().Count(ctx); n != people0+1 {
			t.Errorf("confirming the duplicate added %d people, want 1", n-people0)
		}

		// A person left out of the file is reported and kept (with the confirmed duplicate,
		// who came after this export).
		f, _ = excelize.OpenReader(bytes.NewReader(after))
		if err := f.RemoveRow("人员", 3); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		_, _ = f.WriteTo(&buf)
		plan, err = run(buf.Bytes(), excel.RosterOptions{DryRun: true})
		if err != nil || plan.NotInFileTotal != 2 || !slices.ContainsFunc(plan.NotInFile, func(s string) bool { return strings.HasPrefix(s, code+" ") }) {
			t.Errorf("a person left out: %v, not in the file %d %q", err, plan.NotInFileTotal, plan.NotInFile)
		}
	})
}
