package main

import (
	"errors"
	"fmt"
	"io"

	"gridgov/internal/server"
)

const schemaUsage = `usage: gridgov schema print   (the GraphQL schema in SDL on standard output; the same as graph/schema.graphqls)`

// schemaCmd runs "gridgov schema print": the schema the server answers with, for frontends'
// code generators, with no database and no server.
func schemaCmd(args []string, stdout io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "print":
		return server.PrintSchema(stdout)
	case len(args) == 0:
		return errors.New(schemaUsage)
	}
	return fmt.Errorf("unexpected arguments %q\n%s", args, schemaUsage)
}
