package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"gridgov/internal/datagen"
	"gridgov/internal/store"
)

func genCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("gen")
	dbURL := fs.String("database-url", "GRIDGOV_DATABASE_URL", "",
		"the PostgreSQL database to fill: postgres://user@host/db (it must exist)")
	scale := fs.String("scale", "GRIDGOV_GEN_SCALE", "district", "size of the data set: small, district or city")
	seed := fs.String("seed", "GRIDGOV_GEN_SEED", "1", "seed of the data set: the same seed and scale give the same rows")
	password := fs.String("password", "GRIDGOV_GEN_PASSWORD", datagen.DefaultPassword, "password of the generated accounts gen-admin and gen-village")
	reset := fs.Bool("reset", "GRIDGOV_GEN_RESET", false, "drop and recreate the database's schema first, if it already holds data")
	until := fs.String("until", "GRIDGOV_GEN_UNTIL", datagen.DefaultUntil.Format(time.DateOnly),
		"last day of the data set (YYYY-MM-DD, Asia/Shanghai); cases reach back --scale's years from it")
	events := fs.Int("events", "GRIDGOV_GEN_EVENTS", -1, "number of cases instead of the scale's (-1: the scale's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return fmt.Errorf("gen needs --database-url postgres://… (or GRIDGOV_DATABASE_URL)")
	}
	sc, err := datagen.ScaleNamed(*scale)
	if err != nil {
		return err
	}
	if *events >= 0 {
		sc.Events = *events
	}
	n, err := strconv.ParseUint(*seed, 10, 64)
	if err != nil {
		return fmt.Errorf("--seed: want a non-negative integer, got %q", *seed)
	}
	day, err := time.ParseInLocation(time.DateOnly, *until, datagen.DefaultUntil.Location())
	if err != nil {
		return fmt.Errorf("--until: want YYYY-MM-DD: %w", err)
	}
	fmt.Fprintf(stdout, "generating the %s data set (seed %d) into %s\n", sc.Name, n, store.RedactURL(*dbURL))
	res, err := datagen.Generate(ctx, datagen.Options{
		URL: *dbURL, Scale: sc, Seed: n, Password: *password, Reset: *reset,
		Until: day.Add(18 * time.Hour), Progress: os.Stderr,
	})
	if err != nil {
		return err
	}
	total := 0
	for _, t := range []string{"grids", "persons", "assignments", "events", "event_actions", "households",
		"household_tags", "visits", "vehicles", "patrols", "daily_reports"} {
		fmt.Fprintf(stdout, "  %-15s %12d\n", t, res.Rows[t])
		total += res.Rows[t]
	}
	fmt.Fprintf(stdout, "%d rows in %s\n", total, res.Elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(stdout, "sign-ins (password %q):\n", *password)
	for _, a := range res.Accounts {
		fmt.Fprintf(stdout, "  %-12s %s\n", a.Username, a.Description)
	}
	return nil
}
