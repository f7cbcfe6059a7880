package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"gridgov/internal/datagen"
	"gridgov/internal/store"
)

// genCmd is "gridgov gen".
type genCmd struct {
	URL      string `name:"database-url" env:"GRIDGOV_DATABASE_URL" placeholder:"URL" help:"the PostgreSQL database to fill: postgres://user@host/db (it must exist)"`
	Scale    string `name:"scale" env:"GRIDGOV_GEN_SCALE" default:"district" help:"size of the data set: small, district or city"`
	Seed     string `name:"seed" env:"GRIDGOV_GEN_SEED" default:"1" help:"seed of the data set: the same seed and scale give the same rows"`
	Password string `name:"password" env:"GRIDGOV_GEN_PASSWORD" default:"${gen_password}" help:"password of the generated accounts gen-admin and gen-village"`
	Reset    bool   `name:"reset" env:"GRIDGOV_GEN_RESET" help:"drop and recreate the database's schema first, if it already holds data"`
	Until    string `name:"until" env:"GRIDGOV_GEN_UNTIL" default:"${gen_until}" help:"last day of the data set (YYYY-MM-DD, Asia/Shanghai); cases reach back --scale's years from it"`
	Events   int    `name:"events" env:"GRIDGOV_GEN_EVENTS" default:"-1" help:"number of cases instead of the scale's (-1: the scale's)"`
}

// Run writes the data set.
func (c *genCmd) Run(e *runEnv) error {
	ctx, stdout := e.ctx, e.stdout
	dbURL, scale, seed, password, reset, until, events := &c.URL, &c.Scale, &c.Seed, &c.Password, &c.Reset, &c.Until, &c.Events
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
