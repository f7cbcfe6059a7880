// Package changefeed carries authorization changes (authz.Change) between gridgov processes
// that share one PostgreSQL database: every process LISTENs on authz.ChangesChannel and drops
// the cached viewers a change affects, then acknowledges the change to the process that
// announced it, which answers its mutation only once every peer it knows of has acknowledged
// (authz.Peers). To be known, a process says hello when its listener connects, is there every
// authz.PresenceEvery, and says goodbye when it stops; its cache is switched on only once it
// heard its own hello, so that its peers know of it before it serves a cached viewer. While its
// listening connection is down a process cannot know what changed, so its cache is switched off
// until the connection is back.
package changefeed

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"

	"gridgov/authz"
)

// pingEvery is how often an idle listener checks its connection: a connection that died
// silently (a restarted server behind a proxy) would otherwise go unnoticed.
const pingEvery = 5 * time.Second

// helloRetry is how often a connected listener that has not heard its own hello yet says it
// again (the first may have been sent before LISTEN took effect).
const helloRetry = time.Second

// sendTimeout bounds a signal sent to the peers (hello, presence, acknowledgement, goodbye).
const sendTimeout = 5 * time.Second

// feed is one process's listener and what it says to its peers.
type feed struct {
	db     *sql.DB // signals go through the pool: pq.Listener cannot run statements
	cache  *authz.ViewerCache
	peers  *authz.Peers
	logger *slog.Logger
	ready  chan<- struct{}

	mu        sync.Mutex
	connected bool
	seq       int  // number of the current connection's hello; bumped when a connection is lost
	live      bool // connected and heard its own hello of seq
	sends     sync.WaitGroup
}

// Listen relays changes announced on PostgreSQL at dsn to cache, and signals to its peers
// through db, until ctx ends or stop is called; stop says goodbye to the peers and returns
// once the listener is closed. Listen returns once the listener is connected (pq keeps
// retrying in the background otherwise); the cache is off until the listener heard its own
// hello and whenever the connection is lost. ready, when not nil, is closed once the cache is
// first switched on.
func Listen(ctx context.Context, dsn string, db *sql.DB, cache *authz.ViewerCache, logger *slog.Logger, ready chan<- struct{}) (stop func(), err error) {
	f := &feed{db: db, cache: cache, peers: authz.ProcessPeers(), logger: logger, ready: ready}
	f.setLive(false)
	l := pq.NewListener(dsn, 100*time.Millisecond, 5*time.Second, f.event)
	if err := l.Listen(authz.ChangesChannel); err != nil {
		// pq keeps retrying in the background; the cache stays off meanwhile.
		logger.Warn("authorization change feed not connected yet", "err", err)
	} else {
		// LISTEN is in effect: a hello sent now is heard back.
		f.mu.Lock()
		f.connected = true
		f.mu.Unlock()
		f.hello()
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.relay(ctx, l)
	}()
	return func() { cancel(); <-done }, nil
}

// event follows the listener's connection (on pq's goroutine).
func (f *feed) event(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		f.mu.Lock()
		f.connected = false
		f.seq++ // a hello of the lost connection no longer switches the cache on
		f.mu.Unlock()
		f.setLive(false)
		f.logger.Warn("authorization change feed lost its connection; viewers are loaded per request until it is back", "err", err)
	}
}

// setLive switches the cache, and the waits for acknowledgements, on or off.
func (f *feed) setLive(live bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLiveLocked(live)
}

func (f *feed) setLiveLocked(live bool) {
	if live && !f.live && f.ready != nil {
		close(f.ready)
		f.ready = nil
	}
	f.live = live
	f.cache.SetLive(live)
	f.peers.SetLive(live)
}

// hello tells the peers that this process listens on its current connection.
func (f *feed) hello() {
	f.mu.Lock()
	seq := f.seq
	f.mu.Unlock()
	f.send(authz.HelloPayload(seq))
}

// send notifies payload through the pool, off the relay goroutine: a busy pool must not hold
// up the invalidation of the caches.
func (f *feed) send(payload string) {
	f.sends.Add(1)
	go func() {
		defer f.sends.Done()
		f.sendNow(payload)
	}()
}

func (f *feed) sendNow(payload string) {
	ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
	defer cancel()
	if _, err := f.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", authz.ChangesChannel, payload); err != nil {
		f.logger.Warn("authorization change feed: could not signal the peer processes", "payload", payload, "err", err)
	}
}

func (f *feed) relay(ctx context.Context, l *pq.Listener) {
	defer l.Close()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	presence := time.NewTicker(authz.PresenceEvery)
	defer presence.Stop()
	retry := time.NewTicker(helloRetry)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			f.setLive(false)
			f.sends.Wait()
			f.sendNow(authz.GoodbyePayload())
			return
		case n := <-l.Notify:
			if n == nil {
				// pq sends nil after a reconnect: notifications may have been missed, and the
				// peers may have forgotten this process.
				f.cache.Invalidate(authz.Change{All: true})
				f.mu.Lock()
				f.connected = true
				f.seq++
				f.mu.Unlock()
				f.hello()
				continue
			}
			f.handle(n.Extra)
		case <-ping.C:
			if err := l.Ping(); err != nil {
				f.setLive(false)
			}
		case <-presence.C:
			f.send(authz.PresencePayload())
		case <-retry.C:
			f.mu.Lock()
			again := f.connected && !f.live
			f.mu.Unlock()
			if again {
				f.hello()
			}
		}
	}
}

// handle takes in one notification.
func (f *feed) handle(payload string) {
	n, err := authz.ParseNotice(payload)
	if err != nil {
		f.logger.Warn("authorization change feed: unreadable notification; dropping every cached viewer", "payload", payload)
		f.cache.Invalidate(authz.Change{All: true})
		return
	}
	self := authz.ProcessID()
	switch n.Kind {
	case authz.NoticeChange:
		f.cache.Invalidate(n.Change)
		if n.From != "" && n.From != self {
			// Only now that the cache no longer holds what the change affects.
			f.send(authz.AckPayload(n.Nonce))
		}
	case authz.NoticeHello:
		if n.From == self {
			f.mu.Lock()
			if f.connected && n.Seq == f.seq {
				f.setLiveLocked(true)
			}
			f.mu.Unlock()
		} else {
			f.send(authz.PresencePayload()) // so that a newcomer knows of this process at once
		}
	}
	f.peers.Heard(n)
}
