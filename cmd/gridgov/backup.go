package main

import (
	"fmt"

	"entgo.io/ent/dialect"

	"gridgov/internal/store"
)

// backupCmd is "gridgov backup FILE".
type backupCmd struct {
	File string `arg:"" name:"file" help:"the copy to write; it must not exist yet"`
	DB   dbFlag `embed:""`
}

// Run writes a consistent copy of the SQLite database (VACUUM INTO, while a server may go on
// serving). PostgreSQL is refused before connecting: its backups are pg_dump's job.
func (c *backupCmd) Run(e *runEnv) error {
	if err := store.CheckScheme(c.DB.URL); err != nil {
		return err
	}
	if store.Dialect(c.DB.URL) == dialect.Postgres {
		return store.ErrBackupPostgres
	}
	// Opened, not migrated: the copy is of the database as it is.
	client, db, err := store.Open(e.ctx, c.DB.URL)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := store.Backup(e.ctx, db, dialect.SQLite, c.File); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", store.RedactURL(c.DB.URL), c.File)
	return nil
}
