package main

import (
	"gridgov/internal/server"
)

// schemaPrintCmd is "gridgov schema print": the schema the server answers with, in SDL, for
// frontends' code generators, with no database and no server (production turns introspection
// off). It is the committed graph/schema.graphqls.
type schemaPrintCmd struct{}

// Run prints the schema on standard output.
func (c *schemaPrintCmd) Run(e *runEnv) error { return server.PrintSchema(e.stdout) }
