package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/keyproject"
	"gridgov/ent/ledgeritemtype"
	"gridgov/internal/ledger"
	"gridgov/internal/workcal"
)

// LedgerSummary counts the demo's ledgers and key projects as found in the database.
type LedgerSummary struct {
	Categories, ItemTypes, Entries, KeyProjects int
}

// Demo key projects, after the article: a home-furnishing CBD, a textile city and an
// eco-corridor whose first 30 days cleared 523 businesses and 275 homesteads.
const (
	// EcoCorridorCode is the code of the eco-corridor project.
	EcoCorridorCode = "KP-XS-003"
)

// demoMonthlyTypes are the monthly ledgers the demo's level-3 grids keep; every seventh grid
// misses the latest month, so the completeness query has something to say.
var demoMonthlyTypes = []string{"FLOATING_MONTHLY", "RENTAL_MONTHLY", "SANITATION_INSPECTIONS", "GRID_EVENTS_MONTHLY"}

// LoadLedgers loads the starter catalogue (always: it is idempotent) and, unless key projects
// exist already, the demo's key projects with 30 days of progress and two months of ledger
// entries for every level-3 grid, in one transaction. It needs the demo data set (Load).
func LoadLedgers(ctx context.Context, client *ent.Client, now time.Time) (*LedgerSummary, error) {
	ctx = authz.SystemContext(ctx, "load the demo ledgers and key projects") // the demo-load bypass, as in Load
	cat, err := ledger.Starter()
	if err != nil {
		return nil, err
	}
	if _, err := ledger.LoadCatalogue(ctx, client, cat); err != nil {
		return nil, err
	}
	exists, err := client.KeyProject.Query().Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo ledgers: %w", err)
	}
	if !exists {
		tx, err := client.Tx(ctx)
		if err != nil {
			return nil, fmt.Errorf("demo ledgers: begin: %w", err)
		}
		if err := writeLedgers(ctx, tx.Client(), now); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("demo ledgers: commit: %w", err)
		}
	}
	var s LedgerSummary
	for _, c := range []struct {
		dst *int
		n   func(context.Context) (int, error)
	}{
		{&s.Categories, client.LedgerCategory.Query().Count},
		{&s.ItemTypes, client.LedgerItemType.Query().Count},
		{&s.Entries, client.LedgerEntry.Query().Count},
		{&s.KeyProjects, client.KeyProject.Query().Count},
	} {
		if *c.dst, err = c.n(ctx); err != nil {
			return nil, fmt.Errorf("demo ledgers: count: %w", err)
		}
	}
	return &s, nil
}

func writeLedgers(ctx context.Context, c *ent.Client, now time.Time) error {
	sub, err := c.Grid.Query().Where(grid.Code(SubDistrictCode)).Only(ctx)
	if err != nil {
		return fmt.Errorf("demo ledgers: the demo sub-district: %w", err)
	}
	villages, err := c.Grid.Query().Where(grid.ParentID(sub.ID)).Order(ent.Asc(grid.FieldCode)).All(ctx)
	if err != nil {
		return err
	}
	leaves, err := c.Grid.Query().Where(grid.PathHasPrefix(sub.Path), grid.Level(sub.Level+2)).Order(ent.Asc(grid.FieldCode)).All(ctx)
	if err != nil {
		return err
	}
	if len(villages) < 3 || len(leaves) == 0 {
		return fmt.Errorf("demo ledgers: the demo tree is not loaded")
	}
	if err := writeKeyProjects(ctx, c, sub, villages, now); err != nil {
		return err
	}
	types := map[string]*ent.LedgerItemType{}
	all, err := c.LedgerItemType.Query().Where(ledgeritemtype.CodeIn(append(demoMonthlyTypes, "RENTAL_HOUSING")...)).All(ctx)
	if err != nil {
		return err
	}
	for _, t := range all {
		types[t.Code] = t
	}
	r := rand.New(rand.NewPCG(9, 2026))
	local := now.In(workcal.Default().Location())
	months := []string{local.AddDate(0, -1, 0).Format("2006-01"), local.Format("2006-01")}
	var bulk []*ent.LedgerEntryCreate
	for i, g := range leaves {
		for mi, month := range months {
			if mi == len(months)-1 && i%7 == 3 {
				continue // this grid is late with the latest month
			}
			for _, code := range demoMonthlyTypes {
				bulk = append(bulk, c.LedgerEntry.Create().SetItemTypeID(types[code].ID).SetGridID(g.ID).
					SetPeriod(month).SetValues(demoValues(r, code, month+"-05")))
			}
		}
		for k := range 3 {
			bulk = append(bulk, c.LedgerEntry.Create().SetItemTypeID(types["RENTAL_HOUSING"].ID).SetGridID(g.ID).
				SetValues(map[string]string{
					"address": fmt.Sprintf("%s%d号", g.Name, 10+k*7), "landlord": string(surnames[r.IntN(len(surnames))]) + "某",
					"tenants": strconv.Itoa(1 + r.IntN(6)), "use": pick(r, []string{"居住", "经营", "仓储"}),
				}))
		}
	}
	return inBatches(len(bulk), func(lo, hi int) error {
		if err := c.LedgerEntry.CreateBulk(bulk[lo:hi]...).Exec(ctx); err != nil {
			return fmt.Errorf("demo ledgers: entries: %w", err)
		}
		return nil
	})
}

