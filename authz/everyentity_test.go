package authz_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/privacy"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// entityClients returns the per-entity clients of c (c.Grid, c.Person, …) by type name,
// found by reflection so that a new entity is covered without editing this test.
func entityClients(c *ent.Client) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() || f.Kind() != reflect.Pointer || !f.MethodByName("Query").IsValid() {
			continue
		}
		out[v.Type().Field(i).Name] = f
	}
	return out
}

// call invokes method name of v with args and returns its error result.
func call(v reflect.Value, name string, args ...any) error {
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		in[i] = reflect.ValueOf(a)
	}
	out := v.MethodByName(name).Call(in)
	if err, _ := out[len(out)-1].Interface().(error); err != nil {
		return err
	}
	return nil
}

// TestEveryEntityDeniesByDefault: every entity type of the schema has a registered privacy
// policy; it refuses a read (a count) without a viewer and a write (a delete) without a viewer
// and by a viewer who holds no role, while the system context passes. (What a viewer with
// roles reads of real rows is the leak test's subject.)
func TestEveryEntityDeniesByDefault(t *testing.T) {
	t.Parallel()
	if missing := ent.MissingPolicies(); len(missing) > 0 {
		t.Fatalf("entity types without a registered privacy policy: %v", missing)
	}
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		clients := entityClients(db.Client)
		names := make([]string, 0, len(clients))
		for n := range clients {
			names = append(names, n)
		}
		slices.Sort(names)
		want := slices.Clone(ent.EntityTypes)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("clients found by reflection %v, entity types %v", names, want)
		}
		enf, err := authz.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		nobody, err := enf.NewViewer(authz.ViewerInfo{UserID: 1 << 30, Username: "nobody"}, nil, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		viewers := []struct {
			name string
			ctx  context.Context
		}{
			{"no viewer", context.Background()},
			{"a viewer with no role", authz.NewContext(context.Background(), nobody)},
		}
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				c := clients[name]
				for _, v := range viewers {
					n := c.MethodByName("Query").Call(nil)[0].MethodByName("Count").Call([]reflect.Value{reflect.ValueOf(v.ctx)})
					count, err := n[0].Int(), n[1].Interface()
					if err == nil && count != 0 {
						t.Errorf("%s counts %d %s rows, want a refusal or none", v.name, count, name)
					}
					if v.name == "no viewer" && (err == nil || !errors.Is(err.(error), privacy.Deny)) {
						t.Errorf("%s: read of %s = %v, want privacy.Deny", v.name, name, err)
					}
					del := c.MethodByName("Delete").Call(nil)[0]
					if err := call(del, "Exec", v.ctx); err == nil || !errors.Is(err, privacy.Deny) {
						t.Errorf("%s: delete of every %s = %v, want privacy.Deny", v.name, name, err)
					}
				}
				if err := call(c.MethodByName("Query").Call(nil)[0], "Count", servertest.System()); err != nil {
					t.Errorf("system context: read of %s: %v", name, err)
				}
			})
		}
	})
}
