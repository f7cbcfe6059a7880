package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gridgov/ent"
	"gridgov/internal/audit"
	"gridgov/internal/auth"
)

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) < 2 {
		return errors.New(`usage: gridgov user add NAME [--person-id N] [--admin] | gridgov user disable NAME | gridgov user enable NAME`)
	}
	verb, name := args[0], args[1]
	if strings.HasPrefix(name, "-") {
		return fmt.Errorf("usage: gridgov user %s NAME [flags]: the account name comes first, got %q", verb, name)
	}
	fs := newFlagSet("user " + verb)
	dbURL := fs.databaseFlag()
	personID := fs.FlagSet.Int("person-id", 0, "link the account to this person (its grants are the person's active assignments)")
	admin := fs.FlagSet.Bool("admin", false, "make the account a system administrator over every tree (for the first administrator)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
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
	if err := runUserCmd(ctx, tx.Client(), verb, name, *personID, *admin, stdin, stdout); err != nil {
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
