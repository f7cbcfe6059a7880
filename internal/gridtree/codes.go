package gridtree

import (
	"fmt"
	"strings"

	"gridgov/ent/grid"
	"gridgov/internal/apperr"
)

// Tier is a grid kind's place in the national hierarchy, from city (0) to unit grid (4). A
// child's tier is always deeper than its parent's, and its code has that tier's length.
type Tier int

// The tiers of the national grid code.
const (
	TierCity        Tier = iota // 4 digits: province + city
	TierDistrict                // 6 digits (区/县)
	TierSubDistrict             // 9 digits (街道/乡镇)
	TierCommunity               // 12 digits (村/社区/园区)
	TierGrid                    // 15 digits (村民组/企事业单位/楼院/单元网格)
)

// codeLength is the number of digits of a code at each tier.
var codeLength = [...]int{TierCity: 4, TierDistrict: 6, TierSubDistrict: 9, TierCommunity: 12, TierGrid: 15}

// TierOf returns the tier of a grid kind.
func TierOf(k grid.Kind) Tier {
	switch k {
	case grid.KindCITY:
		return TierCity
	case grid.KindDISTRICT:
		return TierDistrict
	case grid.KindSUB_DISTRICT, grid.KindTOWNSHIP:
		return TierSubDistrict
	case grid.KindVILLAGE, grid.KindCOMMUNITY, grid.KindENTERPRISE_ZONE:
		return TierCommunity
	default:
		return TierGrid
	}
}

// ValidateCode checks that code fits kind (digits only, the tier's length) and, when the grid
// has a parent, that kind sits below the parent's kind and the code extends the parent's code.
func ValidateCode(kind grid.Kind, code string, parent *ParentInfo) error {
	t := TierOf(kind)
	want := codeLength[t]
	if len(code) != want || strings.Trim(code, "0123456789") != "" {
		return apperr.Invalid("code", "code %q does not fit a %s grid: it must be %d digits (%s)", clip(code), kind, want, codeLayout(t))
	}
	if parent == nil {
		return nil
	}
	if TierOf(parent.Kind) >= t {
		return apperr.Invalid("kind", "a %s grid cannot sit under a %s grid", kind, parent.Kind)
	}
	if !strings.HasPrefix(code, parent.Code) {
		return apperr.Invalid("code", "code %q must start with the parent's code %q", clip(code), parent.Code)
	}
	return nil
}

// ParentInfo is what code validation needs to know of a parent grid.
type ParentInfo struct {
	Kind grid.Kind
	Code string
}

func codeLayout(t Tier) string {
	parts := []string{"2 province", "2 city", "2 district", "3 sub-district", "3 community", "3 grid"}
	n := map[Tier]int{TierCity: 2, TierDistrict: 3, TierSubDistrict: 4, TierCommunity: 5, TierGrid: 6}[t]
	return strings.Join(parts[:n], " + ")
}

// clip shortens an over-long value for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return fmt.Sprintf("%s… (%d characters)", string(r[:40]), len(r))
	}
	return s
}
