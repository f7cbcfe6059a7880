// Package nopolicies_test links the server without gridgov/ent/runtime, as a binary that
// forgot the import would, and checks that the server refuses to start.
package nopolicies_test

import (
	"errors"
	"strings"
	"testing"

	"gridgov/internal/server"
)

func TestServerRefusesWithoutPolicies(t *testing.T) {
	err := server.CheckPolicies()
	if !errors.Is(err, server.ErrPoliciesMissing) || !strings.Contains(err.Error(), "Grid") {
		t.Fatalf("CheckPolicies() = %v, want ErrPoliciesMissing naming the entities", err)
	}
	defer func() {
		r := recover()
		if e, ok := r.(error); !ok || !errors.Is(e, server.ErrPoliciesMissing) {
			t.Errorf("server.New without policies: recovered %v, want a panic with ErrPoliciesMissing", r)
		}
	}()
	server.New(server.Config{})
	t.Error("server.New returned without policies registered")
}
