package realtime

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	entgo "entgo.io/ent"
	"entgo.io/ent/dialect"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/hook"
	"gridgov/internal/txbatch"
)

// Channel is the PostgreSQL NOTIFY channel of committed case steps. A payload is
// "a:ID,ID,… #nonce": the ids of the steps' EventAction rows and the id of the announcing
// process (authz.ProcessID), by which its own listener skips what it already delivered.
const Channel = "gridgov_events"

// maxPayload keeps each NOTIFY payload under PostgreSQL's limit of 8,000 bytes.
const maxPayload = 7000

// Note is what a process hears of a commit: the step recorded, by id. Refetch, with no id,
// says that notes may have been missed (a listener lost its connection).
type Note struct {
	ActionID int
	Refetch  bool
	// db is the database of a note committed in this process (ent.RootDriver): a process that
	// opens several databases (tests do) routes each note to its own database's hubs only.
	db dialect.Driver
}

// bus hands the notes committed in this process to its brokers.
var bus struct {
	sync.RWMutex
	next int
	fs   map[int]func([]Note)
}

// subscribeLocal calls f with the notes of every commit of this process, after the commit,
// until the returned function is called.
func subscribeLocal(f func([]Note)) (unsubscribe func()) {
	bus.Lock()
	defer bus.Unlock()
	if bus.fs == nil {
		bus.fs = map[int]func([]Note){}
	}
	id := bus.next
	bus.next++
	bus.fs[id] = f
	return func() {
		bus.Lock()
		defer bus.Unlock()
		delete(bus.fs, id)
	}
}

func publishLocal(notes []Note) {
	bus.RLock()
	defer bus.RUnlock()
	for _, f := range bus.fs {
		f(notes)
	}
}

// pending holds the steps of each open transaction until it commits.
var pending txbatch.Batches[Note]

// Hook announces every case step recorded (an EventAction row inserted) once its transaction
// commits: on PostgreSQL by NOTIFY on Channel inside the transaction, so that other processes
// hear of exactly the committed steps, and in this process after the commit. A rolled-back
// step is never announced. Outside a transaction the step is announced at once.
func Hook() entgo.Hook {
	return hook.On(func(next entgo.Mutator) entgo.Mutator {
		return hook.EventActionFunc(func(ctx context.Context, m *ent.EventActionMutation) (entgo.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return nil, err
			}
			a, ok := v.(*ent.EventAction)
			if !ok {
				return v, nil
			}
			return v, announce(ctx, m.Client(), Note{ActionID: a.ID, db: ent.RootDriver(m.Client())})
		})
	}, entgo.OpCreate)
}

func announce(ctx context.Context, client *ent.Client, notes ...Note) error {
	tx, key, inTx := ent.AuditClientTx(client)
	if !inTx {
		if err := notify(ctx, client, notes); err != nil {
			return err
		}
		publishLocal(notes)
		return nil
	}
	pending.Add(tx, key, notes, func(ctx context.Context, tx *ent.Tx, notes []Note, commit func() error) error {
		if err := notify(ctx, tx.Client(), notes); err != nil {
			_ = tx.Rollback() // the commit is refused: end the transaction here
			return err
		}
		if err := commit(); err != nil {
			return err
		}
		publishLocal(notes)
		return nil
	})
	return nil
}

// notify sends notes on Channel on PostgreSQL (SQLite has one process: nothing to send).
func notify(ctx context.Context, client *ent.Client, notes []Note) error {
	if client.Dialect() != dialect.Postgres {
		return nil
	}
	for _, payload := range payloads(notes, authz.ProcessID()) {
		if _, err := client.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, payload); err != nil {
			return fmt.Errorf("announce case steps: %w", err)
		}
	}
	return nil
}

// payloads writes notes as NOTIFY payloads of at most maxPayload bytes each.
func payloads(notes []Note, nonce string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String()+" #"+nonce)
			b.Reset()
		}
	}
	for _, n := range notes {
		if n.ActionID == 0 {
			continue
		}
		id := strconv.Itoa(n.ActionID)
		if b.Len()+len(id)+1 > maxPayload {
			flush()
		}
		if b.Len() == 0 {
			b.WriteString("a:")
		} else {
			b.WriteByte(',')
		}
		b.WriteString(id)
	}
	flush()
	return out
}

// parsePayload reads a payload written by payloads: its notes and the announcing process.
func parsePayload(s string) (notes []Note, from string, err error) {
	body, from, _ := strings.Cut(s, " #")
	ids, ok := strings.CutPrefix(body, "a:")
	if !ok {
		return nil, "", fmt.Errorf("realtime: bad payload %q", s)
	}
	for _, f := range strings.Split(ids, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, "", fmt.Errorf("realtime: bad payload %q", s)
		}
		notes = append(notes, Note{ActionID: n})
	}
	return notes, from, nil
}
