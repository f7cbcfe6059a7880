package accounts_test

import (
	"testing"

	"gridgov/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
