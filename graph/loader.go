package graph

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/grid"
	"gridgov/ent/household"
	"gridgov/ent/householdtag"
	"gridgov/ent/keyproject"
	"gridgov/ent/keyprojectmilestone"
	"gridgov/ent/ledgercategory"
	"gridgov/ent/ledgerentry"
	"gridgov/ent/ledgerentryrevision"
	"gridgov/ent/ledgeritemtype"
	"gridgov/ent/person"
	"gridgov/ent/photo"
	"gridgov/ent/vehicle"
	"gridgov/ent/visit"
	kp "gridgov/internal/keyproject"
	"gridgov/internal/roster"
)

// batchWindow is how long a loader waits for more keys before it queries: gqlgen resolves the
// elements of a list concurrently, so the grids of a page of 50 assignments arrive together
// and are read in one query instead of 50.
const batchWindow = 500 * time.Microsecond

// loader batches lookups by id within one request: of a row by its id, or of the rows that
// belong to a parent by the parent's id. Rows are read with the request's context, so the
// viewer's scope applies; an id outside it comes back as the zero V (nil).
type loader[V any] struct {
	fetch func(ctx context.Context, ids []int) (map[int]V, error)

	mu      sync.Mutex
	pending map[int][]chan result[V]
	timer   *time.Timer
	cache   map[int]result[V]
	// expected are ids the request will ask for (see PrimeLoaders): the next batch reads
	// them too, however the goroutines that ask for them are scheduled.
	expected map[int]bool
	// inflight are the ids of the batches being read, with who waits for each.
	inflight map[int][]chan result[V]
}

type result[V any] struct {
	v   V
	err error
}

// newLoader returns a loader reading with fetch. Its maps are made at first use: a request
// makes every loader and uses a few.
func newLoader[V any](fetch func(ctx context.Context, ids []int) (map[int]V, error)) *loader[V] {
	return &loader[V]{fetch: fetch}
}

