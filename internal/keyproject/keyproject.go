// Package keyproject runs key projects (重点项目): a project led by a grid and running through
// others, with milestones and progress metrics read against targets over time. Writes are
// checked here against policy.csv and then made on the system's account.
package keyproject

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/grid"
	"gridgov/ent/keyproject"
	"gridgov/ent/keyprojectmetric"
	"gridgov/ent/keyprojectprogress"
	"gridgov/ent/person"
	"gridgov/internal/apperr"
	"gridgov/internal/gridtree"
)

// MilestoneInput is a milestone of a new project.
type MilestoneInput struct {
	Name  string
	DueOn time.Time
}

// MetricInput is a progress metric of a new project.
type MetricInput struct {
	Code, Label, Unit string
	Target            float64
}

// Input is a new key project.
type Input struct {
	Code, Name, OwnerUnit, Description string
	Investment                         float64
	Status                             keyproject.Status
	OwnerID                            *int
	StartsOn, DueOn                    *time.Time
	GridID                             int
	GridIDs                            []int
	Milestones                         []MilestoneInput
	Metrics                            []MetricInput
}

// Create registers a key project with its milestones and metrics; the viewer needs
// key_project/create on the lead grid and must see every grid it runs through.
func Create(ctx context.Context, client *ent.Client, in Input) (*ent.KeyProject, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := authz.CheckGrid(ctx, client, in.GridID, "gridID", authz.ObjKeyProject, authz.ActCreate); err != nil {
		return nil, err
	}
	gridIDs := dedupe(in.GridIDs)
	visible, err := client.Grid.Query().Where(grid.IDIn(gridIDs...)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the key project's grids: %w", err)
	}
	for _, id := range gridIDs {
		if !slices.Contains(visible, id) {
			return nil, authz.NotVisible(v, authz.ObjGrid, "gridIDs", id)
		}
	}
	if in.OwnerID != nil {
		if ok, err := client.Person.Query().Where(person.ID(*in.OwnerID)).Exist(ctx); err != nil {
			return nil, err
		} else if !ok {
			return nil, authz.NotVisible(v, authz.ObjPerson, "ownerID", *in.OwnerID)
		}
	}
	if strings.TrimSpace(in.Code) == "" || strings.TrimSpace(in.Name) == "" {
		return nil, apperr.Invalid("code", "a key project needs a code and a name")
	}
	if in.Status == "" {
		in.Status = keyproject.StatusPLANNED
	}
	seen := map[string]bool{}
	for _, m := range in.Metrics {
		if seen[m.Code] {
			return nil, apperr.Invalid("metrics", "metric code %q given twice", m.Code)
		}
		seen[m.Code] = true
	}
	sys := authz.SystemContext(ctx, "create a checked key project")
	p, err := client.KeyProject.Create().SetCode(in.Code).SetName(in.Name).SetInvestment(in.Investment).
		SetOwnerUnit(in.OwnerUnit).SetDescription(in.Description).SetStatus(in.Status).SetNillableOwnerID(in.OwnerID).
		SetNillableStartsOn(in.StartsOn).SetNillableDueOn(in.DueOn).SetGridID(in.GridID).SetGridIds(gridIDs).Save(sys)
	if ent.IsConstraintError(err) {
		return nil, apperr.New(apperr.Conflict, "a key project with code %q exists", in.Code)
	}
	if err != nil {
		return nil, fmt.Errorf("create key project: %w", err)
	}
	milestones := make([]*ent.KeyProjectMilestoneCreate, len(in.Milestones))
	for i, m := range in.Milestones {
		milestones[i] = client.KeyProjectMilestone.Create().SetProjectID(p.ID).SetName(m.Name).SetDueOn(m.DueOn).
			SetSortOrder(i).SetGridPath(p.GridPath)
	}
	if err := client.KeyProjectMilestone.CreateBulk(milestones...).Exec(sys); err != nil {
		return nil, fmt.Errorf("create milestones: %w", err)
	}
	metrics := make([]*ent.KeyProjectMetricCreate, len(in.Metrics))
	for i, m := range in.Metrics {
		metrics[i] = client.KeyProjectMetric.Create().SetProjectID(p.ID).SetCode(m.Code).SetLabel(m.Label).SetUnit(m.Unit).
			SetTarget(m.Target).SetSortOrder(i).SetGridPath(p.GridPath)
	}
	if err := client.KeyProjectMetric.CreateBulk(metrics...).Exec(sys); err != nil {
		return nil, fmt.Errorf("create metrics: %w", err)
	}
	return p, nil
}

func dedupe(ids []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// loadProject loads a project in the viewer's scope and checks act on it.
func loadProject(ctx context.Context, v *authz.Viewer, client *ent.Client, id int, act string) (*ent.KeyProject, error) {
	p, err := client.KeyProject.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjKeyProject, "id", id)
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, p.GridPath, authz.ObjKeyProject, act, fmt.Sprintf("your role here does not allow you to %s this key project", act)); err != nil {
		return nil, err
	}
	return p, nil
}

