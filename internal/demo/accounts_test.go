package demo_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgov/authz"
	"gridgov/internal/auth"
	"gridgov/internal/dbtest"
	"gridgov/internal/demo"
)

// TestWithPublishedPassword: demo accounts that keep the published password are found;
// one whose password was changed, a disabled one and other accounts are not.
func TestWithPublishedPassword(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, "sqlite3")
	ctx := authz.SystemContext(t.Context(), "test")
	for _, nu := range []auth.NewUser{
		{Username: "village", Password: demo.AccountPassword},
		{Username: "supervisor", Password: demo.AccountPassword},
		{Username: "gridhead", Password: "changed-password-1"},
		{Username: "someone", Password: demo.AccountPassword},
	} {
		if _, err := auth.CreateUser(ctx, db.Client, nu); err != nil {
			t.Fatal(err)
		}
	}
	if err := auth.SetDisabled(ctx, db.Client, "supervisor", true); err != nil {
		t.Fatal(err)
	}
	got, err := demo.WithPublishedPassword(t.Context(), db.Client)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"village"}, got); diff != "" {
		t.Errorf("accounts with the published password (-want +got):\n%s", diff)
	}
}
