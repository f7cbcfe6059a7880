// Package imports runs a signed-in user's imports in the background: startImport answers
// at once with a job, and the user asks how far it is (importJob) until it is done, instead
// of holding one request open while 100,000 rows are checked and written. A job is a row in
// the database, so any server process can answer for it; its work runs in the process that
// started it, on the viewer's authority as it was at the start, in a transaction of its own.
package imports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/importjob"
	"gridgov/internal/apperr"
)

// Bounds of the jobs.
const (
	// PerUser is how many jobs one account may run at once.
	PerUser = 2
	// PerProcess is how many jobs one server process runs at once: each holds its file (up
	// to 40 MB) and its plan in memory.
	PerProcess = 4
	// Timeout stops a job that runs longer; nothing of it is written.
	Timeout = 15 * time.Minute
	// heartbeat is how often a running job's row is written even when it reports nothing.
	heartbeat = 5 * time.Second
	// stale is how long a RUNNING job may go unwritten before it counts as left behind by a
	// server that stopped.
	stale = 4 * heartbeat
	// progressEvery bounds how often progress is written.
	progressEvery = 500 * time.Millisecond
)

// Progress is told how far the work is, as excel.Progress is.
type Progress func(stage string, done, total int)

// Work is what a job does: it runs on ctx (the viewer's, detached from the request) through
// client, reports its progress, and returns the result the API shows (marshalled as JSON).
type Work func(ctx context.Context, client *ent.Client, progress Progress) (any, error)

// Runner starts jobs and answers for them.
type Runner struct {
	client  *ent.Client
	logger  *slog.Logger
	slots   chan struct{}
	running sync.WaitGroup

	// mu makes counting a viewer's jobs and taking one more a single step: the rows of
	// jobs started at the same moment are not committed yet, so the database alone counts
	// too few. perUser counts this process's jobs not yet ended, committed or not.
	mu      sync.Mutex
	perUser map[int]int
}

// NewRunner returns a runner whose jobs work through client (the root client, not a
// transaction's).
func NewRunner(client *ent.Client, logger *slog.Logger) *Runner {
	if logger == nil {
		logger = slog.Default()
	}
	return &Runner{client: client, logger: logger, slots: make(chan struct{}, PerProcess), perUser: map[int]int{}}
}

// Start records a job for the viewer of ctx and runs work in the background once the job is
// committed: when tx (the client of the request) is bound to a transaction, at its commit;
// else at once. It refuses, with RATE_LIMITED or OVERLOADED, a viewer running PerUser jobs
// already or a process running PerProcess.
func (r *Runner) Start(ctx context.Context, tx *ent.Client, kind importjob.Kind, dryRun bool, fileName string, work Work) (*ent.ImportJob, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "start an import job")
	if err := r.take(sys, tx, v.UserID); err != nil {
		return nil, err
	}
	job, err := tx.ImportJob.Create().SetKind(kind).SetDryRun(dryRun).SetFileName(truncate(fileName, 255)).
		SetUserID(v.UserID).Save(sys)
	if err != nil {
		r.give(v.UserID)
		return nil, fmt.Errorf("start import job: %w", err)
	}
	// The work runs on the viewer alone: not on the request's context, which ends with the
	// response and holds its transaction and loaders.
	jobCtx := authz.NewContext(context.Background(), v)
	r.running.Add(1)
	release := sync.OnceFunc(func() { r.give(v.UserID); r.running.Done() })
	run := func() {
		defer release()
		r.run(jobCtx, job, work)
	}
	if t, _, inTx := ent.AuditClientTx(tx); inTx {
		t.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, t *ent.Tx) error {
				err := next.Commit(ctx, t)
				if err == nil {
					go run()
				} else {
					release()
				}
				return err
			})
		})
		t.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
			return ent.RollbackFunc(func(ctx context.Context, t *ent.Tx) error {
				release()
				return next.Rollback(ctx, t)
			})
		})
	} else {
		go run()
	}
	return job, nil
}

