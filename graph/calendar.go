package graph

import (
	"gridgov/graph/model"
	"gridgov/internal/workcal"
)

// workCalendarYear presents one year of a calendar.
func workCalendarYear(year int, covered bool, days []workcal.Day) *model.WorkCalendarYear {
	out := &model.WorkCalendarYear{Year: year, Covered: covered, Days: make([]*model.WorkCalendarDay, len(days))}
	for i, d := range days {
		out.Days[i] = &model.WorkCalendarDay{Date: d.Date, Working: d.Working, Name: d.Name}
	}
	return out
}
