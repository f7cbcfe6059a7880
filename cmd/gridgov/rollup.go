package main

import (
	"fmt"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"gridgov/authz"
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
		return nil
	}
	diffs, err := rollup.Verify(sys, client, progress)
	bar.End()
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		fmt.Fprintf(stdout, "the rollup summary matches the cases (%s)\n", time.Since(start).Round(time.Millisecond))
		return nil
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
