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

	"github.com/alecthomas/kong"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/internal/accounts"
	"gridgov/internal/audit"
	"gridgov/internal/auth"
	"gridgov/internal/clock"
	"gridgov/internal/excel"
)

// userAddCmd is "gridgov user add NAME" and "gridgov user add --from-roster --out FILE.xlsx".
type userAddCmd struct {
	Name       string `arg:"" optional:"" name:"name" help:"the account name: 2 to 32 of a-z 0-9 . _ -"`
	DB         dbFlag `embed:""`
	PersonID   int    `name:"person-id" placeholder:"N" help:"link the account to this person (its grants are the person's active assignments)"`
	Admin      bool   `name:"admin" help:"make the account a system administrator over every tree (for the first administrator)"`
	FromRoster bool   `name:"from-roster" help:"instead of NAME: an account for every person with an active role and none yet, each with a one-time activation code"`
	Out        string `name:"out" placeholder:"FILE.xlsx" help:"with --from-roster: write usernames and activation codes to this .xlsx file (required; the codes are shown only there)"`
}

// userNameCmd is "gridgov user disable NAME" and "gridgov user enable NAME".
type userNameCmd struct {
	Name string `arg:"" name:"name" help:"the account name"`
	DB   dbFlag `embed:""`
}

// Run creates the account, or the roster's accounts.
func (c *userAddCmd) Run(e *runEnv) error {
	switch {
	case c.FromRoster && (c.Name != "" || c.PersonID != 0 || c.Admin):
		return &usageError{err: errors.New("--from-roster takes no NAME, --person-id or --admin"), command: "user add "}
	case c.FromRoster:
		return userAddFromRoster(e.ctx, c.DB.URL, c.Out, e.stdout)
	case c.Name == "":
		return &usageError{err: errors.New(`expected "<name>" (or --from-roster --out FILE.xlsx)`), command: "user add "}
	case c.Out != "":
		return &usageError{err: errors.New("--out goes with --from-roster"), command: "user add "}
	}
	return userCmd(e.ctx, "add", c.Name, c.DB.URL, c.PersonID, c.Admin, e.stdin, e.stdout)
}

// Run disables or enables the account.
func (c *userNameCmd) Run(e *runEnv, kctx *kong.Context) error {
	return userCmd(e.ctx, kctx.Selected().Name, c.Name, c.DB.URL, 0, false, e.stdin, e.stdout)
}

// userCmd runs one user command in a transaction of its own.
func userCmd(ctx context.Context, verb, name, url string, personID int, admin bool, stdin io.Reader, stdout io.Writer) error {
	client, err := openDatabase(ctx, url)
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

// userAddFromRoster runs "gridgov user add --from-roster --out FILE.xlsx": an account for
// every person with an active role and none yet (internal/accounts.FromRoster), in one
// transaction, their activation codes written to FILE.xlsx before it commits.
func userAddFromRoster(ctx context.Context, dbURL, out string, stdout io.Writer) error {
	if out == "" {
		return &usageError{err: errors.New("--from-roster needs --out FILE.xlsx: the activation codes are shown only there"), command: "user add "}
	}
	client, err := openDatabase(ctx, dbURL)
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
		err = writeCodes(out, made)
	}
	if err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return errors.Join(err, os.Remove(out))
	}
	fmt.Fprintf(stdout, "created %d accounts; activation codes (valid %s) in %s\n", len(made), accounts.CodeTTL, out)
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
