// Package audit keeps the audit log (审计日志): every create, update and delete of a business
// row records who made it (the signed-in user, or "system"), through which operation (the
// GraphQL mutation field, "login", a command such as "cli:user add"), which row, its changed
// fields before and after, and when.
//
// One ent hook (Hook), installed through the base schema every entity embeds, records every
// entity type generically; generated helpers (ent/audit.go, from ent/template/audit.tmpl) load
// the rows an update or delete targets in one query, before it runs. Inside a transaction the
// entries are written by a commit hook of that transaction, in bulk, just before it commits:
// a rolled-back change leaves no entry and no change commits without its entries. A write
// outside a transaction (tests, one-off tools) gets its entry right after the change.
//
// An entry is scoped by the grid path of the row after the change (before it, for a delete):
// a case escalated to the sub-district is recorded where it now sits. Entries keep that path
// when grids move later; they are never rewritten. Rows outside the tree (accounts, case
// categories) have no path: only those who may read the audit log at the root see them.
//
// Not recorded: the audit entries themselves; sessions (they hold only a token hash: a
// sign-in is recorded as the user's last_login_at change, operation "login"); idempotency
// keys (replay bookkeeping of a change that is recorded); and writes marked Derived, which
// only maintain grid-path copies below a recorded change (moving a grid records the grid's
// own move, not the path rewrite of every row under it). Sensitive fields (password and token
// hashes, a public reporter's name and phone) are never stored: a change to one shows as
// "[redacted]"; bulky raw data (GPS tracks, annotated in the schema) shows as "[omitted]".
package audit
