package excel

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/keyproject"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/person"
	"gridgov/ent/schema/ledgerfield"
	"gridgov/internal/gridtree"
	"gridgov/internal/ledger"
	"gridgov/internal/store"
)

// A ledger import is an upsert like a roster import: a row whose 台账编号 (entry code) names
// an entry changes that entry, field by field, keeping its old values as a revision; a row
// without one, or with a code no entry has yet (a workbook exported from another database),
// adds an entry. The plan is computed first and applied in one transaction only when asked
// and only when no row is refused. Nothing is deleted: the entries of the file's grids and
// periods that the file does not list are reported as not in the file.

// LedgerOptions are the choices of a ledger import.
type LedgerOptions struct {
	// DryRun computes the plan and writes nothing.
	DryRun   bool
	Progress Progress
}

// importBatch is how many rows go into one INSERT (SQLite allows 32,766 bound values).
const importBatch = 1000

// ledgerRow is a checked row of a ledger sheet.
type ledgerRow struct {
	sheet string
	row   int
	code  string // the entry code given, "" for a new entry numbered on create
	// codeCol and gridCol are the columns of the entry and grid codes, for refusals.
	codeCol, gridCol string
	t                *ent.LedgerItemType
	grid             *ent.Grid
	kpID             *int
	kp               string // the key project's code
	period           string
	values           map[string]string
}

// key names the row in a plan: its entry code, or where it goes.
func (r ledgerRow) key() string {
	if r.code != "" {
		return r.code
	}
	return strings.TrimRight(r.grid.Code+" "+r.period+" "+r.kp, " ")
}

// ImportLedgers checks and plans every row of every ledger sheet, then, only if no row is
// refused, applies the plan in one transaction. It runs with ctx's authority: grids, key
// projects and people are looked up in its scope (the command line runs on the system's
// account).
func ImportLedgers(ctx context.Context, client *ent.Client, r io.ReaderAt, size int64, progress Progress) (*Plan, error) {
	return ImportLedgersWith(ctx, client, r, size, LedgerOptions{Progress: progress})
}

// ImportLedgersWith is ImportLedgers with options: with DryRun it computes the plan and
// writes nothing. A file with refused rows returns the plan so far and an *ImportError
// listing every refusal. The plan is written in client's transaction when it is bound to one
// (a GraphQL mutation's), else in one of its own.
func ImportLedgersWith(ctx context.Context, client *ent.Client, r io.ReaderAt, size int64, opts LedgerOptions) (*Plan, error) {
	if err := authz.RequireActor(ctx); err != nil {
		return nil, err
	}
	f, err := openBook(r, size)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lp, err := newLedgerPlanner(ctx, client, opts)
	if err != nil {
		return nil, err
	}
	var rows []ledgerRow
	for _, sheet := range f.GetSheetList() {
		if sheet == instructionsSheet || sheet == listsSheet {
			continue
		}
		t := lp.types[sheet]
		if t == nil {
			lp.probs.add(sheet, 0, "", "no ledger item type with code %q (each sheet is named by its type's code)", sheet)
			continue
		}
		if !t.Active {
			lp.probs.add(sheet, 0, "", "ledger item type %s is retired", sheet)
			continue
		}
		lp.plan.Sheets = append(lp.plan.Sheets, sheet)
		sr, err := readRows(f, sheet)
		if err != nil {
			return nil, err
		}
		err = lp.readSheet(sr, t, func(r ledgerRow) {
			rows = append(rows, r)
			if len(rows)%5000 == 0 {
				opts.Progress.report("checked", len(rows), 0)
			}
		})
		sr.close()
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", sheet, err)
		}
	}
	if err := lp.planRows(rows); err != nil {
		return nil, err
	}
	opts.Progress.report("checked", len(rows), len(rows))
	if err := lp.probs.err(); err != nil {
		return lp.plan, err
	}
	if opts.DryRun {
		return lp.plan, nil
	}
	sys := authz.SystemContext(ctx, "write a checked ledger import")
	if err := store.InTx(sys, client, func(tx *ent.Client) error { return lp.write(sys, tx) }); err != nil {
		return lp.plan, err
	}
	lp.plan.Applied = true
	return lp.plan, nil
}

