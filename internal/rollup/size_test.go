package rollup_test

import (
	"testing"

	"entgo.io/ent/dialect"

	"gridgov/internal/datagen"
	"gridgov/internal/dbtest"
	"gridgov/internal/rollup"
	"gridgov/internal/servertest"
)

// TestRollupCellsPerCase generates a data set as dense as the district scale where the
// summary's cells are (about 3.6 cases per sub-district, category and day at district scale;
// a little less here) and fails if the summary holds more than one cell per case, or if it
// differs from the cases. The small scale itself is too sparse for the figure to mean
// anything: 3,000 cases over three years leave most cells with a single case.
func TestRollupCellsPerCase(t *testing.T) {
	db := dbtest.New(t, dialect.Postgres)
	scale, err := datagen.ScaleNamed("small")
	if err != nil {
		t.Fatal(err)
	}
	scale.Name, scale.Events, scale.Years = "dense-small", 40_000, 1
	if _, err := datagen.Generate(t.Context(), datagen.Options{URL: db.URL, Scale: scale, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ctx := servertest.System()
	cells, cases, err := rollup.Size(ctx, db.Client)
	if err != nil {
		t.Fatal(err)
	}
	perCase := float64(cells) / float64(cases)
	t.Logf("%d cells for %d cases: %.3f cells per case", cells, cases, perCase)
	if cases != scale.Events || perCase > 1 {
		t.Errorf("%d cells for %d cases (%.2f per case); want at most 1 per case", cells, cases, perCase)
	}
	diffs, err := rollup.Verify(ctx, db.Client, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Errorf("the generated summary differs from the cases in %d cells, first %s", len(diffs), diffs[0])
	}
}
