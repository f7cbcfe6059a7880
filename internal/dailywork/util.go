package dailywork

import "sort"

// sortCounts orders work counts by person id, for stable answers.
func sortCounts(ws []WorkCount) {
	sort.Slice(ws, func(i, j int) bool { return ws[i].PersonID < ws[j].PersonID })
}
