// Package dbtest gives each test a fresh, migrated gridgov database on SQLite and on PostgreSQL.
//
// The schema is migrated once per test binary into a template; each test gets a copy of it (a
// file copy for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL), dropped when the test ends.
// A package that uses dbtest calls Main from its TestMain, which removes the templates when its
// tests are done:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
// PostgreSQL is found at $GRIDGOV_TEST_POSTGRES_URL (a postgres:// URL of a role that may
// create databases), by default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
// When it is not reachable the PostgreSQL tests are skipped, unless GRIDGOV_REQUIRE_POSTGRES=1
// makes them fail.
//
// The ent clients are plain: tests add viewers or privacy decisions to their contexts
// themselves, and blank-import gridgov/ent/runtime when the schema's hooks and policies live
// there.
package dbtest
