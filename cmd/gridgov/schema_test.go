package main

import (
	"os"
	"strings"
	"testing"
)

// TestSchemaPrint: `gridgov schema print` prints the committed graph/schema.graphqls (whose
// staleness internal/server's TestPrintedSchemaCurrent catches); other arguments are refused.
func TestSchemaPrint(t *testing.T) {
	t.Parallel()
	out := mustRun(t, "", "schema", "print")
	committed, err := os.ReadFile("../../graph/schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(committed) || !strings.Contains(out, "type Query {") {
		t.Errorf("schema print (%d bytes) is not graph/schema.graphqls (%d bytes)", len(out), len(committed))
	}
	for _, args := range [][]string{{"schema"}, {"schema", "dump"}, {"schema", "print", "extra"}} {
		if _, err := run(t, "", args...); err == nil {
			t.Errorf("gridgov %s succeeded, want a usage error", strings.Join(args, " "))
		}
	}
}
