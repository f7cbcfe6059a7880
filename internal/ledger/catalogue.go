package ledger

import (
	"bufio"
	"context"
	_ "embed" // the starter catalogue
	"fmt"
	"strconv"
	"strings"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/schema/ledgerfield"
)

//go:embed catalogue.txt
var catalogueText string

// Catalogue is a parsed catalogue: categories with their item types.
type Catalogue struct {
	Categories []CatalogueCategory
}

// CatalogueCategory is a category with its item types, in order.
type CatalogueCategory struct {
	CategoryInput
	Types []ItemTypeInput
}

// Types counts the item types of the catalogue.
func (c *Catalogue) Types() int {
	n := 0
	for _, cat := range c.Categories {
		n += len(cat.Types)
	}
	return n
}

// Starter returns the starter catalogue embedded in the binary (catalogue.txt).
func Starter() (*Catalogue, error) { return ParseCatalogue(catalogueText) }

// Fixed patterns of the shorthand field types.
const (
	idNoPattern  = `\d{17}[\dXx]`
	phonePattern = `(1\d{10}|0\d{2,3}-?\d{7,8})`
)

// ParseCatalogue reads the catalogue format documented at the top of catalogue.txt. Every
// item type's fields are checked as defineLedgerItemType would check them.
func ParseCatalogue(text string) (*Catalogue, error) {
	c := &Catalogue{}
	groups := map[string][]ledgerfield.Def{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		fail := func(format string, args ...any) error {
			return fmt.Errorf("catalogue line %d: %s", line, fmt.Sprintf(format, args...))
		}
		switch {
		case s == "" || strings.HasPrefix(s, "#"):
		case strings.HasPrefix(s, "group "):
			name, spec, ok := strings.Cut(strings.TrimPrefix(s, "group "), "=")
			if !ok {
				return nil, fail("want group NAME = FIELDS")
			}
			defs, err := parseFields(spec, groups)
			if err != nil {
				return nil, fail("%v", err)
			}
			groups[strings.TrimSpace(name)] = defs
		case strings.HasPrefix(s, "category "):
			parts := splitBar(strings.TrimPrefix(s, "category "))
			if len(parts) != 3 {
				return nil, fail("want category CODE | name | 名称")
			}
			c.Categories = append(c.Categories, CatalogueCategory{CategoryInput: CategoryInput{
				Code: parts[0], Name: parts[1], Label: parts[2], SortOrder: len(c.Categories) + 1,
			}})
		default:
			if len(c.Categories) == 0 {
				return nil, fail("an item type before any category")
			}
			parts := splitBar(s)
			if len(parts) != 6 {
				return nil, fail("want CODE | name | 名称 | PERIOD | REQUIRED OF | FIELDS")
			}
			cat := &c.Categories[len(c.Categories)-1]
			t := ItemTypeInput{
				CategoryCode: cat.Code, Code: parts[0], Name: parts[1], Label: parts[2],
				Period: ledgeritemtype.Period(parts[3]), Active: true, SortOrder: len(cat.Types) + 1,
			}
			if ledgeritemtype.PeriodValidator(t.Period) != nil {
				return nil, fail("unknown period %q", parts[3])
			}
			switch parts[4] {
			case "-":
			case "*":
				t.Required = true
			default:
				t.Required = true
				for _, k := range strings.Split(parts[4], ",") {
					kind := grid.Kind(strings.TrimSpace(k))
					if grid.KindValidator(kind) != nil {
						return nil, fail("unknown grid kind %q", k)
					}
					t.RequiredKinds = append(t.RequiredKinds, kind)
				}
			}
			defs, err := parseFields(parts[5], groups)
			if err != nil {
				return nil, fail("%v", err)
			}
			if probs := ledgerfield.Validate(defs); len(probs) > 0 {
				return nil, fail("%s", strings.Join(probs, "; "))
			}
			t.Fields = defs
			cat.Types = append(cat.Types, t)
		}
	}
	return c, sc.Err()
}

func splitBar(s string) []string {
	parts := strings.Split(s, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// parseFields reads "key[*]:标签:TYPE; …; @group".
func parseFields(spec string, groups map[string][]ledgerfield.Def) ([]ledgerfield.Def, error) {
	var out []ledgerfield.Def
	for _, f := range strings.Split(spec, ";") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if name, ok := strings.CutPrefix(f, "@"); ok {
			g, ok := groups[name]
			if !ok {
				return nil, fmt.Errorf("no group %q", name)
			}
			out = append(out, g...)
			continue
		}
		parts := strings.SplitN(f, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("field %q: want key:标签:TYPE", f)
		}
		d := ledgerfield.Def{Key: parts[0], Label: parts[1]}
		if k, ok := strings.CutSuffix(d.Key, "*"); ok {
			d.Key, d.Required = k, true
		}
		typ, arg, _ := strings.Cut(strings.TrimSuffix(parts[2], ")"), "(")
		switch typ {
		case "TEXT":
			d.Type = ledgerfield.Text
			if arg != "" {
				n, err := strconv.Atoi(arg)
				if err != nil {
					return nil, fmt.Errorf("field %s: TEXT(%s) needs a length", d.Key, arg)
				}
				d.MaxLength = n
			}
		case "IDNO":
			d.Type, d.Pattern = ledgerfield.Text, idNoPattern
		case "PHONE":
			d.Type, d.Pattern = ledgerfield.Text, phonePattern
		case "NUMBER":
			zero := 0.0
			d.Type, d.Unit, d.Min = ledgerfield.Number, arg, &zero
		case "DATE":
			d.Type = ledgerfield.Date
		case "BOOL":
			d.Type = ledgerfield.Boolean
		case "PERSON":
			d.Type = ledgerfield.Person
		case "ENUM":
			d.Type, d.Options = ledgerfield.Enum, strings.Split(arg, "/")
		default:
			return nil, fmt.Errorf("field %s: unknown type %q", d.Key, typ)
		}
		out = append(out, d)
	}
	return out, nil
}

// LoadSummary counts what a catalogue load wrote.
type LoadSummary struct {
	Categories, Types int
}

// LoadCatalogue writes the catalogue in one transaction on the system's account (it is run by
// the operator's command line and the demo loader, not by a viewer). Categories and types are
// matched by code and changed in place, so loading twice changes nothing.
func LoadCatalogue(ctx context.Context, client *ent.Client, c *Catalogue) (*LoadSummary, error) {
	ctx = authz.SystemContext(ctx, "load the ledger catalogue")
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	sum := &LoadSummary{}
	for _, cat := range c.Categories {
		if _, err := upsertCategory(ctx, tx.Client(), cat.CategoryInput); err != nil {
			return nil, rollback(tx, fmt.Errorf("load catalogue: category %s: %w", cat.Code, err))
		}
		sum.Categories++
		for _, t := range cat.Types {
			if _, err := upsertItemType(ctx, tx.Client(), t); err != nil {
				return nil, rollback(tx, fmt.Errorf("load catalogue: type %s: %w", t.Code, err))
			}
			sum.Types++
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("load catalogue: commit: %w", err)
	}
	return sum, nil
}

// rollback rolls tx back and returns err.
func rollback(tx *ent.Tx, err error) error {
	_ = tx.Rollback()
	return err
}
