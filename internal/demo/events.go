package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/ent/schema/timeunit"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// The article's problem figures (DOMAIN.md, "Problems"): LoadEvents writes EventCount cases,
// ResolvedCount of them closed as fixed.
const (
	EventCount    = 1035
	ResolvedCount = 829
)

// The demo's cases are reported on working days between EventsFrom and EventsUntil
// (Asia/Shanghai), in working hours; EventsUntil, the end of the last working day, is the
// moment the data set describes: open cases stand as they stood then. Fixed, like every date
// of the data set, so that each load writes the same rows.
var (
	EventsFrom  = time.Date(2026, 5, 1, 0, 0, 0, 0, workcal.Default().Location())
	EventsUntil = time.Date(2026, 11, 20, 18, 0, 0, 0, workcal.Default().Location())
)

// OccupiedRoads are the three roads where the demo's 160 road-occupying-business spots are;
// every such case's address starts with one of them.
var OccupiedRoads = []string{"须水路", "西四环辅路", "长椿路"}

// The seed of the cases' PCG source, apart from the grid tree's so that changing one leaves
// the other alone; tracking codes come from a third source.
const (
	eventSeed1, eventSeed2 = 0x4556_454e_5453, 0x2026_0501_1120
	codeSeed1, codeSeed2   = 0x434f_4445_5331, 0x3233_3435_3637
)

// LoadEvents writes the demo's cases and their timelines in one transaction and returns how
// many cases the database holds. It needs the demo data set (Load) and seeds the case
// categories (workflow.SeedCategories) if they are missing. It is idempotent: when any case
// exists it writes nothing and returns their number.
//
// The cases echo the article: EventCount found, ResolvedCount closed as fixed, among them 23
// illegal constructions stopped; 295 illegal signboards; 160 road-occupying spots on the three
// OccupiedRoads; garbage measured in m³. A few more were closed unfixed, a few voided as
// duplicates, and the most recent are open in every status, some overdue. Each case has a
// timeline a real one would have: the patroller reports, the village accepts and dispatches,
// the handler reports back, someone else verifies, the village's first-responsible closes;
// some cases are escalated to the village or to 须水街道, some sent back for rework.
func LoadEvents(ctx context.Context, client *ent.Client) (int, error) {
	sys := authz.SystemContext(ctx, "load demo events")
	n, err := client.Event.Query().Count(sys)
	if err != nil {
		return 0, fmt.Errorf("demo events: count cases: %w", err)
	}
	if n > 0 {
		return n, nil
	}
	p := build()
	ids, err := lookupIDs(sys, client, p)
	if err != nil {
		return 0, err
	}
	if err := workflow.SeedCategories(ctx, client); err != nil {
		return 0, fmt.Errorf("demo events: seed categories: %w", err)
	}
	cats, err := client.EventCategory.Query().All(sys)
	if err != nil {
		return 0, fmt.Errorf("demo events: categories: %w", err)
	}
	limits := make(map[string]categoryLimit, len(cats))
	ids.categories = make(map[string]int, len(cats))
	for _, c := range cats {
		limits[c.Code] = categoryLimit{c.TimeLimit, c.LimitUnit}
		ids.categories[c.Code] = c.ID
	}
	events, err := planEvents(p, limits)
	if err != nil {
		return 0, err
	}
	if err := writeEventsTx(sys, client, events, ids); err != nil {
		// A concurrent LoadEvents may have won the race for the unique tracking codes; its
		// cases are the same as ours.
		if !ent.IsConstraintError(err) {
			return 0, err
		}
		if n, qerr := client.Event.Query().Count(sys); qerr != nil || n == 0 {
			return 0, err
		}
	}
	n, err = client.Event.Query().Count(sys)
	if err != nil {
		return 0, fmt.Errorf("demo events: count cases: %w", err)
	}
	return n, nil
}

// categoryLimit is a category's time limit.
type categoryLimit struct {
	limit int
	unit  timeunit.Unit
}

// loadedIDs map the plan's indexes to database ids.
type loadedIDs struct {
	grids      []int    // by grid index
	paths      []string // by grid index
	people     []int    // by person index
	categories map[string]int
}

// lookupIDs finds the demo's grids by code and its people by phone number (unique in the demo).
func lookupIDs(ctx context.Context, client *ent.Client, p *plan) (*loadedIDs, error) {
	grids, err := client.Grid.Query().Where(grid.CodeHasPrefix(DistrictCode)).
		Select(grid.FieldID, grid.FieldCode, grid.FieldPath).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo events: grids: %w", err)
	}
	byCode := make(map[string]*ent.Grid, len(grids))
	for _, g := range grids {
		byCode[g.Code] = g
	}
	ids := &loadedIDs{grids: make([]int, len(p.grids)), paths: make([]string, len(p.grids)), people: make([]int, len(p.people))}
	for i, g := range p.grids {
		found, ok := byCode[g.code]
		if !ok {
			return nil, fmt.Errorf("demo events: grid %s (%s) missing: load the demo data set (demo.Load) first", g.code, g.name)
		}
		ids.grids[i], ids.paths[i] = found.ID, found.Path
	}
	phones := make([]string, len(p.people))
	for i, r := range p.people {
		phones[i] = r.phone
	}
	people, err := client.Person.Query().Where(person.PhoneIn(phones...)).
		Order(ent.Asc(person.FieldID)).Select(person.FieldID, person.FieldPhone).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo events: people: %w", err)
	}
	byPhone := make(map[string]int, len(people))
	for _, r := range people {
		if _, dup := byPhone[r.Phone]; !dup {
			byPhone[r.Phone] = r.ID
		}
	}
	for i, r := range p.people {
		id, ok := byPhone[r.phone]
		if !ok {
			return nil, fmt.Errorf("demo events: person %s missing: load the demo data set (demo.Load) first", r.name)
		}
		ids.people[i] = id
	}
	return ids, nil
}

// writeEventsTx writes the cases and their actions in one transaction.
func writeEventsTx(ctx context.Context, client *ent.Client, events []*eventRow, ids *loadedIDs) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo events: begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil {
				err = errors.Join(err, fmt.Errorf("demo events: rollback: %w", rerr))
			}
		}
	}()
	if err := writeEvents(ctx, tx, events, ids); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo events: commit: %w", err)
	}
	return nil
}

// eventBatch is the number of cases per bulk insert: about 30 columns each, so well below the
// bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const eventBatch = 500

