package auth_test

import (
	"os"
	"testing"

	_ "gridgov/ent/runtime" // registers the schemas' hooks and privacy policies
	"gridgov/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
