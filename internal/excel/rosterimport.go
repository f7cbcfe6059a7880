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
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/internal/gridtree"
	"gridgov/internal/labels"
	"gridgov/internal/store"
)

// A roster import is an upsert: grids are matched on their code, people on their person code
// (人员编号), assignments on (person, grid, role, duty, start). It first computes a plan —
// what it creates, what it changes field by field, what is unchanged, what it refuses and
// why — and applies it in one transaction only when asked and only when nothing is refused.
// It never deletes: a person missing from the file is reported, and a role ends only through
// its 任职终止 column.

// RosterOptions are the choices of a roster import.
type RosterOptions struct {
	// DryRun computes the plan and writes nothing.
	DryRun bool
	// ConfirmDuplicates creates the new people who look like someone already there (same
	// name and phone, or same name in the same grid), which are refused otherwise.
	ConfirmDuplicates bool
	Progress          Progress
}

// Change is one field an import changes, as the sheet shows it.
type Change struct{ Field, Old, New string }

// PlanRow is a row an import creates or changes.
type PlanRow struct {
	Sheet string
	Row   int
	// Key names the row: a grid code, a person code, or person/grid/role/start.
	Key string
	// Changes are the fields changed; none for a row created.
	Changes []Change
}

// Plan is what an import does, or with DryRun would do.
type Plan struct {
	// Sheets are the sheets planned, in their order.
	Sheets           []string
	Creates, Changes []PlanRow
	// Unchanged counts, by sheet, the rows that are as the database has them.
	Unchanged map[string]int
	// NotInFile are the rows the database keeps where the file is about (people of its grids,
	// entries of its grids and periods) that the file does not list; nothing happens to them.
	// At most maxProblems, of NotInFileTotal.
	NotInFile      []string
	NotInFileTotal int
	// Applied is true once the plan has been written.
	Applied bool
}

// Count returns how many rows of sheet the plan creates, changes and leaves unchanged.
func (p *Plan) Count(sheet string) (creates, changes, unchanged int) {
	for _, r := range p.Creates {
		if r.Sheet == sheet {
			creates++
		}
	}
	for _, r := range p.Changes {
		if r.Sheet == sheet {
			changes++
		}
	}
	return creates, changes, p.Unchanged[sheet]
}

// RosterSheets are the sheets of a roster workbook, in their order.
var RosterSheets = []string{gridsSheet, peopleSheet, assignmentsSheet}

// Summary is one line per sheet: what the plan creates, changes and leaves.
func (p *Plan) Summary() string {
	var b strings.Builder
	for _, s := range p.Sheets {
		c, ch, u := p.Count(s)
		fmt.Fprintf(&b, "%s: %d new, %d changed, %d unchanged\n", s, c, ch, u)
	}
	if n := len(p.Creates) + len(p.Changes); n == 0 {
		b.WriteString("0 changes\n")
	}
	return b.String()
}

// ImportRoster reads a roster workbook and plans its import (see Plan); unless
// opts.DryRun, it then applies the plan in one transaction. A file with refused rows returns
// the plan so far and an *ImportError listing every refusal, and writes nothing. It runs on
// ctx's authority, row by row: a village official imports for their village, and every row
// outside it is refused (the command line runs on the system's account, which may do all).
func ImportRoster(ctx context.Context, client *ent.Client, r io.ReaderAt, size int64, opts RosterOptions) (*Plan, error) {
	if !authz.IsSystem(ctx) {
		if _, err := authz.Require(ctx); err != nil {
			return nil, err
		}
	}
	f, err := openBook(r, size)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	probs := &problems{}
	sys := authz.SystemContext(ctx, "plan a roster import")
	db, err := loadRosterState(sys, client)
	if err != nil {
		return nil, err
	}
	grids, err := readGrids(f, db.grids, probs)
	if err != nil {
		return nil, err
	}
	fileGrid := map[string]bool{}
	for _, g := range grids {
		fileGrid[g.code] = true
	}
	knownGrid := func(code string) bool { return fileGrid[code] || db.grids[code] != nil }
	people, err := readPeople(f, knownGrid, probs)
	if err != nil {
		return nil, err
	}
	as, err := readAssignments(f, knownGrid, probs)
	if err != nil {
		return nil, err
	}
	pl := &planner{db: db, plan: &Plan{Sheets: RosterSheets, Unchanged: map[string]int{}}, probs: probs, opts: opts, can: canIn(ctx)}
	pl.planGrids(grids)
	if err := pl.planPeople(sys, client, people); err != nil {
		return nil, err
	}
	if err := pl.planAssignments(sys, client, as); err != nil {
		return nil, err
	}
	if err := pl.notInFile(sys, client, grids, people); err != nil {
		return nil, err
	}
	total := len(grids) + len(people) + len(as)
	opts.Progress.report("checked", total, total)
	if err := probs.err(); err != nil {
		return pl.plan, err
	}
	if opts.DryRun {
		return pl.plan, nil
	}
	if err := pl.apply(ctx, client); err != nil {
		return pl.plan, err
	}
	pl.plan.Applied = true
	return pl.plan, nil
}