// writeEvents inserts the cases oldest first, then their actions, then links the voided
// duplicates to their originals. The grid path is copied by the Event hook; the origin path
// is copied here, as the workflow does.
func writeEvents(ctx context.Context, tx *ent.Tx, events []*eventRow, ids *loadedIDs) error {
	personID := func(i int) *int {
		if i < 0 {
			return nil
		}
		return &ids.people[i]
	}
	eventIDs := make(map[*eventRow]int, len(events))
	for lo := 0; lo < len(events); lo += eventBatch {
		hi := min(lo+eventBatch, len(events))
		bs := make([]*ent.EventCreate, 0, hi-lo)
		for _, e := range events[lo:hi] {
			catID, ok := ids.categories[e.kind.code]
			if !ok {
				return fmt.Errorf("demo events: no case category %s", e.kind.code)
			}
			last := e.actions[len(e.actions)-1].at
			b := tx.Event.Create().
				SetCreatedAt(e.reportedAt).SetUpdatedAt(last).
				SetTrackingCode(e.code).SetSource(e.source).SetTitle(e.title).SetDescription(e.description).
				SetAddress(e.address).SetNillableLatitude(e.latitude).SetNillableLongitude(e.longitude).
				SetPhotoUrls(e.photos).SetNillableQuantity(e.quantity).SetUnit(e.unit).
				SetStatus(e.status).SetReportedAt(e.reportedAt).
				SetNillableRegisteredAt(e.registeredAt).SetNillableDeadline(e.deadline).
				SetNillableRequestedDeadline(e.requestedDeadline).SetNillableClosedAt(e.closedAt).
				SetNillableTimeLimit(e.timeLimit).SetNillableDeadlineFrom(e.deadlineFrom).
				SetFeedback(e.feedback).SetReworkCount(e.rework).SetEscalationCount(e.escalations).SetVersion(e.version).
				SetReporterName(e.reporterName).SetReporterPhone(e.reporterPhone).
				SetGridID(ids.grids[e.grid]).SetOriginGridID(ids.grids[e.origin]).SetOriginPath(ids.paths[e.origin]).
				SetCategoryID(catID).SetNillableReporterID(personID(e.reporter)).SetNillableAssigneeID(personID(e.assignee))
			if e.limitUnit != "" {
				b.SetLimitUnit(e.limitUnit)
			}
			bs = append(bs, b)
		}
		created, err := tx.Event.CreateBulk(bs...).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo events: create cases %d-%d: %w", lo, hi, err)
		}
		for k, c := range created {
			eventIDs[events[lo+k]] = c.ID
		}
	}

	var bs []*ent.EventActionCreate
	flush := func() error {
		if len(bs) == 0 {
			return nil
		}
		if err := tx.EventAction.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("demo events: create actions: %w", err)
		}
		bs = bs[:0]
		return nil
	}
	for _, e := range events {
		for _, a := range e.actions {
			b := tx.EventAction.Create().
				SetCreatedAt(a.at).SetUpdatedAt(a.at).
				SetEventID(eventIDs[e]).SetAction(a.action).SetToStatus(eventaction.ToStatus(a.to)).
				SetToGridID(ids.grids[a.toGrid]).SetNote(a.note).SetNillableActorID(personID(a.actor))
			if a.from != "" {
				b.SetFromStatus(eventaction.FromStatus(a.from)).SetFromGridID(ids.grids[a.fromGrid])
			}
			bs = append(bs, b)
			if len(bs) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}

	// Duplicates point at originals written in the same batches, so the links are set once
	// every case has its id. The column is written directly so that the planned update times
	// stay (ent's update would stamp now); the ids are integers from the database, so the
	// statement needs no placeholders and reads the same on both dialects.
	for _, e := range events {
		if e.duplicateOf == nil {
			continue
		}
		q := fmt.Sprintf("UPDATE %s SET %s = %d WHERE %s = %d",
			event.Table, event.FieldDuplicateOfID, eventIDs[e.duplicateOf], event.FieldID, eventIDs[e])
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("demo events: link duplicate %s: %w", e.code, err)
		}
	}
	return nil
}

// eventRow is one planned case with its timeline. Grids and people are indexes into the
// plan; nil pointers are null columns.
type eventRow struct {
	kind          *caseKind
	code          string
	source        event.Source
	title         string
	description   string
	address       string
	latitude      *float64
	longitude     *float64
	photos        []string
	quantity      *float64
	unit          string
	reporter      int // person index, -1 for a resident
	reporterName  string
	reporterPhone string
	origin        int // grid index
	duplicateOf   *eventRow

	// Derived from the actions, as the workflow would have left them.
	grid              int
	status            event.Status
	reportedAt        time.Time
	registeredAt      *time.Time
	deadline          *time.Time
	requestedDeadline *time.Time
	limitUnit         timeunit.Unit
	timeLimit         *int       // the limit the deadline counts, nil after an approved extension
	deadlineFrom      *time.Time // where the limit started
	closedAt          *time.Time
	feedback          string
	rework            int
	escalations       int
	version           int
	assignee          int // person index, -1 for none
	actions           []actionRow

	start int // working minute of the report (see workClock)
}

// actionRow is one step of a planned timeline.
type actionRow struct {
	action   eventaction.Action
	from, to event.Status // from is "" for the report
	fromGrid int
	toGrid   int
	actor    int // person index, -1 for the public
	note     string
	at       time.Time
}

// caseKind describes the demo's cases of one category.
type caseKind struct {
	code     string
	count    int
	titles   []string
	detail   string     // what was found, after the place; %s is the quantity
	unit     string     // unit of quantity, "" for none
	qty      [2]float64 // range of the quantity
	fixed    []string   // feedback when fixed; %s is the quantity
	notFixed string     // feedback when closed unfixed
	handle   [2]int     // working minutes the handling takes
	handlers []handlerOpt
	expert   handlerOpt // the village-level specialist a village or the sub-district sends
	sources  [4]int     // weights of PATROL, RESIDENT_REPORT, HOTLINE, INSPECTION
	onFirms  float64    // share of cases on key enterprises
	escalate [2]float64 // probabilities of escalation to the village and to the sub-district
	extend   float64    // probability of an approved deadline extension
	// Pinned outcomes; the rest are drawn from the remaining quotas, or all fixed if allFixed.
	notFixedN, voidedN int
	pinnedOpen         []event.Status
	allFixed           bool
}

// handlerOpt is a kind of person a case may be dispatched to: a role on the case's level-3
// grid (level 3) or on its village (level 2).
type handlerOpt struct {
	level  int
	role   assignment.Role
	duty   assignment.Duty
	title  string // the assignment's title must contain it
	weight int
}

func specificOpt(level int, duty assignment.Duty, weight int) handlerOpt {
	return handlerOpt{level: level, role: assignment.RoleSPECIFIC_RESPONSIBLE, duty: duty, weight: weight}
}

var (
	optPatroller   = specificOpt(3, assignment.DutyPATROLLER, 0)
	optCleaner     = specificOpt(3, assignment.DutyCLEANER, 0)
	optGroupLeader = specificOpt(3, assignment.DutyVILLAGER_GROUP_LEADER, 0)
	optFirmSafety  = specificOpt(3, assignment.DutySAFETY_INSPECTOR, 0)
	optPartyGroup  = specificOpt(3, assignment.DutyPARTY_GROUP_LEADER, 0)
	optCompound    = handlerOpt{level: 3, role: assignment.RoleSPECIFIC_RESPONSIBLE, duty: assignment.DutyHOUSEHOLD_REPRESENTATIVE, title: "楼院长"}
	optUrban       = specificOpt(2, assignment.DutyURBAN_MANAGEMENT_OFFICER, 0)
	optLand        = specificOpt(2, assignment.DutyLAND_OFFICER, 0)
	optSafety      = specificOpt(2, assignment.DutySAFETY_INSPECTOR, 0)
	optSocial      = specificOpt(2, assignment.DutySOCIAL_SECURITY_LIAISON, 0)
	optPolice      = handlerOpt{level: 2, role: assignment.RoleDIRECT_RESPONSIBLE, title: "民警"}
)

func weightOpt(o handlerOpt, weight int) handlerOpt { o.weight = weight; return o }

