package migrations

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"os"
	"slices"
	"sync"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/lib/pq"

	"gridgov/ent"
	entmigrate "gridgov/ent/migrate"
	"gridgov/ent/migrate/migrations"
)

// DefaultDevURL is the PostgreSQL server on which the generator creates its throwaway database
// when $GRIDGOV_DEV_POSTGRES_URL is unset.
const DefaultDevURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// entTablesMu serializes everything that hands ent's table definitions (entmigrate.Tables) to
// its migration engine, which writes to them: two at once are a data race.
var entTablesMu sync.Mutex

// AutoMigrate brings the schema of the database below client up to date with ent's automatic
// migration (Schema.Create). gridgov uses it for SQLite only.
func AutoMigrate(ctx context.Context, client *ent.Client) error {
	entTablesMu.Lock()
	defer entTablesMu.Unlock()
	return client.Schema.Create(ctx)
}

// options are the ent migration options of the generator and of the checks that must agree
// with it.
func options(dir atlas.Dir, mode schema.Mode) []schema.MigrateOption {
	return []schema.MigrateOption{
		schema.WithDir(dir),
		schema.WithMigrationMode(mode),
		schema.WithDialect(dialect.Postgres),
		schema.WithFormatter(atlas.DefaultFormatter),
		// A migration file is reviewed before it runs, so it also drops what the schema no
		// longer has (ent's automatic migration leaves removed columns and indexes behind).
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	}
}

// Generate writes a migration file named name into the migration directory at path, holding
// the changes that bring a database migrated by the directory's files up to the ent schema,
// and updates its atlas.sum. It replays the files on the empty PostgreSQL database at devURL.
// It returns the new file's name, or "" when there is nothing to migrate.
func Generate(ctx context.Context, devURL, path, name string) (string, error) {
	dir, err := atlas.NewLocalDir(path)
	if err != nil {
		return "", err
	}
	if err := validate(dir); err != nil {
		return "", err
	}
	before, err := dir.Files()
	if err != nil {
		return "", err
	}
	if err := diff(ctx, devURL, dir, name); err != nil {
		return "", err
	}
	after, err := dir.Files()
	if err != nil {
		return "", err
	}
	for _, f := range added(before, after) {
		return f.Name(), nil
	}
	return "", nil
}

// added returns the files of after that before does not have.
func added(before, after []atlas.File) []atlas.File {
	var fs []atlas.File
	for _, f := range after {
		if !slices.ContainsFunc(before, func(b atlas.File) bool { return b.Name() == f.Name() }) {
			fs = append(fs, f)
		}
	}
	return fs
}

// Drift returns the migration that the built-in files lack to match the ent schema, as
// Generate would write it, or "" when they are up to date. It replays the files on the empty
// PostgreSQL database at devURL.
func Drift(ctx context.Context, devURL string) (string, error) {
	dir, err := memDir(migrations.FS)
	if err != nil {
		return "", err
	}
	if err := validate(dir); err != nil {
		return "", err
	}
	before, err := dir.Files()
	if err != nil {
		return "", err
	}
	if err := diff(ctx, devURL, dir, "drift"); err != nil {
		return "", err
	}
	after, err := dir.Files()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	for _, f := range added(before, after) {
		b.Write(f.Bytes())
	}
	return b.String(), nil
}

// diff runs ent's NamedDiff in replay mode; no change is not an error.
func diff(ctx context.Context, devURL string, dir atlas.Dir, name string) error {
	u, err := schemaScoped(devURL)
	if err != nil {
		return err
	}
	entTablesMu.Lock()
	defer entTablesMu.Unlock()
	err = entmigrate.NamedDiff(ctx, u, name, options(dir, schema.ModeReplay)...)
	if err != nil && !errors.Is(err, atlas.ErrNoPlan) {
		return fmt.Errorf("diff the ent schema against the migration files: %w", err)
	}
	return nil
}

// schemaScoped adds search_path=public to a PostgreSQL URL that has none, so that Atlas works
// on one schema and writes unqualified table names.
func schemaScoped(url string) (string, error) {
	u, err := neturl.Parse(url)
	if err != nil {
		return "", errors.New("invalid database URL")
	}
	q := u.Query()
	if q.Get("search_path") == "" {
		q.Set("search_path", "public")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// DiffDatabase returns the SQL that would bring the PostgreSQL database db to the ent schema
// (what ent's diff finds by inspecting it, drops included), or "" when db matches the schema.
func DiffDatabase(ctx context.Context, db *sql.DB) (string, error) {
	dir := &atlas.MemDir{}
	entTablesMu.Lock()
	defer entTablesMu.Unlock()
	m, err := schema.NewMigrate(entsql.OpenDB(dialect.Postgres, db), options(dir, schema.ModeInspect)...)
	if err != nil {
		return "", err
	}
	err = m.NamedDiff(ctx, "diff", entmigrate.Tables...)
	switch {
	case errors.Is(err, atlas.ErrNoPlan):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("diff the ent schema against the database: %w", err)
	}
	files, err := dir.Files()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	for _, f := range files {
		b.Write(f.Bytes())
	}
	return b.String(), nil
}

// TempDatabase creates an empty database on the PostgreSQL server at serverURL (a role that
// may create databases) and returns its URL and a function that drops it. The name starts
// with gridgov_test_ and the Unix time, so that internal/dbtest removes it if the caller
// dies before dropping it.
func TempDatabase(ctx context.Context, serverURL string) (url string, drop func(context.Context) error, err error) {
	base, err := neturl.Parse(serverURL)
	if err != nil {
		return "", nil, errors.New("invalid PostgreSQL URL")
	}
	connector, err := pq.NewConnector(serverURL)
	if err != nil {
		return "", nil, err
	}
	admin := sql.OpenDB(connector)
	admin.SetMaxOpenConns(1)
	name := fmt.Sprintf("gridgov_test_%d_%012x", time.Now().Unix(), rand.Uint64()>>16)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u := *base
	u.Path, u.RawPath = "/"+name, ""
	drop = func(ctx context.Context) error {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// DevURL returns $GRIDGOV_DEV_POSTGRES_URL, or DefaultDevURL.
func DevURL() string {
	if u := os.Getenv("GRIDGOV_DEV_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultDevURL
}
