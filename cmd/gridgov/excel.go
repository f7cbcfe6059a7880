package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/internal/excel"
	"gridgov/internal/progress"
)

// importCmd is "gridgov import roster FILE" and "gridgov import ledger FILE".
type importCmd struct {
	File string `arg:"" name:"file" type:"existingfile" help:"the xlsx workbook to import"`
	DB   dbFlag `embed:""`
	// The import's preview (both kinds) and the roster's duplicate confirmation.
	DryRun            bool `name:"dry-run" help:"check every row and write nothing: show what the import would create and change, field by field"`
	ConfirmDuplicates bool `name:"confirm-duplicates" help:"roster: add new people (without 人员编号) even when someone with the same name and phone, or the same name in the same grid, is already there"`
}

// importWorkbook plans the import of a roster or ledger workbook, prints the plan and, unless
// --dry-run, applies it.
func (c *importCmd) importWorkbook(ctx context.Context, stdout io.Writer, kind string, client *ent.Client, f io.ReaderAt, size int64, bar *progress.Bar) error {
	var plan *excel.Plan
	var err error
	if kind == "roster" {
		plan, err = excel.ImportRoster(ctx, client, f, size, excel.RosterOptions{DryRun: c.DryRun, ConfirmDuplicates: c.ConfirmDuplicates, Progress: bar.Update})
	} else {
		plan, err = excel.ImportLedgersWith(ctx, client, f, size, excel.LedgerOptions{DryRun: c.DryRun, Progress: bar.Update})
	}
	bar.End()
	if plan != nil {
		printPlan(stdout, plan)
	}
	if err != nil {
		return err
	}
	switch {
	case c.DryRun:
		fmt.Fprintf(stdout, "dry run: nothing written; run again without --dry-run to apply\n")
	case plan.Applied:
		fmt.Fprintf(stdout, "imported %s in one transaction\n", c.File)
	}
	return nil
}

// planLines bounds the rows printPlan lists of each kind: a first import creates thousands.
const planLines = 200

// printPlan prints the changes field by field and the creations (at most planLines of
// each), then the counts.
func printPlan(w io.Writer, plan *excel.Plan) {
	for i, r := range plan.Changes {
		if i == planLines {
			fmt.Fprintf(w, "… and %d more changed rows\n", len(plan.Changes)-planLines)
			break
		}
		fmt.Fprintf(w, "change   %s row %d: %s\n", r.Sheet, r.Row, r.Key)
		for _, ch := range r.Changes {
			fmt.Fprintf(w, "           %s: %q → %q\n", ch.Field, ch.Old, ch.New)
		}
	}
	for i, r := range plan.Creates {
		if i == planLines {
			fmt.Fprintf(w, "… and %d more new rows\n", len(plan.Creates)-planLines)
			break
		}
		fmt.Fprintf(w, "new      %s row %d: %s\n", r.Sheet, r.Row, r.Key)
	}
	if plan.NotInFileTotal > 0 {
		fmt.Fprintf(w, "not in the file (left as they are): %d, e.g. %s\n", plan.NotInFileTotal, strings.Join(plan.NotInFile[:min(5, len(plan.NotInFile))], ", "))
	}
	fmt.Fprint(w, plan.Summary())
}

// Run imports the workbook: every row is checked first; a file with any problem is refused
// whole, with each problem listed, and nothing is written.
func (c *importCmd) Run(e *runEnv, kctx *kong.Context) error {
	ctx, stdout, kind, file, dbURL := e.ctx, e.stdout, kctx.Selected().Name, c.File, &c.DB.URL
	f, size, err := excel.OpenFile(file)
	if err != nil {
		return err
	}
	defer f.Close()
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	// The operator's command line acts for the system, as the demo loader does.
	sys := authz.SystemContext(ctx, "import a workbook from the command line")
	bar := progress.New(os.Stderr)
	defer bar.End()
	return c.importWorkbook(sys, stdout, kind, client, f, size, bar)
}

// exportCmd is "gridgov export roster|ledgers|events|template".
type exportCmd struct {
	DB   dbFlag `embed:""`
	Grid string `name:"grid" placeholder:"CODE" help:"export only the subtree of the grid with this code"`
	Out  string `name:"out" placeholder:"FILE.xlsx" help:"the file to write (default gridgov-KIND.xlsx)"`
}

// Run writes the workbook.
func (c *exportCmd) Run(e *runEnv, kctx *kong.Context) error {
	ctx, stdout, kind, dbURL, gridCode, out := e.ctx, e.stdout, kctx.Selected().Name, &c.DB.URL, &c.Grid, &c.Out
	if *out == "" {
		*out = "gridgov-" + kind + ".xlsx"
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	sys := authz.SystemContext(ctx, "export a workbook from the command line")
	var root *int
	if *gridCode != "" {
		g, err := client.Grid.Query().Where(grid.Code(*gridCode)).Only(sys)
		if err != nil {
			return fmt.Errorf("export: grid %s: %w", *gridCode, err)
		}
		root = &g.ID
	}
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	err = excel.Write(sys, client, bw, kind, root)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}