// caseKinds are the demo's cases by category, in the article's proportions.
var caseKinds = []caseKind{
	{
		code: "ILLEGAL_SIGNBOARD", count: 295,
		titles: []string{"违规设置户外广告牌", "店铺门头牌匾不规范", "楼顶违规设置广告牌", "破损广告牌存在坠落隐患", "沿街违规悬挂横幅广告"},
		detail: "有未经审批设置的广告牌匾%s块，影响市容，部分存在安全隐患。", unit: "块", qty: [2]float64{1, 4},
		fixed: []string{
			"已督促商户自行拆除违规广告牌匾%s块，并按规范重新设置门头牌匾。",
			"经城管部门依法拆除违规广告牌匾%s块，现场已清理干净。",
			"违规广告牌匾%s块已拆除，已告知商户设置牌匾须先行审批。",
		},
		handle: [2]int{300, 2100}, handlers: []handlerOpt{weightOpt(optUrban, 5), weightOpt(optPatroller, 4)}, expert: optUrban,
		sources: [4]int{70, 8, 7, 15}, onFirms: 0.05, escalate: [2]float64{0.02, 0.01},
	},
	{
		code: "ROAD_OCCUPYING_BUSINESS", count: 160,
		titles: []string{"流动摊贩占道经营", "商户出店经营占用人行道", "早市摊点占道经营", "夜市摊点占用机动车道", "水果摊占道堆放"},
		detail: "有商户占道经营，占用人行道和车行道，影响行人和车辆通行。",
		fixed: []string{
			"已劝导商户退店经营，清理占道物品，纳入每日巡查。",
			"流动摊贩已引导至指定便民疏导点经营，现场恢复畅通。",
			"已责令商户退回店内经营，并签订门前三包责任书。",
		},
		notFixed: "商户经多次劝导仍反复占道经营，已移交区城市管理执法部门依法处理。",
		handle:   [2]int{15, 120}, handlers: []handlerOpt{weightOpt(optPatroller, 6), weightOpt(optUrban, 4)}, expert: optUrban,
		sources: [4]int{80, 5, 5, 10}, escalate: [2]float64{0.05, 0.03},
		notFixedN: 4,
	},
	{
		code: "EXPOSED_GARBAGE", count: 170,
		titles: []string{"路边暴露垃圾", "垃圾桶周边散落垃圾", "空地堆放生活垃圾", "沟渠内漂浮垃圾", "垃圾未及时清运"},
		detail: "有暴露垃圾约%s立方米，未及时清运，影响环境卫生。", unit: "m³", qty: [2]float64{0.5, 6},
		fixed: []string{
			"已安排保洁员清运暴露垃圾约%s立方米，现场已清扫干净，纳入日常保洁巡查。",
			"暴露垃圾约%s立方米已全部清运，周边已消杀，并张贴“禁止乱倒垃圾”提示。",
		},
		handle: [2]int{20, 180}, handlers: []handlerOpt{weightOpt(optCleaner, 7), weightOpt(optPatroller, 3)}, expert: optUrban,
		sources: [4]int{70, 16, 8, 6}, escalate: [2]float64{0.02, 0.005},
		voidedN: 4,
	},
	{
		code: "GARBAGE_PILE", count: 120,
		titles: []string{"积存垃圾渣土", "建筑垃圾乱堆乱放", "拆迁空地积存渣土", "田间地头积存垃圾"},
		detail: "积存垃圾渣土约%s立方米，存在扬尘隐患，群众反映强烈。", unit: "m³", qty: [2]float64{5, 400},
		fixed: []string{
			"已协调清运车辆清运垃圾渣土约%s立方米，裸露地面已覆盖防尘网。",
			"积存垃圾渣土约%s立方米已清运完毕，场地已平整，设置围挡防止再次倾倒。",
		},
		handle: [2]int{120, 880}, handlers: []handlerOpt{weightOpt(optCleaner, 5), weightOpt(optPatroller, 3), weightOpt(optUrban, 2)}, expert: optUrban,
		sources: [4]int{72, 12, 8, 8}, escalate: [2]float64{0.08, 0.05},
		voidedN: 2,
	},
	{
		code: "ILLEGAL_CONSTRUCTION_STOP", count: 18,
		titles: []string{"发现正在施工的违法建设", "村民私自加盖房屋", "空地违规搭建彩钢房", "未经审批扩建厂房"},
		detail: "发现未经审批正在施工的建筑，面积约%s平方米，需立即制止。", unit: "m²", qty: [2]float64{20, 400},
		fixed: []string{
			"已现场责令停止施工，暂扣施工工具，当事人承诺自行恢复原状；纳入重点巡查台账。",
			"违法建设已制止，施工队已撤场，国土所已立案跟踪。",
		},
		handle: [2]int{15, 150}, handlers: []handlerOpt{weightOpt(optPatroller, 3), weightOpt(optLand, 5), weightOpt(optUrban, 2)}, expert: optLand,
		sources: [4]int{75, 5, 5, 15}, escalate: [2]float64{0.15, 0.15},
		pinnedOpen: []event.Status{event.StatusHANDLING}, allFixed: true,
	},
	{
		code: "ILLEGAL_CONSTRUCTION", count: 8,
		titles: []string{"违法建设需依法拆除", "违建彩钢棚", "私搭乱建附属房"},
		detail: "存在违法建设约%s平方米，已下达限期拆除通知书。", unit: "m²", qty: [2]float64{30, 600},
		fixed:  []string{"违法建设约%s平方米已依法拆除，建筑垃圾已清运，场地已平整。"},
		handle: [2]int{2000, 8500}, handlers: []handlerOpt{weightOpt(optLand, 6), weightOpt(optUrban, 4)}, expert: optLand,
		sources: [4]int{60, 10, 10, 20}, escalate: [2]float64{0.2, 0.25}, extend: 0.3,
		pinnedOpen: []event.Status{event.StatusHANDLING, event.StatusREGISTERED}, allFixed: true,
	},
	{
		code: "ILLEGAL_LAND_USE", count: 8,
		titles: []string{"违法占用耕地", "私自圈占集体土地", "耕地内违规堆放建材"},
		detail: "发现违法占用土地约%s平方米。", unit: "m²", qty: [2]float64{100, 3000},
		fixed:    []string{"已责令退还被占土地约%s平方米，恢复耕种条件。"},
		notFixed: "涉及历史遗留用地问题，已移交区自然资源部门依法立案查处。",
		handle:   [2]int{1000, 4300}, handlers: []handlerOpt{weightOpt(optLand, 8), weightOpt(optPatroller, 2)}, expert: optLand,
		sources: [4]int{60, 10, 10, 20}, escalate: [2]float64{0.2, 0.3}, extend: 0.3,
		notFixedN: 2,
	},
	{
		code: "ILLEGAL_POSTER", count: 40,
		titles: []string{"墙面张贴非法小广告", "电线杆张贴小广告", "楼道喷涂小广告"},
		detail: "发现非法小广告约%s处。", unit: "处", qty: [2]float64{3, 40},
		fixed:  []string{"已组织清理非法小广告%s处，墙面已粉刷恢复。"},
		handle: [2]int{30, 400}, handlers: []handlerOpt{weightOpt(optCleaner, 5), weightOpt(optPatroller, 5)}, expert: optUrban,
		sources: [4]int{75, 15, 5, 5}, escalate: [2]float64{0.01, 0},
	},
	{
		code: "FIRE_HAZARD", count: 45,
		titles: []string{"消防通道堵塞", "电动车楼道内充电", "灭火器过期失效", "私拉乱接电线", "仓库易燃物堆放"},
		detail: "存在消防安全隐患，需及时整改。",
		fixed: []string{
			"已督促整改，清理堵塞物，更换过期灭火器材，并开展消防安全宣传。",
			"隐患已整改完毕，飞线已拆除，引导居民到集中充电点充电。",
		},
		handle: [2]int{60, 420}, handlers: []handlerOpt{weightOpt(optFirmSafety, 4), weightOpt(optSafety, 4), weightOpt(optPatroller, 2)}, expert: optSafety,
		sources: [4]int{50, 12, 8, 30}, onFirms: 0.4, escalate: [2]float64{0.03, 0.01},
		voidedN: 1,
	},
	{
		code: "PRODUCTION_SAFETY", count: 25,
		titles: []string{"企业安全防护设施缺失", "危化品存放不规范", "特种作业人员无证上岗", "车间安全出口堵塞"},
		detail: "存在安全生产隐患，需企业限期整改。",
		fixed:  []string{"企业已按要求整改，补齐安全防护设施，安监员复查合格。"},
		handle: [2]int{200, 850}, handlers: []handlerOpt{weightOpt(optFirmSafety, 5), weightOpt(optSafety, 5)}, expert: optSafety,
		sources: [4]int{45, 5, 5, 45}, onFirms: 0.9, escalate: [2]float64{0.05, 0.03},
	},
	{
		code: "DAMAGED_FACILITY", count: 50,
		titles: []string{"路灯损坏不亮", "井盖破损缺失", "道路坑洼积水", "健身器材损坏", "护栏倒伏"},
		detail: "公共设施损坏，影响群众出行安全。",
		fixed:  []string{"已联系相关单位维修，设施已恢复正常使用。", "已设置警示标志并完成修复，群众表示满意。"},
		handle: [2]int{200, 1300}, handlers: []handlerOpt{weightOpt(optPatroller, 5), weightOpt(optGroupLeader, 3), weightOpt(optCompound, 2)}, expert: optUrban,
		sources: [4]int{55, 25, 15, 5}, escalate: [2]float64{0.04, 0.01},
		voidedN: 3,
	},
	{
		code: "NEIGHBOUR_DISPUTE", count: 30,
		titles:   []string{"邻里宅基地边界纠纷", "楼上漏水引发邻里矛盾", "噪音扰民纠纷", "邻里通行纠纷"},
		detail:   "当事双方发生矛盾，需及时调解化解。",
		fixed:    []string{"经村（居）调解委员会调解，双方达成一致并签订调解协议。", "经网格员上门调解，双方互谅互让，矛盾已化解。"},
		notFixed: "双方分歧较大，调解未果，已引导当事人通过司法途径解决，持续关注防止矛盾激化。",
		handle:   [2]int{100, 2200}, handlers: []handlerOpt{weightOpt(optGroupLeader, 5), weightOpt(optCompound, 3), weightOpt(optPolice, 3)}, expert: optPolice,
		sources: [4]int{35, 35, 25, 5}, escalate: [2]float64{0.05, 0.02},
		notFixedN: 3, voidedN: 1,
	},
	{
		code: "LABOUR_DISPUTE", count: 10,
		titles:   []string{"务工人员反映工资拖欠", "企业未签订劳动合同", "工伤赔偿纠纷"},
		detail:   "务工人员反映劳动权益受损，请求协调解决。",
		fixed:    []string{"经协调，企业已支付拖欠款项，劳动保障所跟踪回访。"},
		notFixed: "企业负责人失联，已移交区劳动保障监察大队立案处理。",
		handle:   [2]int{900, 4300}, handlers: []handlerOpt{weightOpt(optSocial, 8), weightOpt(optPolice, 2)}, expert: optSocial,
		sources: [4]int{30, 35, 30, 5}, onFirms: 0.7, escalate: [2]float64{0.2, 0.2}, extend: 0.3,
		notFixedN: 2,
	},
	{
		code: "ASSISTANCE_REQUEST", count: 20,
		titles:   []string{"独居老人生活困难求助", "困难家庭申请救助", "残疾人出行困难求助"},
		detail:   "群众生活困难，请求帮助。",
		fixed:    []string{"已上门走访，协助办理救助申请，落实结对帮扶。"},
		notFixed: "经核实不符合救助条件，已做好解释工作，纳入重点关注对象定期走访。",
		handle:   [2]int{200, 1300}, handlers: []handlerOpt{weightOpt(optSocial, 4), weightOpt(optGroupLeader, 4), weightOpt(optPartyGroup, 2)}, expert: optSocial,
		sources: [4]int{40, 35, 25, 0}, escalate: [2]float64{0.05, 0.02},
		notFixedN: 1,
	},
	{
		code: "POLLUTION", count: 12,
		titles:   []string{"小作坊污水直排", "企业异味扰民", "工地扬尘污染"},
		detail:   "存在污染排放问题，周边群众反映强烈。",
		fixed:    []string{"已责令停产整改，环保部门复查达标。"},
		notFixed: "已移交区生态环境部门依法查处，街道持续跟踪。",
		handle:   [2]int{200, 850}, handlers: []handlerOpt{weightOpt(optSafety, 4), weightOpt(optUrban, 3), weightOpt(optPatroller, 3)}, expert: optSafety,
		sources: [4]int{40, 25, 20, 15}, onFirms: 0.6, escalate: [2]float64{0.15, 0.15},
		notFixedN: 2,
	},
	{
		code: "BURNING", count: 15,
		titles: []string{"露天焚烧秸秆", "露天焚烧垃圾", "焚烧废旧电线"},
		detail: "发现露天焚烧，烟雾较大，污染空气。",
		fixed:  []string{"已现场扑灭明火，对当事人进行教育，清理焚烧残留物。"},
		handle: [2]int{15, 200}, handlers: []handlerOpt{weightOpt(optPatroller, 7), weightOpt(optCleaner, 3)}, expert: optUrban,
		sources: [4]int{75, 15, 10, 0}, escalate: [2]float64{0.02, 0},
		voidedN: 1,
	},
	{
		code: "OTHER", count: 9,
		titles:   []string{"废弃车辆长期占用车位", "流浪犬聚集存在伤人隐患", "群众其他诉求"},
		detail:   "群众反映问题，需协调处理。",
		fixed:    []string{"已协调相关部门处理完毕，群众表示满意。"},
		notFixed: "不属于街道职责范围，已告知当事人向相关部门反映。",
		handle:   [2]int{200, 2000}, handlers: []handlerOpt{weightOpt(optPatroller, 6), weightOpt(optGroupLeader, 2), weightOpt(optUrban, 2)}, expert: optUrban,
		sources: [4]int{40, 30, 25, 5}, escalate: [2]float64{0.03, 0.01},
		notFixedN: 1,
	},
}

