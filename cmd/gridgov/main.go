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
//	gridgov user disable|enable NAME
//	gridgov backup FILE [--database-url URL]          (SQLite only)
//	gridgov bench [--url URL] [--clients N] [--duration D] [--scenarios a,b] [--markdown]
//
// Every command has --help. Flags may come before or after the arguments. Most flags have an
// environment twin: --addr is GRIDGOV_ADDR, --database-url is GRIDGOV_DATABASE_URL, and so on.
package main

import (
	"context"
	"errors"
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
	complete() // answers the shell's completion requests (COMP_LINE) and exits, if asked
	code := runMain(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain runs the command in args and returns the process's exit code: 0 on success (help
// included), 2 for a command line that does not parse (one line of error, then where to find
// the help), 1 for a command that failed.
func runMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := realMain(ctx, args, stdin, stdout)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "gridgov: error:", err)
	// A command's Run may refuse a combination of flags kong cannot express; kong wraps its error.
	if u := (*usageError)(nil); errors.As(err, &u) {
		fmt.Fprintf(stderr, "Run \"gridgov %s--help\" for usage.\n", u.command)
		return 2
	}
	return 1
}
