package datagen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lib/pq"

	"gridgov/internal/progress"
)

// Seeds of the phases' sources (with the user's seed), apart so that changing one phase
// leaves the others' rows alone.
const (
	seedEvents   = 0x4556454e54
	seedVehicles = 0x56454849
	seedPatrols  = 0x50415452
	seedReports  = 0x5245504f
)

// eventChunk is how many cases are generated, then copied with their actions, at a time.
const eventChunk = 20_000

// loader writes rows with COPY in one transaction.
type loader struct {
	ctx  context.Context
	tx   *sql.Tx
	pr   *progress.Bar
	rows map[string]int
}

// copy runs one COPY into table; fill calls put once per row.
func (l *loader) copy(table string, cols []string, fill func(put func(vals ...any) error) error) error {
	stmt, err := l.tx.PrepareContext(l.ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	put := func(vals ...any) error {
		l.rows[table]++
		l.pr.Add(0, 1)
		_, err := stmt.ExecContext(l.ctx, vals...)
		return err
	}
	if err := fill(put); err != nil {
		stmt.Close()
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	if _, err := stmt.ExecContext(l.ctx); err != nil {
		stmt.Close()
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return stmt.Close()
}

// load writes the data set in one transaction: the loaded tables' secondary indexes and
// foreign keys are dropped, the rows copied, the indexes and keys rebuilt (which checks every
// reference and unique key at once) and the identity sequences moved past the written ids.
func load(ctx context.Context, db *sql.DB, p *plan, cats []category, seed uint64, pr *progress.Bar, counts map[string]int) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	for _, s := range []string{"SET LOCAL statement_timeout = 0", "SET LOCAL maintenance_work_mem = '256MB'", "SET LOCAL synchronous_commit = off"} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	rebuild, err := dropIndexes(ctx, tx)
	if err != nil {
		return err
	}
	l := &loader{ctx: ctx, tx: tx, pr: pr, rows: counts}
	d := newDailyGen(p, seed)
	for _, phase := range []struct {
		name  string
		total int
		run   func() error
	}{
		{"grids", len(p.grids), l.grids(p)},
		{"grid boundaries", len(p.grids), l.boundaryRows(p)},
		{"people", len(p.people), l.people(p)},
		{"assignments", len(p.assignments), l.assignments(p)},
		{"vehicles", 0, l.vehicles(p, d, rand.New(rand.NewPCG(seed, seedVehicles)))},
		{"events", p.scale.Events, l.events(p, newEventGen(p, rand.New(rand.NewPCG(seed, seedEvents)), cats))},
		{"households", len(p.leaves), l.households(p, d, 0)},
		{"household tags", len(p.leaves), l.households(p, d, 1)},
		{"visits", len(p.leaves), l.households(p, d, 2)},
		{"patrols", len(d.days), l.patrols(p, d, rand.New(rand.NewPCG(seed, seedPatrols)))},
		{"daily reports", 0, l.reports(p, d, rand.New(rand.NewPCG(seed, seedReports)))},
	} {
		pr.Start(phase.name, phase.total)
		if err := phase.run(); err != nil {
			return err
		}
		pr.End()
	}
	pr.Start("indexes", len(rebuild))
	for _, s := range rebuild {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("rebuild: %s: %w", s, err)
		}
		pr.Add(1, 0)
	}
	pr.End()
	for _, t := range loadedTables {
		// The next id the server takes is one past the largest written, in the table's range.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(
			`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), max(id)) FROM %[1]s HAVING count(*) > 0`, pq.QuoteIdentifier(t))); err != nil {
			return fmt.Errorf("move the id sequence of %s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// dropIndexes drops the loaded tables' foreign keys and the indexes that back no constraint
// (primary keys stay), and returns the statements that recreate them: indexes first, then
// keys.
func dropIndexes(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var rebuild, keys, drops []string
	rows, err := tx.QueryContext(ctx, `
		SELECT format('DROP INDEX %I', i.indexrelid::regclass::text), pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		UNION ALL
		SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, k.conname),
		       format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1)
		ORDER BY 1`, pq.Array(loadedTables))
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var drop, create string
		if err := rows.Scan(&drop, &create); err != nil {
			return nil, err
		}
		drops = append(drops, drop)
		if isAlter(create) {
			keys = append(keys, create)
		} else {
			rebuild = append(rebuild, create)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Keys first: an index may not be dropped while a key depends on it.
	for _, s := range append(filter(drops, true), filter(drops, false)...) {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	return append(rebuild, keys...), nil
}

// filter keeps the statements that alter tables (keys) or the others.
func filter(stmts []string, alter bool) []string {
	var out []string
	for _, s := range stmts {
		if isAlter(s) == alter {
			out = append(out, s)
		}
	}
	return out
}

func isAlter(stmt string) bool { return strings.HasPrefix(stmt, "ALTER ") }

// nullTime is a nullable timestamp column.
func nullTime(t interface{ IsZero() bool }) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (l *loader) grids(p *plan) func() error {
	return func() error {
		return l.copy(gridsTable.Name, []string{"id", "created_at", "updated_at", "code", "name", "kind", "level", "path",
			"households", "population", "area_description", "duties", "parent_id"}, func(put func(...any) error) error {
			for _, g := range p.grids {
				var parent any
				if g.parent >= 0 {
					parent = p.grids[g.parent].id
				}
				if err := put(g.id, p.created, p.created, g.code, g.name, string(g.kind), g.level, g.path,
					g.households, g.population, g.area, g.duties, parent); err != nil {
					return err
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}

func (l *loader) people(p *plan) func() error {
	return func() error {
		return l.copy(personsTable.Name, []string{"id", "created_at", "updated_at", "name", "gender", "phone", "title", "unit",
			"photo_url", "party_member", "grid_path", "grid_id"}, func(put func(...any) error) error {
			for _, r := range p.people {
				g := p.grids[r.grid]
				if err := put(r.id, p.created, p.created, r.name, string(r.gender), r.phone, r.title, r.unit, "", r.party, g.path, g.id); err != nil {
					return err
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}

func (l *loader) assignments(p *plan) func() error {
	return func() error {
		return l.copy(assignmentsTable.Name, []string{"id", "created_at", "updated_at", "role", "duty", "title", "valid_from",
			"valid_to", "end_reason", "grid_path", "grid_id", "person_id"}, func(put func(...any) error) error {
			for _, a := range p.assignments {
				var duty any
				if a.duty != "" {
					duty = string(a.duty)
				}
				updated := a.from
				if !a.to.IsZero() {
					updated = a.to
				}
				g := p.grids[a.grid]
				if err := put(a.id, a.from, updated, string(a.role), duty, a.title, a.from, nullTime(a.to), a.endReason,
					g.path, g.id, p.people[a.person].id); err != nil {
					return err
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}

func (l *loader) vehicles(p *plan, d *dailyGen, r *rand.Rand) func() error {
	return func() error {
		d.planVehicles(r)
		return l.copy(vehiclesTable.Name, []string{"id", "created_at", "updated_at", "plate", "kind", "in_service",
			"grid_path", "grid_id", "person_id"}, func(put func(...any) error) error {
			for _, v := range d.vehicles {
				g := p.grids[v.grid]
				if err := put(v.id, p.created, p.created, v.plate, string(v.kind), true, g.path, g.id, p.people[v.person].id); err != nil {
					return err
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}

func (l *loader) events(p *plan, g *eventGen) func() error {
	person := func(pi int) any {
		if pi < 0 {
			return nil
		}
		return p.people[pi].id
	}
	return func() error {
		evs := make([]eventRow, 0, eventChunk)
		acts := make([]actionRow, 0, eventChunk*8)
		for done := 0; done < p.scale.Events; {
			evs, acts = evs[:0], acts[:0]
			for len(evs) < eventChunk && done < p.scale.Events {
				var e eventRow
				e, acts = g.next(acts)
				evs = append(evs, e)
				done++
			}
			err := l.copy(eventsTable.Name, []string{"id", "created_at", "updated_at", "tracking_code", "source", "title",
				"description", "address", "latitude", "longitude", "photo_urls", "quantity", "unit", "status", "reported_at",
				"registered_at", "deadline", "limit_unit", "requested_deadline", "closed_at", "feedback", "rework_count",
				"escalation_count", "version", "reporter_name", "reporter_phone", "grid_path", "origin_path", "grid_id",
				"origin_grid_id", "category_id", "reporter_id", "assignee_id", "duplicate_of_id"}, func(put func(...any) error) error {
				for i := range evs {
					e := &evs[i]
					cur, origin := p.grids[e.grid], p.grids[e.origin]
					if err := put(e.id, e.reported, e.updated, e.code, e.source, e.title, e.desc, e.addr, e.lat, e.lng, e.photos,
						e.qty, e.unit, string(e.status), e.reported, nullTime(e.registered), nullTime(e.deadline), e.limitUnit,
						nullTime(e.requested), nullTime(e.closed), e.feedback, e.rework, e.escalations, e.version,
						e.reporterName, e.reporterPhone, cur.path, origin.path, cur.id, origin.id, e.cat.id,
						person(e.reporter), person(e.assignee), e.duplicateOf); err != nil {
						return err
					}
					l.pr.Add(1, 0)
				}
				return nil
			})
			if err != nil {
				return err
			}
			err = l.copy(eventActionsTable.Name, []string{"id", "created_at", "updated_at", "action", "from_status", "to_status",
				"from_grid_id", "to_grid_id", "note", "system", "event_id", "actor_id"}, func(put func(...any) error) error {
				for _, a := range acts {
					var fromGrid any
					if a.fromGrid >= 0 {
						fromGrid = p.grids[a.fromGrid].id
					}
					if err := put(a.id, a.at, a.at, string(a.action), a.from, string(a.to), fromGrid, p.grids[a.toGrid].id,
						a.note, false, a.event, person(a.actor)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// households writes, in pass 0, 1 or 2, the households, their plates or their visits.
func (l *loader) households(p *plan, d *dailyGen, pass int) func() error {
	return func() error {
		var hh []householdRow
		table, cols := householdsTable, []string{"id", "created_at", "updated_at", "address", "head_name", "members",
			"phone", "care_level", "notes", "grid_path", "grid_id", "head_person_id"}
		switch pass {
		case 1:
			table, cols = householdTagsTable, []string{"id", "created_at", "updated_at", "kind", "post", "pledge",
				"plate_hung_at", "grid_path", "household_id"}
		case 2:
			table, cols = visitsTable, []string{"id", "created_at", "updated_at", "visited_at", "notes", "concerns",
				"grid_path", "household_id", "visitor_id", "event_id"}
		}
		id := firstID(table) // the plates' and visits' ids; households carry their own
		return l.copy(table.Name, cols, func(put func(...any) error) error {
			for li, leaf := range p.leaves {
				g := p.grids[leaf.grid]
				hh = d.households(li, hh)
				for _, h := range hh {
					var err error
					switch pass {
					case 0:
						err = put(h.id, p.created, p.created, h.address, h.head, h.members, h.phone, string(h.care), h.notes, g.path, g.id, nil)
					case 1:
						for _, t := range h.tags {
							if err = put(id, t.hung, t.hung, string(t.kind), t.post, t.pledge, t.hung, g.path, h.id); err != nil {
								break
							}
							id++
						}
					case 2:
						for _, v := range h.visits {
							if err = put(id, v.at, v.at, v.at, v.notes, v.concerns, g.path, h.id, p.people[v.visitor].id, nil); err != nil {
								break
							}
							id++
						}
					}
					if err != nil {
						return err
					}
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}

func (l *loader) patrols(p *plan, d *dailyGen, r *rand.Rand) func() error {
	return func() error {
		id := firstID(patrolsTable)
		var rows []patrolRow
		return l.copy(patrolsTable.Name, []string{"id", "created_at", "updated_at", "started_at", "ended_at", "track",
			"distance_m", "findings", "grid_path", "grid_id", "person_id", "vehicle_id"}, func(put func(...any) error) error {
			for _, day := range d.days {
				for li := range p.leaves {
					rows = d.patrols(r, li, day, rows[:0])
					for _, pt := range rows {
						var car any
						if pt.vehicle != 0 {
							car = pt.vehicle
						}
						g := p.grids[pt.grid]
						if err := put(id, pt.end, pt.end, pt.start, pt.end, pt.track, pt.distance, pt.findings, g.path, g.id,
							p.people[pt.person].id, car); err != nil {
							return err
						}
						id++
					}
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}

func (l *loader) reports(p *plan, d *dailyGen, r *rand.Rand) func() error {
	return func() error {
		people, grids := d.reporters()
		l.pr.SetTotal(len(people))
		id := firstID(dailyReportsTable)
		return l.copy(dailyReportsTable.Name, []string{"id", "created_at", "updated_at", "day", "summary", "submitted_at",
			"grid_path", "grid_id", "person_id"}, func(put func(...any) error) error {
			for k, pi := range people {
				g := p.grids[grids[k]]
				for _, day := range d.days {
					working := d.cal.IsWorkingDay(day.Add(12 * time.Hour))
					prob := 0.25
					if working {
						prob = 0.85
					}
					if r.Float64() >= prob {
						continue
					}
					text := reportTexts[r.IntN(len(reportTexts)-1)]
					if !working {
						text = reportTexts[len(reportTexts)-1]
					}
					at := day.Add(17*time.Hour + 30*time.Minute + time.Duration(r.IntN(240))*time.Minute).UTC()
					if at.After(p.until) {
						continue // not yet written when the data set ends
					}
					if err := put(id, at, at, day.Format(time.DateOnly), text+"。", at, g.path, g.id, p.people[pi].id); err != nil {
						return err
					}
					id++
				}
				l.pr.Add(1, 0)
			}
			return nil
		})
	}
}