// statusQuotas are the cases by final status.
var statusQuotas = []struct {
	status event.Status
	n      int
}{
	{event.StatusCLOSED_FIXED, ResolvedCount},
	{event.StatusCLOSED_NOT_FIXED, 15},
	{event.StatusVOIDED, 12},
	{event.StatusREPORTED, 25},
	{event.StatusREGISTERED, 22},
	{event.StatusDISPATCHED, 30},
	{event.StatusHANDLING, 45},
	{event.StatusHANDLED, 32},
	{event.StatusVERIFIED, 25},
}

// occupiedRoads places the road-occupation spots: how many on each road and the villages and
// communities (indexes into level2Rows) it runs through, in order.
var occupiedRoads = []struct {
	spots    int
	villages []int
}{
	{60, []int{0, 10, 1}},  // 须水路: 须水村, 须水社区, 三王庄村
	{52, []int{5, 11, 6}},  // 西四环辅路: 西岗村, 西岗社区, 董岗村
	{48, []int{4, 12, 13}}, // 长椿路: 柳湖村, 柳湖社区, 须水产业园区
}

// Places within a level-3 grid.
var (
	placesNumbered = []string{"%s%d号附近", "%s%d号门前", "%s%d号东侧"}
	placesPlain    = []string{"%s村口", "%s东侧空地", "%s西侧道路旁", "%s南侧路口", "%s北侧空地", "%s文化广场旁"}
	placesFirm     = []string{"%s厂区东门", "%s厂区院内", "%s仓库", "%s门前道路"}
	placesBuilding = []string{"%s%d号楼下", "%s%d号楼单元门口", "%s%d号楼楼道"}
	placesCompound = []string{"%s大门口", "%s停车场", "%s东侧围墙", "%s小广场"}
)

// Notes of the workflow steps; like feedback they name no person.
var (
	acceptNotes = []string{"已受理，予以立案", "经核实情况属实，立案处理", "立案"}
	startNotes  = []string{"已到达现场，开始处置", "现场核实，开始处置", "已联系当事人，开始处置"}
	failNotes   = []string{"现场核查未整改到位，退回返工", "回访群众反映问题仍未解决，退回重新处置", "整改不彻底，要求重新处置"}
	passNotes   = []string{"现场核查，整改到位", "核查通过", "现场复核，问题已解决"}
)

// workClock numbers the working minutes of the window EventsFrom–EventsUntil: minute 0 is
// 09:00 of the first working day, and each working day (a day the work calendar says is one)
// has the calendar's default working hours, 09:00–12:00 and 13:30–18:00.
type workClock struct{ days []time.Time }

const (
	dayMinutes     = 450 // 7.5 working hours
	morningMinutes = 180 // 09:00–12:00
)

func newWorkClock(cal *workcal.Calendar) *workClock {
	c := &workClock{}
	for d := EventsFrom; d.Before(EventsUntil); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d.Add(12 * time.Hour)) {
			c.days = append(c.days, d)
		}
	}
	return c
}

// minutes is the number of working minutes of the window.
func (c *workClock) minutes() int { return len(c.days) * dayMinutes }

// at returns working minute m plus sec seconds, in UTC.
func (c *workClock) at(m, sec int) time.Time {
	d, off := c.days[m/dayMinutes], m%dayMinutes
	clock := 9*time.Hour + time.Duration(off)*time.Minute
	if off >= morningMinutes {
		clock = 13*time.Hour + 30*time.Minute + time.Duration(off-morningMinutes)*time.Minute
	}
	return d.Add(clock + time.Duration(sec)*time.Second).UTC()
}

// caseRef designates the person taking a step: a holder of a role on a grid at the step's time,
// or the case's assignee.
type caseRef struct {
	grid     int
	role     assignment.Role
	duty     assignment.Duty
	title    string // the assignment's title must contain it
	notTitle string // … and must not contain it
	pick     int    // which of the holders
	assignee bool
}

// caseStep is a planned step of a timeline, before it is placed in time.
type caseStep struct {
	action eventaction.Action
	actor  []caseRef // in order of preference; empty: the public
	target []caseRef // DISPATCH: the handler, in order of preference
	toGrid int       // DISPATCH: the grid handed to, -1 for the current one
	gap    int       // working minutes after the previous step
	note   string
	fixed  bool // CLOSE
	extend int  // REQUEST_EXTENSION: working days
	verify bool // the actor must not have handled the case
}

