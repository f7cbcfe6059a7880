package main

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
	"gridgov/internal/workflow"
)

// TestSubscriptionAcrossProcesses: two serve processes on one PostgreSQL database. A
// subscriber on B hears, within a second each, of a case reported and accepted through A
// (NOTIFY gridgov_events, ids only, loaded and authorized by B), and B closes the
// subscriber's socket with 4403 within a second of their role being ended through A.
func TestSubscriptionAcrossProcesses(t *testing.T) {
	t.Parallel()
	migrateMu.Lock()
	db := dbtest.New(t, dialect.Postgres)
	migrateMu.Unlock()
	env := servertest.New(t, db)
	sys := servertest.System()
	if err := workflow.SeedCategories(sys, db.Client); err != nil {
		t.Fatal(err)
	}
	cat, err := db.Client.EventCategory.Query().FirstID(sys)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(parent *ent.Grid, code, name string, kind grid.Kind) *ent.Grid {
		c := db.Client.Grid.Create().SetCode(code).SetName(name).SetKind(kind)
		if parent != nil {
			c.SetParentID(parent.ID)
		}
		g, err := c.Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	district := mk(nil, "410102", "中原区", grid.KindDISTRICT)
	village := mk(mk(district, "410102001", "须水街道", grid.KindSUB_DISTRICT), "410102001001", "董岗村", grid.KindVILLAGE)
	wang, err := db.Client.Person.Create().SetName("王伟").SetGridID(village.ID).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	held, err := db.Client.Assignment.Create().SetPersonID(wang.ID).SetGridID(village.ID).
		SetRole(assignment.RoleFIRST_RESPONSIBLE).SetValidFrom(time.Now().Add(-time.Hour)).Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	admin, official := env.TokenFor(t, 0, true), env.TokenFor(t, wang.ID, false)

	a, b := startServeOn(t, db.URL), startServeOn(t, db.URL)
	sock, err := servertest.DialSocket(t, b, official, nil)
	if err != nil {
		t.Fatal(err)
	}
	sock.Subscribe(t, "1", `subscription { eventChanged { kind event { id title status } } }`, nil)
	time.Sleep(200 * time.Millisecond) // the subscription is registered on B
	next := func(what string) (kind, status string) {
		t.Helper()
		start := time.Now()
		m, ok := sock.Next(time.Second)
		if !ok {
			t.Fatalf("%s through A: nothing reached the subscriber on B within 1 s", what)
		}
		var out struct {
			Data struct {
				EventChanged struct {
					Kind  string
					Event struct{ ID, Title, Status string }
				}
			}
		}
		if err := json.Unmarshal(m.Payload, &out); err != nil || m.Type != "next" {
			t.Fatalf("%s: got %s %s", what, m.Type, m.Payload)
		}
		t.Logf("%s through A reached B's subscriber in %v", what, time.Since(start).Round(time.Millisecond))
		return out.Data.EventChanged.Kind, out.Data.EventChanged.Event.Status
	}

	data, code := graphQL(t, a, official, `mutation($g: ID!, $c: ID!) { reportEvent(input: {gridID: $g, categoryID: $c, title: "垃圾暴露", source: PATROL}) { id } }`,
		map[string]any{"g": strconv.Itoa(village.ID), "c": strconv.Itoa(cat)})
	if code != "" {
		t.Fatalf("reportEvent through A: %s", code)
	}
	if kind, status := next("report"); kind != "REPORTED" || status != "REPORTED" {
		t.Fatalf("report: got %s %s", kind, status)
	}
	var rep struct{ ReportEvent struct{ ID string } }
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if _, code := graphQL(t, a, official, `mutation($id: ID!) { acceptEvent(id: $id) { id } }`, map[string]any{"id": rep.ReportEvent.ID}); code != "" {
		t.Fatalf("acceptEvent through A: %s", code)
	}
	if kind, status := next("accept"); kind != "STEP" || status != "REGISTERED" {
		t.Fatalf("accept: got %s %s", kind, status)
	}

	if _, code := graphQL(t, a, admin, `mutation($id: ID!) { endAssignment(id: $id) { id } }`, map[string]any{"id": strconv.Itoa(held.ID)}); code != "" {
		t.Fatalf("endAssignment through A: %s", code)
	}
	select {
	case <-sock.Closed():
	case <-time.After(time.Second):
		t.Fatal("the socket on B is still open 1 s after the role was ended through A")
	}
	if code, reason := sock.CloseStatus(); code != 4403 {
		t.Fatalf("B closed the socket with %d %q, want 4403", code, reason)
	}
}
