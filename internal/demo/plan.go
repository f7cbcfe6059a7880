package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/ent/vehicle"
)

// The fixed seed of the demo's PCG source. Changing it changes every name and number.
const seed1, seed2 = 0x5855_5348_5549, 0x2011_0410_1020

// FirstResponsibleChange is when 三王庄村's first-responsible cadre hands over: the
// predecessor held the role from 2025-01-01 until this moment, the successor holds it from
// this moment on.
var FirstResponsibleChange = day(2026, 6, 1)

// Fixed moments of the data set (UTC). The data set never depends on time.Now, so every load
// writes the same rows.
var (
	termStart       = day(2025, 1, 1)  // start of the current term and of every ended assignment
	committeeChange = day(2026, 1, 10) // four village committee directors replaced (换届)
	groupChange     = day(2026, 1, 20) // nine villager-group leaders replaced (换届)
	gridHeadChange  = day(2026, 4, 1)  // grid heads reassigned on three level-3 grids
	// starts are the start dates of current assignments, termStart the most frequent.
	starts = []time.Time{termStart, termStart, day(2025, 3, 1), day(2025, 5, 15), day(2025, 9, 1), day(2026, 2, 1)}
)

// EndReason is the end_reason of the demo's ended assignments.
const EndReason = "换届调整"

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// plan is the whole data set in memory, rows referring to each other by index.
type plan struct {
	grids       []gridRow
	people      []personRow
	assignments []assignmentRow
	vehicles    []vehicleRow
}

type gridRow struct {
	code, name      string
	kind            grid.Kind
	depth           int // tree level: district 0 … level-3 grids 3
	parent          int // index into plan.grids; -1 for the root
	households, pop int
	area, duties    string
	children        []int
	patrollers      []int  // people holding PATROLLER on the children (level-2 grids only)
	unit            string // work unit of the grid's own staff
}

type personRow struct {
	name, phone, title, unit string
	gender                   person.Gender
	party                    bool
	grid                     int
}

type assignmentRow struct {
	person, grid int
	role         assignment.Role
	duty         assignment.Duty // "" for none
	title        string
	from         time.Time
	to           time.Time // zero while held
	endReason    string
}

type vehicleRow struct {
	plate     string
	kind      vehicle.Kind
	inService bool
	grid      int
	person    int // -1 for none
}

// level2Row describes one level-2 grid of the article: 14 villages, communities and zones.
type level2Row struct {
	name   string
	kind   grid.Kind
	groups int      // villager groups or residential compounds
	keys   []string // key enterprises and institutions; "" is a generated company name
}

var level2Rows = []level2Row{
	{"须水村", grid.KindVILLAGE, 8, []string{"须水中学", "须水中心卫生院"}},
	{"三王庄村", grid.KindVILLAGE, 7, []string{""}},
	{"桐树王村", grid.KindVILLAGE, 6, []string{""}},
	{"庙王村", grid.KindVILLAGE, 6, []string{"庙王小学"}},
	{"柳湖村", grid.KindVILLAGE, 6, nil},
	{"西岗村", grid.KindVILLAGE, 5, []string{""}},
	{"董岗村", grid.KindVILLAGE, 7, nil},
	{"孙庄村", grid.KindVILLAGE, 5, nil},
	{"白寨村", grid.KindVILLAGE, 6, []string{""}},
	{"岗坡村", grid.KindVILLAGE, 5, nil},
	{"须水社区", grid.KindCOMMUNITY, 8, []string{"须水社区卫生服务中心"}},
	{"西岗社区", grid.KindCOMMUNITY, 6, nil},
	{"柳湖社区", grid.KindCOMMUNITY, 6, nil},
	{"须水产业园区", grid.KindENTERPRISE_ZONE, 0, []string{"", "", "", "", "", "", ""}},
}

// Indexes into level2Rows of grids with scripted history.
var (
	committeeChanges = []int{2, 3, 4, 5} // 桐树王村, 庙王村, 柳湖村, 西岗村
	gridHeadChanges  = []int{7, 8, 9}    // first level-3 grid of 孙庄村, 白寨村, 岗坡村
)

const sanwangzhuang = 1 // index of 三王庄村 in level2Rows