// load returns the value for id, waiting for the batch it joins.
func (l *loader[V]) load(ctx context.Context, id int) (V, error) {
	l.mu.Lock()
	if r, ok := l.cache[id]; ok {
		l.mu.Unlock()
		return r.v, r.err
	}
	ch := make(chan result[V], 1)
	if chans, ok := l.inflight[id]; ok {
		l.inflight[id] = append(chans, ch) // being read: wait for that batch
	} else {
		if l.pending == nil {
			l.pending = map[int][]chan result[V]{}
		}
		l.pending[id] = append(l.pending[id], ch)
		if l.timer == nil {
			l.timer = time.AfterFunc(batchWindow, func() { l.flush(ctx) })
		}
	}
	l.mu.Unlock()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// loadMany returns the values for ids, in order, read in the batches they join.
func (l *loader[V]) loadMany(ctx context.Context, ids []int) ([]V, error) {
	l.expect(ids...)
	out := make([]V, len(ids))
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Go(func() { out[i], errs[i] = l.load(ctx, id) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// expect notes ids that the request will ask for.
func (l *loader[V]) expect(ids ...int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.expected == nil {
		l.expected = map[int]bool{}
	}
	for _, id := range ids {
		_, cached := l.cache[id]
		_, reading := l.inflight[id]
		if !cached && !reading {
			l.expected[id] = true
		}
	}
}

func (l *loader[V]) flush(ctx context.Context) {
	l.mu.Lock()
	batch := l.pending
	l.pending, l.timer = nil, nil
	if batch == nil {
		batch = make(map[int][]chan result[V], len(l.expected))
	}
	if l.inflight == nil {
		l.inflight = map[int][]chan result[V]{}
	}
	for id := range l.expected {
		if _, ok := batch[id]; !ok {
			batch[id] = nil
		}
	}
	l.expected = nil
	ids := make([]int, 0, len(batch))
	for id, chans := range batch {
		ids = append(ids, id)
		l.inflight[id] = chans
	}
	l.mu.Unlock()
	rows, err := l.fetch(ctx, ids)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		r := result[V]{v: rows[id], err: err}
		if err == nil {
			if l.cache == nil {
				l.cache = make(map[int]result[V], len(ids))
			}
			l.cache[id] = r
		}
		for _, ch := range l.inflight[id] {
			ch <- r
		}
		delete(l.inflight, id)
	}
}

// loaders are the request's batch loaders.
type loaders struct {
	grids     *loader[*ent.Grid]
	people    *loader[*ent.Person]
	itemTypes *loader[*ent.LedgerItemType]
	// categories and entries serve the ledger's lists: an item type's category, a revision's
	// entry, one query per page instead of one per row.
	categories *loader[*ent.LedgerCategory]
	entries    *loader[*ent.LedgerEntry]
	// timelines are the steps of cases by case id, oldest first.
	timelines *loader[[]*ent.EventAction]
	// held are the assignments people hold, by person id, one loader per time asked about
	// ("" for now).
	heldMu sync.Mutex
	held   map[string]*loader[[]*ent.Assignment]
	// households, vehicles, events and keyProjects serve a row's reference to one of them.
	households  *loader[*ent.Household]
	vehicles    *loader[*ent.Vehicle]
	events      *loader[*ent.Event]
	keyProjects *loader[*ent.KeyProject]
	// tags are the tags of households and revisions the revisions of ledger entries, by
	// the parent's id.
	tags      *loader[[]*ent.HouseholdTag]
	revisions *loader[[]*ent.LedgerEntryRevision]
	// milestones and metrics are those of key projects, by project id.
	milestones *loader[[]*ent.KeyProjectMilestone]
	metrics    *loader[[]kp.MetricProgress]
	// eventPhotos and inspectionPhotos are the photos of cases and inspections the request
	// has read in scope, by the parent's id, oldest first.
	eventPhotos      *loader[[]*ent.Photo]
	inspectionPhotos *loader[[]*ent.Photo]
	// keyed are loaders whose rows depend on the field's arguments (a grid's responsibles at
	// a time, a household's last visits), one per distinct arguments.
	keyedMu sync.Mutex
	keyed   map[string]any
	// gridsBySelection are the loaders gridsFor chose, by the selection set they serve.
	gridsBySelection map[*ast.Selection]*loader[*ent.Grid]
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
		lz.l.timelines = newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.EventAction, error) {
			steps, err := timelines(ctx, client, ids)
			for _, s := range steps {
				expectStepGrids(&lz.l, s) // the whole page's, before any step asks
			}
			return steps, err
		})
		lz.l.households = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.Household, error) {
			rows, err := client.Household.Query().Where(household.IDIn(ids...)).All(ctx)
			return byID(rows, func(h *ent.Household) int { return h.ID }), err
		})
		lz.l.vehicles = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.Vehicle, error) {
			rows, err := client.Vehicle.Query().Where(vehicle.IDIn(ids...)).All(ctx)
			return byID(rows, func(v *ent.Vehicle) int { return v.ID }), err
		})
		lz.l.events = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.Event, error) {
			rows, err := client.Event.Query().Where(event.IDIn(ids...)).All(ctx)
			return byID(rows, func(e *ent.Event) int { return e.ID }), err
		})
		lz.l.keyProjects = newLoader(func(ctx context.Context, ids []int) (map[int]*ent.KeyProject, error) {
			rows, err := client.KeyProject.Query().Where(keyproject.IDIn(ids...)).All(ctx)
			return byID(rows, func(p *ent.KeyProject) int { return p.ID }), err
		})
		lz.l.tags = newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.HouseholdTag, error) {
			rows, err := client.HouseholdTag.Query().Where(householdtag.HouseholdIDIn(ids...)).
				Order(ent.Asc(householdtag.FieldKind), ent.Asc(householdtag.FieldID)).All(ctx)
			return groupBy(rows, func(t *ent.HouseholdTag) int { return t.HouseholdID }), err
		})
		lz.l.milestones = newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.KeyProjectMilestone, error) {
			rows, err := client.KeyProjectMilestone.Query().Where(keyprojectmilestone.ProjectIDIn(ids...)).
				Order(ent.Asc(keyprojectmilestone.FieldSortOrder), ent.Asc(keyprojectmilestone.FieldID)).All(ctx)
			return groupBy(rows, func(m *ent.KeyProjectMilestone) int { return m.ProjectID }), err
		})
		lz.l.metrics = newLoader(func(ctx context.Context, ids []int) (map[int][]kp.MetricProgress, error) {
			return kp.Progress(ctx, client, ids)
		})
		// Photo rows are read on the system's account: the ids are those of cases and
		// inspections the viewer has read (see photos.Service).
		lz.l.eventPhotos = newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.Photo, error) {
			rows, err := client.Photo.Query().Where(photo.EventIDIn(ids...)).Order(ent.Asc(photo.FieldID)).
				All(authz.SystemContext(ctx, "photos of cases in scope"))
			return groupBy(rows, func(p *ent.Photo) int { return *p.EventID }), err
		})
		lz.l.inspectionPhotos = newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.Photo, error) {
			rows, err := client.Photo.Query().Where(photo.InspectionIDIn(ids...)).Order(ent.Asc(photo.FieldID)).
				All(authz.SystemContext(ctx, "photos of inspections in scope"))
			return groupBy(rows, func(p *ent.Photo) int { return *p.InspectionID }), err
		})
		lz.l.revisions = newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.LedgerEntryRevision, error) {
			rows, err := client.LedgerEntryRevision.Query().Where(ledgerentryrevision.EntryIDIn(ids...)).
				Order(ent.Desc(ledgerentryrevision.FieldVersion), ent.Desc(ledgerentryrevision.FieldID)).All(ctx)
			return groupBy(rows, func(r *ent.LedgerEntryRevision) int { return r.EntryID }), err
		})
	})
	return &lz.l
}

