package datagen

import (
	"fmt"
	"math/rand/v2"
	"time"

	entschema "entgo.io/ent/dialect/sql/schema"

	"gridgov/authz"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/ent/person"
	"gridgov/internal/demo"
)

// firstID returns the first id ent's globalid feature gives a table: the start of its range
// (the identity's START WITH), or 1 for the table whose range starts at 0.
func firstID(t *entschema.Table) int {
	if a := t.Annotation; a != nil && a.IncrementStart != nil && *a.IncrementStart > 0 {
		return *a.IncrementStart
	}
	return 1
}

// plan is the grid tree and its people, held in memory (a city is 30k grids and 300k
// people); cases and daily work are generated from it as they are written.
type plan struct {
	scale        Scale
	from, until  time.Time // the cases' window
	grids        []gridRow
	people       []personRow
	assignments  []assignmentRow
	villages     []villageStaff
	leaves       []leafStaff
	admin        int // person index of gen-admin
	official     int // person index of gen-village
	officialGrid int // grid index of gen-village's village
	// created is when the tree's rows were created, before every role began.
	created time.Time
}

type gridRow struct {
	id, parent, level      int
	code, name, path       string
	kind                   grid.Kind
	households, population int
	area, duties           string
	lat, lng               float64
}

type personRow struct {
	id, grid           int
	name, phone, title string
	unit               string
	gender             person.Gender
	party              bool
}

type assignmentRow struct {
	id, person, grid int
	role             assignment.Role
	duty             assignment.Duty
	title            string
	from, to         time.Time
	endReason        string
}

// villageStaff are the people of a level-2 grid (village, community, enterprise zone).
type villageStaff struct {
	grid                        int
	first                       int   // 驻村干部, FIRST_RESPONSIBLE
	secretary, director         int   // DIRECT_RESPONSIBLE
	urban, land, safety, social int   // SPECIFIC_RESPONSIBLE specialists
	leaves                      []int // indexes into plan.leaves
}

// leafStaff are the people of a leaf grid (villager group, compound, key enterprise).
type leafStaff struct {
	grid, village int // grid index; index into plan.villages
	cadre         int // the village cadre who is FIRST_RESPONSIBLE and GRID_HEAD here
	patroller     int
	cleaner       int
	lead          int // 村民组长, 楼院长 or the enterprise's safety officer
	reps          []int
}

// Names of the generated places; synthetic, after the pattern of Zhengzhou's.
var (
	districtNames = []string{"郑西新区", "东城区", "西城区", "南城区", "北城区", "河东区", "河西区", "湖滨区", "高新区", "经开区",
		"港区", "龙湖区", "白沙区", "枫杨区", "古城区"}
	placeHeads = []string{"须水", "柳湖", "石佛", "沟赵", "莲湖", "枫杨", "梧桐", "五龙", "京广", "建设", "秦岭", "林山",
		"汝河", "绿东", "棉纺", "三官", "桐柏", "嵩山", "淮河", "航海", "金岱", "南曹", "侯寨", "马寨", "二七", "长兴"}
	villageHeads = []string{"三王", "桐树", "庙", "西", "东", "南", "北", "董", "柳", "孙", "马", "前", "后", "小", "大", "石",
		"沟", "岗", "贾", "郭", "常", "岳", "河", "白", "王", "李", "张", "赵", "冯", "魏"}
	villageTails  = []string{"庄", "岗", "寨", "营", "湖", "河", "屯", "店", "坡", "楼", "堂", "桥"}
	compoundTails = []string{"苑", "小区", "家园", "花园", "新村", "公寓"}
	ordinals      = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"}
)

// duties printed on the notice card of a grid, by kind.
var dutiesByKind = map[grid.Kind]string{
	grid.KindVILLAGER_GROUP:       "日访日查日报；环境卫生、安全隐患、矛盾纠纷排查；政策宣传；民情收集上报",
	grid.KindRESIDENTIAL_COMPOUND: "楼院巡查；环境卫生、消防通道、安全隐患排查；住户走访；民情收集上报",
	grid.KindKEY_ENTERPRISE:       "企业安全生产、消防、环保巡查；劳资纠纷排查；问题收集上报",
}

