package graph

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/graph/model"
	"gridgov/internal/apperr"
	"gridgov/internal/excel"
)

// uploadedWorkbook reads an uploaded workbook into memory, up to one byte past the largest
// accepted (the import refuses that one with its own message).
func uploadedWorkbook(file graphql.Upload) (*bytes.Reader, error) {
	data, err := io.ReadAll(io.LimitReader(file.File, excel.MaxFileBytes+1))
	if err != nil {
		return nil, apperr.Invalid("file", "the upload could not be read")
	}
	return bytes.NewReader(data), nil
}

// refusedRows splits an import's error: the rows it refused, which the answer lists, from any
// other failure, which is the mutation's error.
func refusedRows(err error) (*excel.ImportError, error) {
	var refused *excel.ImportError
	if err != nil && !errors.As(err, &refused) {
		return nil, err
	}
	return refused, nil
}

// maxPlanRows bounds the rows of each list of a RosterImportPlan answer; the counts hold all.
const maxPlanRows = 500

// rosterPlan is the API's view of a roster import's plan and of its refusals (either may be
// nil: a file refused before any row was read has no plan).
func rosterPlan(plan *excel.RosterPlan, refused *excel.ImportError) *model.RosterImportPlan {
	out := &model.RosterImportPlan{Sheets: []*model.RosterImportSheet{}, Creates: []*model.RosterImportRow{},
		Changes: []*model.RosterImportRow{}, Refused: []*model.ImportProblem{}, NotInFile: []string{}}
	if plan != nil {
		out.Applied = plan.Applied
		for _, s := range excel.RosterSheets {
			c, ch, u := plan.Count(s)
			out.Sheets = append(out.Sheets, &model.RosterImportSheet{Sheet: s, Created: c, Changed: ch, Unchanged: u})
		}
		out.Creates = planRows(plan.Creates)
		out.Changes = planRows(plan.Changes)
		out.NotInFile, out.NotInFileTotal = append(out.NotInFile, plan.NotInFile...), plan.NotInFileTotal
	}
	if refused != nil {
		out.Applied = false
		out.Refused, out.RefusedTotal = importProblems(refused), refused.Total
	}
	return out
}

// ledgerResult is the API's view of a ledger import's counts and of its refusals (either
// may be nil).
func ledgerResult(sum *excel.ImportSummary, refused *excel.ImportError) *model.LedgerImportResult {
	out := &model.LedgerImportResult{Sheets: []*model.LedgerImportSheet{}, Refused: []*model.ImportProblem{}}
	if sum != nil {
		out.Applied, out.Total = sum.Applied, sum.Total
		for _, s := range slices.Sorted(maps.Keys(sum.Rows)) {
			out.Sheets = append(out.Sheets, &model.LedgerImportSheet{Sheet: s, Rows: sum.Rows[s]})
		}
	}
	if refused != nil {
		out.Refused, out.RefusedTotal = importProblems(refused), refused.Total
	}
	return out
}

// importProblems lists the problems of a refused import as the API shows them.
func importProblems(e *excel.ImportError) []*model.ImportProblem {
	out := make([]*model.ImportProblem, 0, len(e.Problems))
	for _, p := range e.Problems {
		ip := &model.ImportProblem{Reason: p.Reason, Text: p.String()}
		if p.Sheet != "" {
			ip.Sheet = &p.Sheet
		}
		if p.Row > 0 {
			ip.Row = &p.Row
		}
		if p.Column != "" {
			ip.Column = &p.Column
		}
		out = append(out, ip)
	}
	return out
}

func planRows(rows []excel.PlanRow) []*model.RosterImportRow {
	out := make([]*model.RosterImportRow, 0, min(len(rows), maxPlanRows))
	for _, r := range rows[:min(len(rows), maxPlanRows)] {
		row := &model.RosterImportRow{Sheet: r.Sheet, Row: r.Row, Key: r.Key, Changes: []*model.RosterFieldChange{}}
		for _, c := range r.Changes {
			row.Changes = append(row.Changes, &model.RosterFieldChange{Field: c.Field, Old: c.Old, New: c.New})
		}
		out = append(out, row)
	}
	return out
}
