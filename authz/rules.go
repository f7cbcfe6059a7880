package authz

import (
	"context"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/auditentry"
	"gridgov/ent/bulletinpost"
	"gridgov/ent/grid"
	"gridgov/ent/household"
	"gridgov/ent/inspection"
	"gridgov/ent/person"
	"gridgov/ent/predicate"
	"gridgov/ent/privacy"
	"gridgov/ent/vehicle"
	"gridgov/internal/apperr"
	"gridgov/internal/clock"
)

// The rules of each entity. Reads are scoped by rewriting the query (ScopeRead). Writes are
// checked against the rows' paths and against the grid a write points at, with paths looked
// up on the system's account so that a check never depends on what the viewer can see.

// GridRules returns the query and mutation rules of Grid.
func GridRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjGrid, grid.FieldPath)},
		[]privacy.MutationRule{privacy.GridMutationRuleFunc(func(ctx context.Context, m *ent.GridMutation) error {
			v := FromContext(ctx)
			switch {
			case m.Op().Is(ent.OpCreate):
				parentID, ok := m.ParentID()
				if !ok {
					if v.Can("/", ObjGrid, ActCreate) {
						return privacy.Allow
					}
					return forbidden("only a system administrator may create a root grid; give parentID")
				}
				return rule(target(ctx, m.Client(), parentID, "parentID", ObjGrid, ActCreate))
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				return rule(CheckRows(ctx, m.Client().Grid.Query().Where(grid.IDIn(mustIDs(ctx, m)...)).Select(grid.FieldPath), ObjGrid, ActUpdate))
			default:
				return rule(CheckRows(ctx, m.Client().Grid.Query().Where(grid.IDIn(mustIDs(ctx, m)...)).Select(grid.FieldPath), ObjGrid, ActDelete))
			}
		})}
}

// PersonRules returns the query and mutation rules of Person. A person is visible under the
// viewer's roots through their home grid or through any assignment there, and to themselves.
func PersonRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.PersonQueryRuleFunc(func(ctx context.Context, q *ent.PersonQuery) error {
			v := FromContext(ctx)
			roots := v.Roots(ObjPerson, ActRead)
			if len(roots) == 1 && roots[0] == "/" {
				return privacy.Allow
			}
			q.Where(personScope(roots, v.PersonID))
			return privacy.Allow
		})},
		[]privacy.MutationRule{GridOwnedRule(ObjPerson, func(c *ent.Client, ids []int) PathQuery {
			return c.Person.Query().Where(person.IDIn(ids...)).Select(person.FieldGridPath)
		})}
}

// AssignmentRules returns the query and mutation rules of Assignment. Assignments are never
// deleted; ADMIN and SUPERVISOR may be assigned only by an administrator of that subtree.
func AssignmentRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjAssignment, assignment.FieldGridPath)},
		[]privacy.MutationRule{privacy.AssignmentMutationRuleFunc(func(ctx context.Context, m *ent.AssignmentMutation) error {
			switch {
			case m.Op().Is(ent.OpCreate):
				gridID, _ := m.GridID()
				act := ActAssign
				if role, _ := m.Role(); role == assignment.RoleADMIN || role == assignment.RoleSUPERVISOR {
					act = actAssignSystem
				}
				if err := target(ctx, m.Client(), gridID, "gridID", ObjAssignment, act); err != nil {
					return err
				}
				personID, _ := m.PersonID()
				return checkVisible(ctx, m.Client().Person.Query().Where(person.ID(personID)).Exist, ObjPerson, "personID", personID)
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				q := m.Client().Assignment.Query().Where(assignment.IDIn(mustIDs(ctx, m)...)).Select(assignment.FieldGridPath)
				return rule(CheckRows(ctx, q, ObjAssignment, ActAssign))
			default:
				return forbidden("assignments are never deleted: end them with endAssignment")
			}
		})}
}

// personScope is "id IN (people kept under roots ∪ people assigned under roots ∪ self)". A
// single IN over a UNION lets PostgreSQL answer it with index scans and a semi-join; the
// equivalent OR of an EXISTS forces a scan of every person with a subquery per row (measured
// 34 ms against 3 ms for 18,000 people).
func personScope(roots []string, self int) predicate.Person {
	return func(s *sql.Selector) {
		if len(roots) == 0 {
			s.Where(sql.EQ(s.C(person.FieldID), self)) // 0 when unlinked: matches nothing
			return
		}
		people := sql.Table(person.Table)
		kept := sql.Select(people.C(person.FieldID)).From(people).Where(prefixAny(people.C(person.FieldGridPath), roots))
		as := sql.Table(assignment.Table)
		assigned := sql.Select(as.C(assignment.FieldPersonID)).From(as).Where(prefixAny(as.C(assignment.FieldGridPath), roots))
		union := kept.Union(assigned)
		if self != 0 {
			me := sql.Table(person.Table)
			union = union.Union(sql.Select(me.C(person.FieldID)).From(me).Where(sql.EQ(me.C(person.FieldID), self)))
		}
		s.Where(sql.In(s.C(person.FieldID), union))
	}
}

