package excel_test

import (
	"bytes"
	"fmt"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/xuri/excelize/v2"

	"gridgov/internal/dbtest"
	"gridgov/internal/excel"
	"gridgov/internal/servertest"
)

// BenchmarkImportLedgers100k imports a workbook of 100,000 rented houses, all checked and
// written in one transaction, on each database:
//
//	go test ./internal/excel/ -run '^$' -bench ImportLedgers100k -benchtime 1x
func BenchmarkImportLedgers100k(b *testing.B) {
	const rows = 100_000
	data := bigLedger(b, rows)
	b.Logf("workbook of %d rows: %.1f MB", rows, float64(len(data))/(1<<20))
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		b.Run(d, func(b *testing.B) {
			db := dbtest.New(b, d)
			loadCatalogue(b, db.Client)
			smallTree(b, db.Client)
			for b.Loop() {
				sum, err := excel.ImportLedgers(servertest.System(), db.Client, bytes.NewReader(data), int64(len(data)), nil)
				if err != nil || len(sum.Creates) != rows {
					b.Fatalf("import: %v %+v", err, sum)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// bigLedger writes n RENTAL_HOUSING rows with the streaming writer.
func bigLedger(b *testing.B, n int) []byte {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "RENTAL_HOUSING"); err != nil {
		b.Fatal(err)
	}
	sw, err := f.NewStreamWriter("RENTAL_HOUSING")
	if err != nil {
		b.Fatal(err)
	}
	for i, row := range rentalRows() {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	uses := []string{"居住", "经营", "仓储"}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		row := []any{"410102001001001", "一组", "", "", fmt.Sprintf("三王庄村一组%d号", i+1), "王某", "13800000000", 1 + i%6, uses[i%3], "2026-01-05"}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
