package graph

import (
	"context"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/ent"
	"gridgov/ent/grid"
)

// plainColumns returns the columns that a selection of an entity's fields reads when every
// field it selects is one of columns (named in GraphQL by their camel case), sorted; or nil
// when it selects anything else (a label, an edge, a computed list), whose resolver may read
// any column: then the whole row is read.
func plainColumns(ctx context.Context, sel ast.SelectionSet, columns []string) []string {
	op := graphql.GetOperationContext(ctx)
	out := []string{}
	for _, f := range graphql.CollectFields(op, sel, nil) {
		if f.Name == "__typename" || f.Name == "id" {
			continue
		}
		i := slices.IndexFunc(columns, func(c string) bool { return camel(c) == f.Name })
		if i < 0 {
			return nil
		}
		out = append(out, columns[i])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// camel is the GraphQL name entgql gives a column: area_description → areaDescription.
func camel(column string) string {
	parts := strings.Split(column, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// gridsFor returns the request's loader of grids for a field selecting sel of them: one that
// reads only the columns sel shows when it shows only columns (a case's grid { name }), else
// the loader of whole grids.
func (r *Resolver) gridsFor(ctx context.Context, sel ast.SelectionSet) *loader[*ent.Grid] {
	cols := plainColumns(ctx, sel, grid.Columns)
	if cols == nil {
		return r.loadersFrom(ctx).grids
	}
	client := r.client(ctx)
	return keyedLoader(r.loadersFrom(ctx), "grids "+strings.Join(cols, ","), func() *loader[*ent.Grid] {
		return newLoader(func(ctx context.Context, ids []int) (map[int]*ent.Grid, error) {
			rows, err := client.Grid.Query().Where(grid.IDIn(ids...)).Select(cols...).All(ctx)
			return byID(rows, func(g *ent.Grid) int { return g.ID }), err
		})
	})
}

// fieldGrid returns the grid with id for the field ctx resolves, through gridsFor.
func (r *Resolver) fieldGrid(ctx context.Context, id int) (*ent.Grid, error) {
	return r.gridsFor(ctx, graphql.GetFieldContext(ctx).Field.Selections).load(ctx, id)
}