// planTree builds the tree and its people for scale from r.
func planTree(r *rand.Rand, s Scale, from, until time.Time) *plan {
	p := &plan{scale: s, from: from, until: until, created: from.AddDate(-3, 0, 0)}
	gridID, personID := firstID(gridsTable), firstID(personsTable)
	addGrid := func(parent int, code, name string, kind grid.Kind, lat, lng float64) int {
		g := gridRow{id: gridID, parent: parent, code: code, name: name, kind: kind, lat: lat, lng: lng}
		gridID++
		parentPath := "/"
		if parent >= 0 {
			g.level = p.grids[parent].level + 1
			parentPath = p.grids[parent].path
			g.area = fmt.Sprintf("%s辖区内%s范围", p.grids[parent].name, name)
		} else {
			g.area = name + "全域"
		}
		g.path = authz.ChildPath(parentPath, g.id)
		g.duties = dutiesByKind[kind]
		p.grids = append(p.grids, g)
		return len(p.grids) - 1
	}
	addPerson := func(gi int, title, unit string, female, party float64) int {
		fem := r.Float64() < female
		gender := person.GenderMALE
		if fem {
			gender = person.GenderFEMALE
		}
		pr := personRow{id: personID, grid: gi, name: demo.RandomName(r, fem), phone: demo.MobileNumber(len(p.people)),
			title: title, unit: unit, gender: gender, party: r.Float64() < party}
		personID++
		p.people = append(p.people, pr)
		return len(p.people) - 1
	}
	// Every role started some time before the window, on a day's midnight (Asia/Shanghai).
	termStart := func() time.Time {
		d := from.AddDate(0, 0, -30-r.IntN(700))
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, from.Location()).UTC()
	}
	assign := func(pi, gi int, role assignment.Role, duty assignment.Duty, title string) {
		p.assignments = append(p.assignments, assignmentRow{person: pi, grid: gi, role: role,
			duty: duty, title: title, from: termStart()})
	}
	jitter := func(x, d float64) float64 { return x + (r.Float64()*2-1)*d }

	// Level 0: a district, or a city with its districts.
	var districts []int
	if s.Districts == 0 {
		districts = []int{addGrid(-1, "410190", districtNames[0], grid.KindDISTRICT, 34.75, 113.55)}
	} else {
		city := addGrid(-1, "4101", "郑州市", grid.KindCITY, 34.75, 113.62)
		p.admin = addPerson(city, "系统管理员", "市网格化管理中心", 0.3, 1)
		assign(p.admin, city, assignment.RoleADMIN, "", "系统管理员")
		director := addPerson(city, "市网格化管理中心主任", "市网格化管理中心", 0.3, 1)
		assign(director, city, assignment.RoleFIRST_RESPONSIBLE, "", "市网格化管理中心主任")
		for i := range s.Districts {
			name := districtNames[(i+1)%len(districtNames)]
			if i+1 >= len(districtNames) {
				name = fmt.Sprintf("第%d区", i+1)
			}
			districts = append(districts, addGrid(city, fmt.Sprintf("4101%02d", i+1), name, grid.KindDISTRICT,
				jitter(34.75, 0.3), jitter(113.62, 0.3)))
		}
	}
	for _, d := range districts {
		dname := p.grids[d].name
		if s.Districts == 0 {
			p.admin = addPerson(d, "系统管理员", dname+"网格化管理中心", 0.3, 1)
			assign(p.admin, d, assignment.RoleADMIN, "", "系统管理员")
		}
		head := addPerson(d, "网格化管理中心主任", dname+"网格化管理中心", 0.3, 1)
		assign(head, d, assignment.RoleFIRST_RESPONSIBLE, "", "网格化管理中心主任")
		for range 2 {
			sv := addPerson(d, "督察组组员", dname+"督察组", 0.4, 1)
			assign(sv, d, assignment.RoleSUPERVISOR, "", "督察组组员")
		}
		for si := range s.SubDistricts {
			kind, suffix := grid.KindSUB_DISTRICT, "街道"
			if r.IntN(5) == 0 {
				kind, suffix = grid.KindTOWNSHIP, "镇"
			}
			name := placeHeads[si%len(placeHeads)] + suffix
			if si >= len(placeHeads) {
				name = fmt.Sprintf("%s%s%d", placeHeads[si%len(placeHeads)], suffix, si/len(placeHeads)+1)
			}
			sub := addGrid(d, fmt.Sprintf("%s%03d", p.grids[d].code, si+1), name, kind,
				jitter(p.grids[d].lat, 0.12), jitter(p.grids[d].lng, 0.12))
			unit := name + "办事处"
			leader := addPerson(d, "区级领导", dname+"人民政府", 0.2, 1)
			assign(leader, sub, assignment.RoleRESPONSIBLE_LEADER, "", "责任领导")
			sec := addPerson(sub, "党工委书记", name+"党工委", 0.2, 1)
			assign(sec, sub, assignment.RoleFIRST_RESPONSIBLE, "", "党工委书记")
			dir := addPerson(sub, "办事处主任", unit, 0.3, 1)
			assign(dir, sub, assignment.RoleFIRST_RESPONSIBLE, "", "办事处主任")
			res := addPerson(sub, "网格化管理服务中心主任", name+"网格化管理服务中心", 0.4, 0.6)
			assign(res, sub, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyRESEARCHER, "网格化管理服务中心主任")
			sv := addPerson(sub, "督察组组员", name+"督察组", 0.4, 1)
			assign(sv, sub, assignment.RoleSUPERVISOR, "", "督察组组员")
			for vi := range s.Villages {
				kind, tail := grid.KindVILLAGE, "村"
				switch x := r.IntN(20); {
				case x == 0:
					kind, tail = grid.KindENTERPRISE_ZONE, "产业园区"
				case x < 8:
					kind, tail = grid.KindCOMMUNITY, "社区"
				}
				vname := villageHeads[r.IntN(len(villageHeads))] + villageTails[r.IntN(len(villageTails))] + tail
				v := addGrid(sub, fmt.Sprintf("%s%03d", p.grids[sub].code, vi+1), vname, kind,
					jitter(p.grids[sub].lat, 0.03), jitter(p.grids[sub].lng, 0.03))
				p.village(v, sub, addPerson, assign)
			}
		}
	}
	p.planLeaves(r, addGrid, addPerson, assign)
	p.fillPeople(r, addPerson, assign)
	p.pickOfficial()
	for i := range p.assignments {
		p.assignments[i].id = firstID(assignmentsTable) + i
	}
	return p
}

