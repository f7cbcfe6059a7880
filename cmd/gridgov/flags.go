package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/willabides/kongplete"

	"gridgov/internal/bench"
	"gridgov/internal/datagen"
	"gridgov/internal/server"
	"gridgov/internal/store"
)

// cli is gridgov's command line: one field per command, each command's flags in its own
// struct (serve's in serveFlags). kong reads the environment twins from the env tags.
type cli struct {
	Serve     serveFlags `cmd:"" help:"Run the HTTP server: GraphiQL at /, the API at /graphql, /healthz, /readyz and /metrics (on --metrics-addr instead when given; in production mode only there)."`
	Demo      demoCmd    `cmd:"" help:"Load the Xushui demo data set into the database."`
	Gen       genCmd     `cmd:"" help:"Write a synthetic data set for benchmarks into PostgreSQL."`
	Catalogue struct {
		Load catalogueCmd `cmd:"" help:"Load the starter ledger catalogue (台账目录); safe to repeat."`
	} `cmd:"" help:"The ledger catalogue."`
	Import struct {
		Roster     importCmd     `cmd:"" help:"Import grids, people and assignments from an xlsx workbook: matched on grid code and 人员编号, new rows created and changed ones updated (never deleted), in one transaction; --dry-run shows the plan."`
		Ledger     importCmd     `cmd:"" help:"Import ledger entries (one sheet per item type) from an xlsx workbook: matched on 台账编号, new rows created and changed ones updated (never deleted), in one transaction; --dry-run shows the plan."`
		Boundaries boundariesCmd `cmd:"" help:"Import grid boundaries from a GeoJSON FeatureCollection (features matched by the property code): every feature checked against its parent, children and siblings, all stored in one transaction or none."`
	} `cmd:"" help:"Import an xlsx workbook, or grid boundaries."`
	Export struct {
		Roster   exportCmd `cmd:"" help:"Write grids, people and assignments as xlsx."`
		Ledgers  exportCmd `cmd:"" help:"Write the ledger entries as xlsx."`
		Events   exportCmd `cmd:"" help:"Write the cases as xlsx."`
		Template exportCmd `cmd:"" help:"Write an empty ledger workbook of every active item type."`
	} `cmd:"" help:"Write roster, ledgers, events or a ledger template as xlsx."`
	Migrate struct {
		Status migrateStatusCmd `cmd:"" help:"List the applied and pending migrations of a PostgreSQL database."`
		Apply  migrateApplyCmd  `cmd:"" help:"Apply the pending migrations to a PostgreSQL database."`
	} `cmd:"" help:"PostgreSQL schema migrations (SQLite migrates itself)."`
	Rollup struct {
		Verify  rollupCmd `cmd:"" help:"Check the rollup summary against a recomputation from the cases."`
		Rebuild rollupCmd `cmd:"" help:"Rewrite the rollup summary from the cases."`
	} `cmd:"" help:"Check or rewrite the rollup summary (event_tallies)."`
	User struct {
		Add     userAddCmd  `cmd:"" help:"Create an account; the password is read from standard input."`
		Disable userNameCmd `cmd:"" help:"Disable an account and end its sessions."`
		Enable  userNameCmd `cmd:"" help:"Enable a disabled account."`
	} `cmd:"" help:"Manage sign-in accounts."`
	Calendar struct {
		Import calendarImportCmd `cmd:"" help:"Load holidays and make-up working days (节假日安排) from a CSV or JSON file; all rows or none."`
	} `cmd:"" help:"The work calendar that deadlines count on."`
	Schema struct {
		Print schemaPrintCmd `cmd:"" help:"Print the GraphQL schema (SDL), the same as graph/schema.graphqls."`
	} `cmd:"" help:"The GraphQL schema, for frontend teams."`
	Backup     backupCmd     `cmd:"" help:"Write a consistent copy of the SQLite database to FILE (PostgreSQL: use pg_dump)."`
	Bench      benchCmd      `cmd:"" help:"Measure a running server: latency and throughput per scenario."`
	Completion completionCmd `cmd:"" help:"Print the shell command that enables tab completion of gridgov (bash, zsh)."`
}

// dbFlag is --database-url / GRIDGOV_DATABASE_URL, shared by the commands that open a database.
type dbFlag struct {
	URL string `name:"database-url" env:"GRIDGOV_DATABASE_URL" default:"gridgov.db" placeholder:"URL" help:"database: postgres://user@host/db for PostgreSQL, or the path of an SQLite file"`
}

// runEnv is what every command's Run receives.
type runEnv struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
}

// usageError is a command line that does not parse; command is the command path it named
// ("import roster "), for the hint to its help.
type usageError struct {
	err     error
	command string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitPanic carries kong's request to exit (after --help) out of its parser, so that realMain
// returns instead of ending the process.
type exitPanic int

// helpVars are the defaults and figures the help texts interpolate.
func helpVars() kong.Vars {
	return kong.Vars{
		"request_timeout":     server.DefaultRequestTimeout.String(),
		"shutdown_timeout":    DefaultShutdownTimeout.String(),
		"pg_max_open":         fmt.Sprint(store.DefaultPostgresMaxOpenConns),
		"sqlite_max_open":     fmt.Sprint(store.DefaultSQLiteMaxOpenConns),
		"gen_password":        datagen.DefaultPassword,
		"gen_until":           datagen.DefaultUntil.Format(time.DateOnly),
		"bench_admin":         datagen.AdminUsername,
		"bench_village":       datagen.VillageUsername,
		"bench_scenario_list": strings.Join(bench.Names(), ", "),
	}
}

// newParser builds the parser of gridgov's command line around c; help goes to stdout.
func newParser(c *cli, stdout io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(c,
		kong.Name("gridgov"),
		kong.Description("GraphQL backend for grid-based community governance (网格化管理).\n\n"+
			"Flags may come before or after a command's arguments. A flag's environment variable is named in its help "+
			"($GRIDGOV_…); a flag given on the command line wins."),
		kong.Writers(stdout, io.Discard),
		kong.Exit(exit),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: false}),
		kong.ValueFormatter(helpValue),
		helpVars(),
		kong.WithBeforeReset(checkEnvironment),
		kong.WithHyphenPrefixedParameters(true), // --events -1
	)
}

