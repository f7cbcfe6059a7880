package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/progress"
	"gridgov/internal/rollup"
)

// maxShownDifferences is how many differing cells verify prints.
const maxShownDifferences = 20

// rollupCmd is "gridgov rollup verify" and "gridgov rollup rebuild".
type rollupCmd struct {
	DB dbFlag `embed:""`
}

// Run checks the rollup summary (event_tallies) against a recomputation from the cases, or
// rewrites it from them.
func (c *rollupCmd) Run(e *runEnv, kctx *kong.Context) error {
	ctx, stdout, verb := e.ctx, e.stdout, kctx.Selected().Name
	dbURL := &c.DB.URL
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	sys := authz.SystemContext(ctx, "gridgov rollup "+verb)
	start := time.Now()
	bar := progress.New(os.Stderr)
	progress := func(done int) { bar.Update("read cases", done, 0) }

	if verb == "rebuild" {
		n, err := rollup.RebuildInTx(sys, client, progress)
		bar.End()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the rollup summary: %d cells (%s)\n", n, time.Since(start).Round(time.Millisecond))
		return printSize(sys, client, stdout)
	}
	diffs, err := rollup.Verify(sys, client, progress)
	bar.End()
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