// Duties printed on the notice cards, by kind.
var dutiesByKind = map[grid.Kind]string{
	grid.KindDISTRICT:        "统筹全区网格化管理工作，督导各街道落实“坚持依靠群众、推进工作落实”长效机制。",
	grid.KindSUB_DISTRICT:    "统筹全街道三级网格管理服务；落实日走访、日巡查、日报告制度；协调解决各网格上报问题，逐级上报反馈；督察小组不定期督导检查。",
	grid.KindVILLAGE:         "负责本村网格化管理服务；指导三级网格日访日查日报；协调解决三级网格上报问题，重大问题上报街道网格化管理服务中心；推进村务公开。",
	grid.KindCOMMUNITY:       "负责本社区网格化管理服务；指导楼院网格日访日查日报；协调解决居民反映的问题，重大问题上报街道网格化管理服务中心；推进居务公开。",
	grid.KindENTERPRISE_ZONE: "负责园区企业安全生产、消防、环保巡查；协调解决企业和职工诉求；问题逐级上报反馈。",
	grid.KindVILLAGER_GROUP: "网格长带领具体责任人每日走访农户、巡查网格；排查矛盾纠纷、安全隐患、违法建设和占道经营；" +
		"收集村情民意，能现场解决的现场解决，不能解决的逐级上报。",
	grid.KindKEY_ENTERPRISE:       "督促单位落实安全生产、消防和治安防范责任；每日巡查重点部位；收集职工诉求，问题逐级上报反馈。",
	grid.KindRESIDENTIAL_COMPOUND: "每日巡查楼院环境卫生、消防通道和治安状况；走访住户，收集居民诉求；问题逐级上报反馈。",
}

// Specific-responsible staff of the sub-district and district departments at level 2: each
// covers two level-2 grids.
var sharedDuties = []struct {
	duty         assignment.Duty
	title, unit  string
	partyMembers bool
}{
	{assignment.DutyRESEARCHER, "调研员", "须水街道办事处", false},
	{assignment.DutySAFETY_INSPECTOR, "安监员", "须水街道安全生产监督管理办公室", false},
	{assignment.DutyURBAN_MANAGEMENT_OFFICER, "城建城管员", "须水街道城建城管科", false},
	{assignment.DutyLAND_OFFICER, "土地管理员", "中原区国土资源局须水国土所", false},
	{assignment.DutySOCIAL_SECURITY_LIAISON, "社保联络员", "须水街道劳动保障所", false},
	{assignment.DutyPARTY_BUILDING_LIAISON, "党建联络员", "须水街道党建办", true},
	{assignment.DutyTAX_SOURCE_SURVEYOR, "税源普查员", "中原区税务局须水税务所", false},
}

// generator builds the plan from the seeded source.
type generator struct {
	r *rand.Rand
	n *names
	p plan
}

// build returns the demo data set. It is a pure function of the seed.
func build() *plan {
	r := rand.New(rand.NewPCG(seed1, seed2))
	g := &generator{r: r, n: newNames(r)}
	g.grids()
	g.staff()
	g.fleet()
	return &g.p
}

func (g *generator) addGrid(parent int, code, name string, kind grid.Kind) int {
	depth := 0
	if parent >= 0 {
		depth = g.p.grids[parent].depth + 1
	}
	g.p.grids = append(g.p.grids, gridRow{
		code: code, name: name, kind: kind, depth: depth, parent: parent, duties: dutiesByKind[kind],
	})
	i := len(g.p.grids) - 1
	if parent >= 0 {
		g.p.grids[parent].children = append(g.p.grids[parent].children, i)
	}
	return i
}