// holderKey indexes the plan's assignments.
type holderKey struct {
	grid int
	role assignment.Role
	duty assignment.Duty
}

// eventGen plans the cases from a seeded source.
type eventGen struct {
	p       *plan
	r       *rand.Rand
	n       *names
	cal     *workcal.Calendar
	clock   *workClock
	limits  map[string]categoryLimit
	holders map[holderKey][]int
	sub     int   // grid index of 须水街道
	l3      []int // level-3 grids
	centres map[int][2]float64
	spots   []roadSpot
	// duplicated are the cases a duplicate was voided against, one duplicate each.
	duplicated map[*eventRow]bool
}

type roadSpot struct {
	address string
	grid    int
}

// planEvents plans the demo's cases over the demo plan p with the categories' time limits.
// It is a pure function of its arguments.
func planEvents(p *plan, limits map[string]categoryLimit) ([]*eventRow, error) {
	r := rand.New(rand.NewPCG(eventSeed1, eventSeed2))
	g := &eventGen{
		p: p, r: r, n: newNames(r), cal: workcal.Default(), limits: limits,
		holders: map[holderKey][]int{}, sub: 1, centres: map[int][2]float64{}, duplicated: map[*eventRow]bool{},
	}
	g.clock = newWorkClock(g.cal)
	for _, r := range p.people {
		g.n.phones[r.phone] = true // residents' numbers never collide with staff's
	}
	for i, a := range p.assignments {
		k := holderKey{a.grid, a.role, a.duty}
		g.holders[k] = append(g.holders[k], i)
	}
	for i, gr := range p.grids {
		if gr.depth == 3 {
			g.l3 = append(g.l3, i)
		}
	}
	if p.grids[g.sub].code != SubDistrictCode {
		return nil, fmt.Errorf("demo events: grid 1 is %s, want %s", p.grids[g.sub].code, SubDistrictCode)
	}
	for _, k := range caseKinds {
		if _, ok := limits[k.code]; !ok {
			return nil, fmt.Errorf("demo events: no case category %s: seed the categories (workflow.SeedCategories) first", k.code)
		}
	}
	g.locate()
	return g.run()
}

func (g *eventGen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *eventGen) chance(p float64) bool { return g.r.Float64() < p }

