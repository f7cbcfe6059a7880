package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"

	"gridgov/ent"
	entmigrate "gridgov/ent/migrate"
)

// HistoryTable records the migrations applied to a database, one row per file.
const HistoryTable = "gridgov_schema_migrations"

const createHistory = `CREATE TABLE IF NOT EXISTS ` + HistoryTable + ` (
	version     text PRIMARY KEY,
	description text NOT NULL,
	hash        text NOT NULL,
	baseline    boolean NOT NULL DEFAULT false,
	applied_at  timestamptz NOT NULL DEFAULT now()
)`

// lockKey is the PostgreSQL advisory lock that serializes Apply calls on one database.
const lockKey int64 = 0x67726964676f76 // "gridgov"

// Conn is a PostgreSQL database to migrate; SQLConn and EntConn make one.
type Conn interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Begin(ctx context.Context) (Tx, error)
}

// Tx is a transaction on a Conn.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Commit() error
	Rollback() error
}

// SQLConn returns a Conn on db.
func SQLConn(db *sql.DB) Conn { return sqlConn{db} }

type sqlConn struct{ *sql.DB }

func (c sqlConn) Begin(ctx context.Context) (Tx, error) { return c.BeginTx(ctx, nil) }

// EntConn returns a Conn on the database below client (through the client's ExecContext and
// QueryContext, which bypass hooks and privacy).
func EntConn(client *ent.Client) Conn { return entConn{client} }

type entConn struct{ *ent.Client }

func (c entConn) Begin(ctx context.Context) (Tx, error) { return c.BeginTx(ctx, nil) }

// State is the state of one migration in a database.
type State string

// The states of a migration.
const (
	// Pending: the file has not been applied.
	Pending State = "pending"
	// Applied: the file has been applied.
	Applied State = "applied"
	// Baseline: the file was recorded as applied without running it (ApplyOptions.Baseline).
	Baseline State = "baseline"
	// Modified: the file was applied, but its content has changed since.
	Modified State = "modified"
	// Unknown: the database records a version that no file of this gridgov has, applied by a
	// newer gridgov.
	Unknown State = "unknown"
)

// Migration is one migration and its state in a database.
type Migration struct {
	Version     string
	Description string
	State       State
	// AppliedAt is when the migration was applied (or baselined); zero when pending.
	AppliedAt time.Time
}

// Status is the state of a database's migrations.
type Status struct {
	// Migrations are the migration files and the unknown recorded versions, in version order.
	Migrations []Migration
}

// Pending returns the migrations not applied yet.
func (s *Status) Pending() []Migration { return s.only(Pending) }

// Modified returns the applied migrations whose files have changed since.
func (s *Status) Modified() []Migration { return s.only(Modified) }

// Unknown returns the recorded versions that no file of this gridgov has.
func (s *Status) Unknown() []Migration { return s.only(Unknown) }

func (s *Status) only(st State) []Migration {
	var ms []Migration
	for _, m := range s.Migrations {
		if m.State == st {
			ms = append(ms, m)
		}
	}
	return ms
}

