package graph

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/99designs/gqlgen/graphql"

	"gridgov/ent"
	"gridgov/ent/importjob"
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

// importOptions are the choices of an import through the API.
type importOptions struct {
	dryRun, confirmDuplicates bool
	progress                  excel.Progress
}

// runImport imports the workbook wb of kind through client on ctx's authority and answers its
// plan, with the rows refused; any other failure is the error.
func runImport(ctx context.Context, client *ent.Client, kind importjob.Kind, wb *bytes.Reader, o importOptions) (*model.ImportPlan, error) {
	var plan *excel.Plan
	var err error
	if kind == importjob.KindROSTER {
		plan, err = excel.ImportRoster(ctx, client, wb, wb.Size(), excel.RosterOptions{DryRun: o.dryRun, ConfirmDuplicates: o.confirmDuplicates, Progress: o.progress})
	} else {
		plan, err = excel.ImportLedgersWith(ctx, client, wb, wb.Size(), excel.LedgerOptions{DryRun: o.dryRun, Progress: o.progress})
	}
	refused, err := refusedRows(err)
	if err != nil {
		return nil, err
	}
	return importPlan(plan, refused), nil
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

// maxPlanRows bounds the rows of each list of an ImportPlan answer; the counts hold all.
const maxPlanRows = 500

// importPlan is the API's view of an import's plan and of its refusals (either may be nil: a
// file refused before any row was read has no plan).
func importPlan(plan *excel.Plan, refused *excel.ImportError) *model.ImportPlan {
	out := &model.ImportPlan{Sheets: []*model.ImportSheet{}, Creates: []*model.ImportRow{},
		Changes: []*model.ImportRow{}, Refused: []*model.ImportProblem{}, NotInFile: []string{}}
	if plan != nil {
		out.Applied = plan.Applied
		for _, s := range plan.Sheets {
			c, ch, u := plan.Count(s)
			out.Sheets = append(out.Sheets, &model.ImportSheet{Sheet: s, Created: c, Changed: ch, Unchanged: u})
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

func planRows(rows []excel.PlanRow) []*model.ImportRow {
	out := make([]*model.ImportRow, 0, min(len(rows), maxPlanRows))
	for _, r := range rows[:min(len(rows), maxPlanRows)] {
		row := &model.ImportRow{Sheet: r.Sheet, Row: r.Row, Key: r.Key, Changes: []*model.ImportFieldChange{}}
		for _, c := range r.Changes {
			row.Changes = append(row.Changes, &model.ImportFieldChange{Field: c.Field, Old: c.Old, New: c.New})
		}
		out = append(out, row)
	}
	return out
}