// grids lays out the tree top-down, with figures and area descriptions.
func (g *generator) grids() {
	district := g.addGrid(-1, DistrictCode, "中原区", grid.KindDISTRICT)
	g.p.grids[district].area = "中原区全域（演示数据仅含须水街道）"
	sub := g.addGrid(district, SubDistrictCode, "须水街道", grid.KindSUB_DISTRICT)
	g.p.grids[sub].area = "东至西四环，西至须水河西岸，南至陇海西路，北至中原西路以北"
	g.p.grids[sub].unit = "须水街道办事处"

	for i, row := range level2Rows {
		l2 := g.addGrid(sub, fmt.Sprintf("%s%03d", SubDistrictCode, i+1), row.name, row.kind)
		switch row.kind {
		case grid.KindVILLAGE:
			g.p.grids[l2].unit = row.name + "村委会"
		case grid.KindCOMMUNITY:
			g.p.grids[l2].unit = row.name + "居委会"
		default:
			g.p.grids[l2].unit = row.name + "管委会"
		}
		var names []string
		var kinds []grid.Kind
		for k := 0; k < row.groups; k++ {
			if row.kind == grid.KindVILLAGE {
				names = append(names, row.name+"第"+ordinals[k]+"村民组")
				kinds = append(kinds, grid.KindVILLAGER_GROUP)
			} else {
				names = append(names, fmt.Sprintf("%s%d号院", row.name, k+1))
				kinds = append(kinds, grid.KindRESIDENTIAL_COMPOUND)
			}
		}
		for _, key := range row.keys {
			if key == "" {
				key = g.n.company()
			}
			names = append(names, key)
			kinds = append(kinds, grid.KindKEY_ENTERPRISE)
		}
		for k, name := range names {
			l3 := g.addGrid(l2, fmt.Sprintf("%s%03d", g.p.grids[l2].code, k+1), name, kinds[k])
			c := &g.p.grids[l3]
			c.households = 120 + g.r.IntN(331)
			c.pop = int(math.Round(float64(c.households) * (3.0 + 0.4*g.r.Float64())))
			c.area = g.area(names, k)
			switch kinds[k] {
			case grid.KindKEY_ENTERPRISE:
				c.unit = name
			default:
				c.unit = g.p.grids[l2].unit
			}
		}
	}
	// Figures roll up: a parent's households and population are the sums of its children's.
	for i := len(g.p.grids) - 1; i >= 0; i-- {
		if p := g.p.grids[i].parent; p >= 0 {
			g.p.grids[p].households += g.p.grids[i].households
			g.p.grids[p].pop += g.p.grids[i].pop
		}
	}
	var villages []string
	for _, l2 := range g.p.grids[sub].children {
		villages = append(villages, g.p.grids[l2].name)
	}
	for k, l2 := range g.p.grids[sub].children {
		g.p.grids[l2].area = g.area(villages, k)
	}
}

// area describes the bounds of the k-th of a row of neighbours: the neighbours east and west,
// landmarks south and north.
func (g *generator) area(row []string, k int) string {
	east, west := landmarks[g.r.IntN(len(landmarks))], landmarks[g.r.IntN(len(landmarks))]
	if k+1 < len(row) {
		east = row[k+1]
	}
	if k > 0 {
		west = row[k-1]
	}
	south := landmarks[g.r.IntN(len(landmarks))]
	north := landmarks[g.r.IntN(len(landmarks))]
	for north == south {
		north = landmarks[g.r.IntN(len(landmarks))]
	}
	return fmt.Sprintf("东至%s，西至%s，南至%s，北至%s", east, west, south, north)
}

// addPerson adds a person working on grid gi. femaleShare and partyShare are probabilities;
// cadres pass partyShare 1.
func (g *generator) addPerson(gi int, title, unit string, femaleShare, partyShare float64) int {
	female := g.r.Float64() < femaleShare
	gender := person.GenderMALE
	if female {
		gender = person.GenderFEMALE
	}
	g.p.people = append(g.p.people, personRow{
		name: g.n.person(female), phone: g.n.phone(), title: title, unit: unit,
		gender: gender, party: g.r.Float64() < partyShare, grid: gi,
	})
	return len(g.p.people) - 1
}

func (g *generator) assign(pi, gi int, role assignment.Role, duty assignment.Duty, title string, from time.Time) {
	g.p.assignments = append(g.p.assignments, assignmentRow{person: pi, grid: gi, role: role, duty: duty, title: title, from: from})
}

// succeed records that old held the role on the grid from termStart until at, and that
// successor holds it from at on.
func (g *generator) succeed(old, successor, gi int, role assignment.Role, duty assignment.Duty, title string, at time.Time) {
	g.p.assignments = append(g.p.assignments, assignmentRow{
		person: old, grid: gi, role: role, duty: duty, title: title,
		from: termStart, to: at, endReason: EndReason,
	})
	g.assign(successor, gi, role, duty, title, at)
}

// start picks a plausible start date in the current term.
func (g *generator) start() time.Time { return starts[g.r.IntN(len(starts))] }

const otherParty = 0.3 // share of party members among staff who need not be

