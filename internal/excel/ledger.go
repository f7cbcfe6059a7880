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
	"gridgov/internal/gridtree"
	"gridgov/internal/ledger"
	"gridgov/internal/store"
)

// Ledger sheets: one per item type, named by its code. Row 1 holds the headings people
// read, row 2 the keys the import reads, data starts on row 3. The first columns are fixed.
var ledgerFixed = []column{
	{"grid_code", "网格编码*"}, {"grid_name", "网格名称(不导入)"}, {"period", "期间"}, {"key_project", "重点项目编码"},
}

// instructionsSheet is the first sheet of every ledger workbook; imports skip it.
const instructionsSheet = "说明"

var ledgerInstructions = []string{
	"每个工作表是一种台账，表名为台账事项编码。期间：按月 2026-11，按季度 2026-Q4，按年 2026，常设台账留空。",
	"网格编码须为系统中已有、且您有权填报的网格。",
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
				row := []any{g, gridOf[e.GridID].Name, p, kp}
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

// ImportSummary counts what an import wrote, or with DryRun would write.
type ImportSummary struct {
	// Rows by sheet name.
	Rows  map[string]int
	Total int
	// Applied is true once the rows have been written.
	Applied bool
}

// LedgerOptions are the choices of a ledger import.
type LedgerOptions struct {
	// DryRun checks every row and writes nothing.
	DryRun   bool
	Progress Progress
}

// importBatch is how many rows go into one INSERT (SQLite allows 32,766 bound values).
const importBatch = 1000

type ledgerRow struct {
	typeID, gridID int
	kpID           *int
	period         string
	values         map[string]string
}

// ImportLedgers checks every row of every ledger sheet, then, only if no row has a problem,
// writes them all in one transaction. It runs with ctx's authority: grids, key projects and
// people are looked up in its scope (the command line runs on the system's account).
func ImportLedgers(ctx context.Context, client *ent.Client, r io.ReaderAt, size int64, progress Progress) (*ImportSummary, error) {
	return ImportLedgersWith(ctx, client, r, size, LedgerOptions{Progress: progress})
}

// ImportLedgersWith is ImportLedgers with options: with DryRun it checks every row, counts
// what it would write and writes nothing. The rows are written in client's transaction when
// it is bound to one (a GraphQL mutation's), else in one of its own.
func ImportLedgersWith(ctx context.Context, client *ent.Client, r io.ReaderAt, size int64, opts LedgerOptions) (*ImportSummary, error) {
	progress := opts.Progress
	if err := authz.RequireActor(ctx); err != nil {
		return nil, err
	}
	f, err := openBook(r, size)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	types := map[string]*ent.LedgerItemType{}
	all, err := client.LedgerItemType.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		types[t.Code] = t
	}
	grids := map[string]*ent.Grid{}
	gs, err := client.Grid.Query().Select(grid.FieldID, grid.FieldCode, grid.FieldPath).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		grids[g.Code] = g
	}
	kps := map[string]int{}
	ps, err := client.KeyProject.Query().Select(keyproject.FieldID, keyproject.FieldCode).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		kps[p.Code] = p.ID
	}
	people := map[int]bool{}
	personOK := func(id int) bool {
		ok, seen := people[id]
		if !seen {
			ok, _ = client.Person.Query().Where(person.ID(id)).Exist(ctx)
			people[id] = ok
		}
		return ok
	}
	// A person cell holds a person code (人员编号), as exports write it, or an id, as earlier
	// ones did: a code is looked up in the viewer's scope and turned into the id the entry
	// keeps; one not found stays as it is, and the check refuses it.
	byCode := map[string]string{}
	personByCode := func(v string) string {
		if _, err := strconv.Atoi(v); v == "" || err == nil {
			return v
		}
		id, ok := byCode[v]
		if !ok {
			id = v
			if found, err := client.Person.Query().Where(person.PersonCode(v)).OnlyID(ctx); err == nil {
				id = strconv.Itoa(found)
			}
			byCode[v] = id
		}
		return id
	}
	probs := &problems{}
	sum := &ImportSummary{Rows: map[string]int{}}
	var out []ledgerRow
	read := 0
	for _, sheet := range f.GetSheetList() {
		if sheet == instructionsSheet || sheet == listsSheet {
			continue
		}
		t := types[sheet]
		if t == nil {
			probs.add(sheet, 0, "", "no ledger item type with code %q (each sheet is named by its type's code)", sheet)
			continue
		}
		if !t.Active {
			probs.add(sheet, 0, "", "ledger item type %s is retired", sheet)
			continue
		}
		rows, err := readRows(f, sheet)
		if err != nil {
			return nil, err
		}
		n, err := readLedgerSheet(rows, t, grids, kps, personOK, personByCode, canWrite(ctx), probs, func(r ledgerRow) {
			out = append(out, r)
			read++
			if read%5000 == 0 {
				progress.report("checked", read, 0)
			}
		})
		rows.close()
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", sheet, err)
		}
		sum.Rows[sheet] = n
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	progress.report("checked", read, read)
	sum.Total = len(out)
	if opts.DryRun {
		return sum, nil
	}
	if err := writeLedgerRows(ctx, client, out, progress); err != nil {
		return nil, err
	}
	sum.Applied = true
	return sum, nil
}

// canWrite answers "may ctx add ledger entries at this path": the system's account (the
// command line) may everywhere, a viewer where policy.csv lets them, and a context with
// neither nowhere.
func canWrite(ctx context.Context) func(path string) bool {
	return func(path string) bool { return authz.Allowed(ctx, path, authz.ObjLedger, authz.ActCreate) }
}