// prefixAny is "column LIKE root1% OR column LIKE root2% …".
func prefixAny(column string, roots []string) *sql.Predicate {
	ps := make([]*sql.Predicate, len(roots))
	for i, r := range roots {
		ps[i] = sql.HasPrefix(column, r)
	}
	return sql.Or(ps...)
}

// actAssignSystem is an action only ADMIN holds (through "*"): assigning system roles.
const actAssignSystem = "assign_system"

// VehicleRules returns the query and mutation rules of Vehicle.
func VehicleRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjVehicle, vehicle.FieldGridPath)},
		[]privacy.MutationRule{privacy.VehicleMutationRuleFunc(func(ctx context.Context, m *ent.VehicleMutation) error {
			rows := func(c *ent.Client, ids []int) PathQuery {
				return c.Vehicle.Query().Where(vehicle.IDIn(ids...)).Select(vehicle.FieldGridPath)
			}
			if err := checkGridOwned(ctx, m, ObjVehicle, rows); err != nil {
				return err
			}
			if personID, ok := m.PersonID(); ok {
				return checkVisible(ctx, m.Client().Person.Query().Where(person.ID(personID)).Exist, ObjPerson, "personID", personID)
			}
			return privacy.Allow
		})}
}

// UserRules returns the rules of User: a viewer sees their own account and the accounts of
// the people holding an active role under their roots for reading users (accountScope); an
// administrator of the whole forest sees all. Accounts change only on the system's account,
// after the checks of CheckAccount and CheckAccountFor (internal/accounts, sign-in, CLI).
func UserRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.UserQueryRuleFunc(func(ctx context.Context, q *ent.UserQuery) error {
		v := FromContext(ctx)
		roots := v.Roots(ObjUser, ActRead)
		if len(roots) == 1 && roots[0] == "/" {
			return privacy.Allow
		}
		q.Where(accountScope(roots, v.UserID, clock.Now()))
		return privacy.Allow
	})}, nil
}

// SystemOnlyRules returns no rules: the entity is reachable only on the system's account.
func SystemOnlyRules() ([]privacy.QueryRule, []privacy.MutationRule) { return nil, nil }

// idMutation is a mutation whose target rows can be listed.
type idMutation interface {
	IDs(ctx context.Context) ([]int, error)
}

// mustIDs lists the rows a mutation targets, on the system's account. A failure yields no ids,
// which makes the following check find no rows and refuse.
func mustIDs(ctx context.Context, m idMutation) []int {
	ids, err := m.IDs(SystemContext(ctx, "list rows a mutation targets"))
	if err != nil {
		return nil
	}
	return ids
}

// target is CheckGrid for a rule, which needs no path.
func target(ctx context.Context, client *ent.Client, gridID int, field, obj, act string) error {
	_, err := CheckGrid(ctx, client, gridID, field, obj, act)
	return err
}

// hiddenRow is the refusal of a write to a row the viewer cannot see or that does not exist;
// the two read the same so that hidden rows cannot be probed.
func hiddenRow(act, obj string) error {
	return forbidden("you may not %s this %s: it does not exist or is outside your scope", act, obj)
}

// hiddenGrid is the refusal of a write pointing at a grid the viewer cannot see or that does
// not exist.
func hiddenGrid(field string, gridID int) error {
	return forbidden("%s: grid %d does not exist or is outside your scope", field, gridID)
}

// checkVisible allows the mutation when a row it points at is visible to the viewer (exists
// is a query run with the viewer's own scope).
func checkVisible(ctx context.Context, exists func(context.Context) (bool, error), obj, field string, id int) error {
	ok, err := exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return NotVisible(FromContext(ctx), obj, field, id)
	}
	return privacy.Allow
}

// NotVisible is the error for a write that names a row the viewer cannot see, or one that
// does not exist: a viewer who sees everything is told plainly (BAD_USER_INPUT); anyone else
// gets the same FORBIDDEN for both, so that ids outside the scope cannot be probed.
func NotVisible(v *Viewer, obj, field string, id int) error {
	if v != nil && v.Can("/", obj, ActRead) {
		return apperr.Invalid(field, "%s: no %s with id %d", field, obj, id)
	}
	return forbidden("%s: %s %d does not exist or is outside your scope", field, obj, id)
}

