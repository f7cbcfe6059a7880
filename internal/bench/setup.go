package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// shanghai is China Standard Time, in which rollup months begin. China has kept UTC+8 without
// daylight saving since 1991, so a fixed zone is exact and needs no tzdata on the client.
var shanghai = time.FixedZone("CST", 8*3600)

// session is a signed-in benchmark account.
type session struct {
	username string
	token    string
	root     string // the id of the grid at the top of the account's scope
}

// cases are what the village official sees of the latest cases: their ids and grids.
type cases struct {
	ids   []string
	grids []string
}

// setup is the state the scenarios share while they are prepared: sign-ins, discovered
// grids and periods, each found once however many scenarios need it.
type setup struct {
	cfg     Config
	c       *client
	notices []string

	sessions   map[string]*session // by username
	seen       *cases
	monthStart time.Time
	rollup     string
}

// notice records something the reader of the results should know.
func (s *setup) notice(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.notices = append(s.notices, msg)
	s.cfg.logf("note: %s", msg)
}

func (s *setup) village(ctx context.Context) (*session, error) {
	return s.session(ctx, s.cfg.VillageUser)
}

func (s *setup) admin(ctx context.Context) (*session, error) {
	return s.session(ctx, s.cfg.AdminUser)
}

// session returns the session of username, signing in the first time.
func (s *setup) session(ctx context.Context, username string) (*session, error) {
	if sess, ok := s.sessions[username]; ok {
		return sess, nil
	}
	sess, err := s.signIn(ctx, username)
	if err != nil {
		return nil, err
	}
	if s.sessions == nil {
		s.sessions = map[string]*session{}
	}
	s.sessions[username] = sess
	return sess, nil
}

// signIn signs username in and finds the grid at the top of its scope: the first scope root
// with a grid, or for a system administrator (whose scope root "/" has none) the root of
// the tree, found as the topmost ancestor of some case.
func (s *setup) signIn(ctx context.Context, username string) (*session, error) {
	var out struct {
		Login struct {
			Token string
			Me    struct {
				Scope []struct {
					Path string
					Grid *struct{ ID string }
				}
			}
		}
	}
	err := s.c.query(ctx, request{operation: "BenchLogin",
		query: `mutation BenchLogin($u: String!, $p: String!) {
  login(username: $u, password: $p) { token me { scope { path grid { id } } } }
}`,
		vars: map[string]any{"u": username, "p": s.cfg.Password}}, &out)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", username, err)
	}
	sess := &session{username: username, token: out.Login.Token}
	for _, r := range out.Login.Me.Scope {
		if r.Grid != nil {
			sess.root = r.Grid.ID
			break
		}
	}
	if sess.root == "" && len(out.Login.Me.Scope) > 0 {
		if sess.root, err = s.treeRoot(ctx, sess.token); err != nil {
			return nil, fmt.Errorf("%s: %w", username, err)
		}
	}
	if sess.root == "" {
		return nil, fmt.Errorf("%s has no scope: it holds no role on any grid", username)
	}
	s.cfg.logf("signed in as %s (scope root grid %s)", username, sess.root)
	return sess, nil
}

// treeRoot returns the root grid of the tree, for a viewer who sees everything.
func (s *setup) treeRoot(ctx context.Context, token string) (string, error) {
	var out struct {
		Events struct {
			Edges []struct {
				Node struct {
					OriginGrid *struct {
						ID        string
						Ancestors []struct{ ID string }
					}
				}
			}
		}
	}
	if err := s.c.query(ctx, request{token: token, operation: "BenchTreeRoot",
		query: `query BenchTreeRoot { events(first: 1) { edges { node { originGrid { id ancestors { id } } } } } }`}, &out); err != nil {
		return "", err
	}
	for _, e := range out.Events.Edges {
		if g := e.Node.OriginGrid; g != nil {
			if len(g.Ancestors) > 0 {
				return g.Ancestors[0].ID, nil
			}
			return g.ID, nil
		}
	}
	return "", fmt.Errorf("no case to find the root grid from")
}

// villageCases returns the village official's session and the ids and grids of the latest
// cases the official sees.
func (s *setup) villageCases(ctx context.Context) (*session, *cases, error) {
	v, err := s.village(ctx)
	if err != nil || s.seen != nil {
		return v, s.seen, err
	}
	var out struct {
		Events struct {
			Edges []struct {
				Node struct {
					ID   string
					Grid *struct{ ID string }
				}
			}
		}
	}
	if err := s.c.query(ctx, request{token: v.token, operation: "BenchVillageCases",
		query: `query BenchVillageCases { events(first: 200, orderBy: {field: REPORTED_AT, direction: DESC}) { edges { node { id grid { id } } } } }`}, &out); err != nil {
		return nil, nil, err
	}
	seen := &cases{}
	grids := map[string]bool{}
	for _, e := range out.Events.Edges {
		seen.ids = append(seen.ids, e.Node.ID)
		if g := e.Node.Grid; g != nil && !grids[g.ID] {
			grids[g.ID] = true
			seen.grids = append(seen.grids, g.ID)
		}
	}
	s.seen = seen
	return v, seen, nil
}