// ledgerPlanner reads ledger sheets, plans their rows and writes the plan.
type ledgerPlanner struct {
	ctx    context.Context // the importer's: lookups that must stay in their scope
	sys    context.Context // the system's: lookups of keys, whose rights are checked here
	client *ent.Client
	opts   LedgerOptions
	can    func(path, obj, act string) bool
	actor  int // the importing person, 0 for the system
	probs  *problems
	plan   *Plan

	types     map[string]*ent.LedgerItemType // by code
	grids     map[string]*ent.Grid           // by code
	gridCode  map[int]string
	kps       map[string]int // key project ids by code
	kpCode    map[int]string
	people    map[int]bool      // person ids visible to the importer
	personID  map[string]string // person cell (a code) → the id the entry keeps
	personOut map[string]string // person id → its code, for the plan

	creates []ledgerRow
	updates []ledgerUpdate
}

// ledgerUpdate is an existing entry and what a row makes of it.
type ledgerUpdate struct {
	entry *ent.LedgerEntry
	row   ledgerRow
}

func newLedgerPlanner(ctx context.Context, client *ent.Client, opts LedgerOptions) (*ledgerPlanner, error) {
	lp := &ledgerPlanner{ctx: ctx, sys: authz.SystemContext(ctx, "plan a ledger import"), client: client, opts: opts,
		can: canIn(ctx), probs: &problems{}, plan: &Plan{Unchanged: map[string]int{}},
		types: map[string]*ent.LedgerItemType{}, grids: map[string]*ent.Grid{}, gridCode: map[int]string{},
		kps: map[string]int{}, kpCode: map[int]string{}, people: map[int]bool{}, personID: map[string]string{},
		personOut: map[string]string{}}
	if v := authz.FromContext(ctx); v != nil {
		lp.actor = v.PersonID
	}
	all, err := client.LedgerItemType.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		lp.types[t.Code] = t
	}
	// Grids and key projects are read on the system's account: rights are checked row by row
	// where the entry is, and a row naming a grid outside the scope is told so.
	gs, err := client.Grid.Query().Select(grid.FieldID, grid.FieldCode, grid.FieldPath).All(lp.sys)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		lp.grids[g.Code], lp.gridCode[g.ID] = g, g.Code
	}
	ps, err := client.KeyProject.Query().Select(keyproject.FieldID, keyproject.FieldCode).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		lp.kps[p.Code], lp.kpCode[p.ID] = p.ID, p.Code
	}
	return lp, nil
}

// personOK reports whether the importer may name the person with id in an entry.
func (lp *ledgerPlanner) personOK(id int) bool {
	ok, seen := lp.people[id]
	if !seen {
		ok, _ = lp.client.Person.Query().Where(person.ID(id)).Exist(lp.ctx)
		lp.people[id] = ok
	}
	return ok
}

// personByCode turns a person cell into the id an entry keeps: a person code (人员编号), as
// exports write it, is looked up in the importer's scope; an id, as earlier exports wrote,
// stays. One not found stays as it is, and the field check refuses it.
func (lp *ledgerPlanner) personByCode(v string) string {
	if _, err := strconv.Atoi(v); v == "" || err == nil {
		return v
	}
	id, ok := lp.personID[v]
	if !ok {
		id = v
		if found, err := lp.client.Person.Query().Where(person.PersonCode(v)).OnlyID(lp.ctx); err == nil {
			id = strconv.Itoa(found)
			lp.personOut[id] = v
		}
		lp.personID[v] = id
	}
	return id
}

