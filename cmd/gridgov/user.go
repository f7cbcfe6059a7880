package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"

	"gridgov/ent"
	"gridgov/internal/audit"
	"gridgov/internal/auth"
)

// userAddCmd is "gridgov user add NAME".
type userAddCmd struct {
	Name     string `arg:"" name:"name" help:"the account name: 2 to 32 of a-z 0-9 . _ -"`
	DB       dbFlag `embed:""`
	PersonID int    `name:"person-id" placeholder:"N" help:"link the account to this person (its grants are the person's active assignments)"`
	Admin    bool   `name:"admin" help:"make the account a system administrator over every tree (for the first administrator)"`
}

// userNameCmd is "gridgov user disable NAME" and "gridgov user enable NAME".
type userNameCmd struct {
	Name string `arg:"" name:"name" help:"the account name"`
	DB   dbFlag `embed:""`
}

// Run creates the account.
func (c *userAddCmd) Run(e *runEnv) error {
	return userCmd(e.ctx, "add", c.Name, c.DB.URL, c.PersonID, c.Admin, e.stdin, e.stdout)
}

// Run disables or enables the account.
func (c *userNameCmd) Run(e *runEnv, kctx *kong.Context) error {
	return userCmd(e.ctx, kctx.Selected().Name, c.Name, c.DB.URL, 0, false, e.stdin, e.stdout)
}

// userCmd runs one user command in a transaction of its own.
func userCmd(ctx context.Context, verb, name, url string, personID int, admin bool, stdin io.Reader, stdout io.Writer) error {
	dbURL := &url
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	// One transaction per command, so that the change and its audit entry commit together.
	ctx = audit.WithOperation(ctx, "cli:user "+verb, "")
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := runUserCmd(ctx, tx.Client(), verb, name, personID, admin, stdin, stdout); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// runUserCmd runs one user command through client.
func runUserCmd(ctx context.Context, client *ent.Client, verb, name string, personID int, admin bool, stdin io.Reader, stdout io.Writer) error {
	switch verb {
	case "add":
		password, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password from standard input: %w", err)
		}
		u, err := auth.CreateUser(ctx, client, auth.NewUser{
			Username: name, Password: strings.TrimRight(password, "\r\n"), PersonID: personID, Superuser: admin,
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s (id %d)\n", u.Username, u.ID)
	case "disable", "enable":
		if err := auth.SetDisabled(ctx, client, name, verb == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd user %s\n", verb, name)
	default:
		return fmt.Errorf("unknown user command %q: use add, disable or enable", verb)
	}
	return nil
}
