package demo

import (
	"testing"
	"time"

	"gridgov/ent/keyproject"
	"gridgov/internal/dbtest"
	kp "gridgov/internal/keyproject"
)

func TestLoadLedgers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		sum := load(t, db.Client)
		ctx := allow(t)
		now := time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)
		got, err := LoadLedgers(ctx, db.Client, now)
		if err != nil {
			t.Fatal(err)
		}
		// Four monthly ledgers for two months, less the latest month of every seventh grid,
		// plus three rented houses per grid.
		level3 := sum.Level3
		late := 0
		for i := range level3 {
			if i%7 == 3 {
				late++
			}
		}
		want := LedgerSummary{Categories: 9, ItemTypes: got.ItemTypes, KeyProjects: 3, Entries: level3*(8+3) - late*4}
		if *got != want || got.ItemTypes < 200 {
			t.Errorf("LoadLedgers = %+v, want %+v with 200+ types", *got, want)
		}
		again, err := LoadLedgers(ctx, db.Client, now)
		if err != nil || *again != *got {
			t.Errorf("second load = %+v, %v; want %+v", again, err, *got)
		}
		// The eco-corridor reached the article's figures on its 30th day.
		p, err := db.Client.KeyProject.Query().Where(keyproject.Code(EcoCorridorCode)).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.GridIds) != 3 {
			t.Errorf("eco-corridor runs through %d grids", len(p.GridIds))
		}
		progress, err := kp.Progress(ctx, db.Client, []int{p.ID})
		if err != nil {
			t.Fatal(err)
		}
		reached := map[string]float64{}
		for _, m := range progress[p.ID] {
			reached[m.Metric.Code] = m.Value
			if m.Percent != 100 {
				t.Errorf("%s at %.1f%%", m.Metric.Code, m.Percent)
			}
		}
		if reached["BUSINESSES_CLEARED"] != 523 || reached["HOMESTEADS_CLEARED"] != 275 || reached["AREA_CLEARED"] != 697000 {
			t.Errorf("eco-corridor reached %v", reached)
		}
	})
}
