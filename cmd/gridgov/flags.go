package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// flagSet is a flag.FlagSet whose flags fall back to environment variables.
type flagSet struct {
	*flag.FlagSet
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &flagSet{fs}
}

// String defines a string flag whose default comes from env when it is set.
func (f *flagSet) String(name, env, def, help string) *string {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	return f.FlagSet.String(name, def, fmt.Sprintf("%s (env %s)", help, env))
}

// Bool defines a bool flag whose default comes from env when it is set.
func (f *flagSet) Bool(name, env string, def bool, help string) *bool {
	if v, ok := os.LookupEnv(env); ok {
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			def = b
		}
	}
	return f.FlagSet.Bool(name, def, fmt.Sprintf("%s (env %s)", help, env))
}

// Int defines an int flag whose default comes from env when it is set.
func (f *flagSet) Int(name, env string, def int, help string) *int {
	if v, ok := os.LookupEnv(env); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			def = n
		}
	}
	return f.FlagSet.Int(name, def, fmt.Sprintf("%s (env %s)", help, env))
}

// databaseFlag defines --database-url / GRIDGOV_DATABASE_URL.
func (f *flagSet) databaseFlag() *string {
	return f.String("database-url", "GRIDGOV_DATABASE_URL", "gridgov.db",
		"database: postgres://user@host/db for PostgreSQL, or the path of an SQLite file")
}