// PrimeLoaders tells the request's loaders which ids the rows that a field returned (res, in
// the field's ctx) will ask for, so that the first batch of each reads them all: a page's
// cases their timelines and grids, a timeline's steps and assignments their grids, grids their
// ancestors and descendants, people what they hold and their grids. Without it a batch holds
// what arrives within batchWindow, which on a busy machine is part of a page. The server calls
// it after every field's resolver (see server.GraphQL).
func (r *Resolver) PrimeLoaders(ctx context.Context, res any) {
	switch v := res.(type) {
	case *ent.EventConnection:
		if v != nil {
			events := make([]*ent.Event, len(v.Edges))
			for i, e := range v.Edges {
				events[i] = e.Node
			}
			r.expectEvents(ctx, events)
		}
	case []*ent.Event:
		r.expectEvents(ctx, v)
	case *ent.GridConnection:
		if v != nil {
			var held *loader[[]*ent.Assignment]
			if f := nodeField(ctx, "responsibles"); f != nil && len(f.Arguments) == 0 {
				held = r.responsiblesAt(ctx, nil, nil) // the common case: who holds what now
			}
			grids := make([]*ent.Grid, len(v.Edges))
			for i, e := range v.Edges {
				grids[i] = e.Node
				r.expectAncestors(ctx, e.Node)
				if held != nil {
					held.expect(e.Node.ID)
				}
			}
			r.expectDescendants(ctx, grids)
		}
	case []*ent.Grid:
		for _, g := range v {
			r.expectAncestors(ctx, g)
		}
		r.expectDescendants(ctx, v)
	case *ent.PersonConnection:
		if v != nil {
			held, grids := r.heldAt(ctx, nil), r.loadersFrom(ctx).grids
			assignments := nodeField(ctx, "assignments")
			for _, e := range v.Edges {
				held.expect(e.Node.ID)
				grids.expect(e.Node.GridID)
				// A page of their assignments, eager-loaded with the people, asks for
				// its grids and people one connection at a time: note them all now.
				if assignments != nil {
					as, _ := e.Node.NamedAssignments(assignments.Alias)
					for _, a := range as {
						r.expectAssignment(ctx, a)
					}
				}
			}
		}
	case *ent.AssignmentConnection:
		if v != nil {
			for _, e := range v.Edges {
				r.expectAssignment(ctx, e.Node)
			}
		}
	case []*ent.Assignment:
		for _, a := range v {
			r.expectAssignment(ctx, a)
		}
	case *ent.VisitConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.households.expect(e.Node.HouseholdID)
				l.people.expect(e.Node.VisitorID)
				expectRef(l.events, e.Node.EventID)
			}
		}
	case *ent.PatrolConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				l.people.expect(e.Node.PersonID)
				expectRef(l.vehicles, e.Node.VehicleID)
			}
		}
	case *ent.DailyReportConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				l.people.expect(e.Node.PersonID)
			}
		}
	case *ent.HouseholdConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			var visits *loader[[]*ent.Visit]
			if f := nodeField(ctx, "visits"); f != nil {
				n := 20 // the schema's default
				switch first := f.ArgumentMap(graphql.GetOperationContext(ctx).Variables)["first"].(type) {
				case int:
					n = first
				case int64:
					n = int(first)
				}
				visits = r.lastVisits(ctx, n)
			}
			var last *loader[[]*ent.Visit] // lastVisitedAt reads the latest visit
			if nodeField(ctx, "lastVisitedAt") != nil {
				last = r.lastVisits(ctx, 1)
			}
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				l.tags.expect(e.Node.ID)
				if visits != nil {
					visits.expect(e.Node.ID)
				}
				if last != nil {
					last.expect(e.Node.ID)
				}
			}
		}
	case *ent.VehicleConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				expectRef(l.people, e.Node.PersonID)
			}
		}
	case *ent.LedgerEntryConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				l.itemTypes.expect(e.Node.ItemTypeID)
				l.revisions.expect(e.Node.ID)
				expectRef(l.keyProjects, e.Node.KeyProjectID)
				expectRef(l.people, e.Node.CreatedByID)
				expectRef(l.people, e.Node.UpdatedByID)
			}
		}
	case *ent.KeyProjectConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				l.grids.expect(e.Node.GridIds...)
				expectRef(l.people, e.Node.OwnerID)
				l.milestones.expect(e.Node.ID)
				l.metrics.expect(e.Node.ID)
			}
		}
	case *ent.InspectionConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				l.people.expect(e.Node.InspectorID)
				expectRef(l.events, e.Node.EventID)
				l.inspectionPhotos.expect(e.Node.ID)
			}
		}
	case *ent.BulletinPostConnection:
		if v != nil {
			l := r.loadersFrom(ctx)
			for _, e := range v.Edges {
				l.grids.expect(e.Node.GridID)
				expectRef(l.people, e.Node.AuthorID)
			}
		}
	case *ent.LedgerItemTypeConnection:
		if v != nil {
			for _, e := range v.Edges {
				r.loadersFrom(ctx).categories.expect(e.Node.CategoryID)
			}
		}
	case []*ent.EventAction:
		expectStepGrids(r.loadersFrom(ctx), v)
	}
}

