package authz_test

import (
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/dbtest"
	"gridgov/internal/servertest"
)

// BenchmarkListAuthzCost measures what authorization adds to a list query: the same page of
// people and of current assignments, through the HTTP handler on PostgreSQL, as a village
// official (scope: one village of 12 groups) and as an unrestricted administrator.
//
//	go test ./authz/ -run x -bench ListAuthzCost -benchtime 3s
func BenchmarkListAuthzCost(b *testing.B) {
	db := dbtest.New(b, dialect.Postgres)
	env := servertest.New(b, db)
	_, villagePerson := benchTree(b, db.Client)
	tokens := map[string]string{
		"admin":   env.TokenFor(b, 0, true),
		"village": env.TokenFor(b, villagePerson, false),
	}
	queries := map[string]string{
		"people":      `{ people(first: 50, orderBy: {field: NAME}) { totalCount edges { node { id name phone } } } }`,
		"assignments": `{ assignments(first: 50, where: {validToIsNil: true}, orderBy: {field: VALID_FROM, direction: DESC}) { totalCount edges { node { id role person { name } } } } }`,
	}
	for _, q := range []string{"people", "assignments"} {
		for _, who := range []string{"admin", "village"} {
			b.Run(q+"/"+who, func(b *testing.B) {
				for b.Loop() {
					resp := env.Do(b, tokens[who], queries[q], nil)
					if len(resp.Errors) > 0 {
						b.Fatal(resp.Errors)
					}
				}
			})
		}
	}
}

// benchTree writes 1 district, 15 sub-districts, 10 villages each, 12 groups per village
// (1,800 level-3 grids), 10 people with a current assignment per level-3 grid (18,000), and
// returns one village and the person who is its direct-responsible.
func benchTree(b testing.TB, c *ent.Client) (*ent.Grid, int) {
	ctx := servertest.System()
	root, err := c.Grid.Create().SetCode("410102").SetName("基准区").SetKind(grid.KindDISTRICT).Save(ctx)
	if err != nil {
		b.Fatal(err)
	}
	since := time.Now().AddDate(-1, 0, 0)
	var firstVillage *ent.Grid
	for s := 1; s <= 15; s++ {
		sub, err := c.Grid.Create().SetCode(fmt.Sprintf("410102%03d", s)).SetName(fmt.Sprintf("街道%d", s)).
			SetKind(grid.KindSUB_DISTRICT).SetParentID(root.ID).Save(ctx)
		if err != nil {
			b.Fatal(err)
		}
		villages := make([]*ent.GridCreate, 10)
		for v := range villages {
			villages[v] = c.Grid.Create().SetCode(fmt.Sprintf("%s%03d", sub.Code, v+1)).SetName(fmt.Sprintf("%s村%d", sub.Name, v+1)).
				SetKind(grid.KindVILLAGE).SetParentID(sub.ID)
		}
		vs, err := c.Grid.CreateBulk(villages...).Save(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if firstVillage == nil {
			firstVillage = vs[0]
		}
		for _, vil := range vs {
			groups := make([]*ent.GridCreate, 12)
			for g := range groups {
				groups[g] = c.Grid.Create().SetCode(fmt.Sprintf("%s%03d", vil.Code, g+1)).SetName(fmt.Sprintf("%s组%d", vil.Name, g+1)).
					SetKind(grid.KindVILLAGER_GROUP).SetParentID(vil.ID)
			}
			gs, err := c.Grid.CreateBulk(groups...).Save(ctx)
			if err != nil {
				b.Fatal(err)
			}
			people := make([]*ent.PersonCreate, 0, 10*len(gs))
			for _, g := range gs {
				for i := range 10 {
					people = append(people, c.Person.Create().SetName(fmt.Sprintf("%s人%d", g.Name, i)).SetGridID(g.ID))
				}
			}
			ps, err := c.Person.CreateBulk(people...).Save(ctx)
			if err != nil {
				b.Fatal(err)
			}
			as := make([]*ent.AssignmentCreate, len(ps))
			for i, p := range ps {
				as[i] = c.Assignment.Create().SetPersonID(p.ID).SetGridID(p.GridID).SetValidFrom(since).
					SetRole(assignment.RoleSPECIFIC_RESPONSIBLE).SetDuty(assignment.DutyPATROLLER)
			}
			if _, err := c.Assignment.CreateBulk(as...).Save(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	p, err := c.Person.Create().SetName("村直接责任人").SetGridID(firstVillage.ID).Save(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Assignment.Create().SetPersonID(p.ID).SetGridID(firstVillage.ID).SetValidFrom(since).
		SetRole(assignment.RoleDIRECT_RESPONSIBLE).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return firstVillage, p.ID
}
