package demo

import (
	"context"

	"gridgov/ent"
	"gridgov/internal/audit"
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
// and key projects, the demo sign-ins, the bulletin posts and supervision ledger, and the
// grids' boundaries. Its
// rows are recorded in the audit log as operation "demo".
func LoadAll(ctx context.Context, client *ent.Client) (*Everything, error) {
	ctx = audit.WithOperation(ctx, "demo", "")
	sum, cases, err := LoadWithCases(ctx, client)
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
	if err := LoadPublic(ctx, client); err != nil {
		return nil, err
	}
	if err := LoadBoundaries(ctx, client); err != nil {
		return nil, err
	}
	return &Everything{Summary: *sum, Cases: cases, Daily: daily, Accounts: accounts, Ledgers: ledgers}, nil
}

// LoadWithCases loads the grid tree and people, the case taxonomy and the cases, each only if
// it is missing, and returns the tree's summary and the number of cases.
func LoadWithCases(ctx context.Context, client *ent.Client) (*Summary, int, error) {
	sum, err := Load(ctx, client)
	if err != nil {
		return nil, 0, err
	}
	if err := workflow.SeedCategories(ctx, client); err != nil {
		return nil, 0, err
	}
	cases, err := LoadEvents(ctx, client)
	return sum, cases, err
}