// nodeField returns the field name selected on the nodes of the connection ctx resolves, or
// nil: the first of them, as the nodes of a page all select the same.
func nodeField(ctx context.Context, name string) *graphql.CollectedField {
	op := graphql.GetOperationContext(ctx)
	for _, edges := range graphql.CollectFieldsCtx(ctx, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(op, edges.Selections, nil) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(op, node.Selections, nil) {
				if f.Name == name {
					return &f
				}
			}
		}
	}
	return nil
}

// expectStepGrids notes the grids of steps, which their fromGrid and toGrid ask for.
func expectStepGrids(l *loaders, steps []*ent.EventAction) {
	for _, a := range steps {
		l.grids.expect(a.ToGridID)
		expectRef(l.grids, a.FromGridID)
	}
}

// expectRef notes the id a nullable reference holds, if any.
func expectRef[V any](l *loader[V], id *int) {
	if id != nil {
		l.expect(*id)
	}
}

// expectAssignment notes the grid and the person of a.
func (r *Resolver) expectAssignment(ctx context.Context, a *ent.Assignment) {
	l := r.loadersFrom(ctx)
	l.grids.expect(a.GridID)
	l.people.expect(a.PersonID)
}

// expectAncestors notes the grids above g.
func (r *Resolver) expectAncestors(ctx context.Context, g *ent.Grid) {
	if g == nil {
		return
	}
	if ids := authz.PathIDs(g.Path); len(ids) > 1 {
		r.loadersFrom(ctx).grids.expect(ids[:len(ids)-1]...)
	}
}

// heldAt returns the request's loader of the assignments people hold at *at (now if nil).
func (r *Resolver) heldAt(ctx context.Context, at *time.Time) *loader[[]*ent.Assignment] {
	l := r.loadersFrom(ctx)
	key := ""
	if at != nil {
		key = at.UTC().Format(time.RFC3339Nano)
	}
	l.heldMu.Lock()
	defer l.heldMu.Unlock()
	if ld, ok := l.held[key]; ok {
		return ld
	}
	when := r.at(at)
	client := r.client(ctx)
	ld := newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.Assignment, error) {
		rows, err := client.Assignment.Query().Where(assignment.PersonIDIn(ids...), roster.HeldAt(when)).
			Order(ent.Asc(assignment.FieldGridPath), ent.Asc(assignment.FieldRole), ent.Asc(assignment.FieldID)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("assignments of %d people: %w", len(ids), err)
		}
		out := make(map[int][]*ent.Assignment, len(ids))
		for _, a := range rows {
			out[a.PersonID] = append(out[a.PersonID], a)
		}
		return out, nil
	})
	if l.held == nil {
		l.held = map[string]*loader[[]*ent.Assignment]{}
	}
	l.held[key] = ld
	return ld
}

