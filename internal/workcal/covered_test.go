package workcal_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/workcal"
)

// TestCoveredYears: the built-in calendar covers exactly the years whose official schedule is
// built in; 2027 is not covered (its notice was not verified), and a deadline there counts
// 元旦 as a working day until a schedule is loaded.
func TestCoveredYears(t *testing.T) {
	t.Parallel()
	b := workcal.BuiltIn()
	if diff := cmp.Diff([]int{2025, 2026}, b.CoveredYears()); diff != "" {
		t.Errorf("covered years (-want +got):\n%s", diff)
	}
	if b.Covers(2027) || !b.Covers(2026) {
		t.Errorf("Covers(2026)=%v Covers(2027)=%v, want true false", b.Covers(2026), b.Covers(2027))
	}
	loc := b.Location()
	// Thursday 31 December 2026, 1 working day: Friday 1 January 2027 by plain weekdays.
	start := time.Date(2026, 12, 31, 10, 0, 0, 0, loc)
	if got, want := b.Deadline(start, 1, workcal.WorkingDays), time.Date(2027, 1, 1, 18, 0, 0, 0, loc).UTC(); !got.Equal(want) {
		t.Errorf("uncovered deadline %v, want %v", got, want)
	}
	// TEST DATA, not an official schedule: 2027-01-01 a holiday.
	c, err := workcal.New(nil, []workcal.Day{{Date: "2027-01-01", Name: "元旦（测试数据）"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c = c.Covering(2027)
	if !c.Covers(2027) || c.Covers(2026) {
		t.Errorf("Covering(2027): Covers(2027)=%v Covers(2026)=%v", c.Covers(2027), c.Covers(2026))
	}
	if got, want := c.Deadline(start, 1, workcal.WorkingDays), time.Date(2027, 1, 4, 18, 0, 0, 0, loc).UTC(); !got.Equal(want) {
		t.Errorf("covered deadline %v, want %v", got, want)
	}
	if diff := cmp.Diff([]workcal.Day{{Date: "2027-01-01", Name: "元旦（测试数据）"}}, c.Days(2027)); diff != "" {
		t.Errorf("Days(2027) (-want +got):\n%s", diff)
	}
	if n := len(b.Days(2026)); n == 0 {
		t.Error("Days(2026) of the built-in calendar is empty")
	}
}