// rosterState is what the database holds that a roster import compares with.
type rosterState struct {
	grids  map[string]*ent.Grid // by code
	codeOf map[int]string       // grid code by id
}

func loadRosterState(ctx context.Context, client *ent.Client) (*rosterState, error) {
	gs, err := client.Grid.Query().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("import roster: grids: %w", err)
	}
	st := &rosterState{grids: map[string]*ent.Grid{}, codeOf: map[int]string{}}
	for _, g := range gs {
		st.grids[g.Code], st.codeOf[g.ID] = g, g.Code
	}
	return st, nil
}

// canIn reports what the viewer of ctx may do where; the system's account may do all.
func canIn(ctx context.Context) func(path, obj, act string) bool {
	if authz.IsSystem(ctx) {
		return func(string, string, string) bool { return true }
	}
	v := authz.FromContext(ctx)
	return func(path, obj, act string) bool { return v != nil && v.Can(path, obj, act) }
}

// planner builds a roster import's Plan and keeps what applying it needs.
type planner struct {
	db    *rosterState
	plan  *Plan
	probs *problems
	opts  RosterOptions
	can   func(path, obj, act string) bool
	// newParent is the parent code of each grid the file creates: a new grid is checked
	// where its nearest existing ancestor is.
	newParent map[string]string

	newGrids    []gridRow
	gridUpdates map[int]gridRow // by grid id
	newPeople   []personRow
	personUps   map[int]personRow // by person id
	personID    map[string]int    // existing people by code
	newAssigns  []assignmentRow
	assignUps   map[int]assignmentRow // by assignment id
}

// changed appends a change of field when old and new differ.
func changed(cs []Change, field, old, new string) []Change {
	if old != new {
		return append(cs, Change{Field: field, Old: old, New: new})
	}
	return cs
}

func (pl *planner) created(sheet string, row int, key string) {
	pl.plan.Creates = append(pl.plan.Creates, PlanRow{Sheet: sheet, Row: row, Key: key})
}

func (pl *planner) changedOrNot(sheet string, row int, key string, cs []Change) bool {
	if len(cs) == 0 {
		pl.plan.Unchanged[sheet]++
		return false
	}
	pl.plan.Changes = append(pl.plan.Changes, PlanRow{Sheet: sheet, Row: row, Key: key, Changes: cs})
	return true
}

// pathFor is the path where rights over the grid with code are checked: its own when it
// exists, else its nearest existing ancestor's ("/" for a new root).
func (pl *planner) pathFor(code string) string {
	for range 64 { // deeper than any tree: a cycle in the file cannot loop forever
		if g := pl.db.grids[code]; g != nil {
			return g.Path
		}
		parent, ok := pl.newParent[code]
		if !ok || parent == "" {
			return "/"
		}
		code = parent
	}
	return "/"
}

// outside refuses a row the viewer may not write.
func (pl *planner) outside(sheet string, row int, col, what string) {
	pl.probs.add(sheet, row, col, "%s: not found or outside your scope", what)
}

