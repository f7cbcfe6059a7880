// Package ledger keeps the ledgers (台账) of grids: the catalogue of categories and item types
// with typed fields, entries checked against those fields, the history of every change, and
// which grids have not kept a required ledger for a period. Writes are checked here against
// policy.csv and then made on the system's account.
package ledger

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
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
	"gridgov/internal/apperr"
	"gridgov/internal/gridtree"
)

// canManage refuses anyone but an administrator of the whole forest.
func canManage(ctx context.Context) error {
	return authz.CheckPath(ctx, "/", authz.ObjLedger, authz.ActManageLedgerTypes, "only an administrator of the whole tree may define ledger categories and types")
}

// CategoryInput defines a category.
type CategoryInput struct {
	Code, Name, Label string
	SortOrder         int
}

// DefineCategory creates the category with code, or changes it when it exists.
func DefineCategory(ctx context.Context, client *ent.Client, in CategoryInput) (*ent.LedgerCategory, error) {
	if err := canManage(ctx); err != nil {
		return nil, err
	}
	return upsertCategory(authz.SystemContext(ctx, "define a ledger category"), client, in)
}

func upsertCategory(ctx context.Context, client *ent.Client, in CategoryInput) (*ent.LedgerCategory, error) {
	in.Code = strings.TrimSpace(in.Code)
	if in.Code == "" {
		return nil, apperr.Invalid("code", "a category needs a code")
	}
	c, err := client.LedgerCategory.Query().Where(ledgercategory.Code(in.Code)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return client.LedgerCategory.Create().SetCode(in.Code).SetName(in.Name).SetLabel(in.Label).SetSortOrder(in.SortOrder).Save(ctx)
	case err != nil:
		return nil, fmt.Errorf("load ledger category %s: %w", in.Code, err)
	}
	if c.Name == in.Name && c.Label == in.Label && c.SortOrder == in.SortOrder {
		return c, nil
	}
	return c.Update().SetName(in.Name).SetLabel(in.Label).SetSortOrder(in.SortOrder).Save(ctx)
}

// ItemTypeInput defines an item type.
type ItemTypeInput struct {
	CategoryCode  string
	Code          string
	Name, Label   string
	Fields        []ledgerfield.Def
	Period        ledgeritemtype.Period
	Required      bool
	RequiredKinds []grid.Kind
	Active        bool
	SortOrder     int
}

// DefineItemType creates the item type with code, or changes it when it exists. The fields
// are checked as a whole; every problem is reported at once.
func DefineItemType(ctx context.Context, client *ent.Client, in ItemTypeInput) (*ent.LedgerItemType, error) {
	if err := canManage(ctx); err != nil {
		return nil, err
	}
	return upsertItemType(authz.SystemContext(ctx, "define a ledger item type"), client, in)
}

func upsertItemType(ctx context.Context, client *ent.Client, in ItemTypeInput) (*ent.LedgerItemType, error) {
	in.Code = strings.TrimSpace(in.Code)
	if in.Code == "" {
		return nil, apperr.Invalid("code", "an item type needs a code")
	}
	if probs := ledgerfield.Validate(in.Fields); len(probs) > 0 {
		return nil, apperr.Invalid("fields", "%s", strings.Join(probs, "; "))
	}
	if in.Period == "" {
		in.Period = ledgeritemtype.PeriodNONE
	}
	if err := ledgeritemtype.PeriodValidator(in.Period); err != nil {
		return nil, apperr.Invalid("period", "unknown period %q", in.Period)
	}
	var kinds []string
	for _, k := range in.RequiredKinds {
		if grid.KindValidator(k) != nil {
			return nil, apperr.Invalid("requiredKinds", "unknown grid kind %q", k)
		}
		kinds = append(kinds, string(k))
	}
	cat, err := client.LedgerCategory.Query().Where(ledgercategory.Code(in.CategoryCode)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("categoryCode", "no ledger category %q", in.CategoryCode)
	}
	if err != nil {
		return nil, fmt.Errorf("load ledger category %s: %w", in.CategoryCode, err)
	}
	t, err := client.LedgerItemType.Query().Where(ledgeritemtype.Code(in.Code)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return client.LedgerItemType.Create().SetCode(in.Code).SetName(in.Name).SetLabel(in.Label).
			SetFields(in.Fields).SetPeriod(in.Period).SetRequired(in.Required).SetRequiredKinds(kinds).
			SetActive(in.Active).SetSortOrder(in.SortOrder).SetCategoryID(cat.ID).Save(ctx)
	case err != nil:
		return nil, fmt.Errorf("load ledger item type %s: %w", in.Code, err)
	}
	if t.Name == in.Name && t.Label == in.Label && reflect.DeepEqual(t.Fields, in.Fields) && t.Period == in.Period &&
		t.Required == in.Required && slices.Equal(t.RequiredKinds, kinds) && t.Active == in.Active &&
		t.SortOrder == in.SortOrder && t.CategoryID == cat.ID {
		return t, nil // unchanged: loading a catalogue twice writes nothing
	}
	return t.Update().SetName(in.Name).SetLabel(in.Label).SetFields(in.Fields).SetPeriod(in.Period).
		SetRequired(in.Required).SetRequiredKinds(kinds).SetActive(in.Active).SetSortOrder(in.SortOrder).
		SetCategoryID(cat.ID).Save(ctx)
}

