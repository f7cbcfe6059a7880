package excel

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/internal/gridtree"
	"gridgov/internal/labels"
	"gridgov/internal/workcal"
)

// The roster workbook: grids, people and their role assignments, the way a sub-district
// hands over its organisation chart. Like ledger sheets, row 1 holds headings and row 2 the
// keys the import reads. People are keyed within the file (人员编号), not by database ids, so
// a roster moves between databases.
const (
	gridsSheet       = "网格"
	peopleSheet      = "人员"
	assignmentsSheet = "任职"
)

var (
	gridCols       = []column{{"code", "网格编码*"}, {"name", "名称*"}, {"kind", "类型*"}, {"parent_code", "上级网格编码"}, {"households", "户数"}, {"population", "人口"}, {"area_description", "四至范围"}, {"duties", "职责"}}
	personCols     = []column{{"key", "人员编号*"}, {"name", "姓名*"}, {"gender", "性别"}, {"phone", "联系电话"}, {"title", "职务"}, {"unit", "工作单位"}, {"party_member", "党员"}, {"grid_code", "所属网格编码*"}}
	assignmentCols = []column{{"person_key", "人员编号*"}, {"person_name", "姓名(不导入)"}, {"grid_code", "网格编码*"}, {"role", "角色*"}, {"duty", "具体职责"}, {"title", "职务"}, {"valid_from", "任职起始*"}, {"valid_to", "任职终止"}, {"end_reason", "终止原因"}}
)

type column struct{ key, label string }

func headersOf(cols []column) [][]any {
	labels, keys := make([]any, len(cols)), make([]any, len(cols))
	for i, c := range cols {
		labels[i], keys[i] = c.label, c.key
	}
	return [][]any{labels, keys}
}

// timeLayout is how times are written: local time (Asia/Shanghai) to the second.
const timeLayout = "2006-01-02 15:04:05"

func localTime(t time.Time) string { return t.In(workcal.Default().Location()).Format(timeLayout) }

