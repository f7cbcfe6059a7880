package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"gridgov/ent/assignment"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/store"
	"gridgov/internal/workflow"
)

// TestBehindPgBouncer runs the API on a database reached through a pgbouncer in transaction
// mode with two server connections, started by the test: sign-in (the rate limits' upserts
// and the session), queries with arguments, mutations in transactions and anonymous reports,
// sixteen clients at once, so that every server connection serves many client connections in
// turn. Anything that relied on session state across statements (a SET, an advisory lock, a
// named prepared statement, a statement parsed in one round trip and run in the next) would
// fail or go astray here.
func TestBehindPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := dbtest.New(t, dialect.Postgres)
	settings := store.PooledSettings(10 * time.Second)

	// Without the database's defaults, the check says what to set.
	_, direct, err := store.Open(ctx, db.URL, store.WithPooler(), store.WithMaxOpenConns(1))
	if err != nil {
		t.Fatal(err)
	}
	err = store.CheckPooledSettings(ctx, direct, settings)
	direct.Close()
	if err == nil || !strings.Contains(err.Error(), "ALTER DATABASE") || !strings.Contains(err.Error(), "jit is on, want off") {
		t.Fatalf("CheckPooledSettings without the database's defaults = %v, want the statements that set them", err)
	}
	var name string
	if err := db.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"ALTER DATABASE %s SET jit = 'off'", "ALTER DATABASE %s SET statement_timeout = '10s'"} {
		if _, err := db.SQL.ExecContext(ctx, fmt.Sprintf(stmt, pq.QuoteIdentifier(name))); err != nil {
			t.Fatal(err)
		}
	}

	bouncer := dbtest.PgBouncer(t, db, 2)
	// Without WithPooler, gridgov's run-time parameters are refused by a stock pgbouncer.
	if _, _, err := store.Open(ctx, bouncer); err == nil || !strings.Contains(err.Error(), "unsupported startup parameter") {
		t.Errorf("store.Open through pgbouncer without WithPooler = %v, want pgbouncer's refusal of the startup parameters", err)
	}
	if _, _, err := store.Open(ctx, bouncer+"&binary_parameters=no", store.WithPooler()); err == nil || !strings.Contains(err.Error(), "binary_parameters=no") {
		t.Errorf("store.Open through pgbouncer with binary_parameters=no = %v, want refused", err)
	}
	client, pool, err := store.Open(ctx, bouncer, store.WithPooler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if err := store.CheckPooledSettings(ctx, pool, settings); err != nil {
		t.Errorf("CheckPooledSettings through pgbouncer after ALTER DATABASE: %v", err)
	}

	tr := newTree(t, db.Client)
	if err := workflow.SeedCategories(servertest.System(), db.Client); err != nil {
		t.Fatal(err)
	}
	p := mkPerson(t, db.Client, "李村长", tr.v1)
	mkAssignment(t, db.Client, p, tr.v1, assignment.RoleFIRST_RESPONSIBLE, time.Now().Add(-time.Hour), nil)
	mkUser(t, db.Client, "village", "village-password-1", p)

	env := servertest.New(t, &dbtest.DB{Client: client, SQL: pool, Dialect: dialect.Postgres, URL: bouncer})
	admin := env.TokenFor(t, 0, true)
	// A wrong password first: the sign-in limits count through the pooler too.
	env.MustFail(t, "", loginMutation, map[string]any{"u": "village", "p": "wrong-password"}, "UNAUTHENTICATED")
	village := env.Login(t, "village", "village-password-1")
	var me struct{ Me struct{ Username string } }
	env.MustDo(t, village, `{ me { username } }`, nil, &me)
	if me.Me.Username != "village" {
		t.Fatalf("me through pgbouncer = %+v", me)
	}

	const (
		grid     = `query($c: String!) { gridByCode(code: $c) { name descendants { totalCount } } }`
		category = `mutation($c: String!) { createEventCategory(input: {code: $c, name: "新类别", timeLimit: 3, limitUnit: WORKING_DAYS}) { id code } }`
		read     = `query($id: ID!) { node(id: $id) { ... on EventCategory { code } } }`
		report   = `mutation($g: String!) { reportPublicEvent(input: {gridCode: $g, categoryCode: "EXPOSED_GARBAGE", title: "路口垃圾"}) { trackingCode } }`
	)
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Go(func() {
			for i := range 8 {
				var g struct {
					GridByCode struct {
						Name        string
						Descendants struct{ TotalCount int }
					}
				}
				if r := env.Do(t, village, grid, map[string]any{"c": tr.v1.Code}); len(r.Errors) > 0 {
					t.Errorf("client %d: gridByCode: %+v", c, r.Errors)
					return
				} else if err := decode(r, &g); err != nil || g.GridByCode.Name != tr.v1.Name || g.GridByCode.Descendants.TotalCount != 1 {
					t.Errorf("client %d: gridByCode = %+v (%v)", c, g, err)
				}
				code := fmt.Sprintf("POOLED_%d_%d", c, i)
				var made struct{ CreateEventCategory struct{ ID, Code string } }
				if r := env.Do(t, admin, category, map[string]any{"c": code}); len(r.Errors) > 0 {
					t.Errorf("client %d: createEventCategory: %+v", c, r.Errors)
					return
				} else if err := decode(r, &made); err != nil || made.CreateEventCategory.Code != code {
					t.Errorf("client %d: createEventCategory = %+v (%v)", c, made, err)
				}
				var back struct{ Node struct{ Code string } }
				if r := env.Do(t, admin, read, map[string]any{"id": made.CreateEventCategory.ID}); len(r.Errors) > 0 || decode(r, &back) != nil || back.Node.Code != code {
					t.Errorf("client %d: the category just made reads back as %+v (%+v)", c, back, r.Errors)
				}
			}
		})
	}
	wg.Wait()
	// Anonymous reports: the rate limit's upsert and the report's transaction.
	for range 3 {
		env.MustDo(t, "", report, map[string]any{"g": tr.g11.Code}, nil)
	}
	var n int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM event_categories WHERE code LIKE 'POOLED\\_%'").Scan(&n); err != nil || n != 16*8 {
		t.Errorf("%d categories made through pgbouncer (%v), want %d", n, err, 16*8)
	}
}

// decode reads a response's data into out.
func decode(r *servertest.Response, out any) error { return json.Unmarshal(r.Data, out) }
