// Package migrations holds gridgov's versioned PostgreSQL migrations: Atlas-format SQL files
// named VERSION_NAME.sql and their integrity file atlas.sum.
//
// The files are generated from the ent schema, never written by hand:
//
//	go run -mod=mod ./internal/migrations/gen.go NAME
//
// and applied by `gridgov migrate apply`; see package gridgov/internal/migrations. Editing a
// file after it was generated breaks atlas.sum, which gridgov then refuses to run.
package migrations

import "embed"

// FS holds the files of this directory. The pattern is "*" rather than "*.sql atlas.sum" so that
// the package still compiles when the directory holds no migration yet (before the first one is
// generated); readers take the .sql files and atlas.sum and ignore the rest.
//
//go:embed *
var FS embed.FS
