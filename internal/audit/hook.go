package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"entgo.io/ent"

	"gridgov/authz"
	gen "gridgov/ent"
	"gridgov/ent/auditentry"
	"gridgov/ent/event"
	"gridgov/ent/grid"
	"gridgov/ent/inspection"
	"gridgov/internal/apperr"
)

// skipped are the entity types whose rows are not recorded (see the package comment).
var skipped = map[string]bool{
	gen.TypeAuditEntry:     true,
	gen.TypeSession:        true,
	gen.TypeIdempotencyKey: true,
}

// unrecorded are fields every update touches and the entry's own time already says.
var unrecorded = map[string]bool{"updated_at": true, "created_at": true}

// Hook records every create, update and delete of the entity it is installed on. It is
// installed once, in the base schema, so that every entity is covered; it runs after the
// privacy policy, so that a refused write loads and records nothing.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if skipped[m.Type()] || isDerived(ctx) {
				return next.Mutate(ctx, m)
			}
			var old []gen.AuditRecord
			if !m.Op().Is(ent.OpCreate) {
				if m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && len(changedFields(m)) == 0 {
					// Only SQL set through Modify, which the mutation does not show: gridgov uses
					// it for path rewrites, derived from a change recorded with Record.
					return next.Mutate(ctx, m)
				}
				var err error
				old, err = gen.AuditOld(authz.SystemContext(ctx, "load the rows a change targets, for the audit log"), m)
				if err != nil {
					return nil, fmt.Errorf("audit: load %s rows: %w", m.Type(), err)
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			entries, err := entriesOf(m, v, old)
			if err != nil {
				return nil, err
			}
			if err := addParentPaths(ctx, m, entries); err != nil {
				return nil, err
			}
			if err := add(ctx, m, entries); err != nil {
				return nil, err
			}
			return v, nil
		})
	}
}