func (pl *planner) planGrids(rows []gridRow) {
	pl.gridUpdates, pl.newParent = map[int]gridRow{}, map[string]string{}
	for _, g := range rows {
		if pl.db.grids[g.code] == nil {
			pl.newParent[g.code] = g.parent
		}
	}
	for _, g := range rows {
		e := pl.db.grids[g.code]
		if e == nil {
			// A new root (no parent) is checked at "/", where pathFor puts it.
			if !pl.can(pl.pathFor(g.parent), authz.ObjGrid, authz.ActCreate) {
				pl.outside(gridsSheet, g.row, "D", "the parent grid "+cmp.Or(g.parent, "(none: a new root)"))
				continue
			}
			pl.newGrids = append(pl.newGrids, g)
			pl.created(gridsSheet, g.row, g.code)
			continue
		}
		if !pl.can(e.Path, authz.ObjGrid, authz.ActUpdate) {
			pl.outside(gridsSheet, g.row, "A", "grid "+g.code)
			continue
		}
		if e.Kind != g.kind {
			pl.probs.add(gridsSheet, g.row, "C", "grid %s is a %s: an import does not change the kind of a grid", g.code, labels.For("GridKind", string(e.Kind)))
			continue
		}
		if parent := pl.db.codeOf[e.ParentID]; parent != g.parent {
			pl.probs.add(gridsSheet, g.row, "D", "grid %s sits under %q: move it with moveGrid, not by import", g.code, parent)
			continue
		}
		var cs []Change
		cs = changed(cs, "名称", e.Name, g.name)
		cs = changed(cs, "户数", strconv.Itoa(e.Households), strconv.Itoa(g.households))
		cs = changed(cs, "人口", strconv.Itoa(e.Population), strconv.Itoa(g.population))
		cs = changed(cs, "四至范围", e.AreaDescription, g.area)
		cs = changed(cs, "职责", e.Duties, g.duties)
		if pl.changedOrNot(gridsSheet, g.row, g.code, cs) {
			pl.gridUpdates[e.ID] = g
		}
	}
}

// lookupBatch bounds the values of one IN (…) lookup.
const lookupBatch = 1000

// inBatches runs f over vs in slices of at most lookupBatch.
func inBatches[T any](vs []T, f func([]T) error) error {
	for lo := 0; lo < len(vs); lo += lookupBatch {
		if err := f(vs[lo:min(lo+lookupBatch, len(vs))]); err != nil {
			return err
		}
	}
	return nil
}

func (pl *planner) planPeople(ctx context.Context, client *ent.Client, rows []personRow) error {
	pl.personUps, pl.personID = map[int]personRow{}, map[string]int{}
	var codes, newNames []string
	for _, p := range rows {
		if p.key != "" {
			codes = append(codes, p.key)
		} else {
			newNames = append(newNames, p.name)
		}
	}
	existing := map[string]*ent.Person{}
	if err := inBatches(codes, func(b []string) error {
		ps, err := client.Person.Query().Where(person.PersonCodeIn(b...)).All(ctx)
		for _, p := range ps {
			existing[*p.PersonCode] = p
		}
		return err
	}); err != nil {
		return fmt.Errorf("import roster: people: %w", err)
	}
	// New people without a code who look like someone already there, or like each other.
	namesakes := map[string][]*ent.Person{}
	if err := inBatches(newNames, func(b []string) error {
		ps, err := client.Person.Query().Where(person.NameIn(b...)).All(ctx)
		for _, p := range ps {
			namesakes[p.Name] = append(namesakes[p.Name], p)
		}
		return err
	}); err != nil {
		return fmt.Errorf("import roster: people: %w", err)
	}
	seenNew := map[string]int{}
	for _, p := range rows {
		e := existing[p.key]
		switch {
		case e == nil && !pl.can(pl.pathFor(p.grid), authz.ObjPerson, authz.ActCreate):
			pl.outside(peopleSheet, p.row, "H", "grid "+p.grid)
			continue
		case e != nil && !pl.can(e.GridPath, authz.ObjPerson, authz.ActUpdate):
			pl.outside(peopleSheet, p.row, "A", "person "+p.key)
			continue
		case e != nil && pl.db.codeOf[e.GridID] != p.grid && !pl.can(pl.pathFor(p.grid), authz.ObjPerson, authz.ActCreate):
			pl.outside(peopleSheet, p.row, "H", "grid "+p.grid)
			continue
		}
		if e == nil {
			if p.key == "" && !pl.opts.ConfirmDuplicates {
				if why := pl.lookalike(p, namesakes[p.name], seenNew); why != "" {
					pl.probs.add(peopleSheet, p.row, "B", "%s %s: give the code in 人员编号 to update that person, or import with --confirm-duplicates to add a new one", p.name, why)
					continue
				}
			}
			pl.newPeople = append(pl.newPeople, p)
			pl.created(peopleSheet, p.row, cmp.Or(p.key, p.name))
			continue
		}
		pl.personID[p.key] = e.ID
		var cs []Change
		cs = changed(cs, "姓名", e.Name, p.name)
		cs = changed(cs, "性别", labels.For("Gender", string(e.Gender)), labels.For("Gender", string(p.gender)))
		cs = changed(cs, "联系电话", e.Phone, p.phone)
		cs = changed(cs, "职务", e.Title, p.title)
		cs = changed(cs, "工作单位", e.Unit, p.unit)
		cs = changed(cs, "党员", yesNo(e.PartyMember), yesNo(p.party))
		cs = changed(cs, "所属网格编码", pl.db.codeOf[e.GridID], p.grid)
		if pl.changedOrNot(peopleSheet, p.row, p.key, cs) {
			pl.personUps[e.ID] = p
		}
	}
	return nil
}

