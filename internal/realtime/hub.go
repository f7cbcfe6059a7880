package realtime

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/eventaction"
	"gridgov/ent/grid"
	"gridgov/internal/apperr"
	"gridgov/internal/clock"
)

// Limits bound what subscribers may hold in one process.
type Limits struct {
	// PerSocket is the number of subscriptions one connection may hold (default 20).
	PerSocket int
	// PerUser is the number of subscriptions one user may hold over all their connections
	// (default 50).
	PerUser int
	// Buffer is how many changes may wait for one subscription before its consumer is
	// dropped as too slow (default 64).
	Buffer int
	// Now is the clock the lights are followed by (default: the process's); tests move it.
	Now func() time.Time
}

func (l Limits) withDefaults() Limits {
	l.PerSocket = cmp.Or(l.PerSocket, 20)
	l.PerUser = cmp.Or(l.PerUser, 50)
	l.Buffer = cmp.Or(l.Buffer, 64)
	return l
}

// CloseSlowConsumer is the WebSocket close code of a connection dropped because it did not
// read its deliveries fast enough (1013, try again later: the client may reconnect and
// refetch).
const CloseSlowConsumer = 1013

// Socket is the connection a subscription runs on.
type Socket interface {
	// Viewer returns the connection's viewer as it is now; nil once it has been signed out.
	Viewer() *authz.Viewer
	// Drop closes the connection with a WebSocket close code and a reason.
	Drop(code int, reason string)
}

type socketKey struct{}

// WithSocket returns ctx carrying the socket its subscriptions run on.
func WithSocket(ctx context.Context, s Socket) context.Context {
	return context.WithValue(ctx, socketKey{}, s)
}

// SocketFrom returns the socket in ctx, or nil.
func SocketFrom(ctx context.Context) Socket {
	s, _ := ctx.Value(socketKey{}).(Socket)
	return s
}

// fixedSocket is the socket of a subscription that runs without one (a test's in-process
// client): the viewer of its context, and a drop that ends the subscription.
type fixedSocket struct {
	v      *authz.Viewer
	cancel context.CancelFunc
}

func (s *fixedSocket) Viewer() *authz.Viewer { return s.v }
func (s *fixedSocket) Drop(int, string)      { s.cancel() }

// Stats are the hub's counters since it started.
type Stats struct {
	Subscriptions int64 // open now
	Deliveries    int64 // changes delivered
	Drops         int64 // consumers dropped as too slow
}

// Hub hands the changes a Broker brings to this process's subscriptions, each authorized
// against its subscriber's viewer at delivery.
type Hub struct {
	client *ent.Client
	limits Limits
	logger *slog.Logger

	mu        sync.Mutex
	subs      map[*subscription]struct{}
	perSocket map[Socket]int
	perUser   map[int]int
	lightSubs int // subscriptions that want the lights' changes
	lights    *lightWatch

	queueMu sync.Mutex
	queue   []Note
	wake    chan struct{}

	subscriptions, deliveries, drops atomic.Int64
	db                               dialect.Driver // the database of client, see Note.db
}

// NewHub returns a hub on client fed by broker, and the function that stops it.
func NewHub(client *ent.Client, broker Broker, limits Limits, logger *slog.Logger) (*Hub, func()) {
	if logger == nil {
		logger = slog.Default()
	}
	h := &Hub{
		client: client, limits: limits.withDefaults(), logger: logger,
		subs: map[*subscription]struct{}{}, perSocket: map[Socket]int{}, perUser: map[int]int{},
		wake: make(chan struct{}, 1), db: ent.RootDriver(client),
	}
	h.lights = &lightWatch{h: h, next: map[int]time.Time{}}
	unsubscribe := broker.Subscribe(h.hear)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.run(ctx)
	}()
	lightsDone := make(chan struct{})
	go func() {
		defer close(lightsDone)
		h.lights.run(ctx)
	}()
	return h, func() { unsubscribe(); cancel(); <-done; <-lightsDone }
}

// now is the hub's clock (Limits.Now, or the process's).
func (h *Hub) now() time.Time {
	if h.limits.Now != nil {
		return h.limits.Now()
	}
	return clock.Now()
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{Subscriptions: h.subscriptions.Load(), Deliveries: h.deliveries.Load(), Drops: h.drops.Load()}
}

