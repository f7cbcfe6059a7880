package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
)

// defineTestLedger defines a category and a monthly ledger of rented housing, required of
// villager groups, with one field of each type; it returns the type's id.
func defineTestLedger(t *testing.T, f *fixture) string {
	t.Helper()
	f.env.MustDo(t, f.token, `mutation { defineLedgerCategory(input: {code: "HOUSING", name: "Housing", label: "房屋租赁", sortOrder: 2}) { id } }`, nil, nil)
	var out struct{ DefineLedgerItemType struct{ ID string } }
	f.env.MustDo(t, f.token, `mutation($in: DefineLedgerItemTypeInput!) { defineLedgerItemType(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"categoryCode": "HOUSING", "code": "RENTAL", "name": "Rented housing", "label": "出租房屋登记台账",
		"period": "MONTH", "required": true, "requiredKinds": []string{"VILLAGER_GROUP"},
		"fields": []map[string]any{
			{"key": "address", "label": "房屋地址", "type": "TEXT", "required": true, "maxLength": 50},
			{"key": "id_no", "label": "身份证号", "type": "TEXT", "pattern": `\d{17}[\dX]`},
			{"key": "tenants", "label": "承租人数", "type": "NUMBER", "unit": "人", "min": 0, "max": 50, "required": true},
			{"key": "since", "label": "起租日期", "type": "DATE"},
			{"key": "use", "label": "用途", "type": "ENUM", "options": []string{"居住", "经营", "仓储"}},
			{"key": "fire_check", "label": "消防检查合格", "type": "BOOLEAN"},
			{"key": "keeper", "label": "管理员", "type": "PERSON"},
		},
	}}, &out)
	return out.DefineLedgerItemType.ID
}

type ledgerValue struct{ Key, Label, Value string }

// holder creates a person on gridID holding role there since an hour ago, and returns their
// id, the assignment's id and a token.
func (f *fixture) holder(t *testing.T, gridID, name, role string) (string, string, string) {
	t.Helper()
	p := f.createPerson(t, gridID, name)
	a := f.assign(t, p, gridID, role, "", time.Now().Add(-time.Hour))
	return p, a, f.env.TokenFor(t, atoi(t, p), false)
}

func TestLedgerEntries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		typeID := defineTestLedger(t, f)
		head, _, headToken := f.holder(t, g["v1"].ID, "张网格长", "GRID_HEAD")
		_, _, otherToken := f.holder(t, g["v2"].ID, "李网格长", "GRID_HEAD")
		hidden := f.createPerson(t, g["s2"].ID, "王某")

		// Only administrators of the whole tree define types.
		f.env.MustFail(t, headToken, `mutation { defineLedgerCategory(input: {code: "X", name: "x", label: "x"}) { id } }`, nil, "FORBIDDEN")

		const create = `mutation($in: CreateLedgerEntryInput!) { createLedgerEntry(input: $in) {
			id version period values { key label value } itemType { code } grid { code } createdBy { id } } }`
		vals := func(kv ...string) []map[string]any {
			var out []map[string]any
			for i := 0; i < len(kv); i += 2 {
				out = append(out, map[string]any{"key": kv[i], "value": kv[i+1]})
			}
			return out
		}
		in := func(grid, period string, values []map[string]any) map[string]any {
			return map[string]any{"in": map[string]any{"itemTypeID": typeID, "gridID": grid, "period": period, "values": values}}
		}
		var created struct {
			CreateLedgerEntry struct {
				ID, Period string
				Version    int
				Values     []ledgerValue
				ItemType   struct{ Code string }
				Grid       struct{ Code string }
				CreatedBy  struct{ ID string }
			}
		}
		f.env.MustDo(t, headToken, create, in(g["g11"].ID, "2026-11", vals("address", " 三王庄村一组12号 ", "tenants", "3.50",
			"since", "2026-01-05", "use", "居住", "fire_check", "是", "keeper", head, "id_no", "41010219900101123X")), &created)
		e := created.CreateLedgerEntry
		want := []ledgerValue{
			{"address", "房屋地址", "三王庄村一组12号"}, {"id_no", "身份证号", "41010219900101123X"}, {"tenants", "承租人数", "3.5"},
			{"since", "起租日期", "2026-01-05"}, {"use", "用途", "居住"}, {"fire_check", "消防检查合格", "true"}, {"keeper", "管理员", head},
		}
		if diff := cmp.Diff(want, e.Values); diff != "" {
			t.Errorf("canonical values (-want +got):\n%s", diff)
		}
		if e.Version != 1 || e.Grid.Code != g["g11"].Code || e.CreatedBy.ID != head || e.ItemType.Code != "RENTAL" {
			t.Errorf("created entry = %+v", e)
		}

		// Bad values: every problem is named, nothing is written.
		bad := []struct {
			name, period string
			values       []map[string]any
			wantIn       []string
		}{
			{"wrong type", "2026-11", vals("address", "x", "tenants", "三个"), []string{"承租人数 (tenants)", "not a number"}},
			{"missing required", "2026-11", vals("tenants", "1"), []string{"房屋地址 (address): required"}},
			{"above max", "2026-11", vals("address", "x", "tenants", "51"), []string{"above the maximum 50"}},
			{"pattern", "2026-11", vals("address", "x", "tenants", "1", "id_no", "123"), []string{"does not match the pattern"}},
			{"too long", "2026-11", vals("address", strings.Repeat("长", 51), "tenants", "1"), []string{"longer than 50"}},
			{"bad date", "2026-11", vals("address", "x", "tenants", "1", "since", "2026-13-01"), []string{"not a date"}},
			{"bad enum", "2026-11", vals("address", "x", "tenants", "1", "use", "养殖"), []string{"not one of 居住, 经营, 仓储"}},
			{"bad boolean", "2026-11", vals("address", "x", "tenants", "1", "fire_check", "maybe"), []string{"not yes or no"}},
			{"hidden person", "2026-11", vals("address", "x", "tenants", "1", "keeper", hidden), []string{"in your scope"}},
			{"unknown field", "2026-11", vals("address", "x", "tenants", "1", "color", "red"), []string{"no such field"}},
			{"bad period", "2026-Q4", vals("address", "x", "tenants", "1"), []string{"write it like 2026-11"}},
		}
		for _, c := range bad {
			er := f.env.MustFail(t, headToken, create, in(g["g11"].ID, c.period, c.values), "BAD_USER_INPUT")
			for _, w := range c.wantIn {
				if !strings.Contains(er.Message, w) {
					t.Errorf("%s: error %q does not say %q", c.name, er.Message, w)
				}
			}
		}
		// Out of scope reads like a missing grid.
		h := f.env.MustFail(t, headToken, create, in(g["g21"].ID, "2026-11", vals("address", "x", "tenants", "1")), "FORBIDDEN")
		m := f.env.MustFail(t, headToken, create, in("999999", "2026-11", vals("address", "x", "tenants", "1")), "FORBIDDEN")
		if strings.ReplaceAll(h.Message, g["g21"].ID, "N") != strings.ReplaceAll(m.Message, "999999", "N") {
			t.Errorf("hidden grid %q vs missing grid %q", h.Message, m.Message)
		}

		// Updates keep the previous values; a stale version is a conflict.
		const update = `mutation($id: ID!, $in: UpdateLedgerEntryInput!) { updateLedgerEntry(id: $id, input: $in) {
			version values { key value } updatedBy { id } revisions { version values { key value } changedBy { id } } } }`
		var upd struct {
			UpdateLedgerEntry struct {
				Version   int
				Values    []ledgerValue
				Revisions []struct {
					Version   int
					Values    []ledgerValue
					ChangedBy struct{ ID string }
				}
			}
		}
		f.env.MustDo(t, headToken, update, map[string]any{"id": e.ID, "in": map[string]any{"version": 1, "values": vals("address", "三王庄村一组13号", "tenants", "4")}}, &upd)
		u := upd.UpdateLedgerEntry
		if u.Version != 2 || len(u.Revisions) != 1 || u.Revisions[0].Version != 1 || len(u.Revisions[0].Values) != 7 || u.Revisions[0].ChangedBy.ID != head {
			t.Errorf("after update: %+v", u)
		}
		f.env.MustFail(t, headToken, update, map[string]any{"id": e.ID, "in": map[string]any{"version": 1, "values": vals("address", "y", "tenants", "1")}}, "CONFLICT")
		f.env.MustFail(t, otherToken, update, map[string]any{"id": e.ID, "in": map[string]any{"values": vals("address", "y", "tenants", "1")}}, "FORBIDDEN")

		// Lists are scoped; gridID narrows to a subtree.
		var list struct{ LedgerEntries struct{ TotalCount int } }
		for _, c := range []struct {
			token, grid string
			want        int
		}{{headToken, "", 1}, {otherToken, "", 0}, {f.token, g["v1"].ID, 1}, {f.token, g["v2"].ID, 0}} {
			vars := map[string]any{}
			q := `{ ledgerEntries(first: 10) { totalCount } }`
			if c.grid != "" {
				q, vars["g"] = `query($g: ID) { ledgerEntries(first: 10, gridID: $g, where: {period: "2026-11"}) { totalCount } }`, c.grid
			}
			f.env.MustDo(t, c.token, q, vars, &list)
			if list.LedgerEntries.TotalCount != c.want {
				t.Errorf("ledgerEntries(grid %s) = %d, want %d", c.grid, list.LedgerEntries.TotalCount, c.want)
			}
		}

		// Completeness: villager groups under 须水街道 without the November ledger.
		var comp struct {
			LedgerCompleteness []struct {
				Grid    struct{ Code string }
				Missing []struct{ Code string }
			}
		}
		f.env.MustDo(t, f.token, `query($g: ID!) { ledgerCompleteness(gridID: $g, period: "2026-11", level: 4) { grid { code } missing { code } } }`,
			map[string]any{"g": g["s1"].ID}, &comp)
		var gaps []string
		for _, c := range comp.LedgerCompleteness {
			gaps = append(gaps, c.Grid.Code+":"+c.Missing[0].Code)
		}
		if diff := cmp.Diff([]string{g["g12"].Code + ":RENTAL", g["g21"].Code + ":RENTAL"}, gaps); diff != "" {
			t.Errorf("completeness (-want +got):\n%s", diff)
		}
		f.env.MustFail(t, f.token, `query($g: ID!) { ledgerCompleteness(gridID: $g, period: "11/2026") { grid { code } } }`, map[string]any{"g": g["s1"].ID}, "BAD_USER_INPUT")
		f.env.MustFail(t, headToken, `query($g: ID!) { ledgerCompleteness(gridID: $g, period: "2026-11") { grid { code } } }`, map[string]any{"g": g["v2"].ID}, "FORBIDDEN")

		// Moving the grid carries its ledger and the ledger's history into the new subtree.
		f.env.MustDo(t, f.token, `mutation($id: ID!, $p: ID!) { moveGrid(id: $id, newParentID: $p) { id } }`,
			map[string]any{"id": g["g11"].ID, "p": g["v2"].ID}, nil)
		var moved struct {
			LedgerEntries struct {
				Edges []struct {
					Node struct {
						GridPath  string
						Revisions []struct{ ID string }
					}
				}
			}
		}
		f.env.MustDo(t, otherToken, `{ ledgerEntries(first: 10) { edges { node { gridPath revisions { id } } } } }`, nil, &moved)
		if len(moved.LedgerEntries.Edges) != 1 || len(moved.LedgerEntries.Edges[0].Node.Revisions) != 1 ||
			!strings.HasPrefix(moved.LedgerEntries.Edges[0].Node.GridPath, g["v2"].Path) {
			t.Errorf("after the move the grid head of 桐树王村 sees %+v", moved.LedgerEntries.Edges)
		}
		f.env.MustDo(t, headToken, `{ ledgerEntries(first: 10) { totalCount } }`, nil, &list)
		if list.LedgerEntries.TotalCount != 0 {
			t.Errorf("after the move the grid head of 三王庄村 still sees %d entries", list.LedgerEntries.TotalCount)
		}

		// Bad definitions are refused with every problem named.
		er := f.env.MustFail(t, f.token, `mutation($in: DefineLedgerItemTypeInput!) { defineLedgerItemType(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"categoryCode": "HOUSING", "code": "BAD", "name": "b", "label": "b",
			"fields": []map[string]any{
				{"key": "A", "label": "x", "type": "TEXT"},
				{"key": "n", "label": "n", "type": "NUMBER", "min": 5, "max": 1},
				{"key": "n", "label": "n2", "type": "ENUM"},
				{"key": "p", "label": "p", "type": "TEXT", "pattern": "("},
			},
		}}, "BAD_USER_INPUT")
		for _, w := range []string{"key must be", "min is greater than max", "duplicate key", "an enum needs", "pattern:"} {
			if !strings.Contains(er.Message, w) {
				t.Errorf("definition error %q does not say %q", er.Message, w)
			}
		}
	})
}
