package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/household"
	"gridgov/ent/householdtag"
	"gridgov/ent/schema/track"
	"gridgov/ent/vehicle"
	"gridgov/internal/dailywork"
	"gridgov/internal/workcal"
)

// The demo's daily work (日访日查日报) is dated, like everything in the data set, at fixed
// moments in Asia/Shanghai, stored in UTC:
//   - patrols and daily reports cover the DailyDays days from DailyFrom (Monday 2026-11-02)
//     up to DailyUntil (the end of Sunday 2026-11-22);
//   - visits go back to VisitsFrom, so that every care level's visit interval
//     (dailywork.DefaultIntervals: 182, 91 and 30 days) fits in the history.
//
// DailyUntil is the moment the daily work describes: which household is overdue for a visit
// is reckoned from it.
var (
	DailyFrom  = time.Date(2026, 11, 2, 0, 0, 0, 0, workcal.Default().Location())
	DailyUntil = time.Date(2026, 11, 23, 0, 0, 0, 0, workcal.Default().Location())
	VisitsFrom = time.Date(2026, 4, 1, 0, 0, 0, 0, workcal.Default().Location())
)

// DailyDays is the number of days of patrols and daily reports.
const DailyDays = 21

// The seed of the daily work's PCG source, apart from the grid tree's and the cases'.
const dailySeed1, dailySeed2 = 0x4441_494c_5957, 0x2026_1102_1122

// DailySummary counts the daily work the database holds. Tagged counts the households that
// carry at least one plate (party-member or masses-representative household).
type DailySummary struct {
	Households, Tagged, Visits, Patrols, DailyReports int
}

// LoadDailyWork writes the demo's households, their plates and visits, and three weeks of
// patrols and daily reports in one transaction, and returns what the database holds. It needs
// the demo data set (Load). It is idempotent: when any household exists it writes nothing.
//
// Every level-3 grid's households field is its real number of households (120–450); the demo
// registers a sample of about 30 per grid, about 2,900 in all, with synthetic addresses, heads
// and phone numbers. About 80 % are ordinary, 14 % need attention and 6 % are vulnerable;
// about 8 % carry a party-member plate and 5 % a masses-representative plate, each with its
// post and pledge, hung in 2025. Visits by the grid's patroller, household representatives
// and grid head go back to VisitsFrom; most households are visited within their care level's
// interval, some are overdue, a few never visited. Each level-3 grid's patroller patrols most
// working days, sometimes by bicycle, with a GPS track around the grid; grid heads patrol
// about every other working day. Patrollers and grid heads file most days' reports, fewer at
// weekends, a few late.
func LoadDailyWork(ctx context.Context, client *ent.Client) (*DailySummary, error) {
	sys := authz.SystemContext(ctx, "load demo daily work")
	loaded, err := client.Household.Query().Exist(sys)
	if err != nil {
		return nil, fmt.Errorf("demo daily work: look for households: %w", err)
	}
	if loaded {
		return countDaily(sys, client)
	}
	p := build()
	ids, err := lookupIDs(sys, client, p)
	if err != nil {
		return nil, fmt.Errorf("demo daily work: %w", err)
	}
	plates := make([]string, len(p.vehicles))
	for i, v := range p.vehicles {
		plates[i] = v.plate
	}
	vs, err := client.Vehicle.Query().Where(vehicle.PlateIn(plates...)).
		Select(vehicle.FieldID, vehicle.FieldPlate).All(sys)
	if err != nil {
		return nil, fmt.Errorf("demo daily work: vehicles: %w", err)
	}
	byPlate := make(map[string]int, len(vs))
	for _, v := range vs {
		byPlate[v.Plate] = v.ID
	}
	vehicleIDs := make([]int, len(p.vehicles))
	for i, v := range p.vehicles {
		id, ok := byPlate[v.plate]
		if !ok {
			return nil, fmt.Errorf("demo daily work: vehicle %s missing: load the demo data set (demo.Load) first", v.plate)
		}
		vehicleIDs[i] = id
	}
	d := planDaily(p)
	if err := writeDailyTx(sys, client, d, ids, vehicleIDs); err != nil {
		// A concurrent LoadDailyWork may have won the race for the unique daily reports; its
		// data is the same as ours.
		if !ent.IsConstraintError(err) {
			return nil, err
		}
		if ok, qerr := client.Household.Query().Exist(sys); qerr != nil || !ok {
			return nil, err
		}
	}
	return countDaily(sys, client)
}

// countDaily counts the daily work in the database.
func countDaily(ctx context.Context, client *ent.Client) (*DailySummary, error) {
	var s DailySummary
	counts := []struct {
		dst *int
		n   func() (int, error)
	}{
		{&s.Households, func() (int, error) { return client.Household.Query().Count(ctx) }},
		{&s.Tagged, func() (int, error) { return client.Household.Query().Where(household.HasTags()).Count(ctx) }},
		{&s.Visits, func() (int, error) { return client.Visit.Query().Count(ctx) }},
		{&s.Patrols, func() (int, error) { return client.Patrol.Query().Count(ctx) }},
		{&s.DailyReports, func() (int, error) { return client.DailyReport.Query().Count(ctx) }},
	}
	for _, c := range counts {
		n, err := c.n()
		if err != nil {
			return nil, fmt.Errorf("demo daily work: count: %w", err)
		}
		*c.dst = n
	}
	return &s, nil
}

