package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/alecthomas/kong"

	"gridgov/authz"
	"gridgov/ent/grid"
	"gridgov/internal/excel"
	"gridgov/internal/progress"
)

// importCmd is "gridgov import roster FILE" and "gridgov import ledger FILE".
type importCmd struct {
	File string `arg:"" name:"file" type:"existingfile" help:"the xlsx workbook to import"`
	DB   dbFlag `embed:""`
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
	switch kind {
	case "roster":
		sum, err := excel.ImportRoster(sys, client, f, size, bar.Update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s: %d grids, %d people, %d assignments\n", file, sum.Grids, sum.People, sum.Assignments)
	default:
		sum, err := excel.ImportLedgers(sys, client, f, size, bar.Update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s: %d ledger entries on %d sheets\n", file, sum.Total, len(sum.Rows))
	}
	return nil
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
