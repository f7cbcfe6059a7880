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
	"gridgov/internal/labels"
	"gridgov/internal/workcal"
)

// The roster workbook: grids, people and their role assignments, the way a sub-district
// hands over its organisation chart. Like ledger sheets, row 1 holds headings and row 2 the
// keys the import reads. People are keyed by their person code (人员编号), not by database
// ids or row positions, so a roster moves between databases and an edited export updates the
// people it lists (see ImportRoster).
const (
	gridsSheet       = "网格"
	peopleSheet      = "人员"
	assignmentsSheet = "任职"
)

var (
	gridCols       = []column{{"code", "网格编码*"}, {"name", "名称*"}, {"kind", "类型*"}, {"parent_code", "上级网格编码"}, {"households", "户数"}, {"population", "人口"}, {"area_description", "四至范围"}, {"duties", "职责"}}
	personCols     = []column{{"key", "人员编号"}, {"name", "姓名*"}, {"gender", "性别"}, {"phone", "联系电话"}, {"title", "职务"}, {"unit", "工作单位"}, {"party_member", "党员"}, {"grid_code", "所属网格编码*"}}
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
	// People are keyed by their person code, which an import matches on.
	keyOf := map[int]string{}
	for _, p := range people {
		keyOf[p.ID] = code(p)
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
	keysRow, err := rows.keysRow(want)
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