// lookalike says why a new person without a code looks like one already there or earlier in
// the file ("" when not): the same name and phone, or the same name in the same grid.
func (pl *planner) lookalike(p personRow, namesakes []*ent.Person, seenNew map[string]int) string {
	for _, e := range namesakes {
		if !pl.can(e.GridPath, authz.ObjPerson, authz.ActRead) {
			continue // someone the viewer may not see is not named to them
		}
		switch {
		case p.phone != "" && e.Phone == p.phone:
			return fmt.Sprintf("has the name and phone of %s, already there", code(e))
		case pl.db.codeOf[e.GridID] == p.grid:
			return fmt.Sprintf("has the name of %s in the same grid, already there", code(e))
		}
	}
	keys := []string{p.name + "\x00grid\x00" + p.grid}
	if p.phone != "" {
		keys = append(keys, p.name+"\x00phone\x00"+p.phone)
	}
	for _, k := range keys {
		if first, ok := seenNew[k]; ok {
			return fmt.Sprintf("repeats the new person of row %d", first)
		}
	}
	for _, k := range keys {
		seenNew[k] = p.row
	}
	return ""
}

// code is a person's code as the sheet shows it.
func code(p *ent.Person) string {
	if p.PersonCode != nil {
		return *p.PersonCode
	}
	return "P" + strconv.Itoa(p.ID)
}

// assignmentKey matches an assignment of the file with one of the database.
func assignmentKey(personID int, gridID int, role assignment.Role, duty *assignment.Duty, from time.Time) string {
	d := ""
	if duty != nil {
		d = string(*duty)
	}
	return fmt.Sprintf("%d/%d/%s/%s/%d", personID, gridID, role, d, from.Unix())
}

func (pl *planner) planAssignments(ctx context.Context, client *ent.Client, rows []assignmentRow) error {
	pl.assignUps = map[int]assignmentRow{}
	newKeys := map[string]bool{}
	for _, p := range pl.newPeople {
		if p.key != "" {
			newKeys[p.key] = true
		}
	}
	// People named only on this sheet (not on the people sheet) are looked up by code.
	var missing []string
	for _, a := range rows {
		if _, ok := pl.personID[a.person]; !ok && !newKeys[a.person] {
			missing = append(missing, a.person)
		}
	}
	if err := inBatches(missing, func(b []string) error {
		ps, err := client.Person.Query().Where(person.PersonCodeIn(b...)).Select(person.FieldID, person.FieldPersonCode).All(ctx)
		for _, p := range ps {
			pl.personID[*p.PersonCode] = p.ID
		}
		return err
	}); err != nil {
		return fmt.Errorf("import roster: people of assignments: %w", err)
	}
	ids := make([]int, 0, len(pl.personID))
	for _, id := range pl.personID {
		ids = append(ids, id)
	}
	existing := map[string]*ent.Assignment{}
	if err := inBatches(ids, func(b []int) error {
		as, err := client.Assignment.Query().Where(assignment.PersonIDIn(b...)).All(ctx)
		for _, a := range as {
			existing[assignmentKey(a.PersonID, a.GridID, a.Role, a.Duty, a.ValidFrom)] = a
		}
		return err
	}); err != nil {
		return fmt.Errorf("import roster: assignments: %w", err)
	}
	for _, a := range rows {
		key := fmt.Sprintf("%s/%s/%s/%s", a.person, a.grid, labels.For("Role", string(a.role)), localTime(a.from))
		if !pl.can(pl.pathFor(a.grid), authz.ObjAssignment, authz.ActAssign) {
			pl.outside(assignmentsSheet, a.row, "C", "grid "+a.grid)
			continue
		}
		id, known := pl.personID[a.person]
		if !known && !newKeys[a.person] {
			pl.probs.add(assignmentsSheet, a.row, "A", "unknown person %q: not on the %s sheet nor in the database", a.person, peopleSheet)
			continue
		}
		var e *ent.Assignment
		if g := pl.db.grids[a.grid]; known && g != nil {
			e = existing[assignmentKey(id, g.ID, a.role, a.duty, a.from)]
		}
		if e == nil {
			pl.newAssigns = append(pl.newAssigns, a)
			pl.created(assignmentsSheet, a.row, key)
			continue
		}
		oldTo, newTo := "", ""
		if e.ValidTo != nil {
			oldTo = localTime(*e.ValidTo)
		}
		if a.to != nil {
			newTo = localTime(*a.to)
		}
		var cs []Change
		cs = changed(cs, "职务", e.Title, a.title)
		cs = changed(cs, "任职终止", oldTo, newTo)
		cs = changed(cs, "终止原因", e.EndReason, a.reason)
		if pl.changedOrNot(assignmentsSheet, a.row, key, cs) {
			pl.assignUps[e.ID] = a
		}
	}
	return nil
}