// writeDailyTx writes the daily work in one transaction.
func writeDailyTx(ctx context.Context, client *ent.Client, d *dailyPlan, ids *loadedIDs, vehicleIDs []int) (err error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo daily work: begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil {
				err = errors.Join(err, fmt.Errorf("demo daily work: rollback: %w", rerr))
			}
		}
	}()
	if err := writeDaily(ctx, tx, d, ids, vehicleIDs); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo daily work: commit: %w", err)
	}
	return nil
}

// inBatches calls write with the rows lo…hi-1 of n, at most batch at a time.
func inBatches(n int, write func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += batch {
		if err := write(lo, min(lo+batch, n)); err != nil {
			return err
		}
	}
	return nil
}

// writeDaily inserts households, then their plates and visits, then patrols and daily
// reports. The grid path of households, patrols and reports is copied by their hooks; plates
// and visits carry their household's grid path, set here as the dailywork package does.
func writeDaily(ctx context.Context, tx *ent.Tx, d *dailyPlan, ids *loadedIDs, vehicleIDs []int) error {
	hIDs := make([]int, len(d.households))
	err := inBatches(len(d.households), func(lo, hi int) error {
		bs := make([]*ent.HouseholdCreate, 0, hi-lo)
		for _, h := range d.households[lo:hi] {
			b := tx.Household.Create().
				SetCreatedAt(h.registered).SetUpdatedAt(h.registered).
				SetGridID(ids.grids[h.grid]).SetAddress(h.address).SetHeadName(h.head).
				SetMembers(h.members).SetPhone(h.phone).SetCareLevel(h.care).SetNotes(h.notes)
			if h.headPerson >= 0 {
				b.SetHeadPersonID(ids.people[h.headPerson])
			}
			bs = append(bs, b)
		}
		created, err := tx.Household.CreateBulk(bs...).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo daily work: create households %d-%d: %w", lo, hi, err)
		}
		for k, c := range created {
			hIDs[lo+k] = c.ID
		}
		return nil
	})
	if err != nil {
		return err
	}

	type tagRef struct{ household, tag int }
	var tags []tagRef
	for hi, h := range d.households {
		for ti := range h.tags {
			tags = append(tags, tagRef{hi, ti})
		}
	}
	err = inBatches(len(tags), func(lo, hi int) error {
		bs := make([]*ent.HouseholdTagCreate, 0, hi-lo)
		for _, ref := range tags[lo:hi] {
			h := &d.households[ref.household]
			t := h.tags[ref.tag]
			bs = append(bs, tx.HouseholdTag.Create().
				SetCreatedAt(t.hung).SetUpdatedAt(t.hung).
				SetHouseholdID(hIDs[ref.household]).SetKind(t.kind).SetPost(t.post).SetPledge(t.pledge).
				SetPlateHungAt(t.hung).SetGridPath(ids.paths[h.grid]))
		}
		if err := tx.HouseholdTag.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("demo daily work: create plates %d-%d: %w", lo, hi, err)
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = inBatches(len(d.visits), func(lo, hi int) error {
		bs := make([]*ent.VisitCreate, 0, hi-lo)
		for _, v := range d.visits[lo:hi] {
			bs = append(bs, tx.Visit.Create().
				SetCreatedAt(v.at).SetUpdatedAt(v.at).
				SetHouseholdID(hIDs[v.household]).SetVisitorID(ids.people[v.visitor]).SetVisitedAt(v.at).
				SetNotes(v.notes).SetConcerns(v.concerns).SetGridPath(ids.paths[d.households[v.household].grid]))
		}
		if err := tx.Visit.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("demo daily work: create visits %d-%d: %w", lo, hi, err)
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = inBatches(len(d.patrols), func(lo, hi int) error {
		bs := make([]*ent.PatrolCreate, 0, hi-lo)
		for _, r := range d.patrols[lo:hi] {
			b := tx.Patrol.Create().
				SetCreatedAt(r.end).SetUpdatedAt(r.end).
				SetGridID(ids.grids[r.grid]).SetPersonID(ids.people[r.person]).
				SetStartedAt(r.start).SetEndedAt(r.end).SetTrack(r.track).SetDistanceM(r.distance).
				SetFindings(r.findings)
			if r.vehicle >= 0 {
				b.SetVehicleID(vehicleIDs[r.vehicle])
			}
			bs = append(bs, b)
		}
		if err := tx.Patrol.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("demo daily work: create patrols %d-%d: %w", lo, hi, err)
		}
		return nil
	})
	if err != nil {
		return err
	}

	return inBatches(len(d.reports), func(lo, hi int) error {
		bs := make([]*ent.DailyReportCreate, 0, hi-lo)
		for _, r := range d.reports[lo:hi] {
			bs = append(bs, tx.DailyReport.Create().
				SetCreatedAt(r.submitted).SetUpdatedAt(r.submitted).
				SetPersonID(ids.people[r.person]).SetGridID(ids.grids[r.grid]).
				SetDay(r.day).SetSummary(r.summary).SetSubmittedAt(r.submitted))
		}
		if err := tx.DailyReport.CreateBulk(bs...).Exec(ctx); err != nil {
			return fmt.Errorf("demo daily work: create daily reports %d-%d: %w", lo, hi, err)
		}
		return nil
	})
}

// dailyPlan is the daily work in memory. Grids and people are indexes into the plan;
// households are indexes into dailyPlan.households. Times are UTC, whole seconds.
type dailyPlan struct {
	households []householdRow
	visits     []visitRow
	patrols    []patrolRow
	reports    []reportRow
}

type householdRow struct {
	grid       int
	address    string
	head       string
	headPerson int // person index, -1 when the head is not in the system
	members    int
	phone      string
	care       household.CareLevel
	notes      string
	registered time.Time
	tags       []tagRow
}

type tagRow struct {
	kind         householdtag.Kind
	post, pledge string
	hung         time.Time
}

type visitRow struct {
	household       int
	visitor         int
	at              time.Time
	notes, concerns string
}

type patrolRow struct {
	grid, person int
	start, end   time.Time
	track        []track.Point
	distance     float64
	vehicle      int // index into plan.vehicles, -1 for on foot
	findings     string
}

type reportRow struct {
	person, grid int
	day          string
	summary      string
	submitted    time.Time
}

// careShares are the shares of households by care level, in per mille.
var careShares = []struct {
	level    household.CareLevel
	perMille int
	overdue  float64 // share of households overdue for a visit
}{
	{household.CareLevelORDINARY, 800, 0.06},
	{household.CareLevelNEEDS_ATTENTION, 140, 0.10},
	{household.CareLevelVULNERABLE, 60, 0.15},
}

// Shares of households carrying a plate.
const partyShare, massesShare = 0.08, 0.05

// plateRow is a plate's post and the pledge printed on it.
type plateRow struct{ post, pledge string }

var plateTexts = map[householdtag.Kind][]plateRow{
	householdtag.KindPARTY_MEMBER_HOUSEHOLD: {
		{"政策宣传岗", "我是共产党员，带头学习宣传党的政策，及时向邻里传达村里大事，做到政策进户、家喻户晓。"},
		{"环境卫生监督岗", "我是共产党员，带头落实门前三包，房前屋后干净整洁，发现乱堆乱放及时劝导、及时报告。"},
		{"邻里纠纷调解岗", "我是共产党员，带头和睦邻里，主动化解身边矛盾纠纷，做到小事不出组、大事不出村。"},
		{"安全隐患排查岗", "我是共产党员，带头排查身边安全隐患，发现火灾、用电、燃气隐患及时报告网格员。"},
		{"关爱帮扶岗", "我是共产党员，结对帮扶困难户和独居老人，每周上门看望，有事帮办。"},
		{"文明新风倡导岗", "我是共产党员，带头移风易俗，红事新办、白事简办，不攀比、不铺张。"},
	},
	householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD: {
		{"民情收集岗", "我是群众代表，及时收集邻里意见建议，如实向网格反映，做到下情上达。"},
		{"环境卫生监督岗", "我是群众代表，管好自家门前卫生，监督身边环境整治，发现问题及时反映。"},
		{"邻里纠纷调解岗", "我是群众代表，做邻里和睦的带头人，遇到纠纷主动劝解、及时报告。"},
		{"安全隐患排查岗", "我是群众代表，留心身边安全隐患，发现险情第一时间报告网格员。"},
		{"村（居）务监督岗", "我是群众代表，参与监督村（居）务公开，对集体事务敢说真话、敢提建议。"},
	},
}

// Private notes on households, by care level.
var householdNotes = map[household.CareLevel][]string{
	household.CareLevelORDINARY: {
		"常年外出务工，家中常住2人", "经营小卖部", "家中有出租房屋，已登记租户信息", "新迁入户",
		"子女在郑州市区工作，老人在家", "从事蔬菜种植",
	},
	household.CareLevelNEEDS_ATTENTION: {
		"家中有长期卧床病人", "空巢老人，子女每月回家一次", "宅基地纠纷调解后需回访", "刑满释放人员家庭，已纳入帮教",
		"家中有精神障碍患者，需督促按时服药", "出租房屋租户流动大，需关注消防安全", "困难家庭，两个孩子上学负担重",
	},
	household.CareLevelVULNERABLE: {
		"独居老人，年近八旬，行动不便，子女在外地", "低保户，户主患慢性病", "重度残疾人家庭，已办理两项补贴",
		"留守老人照看两名留守儿童", "特困供养人员，分散供养", "空巢老人，听力较差，入户需大声沟通",
	},
}

// What visitors write, by care level.
var visitNotes = map[household.CareLevel][]string{
	household.CareLevelORDINARY: {
		"入户走访，了解家庭生产生活情况，无异常。", "宣传冬季防火和燃气安全知识，发放宣传页。",
		"核实家庭人口信息，更新台账。", "宣传反诈知识，指导安装国家反诈中心App。",
		"了解就业情况，宣传街道招聘信息。", "宣传城乡居民医保缴费政策。",
	},
	household.CareLevelNEEDS_ATTENTION: {
		"回访了解近况，情绪稳定。", "了解病人治疗情况，提醒按时复诊。", "回访纠纷调解情况，双方无新矛盾。",
		"检查出租房屋消防器材，提醒租户安全用电。", "了解家庭困难情况，讲解救助政策。",
	},
	household.CareLevelVULNERABLE: {
		"看望独居老人，身体状况良好，检查了取暖设施。", "送去米面油，了解生活需求。",
		"协助预约社区卫生院上门体检。", "检查家中用电用气安全，更换老化插座一处。",
		"帮助代缴水电费，陪同聊天。",
	},
}

// Concerns households raise; %s is a landmark.
var visitConcerns = []string{
	"反映%s附近路灯不亮，夜间出行不便。", "反映门前排水沟堵塞，下雨积水。", "反映隔壁院内堆放杂物，存在火灾隐患。",
	"反映%s有人占道经营，影响通行。", "希望协助办理城乡居民医保续缴。", "反映自来水水压低，高峰时段停水。",
	"反映楼道内有电动车充电，担心安全。", "反映%s旁垃圾清运不及时。", "反映养老金到账时间推迟，希望帮助查询。",
}

// What patrols find, by the kind of grid; %s is a landmark.
var patrolFindings = map[grid.Kind][]string{
	grid.KindVILLAGER_GROUP: {
		"发现%s旁有生活垃圾堆放，已通知保洁员现场清运。", "发现村内道路占道晾晒粮食，已劝导移至晒场。",
		"发现一处废弃房屋墙体开裂，已设置警示带并上报村委会。", "发现疑似违法建设（加盖彩钢房），已劝停并上报。",
		"发现%s旁焚烧落叶，已现场制止并宣传禁烧规定。",
	},
	grid.KindRESIDENTIAL_COMPOUND: {
		"发现楼道内电动车充电，已现场劝导并讲解消防安全。", "发现消防通道被车辆堵塞，已联系车主挪车。",
		"发现一处下水井盖破损，已设置警示并报物业维修。", "发现楼道堆放杂物，已通知住户清理。",
	},
	grid.KindKEY_ENTERPRISE: {
		"发现厂区消防通道堆放货物，已督促企业当场清理。", "发现灭火器过期2具，已告知企业安全员更换。",
		"发现单位门口车辆乱停，已协调门卫疏导。",
	},
}

// Why a patroller who filed a working day's report did not patrol.
var noPatrolReasons = []string{
	"今日参加街道网格员业务培训，未巡查。", "今日协助入户核查医保参保情况，未巡查。", "今日请假半天，未巡查。",
	"今日配合村（居）委会处置矛盾纠纷，未巡查。",
}

// patrolRadius is how far from its centre a patrol of a grid of this kind roams, in metres.
var patrolRadius = map[grid.Kind]float64{
	grid.KindVILLAGER_GROUP:       250,
	grid.KindRESIDENTIAL_COMPOUND: 120,
	grid.KindKEY_ENTERPRISE:       150,
}

// Speeds of patrols, km/h: walking, or riding a patrol bicycle; the GPS fixes are never
// further apart than the speed allows.
const (
	walkMin, walkMax = 2.5, 5.0
	rideMin, rideMax = 7.0, 12.0
)

// dailyGen plans the daily work.
type dailyGen struct {
	p       *plan
	r       *rand.Rand
	n       *names
	cal     *workcal.Calendar
	loc     *time.Location
	centres map[int][2]float64
	byGrid  map[int][]int // assignment indexes by grid index
	l3      []int         // level-3 grid indexes
	d       dailyPlan
	// visitsOn counts the visits a person made on a local day.
	visitsOn map[personDay]int
	// patrolOf is the patrol a person made on a local day.
	patrolOf map[personDay]int
}

type personDay struct {
	person int
	day    string
}

// planDaily plans the daily work over the demo plan p. It is a pure function of p.
func planDaily(p *plan) *dailyPlan {
	r := rand.New(rand.NewPCG(dailySeed1, dailySeed2))
	cal := workcal.Default()
	g := &dailyGen{
		p: p, r: r, n: newNames(r), cal: cal, loc: cal.Location(),
		centres: gridCentres(p), byGrid: map[int][]int{},
		visitsOn: map[personDay]int{}, patrolOf: map[personDay]int{},
	}
	for _, r := range p.people {
		// Heads of household are neither named nor numbered like any staff member.
		g.n.used[r.name] = true
		g.n.phones[r.phone] = true
	}
	for i, a := range p.assignments {
		g.byGrid[a.grid] = append(g.byGrid[a.grid], i)
	}
	for i, gr := range p.grids {
		if gr.depth == 3 {
			g.l3 = append(g.l3, i)
		}
	}
	g.households()
	g.visits()
	g.patrols()
	g.reports()
	return &g.d
}

// gridCentres are the centres of the level-2 and level-3 grids, the same the demo's cases
// are located around (eventGen.locate draws them first from the cases' source).
func gridCentres(p *plan) map[int][2]float64 {
	eg := &eventGen{p: p, r: rand.New(rand.NewPCG(eventSeed1, eventSeed2)), sub: 1, centres: map[int][2]float64{}}
	eg.locate()
	return eg.centres
}

func (g *dailyGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *dailyGen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func pickDaily[T any](g *dailyGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// text fills a landmark into templates that take one.
func (g *dailyGen) text(s string) string {
	if strings.Contains(s, "%s") {
		return fmt.Sprintf(s, pickDaily(g, landmarks))
	}
	return s
}

// localDay is the midnight (Asia/Shanghai) starting the day that contains t.
func (g *dailyGen) localDay(t time.Time) time.Time {
	l := t.In(g.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.loc)
}

// clockAt is the moment minute m (and second s) of the local day starting at midnight.
func clockAt(midnight time.Time, m, s int) time.Time {
	return midnight.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second).UTC()
}

// holders returns the people holding, at t, an assignment on grid gi that match accepts, in
// the order of their assignments.
func (g *dailyGen) holders(gi int, t time.Time, match func(a *assignmentRow) bool) []int {
	var out []int
	for _, ai := range g.byGrid[gi] {
		a := &g.p.assignments[ai]
		if a.from.After(t) || !a.to.IsZero() && !t.Before(a.to) || !match(a) {
			continue
		}
		if !slices.Contains(out, a.person) {
			out = append(out, a.person)
		}
	}
	return out
}

func holdsDuty(d assignment.Duty) func(a *assignmentRow) bool {
	return func(a *assignmentRow) bool { return a.role == assignment.RoleSPECIFIC_RESPONSIBLE && a.duty == d }
}

func holdsGridHead(a *assignmentRow) bool { return a.role == assignment.RoleGRID_HEAD }

// households registers about 30 households on every level-3 grid. A grid's households field
// is its real number of households; the demo registers only this sample of them.
func (g *dailyGen) households() {
	// Plates were hung at one ceremony per village: party-member households around 1 July
	// 2025, masses-representative households in September.
	ceremonies := map[int][2]time.Time{}
	for _, l2 := range g.p.grids[1].children {
		party := time.Date(2025, 6, 16+g.r.IntN(14), 0, 0, 0, 0, g.loc)
		masses := time.Date(2025, 9, 8+g.r.IntN(21), 0, 0, 0, 0, g.loc)
		ceremonies[l2] = [2]time.Time{party, masses}
	}
	for _, gi := range g.l3 {
		gr := &g.p.grids[gi]
		addresses := g.addresses(gi, g.between(24, 36))
		// The villager-group leader, household representatives and compound heads live on
		// their grid: up to three of them head a registered household.
		var residents []int
		for pi, r := range g.p.people {
			if r.grid == gi && (r.title == "村民组长" || r.title == "联户代表" || r.title == "楼院长") && len(residents) < 3 {
				residents = append(residents, pi)
			}
		}
		heads := g.r.Perm(len(addresses))[:len(residents)]
		first := len(g.d.households)
		for _, addr := range addresses {
			h := householdRow{grid: gi, address: addr, headPerson: -1}
			roll := g.r.IntN(1000)
			for _, s := range careShares {
				if roll < s.perMille {
					h.care = s.level
					break
				}
				roll -= s.perMille
			}
			female := 0.25
			switch h.care {
			case household.CareLevelVULNERABLE:
				female = 0.5
				h.members = []int{1, 1, 1, 2, 2, 3}[g.r.IntN(6)]
			case household.CareLevelNEEDS_ATTENTION:
				h.members = g.between(1, 5)
			default:
				h.members = []int{2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6}[g.r.IntN(11)]
			}
			h.head = g.n.person(g.chance(female))
			if g.chance(0.93) {
				h.phone = g.n.phone()
			}
			if h.care != household.CareLevelORDINARY || g.chance(0.12) {
				h.notes = pickDaily(g, householdNotes[h.care])
			}
			h.registered = clockAt(time.Date(2025, 3, 1, 0, 0, 0, 0, g.loc).AddDate(0, 0, g.r.IntN(92)), g.between(9*60, 17*60), 0)
			c := ceremonies[gr.parent]
			if g.chance(partyShare) {
				post := pickDaily(g, plateTexts[householdtag.KindPARTY_MEMBER_HOUSEHOLD])
				h.tags = append(h.tags, tagRow{householdtag.KindPARTY_MEMBER_HOUSEHOLD, post.post, post.pledge, clockAt(c[0], 10*60, g.r.IntN(3600))})
			}
			if g.chance(massesShare) {
				post := pickDaily(g, plateTexts[householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD])
				h.tags = append(h.tags, tagRow{householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD, post.post, post.pledge, clockAt(c[1], 10*60, g.r.IntN(3600))})
			}
			g.d.households = append(g.d.households, h)
		}
		for k, pi := range residents {
			h := &g.d.households[first+heads[k]]
			h.headPerson, h.head, h.phone = pi, g.p.people[pi].name, g.p.people[pi].phone
			h.care, h.notes, h.members = household.CareLevelORDINARY, "", max(h.members, 2)
		}
	}
}

// addresses returns n distinct synthetic addresses on level-3 grid gi, in order: house
// numbers in a villager group (三王庄村一组23号), flats in a compound (须水社区3号院2号楼1单元401)
// or in an enterprise's or institution's staff housing.
func (g *dailyGen) addresses(gi, n int) []string {
	gr := &g.p.grids[gi]
	parent := &g.p.grids[gr.parent]
	if gr.kind == grid.KindVILLAGER_GROUP {
		group := slices.Index(parent.children, gi)
		numbers := g.r.Perm(gr.households)[:n]
		slices.Sort(numbers)
		out := make([]string, n)
		for k, num := range numbers {
			out[k] = fmt.Sprintf("%s%s组%d号", parent.name, ordinals[group], num+1)
		}
		return out
	}
	prefix, buildings, units, floors := gr.name, max(2, gr.households/50), 3, 6
	if gr.kind == grid.KindKEY_ENTERPRISE {
		units = 2
		if strings.HasSuffix(gr.name, "有限公司") {
			prefix = gr.name + "职工宿舍"
		} else {
			prefix = gr.name + "家属院"
		}
	}
	type flat struct{ building, unit, floor, door int }
	seen := map[flat]bool{}
	var flats []flat
	for len(flats) < n {
		f := flat{g.between(1, buildings), g.between(1, units), g.between(1, floors), g.between(1, 2)}
		if !seen[f] {
			seen[f] = true
			flats = append(flats, f)
		}
	}
	slices.SortFunc(flats, func(a, b flat) int {
		return cmpInts(a.building, b.building, a.unit, b.unit, a.floor, b.floor, a.door, b.door)
	})
	out := make([]string, n)
	for k, f := range flats {
		out[k] = fmt.Sprintf("%s%d号楼%d单元%d%02d", prefix, f.building, f.unit, f.floor, f.door)
	}
	return out
}

// cmpInts compares pairs (a1, b1), (a2, b2) … in turn.
func cmpInts(pairs ...int) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := pairs[i] - pairs[i+1]; c != 0 {
			return c
		}
	}
	return 0
}

// visits plans every household's visits, walking back from DailyUntil: the last one within
// the care level's interval (for most households) or beyond it (overdue, some never
// visited), earlier ones every half to whole interval back to VisitsFrom.
func (g *dailyGen) visits() {
	span := DailyUntil.Sub(VisitsFrom).Hours() / 24
	for hi := range g.d.households {
		h := &g.d.households[hi]
		interval := float64(dailywork.DefaultIntervals[h.care])
		var overdue float64
		for _, s := range careShares {
			if s.level == h.care {
				overdue = s.overdue
			}
		}
		var age float64 // days before DailyUntil
		if g.chance(overdue) {
			if g.chance(0.3) {
				continue // never visited
			}
			// At least two days past the interval, whatever the time of day.
			age = interval + 2 + g.r.Float64()*math.Min(45, interval/2)
		} else {
			// At most 0.92 of the interval: within it, whatever the time of day.
			age = interval * (0.02 + 0.9*g.r.Float64())
		}
		for ; age < span-1; age += interval * (0.5 + 0.45*g.r.Float64()) {
			day := g.localDay(DailyUntil.Add(-time.Duration(age * float64(24*time.Hour))))
			m := g.between(8*60+30, 11*60+30)
			if g.chance(0.5) {
				m = g.between(14*60+30, 18*60)
			}
			at := clockAt(day, m, 0)
			v := visitRow{household: hi, at: at, visitor: g.visitor(h.grid, at), notes: pickDaily(g, visitNotes[h.care])}
			if g.chance(0.06) {
				v.concerns = g.text(pickDaily(g, visitConcerns))
			}
			g.d.visits = append(g.d.visits, v)
		}
	}
	slices.SortStableFunc(g.d.visits, func(a, b visitRow) int { return a.at.Compare(b.at) })
	for _, v := range g.d.visits {
		g.visitsOn[personDay{v.visitor, workcal.LocalDay(v.at, g.loc)}]++
	}
}

// visitor picks who visits a household of grid gi at t: a household representative, the
// patroller or the grid head, whoever held the role then.
func (g *dailyGen) visitor(gi int, at time.Time) int {
	groups := [][]int{
		g.holders(gi, at, holdsDuty(assignment.DutyHOUSEHOLD_REPRESENTATIVE)),
		g.holders(gi, at, holdsDuty(assignment.DutyPATROLLER)),
		g.holders(gi, at, holdsGridHead),
	}
	weights := []float64{0.5, 0.35, 0.15}
	x := g.r.Float64()
	choice := len(groups) - 1
	for i, w := range weights {
		if x < w {
			choice = i
			break
		}
		x -= w
	}
	for k := range groups {
		if ps := groups[(choice+k)%len(groups)]; len(ps) > 0 {
			return pickDaily(g, ps)
		}
	}
	panic(fmt.Sprintf("demo daily work: nobody to visit households of %s at %v", g.p.grids[gi].code, at))
}

// periodDays returns the local midnights of the DailyDays days.
func periodDays() []time.Time {
	out := make([]time.Time, DailyDays)
	for i := range out {
		out[i] = DailyFrom.AddDate(0, 0, i)
	}
	return out
}

// gridHeads returns the people heading level-3 grids during the period and the grids each
// heads, in the order of the grids.
func (g *dailyGen) gridHeads() ([]int, map[int][]int) {
	var heads []int
	grids := map[int][]int{}
	for _, gi := range g.l3 {
		for _, pi := range g.holders(gi, DailyFrom, holdsGridHead) {
			if _, ok := grids[pi]; !ok {
				heads = append(heads, pi)
			}
			grids[pi] = append(grids[pi], gi)
		}
	}
	return heads, grids
}

// patrols plans the period's patrols: every level-3 grid's patroller on most working days
// and a few weekend days; grid heads about every other working day, on each of their grids
// in turn.
func (g *dailyGen) patrols() {
	ds := periodDays()
	for _, gi := range g.l3 {
		l2 := g.p.grids[gi].parent
		for _, day := range ds {
			p := 0.1
			if g.cal.IsWorkingDay(day.Add(12 * time.Hour)) {
				p = 0.85
			}
			if !g.chance(p) {
				continue
			}
			ps := g.holders(gi, day.Add(12*time.Hour), holdsDuty(assignment.DutyPATROLLER))
			if len(ps) == 0 {
				continue
			}
			pi := ps[0]
			vi := -1
			own, spare := -1, -1
			for k, v := range g.p.vehicles {
				switch {
				case !v.inService || v.grid != l2:
				case v.person == pi && own < 0:
					own = k
				case v.person < 0 && spare < 0:
					spare = k
				}
			}
			switch {
			case own >= 0 && g.chance(0.45):
				vi = own
			case own < 0 && spare >= 0 && g.chance(0.15):
				vi = spare
			}
			g.patrol(gi, pi, day, g.between(30, 119), vi)
		}
	}
	heads, grids := g.gridHeads()
	for _, pi := range heads {
		turn := 0
		for _, day := range ds {
			if !g.cal.IsWorkingDay(day.Add(12*time.Hour)) || !g.chance(0.45) {
				continue
			}
			gs := grids[pi]
			g.patrol(gs[turn%len(gs)], pi, day, g.between(30, 59), -1)
			turn++
		}
	}
	slices.SortStableFunc(g.d.patrols, func(a, b patrolRow) int { return a.start.Compare(b.start) })
	for i, r := range g.d.patrols {
		g.patrolOf[personDay{r.person, workcal.LocalDay(r.start, g.loc)}] = i
	}
}

// patrol plans one patrol of minutes (plus some seconds) in the working hours of the local
// day starting at midnight, with vehicle vi (-1 on foot).
func (g *dailyGen) patrol(gi, pi int, midnight time.Time, minutes, vi int) {
	secs := minutes*60 + g.r.IntN(60)
	from, window := 9*60, 180 // morning session, minutes
	if g.chance(0.45) {
		from, window = 13*60+30, 270
	}
	start := clockAt(midnight, from, 0).Add(time.Duration(g.r.IntN(window*60-secs+1)) * time.Second)
	end := start.Add(time.Duration(secs) * time.Second)
	r := patrolRow{grid: gi, person: pi, start: start, end: end, vehicle: vi}
	r.track, r.distance = g.track(gi, start, end, vi >= 0)
	if g.chance(0.12) {
		r.findings = g.text(pickDaily(g, patrolFindings[g.p.grids[gi].kind]))
	}
	g.d.patrols = append(g.d.patrols, r)
}

// track plans a GPS track of 10–40 fixes between start and end around grid gi's centre:
// the patroller walks (or rides) from waypoint to waypoint inside the grid at a plausible
// speed, so that consecutive fixes are never further apart than that speed allows. It
// returns the track and its length in metres as the server computes it.
func (g *dailyGen) track(gi int, start, end time.Time, ride bool) ([]track.Point, float64) {
	n := g.between(10, 40)
	first := int64(g.r.IntN(31))
	last := int64(end.Sub(start).Seconds()) - int64(g.r.IntN(31))
	spacing := float64(last-first) / float64(n-1)
	at := make([]int64, n)
	for i := range at {
		at[i] = first + int64(math.Round(float64(i)*spacing))
		if i > 0 && i < n-1 {
			at[i] += int64(math.Round((g.r.Float64() - 0.5) * 0.6 * spacing))
		}
		if i > 0 && at[i] <= at[i-1] {
			at[i] = at[i-1] + 1
		}
	}

	radius := patrolRadius[g.p.grids[gi].kind]
	inDisk := func(r float64) [2]float64 {
		rho, phi := r*math.Sqrt(g.r.Float64()), 2*math.Pi*g.r.Float64()
		return [2]float64{rho * math.Cos(phi), rho * math.Sin(phi)}
	}
	pos := inDisk(40) // from near the grid's centre: its office, gate or notice board
	way := inDisk(radius)
	centre := g.centres[gi]
	const metresPerDegree = 111_320.0
	lngScale := metresPerDegree * math.Cos(centre[0]*math.Pi/180)
	points := make([]track.Point, n)
	var dist float64
	for i := range points {
		if i > 0 {
			lo, hi := walkMin, walkMax
			if ride {
				lo, hi = rideMin, rideMax
			}
			kmh := lo + (hi-lo)*g.r.Float64()
			if g.chance(0.12) {
				kmh = 0.5 * g.r.Float64() // stopped to talk or look
			}
			budget := kmh / 3.6 * float64(at[i]-at[i-1])
			for step := 0; budget > 0 && step < 100; step++ {
				dx, dy := way[0]-pos[0], way[1]-pos[1]
				d := math.Hypot(dx, dy)
				if d > budget {
					pos = [2]float64{pos[0] + dx/d*budget, pos[1] + dy/d*budget}
					break
				}
				pos, budget = way, budget-d
				way = inDisk(radius)
			}
		}
		lat := math.Round((centre[0]+pos[1]/metresPerDegree)*1e6) / 1e6
		lng := math.Round((centre[1]+pos[0]/lngScale)*1e6) / 1e6
		points[i] = track.Point{Lat: lat, Lng: lng, At: start.Add(time.Duration(at[i]) * time.Second).UTC().Format(time.RFC3339)}
		if i > 0 {
			dist += dailywork.Haversine(points[i-1].Lat, points[i-1].Lng, lat, lng)
		}
	}
	return points, math.Round(dist)
}

// reports plans the daily reports of the level-3 patrollers and the grid heads: most days,
// more gaps at weekends, a few filed the next morning or the one after. The summary tells
// the day's patrol and visits as the records have them.
func (g *dailyGen) reports() {
	type reporter struct {
		person int
		grids  []int // the report's grid is the first
		head   bool
	}
	var reporters []reporter
	for _, gi := range g.l3 {
		for _, pi := range g.holders(gi, DailyFrom, holdsDuty(assignment.DutyPATROLLER)) {
			reporters = append(reporters, reporter{pi, []int{gi}, false})
		}
	}
	heads, grids := g.gridHeads()
	for _, pi := range heads {
		reporters = append(reporters, reporter{pi, grids[pi], true})
	}
	for _, rp := range reporters {
		for _, midnight := range periodDays() {
			day := midnight.Format(time.DateOnly)
			working := g.cal.IsWorkingDay(midnight.Add(12 * time.Hour))
			pi, patrolled := g.patrolOf[personDay{rp.person, day}]
			p := 0.65
			switch {
			case patrolled:
				p = 0.9
			case working:
				p = 0.8
			}
			if !g.chance(p) {
				continue
			}
			var parts []string
			if rp.head {
				parts = append(parts, "督导"+g.gridNames(rp.grids)+"网格工作")
			}
			var after time.Time
			switch {
			case patrolled:
				r := &g.d.patrols[pi]
				s := fmt.Sprintf("巡查%s%d分钟，行程%.1f公里", g.p.grids[r.grid].name,
					int(r.end.Sub(r.start).Minutes()), r.distance/1000)
				if r.vehicle >= 0 {
					s += "（骑行巡逻车" + g.p.vehicles[r.vehicle].plate + "）"
				}
				parts = append(parts, s)
				if r.findings != "" {
					parts = append(parts, r.findings)
				} else {
					parts = append(parts, "未发现异常")
				}
				after = r.end
			case !working:
				parts = append(parts, "周末在岗值守，网格内情况平稳")
			case !rp.head:
				parts = append(parts, strings.TrimSuffix(pickDaily(g, noPatrolReasons), "。"))
			}
			if n := g.visitsOn[personDay{rp.person, day}]; n > 0 {
				parts = append(parts, fmt.Sprintf("走访群众%d户", n))
			}
			if rp.head {
				parts = append(parts, "查阅网格员日报，督促问题整改")
			}
			submitted := clockAt(midnight, 17*60+30+g.r.IntN(240), g.r.IntN(60))
			if late := clockAt(midnight.AddDate(0, 0, g.between(1, 2)), 8*60+g.r.IntN(120), g.r.IntN(60)); g.chance(0.08) && late.Before(DailyUntil) {
				submitted = late
			}
			if !after.IsZero() && submitted.Before(after) {
				submitted = after.Add(time.Duration(g.between(5, 30)) * time.Minute)
			}
			g.d.reports = append(g.d.reports, reportRow{
				person: rp.person, grid: rp.grids[0], day: day,
				summary: strings.Join(parts, "；") + "。", submitted: submitted,
			})
		}
	}
}

// gridNames names a grid head's grids: one or two by name, more as "A等N个".
func (g *dailyGen) gridNames(gs []int) string {
	switch len(gs) {
	case 1:
		return g.p.grids[gs[0]].name
	case 2:
		return g.p.grids[gs[0]].name + "、" + g.p.grids[gs[1]].name
	}
	return fmt.Sprintf("%s等%d个", g.p.grids[gs[0]].name, len(gs))
}
