package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/accounts"
	"gridgov/internal/audit"
	"gridgov/internal/auth"
	"gridgov/internal/clock"
	"gridgov/internal/excel"
)

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) < 2 {
		return errors.New(`usage: gridgov user add NAME [--person-id N] [--admin] | gridgov user add --from-roster --out FILE.xlsx | gridgov user disable NAME | gridgov user enable NAME`)
	}
	if args[0] == "add" && args[1] == "--from-roster" {
		return userAddFromRoster(ctx, args[2:], stdout)
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

// userAddFromRoster runs "gridgov user add --from-roster --out FILE.xlsx": an account for
// every person with an active role and none yet (internal/accounts.FromRoster), in one
// transaction, their activation codes written to FILE.xlsx before it commits.
func userAddFromRoster(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("user add --from-roster")
	dbURL := fs.databaseFlag()
	out := fs.FlagSet.String("out", "", "write usernames and activation codes to this .xlsx file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("user add --from-roster: --out FILE.xlsx is required: the activation codes are shown only there")
	}
	client, err := openDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx = authz.SystemContext(audit.WithOperation(ctx, "cli:user add --from-roster", ""), "command line: accounts for the roster")
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	made, err := accounts.FromRoster(ctx, tx.Client(), clock.Now())
	if err == nil {
		err = writeCodes(*out, made)
	}
	if err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return errors.Join(err, os.Remove(*out))
	}
	fmt.Fprintf(stdout, "created %d accounts; activation codes (valid %s) in %s\n", len(made), accounts.CodeTTL, *out)
	return nil
}

// writeCodes writes the activation codes of made to the workbook file name.
func writeCodes(name string, made []accounts.RosterAccount) error {
	rows := make([][]any, len(made))
	for i, a := range made {
		rows[i] = []any{a.Username, a.Code, a.ExpiresAt.In(time.Local).Format("2006-01-02 15:04"), a.PersonID, a.PersonName, a.GridCode, a.GridName}
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // codes are secrets
	if err != nil {
		return err
	}
	err = excel.WriteSheet(f, "激活码", []any{"用户名 username", "激活码 activation code", "有效期至 valid until", "人员ID person id", "姓名 name", "网格编码 grid code", "网格 grid"}, rows)
	return errors.Join(err, f.Close())
}