// EventRules returns the rules of Event: visible where the case sits now or where it was
// reported; reported through the API only where the viewer may report; every later change is
// made by the workflow on the system's account after its own checks.
func EventRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjEvent, "grid_path", func(_ *Viewer, roots []string) entql.P {
			return underRoots("origin_path", roots)
		})},
		[]privacy.MutationRule{privacy.EventMutationRuleFunc(func(ctx context.Context, m *ent.EventMutation) error {
			if !m.Op().Is(ent.OpCreate) {
				return forbidden("cases change only through their workflow steps")
			}
			gridID, _ := m.GridID()
			return rule(target(ctx, m.Client(), gridID, "gridID", ObjEvent, ActReport))
		})}
}

// EventActionRules returns the rules of EventAction: visible with its case; appended only by
// the workflow on the system's account.
func EventActionRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		roots := FromContext(ctx).Roots(ObjEvent, ActRead)
		if len(roots) == 1 && roots[0] == "/" {
			return privacy.Allow
		}
		var preds []entql.P
		for _, p := range []entql.P{underRoots("grid_path", roots), underRoots("origin_path", roots)} {
			if p != nil {
				preds = append(preds, p)
			}
		}
		f.Where(entql.HasEdgeWith("event", anyOf(preds)))
		return privacy.Allow
	})}, nil
}

// CategoryRules returns the rules of EventCategory: the taxonomy is readable by every
// signed-in viewer and editable by administrators of the whole forest.
func CategoryRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.AlwaysAllowRule()},
		[]privacy.MutationRule{privacy.EventCategoryMutationRuleFunc(func(ctx context.Context, m *ent.EventCategoryMutation) error {
			if FromContext(ctx).Can("/", ObjEvent, actManageCategories) {
				return privacy.Allow
			}
			return forbidden("only an administrator of the whole tree may edit the case categories")
		})}
}

// VisitIntervalRules returns the rules of VisitInterval: the intervals are a catalogue every
// signed-in viewer reads; they change only where the viewer may manage intervals at the root.
func VisitIntervalRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.AlwaysAllowRule()},
		[]privacy.MutationRule{privacy.VisitIntervalMutationRuleFunc(func(ctx context.Context, m *ent.VisitIntervalMutation) error {
			return rule(CheckPath(ctx, "/", ObjHousehold, ActManageIntervals, "only an administrator of the whole tree may change visit intervals"))
		})}
}

// CalendarRules returns the rules of CalendarDay and CalendarYear: the work calendar is read
// by every signed-in viewer (deadlines depend on it) and changed only where the viewer may
// manage the calendar at the root.
func CalendarRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.AlwaysAllowRule()},
		[]privacy.MutationRule{privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
			return rule(CheckPath(ctx, "/", ObjEvent, ActManageCalendar, "only an administrator of the whole tree may change the work calendar"))
		})}
}

// ActManageCalendar changes the work calendar (holidays and make-up days); only ADMIN on the
// whole forest holds it (through "*").
const ActManageCalendar = "manage_calendar"

// ActManageIntervals changes the visit intervals of the care levels; only ADMIN on the whole
// forest holds it (through "*").
const ActManageIntervals = "manage_intervals"

// actManageCategories is an action only ADMIN holds (through "*").
const actManageCategories = "manage_categories"

// HouseholdRules returns the rules of Household: reads are scoped by its grid; creates and
// updates (through the generated mutations) are checked at the rows' grids and at the grid
// they point at.
func HouseholdRules(obj string) ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(obj, "grid_path")},
		[]privacy.MutationRule{GridOwnedRule(obj, func(c *ent.Client, ids []int) PathQuery {
			return c.Household.Query().Where(household.IDIn(ids...)).Select(household.FieldGridPath)
		})}
}

// ReadOnlyScopedRules returns the rules of an entity read through its grid_path scope and
// written only by its domain package on the system's account, after that package's checks.
func ReadOnlyScopedRules(obj string, extra ...func(v *Viewer, roots []string) entql.P) ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(obj, "grid_path", extra...)}, nil
}

// OwnRows adds "rows of the viewer's own person" to a scope.
func OwnRows(field string) func(v *Viewer, _ []string) entql.P {
	return func(v *Viewer, _ []string) entql.P {
		if v.PersonID == 0 {
			return nil
		}
		return entql.FieldEQ(field, v.PersonID)
	}
}

// Objects of daily work, as named in policy.csv.
const (
	ObjHousehold   = "household"
	ObjVisit       = "visit"
	ObjPatrol      = "patrol"
	ObjDailyReport = "daily_report"
)

