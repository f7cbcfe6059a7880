package excel

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
)

// book writes a workbook sheet by sheet with excelize's streaming writer.
type book struct {
	f      *excelize.File
	sheets int
	header int // style of header rows
	style  styles

	lists     [][]string        // columns of the hidden list sheet, each a title and values
	listRef   map[string]string // values joined → their reference
	gridCodes []string          // the drop-down of grid-code columns
	listsMade bool              // the hidden list sheet exists
}

func newBook() (*book, error) {
	f := excelize.NewFile()
	s, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	return &book{f: f, header: s.header, style: s}, nil
}

// newSheet adds an empty sheet, renaming the new file's first.
func (b *book) newSheet(name string) error {
	if b.sheets == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return fmt.Errorf("sheet %s: %w", name, err)
	}
	b.sheets++
	if b.sheets == 1 && len(b.gridCodes) > 0 {
		return b.makeLists()
	}
	return nil
}

// makeLists adds the hidden list sheet. Hiding a sheet makes excelize read every sheet of the
// book, parsing back those already streamed: so a book that will need it makes it second,
// right after its first sheet, before any is streamed.
func (b *book) makeLists() error {
	if _, err := b.f.NewSheet(listsSheet); err != nil {
		return err
	}
	b.sheets++
	b.listsMade = true
	// Only the list sheet is hidden, so the first sheet stays the active one.
	return b.f.SetSheetVisible(listsSheet, false)
}

