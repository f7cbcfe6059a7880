package datagen

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gridgov/ent/assignment"
	"gridgov/ent/household"
	"gridgov/ent/householdtag"
	"gridgov/ent/schema/track"
	"gridgov/ent/vehicle"
	"gridgov/internal/dailywork"
	"gridgov/internal/demo"
	"gridgov/internal/workcal"
)

// Texts of the daily work.
var (
	householdNotes = map[household.CareLevel][]string{
		household.CareLevelNEEDS_ATTENTION: {"家中有长期病人", "子女在外务工，老人留守", "曾有邻里矛盾"},
		household.CareLevelVULNERABLE:      {"独居老人，行动不便", "低保户", "残疾人家庭"},
	}
	visitNotes    = []string{"入户走访，了解家庭近况", "宣传政策，听取意见建议", "查看居住安全情况", "询问生活困难"}
	visitConcerns = []string{"", "", "", "", "反映门前路灯不亮", "反映垃圾清运不及时", "咨询医保缴费事宜"}
	plateTexts    = map[householdtag.Kind][][2]string{
		householdtag.KindPARTY_MEMBER_HOUSEHOLD:          {{"环境卫生监督岗", "带头维护村容村貌，发现问题及时上报"}, {"矛盾纠纷调解岗", "带头化解邻里矛盾，做群众贴心人"}},
		householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD: {{"民情联络岗", "及时反映群众诉求，传递政策声音"}, {"治安巡防岗", "协助巡逻防范，守护邻里平安"}},
	}
	patrolFindings = []string{"", "", "", "", "", "", "发现暴露垃圾一处，已通知保洁员", "发现占道经营，已劝离"}
	reportTexts    = []string{"巡查网格未发现异常", "完成日常巡查和入户走访", "协助处置网格内问题", "参加村组会议，传达工作要求", "周末在岗值守，网格内情况平稳"}
)

// dailyGen generates the daily work of the window's last days: households (all of them, with
// plates and recent visits), vehicles, patrols and daily reports.
type dailyGen struct {
	p        *plan
	seed     uint64
	cal      *workcal.Calendar
	days     []time.Time // local midnights of the daily window
	hhFirst  []int       // id of each leaf's first household
	vehicles []vehicleRow
	carOf    map[int]int // person index → vehicle id
}

type vehicleRow struct {
	id, grid, person int
	plate            string
	kind             vehicle.Kind
}

func newDailyGen(p *plan, seed uint64) *dailyGen {
	g := &dailyGen{p: p, seed: seed, cal: workcal.Default(), carOf: map[int]int{}}
	loc := g.cal.Location()
	last := time.Date(p.until.In(loc).Year(), p.until.In(loc).Month(), p.until.In(loc).Day(), 0, 0, 0, 0, loc)
	for k := p.scale.DailyDays - 1; k >= 0; k-- {
		g.days = append(g.days, last.AddDate(0, 0, -k))
	}
	id := firstID(householdsTable)
	for _, l := range p.leaves {
		g.hhFirst = append(g.hhFirst, id)
		id += p.grids[l.grid].households
	}
	return g
}

// sizeHouseholds gives each leaf its households and residents and sums them up the tree.
func (p *plan) sizeHouseholds(r *rand.Rand) {
	lo, hi := p.scale.Households[0], p.scale.Households[1]
	for _, l := range p.leaves {
		g := &p.grids[l.grid]
		g.households = lo + r.IntN(hi-lo+1)
		g.population = int(float64(g.households) * (2.6 + 0.8*r.Float64()))
	}
	for i := len(p.grids) - 1; i > 0; i-- {
		if g := p.grids[i]; g.parent >= 0 {
			p.grids[g.parent].households += g.households
			p.grids[g.parent].population += g.population
		}
	}
}

// leafRand is the source of one leaf's households, so that the households, their plates and
// their visits, written in three passes, agree.
func (g *dailyGen) leafRand(li int) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^0x484f555345, uint64(li)))
}

type householdRow struct {
	id, members   int
	address, head string
	phone, notes  string
	care          household.CareLevel
	tags          []tagRow
	visits        []visitRow
}

type tagRow struct {
	kind         householdtag.Kind
	post, pledge string
	hung         time.Time
}

type visitRow struct {
	at              time.Time
	visitor         int
	notes, concerns string
}