func pickOne[T any](g *eventGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// weighted returns an index drawn with the given weights.
func (g *eventGen) weighted(weights []int) int {
	total := 0
	for _, x := range weights {
		total += x
	}
	n := g.r.IntN(total)
	for i, x := range weights {
		if n < x {
			return i
		}
		n -= x
	}
	return len(weights) - 1
}

// locate gives every level-2 and level-3 grid a centre, and lays out the road spots.
func (g *eventGen) locate() {
	for i, l2 := range g.p.grids[g.sub].children {
		lat := 34.742 + float64(i/4)*0.008 + 0.002*g.r.Float64()
		lon := 113.522 + float64(i%4)*0.011 + 0.002*g.r.Float64()
		g.centres[l2] = [2]float64{lat, lon}
		for _, l3 := range g.p.grids[l2].children {
			g.centres[l3] = [2]float64{lat + 0.005*(g.r.Float64()-0.5), lon + 0.006*(g.r.Float64()-0.5)}
		}
	}
	suffixes := []string{"门前", "门前人行道", "旁", "东侧"}
	for ri, road := range occupiedRoads {
		numbers := g.r.Perm(road.spots * 5)[:road.spots]
		slices.Sort(numbers)
		for k, n := range numbers {
			l2 := g.p.grids[g.sub].children[road.villages[k*len(road.villages)/road.spots]]
			var grids []int
			for _, c := range g.p.grids[l2].children {
				if g.p.grids[c].kind != grid.KindKEY_ENTERPRISE {
					grids = append(grids, c)
				}
			}
			if len(grids) == 0 {
				grids = g.p.grids[l2].children
			}
			g.spots = append(g.spots, roadSpot{
				address: fmt.Sprintf("%s%d号%s", OccupiedRoads[ri], 2*n+1, pickOne(g, suffixes)),
				grid:    pickOne(g, grids),
			})
		}
	}
}

// outcomes draws the final status of every case, kind by kind.
func (g *eventGen) outcomes() ([][]event.Status, error) {
	remaining := map[event.Status]int{}
	for _, q := range statusQuotas {
		remaining[q.status] = q.n
	}
	out := make([][]event.Status, len(caseKinds))
	free := 0
	for i, k := range caseKinds {
		var s []event.Status
		for range k.notFixedN {
			s = append(s, event.StatusCLOSED_NOT_FIXED)
		}
		for range k.voidedN {
			s = append(s, event.StatusVOIDED)
		}
		s = append(s, k.pinnedOpen...)
		for len(s) < k.count && k.allFixed {
			s = append(s, event.StatusCLOSED_FIXED)
		}
		for _, x := range s {
			remaining[x]--
		}
		free += k.count - len(s)
		out[i] = s
	}
	var pool []event.Status
	for _, q := range statusQuotas {
		if remaining[q.status] < 0 {
			return nil, fmt.Errorf("demo events: more %s cases pinned than planned", q.status)
		}
		for range remaining[q.status] {
			pool = append(pool, q.status)
		}
	}
	if len(pool) != free {
		return nil, fmt.Errorf("demo events: %d statuses for %d cases", len(pool), free)
	}
	g.r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for i, k := range caseKinds {
		n := k.count - len(out[i])
		out[i] = append(out[i], pool[:n]...)
		pool = pool[n:]
	}
	return out, nil
}

// caseDraft is a case being planned.
type caseDraft struct {
	e      *eventRow
	target event.Status
	l3     int // the level-3 grid the problem is on
	l2     int
	steps  []caseStep
}

func (g *eventGen) run() ([]*eventRow, error) {
	outs, err := g.outcomes()
	if err != nil {
		return nil, err
	}
	spots := g.r.Perm(len(g.spots))
	var drafts, dups []*caseDraft
	for i := range caseKinds {
		k := &caseKinds[i]
		for _, status := range outs[i] {
			d := &caseDraft{e: &eventRow{kind: k, reporter: -1, assignee: -1}, target: status}
			if status == event.StatusVOIDED {
				dups = append(dups, d) // planned after the originals
				continue
			}
			if k.code == "ROAD_OCCUPYING_BUSINESS" {
				s := g.spots[spots[0]]
				spots = spots[1:]
				d.l3, d.e.address = s.grid, s.address
			} else {
				d.l3 = g.chooseGrid(k)
				d.e.address = g.place(d.l3)
			}
			d.l2 = g.p.grids[d.l3].parent
			g.describe(d)
			g.flow(d)
			drafts = append(drafts, d)
		}
	}
	for _, d := range drafts {
		if err := g.placeOriginal(d); err != nil {
			return nil, err
		}
	}
	for _, d := range dups {
		if err := g.duplicate(d, drafts); err != nil {
			return nil, err
		}
	}

	events := make([]*eventRow, 0, len(drafts)+len(dups))
	for _, d := range append(drafts, dups...) {
		events = append(events, d.e)
	}
	slices.SortStableFunc(events, func(a, b *eventRow) int { return a.reportedAt.Compare(b.reportedAt) })
	codes := rand.New(rand.NewPCG(codeSeed1, codeSeed2))
	used := map[string]bool{}
	for _, e := range events {
		for e.code == "" || used[e.code] {
			b := make([]byte, 12)
			for i := range b {
				b[i] = workflow.TrackingAlphabet[codes.IntN(len(workflow.TrackingAlphabet))]
			}
			e.code = string(b)
		}
		used[e.code] = true
	}
	for _, e := range events {
		if e.duplicateOf != nil {
			a := &e.actions[len(e.actions)-1]
			a.note = fmt.Sprintf("与已上报事件（查询码%s）重复，作废", e.duplicateOf.code)
		}
	}
	return events, nil
}

// chooseGrid picks the level-3 grid of a case: a key enterprise for a share of the kind's
// cases, otherwise a villager group or residential compound weighted by households.
func (g *eventGen) chooseGrid(k *caseKind) int {
	firms := g.chance(k.onFirms)
	var grids, weights []int
	for _, i := range g.l3 {
		if (g.p.grids[i].kind == grid.KindKEY_ENTERPRISE) == firms {
			grids = append(grids, i)
			weights = append(weights, g.p.grids[i].households)
		}
	}
	return grids[g.weighted(weights)]
}

// place describes where on grid l3 a problem is.
func (g *eventGen) place(l3 int) string {
	name := g.p.grids[l3].name
	switch {
	case g.p.grids[l3].kind == grid.KindKEY_ENTERPRISE:
		return fmt.Sprintf(pickOne(g, placesFirm), name)
	case g.p.grids[l3].kind == grid.KindRESIDENTIAL_COMPOUND:
		if g.chance(0.6) {
			return fmt.Sprintf(pickOne(g, placesBuilding), name, g.between(1, 12))
		}
		return fmt.Sprintf(pickOne(g, placesCompound), name)
	case g.chance(0.5):
		return fmt.Sprintf(pickOne(g, placesNumbered), name, g.between(1, 160))
	}
	return fmt.Sprintf(pickOne(g, placesPlain), name)
}

// describe draws a case's source, reporter, title, description, quantity, coordinates and
// photos.
func (g *eventGen) describe(d *caseDraft) {
	e, k := d.e, d.e.kind
	sources := []event.Source{event.SourcePATROL, event.SourceRESIDENT_REPORT, event.SourceHOTLINE, event.SourceINSPECTION}
	e.source = sources[g.weighted(k.sources[:])]
	e.origin = d.l3
	e.title = pickOne(g, k.titles)
	var qty string
	if k.unit != "" {
		q := k.qty[0] + (k.qty[1]-k.qty[0])*math.Pow(g.r.Float64(), 2)
		if k.unit == "m³" && q < 20 {
			q = math.Round(q*10) / 10
		} else {
			q = math.Round(q)
		}
		e.quantity, e.unit = &q, k.unit
		qty = strconv.FormatFloat(q, 'f', -1, 64)
	}
	detail := k.detail
	if strings.Contains(detail, "%s") {
		detail = fmt.Sprintf(detail, qty)
	}
	prefix := map[event.Source]string{
		event.SourcePATROL: "巡查发现：", event.SourceRESIDENT_REPORT: "群众反映：",
		event.SourceHOTLINE: "12345热线转办，市民反映：", event.SourceINSPECTION: "督察检查发现：",
	}[e.source]
	e.description = prefix + e.address + detail
	if e.source == event.SourceRESIDENT_REPORT || e.source == event.SourceHOTLINE {
		g.resident(e)
	}
	if e.source == event.SourceHOTLINE {
		e.origin = d.l2 // the hotline hands the case to the village, which dispatches it down
	}
	if e.source == event.SourcePATROL || e.source == event.SourceINSPECTION || g.chance(0.3) {
		c := g.centres[d.l3]
		lat := math.Round((c[0]+0.0016*(g.r.Float64()-0.5))*1e6) / 1e6
		lon := math.Round((c[1]+0.0016*(g.r.Float64()-0.5))*1e6) / 1e6
		e.latitude, e.longitude = &lat, &lon
	}
	if e.source != event.SourceHOTLINE {
		for n := range g.between(1, 3) {
			if e.source == event.SourceRESIDENT_REPORT && n > 0 {
				break
			}
			e.photos = append(e.photos, photoURL(k.code, g.r.IntN(1_000_000), ""))
		}
	}
}

// photoURL is the address of a demo photo: a placeholder host, since the demo has no photos.
func photoURL(category string, n int, suffix string) string {
	return fmt.Sprintf("https://demo.gridgov.example/photos/%s/%06d%s.jpg", strings.ToLower(category), n, suffix)
}

// resident gives a case a synthetic resident's contact: a surname and an honorific, and a
// phone number no staff member has.
func (g *eventGen) resident(e *eventRow) {
	honorific := "先生"
	if g.chance(0.45) {
		honorific = "女士"
	}
	e.reporterName = string(surnames[g.r.IntN(len(surnames))]) + honorific
	e.reporterPhone = g.n.phone()
}

// Roles a timeline refers to.
func (g *eventGen) role(gi int, role assignment.Role) caseRef {
	return caseRef{grid: gi, role: role, pick: g.r.IntN(4)}
}

func (g *eventGen) duty(gi int, duty assignment.Duty) caseRef {
	return caseRef{grid: gi, role: assignment.RoleSPECIFIC_RESPONSIBLE, duty: duty, pick: g.r.IntN(4)}
}

// operator is who accepts and dispatches for a village: a direct-responsible other than the
// police officer, or the first-responsible.
func (g *eventGen) operator(l2 int) []caseRef {
	direct := caseRef{grid: l2, role: assignment.RoleDIRECT_RESPONSIBLE, notTitle: "民警", pick: g.r.IntN(2)}
	first := g.role(l2, assignment.RoleFIRST_RESPONSIBLE)
	if g.chance(0.35) {
		return []caseRef{first, direct}
	}
	return []caseRef{direct, first}
}

// verifier is who verifies a village's case on site: its first-responsible, its party
// secretary or one of the sub-district's first-responsible, never a handler.
func (g *eventGen) verifier(l2 int) []caseRef {
	first := g.role(l2, assignment.RoleFIRST_RESPONSIBLE)
	secretary := caseRef{grid: l2, role: assignment.RoleDIRECT_RESPONSIBLE, title: "书记"}
	sub := g.role(g.sub, assignment.RoleFIRST_RESPONSIBLE)
	switch n := g.r.IntN(10); {
	case n < 6:
		return []caseRef{first, secretary, sub}
	case n < 9:
		return []caseRef{secretary, first, sub}
	}
	return []caseRef{sub, first, secretary}
}

func (g *eventGen) handlerRef(o handlerOpt, l3, l2 int) caseRef {
	gi := l3
	if o.level == 2 {
		gi = l2
	}
	return caseRef{grid: gi, role: o.role, duty: o.duty, title: o.title, pick: g.r.IntN(4)}
}

// flow plans a case's whole timeline, up to its closing; run cuts it at the case's status.
func (g *eventGen) flow(d *caseDraft) {
	e, k := d.e, d.e.kind
	l3, l2 := d.l3, d.l2
	var s []caseStep
	add := func(x caseStep) { s = append(s, x) }

	var reporter []caseRef
	report := caseStep{action: eventaction.ActionREPORT, toGrid: -1}
	switch e.source {
	case event.SourcePATROL:
		reporter = []caseRef{g.duty(l3, assignment.DutyPATROLLER)}
		report.note = "巡查发现，现场拍照上报"
	case event.SourceRESIDENT_REPORT:
		report.note = "群众直通报告"
	case event.SourceHOTLINE:
		reporter = []caseRef{g.duty(g.sub, assignment.DutyRESEARCHER)}
		report.note = "12345市民热线转办"
	case event.SourceINSPECTION:
		o := k.expert
		if o.role != assignment.RoleSPECIFIC_RESPONSIBLE || g.chance(0.3) {
			reporter = []caseRef{g.duty(g.sub, assignment.DutyRESEARCHER)}
		} else {
			reporter = []caseRef{g.handlerRef(o, l3, l2), g.duty(g.sub, assignment.DutyRESEARCHER)}
		}
		report.note = "督察检查发现"
	}
	report.actor = reporter
	add(report)

	weights := make([]int, len(k.handlers))
	for i, h := range k.handlers {
		weights[i] = h.weight
	}
	handler := k.handlers[g.weighted(weights)]
	patrol := g.duty(l3, assignment.DutyPATROLLER)
	handle := g.between(k.handle[0], k.handle[1])
	if g.chance(0.12) {
		handle = handle * g.between(13, 20) / 10 // late
	}
	extend := 0
	if g.chance(k.extend) {
		extend = pickOne(g, []int{5, 10, 15})
		handle += extend * dayMinutes * g.between(3, 9) / 10
	}
	fixed := d.target != event.StatusCLOSED_NOT_FIXED
	result := g.feedback(e, fixed) // what the handler reports back
	feedback := result             // what the reporter is told, with who solved it

	escalation := 0
	if e.source != event.SourceHOTLINE {
		switch x := g.r.Float64(); {
		case x < k.escalate[1]:
			escalation = 2
		case x < k.escalate[0]+k.escalate[1]:
			escalation = 1
		}
	}
	// Who closes, approves extensions and verifies at the grid where the case ends.
	closer := []caseRef{g.role(l2, assignment.RoleFIRST_RESPONSIBLE)}
	verifier := g.verifier(l2)
	ops := g.operator(l2)
	gridHead := []caseRef{g.role(l3, assignment.RoleGRID_HEAD)}
	var target []caseRef
	toGrid := -1
	switch escalation {
	case 0:
		add(caseStep{action: eventaction.ActionACCEPT, actor: ops, gap: g.acceptGap(e), note: pickOne(g, acceptNotes), toGrid: -1})
		target = []caseRef{g.handlerRef(handler, l3, l2), patrol}
		if e.origin != l3 {
			toGrid = l3
		}
		add(caseStep{action: eventaction.ActionDISPATCH, actor: ops, target: target, toGrid: toGrid, gap: g.between(2, 40)})
	case 1:
		add(caseStep{action: eventaction.ActionACCEPT, actor: gridHead, gap: g.acceptGap(e), note: pickOne(g, acceptNotes), toGrid: -1})
		add(caseStep{action: eventaction.ActionDISPATCH, actor: gridHead, target: []caseRef{patrol}, toGrid: -1, gap: g.between(2, 30)})
		add(caseStep{action: eventaction.ActionSTART, actor: []caseRef{{assignee: true}}, gap: g.between(10, 90), note: pickOne(g, startNotes), toGrid: -1})
		add(caseStep{action: eventaction.ActionESCALATE, actor: gridHead, gap: g.between(30, 300), toGrid: -1,
			note: "超出本网格处置能力，逐级上报村（社区）网格"})
		target = []caseRef{g.handlerRef(k.expert, l3, l2), g.handlerRef(optUrban, l3, l2)}
		add(caseStep{action: eventaction.ActionDISPATCH, actor: ops, target: target, toGrid: -1, gap: g.between(10, 240)})
		feedback = "经村（社区）网格协调处置，" + result
	case 2:
		add(caseStep{action: eventaction.ActionACCEPT, actor: gridHead, gap: g.acceptGap(e), note: pickOne(g, acceptNotes), toGrid: -1})
		add(caseStep{action: eventaction.ActionESCALATE, actor: gridHead, gap: g.between(20, 240), toGrid: -1,
			note: "超出本网格处置能力，逐级上报村（社区）网格"})
		add(caseStep{action: eventaction.ActionESCALATE, actor: closer, gap: g.between(30, 450), toGrid: -1,
			note: "需多部门联合处置，上报街道网格化管理服务中心"})
		a := g.r.IntN(2)
		subA := caseRef{grid: g.sub, role: assignment.RoleFIRST_RESPONSIBLE, pick: a}
		subB := caseRef{grid: g.sub, role: assignment.RoleFIRST_RESPONSIBLE, pick: a + 1}
		if g.chance(0.4) {
			target = []caseRef{g.duty(g.sub, assignment.DutyPATROLLER)}
		} else {
			target = []caseRef{g.handlerRef(k.expert, l3, l2), g.duty(g.sub, assignment.DutyPATROLLER)}
		}
		add(caseStep{action: eventaction.ActionDISPATCH, actor: []caseRef{subA}, target: target, toGrid: -1, gap: g.between(30, 450)})
		closer, verifier = []caseRef{subA}, []caseRef{subB}
		feedback = "经街道协调相关部门联合处置，" + result
	}
	handlerActs := []caseRef{{assignee: true}}
	add(caseStep{action: eventaction.ActionSTART, actor: handlerActs, gap: g.between(10, 120), note: pickOne(g, startNotes), toGrid: -1})
	if extend > 0 {
		// The handler asks for more time part way through; the handling goes on after.
		req, approve := handle*g.between(3, 6)/10, g.between(30, 300)
		add(caseStep{action: eventaction.ActionREQUEST_EXTENSION, actor: handlerActs, gap: req, extend: extend, toGrid: -1,
			note: "需履行法定程序，申请延长办理时限"})
		add(caseStep{action: eventaction.ActionAPPROVE_EXTENSION, actor: closer, gap: approve, toGrid: -1, note: "同意延期"})
		handle = max(handle-req-approve, 60)
	}
	backNote := "处置完毕：" + result
	if !fixed {
		backNote = "无法彻底解决：" + result
	}
	add(caseStep{action: eventaction.ActionREPORT_BACK, actor: handlerActs, gap: handle, note: backNote, toGrid: -1})
	fails := 0
	if x := g.r.Float64(); x < 0.01 {
		fails = 2
	} else if x < 0.08 {
		fails = 1
	}
	for range fails {
		add(caseStep{action: eventaction.ActionVERIFY_FAIL, actor: verifier, verify: true, gap: g.between(20, 300), note: pickOne(g, failNotes), toGrid: -1})
		add(caseStep{action: eventaction.ActionREPORT_BACK, actor: handlerActs, gap: max(handle*g.between(3, 8)/10, 15), note: "返工完毕：" + result, toGrid: -1})
	}
	pass := pickOne(g, passNotes)
	if !fixed {
		pass = "核查属实，同意按未解决结案"
	}
	add(caseStep{action: eventaction.ActionVERIFY_PASS, actor: verifier, verify: true, gap: g.between(20, 400), note: pass, toGrid: -1})
	closeNote := "结案"
	if !fixed {
		closeNote = "结案（未解决）"
	}
	add(caseStep{action: eventaction.ActionCLOSE, actor: closer, gap: g.between(5, 150), fixed: fixed, note: closeNote, toGrid: -1})
	e.feedback = feedback // kept only once the case is closed (see simulate)
	d.steps = s
}

func (g *eventGen) acceptGap(e *eventRow) int {
	if e.source == event.SourcePATROL || e.source == event.SourceINSPECTION {
		return g.between(5, 90)
	}
	return g.between(10, 240)
}

// feedback says how the case was resolved, or why not.
func (g *eventGen) feedback(e *eventRow, fixed bool) string {
	if !fixed {
		return e.kind.notFixed
	}
	f := pickOne(g, e.kind.fixed)
	if strings.Contains(f, "%s") {
		q := ""
		if e.quantity != nil {
			q = strconv.FormatFloat(*e.quantity, 'f', -1, 64)
		}
		f = fmt.Sprintf(f, q)
	}
	return f
}

// nextStatus is the status a step leads to (the workflow's rules).
func nextStatus(s caseStep, cur event.Status) event.Status {
	switch s.action {
	case eventaction.ActionREPORT:
		return event.StatusREPORTED
	case eventaction.ActionACCEPT, eventaction.ActionESCALATE:
		return event.StatusREGISTERED
	case eventaction.ActionDISPATCH:
		return event.StatusDISPATCHED
	case eventaction.ActionSTART, eventaction.ActionVERIFY_FAIL:
		return event.StatusHANDLING
	case eventaction.ActionREPORT_BACK:
		return event.StatusHANDLED
	case eventaction.ActionVERIFY_PASS:
		return event.StatusVERIFIED
	case eventaction.ActionCLOSE:
		if s.fixed {
			return event.StatusCLOSED_FIXED
		}
		return event.StatusCLOSED_NOT_FIXED
	case eventaction.ActionVOID:
		return event.StatusVOIDED
	}
	return cur
}

// cut keeps the steps up to the last one that leaves the case in the draft's status.
func (d *caseDraft) cut() error {
	last, cur := -1, event.Status("")
	for i, s := range d.steps {
		cur = nextStatus(s, cur)
		if cur == d.target {
			last = i
		}
	}
	if last < 0 {
		return fmt.Errorf("demo events: a %s timeline never reaches %s", d.e.kind.code, d.target)
	}
	d.steps = d.steps[:last+1]
	return nil
}

func (d *caseDraft) duration() int {
	n := 0
	for _, s := range d.steps[1:] {
		n += s.gap
	}
	return n
}

// placeOriginal places a case in time: closed cases anywhere in the window, open ones so that
// their last step lies shortly (or, for some, days) before EventsUntil.
func (g *eventGen) placeOriginal(d *caseDraft) error {
	if err := d.cut(); err != nil {
		return err
	}
	end := g.clock.minutes() - 1
	span := d.duration()
	var start int
	switch d.target {
	case event.StatusCLOSED_FIXED, event.StatusCLOSED_NOT_FIXED:
		start = g.r.IntN(end - span + 1)
	default:
		idle := g.between(0, 240)
		if g.chance(0.2) {
			idle = g.between(dayMinutes, 10*dayMinutes)
		}
		start = max(end-span-idle, 0)
	}
	return g.simulate(d, start)
}

// duplicate plans a case voided as the duplicate of an earlier one: a resident reports,
// through the public page or the hotline, a problem a case is already open for.
func (g *eventGen) duplicate(d *caseDraft, originals []*caseDraft) error {
	var candidates []*caseDraft
	for _, o := range originals {
		if o.e.kind == d.e.kind && o.e.status != event.StatusREPORTED && o.e.source != event.SourceHOTLINE && !g.duplicated[o.e] {
			candidates = append(candidates, o)
		}
	}
	if len(candidates) == 0 {
		return fmt.Errorf("demo events: no original for a duplicate %s case", d.e.kind.code)
	}
	e := d.e
	for range 100 {
		o := pickOne(g, candidates)
		d.l3, d.l2 = o.l3, o.l2
		e.duplicateOf = o.e
		e.title, e.address, e.quantity, e.unit = o.e.title, o.e.address, o.e.quantity, o.e.unit
		e.source, e.origin = event.SourceRESIDENT_REPORT, d.l3
		e.photos = nil
		if g.chance(0.35) {
			e.source, e.origin = event.SourceHOTLINE, d.l2
		}
		e.reporter = -1
		g.resident(e)
		prefix := "群众反映："
		if e.source == event.SourceHOTLINE {
			prefix = "12345热线转办，市民反映："
		}
		e.description = prefix + strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(o.e.description, "巡查发现："), "群众反映："), "督察检查发现：")
		report := caseStep{action: eventaction.ActionREPORT, note: "群众直通报告", toGrid: -1}
		if e.source == event.SourceHOTLINE {
			report.actor, report.note = []caseRef{g.duty(g.sub, assignment.DutyRESEARCHER)}, "12345市民热线转办"
		}
		ops := g.operator(d.l2)
		d.steps = []caseStep{report}
		if g.chance(0.25) {
			d.steps = append(d.steps, caseStep{action: eventaction.ActionACCEPT, actor: ops, gap: g.between(10, 120), note: pickOne(g, acceptNotes), toGrid: -1})
		}
		d.steps = append(d.steps, caseStep{action: eventaction.ActionVOID, actor: ops, gap: g.between(10, 120), toGrid: -1})
		start := o.e.start + g.between(15, 600)
		if start+d.duration() < g.clock.minutes() {
			g.duplicated[o.e] = true
			return g.simulate(d, start)
		}
	}
	return fmt.Errorf("demo events: no room for a duplicate %s case", e.kind.code)
}

