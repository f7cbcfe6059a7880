// Package graph holds gridgov's GraphQL resolvers: thin functions that hand lists to entgql
// pagination and domain work to the internal packages.
package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/ent"
	"gridgov/graph/generated"
	"gridgov/internal/accounts"
	"gridgov/internal/auth"
	"gridgov/internal/clock"
	"gridgov/internal/dailywork"
	"gridgov/internal/excel"
	"gridgov/internal/gqllimits"
	"gridgov/internal/gridmap"
	"gridgov/internal/imports"
	"gridgov/internal/photos"
	"gridgov/internal/publicface"
	"gridgov/internal/realtime"
	"gridgov/internal/supervision"
	"gridgov/internal/workflow"
)

// Resolver is the root resolver; it holds what every resolver needs.
type Resolver struct {
	Client *ent.Client
	Auth   *auth.Service
	// Accounts manages accounts: creation, activation, resets, passwords and own sessions.
	Accounts *accounts.Service
	// Workflow runs the case workflow.
	Workflow *workflow.Engine
	// Daily records visits, patrols and daily reports.
	Daily *dailywork.Service
	// Public reads the public face: notice cards, badges, the bulletin.
	Public *publicface.Service
	// Supervision keeps the supervision ledger.
	Supervision *supervision.Service
	// PublicReports limits anonymous reports per address, counted where the sign-in limits
	// count (auth.RatesFor): on PostgreSQL, across every API process.
	PublicReports *auth.Limiter
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Downloads signs the links requestExport hands out; nil refuses downloads.
	Downloads *excel.Signer
	// PhotoService stores uploaded photos and signs the links to them.
	PhotoService *photos.Service
	// Imports runs startImport's jobs.
	Imports *imports.Runner
	// Geo finds the grid at a point.
	Geo *gridmap.Locator
	// Realtime runs the subscriptions; nil refuses them.
	Realtime *realtime.Hub
}

// NewResolver returns the root resolver with the default workflow engine and limits.
func NewResolver(client *ent.Client, authService *auth.Service) *Resolver {
	wf := workflow.New()
	return &Resolver{
		Client: client, Auth: authService, Now: clock.Now,
		Accounts:      &accounts.Service{Auth: authService},
		Workflow:      wf,
		Daily:         &dailywork.Service{Now: clock.Now},
		Public:        publicface.NewService(client, ""),
		Supervision:   &supervision.Service{Workflow: wf},
		PublicReports: auth.NewLimiter(20, time.Hour).Shared(auth.RatesFor(client), "public-report"),
		Imports:       imports.NewRunner(client, nil),
		Geo:           &gridmap.Locator{},
	}
}

// NewSchemaFor returns the executable schema of r with gridgov's complexity functions:
// connections by their page size, other lists by their length.
func NewSchemaFor(r *Resolver) graphql.ExecutableSchema {
	return gqllimits.Costed(generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: gqllimits.Complexity()}))
}

// client returns the transaction's client inside a mutation (entgql.Transactioner puts it in
// the context) and the root client elsewhere.
func (r *Resolver) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}

// at returns *t, or now when t is nil.
func (r *Resolver) at(t *time.Time) time.Time {
	if t != nil {
		return *t
	}
	return r.Now()
}