// expectEvents notes the timelines, photos and grids that events will ask for: those of the
// fields the list selects of them.
func (r *Resolver) expectEvents(ctx context.Context, events []*ent.Event) {
	l := r.loadersFrom(ctx)
	// field is the field name selected on the events: of a connection's nodes, or of a
	// list's elements.
	field := func(name string) *graphql.CollectedField {
		f := nodeField(ctx, name)
		for _, g := range graphql.CollectFieldsCtx(ctx, nil) {
			if f == nil && g.Name == name {
				f = &g
			}
		}
		return f
	}
	// A case's grids are read by the loader their fields' selections choose (gridsFor).
	grids := func(name string) *loader[*ent.Grid] {
		if f := field(name); f != nil {
			return r.gridsFor(ctx, f.Selections)
		}
		return nil // not asked for: nothing to read
	}
	gridOf, originOf := grids("grid"), grids("originGrid")
	timeline, photos := field("timeline") != nil, field("photos") != nil
	actions := nodeField(ctx, "actions")
	for _, e := range events {
		if timeline {
			l.timelines.expect(e.ID)
		}
		if photos {
			l.eventPhotos.expect(e.ID)
		}
		if gridOf != nil && e.GridID != 0 {
			gridOf.expect(e.GridID)
		}
		if originOf != nil && e.OriginGridID != 0 {
			originOf.expect(e.OriginGridID)
		}
		expectRef(l.events, e.DuplicateOfID)
		// The steps eager-loaded with the page ask for their grids one case at a time.
		if actions != nil {
			steps, _ := e.NamedActions(actions.Alias)
			expectStepGrids(l, steps)
		}
	}
}

// timelines reads the steps of the cases with ids, oldest first, with the edges the request
// selects of them (ctx is that of one case's timeline field; every case of a list selects
// the same), so that a page's timelines and their actors cost two queries, not two a step.
func timelines(ctx context.Context, client *ent.Client, ids []int) (map[int][]*ent.EventAction, error) {
	q := client.EventAction.Query().Where(eventaction.EventIDIn(ids...)).
		Order(ent.Asc(eventaction.FieldCreatedAt), ent.Asc(eventaction.FieldID))
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "actor":
			q.WithActor()
		case "event":
			q.WithEvent()
		}
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("steps of %d cases: %w", len(ids), err)
	}
	out := make(map[int][]*ent.EventAction, len(ids))
	for _, a := range rows {
		out[a.EventID] = append(out[a.EventID], a)
	}
	return out, nil
}

// keyedLoader returns the request's loader for key, made by mk at its first use.
func keyedLoader[V any](l *loaders, key string, mk func() *loader[V]) *loader[V] {
	l.keyedMu.Lock()
	defer l.keyedMu.Unlock()
	if ld, ok := l.keyed[key].(*loader[V]); ok {
		return ld
	}
	if l.keyed == nil {
		l.keyed = map[string]any{}
	}
	ld := mk()
	l.keyed[key] = ld
	return ld
}

// responsiblesAt returns the request's loader of the assignments held on grids, by grid id, at
// *at (now, read once, if nil), of roles (every role if none), in roster.OnGrids's order.
func (r *Resolver) responsiblesAt(ctx context.Context, at *time.Time, roles []assignment.Role) *loader[[]*ent.Assignment] {
	key := fmt.Sprint("responsibles ", roles)
	if at != nil {
		key += at.UTC().Format(time.RFC3339Nano)
	}
	client := r.client(ctx)
	return keyedLoader(r.loadersFrom(ctx), key, func() *loader[[]*ent.Assignment] {
		when := r.at(at)
		return newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.Assignment, error) {
			rows, err := roster.OnGrids(ctx, client, ids, when, roles)
			return groupBy(rows, func(a *ent.Assignment) int { return a.GridID }), err
		})
	})
}

// lastVisits returns the request's loader of the n latest visits of households, by household
// id. It reads every visit of the batch's households and keeps n of each: a household has
// tens of visits, not thousands.
func (r *Resolver) lastVisits(ctx context.Context, n int) *loader[[]*ent.Visit] {
	client := r.client(ctx)
	return keyedLoader(r.loadersFrom(ctx), fmt.Sprint("visits ", n), func() *loader[[]*ent.Visit] {
		return newLoader(func(ctx context.Context, ids []int) (map[int][]*ent.Visit, error) {
			rows, err := client.Visit.Query().Where(visit.HouseholdIDIn(ids...)).
				Order(ent.Desc(visit.FieldVisitedAt), ent.Desc(visit.FieldID)).All(ctx)
			out := groupBy(rows, func(v *ent.Visit) int { return v.HouseholdID })
			for id, vs := range out {
				out[id] = vs[:min(len(vs), max(n, 0))]
			}
			return out, err
		})
	})
}

// nonNil is a loaded list, empty rather than nil for a parent without rows.
func nonNil[T any](rows []*T, err error) ([]*T, error) {
	if rows == nil && err == nil {
		rows = []*T{}
	}
	return rows, err
}

// groupBy groups rows by their parent's id, keeping their order.
func groupBy[T any](rows []*T, parent func(*T) int) map[int][]*T {
	m := map[int][]*T{}
	for _, row := range rows {
		m[parent(row)] = append(m[parent(row)], row)
	}
	return m
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
