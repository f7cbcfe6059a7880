package graph_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"gridgov/internal/dbtest"
)

func TestKeyProjects(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *dbtest.DB) {
		f := newFixture(t, db)
		g := f.buildTree(t, baseTree)
		leader, _, leaderToken := f.holder(t, g["s1"].ID, "街道主任", "FIRST_RESPONSIBLE")
		_, _, headToken := f.holder(t, g["v1"].ID, "网格长", "GRID_HEAD")

		const create = `mutation($in: CreateKeyProjectInput!) { createKeyProject(input: $in) {
			id code status statusLabel grid { code } grids { code } owner { id }
			milestones { name } metrics { metric { id code target } value percent day } } }`
		in := map[string]any{
			"code": "KP-1", "name": "须水河生态廊道", "investment": 268000, "ownerUnit": "须水街道办事处", "ownerID": leader,
			"status": "IN_PROGRESS", "gridID": g["s1"].ID, "gridIDs": []string{g["v1"].ID, g["v2"].ID},
			"milestones": []map[string]any{{"name": "征迁完成", "dueOn": "2026-12-31T00:00:00Z"}},
			"metrics": []map[string]any{
				{"code": "BUSINESSES", "label": "清理商户", "unit": "户", "target": 523},
				{"code": "AREA", "label": "拆除面积", "unit": "m²", "target": 697000},
			},
		}
		var out struct {
			CreateKeyProject struct {
				ID, Code, Status, StatusLabel string
				Grid                          struct{ Code string }
				Grids                         []struct{ Code string }
				Owner                         struct{ ID string }
				Milestones                    []struct{ Name string }
				Metrics                       []struct {
					Metric struct {
						ID, Code string
						Target   float64
					}
					Value, Percent float64
					Day            *string
				}
			}
		}
		f.env.MustFail(t, headToken, create, map[string]any{"in": in}, "FORBIDDEN")
		f.env.MustDo(t, leaderToken, create, map[string]any{"in": in}, &out)
		p := out.CreateKeyProject
		if p.StatusLabel != "推进中" || len(p.Grids) != 2 || p.Owner.ID != leader || len(p.Milestones) != 1 || len(p.Metrics) != 2 || p.Metrics[0].Day != nil {
			t.Fatalf("created project = %+v", p)
		}
		businesses, area := p.Metrics[0].Metric.ID, p.Metrics[1].Metric.ID

		const record = `mutation($m: ID!, $d: String!, $v: Float!) { recordKeyProjectProgress(metricID: $m, day: $d, value: $v) { day value } }`
		f.env.MustDo(t, leaderToken, record, map[string]any{"m": businesses, "d": "2026-10-01", "v": 200}, nil)
		f.env.MustDo(t, leaderToken, record, map[string]any{"m": businesses, "d": "2026-10-31", "v": 523}, nil)
		f.env.MustDo(t, leaderToken, record, map[string]any{"m": area, "d": "2026-10-31", "v": 348500}, nil)
		f.env.MustDo(t, leaderToken, record, map[string]any{"m": area, "d": "2026-10-31", "v": 348500}, nil) // same day replaces
		f.env.MustFail(t, leaderToken, record, map[string]any{"m": area, "d": "31/10/2026", "v": 1}, "BAD_USER_INPUT")
		f.env.MustFail(t, leaderToken, record, map[string]any{"m": area, "d": "2026-11-01", "v": -1}, "BAD_USER_INPUT")
		// The grid head of a village the project runs through cannot see a project led by the
		// sub-district: projects are scoped by their lead grid.
		f.env.MustFail(t, headToken, record, map[string]any{"m": area, "d": "2026-11-01", "v": 1}, "FORBIDDEN")

		type standing struct {
			Code    string
			Value   float64
			Percent float64
		}
		progress := func(token, grid string) []standing {
			var got struct {
				KeyProjectProgress []struct {
					Project struct{ Code string }
					Metrics []struct {
						Metric         struct{ Code string }
						Value, Percent float64
					}
				}
			}
			f.env.MustDo(t, token, `query($g: ID!) { keyProjectProgress(gridID: $g) { project { code } metrics { metric { code } value percent } } }`,
				map[string]any{"g": grid}, &got)
			var out []standing
			for _, p := range got.KeyProjectProgress {
				for _, m := range p.Metrics {
					out = append(out, standing{p.Project.Code + "/" + m.Metric.Code, m.Value, m.Percent})
				}
			}
			return out
		}
		want := []standing{{"KP-1/BUSINESSES", 523, 100}, {"KP-1/AREA", 348500, 50}}
		if diff := cmp.Diff(want, progress(f.token, g["d1"].ID)); diff != "" {
			t.Errorf("district progress (-want +got):\n%s", diff)
		}
		if got := progress(f.token, g["s2"].ID); len(got) != 0 {
			t.Errorf("林山寨街道 has no projects, got %+v", got)
		}
		if got := progress(headToken, g["v1"].ID); len(got) != 0 {
			t.Errorf("grid head sees %+v", got)
		}
		var hist struct {
			Node struct {
				History []struct {
					Day   string
					Value float64
				}
			}
		}
		f.env.MustDo(t, leaderToken, `query($id: ID!) { node(id: $id) { ... on KeyProjectMetric { history { day value } } } }`, map[string]any{"id": businesses}, &hist)
		if len(hist.Node.History) != 2 || hist.Node.History[1].Value != 523 {
			t.Errorf("history = %+v", hist.Node.History)
		}
		var list struct{ KeyProjects struct{ TotalCount int } }
		f.env.MustDo(t, headToken, `{ keyProjects(first: 10) { totalCount } }`, nil, &list)
		if list.KeyProjects.TotalCount != 0 {
			t.Errorf("grid head lists %d projects", list.KeyProjects.TotalCount)
		}
		f.env.MustDo(t, leaderToken, `mutation($id: ID!) { setKeyProjectStatus(id: $id, status: COMPLETED) { id } }`, map[string]any{"id": p.ID}, nil)
		f.env.MustFail(t, headToken, `mutation($id: ID!) { setKeyProjectStatus(id: $id, status: COMPLETED) { id } }`, map[string]any{"id": p.ID}, "FORBIDDEN")
	})
}
