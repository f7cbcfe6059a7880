package graph

import (
	"gridgov/graph/model"
	"gridgov/internal/excel"
)

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
		out.Applied, out.RefusedTotal = false, refused.Total
		for _, p := range refused.Problems {
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
			out.Refused = append(out.Refused, ip)
		}
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
