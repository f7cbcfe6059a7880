package excel

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/keyproject"
	"gridgov/ent/ledgercategory"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/person"
	"gridgov/ent/schema/ledgerfield"
)

// Ledger sheets: one per item type, named by its code. Row 1 holds the headings people
// read, row 2 the keys the import reads, data starts on row 3. The first columns are fixed.
var ledgerFixed = []column{
	{"entry_code", "台账编号"}, {"grid_code", "网格编码*"}, {"grid_name", "网格名称(不导入)"}, {"period", "期间"}, {"key_project", "重点项目编码"},
}

// instructionsSheet is the first sheet of every ledger workbook; imports skip it.
const instructionsSheet = "说明"

var ledgerInstructions = []string{
	"每个工作表是一种台账，表名为台账事项编码。期间：按月 2026-11，按季度 2026-Q4，按年 2026，常设台账留空。",
	"网格编码须为系统中已有、且您有权填报的网格。",
	"台账编号：导出的记录都带编号，改动后重新导入即修改这些记录（导入前可先预览改动）；新增的记录留空编号。导入从不删除记录。",
}

// LedgerFilter narrows a ledger export.
type LedgerFilter struct {
	// RootGridID keeps the entries of that grid's subtree.
	RootGridID *int
	// ItemTypeIDs keeps these types (with no entries, their sheets are empty: a template).
	ItemTypeIDs []int
	// Period keeps one period.
	Period *string
	// HeadersOnly writes the sheets without rows: a template.
	HeadersOnly bool
}