// households generates leaf li's households, each with its plates and visits.
func (g *dailyGen) households(li int, out []householdRow) []householdRow {
	r := g.leafRand(li)
	l := g.p.leaves[li]
	lg := g.p.grids[l.grid]
	visitors := append([]int{l.lead}, l.reps...)
	out = out[:0]
	for k := range lg.households {
		h := householdRow{id: g.hhFirst[li] + k, members: 1 + r.IntN(6), head: demo.RandomName(r, r.IntN(5) == 0),
			address: fmt.Sprintf("%s%d号", lg.name, k+1), care: household.CareLevelORDINARY}
		if r.IntN(5) != 0 {
			h.phone = demo.MobileNumber(20_000_000 + h.id%30_000_000)
		}
		perMonth := 0.15
		switch x := r.IntN(100); {
		case x < 3:
			h.care, perMonth = household.CareLevelVULNERABLE, 1
		case x < 13:
			h.care, perMonth = household.CareLevelNEEDS_ATTENTION, 0.5
		}
		if notes := householdNotes[h.care]; notes != nil {
			h.notes = pick(r, notes)
		}
		for _, kind := range []householdtag.Kind{householdtag.KindPARTY_MEMBER_HOUSEHOLD, householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD} {
			share := 0.08
			if kind == householdtag.KindMASSES_REPRESENTATIVE_HOUSEHOLD {
				share = 0.05
			}
			if r.Float64() < share {
				t := pick(r, plateTexts[kind])
				h.tags = append(h.tags, tagRow{kind: kind, post: t[0], pledge: t[1],
					hung: g.p.from.AddDate(0, 0, -r.IntN(365)).Add(10 * time.Hour).UTC()})
			}
		}
		if len(g.days) > 0 {
			want := perMonth * float64(len(g.days)) / 30
			n := int(want)
			if r.Float64() < want-float64(n) {
				n++
			}
			for range n {
				day := g.days[r.IntN(len(g.days))]
				h.visits = append(h.visits, visitRow{at: day.Add(9*time.Hour + time.Duration(r.IntN(8*60))*time.Minute).UTC(),
					visitor: pick(r, visitors), notes: pick(r, visitNotes), concerns: pick(r, visitConcerns)})
			}
		}
		out = append(out, h)
	}
	return out
}

// planVehicles gives each village a patrol bicycle or e-bike for every second leaf, ridden by
// that leaf's patroller.
func (g *dailyGen) planVehicles(r *rand.Rand) {
	id := firstID(vehiclesTable)
	for _, v := range g.p.villages {
		for k := 0; k < len(v.leaves); k += 2 {
			l := g.p.leaves[v.leaves[k]]
			kind := vehicle.KindBICYCLE
			if r.IntN(10) < 3 {
				kind = vehicle.KindE_BIKE
			}
			g.vehicles = append(g.vehicles, vehicleRow{id: id, grid: v.grid, person: l.patroller, kind: kind,
				plate: fmt.Sprintf("巡%s-%02d", g.p.grids[v.grid].code, k/2+1)})
			g.carOf[l.patroller] = id
			id++
		}
	}
}

type patrolRow struct {
	grid, person, vehicle int // vehicle id, 0 for on foot
	start, end            time.Time
	track                 string
	distance              float64
	findings              string
}

// patrols generates one day's patrols of leaf li: its patroller's and, on the first leaf a
// cadre heads, the cadre's.
func (g *dailyGen) patrols(r *rand.Rand, li int, day time.Time, out []patrolRow) []patrolRow {
	l := g.p.leaves[li]
	working := g.cal.IsWorkingDay(day.Add(12 * time.Hour))
	who := []int{l.patroller}
	if li == 0 || g.p.leaves[li-1].cadre != l.cadre {
		who = append(who, l.cadre)
	}
	for _, pi := range who {
		prob := 0.3
		if working {
			prob = 0.85
		}
		if r.Float64() < prob {
			start := day.Add(8*time.Hour + time.Duration(r.IntN(150))*time.Minute).UTC()
			end := start.Add(time.Duration(30+r.IntN(90)) * time.Minute)
			row := patrolRow{grid: l.grid, person: pi, start: start, end: end, findings: pick(r, patrolFindings)}
			if v, ok := g.carOf[pi]; ok && r.IntN(10) < 7 {
				row.vehicle = v
			}
			row.track, row.distance = g.track(r, l.grid, start, end)
			out = append(out, row)
		}
	}
	return out
}

// track returns a short GPS track around the grid's centre and its length in metres.
func (g *dailyGen) track(r *rand.Rand, gi int, start, end time.Time) (string, float64) {
	c := g.p.grids[gi]
	const n = 5
	pts := make([]track.Point, n)
	dist := 0.0
	for i := range pts {
		pts[i] = track.Point{Lat: c.lat + (r.Float64()*2-1)*0.003, Lng: c.lng + (r.Float64()*2-1)*0.003,
			At: start.Add(end.Sub(start) * time.Duration(i) / (n - 1)).Format(time.RFC3339)}
		if i > 0 {
			dist += dailywork.Haversine(pts[i-1].Lat, pts[i-1].Lng, pts[i].Lat, pts[i].Lng)
		}
	}
	b, _ := json.Marshal(pts) // cannot fail: plain numbers and strings
	return string(b), math.Round(dist)
}

// reporters are the people who owe a daily report: holders of a current grid-head or
// specific-responsible role, each with the grid of their first such role.
func (g *dailyGen) reporters() (people, grids []int) {
	seen := map[int]bool{}
	for _, a := range g.p.assignments {
		if !a.to.IsZero() || seen[a.person] || (a.role != assignment.RoleGRID_HEAD && a.role != assignment.RoleSPECIFIC_RESPONSIBLE) {
			continue
		}
		seen[a.person] = true
		people = append(people, a.person)
		grids = append(grids, a.grid)
	}
	return people, grids
}
