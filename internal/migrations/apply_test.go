package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"github.com/google/go-cmp/cmp"
	"github.com/lib/pq"
)

// emptyDB is migrationstest.EmptyDatabase and Open, which this package's own tests cannot import.
func emptyDB(t *testing.T) *sql.DB {
	t.Helper()
	server := os.Getenv("GRIDGOV_TEST_POSTGRES_URL")
	if server == "" {
		server = DefaultDevURL
	}
	url, drop, err := TempDatabase(t.Context(), server)
	if err != nil {
		if os.Getenv("GRIDGOV_REQUIRE_POSTGRES") == "1" {
			t.Fatal(err)
		}
		t.Skipf("PostgreSQL not reachable: %v", err)
	}
	connector, err := pq.NewConnector(url)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Error(err)
		}
	})
	return db
}

// file makes a migration file from its statements.
func file(name string, stmts ...string) File {
	lf := atlas.NewLocalFile(name, []byte(strings.Join(stmts, ";\n")+";\n"))
	sum := sha256.Sum256(lf.Bytes())
	return File{Name: name, Version: lf.Version(), Description: lf.Desc(), Hash: hex.EncodeToString(sum[:]), Stmts: stmts}
}

func states(st *Status) map[string]State {
	m := map[string]State{}
	for _, mg := range st.Migrations {
		m[mg.Version] = mg.State
	}
	return m
}

func TestApplyHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := emptyDB(t)
	conn := SQLConn(db)
	one := file("1_one.sql", "CREATE TABLE one (id int)")
	two := file("2_two.sql", "CREATE TABLE two (id int)", "INSERT INTO two VALUES (2)")
	bad := file("3_bad.sql", "CREATE TABLE three (id int)", "INSERT INTO no_such_table VALUES (1)")

	applied, err := apply(ctx, conn, []File{one, two}, ApplyOptions{})
	if err != nil || len(applied) != 2 {
		t.Fatalf("apply = %v, %v; want 2 applied", applied, err)
	}

	// A failing file leaves nothing of itself behind.
	_, err = apply(ctx, conn, []File{one, two, bad}, ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "3_bad.sql") || !strings.Contains(err.Error(), "statement 2 of 2") {
		t.Fatalf("apply of a failing file: %v", err)
	}
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass('three') IS NOT NULL").Scan(&exists); err != nil || exists {
		t.Errorf("table of the failed migration exists: %v, %v", exists, err)
	}
	history, err := readHistory(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	st := status([]File{one, two, bad}, history)
	if diff := cmp.Diff(map[string]State{"1": Applied, "2": Applied, "3": Pending}, states(st)); diff != "" {
		t.Errorf("states after a failed migration (-want +got):\n%s", diff)
	}

	// A file changed after it was applied.
	changed := file("2_two.sql", "CREATE TABLE two (id bigint)")
	if _, err := apply(ctx, conn, []File{one, changed}, ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "different content") {
		t.Errorf("apply with a changed file: %v, want refused", err)
	}
	if got := status([]File{one, changed}, history).Modified(); len(got) != 1 || got[0].Version != "2" {
		t.Errorf("Modified = %v, want version 2", got)
	}

	// A pending file older than an applied one.
	late := file("15_late.sql", "CREATE TABLE late (id int)")
	if _, err := apply(ctx, conn, []File{one, late, two}, ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "older than the applied migration 2") {
		t.Errorf("apply out of order: %v, want refused", err)
	}

	// Versions applied by a newer gridgov are reported, not refused.
	st = status([]File{one}, history)
	if got := st.Unknown(); len(got) != 1 || got[0].Version != "2" {
		t.Errorf("Unknown = %v, want version 2", got)
	}
	if applied, err := apply(ctx, conn, []File{one}, ApplyOptions{}); err != nil || len(applied) != 0 {
		t.Errorf("apply by an older binary = %v, %v; want nothing, no error", applied, err)
	}
}

func TestReadFiles(t *testing.T) {
	t.Parallel()
	one := []byte("-- create one\nCREATE TABLE one (id int);\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n")
	two := []byte("CREATE TABLE two (id int);\n")
	sum := func(files ...*atlas.LocalFile) []byte {
		var fs []atlas.File
		for _, f := range files {
			fs = append(fs, f)
		}
		h, err := atlas.NewHashFile(fs)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := h.MarshalText()
		return b
	}
	good := sum(atlas.NewLocalFile("1_one.sql", one), atlas.NewLocalFile("2_two.sql", two))

	files, err := ReadFiles(fstest.MapFS{
		"1_one.sql":     {Data: one},
		"2_two.sql":     {Data: two},
		"atlas.sum":     {Data: good},
		"migrations.go": {Data: []byte("package migrations")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Version != "1" || files[0].Description != "one" || len(files[0].Stmts) != 2 {
		t.Errorf("ReadFiles = %+v", files)
	}

	cases := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"edited", fstest.MapFS{"1_one.sql": {Data: one}, "2_two.sql": {Data: []byte("DROP TABLE one;")}, "atlas.sum": {Data: good}}, "2_two.sql was edited"},
		{"added", fstest.MapFS{"1_one.sql": {Data: one}, "2_two.sql": {Data: two}, "3_x.sql": {Data: two}, "atlas.sum": {Data: good}}, "3_x.sql was added"},
		{"no sum", fstest.MapFS{"1_one.sql": {Data: one}}, "checksum file not found"},
		{"txmode none", fstest.MapFS{
			"1_one.sql": {Data: []byte("-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON one (id);\n")},
			"atlas.sum": {Data: sum(atlas.NewLocalFile("1_one.sql", []byte("-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON one (id);\n")))},
		}, "txmode none is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadFiles(c.fs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadFiles: %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := ReadFiles(fstest.MapFS{}); err != nil {
		t.Errorf("ReadFiles of an empty directory: %v", err)
	}
}