// gridsOutside returns the grids of the viewer's latest cases that are neither the grid
// outside nor under it.
func (s *setup) gridsOutside(ctx context.Context, token, outside string) ([]string, error) {
	var out struct {
		Events struct {
			Edges []struct {
				Node struct {
					Grid *struct {
						ID        string
						Ancestors []struct{ ID string }
					}
				}
			}
		}
	}
	if err := s.c.query(ctx, request{token: token, operation: "BenchOtherGrids",
		query: `query BenchOtherGrids { events(first: 200, orderBy: {field: REPORTED_AT, direction: DESC}) { edges { node { grid { id ancestors { id } } } } } }`}, &out); err != nil {
		return nil, err
	}
	var grids []string
	seen := map[string]bool{}
	for _, e := range out.Events.Edges {
		g := e.Node.Grid
		if g == nil || g.ID == outside || seen[g.ID] {
			continue
		}
		under := false
		for _, a := range g.Ancestors {
			under = under || a.ID == outside
		}
		if !under {
			seen[g.ID] = true
			grids = append(grids, g.ID)
		}
	}
	if len(grids) == 0 {
		return nil, fmt.Errorf("the administrator sees no case outside grid %s to report beside", outside)
	}
	return grids, nil
}

// month returns the start of the rollups' month in Asia/Shanghai: Config.Month, or the
// month of the latest case not filed by the benchmark, so that the periods hold data however
// old the data set is and do not move when the report scenario files new cases.
func (s *setup) month(ctx context.Context) (time.Time, error) {
	if !s.monthStart.IsZero() {
		return s.monthStart, nil
	}
	if s.cfg.Month != "" {
		m, err := time.ParseInLocation("2006-01", s.cfg.Month, shanghai)
		if err != nil {
			return time.Time{}, fmt.Errorf("month %q: want YYYY-MM", s.cfg.Month)
		}
		s.monthStart = m
		return m, nil
	}
	a, err := s.admin(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var out struct {
		Events struct {
			Edges []struct {
				Node struct{ ReportedAt time.Time }
			}
		}
	}
	if err := s.c.query(ctx, request{token: a.token, operation: "BenchLatestCase",
		query: `query BenchLatestCase($prefix: String!) {
  events(first: 1, where: {not: {titleHasPrefix: $prefix}}, orderBy: {field: REPORTED_AT, direction: DESC}) {
    edges { node { reportedAt } }
  }
}`,
		vars: map[string]any{"prefix": ReportTitlePrefix}}, &out); err != nil {
		return time.Time{}, err
	}
	if len(out.Events.Edges) == 0 {
		return time.Time{}, fmt.Errorf("%s sees no cases: no month to roll up (give one with --month)", a.username)
	}
	t := out.Events.Edges[0].Node.ReportedAt.In(shanghai)
	s.monthStart = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, shanghai)
	s.notice("rollup month %s, year %s to %s: the month of the latest case (--month to choose another)",
		s.monthStart.Format("2006-01"), s.monthStart.AddDate(0, -11, 0).Format("2006-01"), s.monthStart.Format("2006-01"))
	return s.monthStart, nil
}

// rollupQuery returns rollupQuery if the server knows its thenBy argument, else the query
// without it, with a notice. It asks the server once.
func (s *setup) rollupQuery(ctx context.Context, a *session) (string, error) {
	if s.rollup != "" {
		return s.rollup, nil
	}
	m, err := s.month(ctx)
	if err != nil {
		return "", err
	}
	probe := func(q string) ([]gqlError, error) {
		_, resp, err := s.c.do(ctx, request{token: a.token, operation: "BenchRollup", query: q, vars: map[string]any{
			"g": a.root, "from": m.Format(time.RFC3339), "to": m.AddDate(0, 1, 0).Format(time.RFC3339),
		}})
		if resp != nil && len(resp.Errors) > 0 {
			return resp.Errors, nil
		}
		return nil, err
	}
	errs, err := probe(rollupQuery)
	if err != nil {
		return "", fmt.Errorf("rollup: %w", err)
	}
	q := rollupQuery
	if unknownThenBy(errs) {
		q = strings.Replace(rollupQuery, thenByArg, "", 1)
		s.notice("the server's rollup has no thenBy argument: the rollups group by CHILD_GRID only, not child grid × category")
		if errs, err = probe(q); err != nil {
			return "", fmt.Errorf("rollup: %w", err)
		}
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("rollup: %w", errorsError(errs))
	}
	s.rollup = q
	return q, nil
}

// unknownThenBy reports whether errs say that the server does not know rollup's thenBy.
func unknownThenBy(errs []gqlError) bool {
	for _, e := range errs {
		if strings.Contains(e.Message, "Unknown argument") && strings.Contains(e.Message, "thenBy") {
			return true
		}
	}
	return false
}