// readLedgerSheet checks the rows of one sheet and hands on the good ones.
func readLedgerSheet(rows *rowReader, t *ent.LedgerItemType, grids map[string]*ent.Grid, kps map[string]int,
	personOK ledgerfield.PersonExists, personByCode func(string) string, mayWrite func(path string) bool, probs *problems, keep func(ledgerRow)) (int, error) {
	sheet := t.Code
	keysRow, err := rows.keysRow(ledgerTable(t).cols)
	if err != nil {
		return 0, err
	}
	col := map[string]int{}
	for i, k := range keysRow {
		if k != "" {
			if _, dup := col[k]; dup {
				probs.add(sheet, 2, colName(i), "field key %q given twice", k)
			}
			col[k] = i
		}
	}
	known := map[string]bool{}
	for _, f := range ledgerFixed {
		known[f.key] = true
	}
	for _, f := range t.Fields {
		known[f.Key] = true
	}
	for k, i := range col {
		if !known[k] {
			probs.add(sheet, 2, colName(i), "%q is no field of %s", k, t.Code)
		}
	}
	if _, ok := col["grid_code"]; !ok {
		probs.add(sheet, 2, "", "row 2 must hold the field keys, starting with grid_code: download the template")
		return 0, nil
	}
	fieldCol := map[string]string{}
	for _, f := range t.Fields {
		if i, ok := col[f.Key]; ok {
			fieldCol[f.Key] = colName(i)
		}
	}
	seen := map[string]int{}
	count := 0
	for {
		cols, n, ok, err := rows.next()
		if err != nil {
			return count, err
		}
		if !ok {
			return count, nil
		}
		if empty(cols) {
			continue
		}
		bad := false
		at := func(key string) string { return cell(cols, colIndex(col, key)) }
		g := grids[at("grid_code")]
		switch {
		case g == nil:
			probs.add(sheet, n, colName(col["grid_code"]), "unknown grid code %q", at("grid_code"))
			bad = true
		case !mayWrite(g.Path):
			probs.add(sheet, n, colName(col["grid_code"]), "your role on grid %s does not allow adding ledger entries", g.Code)
			bad = true
		}
		period := at("period")
		if err := ledger.CheckPeriod(t.Period, period); err != nil {
			probs.add(sheet, n, colName(colIndex(col, "period")), "%s", err.Error())
			bad = true
		}
		var kpID *int
		if code := at("key_project"); code != "" {
			if id, ok := kps[code]; ok {
				kpID = &id
			} else {
				probs.add(sheet, n, colName(col["key_project"]), "unknown key project %q", code)
				bad = true
			}
		}
		raw := make(map[string]string, len(t.Fields))
		for _, f := range t.Fields {
			v := at(f.Key)
			switch f.Type {
			case ledgerfield.Date:
				v = dateCell(v)
			case ledgerfield.Person:
				v = personByCode(v)
			}
			raw[f.Key] = v
		}
		values, fps := ledgerfield.Check(t.Fields, raw, personOK)
		for _, p := range fps {
			probs.add(sheet, n, fieldCol[p.Key], "%s", p.Error())
			bad = true
		}
		if bad {
			continue
		}
		dup := dupKey(at("grid_code"), period, at("key_project"), values)
		if first, ok := seen[dup]; ok {
			probs.add(sheet, n, "", "duplicates row %d", first)
			continue
		}
		seen[dup] = n
		keep(ledgerRow{typeID: t.ID, gridID: g.ID, kpID: kpID, period: period, values: values})
		count++
	}
}

// colIndex is the column of key, or -1 (whose cell reads empty).
func colIndex(col map[string]int, key string) int {
	if i, ok := col[key]; ok {
		return i
	}
	return -1
}

func dupKey(g, p, kp string, values map[string]string) string {
	var b strings.Builder
	b.WriteString(g + "\x00" + p + "\x00" + kp)
	for _, k := range ledger.SortedKeys(values) {
		b.WriteString("\x00" + k + "=" + values[k])
	}
	return b.String()
}

// writeLedgerRows inserts rows in batches in one transaction: client's when it is bound to
// one, else one of its own.
func writeLedgerRows(ctx context.Context, client *ent.Client, rows []ledgerRow, progress Progress) error {
	sys := authz.SystemContext(ctx, "write a checked ledger import")
	return store.InTx(sys, client, func(tx *ent.Client) error { return insertLedgerRows(sys, tx, rows, progress) })
}

// insertLedgerRows inserts rows through tx, a client bound to the import's transaction.
func insertLedgerRows(sys context.Context, tx *ent.Client, rows []ledgerRow, progress Progress) error {
	// The paths read when the file was checked may predate a move: copy the current ones.
	paths, err := gridtree.LockedPaths(sys, tx)
	if err != nil {
		return err
	}
	sys = gridtree.WithKnownPaths(sys, paths)
	for lo := 0; lo < len(rows); lo += importBatch {
		hi := min(lo+importBatch, len(rows))
		bulk := make([]*ent.LedgerEntryCreate, 0, hi-lo)
		for _, r := range rows[lo:hi] {
			bulk = append(bulk, tx.LedgerEntry.Create().SetItemTypeID(r.typeID).SetGridID(r.gridID).
				SetNillableKeyProjectID(r.kpID).SetPeriod(r.period).SetValues(r.values))
		}
		if err := tx.LedgerEntry.CreateBulk(bulk...).Exec(sys); err != nil {
			return fmt.Errorf("import ledgers: rows %d–%d: %w", lo+1, hi, err)
		}
		progress.report("written", hi, len(rows))
	}
	return nil
}
