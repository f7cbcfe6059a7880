package datagen

import (
	"fmt"
	"slices"
	"strings"
)

// Scale is the size of a generated data set.
type Scale struct {
	// Name names the scale in messages.
	Name string
	// Districts is 0 for a data set rooted at one district (区), or the number of districts
	// under a city root (市).
	Districts int
	// SubDistricts is the number of sub-districts (街道/乡镇) per district.
	SubDistricts int
	// Villages is the number of villages, communities and enterprise zones per sub-district.
	Villages int
	// Grids is the number of leaf grids (村民组, 楼院, 重点企业) in all.
	Grids int
	// People is the number of people; those the tree's roles do not need are household
	// representatives (联户代表) of the leaf grids.
	People int
	// Events is the number of cases.
	Events int
	// Years is how many years before the end of the data set the cases span.
	Years int
	// DailyDays is how many days before the end of the data set get daily work: visits,
	// patrols and daily reports (the full history would dwarf the cases).
	DailyDays int
	// Households is the range of households per leaf grid.
	Households [2]int
}

// Scales are the named scales of `gridgov gen --scale`.
var Scales = []Scale{
	{Name: "small", SubDistricts: 2, Villages: 3, Grids: 24, People: 300, Events: 3000,
		Years: 3, DailyDays: 14, Households: [2]int{4, 12}},
	{Name: "district", SubDistricts: 15, Villages: 10, Grids: 2000, People: 20_000, Events: 1_000_000,
		Years: 3, DailyDays: 90, Households: [2]int{150, 350}},
	{Name: "city", Districts: 10, SubDistricts: 15, Villages: 10, Grids: 28_000, People: 300_000, Events: 10_000_000,
		Years: 3, DailyDays: 14, Households: [2]int{100, 200}},
}

// ScaleNamed returns the scale called name.
func ScaleNamed(name string) (Scale, error) {
	i := slices.IndexFunc(Scales, func(s Scale) bool { return s.Name == name })
	if i < 0 {
		names := make([]string, len(Scales))
		for k, s := range Scales {
			names[k] = s.Name
		}
		return Scale{}, fmt.Errorf("unknown scale %q: use one of %s", name, strings.Join(names, ", "))
	}
	return Scales[i], nil
}

// districts is the number of district nodes.
func (s Scale) districts() int { return max(s.Districts, 1) }

// villages is the number of level-2 grids (villages, communities, zones) in all.
func (s Scale) villages() int { return s.districts() * s.SubDistricts * s.Villages }

// validate checks that the scale describes a tree the codes can number.
func (s Scale) validate() error {
	switch {
	case s.Districts < 0 || s.Districts > 99:
		return fmt.Errorf("scale %s: %d districts: at most 99 fit a city's codes", s.Name, s.Districts)
	case s.SubDistricts < 1 || s.SubDistricts > 999 || s.Villages < 1 || s.Villages > 999:
		return fmt.Errorf("scale %s: sub-districts and villages per parent must be 1 to 999", s.Name)
	case s.Grids < s.villages() || s.Grids > s.villages()*999:
		return fmt.Errorf("scale %s: %d leaf grids for %d villages: each village needs 1 to 999", s.Name, s.Grids, s.villages())
	case s.Events < 0 || s.Years < 1 || s.DailyDays < 0:
		return fmt.Errorf("scale %s: events, years and daily days must not be negative (years at least 1)", s.Name)
	case s.Households[0] < 0 || s.Households[1] < s.Households[0]:
		return fmt.Errorf("scale %s: bad household range %v", s.Name, s.Households)
	}
	return nil
}
