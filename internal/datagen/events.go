package datagen

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gridgov/ent/event"
	"gridgov/ent/eventaction"
	"gridgov/ent/schema/timeunit"
	"gridgov/internal/demo"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// handlerKind is who handles a category's cases: someone on the leaf grid, or a village
// specialist.
type handlerKind int

const (
	byPatroller handlerKind = iota
	byCleaner
	byLead
	byUrban
	byLand
	bySafety
	bySocial
)

// caseSpec is how often cases of a category occur, who handles them and how they read.
type caseSpec struct {
	weight  int
	handler handlerKind
	titles  []string
	unit    string
	qty     [2]float64
}

// caseSpecs are the minor categories of workflow.Taxonomy (and OTHER, which has none), in the
// proportions of the Xushui article: garbage, signboards and road occupation dominate.
var caseSpecs = map[string]caseSpec{
	"EXPOSED_GARBAGE":           {20, byCleaner, []string{"道路两侧暴露垃圾", "垃圾桶满溢未及时清运", "绿化带内散落垃圾"}, "m³", [2]float64{0.5, 5}},
	"GARBAGE_PILE":              {10, byCleaner, []string{"积存垃圾渣土未清运", "空地堆放建筑垃圾"}, "m³", [2]float64{2, 60}},
	"ILLEGAL_SIGNBOARD":         {15, byUrban, []string{"违规设置户外广告牌", "店铺门头牌匾不规范", "沿街违规悬挂横幅广告"}, "块", [2]float64{1, 4}},
	"ROAD_OCCUPYING_BUSINESS":   {12, byPatroller, []string{"流动摊贩占道经营", "商户出店经营占用人行道", "早市摊点占道经营"}, "", [2]float64{}},
	"ILLEGAL_POSTER":            {8, byCleaner, []string{"电线杆张贴非法小广告", "墙面喷涂小广告"}, "处", [2]float64{1, 20}},
	"ILLEGAL_CONSTRUCTION_STOP": {3, byLand, []string{"发现正在施工的违法建设", "私自加盖房屋"}, "m²", [2]float64{10, 200}},
	"ILLEGAL_CONSTRUCTION":      {2, byLand, []string{"违法建设待拆除", "违规搭建彩钢棚"}, "m²", [2]float64{20, 500}},
	"ILLEGAL_LAND_USE":          {1, byLand, []string{"违法占用耕地", "私自圈占集体土地"}, "m²", [2]float64{50, 2000}},
	"FIRE_HAZARD":               {4, bySafety, []string{"消防通道被占用", "电动车楼道充电", "消防器材缺失过期"}, "", [2]float64{}},
	"PRODUCTION_SAFETY":         {2, bySafety, []string{"企业安全生产隐患", "危化品存放不规范"}, "", [2]float64{}},
	"DAMAGED_FACILITY":          {6, byPatroller, []string{"路灯损坏", "井盖缺失", "道路护栏损坏"}, "处", [2]float64{1, 3}},
	"NEIGHBOUR_DISPUTE":         {5, byLead, []string{"邻里宅基地纠纷", "邻里噪音纠纷", "排水引发邻里纠纷"}, "", [2]float64{}},
	"LABOUR_DISPUTE":            {1, bySocial, []string{"拖欠农民工工资", "劳动合同纠纷"}, "", [2]float64{}},
	"ASSISTANCE_REQUEST":        {3, bySocial, []string{"独居老人求助", "困难家庭申请救助"}, "", [2]float64{}},
	"POLLUTION":                 {2, byUrban, []string{"污水直排", "企业异味扰民"}, "", [2]float64{}},
	"BURNING":                   {3, byPatroller, []string{"露天焚烧秸秆", "焚烧垃圾"}, "", [2]float64{}},
	"OTHER":                     {3, byLead, []string{"其他问题反映"}, "", [2]float64{}},
}