// staff creates the people and their assignments, level by level.
func (g *generator) staff() {
	const district, sub = 0, 1
	subUnit := g.p.grids[sub].unit

	// Level 1: the county-level leader who "packages" the sub-district, the party secretary
	// and the office director, and the staff of the grid-management centre and service team.
	leader := g.addPerson(district, "区级领导", "中原区人民政府", 0.2, 1)
	g.assign(leader, sub, assignment.RoleRESPONSIBLE_LEADER, "", "责任领导", termStart)
	secretary := g.addPerson(sub, "党工委书记", "须水街道党工委", 0.2, 1)
	g.assign(secretary, sub, assignment.RoleFIRST_RESPONSIBLE, "", "党工委书记", termStart)
	director := g.addPerson(sub, "办事处主任", subUnit, 0.3, 1)
	g.assign(director, sub, assignment.RoleFIRST_RESPONSIBLE, "", "办事处主任", termStart)
	for k := 0; k < 4; k++ {
		title := "网格化管理服务中心科员"
		if k == 0 {
			title = "网格化管理服务中心主任"
		}
		pi := g.addPerson(sub, title, "须水街道网格化管理服务中心", 0.4, otherParty)
		g.assign(pi, sub, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyRESEARCHER, title, g.start())
	}
	for k := 0; k < 6; k++ {
		pi := g.addPerson(sub, "社会管理服务队队员", "须水街道社会管理服务队", 0.2, otherParty)
		g.assign(pi, sub, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyPATROLLER, "社会管理服务队队员", g.start())
	}

	// Level 2.
	shared := make([]int, len(sharedDuties))
	for i, l2 := range g.p.grids[sub].children {
		row := level2Rows[i]
		unit := g.p.grids[l2].unit

		ws := g.addPerson(l2, "网格工作站站长", subUnit, 0.3, 1)
		g.assign(ws, l2, assignment.RoleWORKSTATION_HEAD, "", "网格工作站站长", termStart)

		// The cadre sent down to the village (驻村干部) is its first-responsible.
		cadre := g.addPerson(l2, "驻村干部", subUnit, 0.2, 1)
		if i == sanwangzhuang {
			old := cadre
			cadre = g.addPerson(l2, "驻村干部", subUnit, 0.2, 1)
			g.succeed(old, cadre, l2, assignment.RoleFIRST_RESPONSIBLE, "", "驻村干部", FirstResponsibleChange)
		} else {
			g.assign(cadre, l2, assignment.RoleFIRST_RESPONSIBLE, "", "驻村干部", termStart)
		}

		for k, d := range directTitles(row) {
			u := unit
			switch k {
			case 0:
				u = row.name + "党支部"
			case 2:
				u = "须水派出所"
			}
			party, female := 1.0, 0.2
			if k > 0 {
				party, female = 0.6, 0.15
			}
			pi := g.addPerson(l2, d, u, female, party)
			if k == 1 && slices.Contains(committeeChanges, i) {
				successor := g.addPerson(l2, d, u, female, party)
				g.succeed(pi, successor, l2, assignment.RoleDIRECT_RESPONSIBLE, "", d, committeeChange)
				continue
			}
			g.assign(pi, l2, assignment.RoleDIRECT_RESPONSIBLE, "", d, termStart)
		}

		for k, s := range sharedDuties {
			if i%2 == 0 {
				party := otherParty
				if s.partyMembers {
					party = 1
				}
				shared[k] = g.addPerson(sub, s.title, s.unit, 0.4, party)
			}
			g.assign(shared[k], l2, assignment.RoleSPECIFIC_RESPONSIBLE, s.duty, s.title, g.start())
		}
		if row.kind != grid.KindENTERPRISE_ZONE {
			fp := g.addPerson(l2, "计生专干", unit, 0.85, otherParty)
			g.assign(fp, l2, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyFAMILY_PLANNING_OFFICER, "计生专干", g.start())
		}

		g.level3(i, l2)
	}
}

// directTitles are the titles of the three direct-responsible people of a level-2 grid.
func directTitles(row level2Row) []string {
	switch row.kind {
	case grid.KindCOMMUNITY:
		return []string{"社区党支部书记", "社区居委会主任", "社区民警"}
	case grid.KindENTERPRISE_ZONE:
		return []string{"园区党支部书记", "园区管委会主任", "园区警务室民警"}
	default:
		return []string{"村党支部书记", "村委会主任", "警务室首席民警"}
	}
}

