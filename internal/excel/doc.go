// Package excel takes rosters and ledgers in from xlsx workbooks and gives rosters, ledgers
// and case lists back as xlsx, the way a sub-district keeps them today.
//
// Imports are all-or-nothing: every row is checked first and every bad one is reported with
// its sheet, row, column and reason; only a file without problems is written, in one
// transaction. Workbooks are read and written with excelize's streaming reader and writer,
// and rows are inserted in batches, so 100,000 rows take seconds. Files over MaxFileBytes,
// files that are not xlsx, and workbooks with formulas or merged cells are refused before
// any row is read: a formula's cached value may be stale, and a merged cell silently empties
// the rows below its first.
package excel