// Notes of the steps and feedback; like the demo's they name no person.
var (
	placeTexts    = []string{"%d号附近", "%d号门前", "东侧路口", "西侧空地", "南侧道路旁", "北侧空地", "文化广场旁", "主干道边"}
	acceptNotes   = []string{"已受理，予以立案", "经核实情况属实，立案处理", "立案"}
	dispatchNotes = []string{"请尽快到现场处置", "派遣处置，按时反馈", "请按时限要求处置"}
	startNotes    = []string{"已到达现场，开始处置", "现场核实，开始处置", "已联系当事人，开始处置"}
	backNotes     = []string{"已处置完毕，请核查", "整改完成，附现场照片", "处置完毕"}
	failNotes     = []string{"现场核查未整改到位，退回返工", "回访群众反映问题仍未解决，退回重新处置"}
	passNotes     = []string{"现场核查，整改到位", "核查通过", "现场复核，问题已解决"}
	fixedTexts    = []string{"问题已解决，现场已恢复正常", "已督促整改到位，纳入日常巡查", "已依法处置完毕，群众满意"}
	notFixedTexts = []string{"当事人拒不整改，已移交执法部门", "属历史遗留问题，暂不具备解决条件，已做好解释工作"}
)

// category is a case category as loaded from the database, with its spec.
type category struct {
	id        int
	code      string
	limit     int
	limitUnit timeunit.Unit
	caseSpec
}

// trackingModulus is the number of 12-character tracking codes over workflow's alphabet.
const trackingModulus = 787_662_783_788_549_761 // 31^12

// The codes are written in base 31: this fails to compile unless workflow's alphabet has
// exactly 31 characters.
const _ = uint(len(workflow.TrackingAlphabet)-31) + uint(31-len(workflow.TrackingAlphabet))

// eventGen generates cases in the order they were reported, so that ids grow with time.
type eventGen struct {
	p          *plan
	r          *rand.Rand
	cal        *workcal.Calendar
	cats       []category
	cum        []int
	days       []time.Time // local midnights of the window
	perDay     []int       // cases reported on each day
	day, left  int         // the day being generated and how many of its cases are left
	times      []time.Time // the day's report times, in order
	mul, add   uint64      // tracking codes: a bijection of the case number
	lastOnLeaf []int       // last case id reported on each leaf, 0 for none
	n          int         // cases generated
	actionID   int
}

// eventRow is a case as its timeline left it; grid fields are grid indexes, people person
// indexes (-1 for none).
type eventRow struct {
	id                              int
	code, source, title, desc, addr string
	lat, lng                        float64
	photos                          any
	qty                             any
	unit                            string
	status                          event.Status
	reported, updated               time.Time
	registered, deadline, requested time.Time
	closed                          time.Time
	limitUnit                       any
	feedback                        string
	rework, escalations, version    int
	reporterName, reporterPhone     string
	grid, origin                    int
	cat                             *category
	reporter, assignee              int
	duplicateOf                     any
}

type actionRow struct {
	id               int
	action           eventaction.Action
	from             any // nil for the report
	to               event.Status
	fromGrid, toGrid int // grid indexes; fromGrid -1 for the report
	note             string
	event, actor     int // actor -1: the public
	at               time.Time
}

func newEventGen(p *plan, r *rand.Rand, cats []category) *eventGen {
	g := &eventGen{p: p, r: r, cal: workcal.Default(), cats: cats, lastOnLeaf: make([]int, len(p.leaves)),
		actionID: firstID(eventActionsTable)}
	total := 0
	for _, c := range cats {
		total += c.weight
		g.cum = append(g.cum, total)
	}
	g.mul = 1 + r.Uint64N(trackingModulus-1)
	for g.mul%31 == 0 {
		g.mul = 1 + r.Uint64N(trackingModulus-1)
	}
	g.add = r.Uint64N(trackingModulus)
	// Cases per day: working days busier than rest days, and a growth of half over the window
	// as more residents learn to report.
	loc := g.cal.Location()
	var weights []float64
	sum := 0.0
	for d := p.from; d.Before(p.until); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		w := 0.35
		if g.cal.IsWorkingDay(d.Add(12 * time.Hour)) {
			w = 1
		}
		w *= 0.8 + 0.4*float64(d.Sub(p.from))/float64(p.until.Sub(p.from))
		g.days = append(g.days, d)
		weights = append(weights, w)
		sum += w
	}
	acc, done := 0.0, 0
	for _, w := range weights {
		acc += w
		upto := int(float64(p.scale.Events)*acc/sum + 0.5)
		g.perDay = append(g.perDay, upto-done)
		done = upto
	}
	g.day = -1
	return g
}

