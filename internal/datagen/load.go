package datagen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"gridgov/authz"
	"gridgov/ent"
	entmigrate "gridgov/ent/migrate"
	"gridgov/internal/auth"
	"gridgov/internal/progress"
	"gridgov/internal/rollup"
	"gridgov/internal/store"
	"gridgov/internal/workcal"
	"gridgov/internal/workflow"
)

// The tables the generator writes with COPY, with the global-id range each one's ids come
// from.
var (
	gridsTable         = entmigrate.GridsTable
	personsTable       = entmigrate.PersonsTable
	assignmentsTable   = entmigrate.AssignmentsTable
	vehiclesTable      = entmigrate.VehiclesTable
	eventsTable        = entmigrate.EventsTable
	eventActionsTable  = entmigrate.EventActionsTable
	householdsTable    = entmigrate.HouseholdsTable
	householdTagsTable = entmigrate.HouseholdTagsTable
	visitsTable        = entmigrate.VisitsTable
	patrolsTable       = entmigrate.PatrolsTable
	dailyReportsTable  = entmigrate.DailyReportsTable
)

// loadedTables lists them in load order.
var loadedTables = []string{
	gridsTable.Name, personsTable.Name, assignmentsTable.Name, vehiclesTable.Name, eventsTable.Name,
	eventActionsTable.Name, householdsTable.Name, householdTagsTable.Name, visitsTable.Name, patrolsTable.Name,
	dailyReportsTable.Name,
}

// DefaultUntil is the moment a generated data set describes when Options.Until is zero: the
// end of a working day, fixed so that a seed always gives the same rows. Open cases stand as
// they stood then; the server's "overdue" compares deadlines with the real clock.
var DefaultUntil = time.Date(2026, 11, 20, 18, 0, 0, 0, workcal.Default().Location())

// DefaultPassword is the password of the generated accounts unless Options.Password is set.
const DefaultPassword = "gridgov-bench"

// The generated sign-ins.
const (
	AdminUsername   = "gen-admin"
	VillageUsername = "gen-village"
)

// ErrNotEmpty means the database already holds gridgov data; Options.Reset replaces it.
var ErrNotEmpty = errors.New("database already holds data")

// Options configure Generate.
type Options struct {
	// URL is the PostgreSQL database, postgres://…
	URL   string
	Scale Scale
	// Seed selects the data set: the same seed and scale give the same rows.
	Seed uint64
	// Password of the generated accounts; DefaultPassword when empty.
	Password string
	// Reset drops the database's schema and recreates it with the migrations first.
	Reset bool
	// Until is the end of the data set; DefaultUntil when zero.
	Until time.Time
	// Progress receives the progress bar (nil: none).
	Progress io.Writer
}

// Account is a generated sign-in.
type Account struct {
	Username, Description string
}

// Result is what Generate wrote.
type Result struct {
	// Rows counts the rows written per table.
	Rows     map[string]int
	Accounts []Account
	Elapsed  time.Duration
}