// readSheet checks the rows of one sheet on their own and hands on the good ones.
func (lp *ledgerPlanner) readSheet(rows *rowReader, t *ent.LedgerItemType, keep func(ledgerRow)) error {
	sheet, probs := t.Code, lp.probs
	keysRow, err := rows.keysRow(ledgerTable(t).cols)
	if err != nil {
		return err
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
		return nil
	}
	fieldCol := map[string]string{}
	for _, f := range t.Fields {
		if i, ok := col[f.Key]; ok {
			fieldCol[f.Key] = colName(i)
		}
	}
	seen, seenCode := map[string]int{}, map[string]int{}
	for {
		cols, n, ok, err := rows.next()
		if err != nil || !ok {
			return err
		}
		if empty(cols) {
			continue
		}
		bad := false
		at := func(key string) string { return cell(cols, colIndex(col, key)) }
		g := lp.grids[at("grid_code")]
		if g == nil {
			probs.add(sheet, n, colName(col["grid_code"]), "unknown grid code %q", at("grid_code"))
			bad = true
		}
		period := at("period")
		if err := ledger.CheckPeriod(t.Period, period); err != nil {
			probs.add(sheet, n, colName(colIndex(col, "period")), "%s", err.Error())
			bad = true
		}
		var kpID *int
		if code := at("key_project"); code != "" {
			if id, ok := lp.kps[code]; ok {
				kpID = &id
			} else {
				probs.add(sheet, n, colName(col["key_project"]), "unknown key project %q", code)
				bad = true
			}
		}
		code := at("entry_code")
		if first, ok := seenCode[code]; ok && code != "" {
			probs.add(sheet, n, colName(col["entry_code"]), "entry code %s is given twice (row %d too)", code, first)
			bad = true
		}
		raw := make(map[string]string, len(t.Fields))
		for _, f := range t.Fields {
			v := at(f.Key)
			switch f.Type {
			case ledgerfield.Date:
				v = dateCell(v)
			case ledgerfield.Person:
				v = lp.personByCode(v)
			}
			raw[f.Key] = v
		}
		values, fps := ledgerfield.Check(t.Fields, raw, lp.personOK)
		for _, p := range fps {
			probs.add(sheet, n, fieldCol[p.Key], "%s", p.Error())
			bad = true
		}
		if bad {
			continue
		}
		if code != "" {
			seenCode[code] = n
		} else {
			dup := dupKey(g.Code, period, at("key_project"), values)
			if first, ok := seen[dup]; ok {
				probs.add(sheet, n, "", "duplicates row %d", first)
				continue
			}
			seen[dup] = n
		}
		keep(ledgerRow{sheet: sheet, row: n, code: code, codeCol: colName(colIndex(col, "entry_code")), gridCol: colName(col["grid_code"]), t: t, grid: g, kpID: kpID, kp: at("key_project"), period: period, values: values})
	}
}

// colIndex is the column of key, or -1 (whose cell reads empty).
func colIndex(col map[string]int, key string) int {
	if i, ok := col[key]; ok {
		return i
	}
	return -1
}

// dupKey is what makes two new entries the same: where they go and every value.
func dupKey(g, p, kp string, values map[string]string) string {
	var b strings.Builder
	b.WriteString(g + "\x00" + p + "\x00" + kp)
	for _, k := range ledger.SortedKeys(values) {
		b.WriteString("\x00" + k + "=" + values[k])
	}
	return b.String()
}

