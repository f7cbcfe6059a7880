package authz

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	entgo "entgo.io/ent"
	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/hook"
	"gridgov/ent/session"
	"gridgov/ent/user"
	"gridgov/internal/txbatch"
)

// Change names what changed in who may do what, so that caches of viewers drop what it
// affects: a user (account, superuser flag, linked person, sessions), a person's assignments,
// or everything (a subtree move rewrote many grant roots).
type Change struct {
	UserID   int
	PersonID int
	All      bool
}

// ChangesChannel is the PostgreSQL NOTIFY channel on which changes are announced to every
// process: the payload is Change.String (ids only) and " #" and a nonce naming the announcing
// process. The processes' signals to each other (presence, goodbye, acknowledgements, see
// ParseNotice) share the channel.
const ChangesChannel = "gridgov_authz"

// String is the change as a NOTIFY payload: "u:ID", "p:ID" or "*".
func (c Change) String() string {
	switch {
	case c.All:
		return "*"
	case c.UserID != 0:
		return "u:" + strconv.Itoa(c.UserID)
	default:
		return "p:" + strconv.Itoa(c.PersonID)
	}
}

// ParseChange reads a payload written by Change.String, ignoring a " #nonce" suffix.
func ParseChange(s string) (Change, error) {
	s, _, _ = strings.Cut(s, " #")
	if s == "*" {
		return Change{All: true}, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(id)
	if !ok || err != nil || n <= 0 {
		return Change{}, fmt.Errorf("authz: bad change payload %q", s)
	}
	switch kind {
	case "u":
		return Change{UserID: n}, nil
	case "p":
		return Change{PersonID: n}, nil
	}
	return Change{}, fmt.Errorf("authz: bad change payload %q", s)
}

// subscribers receive the changes committed in this process.
var subscribers struct {
	sync.RWMutex
	next int
	fs   map[int]func(Change)
}

// Subscribe calls f with every change committed by this process, after its commit, until
// the returned function is called. Changes of other processes arrive through the PostgreSQL
// listener (internal/changefeed).
func Subscribe(f func(Change)) (unsubscribe func()) {
	subscribers.Lock()
	defer subscribers.Unlock()
	if subscribers.fs == nil {
		subscribers.fs = map[int]func(Change){}
	}
	id := subscribers.next
	subscribers.next++
	subscribers.fs[id] = f
	return func() {
		subscribers.Lock()
		defer subscribers.Unlock()
		delete(subscribers.fs, id)
	}
}

func publishLocal(changes []Change) {
	subscribers.RLock()
	defer subscribers.RUnlock()
	for _, f := range subscribers.fs {
		for _, ch := range changes {
			f(ch)
		}
	}
}

// pendingChanges holds the changes of each open transaction until it commits.
var pendingChanges txbatch.Batches[Change]

// announce publishes changes made through client: inside a transaction when it commits (on
// PostgreSQL with NOTIFY in the transaction itself, so other processes learn of exactly the
// committed changes), outside one at once. On PostgreSQL it then waits (Peers.await, at most
// AckWait) until this process's listener heard the changes and every live peer process
// acknowledged having dropped what they affect from its cache: the mutation answers only
// when no process would still serve the old viewer.
func announce(ctx context.Context, client *ent.Client, changes ...Change) error {
	if len(changes) == 0 {
		return nil
	}
	tx, key, inTx := ent.AuditClientTx(client)
	if !inTx {
		payloads, nonces := changePayloads(client, changes)
		// Registered before the notification is sent: outside a transaction it is delivered,
		// and may be acknowledged, at once.
		waits := processPeers.expect(nonces)
		if err := notify(ctx, client, payloads); err != nil {
			processPeers.cancel(nonces)
			return err
		}
		publishLocal(changes)
		processPeers.await(nonces, waits)
		return nil
	}
	pendingChanges.Add(tx, key, changes, func(ctx context.Context, tx *ent.Tx, changes []Change, commit func() error) error {
		payloads, nonces := changePayloads(tx.Client(), changes)
		if err := notify(ctx, tx.Client(), payloads); err != nil {
			_ = tx.Rollback() // the commit is refused: end the transaction here
			return err
		}
		waits := processPeers.expect(nonces)
		if err := commit(); err != nil {
			processPeers.cancel(nonces)
			return err
		}
		publishLocal(changes)
		processPeers.await(nonces, waits)
		return nil
	})
	return nil
}

// changePayloads returns the NOTIFY payload of each distinct change on PostgreSQL (SQLite has
// one process: none), each with a nonce naming this process, by which its own listener
// recognises the echo and its peers acknowledge it; and the nonces.
func changePayloads(client *ent.Client, changes []Change) (payloads, nonceList []string) {
	if client.Dialect() != dialect.Postgres {
		return nil, nil
	}
	seen := map[Change]bool{}
	for _, ch := range changes {
		if seen[ch] {
			continue
		}
		seen[ch] = true
		nonce := strconv.FormatUint(nonces.Add(1), 36) + "-" + processNonce
		payloads = append(payloads, ch.String()+" #"+nonce)
		nonceList = append(nonceList, nonce)
	}
	return payloads, nonceList
}

// notify sends each payload on ChangesChannel.
func notify(ctx context.Context, client *ent.Client, payloads []string) error {
	for _, payload := range payloads {
		if _, err := client.ExecContext(ctx, "SELECT pg_notify($1, $2)", ChangesChannel, payload); err != nil {
			return fmt.Errorf("announce change %s: %w", payload, err)
		}
	}
	return nil
}

var (
	nonces atomic.Uint64
	// processNonce is this process's id on ChangesChannel (ProcessID); base 36, without "-".
	processNonce = strconv.FormatInt(time.Now().UnixNano(), 36)
)

// AssignmentChangesHook announces a change of the person of every assignment a mutation
// touches. A bulk update by predicate (a subtree move rewriting grid paths) announces a
// change of everything rather than loading every row.
func AssignmentChangesHook() entgo.Hook {
	return hook.On(func(next entgo.Mutator) entgo.Mutator {
		return hook.AssignmentFunc(func(ctx context.Context, m *ent.AssignmentMutation) (entgo.Value, error) {
			var changes []Change
			switch {
			case m.Op().Is(entgo.OpCreate):
				if id, ok := m.PersonID(); ok {
					changes = append(changes, Change{PersonID: id})
				}
			case m.Op().Is(entgo.OpUpdate):
				changes = append(changes, Change{All: true})
			default: // UpdateOne, DeleteOne, Delete
				ids, err := m.IDs(SystemContext(ctx, "find the people whose assignments change"))
				if err != nil {
					return nil, fmt.Errorf("assignments to change: %w", err)
				}
				persons, err := m.Client().Assignment.Query().Where(assignment.IDIn(ids...)).
					Select(assignment.FieldPersonID).Ints(SystemContext(ctx, "find the people whose assignments change"))
				if err != nil {
					return nil, fmt.Errorf("people of assignments %v: %w", ids, err)
				}
				if id, ok := m.PersonID(); ok {
					persons = append(persons, id)
				}
				for _, p := range persons {
					changes = append(changes, Change{PersonID: p})
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			return v, announce(ctx, m.Client(), changes...)
		})
	}, entgo.OpCreate|entgo.OpUpdate|entgo.OpUpdateOne|entgo.OpDelete|entgo.OpDeleteOne)
}

// UserChangesHook announces a change of every user a delete touches, or an update of what
// a viewer is built from (disabled, superuser, the linked person). Other updates (the time
// of the last sign-in, written at every sign-in) change no viewer and announce nothing.
func UserChangesHook() entgo.Hook {
	return hook.On(func(next entgo.Mutator) entgo.Mutator {
		return hook.UserFunc(func(ctx context.Context, m *ent.UserMutation) (entgo.Value, error) {
			if !m.Op().Is(entgo.OpDelete|entgo.OpDeleteOne) && !changesViewer(m) {
				return next.Mutate(ctx, m)
			}
			ids, err := m.IDs(SystemContext(ctx, "find the users that change"))
			if err != nil {
				return nil, fmt.Errorf("users to change: %w", err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			return v, announce(ctx, m.Client(), userChanges(ids)...)
		})
	}, entgo.OpUpdate|entgo.OpUpdateOne|entgo.OpDelete|entgo.OpDeleteOne)
}

// changesViewer reports whether m sets or clears a field a viewer is built from.
func changesViewer(m *ent.UserMutation) bool {
	for _, f := range append(m.Fields(), m.ClearedFields()...) {
		switch f {
		case user.FieldDisabled, user.FieldSuperuser, user.FieldPersonID:
			return true
		}
	}
	return false
}

// SessionChangesHook announces a change of the user of every session an update or delete
// touches (a sign-out, a revocation). An update of last_seen_at alone, written while the
// session is in use, changes no viewer and announces nothing.
func SessionChangesHook() entgo.Hook {
	return hook.On(func(next entgo.Mutator) entgo.Mutator {
		return hook.SessionFunc(func(ctx context.Context, m *ent.SessionMutation) (entgo.Value, error) {
			if m.Op().Is(entgo.OpUpdate|entgo.OpUpdateOne) && onlyLastSeen(m) {
				return next.Mutate(ctx, m)
			}
			sys := SystemContext(ctx, "find the users whose sessions change")
			ids, err := m.IDs(sys)
			if err != nil {
				return nil, fmt.Errorf("sessions to change: %w", err)
			}
			users, err := m.Client().Session.Query().Where(session.IDIn(ids...)).Select(session.FieldUserID).Ints(sys)
			if err != nil {
				return nil, fmt.Errorf("users of sessions: %w", err)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			return v, announce(ctx, m.Client(), userChanges(users)...)
		})
	}, entgo.OpUpdate|entgo.OpUpdateOne|entgo.OpDelete|entgo.OpDeleteOne)
}

// onlyLastSeen reports whether m sets nothing but last_seen_at (and the update time).
func onlyLastSeen(m *ent.SessionMutation) bool {
	if len(m.ClearedFields()) > 0 {
		return false
	}
	for _, f := range m.Fields() {
		if f != session.FieldLastSeenAt && f != session.FieldUpdatedAt {
			return false
		}
	}
	return true
}

func userChanges(ids []int) []Change {
	out := make([]Change, 0, len(ids))
	for _, id := range ids {
		out = append(out, Change{UserID: id})
	}
	return out
}