// notInFile lists the people kept in the file's grids (those the viewer may see people in)
// whom the file does not list.
func (pl *planner) notInFile(ctx context.Context, client *ent.Client, grids []gridRow, people []personRow) error {
	if len(people) == 0 {
		return nil
	}
	var ids []int
	for _, g := range grids {
		// Only grids whose people the viewer may see: a row naming another village's grid
		// must not list who is kept there.
		if e := pl.db.grids[g.code]; e != nil && pl.can(e.Path, authz.ObjPerson, authz.ActRead) {
			ids = append(ids, e.ID)
		}
	}
	listed := map[string]bool{}
	for _, p := range people {
		listed[p.key] = true
	}
	return inBatches(ids, func(b []int) error {
		ps, err := client.Person.Query().Where(person.GridIDIn(b...)).Order(ent.Asc(person.FieldID)).All(ctx)
		for _, p := range ps {
			if c := code(p); !listed[c] {
				pl.plan.NotInFileTotal++
				if len(pl.plan.NotInFile) < maxProblems {
					pl.plan.NotInFile = append(pl.plan.NotInFile, fmt.Sprintf("%s %s (%s)", c, p.Name, pl.db.codeOf[p.GridID]))
				}
			}
		}
		return err
	})
}

// apply writes the plan in one transaction: client's, when it is bound to one (a GraphQL
// mutation's), else one of its own.
func (pl *planner) apply(ctx context.Context, client *ent.Client) error {
	sys := authz.SystemContext(ctx, "write a checked roster import")
	return store.InTx(sys, client, func(tx *ent.Client) error { return pl.write(sys, tx) })
}

