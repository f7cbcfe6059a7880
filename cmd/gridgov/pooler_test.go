package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// TestServeBehindPgBouncer: two `gridgov serve --db-pooler` processes reach PostgreSQL
// through a pgbouncer in transaction mode and LISTEN on the direct URL: they answer, find the
// database's defaults as they need them, and a role ended through one is refused by the other
// on the next request, which only the change feed on the direct connection can tell it.
func TestServeBehindPgBouncer(t *testing.T) {
	t.Parallel()
	migrateMu.Lock()
	db := dbtest.New(t, dialect.Postgres)
	migrateMu.Unlock()
	ctx := t.Context()
	var name string
	if err := db.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"ALTER DATABASE %s SET jit = 'off'", "ALTER DATABASE %s SET statement_timeout = '10s'"} {
		if _, err := db.SQL.ExecContext(ctx, fmt.Sprintf(stmt, pq.QuoteIdentifier(name))); err != nil {
			t.Fatal(err)
		}
	}
	bouncer := dbtest.PgBouncer(t, db, 4)

	env := servertest.New(t, db)
	sys := servertest.System()
	district, err := db.Client.Grid.Create().SetCode("410102").SetName("中原区").SetKind(grid.KindDISTRICT).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	wang, err := db.Client.Person.Create().SetName("王伟").SetGridID(district.ID).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	held, err := db.Client.Assignment.Create().SetPersonID(wang.ID).SetGridID(district.ID).
		SetRole(assignment.RoleFIRST_RESPONSIBLE).SetValidFrom(time.Now().Add(-time.Hour)).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	admin, official := env.TokenFor(t, 0, true), env.TokenFor(t, wang.ID, false)

	flags := []string{"--db-pooler", "--listen-database-url", db.URL}
	pa, pb := startServeLogged(t, bouncer, flags...), startServeLogged(t, bouncer, flags...)
	for _, p := range []*servedProcess{pa, pb} {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "ready\n") {
			t.Errorf("/readyz through pgbouncer = %d %q", resp.StatusCode, body)
		}
	}
	visible := func(base string) int {
		t.Helper()
		data, code := graphQL(t, base, official, `{ grids(first: 10) { totalCount } }`, nil)
		if code != "" {
			t.Fatalf("grids on %s: %s", base, code)
		}
		var out struct{ Grids struct{ TotalCount int } }
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		return out.Grids.TotalCount
	}
	for range 2 { // the second answered from B's viewer cache
		if n := visible(pb.base); n != 1 {
			t.Fatalf("before: the official sees %d grids on B, want 1", n)
		}
	}
	if _, code := graphQL(t, pa.base, admin, `mutation($id: ID!) { endAssignment(id: $id) { id } }`,
		map[string]any{"id": strconv.Itoa(held.ID)}); code != "" {
		t.Fatalf("endAssignment through A: %s", code)
	}
	if n := visible(pb.base); n != 0 {
		t.Errorf("the official's next request on B sees %d grids, want 0: B did not hear A's change", n)
	}
	for _, p := range []*servedProcess{pa, pb} {
		if s := p.stderr.String(); strings.Contains(s, "through the pooler the connections run with") || strings.Contains(s, "change feed not connected") {
			t.Errorf("serve behind pgbouncer warned:\n%s", s)
		}
	}
}