// record is a row of the history table.
type record struct {
	version, description, hash string
	baseline                   bool
	appliedAt                  time.Time
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readHistory returns the history table's rows by version; none when the table does not exist.
func readHistory(ctx context.Context, q querier) (map[string]record, error) {
	var exists bool
	rows, err := q.QueryContext(ctx, `SELECT to_regclass('`+HistoryTable+`') IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("read migration history: %w", err)
	}
	if rows.Next() {
		err = rows.Scan(&exists)
	}
	if err = errors.Join(err, rows.Close(), rows.Err()); err != nil {
		return nil, fmt.Errorf("read migration history: %w", err)
	}
	history := map[string]record{}
	if !exists {
		return history, nil
	}
	rows, err = q.QueryContext(ctx, `SELECT version, description, hash, baseline, applied_at FROM `+HistoryTable)
	if err != nil {
		return nil, fmt.Errorf("read migration history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.version, &r.description, &r.hash, &r.baseline, &r.appliedAt); err != nil {
			return nil, fmt.Errorf("read migration history: %w", err)
		}
		history[r.version] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read migration history: %w", err)
	}
	return history, nil
}

// status merges the files with a database's history.
func status(files []File, history map[string]record) *Status {
	s := &Status{Migrations: make([]Migration, 0, len(files))}
	known := make(map[string]bool, len(files))
	for _, f := range files {
		known[f.Version] = true
		m := Migration{Version: f.Version, Description: f.Description, State: Pending}
		if r, ok := history[f.Version]; ok {
			m.AppliedAt = r.appliedAt
			switch {
			case r.hash != f.Hash:
				m.State = Modified
			case r.baseline:
				m.State = Baseline
			default:
				m.State = Applied
			}
		}
		s.Migrations = append(s.Migrations, m)
	}
	for v, r := range history {
		if !known[v] {
			s.Migrations = append(s.Migrations, Migration{Version: v, Description: r.description, State: Unknown, AppliedAt: r.appliedAt})
		}
	}
	slices.SortFunc(s.Migrations, func(a, b Migration) int { return strings.Compare(a.Version, b.Version) })
	return s
}

// ReadStatus returns the state of the built-in migrations in the database. It only reads: a
// database without the history table has every migration pending.
func ReadStatus(ctx context.Context, conn Conn) (*Status, error) {
	files, err := Files()
	if err != nil {
		return nil, err
	}
	history, err := readHistory(ctx, conn)
	if err != nil {
		return nil, err
	}
	return status(files, history), nil
}

// ApplyOptions configures Apply.
type ApplyOptions struct {
	// Baseline, when set, records the migrations up to and including this version as applied
	// without running them, and then applies the rest. It is for a database that has no
	// migration history and whose schema an earlier gridgov built with ent's automatic
	// migration, matching the files up to Baseline.
	Baseline string
	// Applied, when set, is called after each migration has been committed.
	Applied func(m Migration, statements int, took time.Duration)
}

// Apply applies the built-in migrations that the database has not seen, in version order,
// each in one transaction, and returns them. See the package documentation for what it refuses.
func Apply(ctx context.Context, conn Conn, opts ApplyOptions) ([]Migration, error) {
	files, err := Files()
	if err != nil {
		return nil, err
	}
	return apply(ctx, conn, files, opts)
}

// ErrNotVersioned means that a database without migration history already holds gridgov tables.
var ErrNotVersioned = errors.New("the database has gridgov tables but no migration history")

func apply(ctx context.Context, conn Conn, files []File, opts ApplyOptions) ([]Migration, error) {
	if err := inLockedTx(ctx, conn, func(tx Tx) error {
		_, err := tx.ExecContext(ctx, createHistory)
		return err
	}); err != nil {
		return nil, fmt.Errorf("create migration history table: %w", err)
	}
	if opts.Baseline != "" {
		if err := baseline(ctx, conn, files, opts.Baseline); err != nil {
			return nil, err
		}
	}
	seen, err := readHistory(ctx, conn)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for _, f := range files {
		if r, ok := seen[f.Version]; ok && r.hash == f.Hash {
			continue // applied before this call
		}
		start := time.Now()
		var done, refused bool
		err := inLockedTx(ctx, conn, func(tx Tx) error {
			// Read again under the lock: another process may have applied f meanwhile.
			history, err := readHistory(ctx, tx)
			if err != nil {
				return err
			}
			if err := check(ctx, tx, history, f); err != nil {
				refused = true
				return err
			}
			if _, ok := history[f.Version]; ok {
				return nil
			}
			// Migrations may take longer than an API statement may.
			if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
				return err
			}
			for i, stmt := range f.Stmts {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("statement %d of %d (%s): %w", i+1, len(f.Stmts), abbreviate(stmt), err)
				}
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO `+HistoryTable+` (version, description, hash) VALUES ($1, $2, $3)`,
				f.Version, f.Description, f.Hash); err != nil {
				return fmt.Errorf("record migration: %w", err)
			}
			done = true
			return nil
		})
		switch {
		case refused:
			return applied, fmt.Errorf("migration %s: %w", f.Name, err)
		case err != nil:
			return applied, fmt.Errorf("apply migration %s (rolled back: nothing of it was applied): %w", f.Name, err)
		}
		if done {
			m := Migration{Version: f.Version, Description: f.Description, State: Applied, AppliedAt: time.Now()}
			applied = append(applied, m)
			if opts.Applied != nil {
				opts.Applied(m, len(f.Stmts), time.Since(start))
			}
		}
	}
	return applied, nil
}

// check refuses to apply f (or to go on past it) on a history that does not fit the files.
func check(ctx context.Context, tx Tx, history map[string]record, f File) error {
	if r, ok := history[f.Version]; ok {
		if r.hash != f.Hash {
			return fmt.Errorf("it was applied with different content: the file has changed since (its recorded SHA-256 is %s, the file's %s)", r.hash, f.Hash)
		}
		return nil
	}
	for v := range history {
		if v > f.Version {
			return fmt.Errorf("it is older than the applied migration %s; regenerate it so that it comes last", v)
		}
	}
	if len(history) == 0 {
		existing, err := gridgovTables(ctx, tx)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return fmt.Errorf("%w (%s): if an earlier gridgov created them with its automatic migration, record the migrations that schema matches with --baseline VERSION", ErrNotVersioned, strings.Join(existing, ", "))
		}
	}
	return nil
}

// baseline records the files up to version as applied, without running them.
func baseline(ctx context.Context, conn Conn, files []File, version string) error {
	if !slices.ContainsFunc(files, func(f File) bool { return f.Version == version }) {
		return fmt.Errorf("baseline %s: no migration has this version", version)
	}
	err := inLockedTx(ctx, conn, func(tx Tx) error {
		history, err := readHistory(ctx, tx)
		if err != nil {
			return err
		}
		if len(history) > 0 {
			return errors.New("the database already has migration history")
		}
		for _, f := range files {
			if f.Version > version {
				break
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO `+HistoryTable+` (version, description, hash, baseline) VALUES ($1, $2, $3, true)`,
				f.Version, f.Description, f.Hash); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("baseline %s: %w", version, err)
	}
	return nil
}

// gridgovTables returns the tables of the ent schema that exist in the current schema.
func gridgovTables(ctx context.Context, tx Tx) ([]string, error) {
	names := make([]string, len(entmigrate.Tables))
	for i, t := range entmigrate.Tables {
		names[i] = t.Name
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1) ORDER BY tablename`,
		pq.Array(names))
	if err != nil {
		return nil, fmt.Errorf("look for existing tables: %w", err)
	}
	defer rows.Close()
	var existing []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		existing = append(existing, name)
	}
	return existing, rows.Err()
}

// inLockedTx runs fn in a transaction that holds the migration lock, and commits it when fn
// succeeds.
func inLockedTx(ctx context.Context, conn Conn, fn func(Tx) error) (err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// abbreviate shortens a statement for an error message.
func abbreviate(stmt string) string {
	s := []rune(strings.Join(strings.Fields(stmt), " "))
	if len(s) > 120 {
		return string(s[:117]) + "..."
	}
	return string(s)
}
