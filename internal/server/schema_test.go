package server_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"gridgov/internal/server"
)

// printedSchema is the committed printed schema, relative to this package.
const printedSchema = "../../graph/schema.graphqls"

// TestPrintedSchemaCurrent fails when graph/schema.graphqls is not the schema the server
// answers with, so that frontends never generate their types from a stale file. With
// GRIDGOV_UPDATE_SCHEMA=1 it rewrites the file instead.
func TestPrintedSchemaCurrent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := server.PrintSchema(&buf); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("GRIDGOV_UPDATE_SCHEMA") == "1" {
		if err := os.WriteFile(printedSchema, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(printedSchema)
	if err != nil {
		t.Fatalf("%v: print it with `go run ./cmd/gridgov schema print > graph/schema.graphqls`", err)
	}
	if _, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(committed)}); err != nil {
		t.Errorf("graph/schema.graphqls does not load as a schema: %v", err)
	}
	if !bytes.Equal(committed, buf.Bytes()) {
		t.Errorf("graph/schema.graphqls is stale (%d bytes, the schema printed now is %d): "+
			"run `go run ./cmd/gridgov schema print > graph/schema.graphqls` and commit it", len(committed), buf.Len())
	}
}
