package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gridgov/authz"
	"gridgov/ent/grid"
	"gridgov/internal/excel"
)

const importUsage = `usage:
  gridgov import roster FILE.xlsx [--database-url URL]   grids, people and assignments
  gridgov import ledger FILE.xlsx [--database-url URL]   ledger entries, one sheet per item type
`

const exportUsage = `usage:
  gridgov export roster|ledgers|events|template [--grid CODE] [--out FILE.xlsx] [--database-url URL]
    template writes an empty ledger workbook of every active item type.
`

// importCmd runs "gridgov import roster|ledger FILE": every row is checked first; a file with
// any problem is refused whole, with each problem listed, and nothing is written.
func importCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) < 2 || (args[0] != "roster" && args[0] != "ledger") {
		fmt.Fprint(stdout, importUsage)
		return errors.New("import: want roster or ledger and a file")
	}
	kind, file := args[0], args[1]
	fs := newFlagSet("import " + kind)
	dbURL := fs.databaseFlag()
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
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
	bar := newProgressBar(os.Stderr)
	defer bar.done()
	switch kind {
	case "roster":
		sum, err := excel.ImportRoster(sys, client, f, size, bar.update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s: %d grids, %d people, %d assignments\n", file, sum.Grids, sum.People, sum.Assignments)
	default:
		sum, err := excel.ImportLedgers(sys, client, f, size, bar.update)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %s: %d ledger entries on %d sheets\n", file, sum.Total, len(sum.Rows))
	}
	return nil
}

// exportCmd runs "gridgov export roster|ledgers|events|template".
func exportCmd(ctx context.Context, args []string, stdout io.Writer) error {
	kinds := map[string]bool{"roster": true, "ledgers": true, "events": true, "template": true}
	if len(args) == 0 || !kinds[args[0]] {
		fmt.Fprint(stdout, exportUsage)
		return errors.New("export: want roster, ledgers, events or template")
	}
	kind := args[0]
	fs := newFlagSet("export " + kind)
	dbURL := fs.databaseFlag()
	gridCode := fs.FlagSet.String("grid", "", "export only the subtree of the grid with this code")
	out := fs.FlagSet.String("out", "", "the file to write (default gridgov-KIND.xlsx)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
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

// progressBar draws "checked 35000 rows" / "written [#####     ] 50%" on one terminal line.
type progressBar struct {
	w    io.Writer
	last string
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (p *progressBar) update(stage string, done, total int) {
	line := fmt.Sprintf("%s %d rows", stage, done)
	if total > 0 {
		const width = 30
		filled := done * width / total
		line = fmt.Sprintf("%-20s [%s%s] %3d%% %d/%d", stage, strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done*100/total, done, total)
	}
	if line != p.last {
		fmt.Fprintf(p.w, "\r%s", line)
		p.last = line
	}
}

func (p *progressBar) done() {
	if p.last != "" {
		fmt.Fprintln(p.w)
	}
}