// simulate places a draft's steps from working minute start on, resolves who took them, and
// derives the case's fields as the workflow would have left them.
func (g *eventGen) simulate(d *caseDraft, start int) error {
	e := d.e
	e.start = start
	lim := g.limits[e.kind.code]
	m := start
	var handlers []int
	for i, s := range d.steps {
		m += s.gap
		at := g.clock.at(m, g.r.IntN(60))
		to := nextStatus(s, e.status)
		a := actionRow{action: s.action, from: e.status, to: to, fromGrid: e.grid, toGrid: e.grid, actor: -1, note: s.note, at: at}
		if len(s.actor) > 0 {
			var exclude []int
			if s.verify {
				exclude = handlers
			}
			actor, err := g.resolve(s.actor, e, at, exclude)
			if err != nil {
				return fmt.Errorf("demo events: %s of a %s case: %w", s.action, e.kind.code, err)
			}
			a.actor = actor
		}
		if i > 0 {
			e.version++
		}
		switch s.action {
		case eventaction.ActionREPORT:
			e.grid, e.version, e.reportedAt = e.origin, 1, at
			a.from, a.toGrid = "", e.origin
			if e.source != event.SourceRESIDENT_REPORT {
				e.reporter = a.actor
			}
		case eventaction.ActionACCEPT:
			e.register(at, lim, g.cal)
		case eventaction.ActionDISPATCH:
			h, err := g.resolve(s.target, e, at, nil)
			if err != nil {
				return fmt.Errorf("demo events: handler of a %s case: %w", e.kind.code, err)
			}
			e.assignee = h
			if s.toGrid >= 0 {
				e.grid = s.toGrid
				a.note = fmt.Sprintf("转派%s，由%s处置", g.p.grids[s.toGrid].name, g.p.people[h].title)
			} else {
				a.note = fmt.Sprintf("派遣%s处置", g.p.people[h].title)
			}
			a.toGrid = e.grid
		case eventaction.ActionSTART:
			if e.assignee < 0 {
				e.assignee = a.actor
			}
			handlers = append(handlers, a.actor)
		case eventaction.ActionREPORT_BACK:
			handlers = append(handlers, a.actor)
			if len(e.photos) > 0 && len(e.photos) < 9 {
				e.photos = append(e.photos, photoURL(e.kind.code, g.r.IntN(1_000_000), "-after"))
			}
		case eventaction.ActionVERIFY_FAIL:
			e.rework++
		case eventaction.ActionCLOSE:
			e.closedAt = &at
		case eventaction.ActionESCALATE:
			parent := g.p.grids[e.grid].parent
			if parent < 0 {
				return fmt.Errorf("demo events: a %s case escalated above the root", e.kind.code)
			}
			e.grid, e.assignee = parent, -1
			e.escalations++
			a.toGrid = parent
			if e.registeredAt == nil {
				e.register(at, lim, g.cal)
			}
		case eventaction.ActionREQUEST_EXTENSION:
			base := *e.deadline
			if at.After(base) {
				base = at
			}
			nd := g.cal.Deadline(base, s.extend, workcal.WorkingDays)
			e.requestedDeadline = &nd
			a.note = fmt.Sprintf("%s，申请延期%d个工作日", s.note, s.extend)
		case eventaction.ActionAPPROVE_EXTENSION:
			e.deadline, e.requestedDeadline = e.requestedDeadline, nil
			e.timeLimit, e.deadlineFrom = nil, nil
		case eventaction.ActionVOID:
			e.closedAt = &at
		}
		e.status = to
		e.actions = append(e.actions, a)
	}
	if e.status != event.StatusCLOSED_FIXED && e.status != event.StatusCLOSED_NOT_FIXED {
		e.feedback = ""
	}
	if e.status == event.StatusVOIDED {
		e.assignee = -1
	}
	return nil
}

