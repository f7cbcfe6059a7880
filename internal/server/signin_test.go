package server_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestReadWhileSignInsHash: sign-ins in the middle of their password hash hold no database
// connection, so a signed-in read is served although every connection of the pool would be
// taken by one of them; a sign-in beyond the hashing slots is refused with RATE_LIMITED
// rather than queued.
func TestReadWhileSignInsHash(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		token := env.TokenFor(t, 0, true)
		slots := runtime.NumCPU()
		db.SQL.SetMaxOpenConns(slots) // as many connections as sign-ins hashing at once
		entered, release := make(chan struct{}), make(chan struct{})
		env.Auth.BeforeHash = func() { entered <- struct{}{}; <-release }
		env.Auth.HashWait = 0
		var wg sync.WaitGroup
		codes := make([][]string, slots)
		for i := range slots {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = env.Do(t, "", loginMutation, map[string]any{"u": "nobody", "p": "wrong-password"}).Codes()
			}()
		}
		for range slots {
			<-entered
		}
		// The guard only keeps a regression from hanging the test run.
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		read := make(chan []string, 1)
		go func() { read <- env.Do(t, token, `{ me { username } }`, nil).Codes() }()
		select {
		case got := <-read:
			if len(got) > 0 {
				t.Errorf("read while %d sign-ins hash: errors %v", slots, got)
			}
		case <-ctx.Done():
			t.Errorf("read while %d sign-ins hash did not finish: they hold the pool's connections", slots)
		}
		if got := env.Do(t, "", loginMutation, map[string]any{"u": "other", "p": "wrong-password"}).Codes(); len(got) != 1 || got[0] != "RATE_LIMITED" {
			t.Errorf("sign-in with every hashing slot taken: codes %v, want [RATE_LIMITED]", got)
		}
		close(release)
		wg.Wait()
		for i, c := range codes {
			if len(c) != 1 || c[0] != "UNAUTHENTICATED" {
				t.Errorf("held sign-in %d: codes %v, want [UNAUTHENTICATED]", i, c)
			}
		}
	})
}

// TestLoginAloneInItsMutation: login runs outside the mutation's transaction, so it cannot
// share a mutation with fields that run inside one.
func TestLoginAloneInItsMutation(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "sqlite3")
	env := servertest.New(t, db)
	token := env.TokenFor(t, 0, true)
	env.MustFail(t, token, `mutation { login(username: "a", password: "b") { token } logout }`, nil, "BAD_USER_INPUT")
}