type (
	addPersonFunc func(gi int, title, unit string, female, party float64) int
	assignFunc    func(pi, gi int, role assignment.Role, duty assignment.Duty, title string)
	addGridFunc   func(parent int, code, name string, kind grid.Kind, lat, lng float64) int
)

// village staffs a level-2 grid: its workstation head, the cadre sent down from the
// sub-district, the village's directly responsible officers and its specialists.
func (p *plan) village(v, sub int, addPerson addPersonFunc, assign assignFunc) {
	g := p.grids[v]
	unit := g.name + "村委会"
	secTitle, dirTitle := "村党支部书记", "村委会主任"
	if g.kind == grid.KindCOMMUNITY {
		unit, secTitle, dirTitle = g.name+"居委会", "社区党委书记", "社区居委会主任"
	} else if g.kind == grid.KindENTERPRISE_ZONE {
		unit, secTitle, dirTitle = g.name+"管委会", "园区党委书记", "园区管委会主任"
	}
	subUnit := p.grids[sub].name + "办事处"
	ws := addPerson(v, "网格工作站站长", subUnit, 0.3, 1)
	assign(ws, v, assignment.RoleWORKSTATION_HEAD, "", "网格工作站站长")
	st := villageStaff{grid: v}
	st.first = addPerson(sub, "驻村干部", subUnit, 0.3, 1)
	assign(st.first, v, assignment.RoleFIRST_RESPONSIBLE, "", "驻村干部")
	st.secretary = addPerson(v, secTitle, unit, 0.15, 1)
	assign(st.secretary, v, assignment.RoleDIRECT_RESPONSIBLE, "", secTitle)
	st.director = addPerson(v, dirTitle, unit, 0.25, 0.8)
	assign(st.director, v, assignment.RoleDIRECT_RESPONSIBLE, "", dirTitle)
	police := addPerson(v, "驻村民警", p.grids[sub].name+"派出所", 0.1, 0.9)
	assign(police, v, assignment.RoleDIRECT_RESPONSIBLE, "", "驻村民警")
	specialist := func(duty assignment.Duty, title string) int {
		pi := addPerson(v, title, unit, 0.35, 0.4)
		assign(pi, v, assignment.RoleSPECIFIC_RESPONSIBLE, duty, title)
		return pi
	}
	st.urban = specialist(assignment.DutyURBAN_MANAGEMENT_OFFICER, "城建城管员")
	st.land = specialist(assignment.DutyLAND_OFFICER, "土地管理员")
	st.safety = specialist(assignment.DutySAFETY_INSPECTOR, "安监员")
	st.social = specialist(assignment.DutySOCIAL_SECURITY_LIAISON, "社保联络员")
	specialist(assignment.DutyPARTY_BUILDING_LIAISON, "党建联络员")
	specialist(assignment.DutyFAMILY_PLANNING_OFFICER, "计生专干")
	p.villages = append(p.villages, st)
}