// register records a case's registration and computes its deadline.
func (e *eventRow) register(at time.Time, lim categoryLimit, cal *workcal.Calendar) {
	dl := cal.Deadline(at, lim.limit, workcal.Unit(lim.unit))
	e.registeredAt, e.deadline, e.limitUnit = &at, &dl, lim.unit
	e.timeLimit, e.deadlineFrom = &lim.limit, &at
}

// resolve finds the person a list of refs designates at instant at, skipping those in exclude.
func (g *eventGen) resolve(refs []caseRef, e *eventRow, at time.Time, exclude []int) (int, error) {
	for _, r := range refs {
		if r.assignee {
			if e.assignee >= 0 && !slices.Contains(exclude, e.assignee) {
				return e.assignee, nil
			}
			continue
		}
		var cands []int
		for _, ai := range g.holders[holderKey{r.grid, r.role, r.duty}] {
			a := g.p.assignments[ai]
			if a.from.After(at) || (!a.to.IsZero() && !a.to.After(at)) {
				continue
			}
			if (r.title != "" && !strings.Contains(a.title, r.title)) || (r.notTitle != "" && strings.Contains(a.title, r.notTitle)) {
				continue
			}
			if slices.Contains(exclude, a.person) || slices.Contains(cands, a.person) {
				continue
			}
			cands = append(cands, a.person)
		}
		if len(cands) > 0 {
			return cands[r.pick%len(cands)], nil
		}
	}
	return -1, fmt.Errorf("nobody holds any of %v at %v", refs, at)
}