// SetStatus changes a project's status.
func SetStatus(ctx context.Context, client *ent.Client, id int, status keyproject.Status) (*ent.KeyProject, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := loadProject(ctx, v, client, id, authz.ActUpdate); err != nil {
		return nil, err
	}
	return client.KeyProject.UpdateOneID(id).SetStatus(status).Save(authz.SystemContext(ctx, "update a checked key project"))
}

// RecordProgress records the cumulative value of a metric on day (YYYY-MM-DD); recording the
// same day again replaces the value.
func RecordProgress(ctx context.Context, client *ent.Client, metricID int, day string, value float64, note string) (*ent.KeyProjectProgress, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	m, err := client.KeyProjectMetric.Get(ctx, metricID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjKeyProject, "metricID", metricID)
	}
	if err != nil {
		return nil, err
	}
	if err := authz.CheckPath(ctx, m.GridPath, authz.ObjKeyProject, authz.ActRecordProgress, "your role here does not allow recording this project's progress"); err != nil {
		return nil, err
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return nil, apperr.Invalid("day", "day %q is not YYYY-MM-DD", day)
	}
	if value < 0 {
		return nil, apperr.Invalid("value", "progress cannot be negative")
	}
	sys := authz.SystemContext(ctx, "record checked key project progress")
	old, err := client.KeyProjectProgress.Query().Where(keyprojectprogress.MetricID(metricID), keyprojectprogress.Day(day)).Only(sys)
	switch {
	case err == nil:
		return old.Update().SetValue(value).SetNote(note).Save(sys)
	case !ent.IsNotFound(err):
		return nil, err
	}
	gridID, err := client.KeyProject.Query().Where(keyproject.ID(m.ProjectID)).Select(keyproject.FieldGridID).Int(sys)
	if err != nil {
		return nil, fmt.Errorf("load the grid of key project %d: %w", m.ProjectID, err)
	}
	path, err := gridtree.SharedPath(ctx, client, gridID, "metricID")
	if err != nil {
		return nil, err
	}
	b := client.KeyProjectProgress.Create().SetMetricID(metricID).SetDay(day).SetValue(value).SetNote(note).SetGridPath(path)
	if v.PersonID != 0 {
		b.SetRecordedByID(v.PersonID)
	}
	return b.Save(sys)
}

// MetricProgress is where a metric stands: its latest reading against its target.
type MetricProgress struct {
	Metric *ent.KeyProjectMetric
	// Value is the latest cumulative value, 0 before any reading.
	Value float64
	// Day of the latest reading, "" before any.
	Day string
	// Percent is Value / Target × 100, capped at nothing (over-achievement shows).
	Percent float64
}

// Progress returns where every metric of the given projects stands, in two queries.
func Progress(ctx context.Context, client *ent.Client, projectIDs []int) (map[int][]MetricProgress, error) {
	metrics, err := client.KeyProjectMetric.Query().Where(keyprojectmetric.ProjectIDIn(projectIDs...)).
		Order(ent.Asc(keyprojectmetric.FieldSortOrder), ent.Asc(keyprojectmetric.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("progress: metrics: %w", err)
	}
	ids := make([]int, len(metrics))
	for i, m := range metrics {
		ids[i] = m.ID
	}
	readings, err := client.KeyProjectProgress.Query().Where(keyprojectprogress.MetricIDIn(ids...)).
		Order(ent.Asc(keyprojectprogress.FieldDay)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("progress: readings: %w", err)
	}
	latest := map[int]*ent.KeyProjectProgress{}
	for _, r := range readings {
		latest[r.MetricID] = r // ordered by day: the last one wins
	}
	out := map[int][]MetricProgress{}
	for _, m := range metrics {
		mp := MetricProgress{Metric: m}
		if r := latest[m.ID]; r != nil {
			mp.Value, mp.Day = r.Value, r.Day
		}
		if m.Target > 0 {
			mp.Percent = mp.Value / m.Target * 100
		}
		out[m.ProjectID] = append(out[m.ProjectID], mp)
	}
	return out, nil
}

// Under returns the projects led by grids in the subtree of rootID, in the viewer's scope.
func Under(ctx context.Context, client *ent.Client, rootID int, status *keyproject.Status) ([]*ent.KeyProject, error) {
	v, err := authz.Require(ctx)
	if err != nil {
		return nil, err
	}
	root, err := client.Grid.Get(ctx, rootID)
	if ent.IsNotFound(err) {
		return nil, authz.NotVisible(v, authz.ObjGrid, "gridID", rootID)
	}
	if err != nil {
		return nil, err
	}
	q := client.KeyProject.Query().Where(keyproject.GridPathHasPrefix(root.Path))
	if status != nil {
		q = q.Where(keyproject.StatusEQ(*status))
	}
	return q.Order(ent.Asc(keyproject.FieldCode)).All(ctx)
}