// planLeaves shares the leaf grids among the villages (each at least one, the rest by random
// weights) and staffs them: a village cadre heads about four, and each has a patroller, a
// cleaner, a leader and a party-group leader.
func (p *plan) planLeaves(r *rand.Rand, addGrid addGridFunc, addPerson addPersonFunc, assign assignFunc) {
	n := len(p.villages)
	weights := make([]float64, n)
	total := 0.0
	for i := range weights {
		weights[i] = 0.5 + r.Float64()
		total += weights[i]
	}
	counts := make([]int, n)
	left := p.scale.Grids
	for i := range counts {
		counts[i] = 1 + int(float64(p.scale.Grids-n)*weights[i]/total)
		left -= counts[i]
	}
	for left > 0 {
		if i := r.IntN(n); counts[i] < 999 {
			counts[i]++
			left--
		}
	}
	for vi := range p.villages {
		vs := &p.villages[vi]
		v := p.grids[vs.grid]
		unit := v.name + "村委会"
		var cadre int
		for k := range counts[vi] {
			kind, name := grid.KindVILLAGER_GROUP, ""
			switch {
			case v.kind == grid.KindENTERPRISE_ZONE || r.IntN(12) == 0:
				kind, name = grid.KindKEY_ENTERPRISE, demo.RandomCompany(r)
			case v.kind == grid.KindCOMMUNITY:
				kind = grid.KindRESIDENTIAL_COMPOUND
				name = villageHeads[r.IntN(len(villageHeads))] + compoundTails[r.IntN(len(compoundTails))]
			case k < len(ordinals):
				name = v.name + "第" + ordinals[k] + "村民组"
			default:
				name = fmt.Sprintf("%s第%d村民组", v.name, k+1)
			}
			gi := addGrid(vs.grid, fmt.Sprintf("%s%03d", v.code, k+1), name, kind, v.lat+(r.Float64()*2-1)*0.006, v.lng+(r.Float64()*2-1)*0.006)
			if k%4 == 0 {
				cadre = addPerson(vs.grid, "村两委委员", unit, 0.3, 0.9)
			}
			assign(cadre, gi, assignment.RoleFIRST_RESPONSIBLE, "", "包组干部")
			assign(cadre, gi, assignment.RoleGRID_HEAD, "", "网格长")
			ls := leafStaff{grid: gi, village: vi, cadre: cadre}
			staff := func(duty assignment.Duty, title string, female, party float64) int {
				pi := addPerson(gi, title, unit, female, party)
				assign(pi, gi, assignment.RoleSPECIFIC_RESPONSIBLE, duty, title)
				return pi
			}
			ls.patroller = staff(assignment.DutyPATROLLER, "巡防员", 0.15, 0.3)
			ls.cleaner = staff(assignment.DutyCLEANER, "保洁员", 0.6, 0.1)
			switch kind {
			case grid.KindVILLAGER_GROUP:
				ls.lead = staff(assignment.DutyVILLAGER_GROUP_LEADER, "村民组长", 0.2, 0.6)
			case grid.KindRESIDENTIAL_COMPOUND:
				ls.lead = staff(assignment.DutyHOUSEHOLD_REPRESENTATIVE, "楼院长", 0.5, 0.5)
			default:
				ls.lead = staff(assignment.DutySAFETY_INSPECTOR, "企业安全员", 0.3, 0.4)
			}
			staff(assignment.DutyPARTY_GROUP_LEADER, "党小组长", 0.3, 1)
			vs.leaves = append(vs.leaves, len(p.leaves))
			p.leaves = append(p.leaves, ls)
		}
	}
}

// fillPeople adds household representatives (联户代表) to random leaves until the scale's
// number of people; a few held the post before, on a neighbouring grid, until a reshuffle.
func (p *plan) fillPeople(r *rand.Rand, addPerson addPersonFunc, assign assignFunc) {
	for len(p.people) < p.scale.People {
		li := r.IntN(len(p.leaves))
		ls := &p.leaves[li]
		pi := addPerson(ls.grid, "联户代表", "", 0.45, 0.35)
		assign(pi, ls.grid, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.DutyHOUSEHOLD_REPRESENTATIVE, "联户代表")
		ls.reps = append(ls.reps, pi)
		if r.IntN(30) == 0 {
			sibs := p.villages[ls.village].leaves
			earlier := p.leaves[sibs[r.IntN(len(sibs))]].grid
			cur := &p.assignments[len(p.assignments)-1]
			p.assignments = append(p.assignments, assignmentRow{
				person: pi, grid: earlier, role: assignment.RoleSPECIFIC_RESPONSIBLE,
				duty: assignment.DutyHOUSEHOLD_REPRESENTATIVE, title: "联户代表",
				from: cur.from.AddDate(-2, 0, 0), to: cur.from, endReason: "换届调整",
			})
		}
	}
}

// pickOfficial chooses gen-village: the party secretary of the village whose number of leaf
// grids is closest to the average, a person holding that one role only.
func (p *plan) pickOfficial() {
	avg := float64(len(p.leaves)) / float64(len(p.villages))
	best, bestD := 0, -1.0
	for i, v := range p.villages {
		d := float64(len(v.leaves)) - avg
		if p.grids[v.grid].kind == grid.KindVILLAGE && (bestD < 0 || d*d < bestD) {
			best, bestD = i, d*d
		}
	}
	p.official, p.officialGrid = p.villages[best].secretary, p.villages[best].grid
}
