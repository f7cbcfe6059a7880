package excel

import (
	"archive/zip"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"

	"gridgov/internal/apperr"
)

// MaxFileBytes is the largest workbook accepted: a sub-district's ledgers of 100,000 rows
// take about 5 MB, so anything near 50 MB is a mistake or an attack on memory.
const MaxFileBytes = 40 << 20

// maxProblems is how many problems an import keeps to report; the count covers all.
const maxProblems = 1000

// Problem is one bad cell or row of an import. Row is 1-based as Excel shows it; 0 means
// the problem is the sheet or the file. Column is Excel's letter, "" for a whole row.
type Problem struct {
	Sheet  string
	Row    int
	Column string
	Reason string
}

// String reads "sheet!B7: reason".
func (p Problem) String() string {
	at := p.Sheet
	switch {
	case p.Row > 0 && p.Column != "":
		at += fmt.Sprintf("!%s%d", p.Column, p.Row)
	case p.Row > 0:
		at += fmt.Sprintf(" row %d", p.Row)
	}
	if at == "" {
		return p.Reason
	}
	return at + ": " + p.Reason
}

// ImportError is an import refused for its problems; nothing was written.
type ImportError struct {
	// Problems are the first maxProblems problems, in sheet and row order.
	Problems []Problem
	// Total counts every problem found.
	Total int
}

// Error lists the problems, one a line.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import refused, nothing written: %d problem(s)", e.Total)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if e.Total > len(e.Problems) {
		fmt.Fprintf(&b, "\n  … and %d more", e.Total-len(e.Problems))
	}
	return b.String()
}

// Unwrap makes an import error a BAD_USER_INPUT for the API.
func (e *ImportError) Unwrap() error { return apperr.New(apperr.BadInput, "bad spreadsheet") }

// problems collects the problems of one import.
type problems struct {
	list  []Problem
	total int
}

func (ps *problems) add(sheet string, row int, col, format string, args ...any) {
	ps.total++
	if len(ps.list) < maxProblems {
		ps.list = append(ps.list, Problem{Sheet: sheet, Row: row, Column: col, Reason: fmt.Sprintf(format, args...)})
	}
}

// err is the import error, or nil when there were no problems. The problems are listed by
// sheet (in the order the sheets were read) and row, however late each was found: checking a
// row against the database comes after reading every sheet.
func (ps *problems) err() error {
	if ps.total == 0 {
		return nil
	}
	order := map[string]int{}
	for _, p := range ps.list {
		if _, ok := order[p.Sheet]; !ok {
			order[p.Sheet] = len(order)
		}
	}
	slices.SortStableFunc(ps.list, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(order[a.Sheet], order[b.Sheet]), cmp.Compare(a.Row, b.Row))
	})
	return &ImportError{Problems: ps.list, Total: ps.total}
}

// ErrTooLarge is the refusal of a file over MaxFileBytes.
var ErrTooLarge = fmt.Errorf("the file is larger than %d MB", MaxFileBytes>>20)

// inspect refuses what must not be imported before any row is read: too large, not an xlsx
// (zip) workbook, formulas, merged cells. It streams each worksheet's XML once.
func inspect(r io.ReaderAt, size int64) error {
	if size > MaxFileBytes {
		return &ImportError{Problems: []Problem{{Reason: ErrTooLarge.Error()}}, Total: 1}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return &ImportError{Problems: []Problem{{Reason: "not an xlsx workbook (not a zip archive): save it from Excel or WPS as .xlsx"}}, Total: 1}
	}
	names, err := sheetNames(zr)
	if err != nil {
		return &ImportError{Problems: []Problem{{Reason: "not an xlsx workbook: " + err.Error()}}, Total: 1}
	}
	ps := &problems{}
	paths := make([]string, 0, len(names))
	for p := range names {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f, err := zr.Open(p)
		if err != nil {
			ps.add(names[p], 0, "", "unreadable sheet: %v", err)
			continue
		}
		err = scanSheet(f, names[p], ps)
		f.Close()
		if err != nil {
			ps.add(names[p], 0, "", "unreadable sheet: %v", err)
		}
	}
	return ps.err()
}

// sheetNames maps worksheet part paths (xl/worksheets/sheet1.xml) to sheet names, from the
// workbook and its relationships.
func sheetNames(zr *zip.Reader) (map[string]string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		if t, ok := targets[s.RID]; ok {
			out[t] = s.Name
		}
	}
	if len(out) == 0 {
		return nil, errors.New("it has no worksheets")
	}
	return out, nil
}

func decodePart(zr *zip.Reader, name string, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return fmt.Errorf("missing %s", name)
	}
	defer f.Close()
	if err := xml.NewDecoder(io.LimitReader(f, MaxFileBytes)).Decode(v); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// scanSheet reports formulas (<f> inside <c r="B7">) and merged ranges (<mergeCell ref>).
func scanSheet(r io.Reader, sheet string, ps *problems) error {
	d := xml.NewDecoder(r)
	cell := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "c":
			cell = attr(se, "r")
		case "f":
			col, row := splitRef(cell)
			ps.add(sheet, row, col, "a formula: type the value itself (formulas are not imported)")
		case "mergeCell":
			ref := attr(se, "ref")
			col, row := splitRef(strings.Split(ref, ":")[0])
			ps.add(sheet, row, col, "merged cells %s: unmerge them and fill every cell", ref)
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// splitRef splits "B7" into "B" and 7.
func splitRef(ref string) (string, int) {
	i := strings.IndexAny(ref, "0123456789")
	if i < 0 {
		return ref, 0
	}
	n := 0
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return ref[:i], n
}
