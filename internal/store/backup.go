package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"entgo.io/ent/dialect"
)

// ErrBackupPostgres is returned by Backup for a PostgreSQL database, whose backups are the
// database server's job (pg_dump, or base backups with WAL archiving).
var ErrBackupPostgres = errors.New("backup: gridgov backs up only its embedded SQLite database; for PostgreSQL use pg_dump (docs/operations.md)")

// Backup writes a consistent copy of an SQLite database to dest with VACUUM INTO, which reads
// one snapshot while the server goes on serving and writes a compact file that opens as an
// ordinary database. dest must not exist: a backup never overwrites an older one.
func Backup(ctx context.Context, db *sql.DB, dialectName, dest string) error {
	if dialectName == dialect.Postgres {
		return ErrBackupPostgres
	}
	if dest == "" {
		return errors.New("backup: no destination file given")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}