// level3 staffs the level-3 grids of the i-th level-2 grid l2.
func (g *generator) level3(i, l2 int) {
	subUnit := g.p.grids[1].unit
	children := g.p.grids[l2].children

	// The cadres covering the village (包村干部): each is first-responsible and grid head of
	// up to four level-3 grids.
	var cadre int
	for k, l3 := range children {
		if k%4 == 0 {
			cadre = g.addPerson(l2, "包村干部", subUnit, 0.3, 1)
		}
		from := g.start()
		if k == 0 && slices.Contains(gridHeadChanges, i) {
			old := g.addPerson(l2, "包村干部", subUnit, 0.3, 1)
			g.succeed(old, cadre, l3, assignment.RoleGRID_HEAD, "", "网格长", gridHeadChange)
			g.succeed(old, cadre, l3, assignment.RoleFIRST_RESPONSIBLE, "", "包村干部", gridHeadChange)
			continue
		}
		g.assign(cadre, l3, assignment.RoleGRID_HEAD, "", "网格长", from)
		g.assign(cadre, l3, assignment.RoleFIRST_RESPONSIBLE, "", "包村干部", from)
	}

	for k, l3 := range children {
		c := &g.p.grids[l3]
		unit, kind := c.unit, c.kind
		specific := func(duty assignment.Duty, title string, female, party float64) int {
			pi := g.addPerson(l3, title, unit, female, party)
			g.assign(pi, l3, assignment.RoleSPECIFIC_RESPONSIBLE, duty, title, g.start())
			return pi
		}

		patroller := specific(assignment.DutyPATROLLER, "巡防员", 0.1, otherParty)
		g.p.grids[l2].patrollers = append(g.p.grids[l2].patrollers, patroller)
		specific(assignment.DutyCLEANER, "保洁员", 0.6, 0.1)

		leader := -1
		switch kind {
		case grid.KindVILLAGER_GROUP:
			leader = g.addPerson(l3, "村民组长", unit, 0.15, 0.5)
			// The third group of every village but 须水村 elected a new leader.
			if k == 2 && i > 0 {
				old := g.addPerson(l3, "村民组长", unit, 0.15, 0.5)
				g.succeed(old, leader, l3, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyVILLAGER_GROUP_LEADER, "村民组长", groupChange)
			} else {
				g.assign(leader, l3, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyVILLAGER_GROUP_LEADER, "村民组长", g.start())
			}
		case grid.KindKEY_ENTERPRISE:
			specific(assignment.DutySAFETY_INSPECTOR, "企业安全员", 0.3, otherParty)
		}

		// A villager-group leader who is a party member often leads the party group too.
		if leader >= 0 && g.p.people[leader].party && g.r.IntN(2) == 0 {
			g.assign(leader, l3, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyPARTY_GROUP_LEADER, "党小组长", g.start())
		} else {
			specific(assignment.DutyPARTY_GROUP_LEADER, "党小组长", 0.3, 1)
		}
		if kind != grid.KindKEY_ENTERPRISE {
			specific(assignment.DutyFAMILY_PLANNING_PUBLICIST, "计生宣传员", 0.8, otherParty)
		}

		// Household representatives (联户代表), about one per 45 households.
		reps, title := max(2, c.households/45), "联户代表"
		switch kind {
		case grid.KindKEY_ENTERPRISE:
			reps, title = 2, "职工代表"
		case grid.KindRESIDENTIAL_COMPOUND:
			specific(assignment.DutyHOUSEHOLD_REPRESENTATIVE, "楼院长", 0.4, otherParty)
			reps--
		}
		for range reps {
			specific(assignment.DutyHOUSEHOLD_REPRESENTATIVE, title, 0.4, otherParty)
		}
	}
}

// fleet plates the patrol vehicles: 38 new bicycles, 4 new e-bikes and 24 older bicycles,
// kept by the level-2 grids in turn and ridden by their patrollers. Four older bicycles are
// spares and two are retired.
func (g *generator) fleet() {
	l2s := g.p.grids[1].children
	next := make([]int, len(l2s))
	for k := range 66 {
		v := vehicleRow{plate: fmt.Sprintf("须水巡%03d", k+1), kind: vehicle.KindBICYCLE, inService: true, person: -1}
		if k >= 38 && k < 42 {
			v.kind = vehicle.KindE_BIKE
		}
		j := k % len(l2s)
		v.grid = l2s[j]
		switch {
		case k >= 64:
			v.inService = false
		case k >= 60:
			// spare
		default:
			ps := g.p.grids[v.grid].patrollers
			v.person = ps[next[j]%len(ps)]
			next[j]++
		}
		g.p.vehicles = append(g.p.vehicles, v)
	}
}
