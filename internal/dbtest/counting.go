package dbtest

import (
	"context"
	stdsql "database/sql"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"gridgov/ent"
)

// CountingClient returns a client on db's pool that counts every statement sent through it,
// in and out of transactions, in the returned counter: tests that bound statements per
// request (N+1, the cached viewer, the audit log) read it.
func CountingClient(db *DB) (*ent.Client, *atomic.Int64) {
	n := &atomic.Int64{}
	return ent.NewClient(ent.Driver(countingDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL), n: n})), n
}

// countingDriver counts the statements sent to the database outside transactions and hands
// its transactions a counting wrapper.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	note(ctx, query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.n.Add(1)
	note(ctx, query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	return countingTx{Tx: tx, n: d.n}, err
}

// countingTx counts the statements of one transaction.
type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	note(ctx, query)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	note(ctx, query)
	return t.Tx.Query(ctx, query, args, v)
}

// Statements are the SQL texts a CountingClient sent for the contexts derived from one
// (WithStatements), such as one HTTP request's: a counter shared by concurrent requests
// cannot tell whose statements it counted.
type Statements struct {
	mu   sync.Mutex
	list []string
}

type statementsKey struct{}

// WithStatements returns ctx recording, in the returned Statements, the statements that a
// CountingClient sends with it or a context derived from it.
func WithStatements(ctx context.Context) (context.Context, *Statements) {
	s := &Statements{}
	return context.WithValue(ctx, statementsKey{}, s), s
}

// List returns the statements recorded so far, in the order they were sent.
func (s *Statements) List() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.list...)
}

func note(ctx context.Context, query string) {
	if s, ok := ctx.Value(statementsKey{}).(*Statements); ok {
		s.mu.Lock()
		s.list = append(s.list, query)
		s.mu.Unlock()
	}
}

// execer and querier are database/sql's raw calls, which ent's clients pass through when the
// driver below has them (Client.ExecContext, Client.QueryContext).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// ExecContext counts and passes on a raw statement outside a transaction.
func (d countingDriver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	d.n.Add(1)
	note(ctx, query)
	return d.Driver.(execer).ExecContext(ctx, query, args...)
}

// QueryContext counts and passes on a raw query outside a transaction.
func (d countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	d.n.Add(1)
	note(ctx, query)
	return d.Driver.(querier).QueryContext(ctx, query, args...)
}

// ExecContext counts and passes on a raw statement of the transaction.
func (t countingTx) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	t.n.Add(1)
	note(ctx, query)
	return t.Tx.(execer).ExecContext(ctx, query, args...)
}

// QueryContext counts and passes on a raw query of the transaction.
func (t countingTx) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	t.n.Add(1)
	note(ctx, query)
	return t.Tx.(querier).QueryContext(ctx, query, args...)
}