// planRows matches the rows with the entries they name, and compares.
func (lp *ledgerPlanner) planRows(rows []ledgerRow) error {
	byCode, err := lp.entriesByCode(rows)
	if err != nil {
		return err
	}
	kept, err := lp.entriesOfFile(rows)
	if err != nil {
		return err
	}
	same := map[string]string{} // dupKey → code of an entry already there
	for _, e := range kept {
		same[lp.entryDupKey(e)] = deref(e.EntryCode)
	}
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.code] = true
		codeCol := r.codeCol
		e := byCode[r.code]
		switch {
		case e == nil:
			if !lp.can(r.grid.Path, authz.ObjLedger, authz.ActCreate) {
				lp.probs.add(r.sheet, r.row, r.gridCol, "your role on grid %s does not allow adding ledger entries", r.grid.Code)
				continue
			}
			if r.code == "" {
				if c, ok := same[dupKey(r.grid.Code, r.period, r.kp, r.values)]; ok {
					lp.probs.add(r.sheet, r.row, codeCol, "the same entry is already there as %s: put its code in 台账编号 to change it, or leave the row out", c)
					continue
				}
			}
			lp.creates = append(lp.creates, r)
			lp.plan.Creates = append(lp.plan.Creates, PlanRow{Sheet: r.sheet, Row: r.row, Key: r.key()})
		case !lp.can(e.GridPath, authz.ObjLedger, authz.ActUpdate):
			lp.probs.add(r.sheet, r.row, codeCol, "entry %s: not found or outside your scope", r.code)
		case e.ItemTypeID != r.t.ID:
			lp.probs.add(r.sheet, r.row, codeCol, "entry %s is kept on another sheet (another ledger item type): an import does not change an entry's type", r.code)
		case e.GridID != r.grid.ID && !lp.can(r.grid.Path, authz.ObjLedger, authz.ActCreate):
			lp.probs.add(r.sheet, r.row, r.gridCol, "your role on grid %s does not allow adding ledger entries", r.grid.Code)
		default:
			cs := lp.changes(e, r)
			if len(cs) == 0 {
				lp.plan.Unchanged[r.sheet]++
				continue
			}
			lp.updates = append(lp.updates, ledgerUpdate{entry: e, row: r})
			lp.plan.Changes = append(lp.plan.Changes, PlanRow{Sheet: r.sheet, Row: r.row, Key: r.code, Changes: cs})
		}
	}
	for _, e := range kept {
		if c := deref(e.EntryCode); !listed[c] {
			lp.plan.NotInFileTotal++
			if len(lp.plan.NotInFile) < maxProblems {
				where := strings.TrimSpace(lp.gridCode[e.GridID] + " " + e.Period)
				lp.plan.NotInFile = append(lp.plan.NotInFile, fmt.Sprintf("%s (%s)", c, where))
			}
		}
	}
	return nil
}