// changedFields are the fields a mutation sets, adds to or clears, less the row's timestamps.
func changedFields(m ent.Mutation) []string {
	var names []string
	seen := map[string]bool{}
	for _, list := range [][]string{m.Fields(), m.AddedFields(), m.ClearedFields()} {
		for _, n := range list {
			if !unrecorded[n] && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}

// Entry is one audit entry before it is written.
type Entry struct {
	Action     auditentry.Action
	EntityType string
	EntityID   int
	GridPath   string
	Before     map[string]any
	After      map[string]any
}

// entriesOf builds the entries of a mutation that succeeded: one per created, changed or
// deleted row. An update that leaves a row as it was records nothing for that row.
func entriesOf(m ent.Mutation, v ent.Value, old []gen.AuditRecord) ([]Entry, error) {
	typ := m.Type()
	switch {
	case m.Op().Is(ent.OpCreate):
		rec, ok := gen.AuditValue(v)
		if !ok {
			return nil, fmt.Errorf("audit: create of %s returned %T", typ, v)
		}
		after := rec.Fields
		for _, n := range m.Fields() {
			if h := gen.AuditHidden(typ, n); h != "" {
				after[n] = h
			}
		}
		delete(after, "updated_at")
		return []Entry{{Action: auditentry.ActionCREATE, EntityType: typ, EntityID: rec.ID, GridPath: pathOf(typ, after), After: after}}, nil
	case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
		entries := make([]Entry, len(old))
		for i, r := range old {
			entries[i] = Entry{Action: auditentry.ActionDELETE, EntityType: typ, EntityID: r.ID, GridPath: pathOf(typ, r.Fields), Before: r.Fields}
		}
		return entries, nil
	}
	names := changedFields(m)
	entries := make([]Entry, 0, len(old))
	for _, r := range old {
		before, after := map[string]any{}, map[string]any{}
		for _, n := range names {
			if h := gen.AuditHidden(typ, n); h != "" {
				before[n], after[n] = h, h
				continue
			}
			nv, err := newValue(m, n, r.Fields[n])
			if err != nil {
				return nil, err
			}
			if same(r.Fields[n], nv) {
				continue
			}
			before[n], after[n] = r.Fields[n], nv
		}
		if len(after) == 0 {
			continue
		}
		path := pathOf(typ, r.Fields)
		if p := pathOf(typ, after); p != "" {
			path = p
		}
		entries = append(entries, Entry{Action: auditentry.ActionUPDATE, EntityType: typ, EntityID: r.ID, GridPath: path, Before: before, After: after})
	}
	return entries, nil
}

// newValue is the value field n of a row holds after m: the value set, the old value plus
// the amount added, or nil when cleared.
func newValue(m ent.Mutation, n string, old any) (any, error) {
	if v, ok := m.Field(n); ok {
		return v, nil
	}
	if d, ok := m.AddedField(n); ok {
		return addNumber(old, d)
	}
	return nil, nil // cleared
}

// addNumber is old + delta for the numeric field types ent adds to.
func addNumber(old, delta any) (any, error) {
	o, d := reflect.Indirect(reflect.ValueOf(old)), reflect.ValueOf(delta)
	switch {
	case !o.IsValid():
		return delta, nil // ent adds to COALESCE(column, 0)
	case o.CanInt() && d.CanInt():
		return o.Int() + d.Int(), nil
	case o.CanUint() && d.CanUint():
		return o.Uint() + d.Uint(), nil
	case o.CanFloat() && d.CanFloat():
		return o.Float() + d.Float(), nil
	}
	return nil, fmt.Errorf("audit: cannot add %T to %T", delta, old)
}

// same reports whether two field values are equal as the log stores them (JSON).
func same(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// pathOf is the grid path a row belongs to: a grid's own path, or the grid_path copied onto
// rows that belong to a grid; "" for rows outside the tree.
func pathOf(typ string, fields map[string]any) string {
	name := "grid_path"
	if typ == gen.TypeGrid {
		name = "path"
	}
	switch p := fields[name].(type) {
	case string:
		return p
	case *string:
		if p != nil {
			return *p
		}
	}
	return ""
}

// parentPaths find, for the entity types whose rows have no grid path of their own but
// belong to a grid through a parent row, the grid path of a row from its fields, so that
// their entries are seen by the supervisors of that grid, not only at the root. Every other
// type either has a grid_path (or, for grids, a path) or lies outside the tree.
var parentPaths = map[string]func(ctx context.Context, c *gen.Client, fields map[string]any) (string, error){
	// A case's step belongs to the case's grid as it stands after the step (the event row
	// changes before its step is appended).
	gen.TypeEventAction: func(ctx context.Context, c *gen.Client, fields map[string]any) (string, error) {
		id, ok := intOf(fields["event_id"])
		if !ok { // an update records only the fields it changes, and event_id never changes
			return "", nil
		}
		return c.Event.Query().Where(event.ID(id)).Select(event.FieldGridPath).String(ctx)
	},
	// A boundary belongs to its grid.
	gen.TypeGridBoundary: func(ctx context.Context, c *gen.Client, fields map[string]any) (string, error) {
		id, ok := intOf(fields["grid_id"])
		if !ok { // an update records only the fields it changes, and grid_id never changes
			return "", nil
		}
		return c.Grid.Query().Where(grid.ID(id)).Select(grid.FieldPath).String(ctx)
	},
	// A photo belongs to the grid of its case or of its inspection.
	gen.TypePhoto: func(ctx context.Context, c *gen.Client, fields map[string]any) (string, error) {
		if id, ok := intOf(fields["event_id"]); ok {
			return c.Event.Query().Where(event.ID(id)).Select(event.FieldGridPath).String(ctx)
		}
		if id, ok := intOf(fields["inspection_id"]); ok {
			return c.Inspection.Query().Where(inspection.ID(id)).Select(inspection.FieldGridPath).String(ctx)
		}
		return "", nil
	},
}

// ParentPathTypes lists the entity types whose entries take their grid path from a parent row.
func ParentPathTypes() []string { return slices.Sorted(maps.Keys(parentPaths)) }

// addParentPaths fills in the grid paths of entries of a type in parentPaths.
func addParentPaths(ctx context.Context, m ent.Mutation, entries []Entry) error {
	find, ok := parentPaths[m.Type()]
	if !ok || len(entries) == 0 {
		return nil
	}
	c, ok := m.(interface{ Client() *gen.Client })
	if !ok {
		return fmt.Errorf("audit: mutation %T has no client", m)
	}
	sys := authz.SystemContext(ctx, "the grid of an audited row's parent")
	for i, e := range entries {
		if e.GridPath != "" {
			continue
		}
		fields := e.After
		if fields == nil {
			fields = e.Before
		}
		path, err := find(sys, c.Client(), fields)
		if err != nil && !gen.IsNotFound(err) {
			return fmt.Errorf("audit: grid path of %s %d: %w", e.EntityType, e.EntityID, err)
		}
		entries[i].GridPath = path
	}
	return nil
}

// intOf reads an id field as the audit records hold it.
func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case *int:
		if n != nil {
			return *n, true
		}
	}
	return 0, false
}

// actor is the user a change is recorded against: the signed-in viewer, or the system.
func actor(ctx context.Context) (*int, string) {
	if v := authz.FromContext(ctx); v != nil && v.UserID != 0 {
		id := v.UserID
		return &id, v.Username
	}
	return nil, SystemActor
}

// AppendOnly refuses every write to the audit log except the log's own inserts, even on the
// system's account: entries are never changed or deleted.
func AppendOnly() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !m.Op().Is(ent.OpCreate) || ctx.Value(writerKey{}) == nil {
				return nil, ErrAppendOnly
			}
			return next.Mutate(ctx, m)
		})
	}
}

// ErrAppendOnly refuses a change to the audit log made other than by the audit hook.
var ErrAppendOnly = apperr.Wrap(errors.New("audit log is append-only"), apperr.Forbidden, "the audit log is append-only: entries are written with the changes they record and never changed or deleted")
