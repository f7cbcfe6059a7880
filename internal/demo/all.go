package demo

import (
	"context"

	"gridgov/ent"
	"gridgov/internal/clock"
	"gridgov/internal/workflow"
)

// Everything is what LoadAll finds in the database once it is done.
type Everything struct {
	Summary
	Cases    int
	Daily    *DailySummary
	Accounts []Account
	Ledgers  *LedgerSummary
}

// LoadAll loads the whole demo, each part only if it is missing: the grid tree and people,
// the case taxonomy, the cases, the daily work, the ledger catalogue with the demo ledgers
// and key projects, and the demo sign-ins.
func LoadAll(ctx context.Context, client *ent.Client) (*Everything, error) {
	sum, err := Load(ctx, client)
	if err != nil {
		return nil, err
	}
	if err := workflow.SeedCategories(ctx, client); err != nil {
		return nil, err
	}
	cases, err := LoadEvents(ctx, client)
	if err != nil {
		return nil, err
	}
	daily, err := LoadDailyWork(ctx, client)
	if err != nil {
		return nil, err
	}
	ledgers, err := LoadLedgers(ctx, client, clock.Now())
	if err != nil {
		return nil, err
	}
	accounts, err := Accounts(ctx, client)
	if err != nil {
		return nil, err
	}
	return &Everything{Summary: *sum, Cases: cases, Daily: daily, Accounts: accounts, Ledgers: ledgers}, nil
}
