// Command gridgov runs the gridgov GraphQL server and its administrative tasks.
//
//	gridgov serve [--addr A] [--database-url URL] [--demo]
//	gridgov demo [--database-url URL]
//	gridgov gen --database-url postgres://… [--scale small|district|city] [--seed N] [--reset]
//	gridgov catalogue load [--database-url URL]
//	gridgov import roster|ledger FILE.xlsx [--database-url URL]
//	gridgov export roster|ledgers|events|template [--grid CODE] [--out FILE.xlsx]
//	gridgov migrate status|apply [--database-url URL]
//	gridgov rollup verify|rebuild [--database-url URL]
//	gridgov user add NAME [--person-id N] [--admin]   (password on standard input)
//	gridgov user disable NAME
//	gridgov bench [--url URL] [--clients N] [--duration D] [--scenarios a,b] [--markdown]
//
// Every flag has an environment twin: --addr is GRIDGOV_ADDR, --database-url is
// GRIDGOV_DATABASE_URL, --demo is GRIDGOV_DEMO, and so on.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	_ "gridgov/ent/runtime" // registers the schemas' hooks and privacy policies
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal lets serve drain its requests; a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	if err := realMain(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "gridgov:", err)
		os.Exit(1)
	}
}

const usage = `gridgov — GraphQL backend for grid-based community governance (网格化管理)

Usage:
  gridgov serve [flags]          run the HTTP server (GraphiQL at /, API at /graphql)
  gridgov demo [flags]           load the Xushui demo data set into the database
  gridgov gen [flags]            write a synthetic data set for benchmarks into PostgreSQL
  gridgov catalogue load         load the starter ledger catalogue (台账目录); safe to repeat
  gridgov import roster|ledger F import an xlsx workbook: all rows or none, every problem listed
  gridgov export KIND [flags]    write roster, ledgers, events or a ledger template as xlsx
  gridgov migrate status|apply   PostgreSQL schema migrations [--database-url URL] [--baseline VERSION]
  gridgov rollup verify|rebuild  check the rollup summary against the cases, or rewrite it
  gridgov user add NAME [flags]  create an account; the password is read from standard input
  gridgov user disable NAME      disable an account and end its sessions
  gridgov user enable NAME       enable a disabled account
  gridgov calendar import FILE  load holidays and make-up days (CSV date,working,name or JSON)
  gridgov bench [flags]          measure a running server: latency and throughput per scenario

Run "gridgov COMMAND --help" for a command's flags. Every flag also reads an environment
variable, named in its help (GRIDGOV_…); a flag given on the command line wins.
`

// realMain runs the subcommand named in args.
func realMain(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serveCmd(ctx, args[1:], stdout)
	case "migrate":
		return migrateCmd(ctx, args[1:], stdout)
	case "rollup":
		return rollupCmd(ctx, args[1:], stdout)
	case "demo":
		return demoCmd(ctx, args[1:], stdout)
	case "gen":
		return genCmd(ctx, args[1:], stdout)
	case "catalogue":
		return catalogueCmd(ctx, args[1:], stdout)
	case "calendar":
		return calendarCmd(ctx, args[1:], stdout)
	case "import":
		return importCmd(ctx, args[1:], stdout)
	case "export":
		return exportCmd(ctx, args[1:], stdout)
	case "user":
		return userCmd(ctx, args[1:], stdin, stdout)
	case "bench":
		return benchCmd(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}
