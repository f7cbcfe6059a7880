package graph

import (
	"context"
	"fmt"
	"sync"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/ent"
	"gridgov/ent/grid"
)

// descendantsArgs are the arguments of one descendants field of a query.
type descendantsArgs struct {
	maxDepth      *int
	after, before *entgql.Cursor[int]
	first, last   *int
	orderBy       *ent.GridOrder
	where         *ent.GridWhereInput
}

// descendantPages batch the pages of one descendants field of a query (the same field of every
// grid of a list, so the same arguments) by parent grid id: one statement for the pages of all
// the parents a batch holds, one more for their counts.
type descendantPages struct {
	mu   sync.Mutex
	args *descendantsArgs // set by the first resolver, before any batch is read
	l    *loader[*ent.GridConnection]
}

// descendantPagesOf returns the request's batch of the descendants field f (the *ast.Field its
// rows share), made at its first use.
func (r *Resolver) descendantPagesOf(ctx context.Context, f *ast.Field) *descendantPages {
	l := r.loadersFrom(ctx)
	key := fmt.Sprintf("descendants %p", f)
	client := r.client(ctx)
	l.keyedMu.Lock()
	defer l.keyedMu.Unlock()
	if p, ok := l.keyed[key].(*descendantPages); ok {
		return p
	}
	p := &descendantPages{}
	p.l = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.GridConnection, error) {
		p.mu.Lock()
		a := p.args
		p.mu.Unlock()
		if a == nil { // only expected, never asked: nothing to read
			return nil, nil
		}
		return client.Grid.Query().PaginateEach(ctx, ids, descendantsOf(ids, a.maxDepth),
			a.after, a.first, a.before, a.last, ent.WithGridOrder(a.orderBy), ent.WithGridFilter(a.where.Filter))
	})
	if l.keyed == nil {
		l.keyed = map[string]any{}
	}
	l.keyed[key] = p
	return p
}

// load returns the page of parent's descendants for the field's arguments a.
func (p *descendantPages) load(ctx context.Context, parent int, a descendantsArgs) (*ent.GridConnection, error) {
	p.mu.Lock()
	if p.args == nil {
		p.args = &a
	}
	p.mu.Unlock()
	return p.l.load(ctx, parent)
}

// descendantsOf joins the grids queried to the parents with ids they descend from, at most
// maxDepth levels below (any depth if nil), and returns the parent's id column. The descendants
// are a range of paths ("/1/4/" < path < "/1/4:", ':' following the digits), which PostgreSQL
// reads from the varchar_pattern_ops path index with its byte-wise operators whatever the
// database's collation, and SQLite from its path index in its byte-wise default collation.
// (PostgreSQL gives ~<~ and || the same precedence: the concatenation is parenthesised.)
func descendantsOf(ids []int, maxDepth *int) func(*sql.Selector) string {
	return func(s *sql.Selector) string {
		parent := sql.Table(grid.Table).As("descendants_parent")
		gt, lt := " > ", " < "
		if s.Dialect() == dialect.Postgres {
			gt, lt = " ~>~ ", " ~<~ "
		}
		path, parentPath := s.C(grid.FieldPath), parent.C(grid.FieldPath)
		on := []*sql.Predicate{
			sql.InInts(parent.C(grid.FieldID), ids...),
			sql.P(func(b *sql.Builder) {
				b.Ident(path).WriteString(gt).Ident(parentPath).WriteString(" AND ").
					Ident(path).WriteString(lt + "(").Ident(parentPath).WriteString(" || ':')")
			}),
		}
		if maxDepth != nil {
			on = append(on, sql.P(func(b *sql.Builder) {
				b.Ident(s.C(grid.FieldLevel)).WriteString(" <= ").Ident(parent.C(grid.FieldLevel)).WriteString(" + ").Arg(*maxDepth)
			}))
		}
		s.Join(parent).OnP(sql.And(on...))
		return parent.C(grid.FieldID)
	}
}

// expectDescendants notes the grids whose descendants fields (every alias of them) the nodes
// of the connection or the elements of the list ctx resolves will ask for.
func (r *Resolver) expectDescendants(ctx context.Context, grids []*ent.Grid) {
	if len(grids) == 0 {
		return
	}
	op := graphql.GetOperationContext(ctx)
	var fields []*ast.Field
	collect := func(sel ast.SelectionSet) {
		for _, f := range graphql.CollectFields(op, sel, nil) {
			if f.Name == "descendants" {
				fields = append(fields, f.Field)
			}
		}
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == "descendants" { // a list's elements select it directly
			fields = append(fields, f.Field)
		}
		if f.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(op, f.Selections, nil) {
			if node.Name == "node" {
				collect(node.Selections)
			}
		}
	}
	for _, f := range fields {
		p := r.descendantPagesOf(ctx, f)
		for _, g := range grids {
			if g != nil {
				p.l.expect(g.ID)
			}
		}
	}
}