var periodPatterns = map[ledgeritemtype.Period]*regexp.Regexp{
	ledgeritemtype.PeriodNONE:    regexp.MustCompile(`^$`),
	ledgeritemtype.PeriodMONTH:   regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`),
	ledgeritemtype.PeriodQUARTER: regexp.MustCompile(`^\d{4}-Q[1-4]$`),
	ledgeritemtype.PeriodYEAR:    regexp.MustCompile(`^\d{4}$`),
}

var periodExamples = map[ledgeritemtype.Period]string{
	ledgeritemtype.PeriodNONE: `"" (a standing register)`, ledgeritemtype.PeriodMONTH: "2026-11",
	ledgeritemtype.PeriodQUARTER: "2026-Q4", ledgeritemtype.PeriodYEAR: "2026",
}

// CheckPeriod reports whether period is written the way the type's period kind needs.
func CheckPeriod(kind ledgeritemtype.Period, period string) error {
	if re := periodPatterns[kind]; re != nil && re.MatchString(period) {
		return nil
	}
	return apperr.Invalid("period", "period %q does not fit a %s ledger: write it like %s", period, kind, periodExamples[kind])
}

// PeriodKind returns the period kind a period string is written in, or false.
func PeriodKind(period string) (ledgeritemtype.Period, bool) {
	for _, k := range []ledgeritemtype.Period{ledgeritemtype.PeriodMONTH, ledgeritemtype.PeriodQUARTER, ledgeritemtype.PeriodYEAR, ledgeritemtype.PeriodNONE} {
		if periodPatterns[k].MatchString(period) {
			return k, true
		}
	}
	return "", false
}

// Values are an entry's raw values by field key.
type Values map[string]string

// problemsError turns the problems of a row into one BAD_USER_INPUT error naming each field.
func problemsError(probs []ledgerfield.Problem) error {
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.Error()
	}
	return apperr.Invalid("values", "%s", strings.Join(msgs, "; "))
}

// personVisible answers "may this person be named" with the viewer's own scope.
func personVisible(ctx context.Context, client *ent.Client) ledgerfield.PersonExists {
	return func(id int) bool {
		ok, err := client.Person.Query().Where(person.ID(id)).Exist(ctx)
		return err == nil && ok
	}
}

// EntryInput is a new entry.
type EntryInput struct {
	ItemTypeID   int
	GridID       int
	KeyProjectID *int
	Period       string
	Values       Values
}

// CreateEntry adds an entry to a grid's ledger; the viewer needs ledger/create on the grid.
func CreateEntry(ctx context.Context, client *ent.Client, in EntryInput) (*ent.LedgerEntry, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	t, err := client.LedgerItemType.Get(ctx, in.ItemTypeID)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("itemTypeID", "no ledger item type %d", in.ItemTypeID)
	}
	if err != nil {
		return nil, err
	}
	if !t.Active {
		return nil, apperr.Invalid("itemTypeID", "ledger item type %s is retired", t.Code)
	}
	if _, err := authz.CheckGrid(ctx, client, in.GridID, "gridID", authz.ObjLedger, authz.ActCreate); err != nil {
		return nil, err
	}
	if err := checkKeyProject(ctx, v, client, in.KeyProjectID); err != nil {
		return nil, err
	}
	if err := CheckPeriod(t.Period, in.Period); err != nil {
		return nil, err
	}
	values, probs := ledgerfield.Check(t.Fields, in.Values, personVisible(ctx, client))
	if len(probs) > 0 {
		return nil, problemsError(probs)
	}
	sys := authz.SystemContext(ctx, "create a checked ledger entry")
	b := client.LedgerEntry.Create().SetItemTypeID(t.ID).SetGridID(in.GridID).SetNillableKeyProjectID(in.KeyProjectID).
		SetPeriod(in.Period).SetValues(values)
	if v.PersonID != 0 {
		b.SetCreatedByID(v.PersonID).SetUpdatedByID(v.PersonID)
	}
	e, err := b.Save(sys)
	if err != nil {
		return nil, fmt.Errorf("create ledger entry: %w", err)
	}
	return e, nil
}

// checkKeyProject refuses a key project the viewer cannot see.
func checkKeyProject(ctx context.Context, v *authz.Viewer, client *ent.Client, id *int) error {
	if id == nil {
		return nil
	}
	ok, err := client.KeyProject.Query().Where(keyproject.ID(*id)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return authz.NotVisible(v, authz.ObjKeyProject, "keyProjectID", *id)
	}
	return nil
}

// EntryChange changes an entry; nil fields stay as they are. Values, when given, replace all
// values. Version, when given, must be the entry's current version.
type EntryChange struct {
	Version      *int
	GridID       *int
	KeyProjectID *int
	Period       *string
	Values       Values
}

// UpdateEntry changes an entry and keeps its previous values as a revision.
func UpdateEntry(ctx context.Context, client *ent.Client, id int, ch EntryChange) (*ent.LedgerEntry, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	e, err := client.LedgerEntry.Query().Where(ledgerentry.ID(id)).WithItemType().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjLedger, "id", id)
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, e.GridPath, authz.ObjLedger, authz.ActUpdate, "your role here does not allow changing ledger entries"); err != nil {
		return nil, err
	}
	if ch.Version != nil && *ch.Version != e.Version {
		return nil, apperr.New(apperr.Conflict, "ledger entry %d is at version %d, not %d: someone changed it; reload and try again", id, e.Version, *ch.Version)
	}
	to := Revised{GridID: e.GridID, KeyProjectID: e.KeyProjectID, Period: e.Period, Values: e.Values}
	if ch.GridID != nil && *ch.GridID != e.GridID {
		if _, err := authz.CheckGrid(ctx, client, *ch.GridID, "gridID", authz.ObjLedger, authz.ActCreate); err != nil {
			return nil, err
		}
		to.GridID = *ch.GridID
	}
	if ch.KeyProjectID != nil {
		if err := checkKeyProject(ctx, v, client, ch.KeyProjectID); err != nil {
			return nil, err
		}
		to.KeyProjectID = ch.KeyProjectID
	}
	if ch.Period != nil {
		if err := CheckPeriod(e.Edges.ItemType.Period, *ch.Period); err != nil {
			return nil, err
		}
		to.Period = *ch.Period
	}
	if ch.Values != nil {
		values, probs := ledgerfield.Check(e.Edges.ItemType.Fields, ch.Values, personVisible(ctx, client))
		if len(probs) > 0 {
			return nil, problemsError(probs)
		}
		to.Values = values
	}
	return Revise(authz.SystemContext(ctx, "update a checked ledger entry"), client, e, to, v.PersonID)
}

// Revised is what an entry becomes, every field given.
type Revised struct {
	GridID       int
	KeyProjectID *int
	Period       string
	Values       Values
}

// Revise writes e's new state, keeping its old one as a revision and raising its version, on
// sys (the system's account: the caller has checked every right and value). An entry changed
// since e was read is a Conflict. changedBy is the person who changes it, 0 for none.
func Revise(sys context.Context, client *ent.Client, e *ent.LedgerEntry, to Revised, changedBy int) (*ent.LedgerEntry, error) {
	u := client.LedgerEntry.UpdateOneID(e.ID).Where(ledgerentry.Version(e.Version)).SetVersion(e.Version + 1).
		SetGridID(to.GridID).SetPeriod(to.Period).SetValues(to.Values)
	if to.KeyProjectID != nil {
		u.SetKeyProjectID(*to.KeyProjectID)
	} else {
		u.ClearKeyProjectID()
	}
	if changedBy != 0 {
		u.SetUpdatedByID(changedBy)
	}
	oldPath, err := gridtree.SharedPath(sys, client, e.GridID, "id")
	if err != nil {
		return nil, err
	}
	rev := client.LedgerEntryRevision.Create().SetEntryID(e.ID).SetVersion(e.Version).SetPeriod(e.Period).
		SetValues(e.Values).SetGridID(e.GridID).SetGridPath(oldPath)
	if changedBy != 0 {
		rev.SetChangedByID(changedBy)
	}
	if err := rev.Exec(sys); err != nil {
		if ent.IsConstraintError(err) {
			return nil, apperr.New(apperr.Conflict, "ledger entry %d changed at the same time; reload and try again", e.ID)
		}
		return nil, fmt.Errorf("keep revision of ledger entry %d: %w", e.ID, err)
	}
	out, err := u.Save(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.Conflict, "ledger entry %d changed at the same time; reload and try again", e.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("update ledger entry %d: %w", e.ID, err)
	}
	return out, nil
}

// SortedKeys returns the keys of values in order.
func SortedKeys(values map[string]string) []string { return slices.Sorted(maps.Keys(values)) }
