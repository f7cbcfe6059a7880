package gqllimits

import (
	"strings"
	"testing"

	"gridgov/graph/generated"
)

// TestEveryListFieldIsCosted wants every field that returns a list of objects costed by its
// length: a connection's edges by the connection, a field with first by it, any other by its
// entry in listSizes; and no entry in listSizes for a field the schema no longer has.
func TestEveryListFieldIsCosted(t *testing.T) {
	es := Costed(generated.NewExecutableSchema(generated.Config{Complexity: Complexity()}))
	schema := es.Schema()
	seen := map[string]bool{}
	for _, def := range schema.Types {
		if strings.HasPrefix(def.Name, "__") {
			continue // introspection: costed by gqlgen's defaults, bounded by the schema
		}
		for _, f := range def.Fields {
			key := def.Name + "." + f.Name
			if !isObjectList(schema, f) {
				continue
			}
			seen[key] = true
			_, listed := listSizes[key]
			switch {
			case strings.HasSuffix(def.Name, "Connection") && f.Name == "edges", key == "Query.nodes":
			case f.Arguments.ForName("first") != nil:
				if listed {
					t.Errorf("%s takes first but has a size in listSizes too", key)
				}
			case !listed:
				t.Errorf("%s returns a list but has no size in listSizes", key)
			}
		}
	}
	for key := range listSizes {
		if !seen[key] {
			t.Errorf("listSizes has %s, which is not a list field of the schema", key)
		}
	}
}
