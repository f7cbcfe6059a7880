package datagen

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"gridgov/ent/assignment"
	"gridgov/internal/gridtree"
)

// TestPlanScales plans the tree of every scale (no database) and checks it against the rules
// the server enforces on grids, and the counts the scale asks for.
func TestPlanScales(t *testing.T) {
	for _, s := range Scales {
		t.Run(s.Name, func(t *testing.T) {
			if err := s.validate(); err != nil {
				t.Fatal(err)
			}
			p := planTree(rand.New(rand.NewPCG(1, 2)), s, DefaultUntil.AddDate(-s.Years, 0, 0), DefaultUntil.UTC())
			if len(p.people) != s.People || len(p.leaves) != s.Grids || len(p.villages) != s.villages() {
				t.Errorf("%d people, %d leaves, %d villages; want %d, %d, %d", len(p.people), len(p.leaves), len(p.villages),
					s.People, s.Grids, s.villages())
			}
			codes := map[string]bool{}
			for i, g := range p.grids {
				var parent *gridtree.ParentInfo
				wantPath := "/"
				if g.parent >= 0 {
					pg := p.grids[g.parent]
					parent = &gridtree.ParentInfo{Kind: pg.kind, Code: pg.code}
					wantPath = pg.path
				}
				if err := gridtree.ValidateCode(g.kind, g.code, parent); err != nil {
					t.Fatalf("grid %d %s: %v", i, g.name, err)
				}
				if g.path != wantPath+strconv.Itoa(g.id)+"/" {
					t.Fatalf("grid %d: path %s under %s", g.id, g.path, wantPath)
				}
				if codes[g.code] {
					t.Fatalf("code %s twice", g.code)
				}
				codes[g.code] = true
			}
			if err := p.checkOfficial(); err != "" {
				t.Error(err)
			}
			d := newDailyGen(p, 1)
			d.planVehicles(rand.New(rand.NewPCG(1, 3)))
			plates := map[string]bool{}
			for _, v := range d.vehicles {
				if plates[v.plate] || len(v.plate) > 32 {
					t.Fatalf("plate %q repeated or too long", v.plate)
				}
				plates[v.plate] = true
			}
		})
	}
}

// checkOfficial says what is wrong with gen-village's choice: it must hold exactly one role,
// directly responsible on a village.
func (p *plan) checkOfficial() string {
	var roles []assignmentRow
	for _, a := range p.assignments {
		if a.person == p.official {
			roles = append(roles, a)
		}
	}
	if len(roles) != 1 || roles[0].role != assignment.RoleDIRECT_RESPONSIBLE || roles[0].grid != p.officialGrid || p.grids[p.officialGrid].level != p.grids[p.leaves[0].grid].level-1 {
		return "gen-village does not hold exactly one directly-responsible role on a village"
	}
	return ""
}