// demoValues are plausible values of a demo monthly ledger.
func demoValues(r *rand.Rand, code, checkedOn string) map[string]string {
	n := func(lo, hi int) string { return strconv.Itoa(lo + r.IntN(hi-lo+1)) }
	switch code {
	case "FLOATING_MONTHLY":
		return map[string]string{"arrived": n(0, 12), "left": n(0, 8), "total": n(40, 260)}
	case "RENTAL_MONTHLY":
		found := r.IntN(4)
		return map[string]string{"checked": n(10, 60), "hazards": strconv.Itoa(found), "fixed": strconv.Itoa(r.IntN(found + 1))}
	case "SANITATION_INSPECTIONS":
		return map[string]string{"place": "村内主干道及背街小巷", "checked_on": checkedOn, "problems": n(0, 5), "fixed": n(0, 3), "score": n(80, 100)}
	default: // GRID_EVENTS_MONTHLY
		return map[string]string{"found": n(2, 20), "solved_on_spot": n(1, 10), "escalated": n(0, 4)}
	}
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// writeKeyProjects writes the three demo projects; the eco-corridor runs through the first
// three villages and has 30 days of progress reaching the article's figures.
func writeKeyProjects(ctx context.Context, c *ent.Client, sub *ent.Grid, villages []*ent.Grid, now time.Time) error {
	type metric struct {
		code, label, unit string
		target            float64
	}
	start := now.In(workcal.Default().Location()).AddDate(0, 0, -30)
	due := start.AddDate(1, 0, 0)
	projects := []struct {
		code, name, unit string
		investment       float64
		grids            []*ent.Grid
		status           keyproject.Status
		metrics          []metric
		milestones       []string
	}{
		{"KP-XS-001", "中原家居产业CBD", "须水街道办事处", 2680000, villages[:2], keyproject.StatusIN_PROGRESS,
			[]metric{{"LAND_DELIVERED", "交付用地", "亩", 1200}, {"INVESTED", "完成投资", "万元", 2680000}},
			[]string{"用地征收完成", "主体开工", "一期开业"}},
		{"KP-XS-002", "郑州纺织城", "须水街道办事处", 500000, villages[2:3], keyproject.StatusPLANNED,
			[]metric{{"INVESTED", "完成投资", "万元", 500000}},
			[]string{"项目签约", "规划审批"}},
		{EcoCorridorCode, "须水河生态廊道", "须水街道征迁指挥部", 150000, villages[:3], keyproject.StatusIN_PROGRESS,
			[]metric{
				{"BUSINESSES_CLEARED", "清理商户", "户", 523}, {"HOMESTEADS_CLEARED", "拆除宅基地", "户", 275},
				{"AREA_CLEARED", "拆除建筑面积", "m²", 697000}, {"SEEDLINGS_CLEARED", "清理苗木", "m²", 733000},
				{"DEBRIS_REMOVED", "清运渣土", "m³", 9500000},
			},
			[]string{"征迁清零", "绿化施工", "廊道贯通"}},
	}
	for _, p := range projects {
		ids := make([]int, len(p.grids))
		for i, g := range p.grids {
			ids[i] = g.ID
		}
		kp, err := c.KeyProject.Create().SetCode(p.code).SetName(p.name).SetOwnerUnit(p.unit).SetInvestment(p.investment).
			SetStatus(p.status).SetGridID(sub.ID).SetGridIds(ids).SetStartsOn(start.UTC()).SetDueOn(due.UTC()).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo key project %s: %w", p.code, err)
		}
		for i, name := range p.milestones {
			b := c.KeyProjectMilestone.Create().SetProjectID(kp.ID).SetName(name).SetSortOrder(i).SetGridPath(kp.GridPath).
				SetDueOn(start.AddDate(0, 3*(i+1), 0).UTC())
			if i == 0 && p.code == EcoCorridorCode {
				b.SetDoneOn(now.UTC())
			}
			if err := b.Exec(ctx); err != nil {
				return err
			}
		}
		for i, m := range p.metrics {
			met, err := c.KeyProjectMetric.Create().SetProjectID(kp.ID).SetCode(m.code).SetLabel(m.label).SetUnit(m.unit).
				SetTarget(m.target).SetSortOrder(i).SetGridPath(kp.GridPath).Save(ctx)
			if err != nil {
				return err
			}
			if p.status != keyproject.StatusIN_PROGRESS {
				continue
			}
			// Weekly readings; the eco-corridor reaches its targets on the 30th day, the CBD a
			// third of them.
			share := 1.0
			if p.code != EcoCorridorCode {
				share = 1.0 / 3
			}
			for d := 7; d <= 35; d += 7 {
				day := min(d, 30)
				v := float64(int(m.target * share * float64(day) / 30))
				if err := c.KeyProjectProgress.Create().SetMetricID(met.ID).SetDay(start.AddDate(0, 0, day).Format("2006-01-02")).
					SetValue(v).SetGridPath(kp.GridPath).Exec(ctx); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
