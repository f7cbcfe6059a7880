package ledger_test

import (
	"strings"
	"testing"

	"gridgov/ent"
	_ "gridgov/ent/runtime" // registers the schemas' hooks and privacy policies
	"gridgov/internal/dbtest"
	"gridgov/internal/ledger"
	"gridgov/internal/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestStarterCatalogue(t *testing.T) {
	t.Parallel()
	c, err := ledger.Starter()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Categories) != 9 || c.Types() < 200 {
		t.Fatalf("starter catalogue has %d categories and %d types, want 9 and 200+", len(c.Categories), c.Types())
	}
	codes := map[string]bool{}
	required := 0
	for _, cat := range c.Categories {
		if len(cat.Types) < 15 {
			t.Errorf("category %s has only %d types", cat.Code, len(cat.Types))
		}
		for _, typ := range cat.Types {
			if codes[typ.Code] {
				t.Errorf("type code %s given twice", typ.Code)
			}
			codes[typ.Code] = true
			if len(typ.Fields) == 0 {
				t.Errorf("type %s has no fields", typ.Code)
			}
			if typ.Required {
				required++
			}
		}
	}
	if required < 20 {
		t.Errorf("only %d required types; completeness needs a fair number", required)
	}
}

func TestParseCatalogueErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, want string }{
		{"type before category", "A | a | 甲 | NONE | - | x:X:TEXT", "line 1: an item type before any category"},
		{"bad period", "category C | c | 丙\nA | a | 甲 | WEEK | - | x:X:TEXT", "line 2: unknown period"},
		{"bad kind", "category C | c | 丙\nA | a | 甲 | NONE | TOWN | x:X:TEXT", "unknown grid kind"},
		{"bad type", "category C | c | 丙\nA | a | 甲 | NONE | - | x:X:COLOR", "unknown type"},
		{"missing group", "category C | c | 丙\nA | a | 甲 | NONE | - | @nope", "no group"},
		{"duplicate key", "category C | c | 丙\nA | a | 甲 | NONE | - | x:X:TEXT; x:Y:DATE", "duplicate key"},
		{"columns", "category C | c | 丙\nA | a | 甲 | NONE", "want CODE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ledger.ParseCatalogue(c.text)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseCatalogue: %v, want an error saying %q", err, c.want)
			}
		})
	}
}

func TestLoadCatalogue(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		c, err := ledger.Starter()
		if err != nil {
			t.Fatal(err)
		}
		sum, err := ledger.LoadCatalogue(ctx, db.Client, c)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Categories != 9 || sum.Types != c.Types() {
			t.Errorf("loaded %+v", sum)
		}
		before, err := db.Client.LedgerItemType.Query().Order(ent.Asc("id")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.LoadCatalogue(ctx, db.Client, c); err != nil {
			t.Fatal(err)
		}
		after, err := db.Client.LedgerItemType.Query().Order(ent.Asc("id")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("second load: %d types, want %d", len(after), len(before))
		}
		for i := range after {
			if !after[i].UpdatedAt.Equal(before[i].UpdatedAt) {
				t.Errorf("second load rewrote type %s", after[i].Code)
			}
		}
		// A changed catalogue changes types in place.
		c.Categories[0].Types[0].Label = "常住人口信息台账"
		if _, err := ledger.LoadCatalogue(ctx, db.Client, c); err != nil {
			t.Fatal(err)
		}
		got, err := db.Client.LedgerItemType.Get(ctx, before[0].ID)
		if err != nil || got.Label != "常住人口信息台账" {
			t.Errorf("changed label: %v %v", got, err)
		}
	})
}
