package store

import (
	"context"
	"errors"

	"gridgov/ent"
)

// InTx runs f in client's transaction when client is bound to one (a GraphQL mutation's), else
// in a transaction of its own, committed when f succeeds and rolled back when it fails: the
// writes of f land all together or not at all either way.
func InTx(ctx context.Context, client *ent.Client, f func(*ent.Client) error) error {
	if _, _, bound := ent.AuditClientTx(client); bound {
		return f(client)
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx.Client()); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