// helpValue is a flag's help with its default and environment variable.
func helpValue(v *kong.Value) string {
	s := v.Help
	if v.IsBool() && v.Default == "true" { // the others show their default in the placeholder
		s += fmt.Sprintf(" (default: %s)", v.Default)
	}
	if len(v.Tag.Envs) > 0 {
		s += " ($" + strings.Join(v.Tag.Envs, ", $") + ")"
	}
	return s
}

// realMain parses args and runs the command they name.
func realMain(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (err error) {
	var c cli
	parser, err := newParser(&c, stdout, func(code int) { panic(exitPanic(code)) })
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			code, ok := r.(exitPanic)
			if !ok {
				panic(r)
			}
			if code != 0 {
				err = &usageError{err: fmt.Errorf("exit %d", code)}
			}
		}
	}()
	if len(args) == 0 {
		kctx, terr := kong.Trace(parser, nil)
		if terr == nil {
			_ = kctx.PrintUsage(false)
		}
		return &usageError{err: errors.New("no command given")}
	}
	if len(args) == 1 && args[0] == "help" {
		args = []string{"--help"}
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		var pe *kong.ParseError
		command := ""
		if errors.As(err, &pe) && pe.Context != nil {
			command = commandPath(pe.Context)
			err = unknownCommand(pe.Context, err)
		}
		return &usageError{err: err, command: command}
	}
	return kctx.Run(&runEnv{ctx: ctx, stdin: stdin, stdout: stdout})
}

// unknownCommand says "unknown command" where kong says "unexpected argument" to a command
// that takes subcommands, not arguments.
func unknownCommand(kctx *kong.Context, err error) error {
	arg, ok := strings.CutPrefix(err.Error(), "unexpected argument ")
	if !ok {
		return err
	}
	node := kctx.Selected()
	if node == nil {
		node = kctx.Model.Node
	}
	if len(node.Children) == 0 || len(node.Positional) > 0 {
		return err
	}
	if node.Type == kong.ApplicationNode {
		return fmt.Errorf("unknown command %q", arg)
	}
	return fmt.Errorf("unknown %s command %q", node.Name, arg)
}

// commandPath is the commands kctx reached, each followed by a space: "import roster ".
func commandPath(kctx *kong.Context) string {
	var b strings.Builder
	for _, p := range kctx.Path {
		if p.Command != nil {
			b.WriteString(p.Command.Name + " ")
		}
	}
	return b.String()
}

// checkEnvironment refuses an environment variable of the chosen command whose value does not
// parse, naming the variable but not the value (it may be a secret): GRIDGOV_PRODUCTION=yes
// please must not quietly mean false. kong's own message would quote the value.
func checkEnvironment(kctx *kong.Context) error {
	seen := map[*kong.Value]bool{}
	for _, p := range kctx.Path {
		for _, f := range p.Flags {
			if seen[f.Value] {
				continue
			}
			seen[f.Value] = true
			for _, env := range f.Tag.Envs {
				v, ok := os.LookupEnv(env)
				if !ok {
					continue
				}
				if err := checkValue(f, v); err != nil {
					return fmt.Errorf("environment variable %s: invalid value for --%s: %w", env, f.Name, err)
				}
				break // kong reads the first variable set
			}
		}
	}
	return nil
}

// checkValue parses v as flag f would, into a scratch value, and says what was wanted.
func checkValue(f *kong.Flag, v string) error {
	if strings.TrimSpace(v) != v {
		return errors.New("leading or trailing white space")
	}
	scratch := reflect.New(f.Target.Type()).Elem()
	if err := f.Mapper.Decode(&kong.DecodeContext{Value: f.Value, Scan: kong.ScanFromTokens(kong.Token{Type: kong.FlagValueToken, Value: v})}, scratch); err != nil {
		switch {
		case f.IsBool():
			return errors.New("want true or false (also 1 or 0, yes or no)")
		case f.Target.Type() == reflect.TypeOf(time.Duration(0)):
			return errors.New("want a duration such as 15s, 500ms or 2m")
		case f.Target.Kind() == reflect.Int:
			return errors.New("want an integer")
		default:
			return errors.New("parse error")
		}
	}
	return nil
}

// complete answers a shell's completion request (bash's complete -C sets COMP_LINE) and
// exits; without one it returns at once.
func complete() {
	if os.Getenv("COMP_LINE") == "" {
		return
	}
	var c cli
	parser, err := newParser(&c, os.Stdout, os.Exit)
	if err != nil {
		return
	}
	kongplete.Complete(parser)
}

// completionCmd is "gridgov completion".
type completionCmd struct{}

// Run prints the line to add to ~/.bashrc or ~/.zshrc: the shell asks gridgov itself.
func (completionCmd) Run(e *runEnv) error {
	exe, err := os.Executable()
	if err != nil {
		exe = "gridgov"
	}
	fmt.Fprintf(e.stdout, "# add to ~/.bashrc (zsh: autoload -U +X bashcompinit && bashcompinit first)\ncomplete -C %s gridgov\n", exe)
	return nil
}
