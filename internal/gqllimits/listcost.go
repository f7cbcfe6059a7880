package gqllimits

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// listSizes is how many elements the complexity limit counts for each field that returns a
// list of objects, by "Type.field": the cap where the field has one (publicCards, the public
// report's items), else the length a large real case reaches (a case's steps with rework, a
// village's people). A field that takes first counts its first instead (its default when not
// given). Connections are costed by their page size (listComplexity) and nodes(ids:) by its
// ids; their edges are not counted again. TestEveryListFieldIsCosted keeps the table whole.
var listSizes = map[string]int{
	// Public, anonymous: the caps of internal/publicface.
	"Query.publicCards":           500, // publicface.MaxCards
	"Query.publicBadges":          500,
	"PublicGridReport.items":      200, // publicface.MaxReportItems
	"PublicCard.people":           10,
	"PublicEvent.steps":           20,
	"Query.publicEventCategories": 100,

	// Compliance and statistics: a sub-district's people or child grids.
	"Query.missingDailyReports": 500,
	"Query.missingPatrols":      500,
	"Query.workCounts":          500,
	"Query.ledgerCompleteness":  500,
	"Query.responsibles":        50,
	"Query.keyProjectProgress":  100,
	"Rollup.rows":               400, // child grids × categories, or days
	"WorkRollup.rows":           100,
	"WorkRollup.peopleByRole":   10,

	// Per-row lists.
	"Event.actions":              20,
	"Event.timeline":             20,
	"Event.duplicates":           10,
	"Event.photos":               18,  // 9 of the problem, 9 of the result
	"ImportPlan.sheets":          300, // a ledger workbook has a sheet per item type
	"ImportPlan.creates":         500,
	"ImportPlan.changes":         500,
	"ImportPlan.refused":         1000,
	"ImportRow.changes":          10,
	"Inspection.photos":          9,
	"PublicEvent.photos":         18,
	"EventCategory.children":     50,
	"Grid.ancestors":             8,
	"Grid.responsibles":          20,
	"Household.tags":             10,
	"KeyProject.grids":           50,
	"KeyProject.metrics":         20,
	"KeyProject.milestones":      20,
	"KeyProjectMetric.history":   100,
	"KeyProjectStanding.metrics": 20,
	"LedgerCategory.itemTypes":   50,
	"LedgerEntry.revisions":      20,
	"LedgerEntry.values":         30,
	"LedgerEntryRevision.values": 30,
	"LedgerGap.missing":          50,
	"LedgerItemType.fields":      30,
	"Me.roles":                   20,
	"Me.scope":                   20,
	"Patrol.track":               500, // a two-hour patrol at one point in 15 s; at most dailywork.MaxTrackPoints
	"Person.activeAssignments":   10,
	"Query.enumLabels":           30,
	"Query.eventCategories":      100,
	"Query.ledgerCategories":     50,
	"Query.visitIntervals":       10,
	"WorkCalendarYear.days":      40, // a year of China's holidays and make-up days is about 35
}

// costedSchema is the executable schema with list fields costed by their length.
type costedSchema struct {
	graphql.ExecutableSchema
	lists map[string]bool // "Type.field" of the fields that return a list of objects
}

// Costed returns es with its list fields costed by their length, and with the page sizes of
// its connections described (describePageSizes); es's own complexity functions come first
// (give it Complexity's).
func Costed(es graphql.ExecutableSchema) graphql.ExecutableSchema {
	describePageSizes(es.Schema())
	return withListCosts(es)
}

// withListCosts wraps es so that its list fields are costed by their length.
func withListCosts(es graphql.ExecutableSchema) costedSchema {
	schema := es.Schema()
	lists := map[string]bool{}
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			if isObjectList(schema, f) {
				lists[def.Name+"."+f.Name] = true
			}
		}
	}
	return costedSchema{ExecutableSchema: es, lists: lists}
}

// Complexity is the generated complexity of the field where it has one (connections,
// nodes), else, for a list of objects, its length times the complexity of one element.
func (s costedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if c, ok := s.ExecutableSchema.Complexity(ctx, typeName, field, child, args); ok {
		return c, true
	}
	if !s.lists[typeName+"."+field] {
		return 0, false
	}
	n, ok := listSize(typeName, field, args)
	if !ok {
		return 0, false
	}
	return 1 + n*max(child, 1), true
}

// listSize is the length the complexity limit counts for the list field typeName.field:
// its first, else its entry in listSizes. Connection edges have neither: their connection
// counts them.
func listSize(typeName, field string, args map[string]any) (int, bool) {
	if n, ok := asInt(args["first"]); ok {
		return int(min(max(n, 0), MaxPageSize)), true
	}
	n, ok := listSizes[typeName+"."+field]
	return n, ok
}

// isObjectList reports whether f returns a list of objects, interfaces or unions.
func isObjectList(schema *ast.Schema, f *ast.FieldDefinition) bool {
	if f.Type.Elem == nil {
		return false
	}
	switch schema.Types[f.Type.Name()].Kind {
	case ast.Object, ast.Interface, ast.Union:
		return true
	}
	return false
}
