package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/ledgercategory"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/person"
)

// batchWindow is how long a loader waits for more keys before it queries: gqlgen resolves the
// elements of a list concurrently, so the grids of a page of 50 assignments arrive together
// and are read in one query instead of 50.
const batchWindow = 500 * time.Microsecond

// loader batches lookups by id within one request. Rows are read with the request's context,
// so the viewer's scope applies; an id outside it comes back as nil.
type loader[T any] struct {
	fetch func(ctx context.Context, ids []int) (map[int]*T, error)

	mu      sync.Mutex
	pending map[int][]chan result[T]
	timer   *time.Timer
	cache   map[int]result[T]
}

type result[T any] struct {
	v   *T
	err error
}

func newLoader[T any](fetch func(ctx context.Context, ids []int) (map[int]*T, error)) *loader[T] {
	return &loader[T]{fetch: fetch, pending: map[int][]chan result[T]{}, cache: map[int]result[T]{}}
}

// load returns the row with id, waiting for the batch it joins.
func (l *loader[T]) load(ctx context.Context, id int) (*T, error) {
	l.mu.Lock()
	if r, ok := l.cache[id]; ok {
		l.mu.Unlock()
		return r.v, r.err
	}
	ch := make(chan result[T], 1)
	l.pending[id] = append(l.pending[id], ch)
	if l.timer == nil {
		l.timer = time.AfterFunc(batchWindow, func() { l.flush(ctx) })
	}
	l.mu.Unlock()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *loader[T]) flush(ctx context.Context) {
	l.mu.Lock()
	pending := l.pending
	l.pending, l.timer = map[int][]chan result[T]{}, nil
	l.mu.Unlock()
	ids := make([]int, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	rows, err := l.fetch(ctx, ids)
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, chans := range pending {
		r := result[T]{v: rows[id], err: err}
		if err == nil {
			l.cache[id] = r
		}
		for _, ch := range chans {
			ch <- r
		}
	}
}

// loaders are the request's batch loaders.
type loaders struct {
	grids     *loader[ent.Grid]
	people    *loader[ent.Person]
	itemTypes *loader[ent.LedgerItemType]
	// categories and entries serve the ledger's lists: an item type's category, a revision's
	// entry, one query per page instead of one per row.
	categories *loader[ent.LedgerCategory]
	entries    *loader[ent.LedgerEntry]
}

type loadersKey struct{}

// WithLoaders is an operation middleware that gives each operation its own loaders, bound to
// the client of the operation (the mutation's transaction, if any) at first use.
func (r *Resolver) WithLoaders(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, loadersKey{}, &lazyLoaders{r: r}))
}

type lazyLoaders struct {
	r    *Resolver
	once sync.Once
	l    loaders
}

// loadersFrom returns the operation's loaders, or fresh ones outside an operation.
func (r *Resolver) loadersFrom(ctx context.Context) *loaders {
	lz, ok := ctx.Value(loadersKey{}).(*lazyLoaders)
	if !ok {
		lz = &lazyLoaders{r: r}
	}
	lz.once.Do(func() {
		client := r.client(ctx)
		lz.l.grids = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.Grid, error) {
			rows, err := client.Grid.Query().Where(grid.IDIn(ids...)).All(ctx)
			return byID(rows, func(g *ent.Grid) int { return g.ID }), err
		})
		lz.l.people = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.Person, error) {
			rows, err := client.Person.Query().Where(person.IDIn(ids...)).All(ctx)
			return byID(rows, func(p *ent.Person) int { return p.ID }), err
		})
		lz.l.itemTypes = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.LedgerItemType, error) {
			rows, err := client.LedgerItemType.Query().Where(ledgeritemtype.IDIn(ids...)).All(ctx)
			return byID(rows, func(t *ent.LedgerItemType) int { return t.ID }), err
		})
		lz.l.categories = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.LedgerCategory, error) {
			rows, err := client.LedgerCategory.Query().Where(ledgercategory.IDIn(ids...)).All(ctx)
			return byID(rows, func(c *ent.LedgerCategory) int { return c.ID }), err
		})
		lz.l.entries = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.LedgerEntry, error) {
			rows, err := client.LedgerEntry.Query().Where(ledgerentry.IDIn(ids...)).All(ctx)
			return byID(rows, func(e *ent.LedgerEntry) int { return e.ID }), err
		})
	})
	return &lz.l
}

func byID[T any](rows []*T, id func(*T) int) map[int]*T {
	m := make(map[int]*T, len(rows))
	for _, row := range rows {
		m[id(row)] = row
	}
	return m
}

// gridByID returns a grid in the viewer's scope, or nil, batched with the request's other
// lookups.
func (r *Resolver) gridByID(ctx context.Context, id int) (*ent.Grid, error) {
	return r.loadersFrom(ctx).grids.load(ctx, id)
}

// personByID returns a person in the viewer's scope, or nil, batched likewise.
func (r *Resolver) personByID(ctx context.Context, id int) (*ent.Person, error) {
	return r.loadersFrom(ctx).people.load(ctx, id)
}

// itemTypeByID returns a ledger item type, batched likewise.
func (r *Resolver) itemTypeByID(ctx context.Context, id int) (*ent.LedgerItemType, error) {
	return r.loadersFrom(ctx).itemTypes.load(ctx, id)
}

// personRef returns the person with *id in the viewer's scope, or nil when id is nil.
func (r *Resolver) personRef(ctx context.Context, id *int) (*ent.Person, error) {
	if id == nil {
		return nil, nil
	}
	return r.personByID(ctx, *id)
}