// hear queues notes for the router; it never blocks the committing goroutine for long.
func (h *Hub) hear(notes []Note) {
	h.mu.Lock()
	idle := len(h.subs) == 0
	h.mu.Unlock()
	if idle {
		return // nobody to tell: skip loading what changed
	}
	h.queueMu.Lock()
	for _, n := range notes {
		if n.db == nil || sameDriver(n.db, h.db) {
			h.queue = append(h.queue, n)
		}
	}
	h.queueMu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Hub) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		}
		h.queueMu.Lock()
		notes := h.queue
		h.queue = nil
		h.queueMu.Unlock()
		// Routed in batches: a burst of commits costs a few statements, not a few per step.
		for len(notes) > 0 {
			n := min(len(notes), 500)
			if err := h.route(ctx, notes[:n]); err != nil {
				h.logger.Error("realtime: could not route case changes; subscribers told to refetch", "err", err)
				h.broadcastRefetch()
			}
			notes = notes[n:]
		}
	}
}

// sameDriver reports whether a and b are one database's driver.
func sameDriver(a, b dialect.Driver) bool {
	if !reflect.TypeOf(a).Comparable() || !reflect.TypeOf(b).Comparable() {
		return true // cannot tell: deliver, as a process with one database does
	}
	return a == b
}

// change is one step as the router loaded it, shared by every subscription of the process.
type change struct {
	actionID, eventID    int
	action               eventaction.Action
	gridPath, originPath string // the case's grids now
	fromPath, toPath     string // the grids the step moved the case between
	taskFor              int    // the person whose task the step changed, or 0
	task                 TaskChangeKind
	light                EventChangeKind // TurnedYellow or TurnedRed for a light that changed, with no step
}

// route loads the steps of notes once and hands each to the subscriptions it concerns.
func (h *Hub) route(ctx context.Context, notes []Note) error {
	var ids []int
	refetch := false
	for _, n := range notes {
		if n.Refetch {
			refetch = true
		} else {
			ids = append(ids, n.ActionID)
		}
	}
	if refetch {
		h.broadcastRefetch()
	}
	if len(ids) == 0 {
		return nil
	}
	sys := authz.SystemContext(ctx, "realtime: load the committed steps to route them")
	acts, err := h.client.EventAction.Query().Where(eventaction.IDIn(ids...)).WithEvent().
		Order(ent.Asc(eventaction.FieldID)).All(sys)
	if err != nil {
		return fmt.Errorf("load steps %v: %w", ids, err)
	}
	var gridIDs []int
	for _, a := range acts {
		gridIDs = append(gridIDs, a.ToGridID)
		if a.FromGridID != nil {
			gridIDs = append(gridIDs, *a.FromGridID)
		}
	}
	grids, err := h.client.Grid.Query().Where(grid.IDIn(gridIDs...)).Select(grid.FieldID, grid.FieldPath).All(sys)
	if err != nil {
		return fmt.Errorf("load grids of steps: %w", err)
	}
	paths := make(map[int]string, len(grids))
	for _, g := range grids {
		paths[g.ID] = g.Path
	}
	h.mu.Lock()
	subs := make([]*subscription, 0, len(h.subs))
	tasks := false
	for s := range h.subs {
		subs = append(subs, s)
		tasks = tasks || s.tasks
	}
	h.mu.Unlock()
	for _, a := range acts {
		ev := a.Edges.Event
		if ev == nil {
			continue
		}
		loads := &caseLoads{hub: h, id: ev.ID, byScope: map[string]*caseLoad{}}
		c := &change{
			actionID: a.ID, eventID: ev.ID, action: a.Action,
			gridPath: ev.GridPath, originPath: ev.OriginPath, toPath: paths[a.ToGridID],
		}
		if a.FromGridID != nil {
			c.fromPath = paths[*a.FromGridID]
		}
		if tasks {
			if c.taskFor, c.task, err = taskOf(sys, h.client, a, ev); err != nil {
				return err
			}
		}
		h.lights.update(ev)
		h.dispatch(c, subs, loads)
	}
	return nil
}

