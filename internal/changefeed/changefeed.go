// Package changefeed carries authorization changes (authz.Change) between gridgov processes
// that share one PostgreSQL database: every process LISTENs on authz.ChangesChannel and drops
// the cached viewers a change affects. While its listening connection is down a process cannot
// know what changed, so its cache is switched off until the connection is back.
package changefeed

import (
	"context"
	"log/slog"
	"time"

	"github.com/lib/pq"

	"gridgov/authz"
)

// pingEvery is how often an idle listener checks its connection: a connection that died
// silently (a restarted server behind a proxy) would otherwise go unnoticed.
const pingEvery = 5 * time.Second

// Listen relays changes announced on PostgreSQL at dsn to cache until ctx ends. It returns
// at once; the cache is off until the first connection is established and whenever it is
// lost. ready, when not nil, is closed once the listener is first connected.
func Listen(ctx context.Context, dsn string, cache *authz.ViewerCache, logger *slog.Logger, ready chan<- struct{}) error {
	cache.SetLive(false)
	first := true
	events := func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			cache.SetLive(true)
			if first && ready != nil {
				close(ready)
			}
			first = false
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			cache.SetLive(false)
			logger.Warn("authorization change feed lost its connection; viewers are loaded per request until it is back", "err", err)
		}
	}
	l := pq.NewListener(dsn, 100*time.Millisecond, 5*time.Second, events)
	if err := l.Listen(authz.ChangesChannel); err != nil {
		// pq keeps retrying in the background; the cache stays off meanwhile.
		logger.Warn("authorization change feed not connected yet", "err", err)
	}
	go relay(ctx, l, cache, logger)
	return nil
}

func relay(ctx context.Context, l *pq.Listener, cache *authz.ViewerCache, logger *slog.Logger) {
	defer l.Close()
	defer authz.ListenerRunning()()
	tick := time.NewTicker(pingEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			cache.SetLive(false)
			return
		case n := <-l.Notify:
			if n == nil {
				// pq sends nil after a reconnect: notifications may have been missed.
				cache.Invalidate(authz.Change{All: true})
				continue
			}
			ch, err := authz.ParseChange(n.Extra)
			if err != nil {
				logger.Warn("authorization change feed: unreadable notification; dropping every cached viewer", "payload", n.Extra)
				ch = authz.Change{All: true}
			}
			cache.Invalidate(ch)
			authz.Heard(n.Extra)
		case <-tick.C:
			if err := l.Ping(); err != nil {
				cache.SetLive(false)
			}
		}
	}
}
