package workflow

import (
	"context"
	"fmt"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/schema/timeunit"
)

// Category is an entry of the starter case taxonomy.
type Category struct {
	Code      string
	Name      string
	TimeLimit int
	Unit      timeunit.Unit
	Minor     []Category
}

// Taxonomy is the starter taxonomy of case categories, major (大类) with minor (小类) ones,
// with time limits after GB/T 30428 practice (e.g. exposed garbage 4 working hours, illegal
// construction stopped within 4 hours and demolished within 20 working days). Administrators
// edit it through the API; SeedCategories loads it into an empty table.
var Taxonomy = []Category{
	{"CITY_APPEARANCE", "市容环境", 2, timeunit.WorkingDays, []Category{
		{"EXPOSED_GARBAGE", "暴露垃圾", 4, timeunit.WorkingHours, nil},
		{"GARBAGE_PILE", "积存垃圾渣土", 2, timeunit.WorkingDays, nil},
		{"ILLEGAL_SIGNBOARD", "违规广告牌匾", 5, timeunit.WorkingDays, nil},
		{"ROAD_OCCUPYING_BUSINESS", "占道经营", 4, timeunit.WorkingHours, nil},
		{"ILLEGAL_POSTER", "非法小广告", 1, timeunit.WorkingDays, nil},
	}},
	{"LAND_AND_CONSTRUCTION", "国土与建设", 20, timeunit.WorkingDays, []Category{
		{"ILLEGAL_CONSTRUCTION_STOP", "违法建设(制止)", 4, timeunit.NaturalHours, nil},
		{"ILLEGAL_CONSTRUCTION", "违法建设(拆除)", 20, timeunit.WorkingDays, nil},
		{"ILLEGAL_LAND_USE", "违法占地", 10, timeunit.WorkingDays, nil},
	}},
	{"PUBLIC_SAFETY", "安全隐患", 1, timeunit.WorkingDays, []Category{
		{"FIRE_HAZARD", "消防隐患", 8, timeunit.WorkingHours, nil},
		{"PRODUCTION_SAFETY", "安全生产隐患", 2, timeunit.WorkingDays, nil},
		{"DAMAGED_FACILITY", "公共设施损坏", 3, timeunit.WorkingDays, nil},
	}},
	{"SOCIAL_AFFAIRS", "社会事务", 5, timeunit.WorkingDays, []Category{
		{"NEIGHBOUR_DISPUTE", "邻里纠纷", 5, timeunit.WorkingDays, nil},
		{"LABOUR_DISPUTE", "劳资纠纷", 10, timeunit.WorkingDays, nil},
		{"ASSISTANCE_REQUEST", "困难求助", 3, timeunit.WorkingDays, nil},
	}},
	{"ENVIRONMENT", "生态环境", 3, timeunit.WorkingDays, []Category{
		{"POLLUTION", "污染排放", 2, timeunit.WorkingDays, nil},
		{"BURNING", "露天焚烧", 4, timeunit.WorkingHours, nil},
	}},
	{"OTHER", "其他", 5, timeunit.WorkingDays, nil},
}

// SeedCategories loads Taxonomy when the category table is empty, in one transaction.
func SeedCategories(ctx context.Context, client *ent.Client) error {
	sys := authz.SystemContext(ctx, "seed case categories")
	n, err := client.EventCategory.Query().Count(sys)
	if err != nil || n > 0 {
		return err
	}
	tx, err := client.Tx(sys)
	if err != nil {
		return err
	}
	for _, major := range Taxonomy {
		m, err := tx.EventCategory.Create().SetCode(major.Code).SetName(major.Name).
			SetTimeLimit(major.TimeLimit).SetLimitUnit(major.Unit).Save(sys)
		if err != nil {
			return rollback(tx, fmt.Errorf("seed category %s: %w", major.Code, err))
		}
		for _, minor := range major.Minor {
			if err := tx.EventCategory.Create().SetCode(minor.Code).SetName(minor.Name).
				SetTimeLimit(minor.TimeLimit).SetLimitUnit(minor.Unit).SetParentID(m.ID).Exec(sys); err != nil {
				return rollback(tx, fmt.Errorf("seed category %s: %w", minor.Code, err))
			}
		}
	}
	return tx.Commit()
}

func rollback(tx *ent.Tx, err error) error {
	_ = tx.Rollback()
	return err
}
