package schema

import (
	"entgo.io/ent"

	"gridgov/authz"
	"gridgov/internal/audit"
	"gridgov/internal/gridtree"
	"gridgov/internal/realtime"
	"gridgov/internal/rollup"
)

// Every entity's privacy policy and hooks, in one place so that none is forgotten: a test in
// authz checks that each entity denies a request without a viewer.

// Policy of Grid.
func (Grid) Policy() ent.Policy { return authz.NewPolicy(authz.GridRules()) }

// Hooks of Grid.
func (Grid) Hooks() []ent.Hook { return []ent.Hook{gridtree.GridHook()} }

// Policy of Person.
func (Person) Policy() ent.Policy { return authz.NewPolicy(authz.PersonRules()) }

// Hooks of Person.
func (Person) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of Assignment.
func (Assignment) Policy() ent.Policy { return authz.NewPolicy(authz.AssignmentRules()) }

// Hooks of Assignment.
func (Assignment) Hooks() []ent.Hook {
	return []ent.Hook{gridtree.CopyGridPathHook(), authz.AssignmentChangesHook()}
}

// Policy of Vehicle.
func (Vehicle) Policy() ent.Policy { return authz.NewPolicy(authz.VehicleRules()) }

// Hooks of Vehicle.
func (Vehicle) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of User.
func (User) Policy() ent.Policy { return authz.NewPolicy(authz.UserRules()) }

// Hooks of User: cached viewers of a changed account are dropped in every process.
func (User) Hooks() []ent.Hook { return []ent.Hook{authz.UserChangesHook()} }

// Policy of Session: reachable only on the system's account (sign-in and sign-out).
func (Session) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }

// Hooks of Session: a signed-out or revoked session's cached viewer is dropped everywhere.
func (Session) Hooks() []ent.Hook { return []ent.Hook{authz.SessionChangesHook()} }

// Policy of Event: reads are scoped by the current and the origin grid; reports are checked
// against the grid; every other change goes through the workflow package, which checks the
// step against policy.csv and writes on the system's account.
func (Event) Policy() ent.Policy { return authz.NewPolicy(authz.EventRules()) }

// Hooks of Event.
func (Event) Hooks() []ent.Hook {
	return []ent.Hook{gridtree.CopyGridPathHook(), rollup.TallyHook()}
}

// Policy of EventAction: visible with its event; appended only by the workflow.
func (EventAction) Policy() ent.Policy { return authz.NewPolicy(authz.EventActionRules()) }

// Hooks of EventAction: every committed step is announced to the subscriptions of every
// process (ids only).
func (EventAction) Hooks() []ent.Hook { return []ent.Hook{realtime.Hook()} }

// Policy of EventCategory: every signed-in viewer reads the taxonomy; administrators of the
// whole forest edit it.
func (EventCategory) Policy() ent.Policy { return authz.NewPolicy(authz.CategoryRules()) }

// Policy of IdempotencyKey: system only.
func (IdempotencyKey) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }

// Policy of Household: scoped by its grid; private fields never leave the scope.
func (Household) Policy() ent.Policy {
	return authz.NewPolicy(authz.HouseholdRules(authz.ObjHousehold))
}

// Hooks of Household.
func (Household) Hooks() []ent.Hook {
	return []ent.Hook{gridtree.CopyGridPathHook(), gridtree.HouseholdHook()}
}

// Policy of HouseholdTag: scoped like its household; written by the dailywork package.
func (HouseholdTag) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjHousehold))
}

// Policy of Visit: scoped by the household's grid; recorded by the dailywork package.
func (Visit) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjVisit, authz.OwnRows("visitor_id")))
}

// Policy of Patrol: scoped by its grid; recorded by the dailywork package.
func (Patrol) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjPatrol, authz.OwnRows("person_id")))
}

// Hooks of Patrol.
func (Patrol) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of DailyReport: scoped by the reporting grid; submitted by the dailywork package.
func (DailyReport) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjDailyReport, authz.OwnRows("person_id")))
}