// ExportRoster writes the grids visible in ctx (under rootID, when given), the people kept
// there and the assignments on them. Grids are ordered by level and code (parents first),
// people by home grid, name and phone.
func ExportRoster(ctx context.Context, client *ent.Client, w io.Writer, rootID *int) error {
	gq, pq, aq := client.Grid.Query(), client.Person.Query(), client.Assignment.Query()
	if rootID != nil {
		root, err := rootPath(ctx, client, *rootID)
		if err != nil {
			return err
		}
		gq = gq.Where(grid.PathHasPrefix(root))
		pq = pq.Where(person.GridPathHasPrefix(root))
		aq = aq.Where(assignment.GridPathHasPrefix(root))
	}
	grids, err := gq.Order(ent.Asc(grid.FieldLevel), ent.Asc(grid.FieldCode)).All(ctx)
	if err != nil {
		return fmt.Errorf("export roster: grids: %w", err)
	}
	codeOf := map[int]string{}
	for _, g := range grids {
		codeOf[g.ID] = g.Code
	}
	// Parents outside the export are named by code all the same, on the system's account:
	// the code of a parent is what an import needs to hang the subtree back.
	parentCodes := map[int]string{}
	var outside []int
	for _, g := range grids {
		if g.ParentID != 0 && codeOf[g.ParentID] == "" {
			outside = append(outside, g.ParentID)
		}
	}
	if len(outside) > 0 {
		ps, err := client.Grid.Query().Where(grid.IDIn(outside...)).All(authz.SystemContext(ctx, "name the parent of an exported subtree"))
		if err != nil {
			return err
		}
		for _, p := range ps {
			parentCodes[p.ID] = p.Code
		}
	}
	people, err := pq.All(ctx)
	if err != nil {
		return fmt.Errorf("export roster: people: %w", err)
	}
	people = slices.DeleteFunc(people, func(p *ent.Person) bool { return codeOf[p.GridID] == "" })
	slices.SortStableFunc(people, func(a, b *ent.Person) int {
		return cmp.Or(cmp.Compare(codeOf[a.GridID], codeOf[b.GridID]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Phone, b.Phone), cmp.Compare(a.ID, b.ID))
	})
	keyOf := map[int]string{}
	for i, p := range people {
		keyOf[p.ID] = fmt.Sprintf("P%05d", i+1)
	}
	as, err := aq.All(ctx)
	if err != nil {
		return fmt.Errorf("export roster: assignments: %w", err)
	}
	as = slices.DeleteFunc(as, func(a *ent.Assignment) bool { return keyOf[a.PersonID] == "" || codeOf[a.GridID] == "" })
	nameOf := map[int]string{}
	for _, p := range people {
		nameOf[p.ID] = p.Name
	}
	slices.SortStableFunc(as, func(a, b *ent.Assignment) int {
		return cmp.Or(cmp.Compare(codeOf[a.GridID], codeOf[b.GridID]), cmp.Compare(keyOf[a.PersonID], keyOf[b.PersonID]),
			cmp.Compare(a.Role, b.Role), a.ValidFrom.Compare(b.ValidFrom), cmp.Compare(a.ID, b.ID))
	})
	b, err := newBook()
	if err != nil {
		return err
	}
	tables := rosterTables()
	codes := make([]string, len(grids))
	for i, g := range grids {
		codes[i] = g.Code
	}
	b.setGridCodes(codes)
	if err := b.instructions("花名册导入说明 (roster)", []string{"本工作簿含网格、人员、任职三张表；导入时按网格编码、人员编号对应。"}, tables...); err != nil {
		return err
	}
	if err := b.table(tables[0], func(emit func([]any) error) error {
		for _, g := range grids {
			parent := codeOf[g.ParentID]
			if parent == "" {
				parent = parentCodes[g.ParentID]
			}
			if err := emit([]any{g.Code, g.Name, labels.For("GridKind", string(g.Kind)), parent, g.Households, g.Population, g.AreaDescription, g.Duties}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.table(tables[1], func(emit func([]any) error) error {
		for _, p := range people {
			if err := emit([]any{keyOf[p.ID], p.Name, labels.For("Gender", string(p.Gender)), p.Phone, p.Title, p.Unit, yesNo(p.PartyMember), codeOf[p.GridID]}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := b.table(tables[2], func(emit func([]any) error) error {
		for _, a := range as {
			duty, to := "", any(nil)
			if a.Duty != nil {
				duty = labels.For("Duty", string(*a.Duty))
			}
			if a.ValidTo != nil {
				to = *a.ValidTo
			}
			if err := emit([]any{keyOf[a.PersonID], nameOf[a.PersonID], codeOf[a.GridID], labels.For("Role", string(a.Role)), duty, a.Title, a.ValidFrom, to, a.EndReason}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return b.write(w)
}

// enumCell reads an enum cell given as its value (VILLAGE) or its zh-CN label (行政村).
func enumCell(enum, v string) (string, bool) {
	ls, _ := labels.Of(enum)
	for _, l := range ls {
		if v == l.Value || v == l.Label {
			return l.Value, true
		}
	}
	return "", false
}

func enumChoices(enum string) string {
	ls, _ := labels.Of(enum)
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Label
	}
	return strings.Join(out, "/")
}

// timeCell reads a time as written by the export (local), a local date, or an Excel serial.
func timeCell(v string) (time.Time, bool) {
	loc := workcal.Default().Location()
	for _, layout := range []string{timeLayout, "2006-01-02 15:04", time.DateOnly, time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC(), true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 {
		if t, err := excelize.ExcelDateToTime(f, false); err == nil {
			// A serial is a wall-clock time without a zone: read it as local.
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).UTC(), true
		}
	}
	return time.Time{}, false
}

// sheetReader reads a roster sheet: it checks the key row and finds columns by key.
type sheetReader struct {
	name string
	rows *rowReader
	col  map[string]int
	cols []string
	n    int
}

func openSheet(f *excelize.File, name string, want []column, probs *problems) (*sheetReader, error) {
	if idx, _ := f.GetSheetIndex(name); idx < 0 {
		probs.add(name, 0, "", "the workbook has no sheet %q: download the template", name)
		return nil, nil
	}
	rows, err := readRows(f, name)
	if err != nil {
		return nil, err
	}
	s := &sheetReader{name: name, rows: rows, col: map[string]int{}}
	keysRow, err := rows.keysRow()
	if err != nil {
		return nil, err
	}
	for i, k := range keysRow {
		if k != "" {
			s.col[k] = i
		}
	}
	for _, c := range want {
		if _, ok := s.col[c.key]; !ok && strings.HasSuffix(c.label, "*") {
			probs.add(name, 2, "", "row 2 lacks the key %q: download the template", c.key)
			rows.close()
			return nil, nil
		}
	}
	return s, nil
}

// next moves to the next non-empty row.
func (s *sheetReader) next() (bool, error) {
	for {
		cols, n, ok, err := s.rows.next()
		if err != nil || !ok {
			s.rows.close()
			return false, err
		}
		if !empty(cols) {
			s.cols, s.n = cols, n
			return true, nil
		}
	}
}

func (s *sheetReader) get(key string) string { return cell(s.cols, colIndex(s.col, key)) }

func (s *sheetReader) bad(probs *problems, key, format string, args ...any) {
	probs.add(s.name, s.n, colName(colIndex(s.col, key)), format, args...)
}

// text checks a text cell with the entity's validator.
func (s *sheetReader) text(probs *problems, key string, required bool, validate func(string) error) (string, bool) {
	v := s.get(key)
	if v == "" && required {
		s.bad(probs, key, "required")
		return "", false
	}
	if validate != nil && v != "" {
		if err := validate(v); err != nil {
			s.bad(probs, key, "%v", err)
			return "", false
		}
	}
	return v, true
}

// RosterSummary counts what a roster import wrote.
type RosterSummary struct{ Grids, People, Assignments int }

// ImportRoster checks the grids, people and assignments of a roster workbook, then writes
// them all in one transaction, or nothing. Grid codes must be new; a parent is named by code
// and must come earlier in the file or exist already. It runs on ctx's authority; the
// command line runs it on the system's account.
func ImportRoster(ctx context.Context, client *ent.Client, r io.ReaderAt, size int64, progress Progress) (*RosterSummary, error) {
	if err := authz.CheckPath(ctx, "/", authz.ObjGrid, authz.ActCreate, "only an administrator of the whole tree may import a roster"); err != nil {
		return nil, err
	}
	f, err := openBook(r, size)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	probs := &problems{}
	existing := map[string]*ent.Grid{}
	gs, err := client.Grid.Query().Select(grid.FieldID, grid.FieldCode, grid.FieldPath).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		existing[g.Code] = g
	}
	grids, err := readGrids(f, existing, probs)
	if err != nil {
		return nil, err
	}
	fileGrid := map[string]bool{}
	for _, g := range grids {
		fileGrid[g.code] = true
	}
	knownGrid := func(code string) bool { return fileGrid[code] || existing[code] != nil }
	people, err := readPeople(f, knownGrid, probs)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, p := range people {
		keys[p.key] = true
	}
	as, err := readAssignments(f, knownGrid, keys, probs)
	if err != nil {
		return nil, err
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	progress.report("checked", len(grids)+len(people)+len(as), len(grids)+len(people)+len(as))
	return writeRoster(ctx, client, existing, grids, people, as, progress)
}

type gridRow struct {
	code, name, parent, area, duties string
	kind                             grid.Kind
	households, population           int
}

func readGrids(f *excelize.File, existing map[string]*ent.Grid, probs *problems) ([]gridRow, error) {
	s, err := openSheet(f, gridsSheet, gridCols, probs)
	if err != nil || s == nil {
		return nil, err
	}
	var out []gridRow
	seen := map[string]int{}
	for {
		ok, err := s.next()
		if err != nil || !ok {
			return out, err
		}
		g := gridRow{parent: s.get("parent_code")}
		good := true
		var ok1, ok2, ok3, ok4 bool
		g.code, ok1 = s.text(probs, "code", true, grid.CodeValidator)
		g.name, ok2 = s.text(probs, "name", true, grid.NameValidator)
		g.area, ok3 = s.text(probs, "area_description", false, grid.AreaDescriptionValidator)
		g.duties, ok4 = s.text(probs, "duties", false, grid.DutiesValidator)
		good = ok1 && ok2 && ok3 && ok4
		if k, ok := enumCell("GridKind", s.get("kind")); ok {
			g.kind = grid.Kind(k)
		} else {
			s.bad(probs, "kind", "%q is not a grid kind: one of %s", s.get("kind"), enumChoices("GridKind"))
			good = false
		}
		for _, n := range []struct {
			key string
			dst *int
		}{{"households", &g.households}, {"population", &g.population}} {
			if v := s.get(n.key); v != "" {
				x, err := strconv.Atoi(v)
				if err != nil || x < 0 {
					s.bad(probs, n.key, "%q is not a whole number ≥ 0", v)
					good = false
				}
				*n.dst = x
			}
		}
		if first, dup := seen[g.code]; dup && g.code != "" {
			s.bad(probs, "code", "grid code %s repeats row %d", g.code, first)
			good = false
		} else if existing[g.code] != nil {
			s.bad(probs, "code", "grid code %s is already in the database", g.code)
			good = false
		}
		if g.parent != "" && seen[g.parent] == 0 && existing[g.parent] == nil {
			s.bad(probs, "parent_code", "unknown parent grid %q: it must exist or come on an earlier row", g.parent)
			good = false
		}
		seen[g.code] = s.n
		if good {
			out = append(out, g)
		}
	}
}

type personRow struct {
	key, name, phone, title, unit, grid string
	gender                              person.Gender
	party                               bool
}

func readPeople(f *excelize.File, knownGrid func(string) bool, probs *problems) ([]personRow, error) {
	s, err := openSheet(f, peopleSheet, personCols, probs)
	if err != nil || s == nil {
		return nil, err
	}
	var out []personRow
	seen := map[string]int{}
	for {
		ok, err := s.next()
		if err != nil || !ok {
			return out, err
		}
		p := personRow{gender: person.GenderUNSPECIFIED}
		var oks [6]bool
		p.key, oks[0] = s.text(probs, "key", true, nil)
		p.name, oks[1] = s.text(probs, "name", true, person.NameValidator)
		p.phone, oks[2] = s.text(probs, "phone", false, person.PhoneValidator)
		p.title, oks[3] = s.text(probs, "title", false, person.TitleValidator)
		p.unit, oks[4] = s.text(probs, "unit", false, person.UnitValidator)
		p.grid, oks[5] = s.text(probs, "grid_code", true, nil)
		good := !slices.Contains(oks[:], false)
		if v := s.get("gender"); v != "" {
			if g, ok := enumCell("Gender", v); ok {
				p.gender = person.Gender(g)
			} else {
				s.bad(probs, "gender", "%q is not one of %s", v, enumChoices("Gender"))
				good = false
			}
		}
		switch v := s.get("party_member"); v {
		case "", "否", "false", "0":
		case "是", "true", "1":
			p.party = true
		default:
			s.bad(probs, "party_member", "%q is not 是 or 否", v)
			good = false
		}
		if p.grid != "" && !knownGrid(p.grid) {
			s.bad(probs, "grid_code", "unknown grid code %q", p.grid)
			good = false
		}
		if first, dup := seen[p.key]; dup && p.key != "" {
			s.bad(probs, "key", "person key %s repeats row %d", p.key, first)
			good = false
		}
		seen[p.key] = s.n
		if good {
			out = append(out, p)
		}
	}
}

type assignmentRow struct {
	person, grid, title, reason string
	role                        assignment.Role
	duty                        *assignment.Duty
	from                        time.Time
	to                          *time.Time
}

func readAssignments(f *excelize.File, knownGrid func(string) bool, keys map[string]bool, probs *problems) ([]assignmentRow, error) {
	s, err := openSheet(f, assignmentsSheet, assignmentCols, probs)
	if err != nil || s == nil {
		return nil, err
	}
	var out []assignmentRow
	seen := map[string]int{}
	for {
		ok, err := s.next()
		if err != nil || !ok {
			return out, err
		}
		a := assignmentRow{person: s.get("person_key"), grid: s.get("grid_code")}
		good := true
		var ok1, ok2 bool
		a.title, ok1 = s.text(probs, "title", false, assignment.TitleValidator)
		a.reason, ok2 = s.text(probs, "end_reason", false, assignment.EndReasonValidator)
		good = ok1 && ok2
		if !keys[a.person] {
			s.bad(probs, "person_key", "unknown person %q: not on the %s sheet", a.person, peopleSheet)
			good = false
		}
		if !knownGrid(a.grid) {
			s.bad(probs, "grid_code", "unknown grid code %q", a.grid)
			good = false
		}
		if r, ok := enumCell("Role", s.get("role")); ok {
			a.role = assignment.Role(r)
		} else {
			s.bad(probs, "role", "%q is not a role: one of %s", s.get("role"), enumChoices("Role"))
			good = false
		}
		if v := s.get("duty"); v != "" {
			if d, ok := enumCell("Duty", v); ok {
				duty := assignment.Duty(d)
				a.duty = &duty
			} else {
				s.bad(probs, "duty", "%q is not a duty: one of %s", v, enumChoices("Duty"))
				good = false
			}
		}
		if t, ok := timeCell(s.get("valid_from")); ok {
			a.from = t
		} else {
			s.bad(probs, "valid_from", "%q is not a time (2026-01-05 08:00:00)", s.get("valid_from"))
			good = false
		}
		if v := s.get("valid_to"); v != "" {
			if t, ok := timeCell(v); ok && !t.Before(a.from) {
				a.to = &t
			} else {
				s.bad(probs, "valid_to", "%q is not a time after the start", v)
				good = false
			}
		}
		dup := strings.Join([]string{a.person, a.grid, string(a.role), s.get("duty"), s.get("valid_from")}, "\x00")
		if first, ok := seen[dup]; ok {
			probs.add(s.name, s.n, "", "duplicates row %d", first)
			good = false
		}
		seen[dup] = s.n
		if good {
			out = append(out, a)
		}
	}
}

func writeRoster(ctx context.Context, client *ent.Client, existing map[string]*ent.Grid, grids []gridRow, people []personRow, as []assignmentRow, progress Progress) (*RosterSummary, error) {
	sys := authz.SystemContext(ctx, "write a checked roster import")
	tx, err := client.Tx(sys)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*RosterSummary, error) {
		_ = tx.Rollback()
		return nil, err
	}
	// The paths read when the file was checked may predate a move: copy the current ones.
	paths, err := gridtree.LockedPaths(sys, tx.Client())
	if err != nil {
		return fail(err)
	}
	idOf := map[string]int{}
	for code, g := range existing {
		idOf[code] = g.ID
	}
	for i, g := range grids {
		b := tx.Grid.Create().SetCode(g.code).SetName(g.name).SetKind(g.kind).SetHouseholds(g.households).
			SetPopulation(g.population).SetAreaDescription(g.area).SetDuties(g.duties)
		if g.parent != "" {
			b.SetParentID(idOf[g.parent])
		}
		created, err := b.Save(sys)
		if err != nil {
			return fail(fmt.Errorf("import roster: grid %s: %w", g.code, err))
		}
		idOf[g.code], paths[created.ID] = created.ID, created.Path
		if (i+1)%500 == 0 {
			progress.report("grids written", i+1, len(grids))
		}
	}
	sys = gridtree.WithKnownPaths(sys, paths)
	personID := map[string]int{}
	for lo := 0; lo < len(people); lo += importBatch {
		hi := min(lo+importBatch, len(people))
		bulk := make([]*ent.PersonCreate, 0, hi-lo)
		for _, p := range people[lo:hi] {
			bulk = append(bulk, tx.Person.Create().SetName(p.name).SetGender(p.gender).SetPhone(p.phone).SetTitle(p.title).
				SetUnit(p.unit).SetPartyMember(p.party).SetGridID(idOf[p.grid]))
		}
		created, err := tx.Person.CreateBulk(bulk...).Save(sys)
		if err != nil {
			return fail(fmt.Errorf("import roster: people: %w", err))
		}
		for i, c := range created {
			personID[people[lo+i].key] = c.ID
		}
		progress.report("people written", hi, len(people))
	}
	for lo := 0; lo < len(as); lo += importBatch {
		hi := min(lo+importBatch, len(as))
		bulk := make([]*ent.AssignmentCreate, 0, hi-lo)
		for _, a := range as[lo:hi] {
			bulk = append(bulk, tx.Assignment.Create().SetPersonID(personID[a.person]).SetGridID(idOf[a.grid]).SetRole(a.role).
				SetNillableDuty(a.duty).SetTitle(a.title).SetValidFrom(a.from).SetNillableValidTo(a.to).SetEndReason(a.reason))
		}
		if err := tx.Assignment.CreateBulk(bulk...).Exec(sys); err != nil {
			return fail(fmt.Errorf("import roster: assignments: %w", err))
		}
		progress.report("assignments written", hi, len(as))
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &RosterSummary{Grids: len(grids), People: len(people), Assignments: len(as)}, nil
}
