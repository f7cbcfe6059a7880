package rollup

import (
	"slices"
	"strings"
)

// AllKey is the key of the totals, and of the one column (or row) of a matrix without thenBy
// (or groupBy).
const AllKey = "all"

// AllLabel is the readable name of AllKey (合计, total).
const AllLabel = "合计"

// Matrix is a rollup's rows laid out as a cross table (交叉表): a row per first key, a column
// per second key, one matrix of counts per indicator, built only for the indicators asked.
// It is the compact answer for a table or a chart: 255 integers per indicator for a
// district's child grids × categories, where the rows are 255 objects of 16 fields.
type Matrix struct {
	// RowKeys are the first keys, in the order of the rows; RowLabels name them.
	RowKeys, RowLabels []string
	// ColumnKeys are the second keys, sorted; ColumnLabels name them.
	ColumnKeys, ColumnLabels []string

	rows     []Counts
	row, col []int // the matrix row and column of rows[i]
}

// NewMatrix lays out rows, ordered by key then sub-key as Run returns them, with the labels of
// their keys and sub-keys. Without sub-keys (no thenBy) the matrix has one column, AllKey;
// without rows grouped (no groupBy), pass the totals as the one row, keyed AllKey.
func NewMatrix(rows []Counts, thenBy bool, label, subLabel func(string) string) *Matrix {
	m := &Matrix{rows: rows, row: make([]int, len(rows)), col: make([]int, len(rows))}
	var cols []string
	for _, r := range rows {
		if thenBy {
			cols = append(cols, r.SubKey)
		}
	}
	slices.SortFunc(cols, strings.Compare)
	m.ColumnKeys = slices.Compact(cols)
	if !thenBy {
		m.ColumnKeys = []string{AllKey}
	}
	for _, k := range m.ColumnKeys {
		if !thenBy {
			m.ColumnLabels = append(m.ColumnLabels, AllLabel)
			break
		}
		m.ColumnLabels = append(m.ColumnLabels, subLabel(k))
	}
	for i, r := range rows {
		if i == 0 || r.Key != rows[i-1].Key {
			m.RowKeys = append(m.RowKeys, r.Key)
			m.RowLabels = append(m.RowLabels, label(r.Key))
		}
		m.row[i] = len(m.RowKeys) - 1
		if thenBy {
			m.col[i], _ = slices.BinarySearch(m.ColumnKeys, r.SubKey)
		}
	}
	return m
}

// cells is the matrix of one indicator.
func (m *Matrix) cells(value func(Counts) int) [][]int {
	flat := make([]int, len(m.RowKeys)*len(m.ColumnKeys))
	out := make([][]int, len(m.RowKeys))
	for i := range out {
		out[i] = flat[i*len(m.ColumnKeys) : (i+1)*len(m.ColumnKeys) : (i+1)*len(m.ColumnKeys)]
	}
	for i, r := range m.rows {
		out[m.row[i]][m.col[i]] += value(r)
	}
	return out
}

// Found is the matrix of cases found.
func (m *Matrix) Found() [][]int { return m.cells(func(c Counts) int { return c.Found }) }

// Registered is the matrix of cases registered.
func (m *Matrix) Registered() [][]int { return m.cells(func(c Counts) int { return c.Registered }) }

// Due is the matrix of cases due.
func (m *Matrix) Due() [][]int { return m.cells(func(c Counts) int { return c.Due }) }

// Closed is the matrix of cases closed, fixed or not.
func (m *Matrix) Closed() [][]int { return m.cells(func(c Counts) int { return c.Closed }) }

// ClosedFixed is the matrix of cases closed fixed.
func (m *Matrix) ClosedFixed() [][]int { return m.cells(func(c Counts) int { return c.ClosedFixed }) }

// ClosedNotFixed is the matrix of cases closed not fixed.
func (m *Matrix) ClosedNotFixed() [][]int {
	return m.cells(func(c Counts) int { return c.ClosedNotFixed })
}

// ClosedOnTime is the matrix of cases due and closed by their deadline.
func (m *Matrix) ClosedOnTime() [][]int { return m.cells(func(c Counts) int { return c.ClosedOnTime }) }

// Overdue is the matrix of open cases past their deadline.
func (m *Matrix) Overdue() [][]int { return m.cells(func(c Counts) int { return c.Overdue }) }

// Reworked is the matrix of cases closed after rework.
func (m *Matrix) Reworked() [][]int { return m.cells(func(c Counts) int { return c.Reworked }) }

// Escalated is the matrix of cases found and escalated.
func (m *Matrix) Escalated() [][]int { return m.cells(func(c Counts) int { return c.Escalated }) }

// Voided is the matrix of cases found and voided.
func (m *Matrix) Voided() [][]int { return m.cells(func(c Counts) int { return c.Voided }) }