// sheet adds a sheet whose first header rows are styled, then streams rows from each.
func (b *book) sheet(name string, headers [][]any, each func(emit func(row []any) error) error) error {
	if err := b.newSheet(name); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if len(headers) > 0 {
		if err := sw.SetColWidth(1, len(headers[0]), 16); err != nil {
			return err
		}
	}
	row := 1
	for _, h := range headers {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, h, excelize.RowOpts{StyleID: b.header}); err != nil {
			return err
		}
		row++
	}
	if each != nil {
		if err := each(func(values []any) error {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			row++
			return sw.SetRow(cell, values)
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// write writes the workbook, with its hidden list sheet when a drop-down needs one, to w
// and releases it.
func (b *book) write(w io.Writer) error {
	defer b.f.Close()
	if len(b.lists) > 0 || b.listsMade {
		if err := b.writeLists(); err != nil {
			return err
		}
	}
	_, err := b.f.WriteTo(w)
	return err
}

// writeLists writes the hidden sheet the drop-downs refer to, one list a column.
func (b *book) writeLists() error {
	if !b.listsMade {
		if err := b.makeLists(); err != nil {
			return err
		}
	}
	sw, err := b.f.NewStreamWriter(listsSheet)
	if err != nil {
		return err
	}
	longest := 0
	for _, l := range b.lists {
		longest = max(longest, len(l))
	}
	row := make([]any, len(b.lists))
	for r := range longest {
		for c, l := range b.lists {
			row[c] = nil
			if r < len(l) {
				row[c] = l[r]
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// openBook inspects and opens a workbook for streaming reads.
func openBook(r io.ReaderAt, size int64) (*excelize.File, error) {
	if err := inspect(r, size); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{UnzipSizeLimit: 16 * MaxFileBytes, UnzipXMLSizeLimit: 16 * MaxFileBytes})
	if err != nil {
		return nil, &ImportError{Problems: []Problem{{Reason: "not an xlsx workbook: " + err.Error()}}, Total: 1}
	}
	return f, nil
}

// OpenFile opens a workbook on disk for an import, refusing files over MaxFileBytes before
// reading them.
func OpenFile(name string) (*os.File, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// rowReader streams the rows of a sheet as raw cell values.
type rowReader struct {
	rows *excelize.Rows
	n    int
	// pending is a row read ahead (row 2 when it turned out to be data), returned next.
	pending []string
	// keys is the key row once known: a copy of it further down (where a sort in a
	// spreadsheet program puts the hidden row) is skipped.
	keys []string
}

func readRows(f *excelize.File, sheet string) (*rowReader, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	return &rowReader{rows: rows}, nil
}

// next returns the next row's cells (trimmed) and its 1-based number, or false at the end.
func (r *rowReader) next() ([]string, int, bool, error) {
	if r.pending != nil {
		cols := r.pending
		r.pending = nil
		return cols, r.n, true, nil
	}
	cols, n, ok, err := r.read()
	if ok && r.keys != nil && slices.Equal(trimEnd(cols), trimEnd(r.keys)) && n > 2 {
		return r.next() // the key row, sorted down among the data
	}
	return cols, n, ok, err
}

// trimEnd drops a row's empty trailing cells.
func trimEnd(cols []string) []string {
	for len(cols) > 0 && cols[len(cols)-1] == "" {
		cols = cols[:len(cols)-1]
	}
	return cols
}

// read reads the next row from the sheet.
func (r *rowReader) read() ([]string, int, bool, error) {
	if !r.rows.Next() {
		return nil, 0, false, r.rows.Error()
	}
	r.n++
	cols, err := r.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, r.n, false, err
	}
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols, r.n, true, nil
}

// keysRow reads the headings (row 1) and the key row, and returns the keys by column (none
// when the sheet is shorter). As exported, the keys are row 2, hidden. When row 2 holds
// something else — a sort in a spreadsheet program moved the hidden row among the data, or
// someone deleted it — the keys come from the headings, through cols (the sheet's columns:
// heading → key), row 2 is read as data, and the key row is skipped wherever it turns up.
func (r *rowReader) keysRow(cols []column) ([]string, error) {
	heads, _, ok, err := r.read()
	if err != nil || !ok {
		return nil, err
	}
	second, _, ok, err := r.read()
	if err != nil || !ok {
		return second, err
	}
	known := map[string]string{}
	for _, c := range cols {
		known[c.label] = c.key
	}
	isKey := func(v string) bool {
		for _, c := range cols {
			if c.key == v {
				return true
			}
		}
		return false
	}
	keyRow := slices.ContainsFunc(second, isKey) && !slices.ContainsFunc(second, func(v string) bool { return v != "" && !isKey(v) })
	if keyRow || len(cols) == 0 {
		r.keys = second
		return second, nil
	}
	keys := make([]string, len(heads))
	found := false
	for i, h := range heads {
		if k, ok := known[h]; ok {
			keys[i], found = k, true
		}
	}
	if !found {
		return second, nil // neither keys nor known headings: the caller names what is missing
	}
	r.keys, r.pending = keys, second
	return keys, nil
}

func (r *rowReader) close() { _ = r.rows.Close() }

// rootPath is the path of the grid rootID in ctx's scope; a hidden grid reads like a missing one.
func rootPath(ctx context.Context, client *ent.Client, rootID int) (string, error) {
	path, err := client.Grid.Query().Where(grid.ID(rootID)).Select(grid.FieldPath).String(ctx)
	if ent.IsNotFound(err) {
		return "", authz.NotVisible(authz.FromContext(ctx), authz.ObjGrid, "gridID", rootID)
	}
	if err != nil {
		return "", fmt.Errorf("root grid %d: %w", rootID, err)
	}
	return path, nil
}

// cell is cols[i], or "" past the end.
func cell(cols []string, i int) string {
	if i >= 0 && i < len(cols) {
		return cols[i]
	}
	return ""
}

// empty reports whether every cell of a row is blank.
func empty(cols []string) bool {
	for _, c := range cols {
		if c != "" {
			return false
		}
	}
	return true
}

// colName is Excel's letter of 0-based column i.
func colName(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

// dateCell reads a date typed as text (2026-01-05) or as an Excel date serial (46027).
func dateCell(v string) string {
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 2958466 && !strings.Contains(v, "-") {
		if t, err := excelize.ExcelDateToTime(f, false); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return v
}

// yesNo writes a boolean the way the sheets are read by people.
func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// Progress is told how far an import is: done of total rows read, then written.
type Progress func(stage string, done, total int)

func (p Progress) report(stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}

// WriteSheet writes a workbook of one sheet, a styled header row and rows, to w: for small
// lists the command line hands out, such as activation codes.
func WriteSheet(w io.Writer, name string, header []any, rows [][]any) error {
	b, err := newBook()
	if err != nil {
		return err
	}
	if err := b.sheet(name, [][]any{header}, func(emit func(row []any) error) error {
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.f.Close()
		return err
	}
	return b.write(w)
}
