package migrations

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"ariga.io/atlas/sql/migrate"

	"gridgov/ent/migrate/migrations"
)

// File is one migration file.
type File struct {
	// Name is the file name, VERSION_DESCRIPTION.sql.
	Name string
	// Version orders the files; it is what the database records.
	Version string
	// Description is the name given to the generator.
	Description string
	// Hash is the hex SHA-256 of the file's content.
	Hash string
	// Stmts are the file's SQL statements, in order.
	Stmts []string
}

var embedded struct {
	once  sync.Once
	files []File
	err   error
}

// Files returns the migration files built into gridgov, in version order, after checking them
// against atlas.sum.
func Files() ([]File, error) {
	embedded.once.Do(func() {
		embedded.files, embedded.err = ReadFiles(migrations.FS)
	})
	return embedded.files, embedded.err
}

// ReadFiles reads and checks the migration files (*.sql and atlas.sum) at the root of fsys.
func ReadFiles(fsys fs.FS) ([]File, error) {
	dir, err := memDir(fsys)
	if err != nil {
		return nil, err
	}
	if err := validate(dir); err != nil {
		return nil, err
	}
	all, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("read migration files: %w", err)
	}
	files := make([]File, 0, len(all))
	seen := make(map[string]string, len(all))
	for _, f := range all {
		lf, ok := f.(*migrate.LocalFile)
		if !ok {
			return nil, fmt.Errorf("migration file %s: unexpected type %T", f.Name(), f)
		}
		v := f.Version()
		if other, ok := seen[v]; ok {
			return nil, fmt.Errorf("migration files %s and %s have the same version %s", other, f.Name(), v)
		}
		seen[v] = f.Name()
		if mode := lf.Directive("txmode"); len(mode) > 0 && mode[0] != "file" {
			// Each file runs in one transaction with the row that records it; a file that
			// cannot would leave the database half-migrated when it fails.
			return nil, fmt.Errorf("migration file %s: atlas:txmode %s is not supported: every file runs in one transaction", f.Name(), mode[0])
		}
		stmts, err := lf.Stmts()
		if err != nil {
			return nil, fmt.Errorf("migration file %s: %w", f.Name(), err)
		}
		sum := sha256.Sum256(f.Bytes())
		files = append(files, File{
			Name:        f.Name(),
			Version:     v,
			Description: f.Desc(),
			Hash:        hex.EncodeToString(sum[:]),
			Stmts:       stmts,
		})
	}
	return files, nil
}

// memDir copies the migration files and atlas.sum at the root of fsys into an Atlas directory.
func memDir(fsys fs.FS) (*migrate.MemDir, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migration directory: %w", err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		if e.IsDir() || (!strings.HasSuffix(e.Name(), ".sql") && e.Name() != migrate.HashFileName) {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration file: %w", err)
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	return dir, nil
}

// validate checks the files of dir against its atlas.sum, with a message that says what to do.
func validate(dir migrate.Dir) error {
	err := migrate.Validate(dir)
	if err == nil {
		return nil
	}
	const fix = "migration files must be generated (go run -mod=mod ./internal/migrations/gen.go NAME), never edited afterwards"
	if ce := (*migrate.ChecksumError)(nil); errors.As(err, &ce) {
		return fmt.Errorf("migration files do not match %s: %s was %s since it was hashed; %s",
			migrate.HashFileName, ce.File, ce.Reason, fix)
	}
	return fmt.Errorf("migration files: %s: %w; %s", migrate.HashFileName, err, fix)
}