// entriesByCode loads the entries the rows name by code (on the system's account: each is
// checked against the importer's rights where it is).
func (lp *ledgerPlanner) entriesByCode(rows []ledgerRow) (map[string]*ent.LedgerEntry, error) {
	var codes []string
	for _, r := range rows {
		if r.code != "" {
			codes = append(codes, r.code)
		}
	}
	out := map[string]*ent.LedgerEntry{}
	err := inBatches(codes, func(b []string) error {
		es, err := lp.client.LedgerEntry.Query().Where(ledgerentry.EntryCodeIn(b...)).All(lp.sys)
		for _, e := range es {
			out[*e.EntryCode] = e
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("import ledgers: entries by code: %w", err)
	}
	return out, nil
}

// entriesOfFile loads the entries the importer may see of the file's item types, grids and
// periods: a new row the same as one of them is refused, and those the file does not list
// are reported.
func (lp *ledgerPlanner) entriesOfFile(rows []ledgerRow) ([]*ent.LedgerEntry, error) {
	type where struct{ typeID, gridID int }
	periods := map[where]map[string]bool{}
	for _, r := range rows {
		w := where{r.t.ID, r.grid.ID}
		if periods[w] == nil {
			periods[w] = map[string]bool{}
		}
		periods[w][r.period] = true
	}
	byType := map[int][]int{}
	for w := range periods {
		byType[w.typeID] = append(byType[w.typeID], w.gridID)
	}
	var out []*ent.LedgerEntry
	for typeID, gridIDs := range byType {
		err := inBatches(gridIDs, func(b []int) error {
			es, err := lp.client.LedgerEntry.Query().Where(ledgerentry.ItemTypeID(typeID), ledgerentry.GridIDIn(b...)).
				Order(ent.Asc(ledgerentry.FieldID)).All(lp.ctx)
			for _, e := range es {
				if periods[where{typeID, e.GridID}][e.Period] {
					out = append(out, e)
				}
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("import ledgers: entries of the file's grids: %w", err)
		}
	}
	return out, nil
}

func (lp *ledgerPlanner) entryDupKey(e *ent.LedgerEntry) string {
	kp := ""
	if e.KeyProjectID != nil {
		kp = lp.kpCode[*e.KeyProjectID]
	}
	return dupKey(lp.gridCode[e.GridID], e.Period, kp, e.Values)
}

// changes lists what row r changes of entry e, by the sheet's headings, values as the sheet
// shows them.
func (lp *ledgerPlanner) changes(e *ent.LedgerEntry, r ledgerRow) []Change {
	var cs []Change
	cs = changed(cs, "网格编码", lp.gridCode[e.GridID], r.grid.Code)
	cs = changed(cs, "期间", e.Period, r.period)
	kp := ""
	if e.KeyProjectID != nil {
		kp = lp.kpCode[*e.KeyProjectID]
	}
	cs = changed(cs, "重点项目编码", kp, r.kp)
	for _, f := range r.t.Fields {
		cs = changed(cs, f.Label, lp.shown(f, e.Values[f.Key]), lp.shown(f, r.values[f.Key]))
	}
	return cs
}

// shown is a canonical value as a sheet shows it: a person by code, a boolean as 是/否.
func (lp *ledgerPlanner) shown(f ledgerfield.Def, v string) string {
	if f.Type == ledgerfield.Person && v != "" {
		c, ok := lp.personOut[v]
		if !ok {
			c = v
			if id, err := strconv.Atoi(v); err == nil {
				if p, err := lp.client.Person.Query().Where(person.ID(id)).Select(person.FieldPersonCode).Only(lp.sys); err == nil {
					c = code(p)
				}
			}
			lp.personOut[v] = c
		}
		return c
	}
	if x := cellValue(f, v); x != nil {
		return fmt.Sprint(x)
	}
	return ""
}

// write applies the plan through tx, a client bound to the import's transaction.
func (lp *ledgerPlanner) write(sys context.Context, tx *ent.Client) error {
	// The paths read when the file was checked may predate a move: copy the current ones.
	paths, err := gridtree.LockedPaths(sys, tx)
	if err != nil {
		return err
	}
	sys = gridtree.WithKnownPaths(sys, paths)
	progress, rows := lp.opts.Progress, lp.creates
	for lo := 0; lo < len(rows); lo += importBatch {
		hi := min(lo+importBatch, len(rows))
		bulk := make([]*ent.LedgerEntryCreate, 0, hi-lo)
		for _, r := range rows[lo:hi] {
			b := tx.LedgerEntry.Create().SetItemTypeID(r.t.ID).SetGridID(r.grid.ID).
				SetNillableKeyProjectID(r.kpID).SetPeriod(r.period).SetValues(r.values)
			if r.code != "" {
				b.SetEntryCode(r.code)
			}
			if lp.actor != 0 {
				b.SetCreatedByID(lp.actor).SetUpdatedByID(lp.actor)
			}
			bulk = append(bulk, b)
		}
		if err := tx.LedgerEntry.CreateBulk(bulk...).Exec(sys); err != nil {
			return fmt.Errorf("import ledgers: rows %d–%d: %w", lo+1, hi, err)
		}
		progress.report("written", hi, len(rows))
	}
	for i, u := range lp.updates {
		to := ledger.Revised{GridID: u.row.grid.ID, KeyProjectID: u.row.kpID, Period: u.row.period, Values: u.row.values}
		if _, err := ledger.Revise(sys, tx, u.entry, to, lp.actor); err != nil {
			return fmt.Errorf("import ledgers: %s row %d (%s): %w", u.row.sheet, u.row.row, u.row.code, err)
		}
		if (i+1)%500 == 0 {
			progress.report("changed", i+1, len(lp.updates))
		}
	}
	return nil
}

// deref is the string s points to, "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