// AuditRules returns the rules of AuditEntry: an entry is visible where the viewer may read
// the audit log (administrators and supervisors, policy.csv) at the grid it belongs to;
// entries of rows outside the tree only to those who may read it at the root. Nobody writes
// entries: the audit hook inserts them on the system's account.
func AuditRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjAudit, auditentry.FieldGridPath)}, nil
}

// ObjAudit is the audit log, as named in policy.csv.
const ObjAudit = "audit"

// Objects and actions of the public face and oversight, as named in policy.csv.
const (
	ObjBulletin   = "bulletin"
	ObjInspection = "inspection"
	ActPublish    = "publish"
	ActInspect    = "inspect"
)

// BulletinRules returns the rules of BulletinPost: reads are scoped by its grid (the public
// reads published posts on the system's account and copies out the public fields); a post is
// created where the viewer may create one; changing a post's status, or changing a post that
// is published, needs the publish permission, so that a draft writer cannot alter what the
// public sees.
func BulletinRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjBulletin, bulletinpost.FieldGridPath)},
		[]privacy.MutationRule{privacy.BulletinPostMutationRuleFunc(func(ctx context.Context, m *ent.BulletinPostMutation) error {
			if m.Op().Is(ent.OpCreate) {
				if s, ok := m.Status(); ok && s != bulletinpost.StatusDRAFT {
					return forbidden("a bulletin post starts as a draft; publish it with publishBulletinPost")
				}
				gridID, _ := m.GridID()
				return rule(target(ctx, m.Client(), gridID, "gridID", ObjBulletin, ActCreate))
			}
			rows := m.Client().BulletinPost.Query().Where(bulletinpost.IDIn(mustIDs(ctx, m)...))
			paths := func() *ent.BulletinPostSelect { return rows.Clone().Select(bulletinpost.FieldGridPath) }
			if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
				return rule(CheckRows(ctx, paths(), ObjBulletin, ActDelete))
			}
			// The update check comes first, so that a hidden post is refused in the same
			// words whether it is published or not.
			if err := CheckRows(ctx, paths(), ObjBulletin, ActUpdate); err != nil {
				return err
			}
			_, statusChange := m.Status()
			published, err := rows.Clone().Where(bulletinpost.StatusEQ(bulletinpost.StatusPUBLISHED)).Exist(SystemContext(ctx, "is a bulletin post public"))
			if err != nil {
				return err
			}
			if statusChange || published {
				return rule(CheckRows(ctx, paths(), ObjBulletin, ActPublish))
			}
			return privacy.Allow
		})}
}

// InspectionRules returns the rules of Inspection: supervisors read the ledger in their scope
// and always their own entries; an entry is recorded by its inspector, on a grid where they
// may inspect, and follow-ups are recorded where they may update the ledger.
func InspectionRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{ScopeRead(ObjInspection, inspection.FieldGridPath, OwnRows(inspection.FieldInspectorID))},
		[]privacy.MutationRule{privacy.InspectionMutationRuleFunc(func(ctx context.Context, m *ent.InspectionMutation) error {
			v := FromContext(ctx)
			switch {
			case m.Op().Is(ent.OpCreate):
				if inspector, _ := m.InspectorID(); v.PersonID == 0 || inspector != v.PersonID {
					return forbidden("an inspection is recorded by the inspector themselves")
				}
				gridID, _ := m.GridID()
				return rule(target(ctx, m.Client(), gridID, "gridID", ObjInspection, ActCreate))
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				q := m.Client().Inspection.Query().Where(inspection.IDIn(mustIDs(ctx, m)...)).Select(inspection.FieldGridPath)
				return rule(CheckRows(ctx, q, ObjInspection, ActUpdate))
			default:
				return forbidden("the supervision ledger keeps every entry: inspections are never deleted")
			}
		})}
}

// Objects of ledgers and key projects, as named in policy.csv.
const (
	ObjLedger     = "ledger"
	ObjKeyProject = "key_project"
)

// Actions on ledgers and key projects, as named in policy.csv or held only through "*".
const (
	// ActRecordProgress records a key project's progress.
	ActRecordProgress = "record_progress"
	// ActManageLedgerTypes defines ledger categories and item types; only ADMIN on the whole
	// forest holds it (through "*").
	ActManageLedgerTypes = "manage_types"
)

// CatalogueRules returns the rules of the ledger catalogue: every signed-in viewer reads it;
// it changes only through the ledger package, which checks ActManageLedgerTypes.
func CatalogueRules() ([]privacy.QueryRule, []privacy.MutationRule) {
	return []privacy.QueryRule{privacy.AlwaysAllowRule()}, nil
}
