package calendar

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lib/pq"

	"gridgov/ent"
	"gridgov/internal/workcal"
)

// warnEvery is how often a running server repeats Warning, so that a server started in
// October still says in November that next year has no schedule.
const warnEvery = 24 * time.Hour

// Start loads the database's calendar into the process-wide one, logs Warning at now() and
// again every day, and on PostgreSQL (dsn not "") listens on Channel so that another process's
// change is reloaded here, until ctx ends or stop is called. A failed reload keeps the
// calendar in force and is logged.
func Start(ctx context.Context, client *ent.Client, dsn string, logger *slog.Logger, now func() time.Time) (stop func(), err error) {
	cal, err := Reload(ctx, client)
	if err != nil {
		return nil, err
	}
	LogWarning(logger, cal, now())
	stopListen := func() {}
	if dsn != "" {
		if stopListen, err = Listen(ctx, client, dsn, logger); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(warnEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				LogWarning(logger, workcal.Default(), now())
			}
		}
	}()
	return func() { cancel(); <-done; stopListen() }, nil
}

// Listen reloads the process-wide calendar whenever a process announces a change on Channel,
// and after the listening connection comes back (a change may have been missed meanwhile).
func Listen(ctx context.Context, client *ent.Client, dsn string, logger *slog.Logger) (stop func(), err error) {
	l := pq.NewListener(dsn, 100*time.Millisecond, 5*time.Second, nil)
	if err := l.Listen(Channel); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("listen for calendar changes: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer l.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case <-l.Notify: // a change, or nil after a reconnect: reload either way
				if _, err := Reload(ctx, client); err != nil && ctx.Err() == nil {
					logger.Warn("work calendar: reload after a change failed; the previous calendar stays in force", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}

// Reset restores the built-in calendar as the process-wide one (tests).
func Reset() { workcal.SetDefault(nil) }
