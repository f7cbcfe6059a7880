package accounts_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/user"
	"gridgov/internal/accounts"
	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// TestFromRoster: accounts for exactly the people with an active role and no account, with
// deterministic unique usernames, written to a workbook that reads back.
func TestFromRoster(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		ctx := servertest.System()
		c := db.Client
		now := time.Now().UTC()
		root, err := c.Grid.Create().SetCode("419801").SetName("区").SetKind(grid.KindDISTRICT).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Grid.Create().SetCode("419801001").SetName("街道").SetKind(grid.KindSUB_DISTRICT).SetParentID(root.ID).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mk := func(name string, from time.Time, to *time.Time) int {
			p, err := c.Person.Create().SetName(name).SetGridID(v.ID).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !from.IsZero() {
				if err := c.Assignment.Create().SetPersonID(p.ID).SetGridID(v.ID).SetRole(assignment.RoleGRID_HEAD).SetValidFrom(from).SetNillableValidTo(to).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			return p.ID
		}
		ended := now.AddDate(0, -1, 0)
		active := mk("在任", now.AddDate(-1, 0, 0), nil)
		squatted := mk("重名", now.AddDate(-1, 0, 0), nil)
		mk("离任", now.AddDate(-1, 0, 0), &ended)
		mk("无职", time.Time{}, nil)
		has := mk("已有账号", now.AddDate(-1, 0, 0), nil)
		if err := c.User.Create().SetUsername("someone").SetPasswordHash("").SetPersonID(has).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		// An unrelated account already holds the name the scheme gives squatted.
		squat := accounts.RosterUsername(squatted, nil)
		if err := c.User.Create().SetUsername(squat).SetPasswordHash("").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		tx, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		made, err := accounts.FromRoster(ctx, tx.Client(), now)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var got [][2]any
		for _, a := range made {
			got = append(got, [2]any{a.PersonID, a.Username})
			if len(a.Code) != 14 || a.GridCode != "419801001" {
				t.Errorf("account %+v: want a 14-character code and the grid 419801001", a)
			}
		}
		want := [][2]any{{active, accounts.RosterUsername(active, nil)}, {squatted, squat + "-2"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("FromRoster made (-want +got):\n%s", diff)
		}
		n, err := c.User.Query().Where(user.Activated(false), user.ActivationCodeHashNotNil()).Count(ctx)
		if err != nil || n != 2 {
			t.Fatalf("%d accounts await activation (%v), want 2", n, err)
		}
		// A second run finds nobody left.
		again, err := accounts.FromRoster(ctx, c, now)
		if err != nil || len(again) != 0 {
			t.Fatalf("a second run made %d accounts (%v), want none", len(again), err)
		}
		var buf bytes.Buffer
		if err := excel.WriteSheet(&buf, "激活码", []any{"username", "code"}, [][]any{{made[0].Username, made[0].Code}}); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if cell, _ := f.GetCellValue("激活码", "B2"); cell != made[0].Code {
			t.Errorf("the workbook's B2 is %q, want the code", cell)
		}
	})
}
