package excel_test

import (
	"bytes"
	"testing"
	"time"

	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// TestRoundTrip exports the demo roster and ledgers, imports them into an empty database
// (with only the catalogue), exports again and finds the same content, cell for cell.
func TestRoundTrip(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, src *dbtest.DB) {
		ctx := servertest.System()
		if _, err := demo.Load(ctx, src.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.LoadLedgers(ctx, src.Client, time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		var roster, ledgers bytes.Buffer
		if err := excel.ExportRoster(ctx, src.Client, &roster, nil); err != nil {
			t.Fatal(err)
		}
		if err := excel.ExportLedgers(ctx, src.Client, &ledgers, excel.LedgerFilter{}); err != nil {
			t.Fatal(err)
		}

		dst := dbtest.New(t, src.Dialect)
		loadCatalogue(t, dst.Client)
		rs, err := excel.ImportRoster(ctx, dst.Client, bytes.NewReader(roster.Bytes()), int64(roster.Len()), excel.RosterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ls, err := excel.ImportLedgers(ctx, dst.Client, bytes.NewReader(ledgers.Bytes()), int64(ledgers.Len()), nil)
		if err != nil {
			t.Fatal(err)
		}
		grids, _, _ := rs.Count("网格")
		people, _, _ := rs.Count("人员")
		assignments, _, _ := rs.Count("任职")
		t.Logf("imported %d grids, %d people, %d assignments and %d ledger rows", grids, people, assignments, len(ls.Creates))
		if grids < 100 || people < 500 || assignments < 500 || len(ls.Creates) < 1000 || len(rs.Changes) != 0 {
			t.Errorf("imported too little: %d grids, %d people, %d assignments, %d ledger rows, %d changes", grids, people, assignments, len(ls.Creates), len(rs.Changes))
		}

		var roster2, ledgers2 bytes.Buffer
		if err := excel.ExportRoster(ctx, dst.Client, &roster2, nil); err != nil {
			t.Fatal(err)
		}
		if err := excel.ExportLedgers(ctx, dst.Client, &ledgers2, excel.LedgerFilter{}); err != nil {
			t.Fatal(err)
		}
		diff(t, "roster after the round trip", contents(t, roster.Bytes()), contents(t, roster2.Bytes()))
		diff(t, "ledgers after the round trip", contents(t, ledgers.Bytes()), contents(t, ledgers2.Bytes()))
	})
}