// dispatch hands c to the subscriptions among subs it concerns.
func (h *Hub) dispatch(c *change, subs []*subscription, loads *caseLoads) {
	for _, s := range subs {
		v := s.socket.Viewer()
		if v == nil || !(canRead(v, c.gridPath) || canRead(v, c.originPath)) {
			continue // a first, cheap check; the delivery loads the case as the viewer
		}
		if kind, ok := s.match(c, v); ok {
			h.enqueue(s, item{eventID: c.eventID, actionID: c.actionID, kind: kind, loads: loads})
		}
	}
}

// snapshot returns the open subscriptions.
func (h *Hub) snapshot() []*subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs := make([]*subscription, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	return subs
}

// taskOf returns whose task step a changed, and how: a dispatch is the new handler's, a
// return the dispatcher's, a failed verification the handler's, a decided extension the
// requester's.
func taskOf(ctx context.Context, client *ent.Client, a *ent.EventAction, ev *ent.Event) (int, TaskChangeKind, error) {
	var kind TaskChangeKind
	var before eventaction.Action
	switch a.Action {
	case eventaction.ActionDISPATCH, eventaction.ActionVERIFY_FAIL:
		if ev.AssigneeID == nil {
			return 0, "", nil
		}
		kind = Dispatched
		if a.Action == eventaction.ActionVERIFY_FAIL {
			kind = Rework
		}
		return *ev.AssigneeID, kind, nil
	case eventaction.ActionRETURN:
		kind, before = Returned, eventaction.ActionDISPATCH
	case eventaction.ActionAPPROVE_EXTENSION:
		kind, before = ExtensionApproved, eventaction.ActionREQUEST_EXTENSION
	case eventaction.ActionREJECT_EXTENSION:
		kind, before = ExtensionRejected, eventaction.ActionREQUEST_EXTENSION
	default:
		return 0, "", nil
	}
	prev, err := client.EventAction.Query().
		Where(eventaction.EventID(ev.ID), eventaction.ActionEQ(before), eventaction.IDLT(a.ID)).
		Order(ent.Desc(eventaction.FieldID)).First(ctx)
	if ent.IsNotFound(err) || (err == nil && prev.ActorID == nil) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("whose task step %d changed: %w", a.ID, err)
	}
	return *prev.ActorID, kind, nil
}

func canRead(v *authz.Viewer, path string) bool {
	return path != "" && v.Can(path, authz.ObjEvent, authz.ActRead)
}

// item is one change waiting for a subscription.
type item struct {
	eventID, actionID int
	kind              string
	refetch           bool
	loads             *caseLoads
}

// caseLoads loads a changed case once per distinct scope among its subscribers: the rows a
// viewer may read depend on their subtree roots for reading cases alone (authz.EventRules
// scopes by roots, not by who the viewer is), so viewers with the same roots are answered by
// the same statement, run as the first of them. A thousand officials of one village cost one
// statement per change, not a thousand.
type caseLoads struct {
	hub     *Hub
	id      int
	mu      sync.Mutex
	byScope map[string]*caseLoad
}

type caseLoad struct {
	once sync.Once
	ev   *ent.Event
	err  error
}

// get returns the case as v may read it now (a not-found error outside v's scope).
func (l *caseLoads) get(ctx context.Context, v *authz.Viewer) (*ent.Event, error) {
	key := strings.Join(v.Roots(authz.ObjEvent, authz.ActRead), ",")
	l.mu.Lock()
	c := l.byScope[key]
	if c == nil {
		c = &caseLoad{}
		l.byScope[key] = c
	}
	l.mu.Unlock()
	c.once.Do(func() {
		// Not cut short when this subscriber leaves: others of its scope wait for the answer.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		c.ev, c.err = l.hub.client.Event.Get(authz.NewContext(ctx, v), l.id)
	})
	return c.ev, c.err
}

// subscription is one eventChanged or myTasks of one socket.
type subscription struct {
	socket  Socket
	userID  int
	tasks   bool
	lights  bool // wants the lights' changes
	match   func(c *change, v *authz.Viewer) (kind string, ok bool)
	queue   chan item
	dropped atomic.Bool
	cancel  context.CancelFunc // ends the subscription and unregisters it
}

