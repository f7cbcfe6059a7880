package apperr_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"gridgov/ent/privacy"
	"gridgov/internal/apperr"
	"gridgov/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestClassify checks the mapping of errors without a code to what a client is told.
func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"coded error keeps its code", fmt.Errorf("wrapped: %w", apperr.Invalid("title", "too long")), apperr.BadInput},
		{"privacy deny", fmt.Errorf("load: %w", privacy.Deny), apperr.Forbidden},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), apperr.Timeout},
		{"deadlock", fmt.Errorf("update: %w", &pq.Error{Code: "40P01"}), apperr.Conflict},
		{"serialization failure", fmt.Errorf("commit: %w", &pq.Error{Code: "40001"}), apperr.Conflict},
		{"other database error", fmt.Errorf("insert: %w", &pq.Error{Code: "42P01"}), apperr.Internal},
		{"unknown", errors.New("boom"), apperr.Internal},
	} {
		if got := apperr.Classify(tc.err); got.Code != tc.want {
			t.Errorf("%s: Classify(%v) = %s (%q), want %s", tc.name, tc.err, got.Code, got.Message, tc.want)
		}
	}
	if e := apperr.Classify(errors.New("boom")); e.Message != apperr.InternalMessage {
		t.Errorf("an internal error tells the client %q, want only %q", e.Message, apperr.InternalMessage)
	}
}

// TestDeadlockIsConflict makes PostgreSQL break a real deadlock and a real serialization
// failure and wants both told to the client as CONFLICT with a message asking for a retry,
// not as an internal error.
func TestDeadlockIsConflict(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, dialect.Postgres)
	ctx := context.Background()
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE clash (id int PRIMARY KEY, v int NOT NULL); INSERT INTO clash VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no transaction failed", what)
		}
		e := apperr.Classify(fmt.Errorf("save: %w", err))
		if e.Code != apperr.Conflict || !strings.Contains(e.Message, "again") {
			t.Errorf("%s (%v) is %s %q, want CONFLICT asking to send the request again", what, err, e.Code, e.Message)
		}
	}

	t.Run("deadlock", func(t *testing.T) {
		// Two transactions each lock one row, then wait for the other's: PostgreSQL aborts one.
		a, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Rollback()
		b, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Rollback()
		if _, err := a.ExecContext(ctx, `UPDATE clash SET v = 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ExecContext(ctx, `UPDATE clash SET v = 1 WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, errs[0] = a.ExecContext(ctx, `UPDATE clash SET v = 2 WHERE id = 2`)
			a.Rollback()
		}()
		go func() {
			defer wg.Done()
			_, errs[1] = b.ExecContext(ctx, `UPDATE clash SET v = 2 WHERE id = 1`)
			b.Rollback()
		}()
		wg.Wait()
		check("a deadlock", errors.Join(errs[0], errs[1]))
	})

	t.Run("serialization failure", func(t *testing.T) {
		// Two serializable transactions read a row, and both then change it.
		a, err := db.SQL.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Rollback()
		b, err := db.SQL.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Rollback()
		var v int
		for _, tx := range []*sql.Tx{a, b} {
			if err := tx.QueryRowContext(ctx, `SELECT v FROM clash WHERE id = 1`).Scan(&v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.ExecContext(ctx, `UPDATE clash SET v = v + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if err := a.Commit(); err != nil {
			t.Fatal(err)
		}
		_, err = b.ExecContext(ctx, `UPDATE clash SET v = v + 1 WHERE id = 1`)
		check("a serialization failure", err)
	})
}
