package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// fakeTx is a transaction whose commit fails with commitErr.
type fakeTx struct {
	commitErr             error
	committed, rolledBack *bool
}

func (tx fakeTx) Commit() error   { *tx.committed = true; return tx.commitErr }
func (tx fakeTx) Rollback() error { *tx.rolledBack = true; return nil }

// TestTransactionerErrors: a mutation's transaction that cannot be opened or committed is
// answered with a code, DATABASE_UNAVAILABLE when the database went away, never with the
// driver's words; a mutation with errors is rolled back, a query runs without a transaction.
func TestTransactionerErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		op             ast.Operation
		openErr        error
		commitErr      error
		resolverErr    bool
		wantCode       string
		wantMessage    string // a part of it
		wantOpened     bool
		wantCommitted  bool
		wantRolledBack bool
	}{
		{name: "committed", op: ast.Mutation, wantOpened: true, wantCommitted: true},
		{name: "query", op: ast.Query},
		{name: "resolver failed", op: ast.Mutation, resolverErr: true, wantCode: "CONFLICT", wantMessage: "stale",
			wantOpened: true, wantRolledBack: true},
		{name: "cannot open", op: ast.Mutation, openErr: errors.New("pq: out of shared memory"),
			wantCode: "INTERNAL_SERVER_ERROR", wantMessage: "internal server error"},
		{name: "database gone at open", op: ast.Mutation, openErr: driver.ErrBadConn,
			wantCode: "DATABASE_UNAVAILABLE", wantMessage: "the database is unavailable"},
		{name: "database gone at commit", op: ast.Mutation, commitErr: driver.ErrBadConn,
			wantCode: "DATABASE_UNAVAILABLE", wantMessage: "may or may not have been saved", wantOpened: true, wantCommitted: true},
		{name: "commit failed", op: ast.Mutation, commitErr: errors.New("pq: could not serialize access"),
			wantCode: "INTERNAL_SERVER_ERROR", wantMessage: "internal server error", wantOpened: true, wantCommitted: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opened, committed, rolledBack bool
			tr := transactioner{entgql.Transactioner{TxOpener: entgql.TxOpenerFunc(func(ctx context.Context) (context.Context, driver.Tx, error) {
				if tc.openErr != nil {
					return nil, nil, tc.openErr
				}
				opened = true
				return ctx, fakeTx{commitErr: tc.commitErr, committed: &committed, rolledBack: &rolledBack}, nil
			})}}
			ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{
				Operation: &ast.OperationDefinition{Operation: tc.op},
			})
			resp := tr.InterceptResponse(ctx, func(context.Context) *graphql.Response {
				if tc.resolverErr {
					return &graphql.Response{Errors: gqlerror.List{{Message: "stale version", Extensions: map[string]any{"code": "CONFLICT"}}}}
				}
				return &graphql.Response{Data: []byte(`{"ok":true}`)}
			})
			if opened != tc.wantOpened || committed != tc.wantCommitted || rolledBack != tc.wantRolledBack {
				t.Errorf("opened %v, committed %v, rolled back %v; want %v, %v, %v",
					opened, committed, rolledBack, tc.wantOpened, tc.wantCommitted, tc.wantRolledBack)
			}
			if tc.wantCode == "" {
				if len(resp.Errors) > 0 || string(resp.Data) != `{"ok":true}` {
					t.Errorf("response %s %v, want the data and no errors", resp.Data, resp.Errors)
				}
				return
			}
			if len(resp.Errors) != 1 {
				t.Fatalf("errors %v, want one", resp.Errors)
			}
			e := resp.Errors[0]
			if e.Extensions["code"] != tc.wantCode || !strings.Contains(e.Message, tc.wantMessage) {
				t.Errorf("error %q %v, want code %s and a message containing %q", e.Message, e.Extensions, tc.wantCode, tc.wantMessage)
			}
			if strings.Contains(e.Message, "pq:") || strings.Contains(e.Message, "dial tcp") {
				t.Errorf("error message %q shows the driver's words", e.Message)
			}
			if resp.Data != nil {
				t.Errorf("data %s alongside a failed transaction, want none", resp.Data)
			}
		})
	}
}