// enqueue hands it to s without waiting: a consumer that lets Limits.Buffer changes pile up
// is dropped rather than buffered without bound.
func (h *Hub) enqueue(s *subscription, it item) {
	select {
	case s.queue <- it:
	default:
		if s.dropped.CompareAndSwap(false, true) {
			h.drops.Add(1)
			s.socket.Drop(CloseSlowConsumer, fmt.Sprintf("slow consumer: more than %d changes waited to be read", cap(s.queue)))
		}
	}
}

func (h *Hub) broadcastRefetch() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.enqueue(s, item{refetch: true})
	}
}

// subscribe registers a subscription of the viewer in ctx, within the limits.
func (h *Hub) subscribe(ctx context.Context, tasks, lights bool, match func(*change, *authz.Viewer) (string, bool)) (context.Context, *subscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	socket := SocketFrom(ctx)
	if socket == nil {
		socket = &fixedSocket{v: authz.FromContext(ctx), cancel: cancel}
	}
	v := socket.Viewer()
	if v == nil {
		cancel()
		return nil, nil, apperr.New(apperr.Unauthenticated, "subscriptions need a sign-in: send {\"authorization\": \"Bearer <token>\"} in connection_init")
	}
	s := &subscription{socket: socket, userID: v.UserID, tasks: tasks, lights: lights, match: match, queue: make(chan item, h.limits.Buffer), cancel: cancel}
	h.mu.Lock()
	switch {
	case h.perSocket[socket] >= h.limits.PerSocket:
		h.mu.Unlock()
		cancel()
		return nil, nil, apperr.New(apperr.RateLimited, "at most %d subscriptions per connection", h.limits.PerSocket)
	case h.perUser[v.UserID] >= h.limits.PerUser:
		h.mu.Unlock()
		cancel()
		return nil, nil, apperr.New(apperr.RateLimited, "at most %d subscriptions per user", h.limits.PerUser)
	}
	h.subs[s] = struct{}{}
	if lights {
		h.lightSubs++
	}
	h.perSocket[socket]++
	h.perUser[v.UserID]++
	h.mu.Unlock()
	h.subscriptions.Add(1)
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, s)
		if lights {
			h.lightSubs--
		}
		if h.perSocket[socket]--; h.perSocket[socket] <= 0 {
			delete(h.perSocket, socket)
		}
		if h.perUser[s.userID]--; h.perUser[s.userID] <= 0 {
			delete(h.perUser, s.userID)
		}
		h.mu.Unlock()
		h.subscriptions.Add(-1)
	})
	return ctx, s, nil
}

// deliver runs a subscription until ctx ends: each change is loaded as the viewer is now (a
// case that left the viewer's scope is not delivered) and handed to send.
func (h *Hub) deliver(ctx context.Context, s *subscription, send func(it item, ev *ent.Event) bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-s.queue:
			if it.refetch {
				if !send(it, nil) {
					return
				}
				continue
			}
			v := s.socket.Viewer()
			if v == nil {
				continue
			}
			ev, err := it.loads.get(ctx, v)
			if ent.IsNotFound(err) {
				continue // outside the viewer's scope now
			}
			if err != nil {
				if ctx.Err() == nil {
					h.logger.Warn("realtime: could not load a changed case for a subscriber; told to refetch", "event", it.eventID, "err", err)
					send(item{refetch: true}, nil)
				}
				continue
			}
			if !send(it, ev) {
				return
			}
			h.deliveries.Add(1)
		}
	}
}

// EventFilter is what an eventChanged subscription asks for.
type EventFilter struct {
	// GridID, when not zero, keeps cases that sit on or were reported from its subtree, or
	// were escalated out of it.
	GridID int
	// Kinds, when not empty, keeps these kinds of change only.
	Kinds []EventChangeKind
}