// ExportLedgers writes the ledger entries visible in ctx as a workbook, one sheet per item
// type, rows ordered by grid code, period and key project.
func ExportLedgers(ctx context.Context, client *ent.Client, w io.Writer, filter LedgerFilter) error {
	q := client.LedgerEntry.Query()
	if filter.RootGridID != nil {
		root, err := rootPath(ctx, client, *filter.RootGridID)
		if err != nil {
			return err
		}
		q = q.Where(ledgerentry.GridPathHasPrefix(root))
	}
	if len(filter.ItemTypeIDs) > 0 {
		q = q.Where(ledgerentry.ItemTypeIDIn(filter.ItemTypeIDs...))
	}
	if filter.Period != nil {
		q = q.Where(ledgerentry.Period(*filter.Period))
	}
	var entries []*ent.LedgerEntry
	if !filter.HeadersOnly {
		var err error
		if entries, err = q.All(ctx); err != nil {
			return fmt.Errorf("export ledgers: %w", err)
		}
	}
	typeIDs := slices.Clone(filter.ItemTypeIDs)
	byType := map[int][]*ent.LedgerEntry{}
	gridIDs, kpIDs := map[int]bool{}, map[int]bool{}
	for _, e := range entries {
		if len(byType[e.ItemTypeID]) == 0 && !slices.Contains(typeIDs, e.ItemTypeID) {
			typeIDs = append(typeIDs, e.ItemTypeID)
		}
		byType[e.ItemTypeID] = append(byType[e.ItemTypeID], e)
		gridIDs[e.GridID] = true
		if e.KeyProjectID != nil {
			kpIDs[*e.KeyProjectID] = true
		}
	}
	types, err := orderedTypes(ctx, client, typeIDs)
	if err != nil {
		return err
	}
	grids, err := client.Grid.Query().Where(grid.IDIn(keys(gridIDs)...)).All(ctx)
	if err != nil {
		return err
	}
	gridOf := map[int]*ent.Grid{}
	for _, g := range grids {
		gridOf[g.ID] = g
	}
	kps, err := client.KeyProject.Query().Where(keyproject.IDIn(keys(kpIDs)...)).All(ctx)
	if err != nil {
		return err
	}
	kpCode := map[int]string{}
	for _, p := range kps {
		kpCode[p.ID] = p.Code
	}
	b, err := newBook()
	if err != nil {
		return err
	}
	codes, err := ledgerGridCodes(ctx, client, filter.RootGridID)
	if err != nil {
		return err
	}
	b.setGridCodes(codes)
	tables := make([]table, len(types))
	for i, t := range types {
		tables[i] = ledgerTable(t)
	}
	if err := b.instructions("台账导入说明 (ledger import)", ledgerInstructions, tables...); err != nil {
		return err
	}
	codeOf, err := personCodes(ctx, client, types, byType)
	if err != nil {
		return err
	}
	for i, t := range types {
		rows := byType[t.ID]
		key := func(e *ent.LedgerEntry) (string, string, string) {
			kp := ""
			if e.KeyProjectID != nil {
				kp = kpCode[*e.KeyProjectID]
			}
			return gridOf[e.GridID].Code, e.Period, kp
		}
		slices.SortStableFunc(rows, func(a, b *ent.LedgerEntry) int {
			ga, pa, ka := key(a)
			gb, pb, kb := key(b)
			return cmp.Or(cmp.Compare(ga, gb), cmp.Compare(pa, pb), cmp.Compare(ka, kb), cmp.Compare(a.ID, b.ID))
		})
		if err := b.table(tables[i], func(emit func([]any) error) error {
			for _, e := range rows {
				g, p, kp := key(e)
				row := []any{deref(e.EntryCode), g, gridOf[e.GridID].Name, p, kp}
				for _, f := range t.Fields {
					v := e.Values[f.Key]
					if c, ok := codeOf[v]; ok && f.Type == ledgerfield.Person {
						v = c // a person by code, which survives a move to another database
					}
					row = append(row, cellValue(f, v))
				}
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return b.write(w)
}

// LedgerTemplate writes an empty workbook for the given types (all active types when none).
func LedgerTemplate(ctx context.Context, client *ent.Client, w io.Writer, typeIDs []int) error {
	if len(typeIDs) == 0 {
		ids, err := client.LedgerItemType.Query().Where(ledgeritemtype.Active(true)).IDs(ctx)
		if err != nil {
			return err
		}
		typeIDs = ids
	}
	return ExportLedgers(ctx, client, w, LedgerFilter{ItemTypeIDs: typeIDs, HeadersOnly: true})
}

// orderedTypes loads types in catalogue order: category, then type.
func orderedTypes(ctx context.Context, client *ent.Client, ids []int) ([]*ent.LedgerItemType, error) {
	types, err := client.LedgerItemType.Query().Where(ledgeritemtype.IDIn(ids...)).
		Order(ledgeritemtype.ByCategoryField(ledgercategory.FieldSortOrder), ent.Asc(ledgeritemtype.FieldSortOrder), ent.Asc(ledgeritemtype.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("export ledgers: types: %w", err)
	}
	return types, nil
}

// ledgerGridCodes are the codes of the grids visible in ctx (under root, when given), for
// the grid-code drop-down.
func ledgerGridCodes(ctx context.Context, client *ent.Client, root *int) ([]string, error) {
	q := client.Grid.Query()
	if root != nil {
		path, err := rootPath(ctx, client, *root)
		if err != nil {
			return nil, err
		}
		q = q.Where(grid.PathHasPrefix(path))
	}
	return q.Order(ent.Asc(grid.FieldCode)).Select(grid.FieldCode).Strings(ctx)
}

// ledgerFixedKinds explain the fixed columns of a ledger sheet.
var ledgerFixedKinds = map[string]colKind{
	"entry_code":  {note: "台账记录的编号：新增的记录留空（导入时自动编号）；填写已有编号即修改该记录。"},
	"grid_code":   {grids: true, note: "填报网格的编码。"},
	"grid_name":   {note: "便于阅读的网格名称，导入时不读取。"},
	"period":      {note: "按月 2026-11，按季度 2026-Q4，按年 2026，常设台账留空。"},
	"key_project": {note: "所属重点项目的编码，可留空。"},
}

// ledgerTable is the sheet of an item type: the fixed columns, then one per field, with
// drop-downs for enums and 是/否 fields and date cells for dates.
func ledgerTable(t *ent.LedgerItemType) table {
	cols := slices.Clone(ledgerFixed)
	kinds := maps.Clone(ledgerFixedKinds)
	for _, f := range t.Fields {
		l := f.Label
		if f.Unit != "" {
			l += "(" + f.Unit + ")"
		}
		if f.Required {
			l += "*"
		}
		cols = append(cols, column{f.Key, l})
		k := colKind{note: fieldNote(f)}
		switch f.Type {
		case ledgerfield.Enum:
			k.options = f.Options
		case ledgerfield.Boolean:
			k.options = yesNoKind.options
		case ledgerfield.Date:
			k.format = fmtDate
		case ledgerfield.Number:
			k.format = fmtNum
		}
		kinds[f.Key] = k
	}
	return table{name: t.Code, intro: t.Name, cols: cols, kinds: kinds}
}

// fieldNote says what a field allows beyond its type.
func fieldNote(f ledgerfield.Def) string {
	var parts []string
	if f.Type == ledgerfield.Person {
		parts = append(parts, "人员编号（见人员名册）")
	}
	if f.Min != nil {
		parts = append(parts, "不小于 "+strconv.FormatFloat(*f.Min, 'f', -1, 64))
	}
	if f.Max != nil {
		parts = append(parts, "不大于 "+strconv.FormatFloat(*f.Max, 'f', -1, 64))
	}
	if f.MaxLength > 0 {
		parts = append(parts, "至多 "+strconv.Itoa(f.MaxLength)+" 个字")
	}
	if f.Pattern != "" {
		parts = append(parts, "格式须符合 "+f.Pattern)
	}
	return strings.Join(parts, "；")
}

// personCodes maps the person ids that entries' person fields hold to the people's codes
// (人员编号), read on the system's account: a code is an opaque key, like the id it replaces.
func personCodes(ctx context.Context, client *ent.Client, types []*ent.LedgerItemType, byType map[int][]*ent.LedgerEntry) (map[string]string, error) {
	ids := map[int]bool{}
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Type != ledgerfield.Person {
				continue
			}
			for _, e := range byType[t.ID] {
				if id, err := strconv.Atoi(e.Values[f.Key]); err == nil {
					ids[id] = true
				}
			}
		}
	}
	out := map[string]string{}
	err := inBatches(keys(ids), func(b []int) error {
		ps, err := client.Person.Query().Where(person.IDIn(b...)).Select(person.FieldID, person.FieldPersonCode).
			All(authz.SystemContext(ctx, "person codes of exported ledger entries"))
		for _, p := range ps {
			out[strconv.Itoa(p.ID)] = code(p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export ledgers: person codes: %w", err)
	}
	return out, nil
}

// cellValue writes a canonical value: numbers as numbers, booleans as 是/否, the rest as text.
func cellValue(f ledgerfield.Def, v string) any {
	switch {
	case v == "":
		return nil
	case f.Type == ledgerfield.Number:
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return n
		}
	case f.Type == ledgerfield.Boolean:
		return yesNo(v == "true")
	}
	return v
}

func keys(m map[int]bool) []int { return slices.Sorted(maps.Keys(m)) }