// Hooks of DailyReport.
func (DailyReport) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of VisitInterval: readable by every signed-in viewer, changed by administrators of
// the whole tree.
func (VisitInterval) Policy() ent.Policy { return authz.NewPolicy(authz.VisitIntervalRules()) }

// Policy of EventTally: derived counters, read and written only by internal/rollup on the
// system's account (the rollup checks the viewer's scope before it reads them).
func (EventTally) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }

// Policy of AuditEntry: administrators and supervisors read the entries of their subtrees;
// nobody writes through the API.
func (AuditEntry) Policy() ent.Policy { return authz.NewPolicy(authz.AuditRules()) }

// Hooks of AuditEntry: append-only, even on the system's account; only the audit hook inserts.
func (AuditEntry) Hooks() []ent.Hook { return []ent.Hook{audit.AppendOnly()} }

// Policy of BulletinPost: scoped by its grid; publishing needs the publish permission. The
// public reads published posts through the publicface package.
func (BulletinPost) Policy() ent.Policy { return authz.NewPolicy(authz.BulletinRules()) }

// Hooks of BulletinPost.
func (BulletinPost) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of Inspection: the supervision ledger, scoped by the inspected grid and the
// inspector's own entries.
func (Inspection) Policy() ent.Policy { return authz.NewPolicy(authz.InspectionRules()) }

// Hooks of Inspection.
func (Inspection) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of LedgerCategory: read by every signed-in viewer; changed by the ledger package.
func (LedgerCategory) Policy() ent.Policy { return authz.NewPolicy(authz.CatalogueRules()) }

// Policy of LedgerItemType: read by every signed-in viewer; changed by the ledger package.
func (LedgerItemType) Policy() ent.Policy { return authz.NewPolicy(authz.CatalogueRules()) }

// Policy of LedgerEntry: scoped by its grid; written by the ledger package after its checks.
func (LedgerEntry) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjLedger))
}

// Hooks of LedgerEntry.
func (LedgerEntry) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of LedgerEntryRevision: scoped like its entry; appended by the ledger package.
func (LedgerEntryRevision) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjLedger))
}

// Policy of KeyProject: scoped by its lead grid; written by the keyproject package.
func (KeyProject) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjKeyProject))
}

// Hooks of KeyProject.
func (KeyProject) Hooks() []ent.Hook { return []ent.Hook{gridtree.CopyGridPathHook()} }

// Policy of KeyProjectMilestone: scoped like its project.
func (KeyProjectMilestone) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjKeyProject))
}

// Policy of KeyProjectMetric: scoped like its project.
func (KeyProjectMetric) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjKeyProject))
}

// Policy of KeyProjectProgress: scoped like its project.
func (KeyProjectProgress) Policy() ent.Policy {
	return authz.NewPolicy(authz.ReadOnlyScopedRules(authz.ObjKeyProject))
}

// Policy of CalendarDay: readable by every signed-in viewer, changed by administrators of the
// whole tree.
func (CalendarDay) Policy() ent.Policy { return authz.NewPolicy(authz.CalendarRules()) }

// Policy of CalendarYear: as CalendarDay's.
func (CalendarYear) Policy() ent.Policy { return authz.NewPolicy(authz.CalendarRules()) }

// Policy of GridBoundary: reachable only on the system's account; package gridmap checks the
// grid's visibility (reads) or the viewer's right to change it (writes) first.
func (GridBoundary) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }

// Policy of ImportJob: reachable only on the system's account; the importjob package shows a
// job to the account that started it.
func (ImportJob) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }

// Policy of Photo: reachable only on the system's account; the photos package checks that
// the viewer may see the photo's case or inspection first, and reads or writes the row then.
func (Photo) Policy() ent.Policy { return authz.NewPolicy(authz.SystemOnlyRules()) }