// EventChanges subscribes the viewer in ctx to the changes of cases in their scope that f
// keeps, until ctx ends.
func (h *Hub) EventChanges(ctx context.Context, f EventFilter) (<-chan *EventChange, error) {
	root := ""
	if f.GridID != 0 {
		v, err := authz.Require(ctx)
		if err != nil {
			return nil, err
		}
		g, err := h.client.Grid.Get(ctx, f.GridID)
		if ent.IsNotFound(err) {
			return nil, authz.NotVisible(v, authz.ObjGrid, "gridID", f.GridID)
		}
		if err != nil {
			return nil, fmt.Errorf("load grid %d: %w", f.GridID, err)
		}
		root = g.Path
	}
	kinds := slices.Clone(f.Kinds)
	lights := len(kinds) == 0 || slices.Contains(kinds, TurnedYellow) || slices.Contains(kinds, TurnedRed)
	ctx, s, err := h.subscribe(ctx, false, lights, func(c *change, v *authz.Viewer) (string, bool) {
		in := func(path string) bool {
			if root != "" {
				return path != "" && authz.IsWithin(path, root)
			}
			return canRead(v, path)
		}
		atTop := func(path string, v *authz.Viewer) bool {
			if root != "" {
				return path == root
			}
			return slices.Contains(v.Roots(authz.ObjEvent, authz.ActRead), path)
		}
		kind := Step
		switch {
		case c.light != "":
			kind = c.light
		case c.action == eventaction.ActionREPORT:
			kind = Reported
		case c.action == eventaction.ActionESCALATE || c.action == eventaction.ActionAUTO_ESCALATE:
			// A case only moves up: it leaves the subtree from its top grid, and arrives at
			// the top grid from below.
			switch was, is := in(c.fromPath), in(c.toPath); {
			case was && !is:
				kind = EscalatedOut
			case is && atTop(c.toPath, v):
				kind = EscalatedIn
			default:
				kind = Escalated
			}
		}
		if root != "" && kind != EscalatedOut && !in(c.gridPath) && !in(c.originPath) {
			return "", false
		}
		if len(kinds) > 0 && !slices.Contains(kinds, kind) {
			return "", false
		}
		return string(kind), true
	})
	if err != nil {
		return nil, err
	}
	out := make(chan *EventChange)
	go func() {
		defer close(out)
		defer s.cancel()
		h.deliver(ctx, s, func(it item, ev *ent.Event) bool {
			// Checked again on the case as loaded now: it may have moved since it was routed.
			if ev != nil && root != "" && EventChangeKind(it.kind) != EscalatedOut &&
				!authz.IsWithin(ev.GridPath, root) && !authz.IsWithin(ev.OriginPath, root) {
				return true
			}
			select {
			case out <- &EventChange{Kind: EventChangeKind(it.kind), ActionID: it.actionID, Event: ev, NeedsRefetch: it.refetch}:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	return out, nil
}

// MyTasks subscribes the viewer in ctx to the changes of their own tasks: cases dispatched
// or returned to them, handling sent back for rework, extensions decided for them.
func (h *Hub) MyTasks(ctx context.Context) (<-chan *TaskChange, error) {
	ctx, s, err := h.subscribe(ctx, true, false, func(c *change, v *authz.Viewer) (string, bool) {
		if c.taskFor == 0 || c.taskFor != v.PersonID {
			return "", false
		}
		return string(c.task), true
	})
	if err != nil {
		return nil, err
	}
	out := make(chan *TaskChange)
	go func() {
		defer close(out)
		defer s.cancel()
		h.deliver(ctx, s, func(it item, ev *ent.Event) bool {
			select {
			case out <- &TaskChange{Kind: TaskChangeKind(it.kind), ActionID: it.actionID, Event: ev, NeedsRefetch: it.refetch}:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	return out, nil
}

// Hold counts a subscription that the hub does not feed — one that watches something else,
// such as an import job — against the limits, until the returned context ends (the
// subscription ends, or its socket is closed). Refetch notices sent to every subscription
// are read and dropped, so that it is never taken for a slow consumer.
func (h *Hub) Hold(ctx context.Context) (context.Context, context.CancelFunc, error) {
	ctx, s, err := h.subscribe(ctx, false, false, func(*change, *authz.Viewer) (string, bool) { return "", false })
	if err != nil {
		return nil, nil, err
	}
	go func() {
		for {
			select {
			case <-s.queue:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, s.cancel, nil
}

// ViewerNow is the viewer of ctx's socket as it is now (its grants may have changed since it
// subscribed), or ctx's viewer outside a socket.
func ViewerNow(ctx context.Context) *authz.Viewer {
	if s := SocketFrom(ctx); s != nil {
		return s.Viewer()
	}
	return authz.FromContext(ctx)
}