func (g *eventGen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)+1))
}

func (g *eventGen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// nextTime returns the report time of the next case: days in order, times within a day
// between 08:00 and 18:00 local, sorted.
func (g *eventGen) nextTime() time.Time {
	for g.left == 0 {
		g.day++
		g.left = g.perDay[g.day]
		g.times = g.times[:0]
		for range g.left {
			g.times = append(g.times, g.days[g.day].Add(8*time.Hour+g.between(0, 10*time.Hour)))
		}
		slices.SortFunc(g.times, func(a, b time.Time) int { return a.Compare(b) })
	}
	t := g.times[len(g.times)-g.left]
	g.left--
	return t.UTC()
}

// trackingCode returns the tracking code of case number n: distinct for distinct n.
func (g *eventGen) trackingCode(n int) string {
	hi, lo := bits.Mul64(uint64(n), g.mul)
	x := (bits.Rem64(hi, lo, trackingModulus) + g.add) % trackingModulus
	var b [12]byte
	for i := range b {
		b[i] = workflow.TrackingAlphabet[x%31]
		x /= 31
	}
	return string(b[:])
}

// next generates the next case and appends its timeline to acts.
func (g *eventGen) next(acts []actionRow) (eventRow, []actionRow) {
	r, p := g.r, g.p
	id := firstID(eventsTable) + g.n
	g.n++
	k := r.IntN(g.cum[len(g.cum)-1])
	cat := &g.cats[weightedIndex(g.cum, k)]
	li := r.IntN(len(p.leaves))
	leaf := p.leaves[li]
	vs := p.villages[leaf.village]
	lg := p.grids[leaf.grid]
	e := eventRow{id: id, code: g.trackingCode(g.n), cat: cat, grid: leaf.grid, origin: leaf.grid,
		reporter: -1, assignee: -1, version: 1, status: event.StatusREPORTED}
	e.title = pick(r, cat.titles)
	e.addr = lg.name + pick(r, placeTexts)
	if strings.Contains(e.addr, "%d") {
		e.addr = fmt.Sprintf(e.addr, 1+r.IntN(120))
	}
	e.desc = e.addr + "发现" + e.title + "。"
	if cat.unit != "" {
		q := float64(int((cat.qty[0]+r.Float64()*(cat.qty[1]-cat.qty[0]))*10)) / 10
		e.qty, e.unit = q, cat.unit
		e.desc = fmt.Sprintf("%s数量约%g%s。", e.desc, q, cat.unit)
	}
	e.lat, e.lng = lg.lat+(r.Float64()*2-1)*0.002, lg.lng+(r.Float64()*2-1)*0.002
	if n := r.IntN(4); n > 0 {
		urls := make([]string, n)
		for i := range urls {
			urls[i] = fmt.Sprintf(`"https://bench.gridgov.example/photos/%s/%d-%d.jpg"`, strings.ToLower(cat.code), id, i+1)
		}
		e.photos = "[" + strings.Join(urls, ",") + "]"
	}
	reportNote := ""
	switch x := r.IntN(100); {
	case x < 60:
		e.source, e.reporter = string(event.SourcePATROL), leaf.patroller
		if r.IntN(5) == 0 {
			e.reporter = leaf.cadre
		}
	case x < 75:
		e.source, reportNote = string(event.SourceRESIDENT_REPORT), "群众直通报告"
		title := "先生"
		if r.IntN(2) == 0 {
			title = "女士"
		}
		e.reporterName = string([]rune(demo.RandomName(r, false))[:1]) + title
		e.reporterPhone = demo.MobileNumber(50_000_000 + g.n%50_000_000)
	case x < 85:
		e.source, reportNote = string(event.SourceHOTLINE), "12345市民热线转办"
	default:
		e.source, e.reporter = string(event.SourceINSPECTION), vs.safety
	}
	t0 := g.nextTime()
	e.reported, e.updated = t0, t0
	acts = append(acts, actionRow{id: g.nextAction(), action: eventaction.ActionREPORT, to: event.StatusREPORTED,
		fromGrid: -1, toGrid: leaf.grid, note: reportNote, event: id, actor: e.reporter, at: t0})
	s := &timeline{g: g, e: &e, acts: acts, last: t0}
	defer func() { g.lastOnLeaf[li] = id }()

	switch {
	case g.chance(0.03):
		at := t0.Add(g.between(20*time.Minute, 4*time.Hour))
		note, dup := "经核实不属实，作废", g.lastOnLeaf[li]
		duplicate := dup != 0 && g.chance(0.5)
		if duplicate {
			note = "重复上报，已合并处理"
		}
		s.step(at, eventaction.ActionVOID, event.StatusVOIDED, leaf.cadre, note, func(at time.Time) {
			e.closed = at
			if duplicate {
				e.duplicateOf = dup
			}
		})
		return e, s.acts
	case e.source == string(event.SourcePATROL) && g.chance(0.15):
		at := t0.Add(g.between(5*time.Minute, 40*time.Minute))
		fb := "当场解决：" + pick(r, fixedTexts)
		s.step(at, eventaction.ActionCLOSE, event.StatusCLOSED_FIXED, e.reporter, fb, func(at time.Time) {
			e.registered, e.deadline, e.closed, e.feedback = at, at, at, fb
		})
		return e, s.acts
	}

	accept := t0.Add(g.between(10*time.Minute, 5*time.Hour))
	unit := workcal.Unit(cat.limitUnit)
	deadline := g.cal.Deadline(accept, cat.limit, unit)
	operator, closer := leaf.cadre, leaf.cadre
	escalate, stuck := g.chance(0.07), g.chance(0.02)
	extend := !stuck && g.chance(0.04)
	rework := 0
	if g.chance(0.07) {
		rework = 1 + r.IntN(2)
	}
	final := deadline
	if extend {
		final = g.cal.Deadline(deadline, cat.limit, unit)
	}
	span := float64(final.Sub(accept))
	var d time.Duration
	switch {
	case stuck:
		d = time.Duration(span*(2+8*r.Float64())) + g.between(5*24*time.Hour, 90*24*time.Hour)
	case g.chance(0.09):
		d = time.Duration(span * (1.05 + 1.45*r.Float64()))
	default:
		d = time.Duration(span * (0.15 + 0.8*r.Float64()))
	}
	at := func(f float64) time.Time { return accept.Add(time.Duration(f * float64(d))) }

	if !s.step(accept, eventaction.ActionACCEPT, event.StatusREGISTERED, operator, pick(r, acceptNotes), func(time.Time) {
		e.registered, e.deadline, e.limitUnit = accept, deadline, string(cat.limitUnit)
	}) {
		return e, s.acts
	}
	handler := g.handler(cat.handler, leaf, vs, escalate)
	if escalate {
		s.step(at(0.04), eventaction.ActionESCALATE, event.StatusREGISTERED, leaf.cadre, "超出网格处置能力，上报村级", func(time.Time) {
			e.grid, e.assignee = vs.grid, -1
			e.escalations++
		})
		operator, closer = vs.director, vs.first
	}
	s.step(at(0.1), eventaction.ActionDISPATCH, event.StatusDISPATCHED, operator, pick(r, dispatchNotes), func(time.Time) { e.assignee = handler })
	s.step(at(0.2), eventaction.ActionSTART, event.StatusHANDLING, handler, pick(r, startNotes), nil)
	if extend {
		s.step(at(0.35), eventaction.ActionREQUEST_EXTENSION, event.StatusHANDLING, handler, "情况复杂，申请延期", func(time.Time) { e.requested = final })
		s.step(at(0.4), eventaction.ActionAPPROVE_EXTENSION, event.StatusHANDLING, operator, "同意延期", func(time.Time) {
			e.deadline, e.requested = final, time.Time{}
		})
	}
	back := 0.75
	if rework > 0 {
		back = 0.5
	}
	s.step(at(back), eventaction.ActionREPORT_BACK, event.StatusHANDLED, handler, pick(r, backNotes), nil)
	for k := range rework {
		s.step(at(0.54+0.12*float64(k)), eventaction.ActionVERIFY_FAIL, event.StatusHANDLING, vs.secretary, pick(r, failNotes), func(time.Time) { e.rework++ })
		s.step(at(0.62+0.12*float64(k)), eventaction.ActionREPORT_BACK, event.StatusHANDLED, handler, pick(r, backNotes), nil)
	}
	s.step(at(0.9), eventaction.ActionVERIFY_PASS, event.StatusVERIFIED, vs.secretary, pick(r, passNotes), nil)
	to, fb := event.StatusCLOSED_FIXED, pick(r, fixedTexts)
	if g.chance(0.04) {
		to, fb = event.StatusCLOSED_NOT_FIXED, pick(r, notFixedTexts)
	}
	s.step(at(1), eventaction.ActionCLOSE, to, closer, fb, func(at time.Time) { e.closed, e.feedback = at, fb })
	return e, s.acts
}

// weightedIndex returns the index of the first cumulative weight above k.
func weightedIndex(cum []int, k int) int {
	i, _ := slices.BinarySearch(cum, k+1)
	return i
}

func (g *eventGen) nextAction() int {
	g.actionID++
	return g.actionID - 1
}

// handler picks who handles a case: on an escalated case always a village specialist.
func (g *eventGen) handler(k handlerKind, leaf leafStaff, vs villageStaff, escalated bool) int {
	switch k {
	case byPatroller:
		if !escalated {
			return leaf.patroller
		}
		return vs.urban
	case byCleaner:
		if !escalated {
			return leaf.cleaner
		}
		return vs.urban
	case byLead:
		if !escalated {
			return leaf.lead
		}
		return vs.social
	case byUrban:
		return vs.urban
	case byLand:
		return vs.land
	case bySafety:
		return vs.safety
	default:
		return vs.social
	}
}

// timeline appends the steps of one case as the workflow engine would record them, and stops
// at the first step after the end of the data set: the case stands as it stood then.
type timeline struct {
	g       *eventGen
	e       *eventRow
	acts    []actionRow
	last    time.Time
	stopped bool
}

// step records one step at (no earlier than a minute after the previous one) taken by actor;
// apply changes the case as the step does. It returns false once the timeline has stopped.
func (s *timeline) step(at time.Time, action eventaction.Action, to event.Status, actor int, note string, apply func(at time.Time)) bool {
	if at.Before(s.last.Add(time.Minute)) {
		at = s.last.Add(time.Minute + time.Duration(s.g.r.IntN(600))*time.Second)
	}
	if s.stopped || at.After(s.g.p.until) {
		s.stopped = true
		return false
	}
	e := s.e
	from, fromGrid := e.status, e.grid
	if apply != nil {
		apply(at)
	}
	e.status = to
	e.version++
	e.updated = at
	s.last = at
	s.acts = append(s.acts, actionRow{id: s.g.nextAction(), action: action, from: string(from), to: to,
		fromGrid: fromGrid, toGrid: e.grid, note: note, event: e.id, actor: actor, at: at})
	return true
}
