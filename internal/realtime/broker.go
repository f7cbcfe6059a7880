package realtime

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"

	"gridgov/authz"
)

// Broker brings the case steps committed by every process sharing the database to this
// process, as notes (ids only).
type Broker interface {
	// Subscribe calls f with each batch of notes, in commit order per process, until the
	// returned function is called. f must not block.
	Subscribe(f func([]Note)) (unsubscribe func())
}

// Local is the broker of a process that is alone on its database (SQLite): it hears this
// process's commits.
type Local struct{}

// Subscribe calls f with the notes of this process's commits.
func (Local) Subscribe(f func([]Note)) func() { return subscribeLocal(f) }

// pingEvery is how often an idle listener checks its connection.
const pingEvery = 5 * time.Second

// Postgres is the broker of processes sharing a PostgreSQL database: this process's commits
// in process, the others' through LISTEN on Channel. When its listening connection is lost
// and back, it tells its subscribers to refetch (Note.Refetch): what was committed meanwhile
// was not heard.
type Postgres struct {
	mu   sync.RWMutex
	next int
	fs   map[int]func([]Note)
}

// ListenPostgres starts a broker listening on the PostgreSQL database at dsn until stop is
// called. It returns once LISTEN is in effect, or with the error of the first attempt while pq
// keeps trying in the background.
func ListenPostgres(ctx context.Context, dsn string, logger *slog.Logger) (b *Postgres, stop func(), err error) {
	b = &Postgres{fs: map[int]func([]Note){}}
	l := pq.NewListener(dsn, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			logger.Warn("case change feed lost its connection; subscribers will be told to refetch when it is back", "err", err)
		}
	})
	if err = l.Listen(Channel); err != nil {
		logger.Warn("case change feed not connected yet", "err", err)
	}
	unlocal := subscribeLocal(b.publish)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer l.Close()
		ping := time.NewTicker(pingEvery)
		defer ping.Stop()
		self := authz.ProcessID()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.Notify:
				if n == nil { // reconnected: notifications may have been missed
					b.publish([]Note{{Refetch: true}})
					continue
				}
				notes, from, err := parsePayload(n.Extra)
				if err != nil {
					logger.Warn("case change feed: unreadable notification; subscribers told to refetch", "payload", n.Extra)
					b.publish([]Note{{Refetch: true}})
					continue
				}
				if from != self { // this process's own commits came in process
					b.publish(notes)
				}
			case <-ping.C:
				_ = l.Ping() // a dead connection is noticed here and reconnected by pq
			}
		}
	}()
	return b, func() { cancel(); <-done; unlocal() }, err
}

// Subscribe calls f with the notes of every process's commits.
func (b *Postgres) Subscribe(f func([]Note)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.fs[id] = f
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.fs, id)
	}
}

func (b *Postgres) publish(notes []Note) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.fs {
		f(notes)
	}
}
