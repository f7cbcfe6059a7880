// Package migrations generates, checks and applies gridgov's versioned PostgreSQL migrations.
//
// # Files
//
// The migrations are Atlas-format SQL files in ent/migrate/migrations (VERSION_NAME.sql, the
// version a UTC timestamp, plus the integrity file atlas.sum), embedded in the gridgov binary.
// They are generated from the ent schema, as ent recommends: after changing ent/schema and
// regenerating the ent code, run from the repository root
//
//	go run -mod=mod ./internal/migrations/gen.go NAME
//
// NAME describes the change (add_audit_log). The generator creates a throwaway database on the
// PostgreSQL server at $GRIDGOV_DEV_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable, a role that may create
// databases), replays the existing files on it, diffs the result against the ent schema with
// ent's migrate.NamedDiff (ModeReplay, Atlas's default formatter, drops of removed columns and
// indexes included), writes the difference as a new file, updates atlas.sum and drops the
// database. Review the new file and commit it with the schema change. Never edit a file that
// may have been applied anywhere; if a generated file needs hand work before it is committed,
// rehash atlas.sum afterwards (atlas migrate hash, or regenerate).
//
// Global ids (the globalid feature) need nothing extra: ent/migrate/schema.go gives every table
// an IncrementStart annotation, which the generated CREATE TABLE statements carry as the
// identity column's START WITH, exactly as ent's automatic migration sets it. There is no
// ent_types table.
//
// TestMigrationsUpToDate fails when the ent schema has changes that no file holds, and
// TestApplyMatchesEnt applies all files to an empty database and checks that the result is
// what ent's automatic migration (Schema.Create) builds.
//
// # Applying
//
// Apply runs the files a database has not seen, in version order, each in one transaction
// together with the row that records it in the table gridgov_schema_migrations (version,
// description, SHA-256 of the file, applied_at): a file is applied completely or not at all.
// A PostgreSQL advisory lock serializes concurrent Apply calls, so that several API processes
// or deploy jobs may start at once. Apply refuses, changing nothing, when atlas.sum does not
// match the files, when an applied file's content has changed since, when a pending file is
// older than the newest applied one (merge two branches' migrations by regenerating the later
// one), and when a database without migration history already holds gridgov tables (made by
// an earlier gridgov's automatic migration: ApplyOptions.Baseline marks the files that schema
// matches as applied). Migration statements run without a statement timeout.
//
// Versions recorded in the database but unknown to this binary (applied by a newer gridgov)
// are reported, not refused: an older binary keeps working during a rolling upgrade.
//
// SQLite databases are not versioned: gridgov migrates them automatically with ent's
// Schema.Create (AutoMigrate) when it opens them.
package migrations