// Generate writes the data set described by o into an empty PostgreSQL database (or, with
// Reset, into a freshly recreated schema): everything in one transaction, then the accounts,
// ANALYZE and the post-load steps.
func Generate(ctx context.Context, o Options) (*Result, error) {
	began := time.Now()
	if err := o.Scale.validate(); err != nil {
		return nil, err
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if len([]rune(o.Password)) < auth.MinPasswordLen {
		return nil, fmt.Errorf("password must have at least %d characters", auth.MinPasswordLen)
	}
	if o.Until.IsZero() {
		o.Until = DefaultUntil
	}
	if store.Dialect(o.URL) != dialect.Postgres {
		return nil, fmt.Errorf("gen writes PostgreSQL only (COPY): give a postgres:// URL, not %s", store.RedactURL(o.URL))
	}
	client, db, err := store.Open(ctx, o.URL, store.WithMaxOpenConns(4))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	if o.Reset {
		if err := resetSchema(ctx, db); err != nil {
			return nil, err
		}
	}
	if err := store.Migrate(ctx, client); err != nil {
		return nil, err
	}
	if err := checkEmpty(ctx, db); err != nil {
		return nil, err
	}
	if err := workflow.SeedCategories(ctx, client); err != nil {
		return nil, err
	}
	cats, err := loadCategories(ctx, db)
	if err != nil {
		return nil, err
	}

	loc := workcal.Default().Location()
	until := o.Until.In(loc)
	from := time.Date(until.Year()-o.Scale.Years, until.Month(), until.Day(), 0, 0, 0, 0, loc)
	p := planTree(rand.New(rand.NewPCG(o.Seed, 0x54524545)), o.Scale, from, o.Until.UTC())
	if len(p.people) != o.Scale.People {
		return nil, fmt.Errorf("scale %s: its tree needs %d people, more than the %d asked for", o.Scale.Name, len(p.people), o.Scale.People)
	}
	p.sizeHouseholds(rand.New(rand.NewPCG(o.Seed, 0x53495a45)))

	pr := progress.New(o.Progress)
	res := &Result{Rows: map[string]int{}}
	if err := load(ctx, db, p, cats, o.Seed, pr, res.Rows); err != nil {
		return nil, err
	}

	pr.Start("accounts", 2)
	res.Accounts = []Account{
		{AdminUsername, fmt.Sprintf("系统管理员 (ADMIN) of %s: sees everything", p.grids[0].name)},
		{VillageUsername, fmt.Sprintf("%s of %s (%s, %d leaf grids): that village only",
			p.people[p.official].title, p.grids[p.officialGrid].name, p.grids[p.officialGrid].code, len(p.leavesOf(p.officialGrid)))},
	}
	for i, pi := range []int{p.admin, p.official} {
		if _, err := auth.CreateUser(ctx, client, auth.NewUser{Username: res.Accounts[i].Username, Password: o.Password, PersonID: p.people[pi].id}); err != nil {
			return nil, fmt.Errorf("create account %s: %w", res.Accounts[i].Username, err)
		}
		pr.Add(1, 1)
	}
	pr.End()

	// ANALYZE first, so that the post-load steps' queries are planned on the tables' real
	// sizes (without statistics PostgreSQL takes a city's district for 50,000 cases, not a
	// million), and the summary they write again after them.
	pr.Start("analyze", 0)
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	pr.End()
	if err := postLoad(ctx, client, pr); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "ANALYZE "+pq.QuoteIdentifier(entmigrate.EventTalliesTable.Name)); err != nil {
		return nil, fmt.Errorf("analyze the summary: %w", err)
	}
	res.Elapsed = time.Since(began)
	return res, nil
}

// postLoad runs the post-load steps: derived data the server maintains incrementally (summary
// tables) is rebuilt here from the raw rows just written, before ANALYZE.
func postLoad(ctx context.Context, client *ent.Client, pr *progress.Bar) error {
	steps := []struct {
		name string
		run  func(context.Context, *ent.Client) error
	}{
		{"rollup summary", func(ctx context.Context, c *ent.Client) error {
			last := 0
			_, err := rollup.RebuildInTx(authz.SystemContext(ctx, "build the rollup summary of generated cases"), c,
				func(done int) { pr.Add(done-last, 0); last = done })
			return err
		}},
	}
	for _, s := range steps {
		pr.Start(s.name, 0)
		if err := s.run(ctx, client); err != nil {
			return fmt.Errorf("post-load step %s: %w", s.name, err)
		}
		pr.End()
	}
	return nil
}

func (p *plan) leavesOf(gi int) []int {
	for _, v := range p.villages {
		if v.grid == gi {
			return v.leaves
		}
	}
	return nil
}

// resetSchema drops the current schema with everything in it and creates it empty.
func resetSchema(ctx context.Context, db *sql.DB) error {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	q := pq.QuoteIdentifier(schema)
	if _, err := db.ExecContext(ctx, "DROP SCHEMA "+q+" CASCADE; CREATE SCHEMA "+q); err != nil {
		return fmt.Errorf("reset schema %s: %w", schema, err)
	}
	return nil
}

// checkEmpty refuses a database that holds grids, people, cases or accounts.
func checkEmpty(ctx context.Context, db *sql.DB) error {
	for _, t := range []string{gridsTable.Name, personsTable.Name, eventsTable.Name, entmigrate.UsersTable.Name} {
		var found bool
		if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+pq.QuoteIdentifier(t)+")").Scan(&found); err != nil {
			return fmt.Errorf("check %s: %w", t, err)
		}
		if found {
			return fmt.Errorf("%w (table %s has rows): pass --reset to drop and recreate its schema", ErrNotEmpty, t)
		}
	}
	return nil
}

// loadCategories reads the categories that have a case spec, in id order.
func loadCategories(ctx context.Context, db *sql.DB) ([]category, error) {
	rows, err := db.QueryContext(ctx, "SELECT id, code, time_limit, limit_unit FROM event_categories WHERE active ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	defer rows.Close()
	var out []category
	for rows.Next() {
		var c category
		if err := rows.Scan(&c.id, &c.code, &c.limit, &c.limitUnit); err != nil {
			return nil, err
		}
		if spec, ok := caseSpecs[c.code]; ok {
			c.caseSpec = spec
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no case categories of the starter taxonomy are active")
	}
	return out, nil
}
