package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/rollup"
)

const rollupUsage = `usage: gridgov rollup verify [--database-url URL]
       gridgov rollup rebuild [--database-url URL]`

// maxShownDifferences is how many differing cells verify prints.
const maxShownDifferences = 20

// rollupCmd runs "gridgov rollup verify|rebuild": checks the rollup summary (event_tallies)
// against a recomputation from the cases, or rewrites it from them.
func rollupCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(rollupUsage)
	}
	verb := args[0]
	if verb != "verify" && verb != "rebuild" {
		return fmt.Errorf("unknown rollup command %q\n%s", verb, rollupUsage)
	}
	fs := newFlagSet("rollup " + verb)
	dbURL := fs.databaseFlag()
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), rollupUsage)
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	sys := authz.SystemContext(ctx, "gridgov rollup "+verb)
	start := time.Now()
	progress := func(done int) { fmt.Fprintf(os.Stderr, "\rread %d cases", done) }

	if verb == "rebuild" {
		n, err := rollup.RebuildInTx(sys, client, progress)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the rollup summary: %d cells (%s)\n", n, time.Since(start).Round(time.Millisecond))
		return printSize(sys, client, stdout)
	}
	diffs, err := rollup.Verify(sys, client, progress)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		fmt.Fprintf(stdout, "the rollup summary matches the cases (%s)\n", time.Since(start).Round(time.Millisecond))
		return printSize(sys, client, stdout)
	}
	for i, d := range diffs {
		if i == maxShownDifferences {
			fmt.Fprintf(stdout, "… and %d more\n", len(diffs)-i)
			break
		}
		fmt.Fprintln(stdout, d)
	}
	return fmt.Errorf("the rollup summary differs from the cases in %d cells; run gridgov rollup rebuild to rewrite it", len(diffs))
}

// printSize prints the summary's cells per case, the figure its shape is chosen for (at most
// one at district scale).
func printSize(ctx context.Context, client *ent.Client, stdout io.Writer) error {
	cells, cases, err := rollup.Size(ctx, client)
	if err != nil {
		return err
	}
	perCase := 0.0
	if cases > 0 {
		perCase = float64(cells) / float64(cases)
	}
	fmt.Fprintf(stdout, "%d cells for %d cases: %.2f cells per case\n", cells, cases, perCase)
	return nil
}