// take counts the jobs of userID — every process's in the database, and this process's not
// committed yet — and takes a slot for one more, or refuses.
func (r *Runner) take(sys context.Context, tx *ent.Client, userID int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := tx.ImportJob.Query().Where(importjob.UserID(userID), importjob.StatusEQ(importjob.StatusRUNNING),
		importjob.UpdatedAtGT(time.Now().Add(-stale))).Count(sys)
	if err != nil {
		return err
	}
	if n = max(n, r.perUser[userID]); n >= PerUser {
		return apperr.New(apperr.RateLimited, "you have %d imports running: wait until one is done (importJob tells), then start the next", n)
	}
	select {
	case r.slots <- struct{}{}:
	default:
		return apperr.New(apperr.Overloaded, "the server is running %d imports: try again in a minute", PerProcess)
	}
	r.perUser[userID]++
	return nil
}

// give returns the slot take took for a job of userID.
func (r *Runner) give(userID int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.perUser[userID]--; r.perUser[userID] <= 0 {
		delete(r.perUser, userID)
	}
	<-r.slots
}

// progress is how far a job is.
type progress struct {
	stage       string
	done, total int
}

// run does the job's work and records how it went. Progress is kept in memory and written
// by a goroutine of its own: the work never waits for the database on its account (on SQLite
// the import's own transaction holds the one write lock while it writes).
func (r *Runner) run(ctx context.Context, job *ent.ImportJob, work Work) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var mu sync.Mutex
	var cur progress
	dirty := false
	report := func(stage string, done, total int) {
		mu.Lock()
		cur, dirty = progress{truncate(stage, 64), max(done, 0), max(total, 0)}, true
		mu.Unlock()
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		sys := authz.SystemContext(context.Background(), "record an import job's progress")
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		written := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			mu.Lock()
			p, write := cur, dirty
			dirty = false
			mu.Unlock()
			u := r.client.ImportJob.UpdateOneID(job.ID)
			switch {
			case write:
				u.SetStage(p.stage).SetDone(p.done).SetTotal(p.total)
			case time.Since(written) >= heartbeat: // alive, if silent: a big sheet is being read
				u.SetUpdatedAt(time.Now().UTC())
			default:
				continue
			}
			if err := u.Exec(sys); err != nil {
				r.logger.Warn("import job progress not recorded", "job", job.Token, "error", err)
				continue
			}
			written = time.Now()
		}
	}()
	result, err := safely(func() (any, error) { return work(ctx, r.client, report) })
	close(stop)
	<-stopped
	done := r.client.ImportJob.UpdateOneID(job.ID).SetFinishedAt(time.Now().UTC())
	if err == nil {
		var raw []byte
		if raw, err = json.Marshal(result); err == nil {
			done.SetStatus(importjob.StatusDONE).SetResult(raw)
		}
	}
	if err != nil {
		e := apperr.Classify(err)
		if errors.Is(err, context.DeadlineExceeded) {
			e = apperr.New(apperr.Timeout, "the import ran longer than %s and was stopped: nothing was written; split the file", Timeout)
		}
		if e.Code == apperr.Internal {
			r.logger.Error("import job failed", "job", job.Token, "error", err)
		}
		done.SetStatus(importjob.StatusFAILED).SetError(truncate(e.Message, 2000)).SetErrorCode(string(e.Code))
	}
	if err := done.Exec(authz.SystemContext(context.Background(), "record an import job's end")); err != nil {
		r.logger.Error("import job end not recorded", "job", job.Token, "error", err)
	}
}

// safely runs f, turning a panic into an error: a job's goroutine has no request to fail.
func safely(f func() (any, error)) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("import job panicked: %v", p)
		}
	}()
	return f()
}

// Get returns the job named token if the viewer of ctx started it; another's job, like a
// job that does not exist, is NOT_FOUND. A RUNNING job not written for long is answered as
// FAILED: the server running it stopped.
func (r *Runner) Get(ctx context.Context, token string) (*ent.ImportJob, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	job, err := r.client.ImportJob.Query().Where(importjob.Token(token), importjob.UserID(v.UserID)).
		Only(authz.SystemContext(ctx, "show an import job to the account that started it"))
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no import job %q of yours (jobs are kept for the account that started them)", token)
	}
	if err != nil {
		return nil, err
	}
	if job.Status == importjob.StatusRUNNING && time.Since(job.UpdatedAt) > stale {
		job.Status = importjob.StatusFAILED
		job.ErrorCode = string(apperr.Unavailable)
		job.Error = "the server running this import stopped before recording its end: run the file again as a dry run to see what is still to do"
	}
	return job, nil
}

// Wait returns once every job started has ended: for tests and a draining server.
func (r *Runner) Wait() { r.running.Wait() }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 { // not in the middle of a UTF-8 character
		n--
	}
	return s[:n]
}
