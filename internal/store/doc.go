// Package store opens gridgov's database, SQLite or PostgreSQL, and brings its schema up to date.
//
// The database is named by one URL. postgres:// and postgresql:// URLs open PostgreSQL through
// lib/pq; anything else is SQLite (modernc.org/sqlite, no cgo): a file path, a file: URI, a
// sqlite:// URL or ":memory:". SQLite connections get foreign keys, the WAL journal, a busy
// timeout and immediate write transactions unless the URL says otherwise.
//
// Open sizes the connection pool deliberately (see WithMaxOpenConns and WithMaxIdleConns); the
// defaults of database/sql cost much of the throughput under concurrent load.
package store
