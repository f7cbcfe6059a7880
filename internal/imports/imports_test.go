package imports_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/importjob"
	"gridgov/ent/user"
	"gridgov/internal/apperr"
	"gridgov/internal/dbtest"
	"gridgov/internal/imports"
	"gridgov/internal/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// viewer is a signed-in account's context, with a person on no grid (the runner needs only
// the account).
func viewer(t *testing.T, env *servertest.Env, db *dbtest.DB) (context.Context, int) {
	t.Helper()
	ctx := servertest.System()
	env.TokenFor(t, 0, false)
	users := db.Client.User.Query().Order(ent.Desc(user.FieldID)).AllX(ctx)
	v, err := env.Enforcer.LoadViewer(ctx, db.Client, users[0], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return authz.NewContext(context.Background(), v), users[0].ID
}

// waitFor polls the job until done says so, for at most 10 s.
func waitFor(t *testing.T, r *imports.Runner, ctx context.Context, token string, done func(*ent.ImportJob) bool) *ent.ImportJob {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		job, err := r.Get(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if done(job) {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s stayed %+v", token, job)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRunner: a job's progress is readable while it runs, its result once it is done, and by
// its account alone; an account runs at most PerUser jobs at once; a failing job tells why
// with its code; a job left RUNNING by a stopped server reads as FAILED.
func TestRunner(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		r := imports.NewRunner(db.Client, nil)
		ctx, userID := viewer(t, env, db)
		other, _ := viewer(t, env, db)

		release := make(chan struct{})
		blocked := func(ctx context.Context, _ *ent.Client, progress imports.Progress) (any, error) {
			progress("checked", 5, 10)
			<-release
			if authz.FromContext(ctx) == nil {
				return nil, errors.New("the work runs without the viewer")
			}
			return map[string]int{"rows": 10}, nil
		}
		var tokens []string
		for range imports.PerUser {
			job, err := r.Start(ctx, db.Client, importjob.KindLEDGER, true, "a.xlsx", blocked)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, job.Token)
		}
		if _, err := r.Start(ctx, db.Client, importjob.KindLEDGER, true, "a.xlsx", blocked); apperr.CodeOf(err) != apperr.RateLimited {
			t.Errorf("a job beyond %d: %v, want RATE_LIMITED", imports.PerUser, err)
		}
		job := waitFor(t, r, ctx, tokens[0], func(j *ent.ImportJob) bool { return j.Stage == "checked" })
		if job.Status != importjob.StatusRUNNING || job.Done != 5 || job.Total != 10 || job.UserID != userID {
			t.Errorf("a running job: %+v", job)
		}
		if _, err := r.Get(other, tokens[0]); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another account's job: %v, want NOT_FOUND", err)
		}
		close(release)
		r.Wait()
		job = waitFor(t, r, ctx, tokens[0], func(j *ent.ImportJob) bool { return j.Status != importjob.StatusRUNNING })
		var result map[string]int
		_ = json.Unmarshal(job.Result, &result)
		if job.Status != importjob.StatusDONE || result["rows"] != 10 || job.FinishedAt == nil {
			t.Errorf("a finished job: %+v", job)
		}

		// Refused input fails the job with its code and message.
		bad, err := r.Start(ctx, db.Client, importjob.KindROSTER, false, "b.xlsx", func(context.Context, *ent.Client, imports.Progress) (any, error) {
			return nil, apperr.Invalid("file", "not an xlsx workbook")
		})
		if err != nil {
			t.Fatal(err)
		}
		r.Wait()
		job = waitFor(t, r, ctx, bad.Token, func(j *ent.ImportJob) bool { return j.Status != importjob.StatusRUNNING })
		if job.Status != importjob.StatusFAILED || job.ErrorCode != "BAD_USER_INPUT" || job.Error != "not an xlsx workbook" {
			t.Errorf("a failed job: %+v", job)
		}

		// A job started inside a transaction runs once it commits, and never when it rolls back.
		tx, err := db.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ran := make(chan struct{}, 1)
		noted := func(context.Context, *ent.Client, imports.Progress) (any, error) { ran <- struct{}{}; return nil, nil }
		if _, err := r.Start(ctx, tx.Client(), importjob.KindROSTER, true, "c.xlsx", noted); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		r.Wait()
		if len(ran) != 0 {
			t.Error("a job of a rolled-back transaction ran")
		}
		tx, _ = db.Client.Tx(ctx)
		committed, err := r.Start(ctx, tx.Client(), importjob.KindROSTER, true, "d.xlsx", noted)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		r.Wait()
		if len(ran) != 1 {
			t.Error("a job of a committed transaction did not run")
		}
		waitFor(t, r, ctx, committed.Token, func(j *ent.ImportJob) bool { return j.Status == importjob.StatusDONE })

		// A job left RUNNING by a server that stopped reads as FAILED.
		left := db.Client.ImportJob.Create().SetKind(importjob.KindLEDGER).SetDryRun(false).SetUserID(userID).
			SetUpdatedAt(time.Now().Add(-time.Hour)).SaveX(servertest.System())
		if job, err := r.Get(ctx, left.Token); err != nil || job.Status != importjob.StatusFAILED || job.ErrorCode != "DATABASE_UNAVAILABLE" {
			t.Errorf("a job left behind: %+v %v", job, err)
		}
	})
}

// TestRunnerRace: 24 starts of one account at once, each with work that waits: exactly
// PerUser jobs run, every other start is refused with RATE_LIMITED.
func TestRunnerRace(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		env := servertest.New(t, db)
		r := imports.NewRunner(db.Client, nil)
		ctx, _ := viewer(t, env, db)
		release := make(chan struct{})
		wait := func(context.Context, *ent.Client, imports.Progress) (any, error) { <-release; return nil, nil }
		var started, refused atomic.Int32
		var wg sync.WaitGroup
		for range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := r.Start(ctx, db.Client, importjob.KindLEDGER, true, "race.xlsx", wait)
				switch apperr.CodeOf(err) {
				case "":
					if err == nil {
						started.Add(1)
					} else {
						t.Error(err)
					}
				case apperr.RateLimited:
					refused.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(release)
		r.Wait()
		if started.Load() != imports.PerUser || refused.Load() != 24-imports.PerUser {
			t.Errorf("%d started, %d refused; want %d and %d", started.Load(), refused.Load(), imports.PerUser, 24-imports.PerUser)
		}
	})
}