// write writes the plan through tx, a client bound to the import's transaction.
func (pl *planner) write(sys context.Context, tx *ent.Client) error {
	progress := pl.opts.Progress
	// The paths read when the file was checked may predate a move: copy the current ones.
	paths, err := gridtree.LockedPaths(sys, tx)
	if err != nil {
		return err
	}
	idOf := map[string]int{}
	for code, g := range pl.db.grids {
		idOf[code] = g.ID
	}
	for i, g := range pl.newGrids {
		b := tx.Grid.Create().SetCode(g.code).SetName(g.name).SetKind(g.kind).SetHouseholds(g.households).
			SetPopulation(g.population).SetAreaDescription(g.area).SetDuties(g.duties)
		if g.parent != "" {
			b.SetParentID(idOf[g.parent])
		}
		created, err := b.Save(sys)
		if err != nil {
			return fmt.Errorf("import roster: grid %s: %w", g.code, err)
		}
		idOf[g.code], paths[created.ID] = created.ID, created.Path
		if (i+1)%500 == 0 {
			progress.report("grids written", i+1, len(pl.newGrids))
		}
	}
	for id, g := range pl.gridUpdates {
		if err := tx.Grid.UpdateOneID(id).SetName(g.name).SetHouseholds(g.households).SetPopulation(g.population).
			SetAreaDescription(g.area).SetDuties(g.duties).Exec(sys); err != nil {
			return fmt.Errorf("import roster: grid %s: %w", g.code, err)
		}
	}
	sys = gridtree.WithKnownPaths(sys, paths)
	personID := maps.Clone(pl.personID)
	for lo := 0; lo < len(pl.newPeople); lo += importBatch {
		hi := min(lo+importBatch, len(pl.newPeople))
		bulk := make([]*ent.PersonCreate, 0, hi-lo)
		for _, p := range pl.newPeople[lo:hi] {
			b := tx.Person.Create().SetName(p.name).SetGender(p.gender).SetPhone(p.phone).SetTitle(p.title).
				SetUnit(p.unit).SetPartyMember(p.party).SetGridID(idOf[p.grid])
			if p.key != "" {
				b.SetPersonCode(p.key)
			}
			bulk = append(bulk, b)
		}
		created, err := tx.Person.CreateBulk(bulk...).Save(sys)
		if err != nil {
			return fmt.Errorf("import roster: people: %w", err)
		}
		for i, c := range created {
			if k := pl.newPeople[lo+i].key; k != "" {
				personID[k] = c.ID
			}
		}
		progress.report("people written", hi, len(pl.newPeople))
	}
	for id, p := range pl.personUps {
		if err := tx.Person.UpdateOneID(id).SetName(p.name).SetGender(p.gender).SetPhone(p.phone).SetTitle(p.title).
			SetUnit(p.unit).SetPartyMember(p.party).SetGridID(idOf[p.grid]).Exec(sys); err != nil {
			return fmt.Errorf("import roster: person %s: %w", p.key, err)
		}
	}
	for lo := 0; lo < len(pl.newAssigns); lo += importBatch {
		hi := min(lo+importBatch, len(pl.newAssigns))
		bulk := make([]*ent.AssignmentCreate, 0, hi-lo)
		for _, a := range pl.newAssigns[lo:hi] {
			bulk = append(bulk, tx.Assignment.Create().SetPersonID(personID[a.person]).SetGridID(idOf[a.grid]).SetRole(a.role).
				SetNillableDuty(a.duty).SetTitle(a.title).SetValidFrom(a.from).SetNillableValidTo(a.to).SetEndReason(a.reason))
		}
		if err := tx.Assignment.CreateBulk(bulk...).Exec(sys); err != nil {
			return fmt.Errorf("import roster: assignments: %w", err)
		}
		progress.report("assignments written", hi, len(pl.newAssigns))
	}
	for id, a := range pl.assignUps {
		up := tx.Assignment.UpdateOneID(id).SetTitle(a.title).SetEndReason(a.reason)
		if a.to != nil {
			up.SetValidTo(*a.to)
		} else {
			up.ClearValidTo()
		}
		if err := up.Exec(sys); err != nil {
			return fmt.Errorf("import roster: assignment of %s: %w", a.person, err)
		}
	}
	return nil
}

type gridRow struct {
	row                              int
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
		g := gridRow{row: s.n, parent: s.get("parent_code")}
		var ok1, ok2, ok3, ok4 bool
		g.code, ok1 = s.text(probs, "code", true, grid.CodeValidator)
		g.name, ok2 = s.text(probs, "name", true, grid.NameValidator)
		g.area, ok3 = s.text(probs, "area_description", false, grid.AreaDescriptionValidator)
		g.duties, ok4 = s.text(probs, "duties", false, grid.DutiesValidator)
		good := ok1 && ok2 && ok3 && ok4
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
	row                                 int
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
		p := personRow{row: s.n, gender: person.GenderUNSPECIFIED}
		var oks [6]bool
		p.key, oks[0] = s.text(probs, "key", false, person.PersonCodeValidator)
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
			s.bad(probs, "key", "person code %s repeats row %d", p.key, first)
			good = false
		}
		seen[p.key] = s.n
		if good {
			out = append(out, p)
		}
	}
}

type assignmentRow struct {
	row                         int
	person, grid, title, reason string
	role                        assignment.Role
	duty                        *assignment.Duty
	from                        time.Time
	to                          *time.Time
}

func readAssignments(f *excelize.File, knownGrid func(string) bool, probs *problems) ([]assignmentRow, error) {
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
		a := assignmentRow{row: s.n, person: s.get("person_key"), grid: s.get("grid_code")}
		var ok1, ok2, ok3 bool
		_, ok3 = s.text(probs, "person_key", true, nil)
		a.title, ok1 = s.text(probs, "title", false, assignment.TitleValidator)
		a.reason, ok2 = s.text(probs, "end_reason", false, assignment.EndReasonValidator)
		good := ok1 && ok2 && ok3
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
