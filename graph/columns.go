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
		i := slices.IndexFunc(columns, func(c string) bool { return isCamel(c, f.Name) })
		if i < 0 {
			return nil
		}
		out = append(out, columns[i])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// isCamel reports whether name is the GraphQL name entgql gives column: area_description →
// areaDescription. It compares in place: plainColumns asks it of every column for every field.
func isCamel(column, name string) bool {
	j, up := 0, false
	for i := 0; i < len(column); i++ {
		c := column[i]
		if c == '_' {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		if j >= len(name) || name[j] != c {
			return false
		}
		j++
	}
	return j == len(name)
}

// gridsFor returns the request's loader of grids for a field selecting sel of them: one that
// reads only the columns sel shows when it shows only columns (a case's grid { name }), else
// the loader of whole grids. Every case of a page asks with the same sel, so the choice is
// made once per selection and request.
func (r *Resolver) gridsFor(ctx context.Context, sel ast.SelectionSet) *loader[*ent.Grid] {
	l := r.loadersFrom(ctx)
	if len(sel) == 0 {
		return r.gridsForColumns(ctx, l, plainColumns(ctx, sel, grid.Columns))
	}
	// The first selection stands for the set: the parsed query, which the map keeps alive,
	// holds each selection set once.
	key := &sel[0]
	l.keyedMu.Lock()
	ld, ok := l.gridsBySelection[key]
	l.keyedMu.Unlock()
	if ok {
		return ld
	}
	ld = r.gridsForColumns(ctx, l, plainColumns(ctx, sel, grid.Columns))
	l.keyedMu.Lock()
	defer l.keyedMu.Unlock()
	if l.gridsBySelection == nil {
		l.gridsBySelection = map[*ast.Selection]*loader[*ent.Grid]{}
	}
	l.gridsBySelection[key] = ld
	return ld
}

// gridsForColumns returns the request's loader of grids reading cols, or whole grids if nil.
func (r *Resolver) gridsForColumns(ctx context.Context, l *loaders, cols []string) *loader[*ent.Grid] {
	if cols == nil {
		return l.grids
	}
	client := r.client(ctx)
	return keyedLoader(l, "grids "+strings.Join(cols, ","), func() *loader[*ent.Grid] {
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
