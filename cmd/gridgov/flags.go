package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// flagSet is a flag.FlagSet whose flags fall back to environment variables: Parse sets each
// flag from its variable, then from the command line, so a flag given on the command line
// wins.
type flagSet struct {
	*flag.FlagSet
	env map[string]string // flag name → environment variable
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &flagSet{FlagSet: fs, env: map[string]string{}}
}

func (f *flagSet) withEnv(name, env, help string) string {
	f.env[name] = env
	return fmt.Sprintf("%s (env %s)", help, env)
}

// String defines a string flag with an environment twin.
func (f *flagSet) String(name, env, def, help string) *string {
	return f.FlagSet.String(name, def, f.withEnv(name, env, help))
}

// Bool defines a bool flag with an environment twin.
func (f *flagSet) Bool(name, env string, def bool, help string) *bool {
	return f.FlagSet.Bool(name, def, f.withEnv(name, env, help))
}

// Int defines an int flag with an environment twin.
func (f *flagSet) Int(name, env string, def int, help string) *int {
	return f.FlagSet.Int(name, def, f.withEnv(name, env, help))
}

// Duration defines a duration flag (such as 15s or 500ms) with an environment twin.
func (f *flagSet) Duration(name, env string, def time.Duration, help string) *time.Duration {
	return f.FlagSet.Duration(name, def, f.withEnv(name, env, help))
}

// Parse sets the flags from their environment variables, then parses args. An environment
// value that does not parse is an error, as a bad flag is: GRIDGOV_PRODUCTION=yes must not
// quietly mean false.
func (f *flagSet) Parse(args []string) error {
	names := make([]string, 0, len(f.env))
	for name := range f.env {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		env := f.env[name]
		v, ok := os.LookupEnv(env)
		if !ok {
			continue
		}
		if err := f.FlagSet.Set(name, strings.TrimSpace(v)); err != nil {
			// The value is not repeated: it may be a secret.
			return fmt.Errorf("environment variable %s: invalid value for --%s: %w", env, name, err)
		}
	}
	return f.FlagSet.Parse(args)
}

// isSet reports whether a flag was given, on the command line or by its environment variable.
func (f *flagSet) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// databaseFlag defines --database-url / GRIDGOV_DATABASE_URL.
func (f *flagSet) databaseFlag() *string {
	return f.String("database-url", "GRIDGOV_DATABASE_URL", "gridgov.db",
		"database: postgres://user@host/db for PostgreSQL, or the path of an SQLite file")
}
