package graph

import "testing"

// TestIsCamel checks the in-place comparison of a column with the GraphQL name entgql gives it,
// which decides whether a selection reads only columns (a case's grid { name }).
func TestIsCamel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		column, name string
		want         bool
	}{
		{"name", "name", true},
		{"area_description", "areaDescription", true},
		{"area_description", "area_description", false},
		{"area_description", "areaDescriptio", false},
		{"area_description", "areaDescriptions", false},
		{"parent_id", "parentID", false}, // entgql's name is parentID only through an annotation
		{"parent_id", "parentId", true},
		{"a__b", "aB", true},
		{"code", "", false},
	}
	for _, c := range cases {
		if got := isCamel(c.column, c.name); got != c.want {
			t.Errorf("isCamel(%q, %q) = %v, want %v", c.column, c.name, got, c.want)
		}
	}
}
