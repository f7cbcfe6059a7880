package publicface

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gridgov/authz"
	"gridgov/ent"
	"gridgov/ent/assignment"
	"gridgov/ent/grid"
	"gridgov/internal/apperr"
	"gridgov/internal/clock"
	"gridgov/internal/gridtree"
	"gridgov/internal/labels"
	"gridgov/internal/roster"
)

// MaxCards bounds a printed sheet of cards or badges: a district has ~2,000 level-3 grids,
// and a sheet is printed per sub-district or village.
const MaxCards = 500

// Service reads the public data.
type Service struct {
	Client *ent.Client
	// SupervisionPhone is the supervision group's number (督察电话) printed on every card.
	SupervisionPhone string
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// client is the client of ctx when it carries one (the read replica's, chosen for a query or
// a public page; a mutation's transaction), else s.Client.
func (s *Service) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return s.Client
}

// NewService returns a service on client.
func NewService(client *ent.Client, supervisionPhone string) *Service {
	return &Service{Client: client, SupervisionPhone: supervisionPhone, Now: clock.Now}
}

// Card is a grid's public notice card (公示卡).
type Card struct {
	GridCode  string
	GridName  string
	KindLabel string
	// Breadcrumb names the grids above, from the sub-district down to the parent.
	Breadcrumb []string
	// Area is the area the grid covers (网格范围).
	Area string
	// Duties are the duties of the grid's staff (工作职责).
	Duties     string
	Households int
	// People are those responsible for the grid today, the grid head first.
	People           []*Person
	SupervisionPhone string
	// ReportPath is the path of the grid's public report page, which the QR code opens.
	ReportPath string
}

// Person is someone responsible for a grid as the public sees them.
type Person struct {
	Name string
	// Title is the job title of the role (职务), else the person's own.
	Title string
	// PhotoURL is empty when there is no photo; pages show a placeholder.
	PhotoURL string
	// Phone is masked: 138****5678.
	Phone      string
	Roles      []assignment.Role
	RoleLabels []string
	// DutyLabels are the duties of specific-responsible roles, e.g. 巡防员.
	DutyLabels []string
}

// Badge is a staff badge (胸卡) of a grid head or workstation head: one per person, listing
// every grid they head or run the workstation of under the printed subtree.
type Badge struct {
	Name     string
	Title    string
	PhotoURL string
	Phone    string
	// Role and GridCode are those of the first grid by code; RoleLabel names all the roles.
	Role      assignment.Role
	RoleLabel string
	GridCode  string
	// GridName names every grid on the badge, 、-separated.
	GridName string
	// Scope is the scope of work: one grid with the grids above it and the area it covers,
	// or several grids by the grid above them.
	Scope string
	// Duties are the distinct duties of the grids, one paragraph each.
	Duties string
	// Grids are the grids on the badge, by code.
	Grids []BadgeGrid
}

// BadgeGrid is one of the grids a badge's holder heads or runs the workstation of.
type BadgeGrid struct {
	Code, Name, Area, Duties string
	Role                     assignment.Role
	// Crumbs name the grids above, from the sub-district down to the parent.
	Crumbs []string
	// title is the holder's job title in the role here.
	title string
}

// cardRoles are the roles printed on a card, in the order they are listed. System roles
// (ADMIN, SUPERVISOR) are not: they are not the grid's responsibles.
var cardRoles = []assignment.Role{
	assignment.RoleGRID_HEAD, assignment.RoleWORKSTATION_HEAD, assignment.RoleFIRST_RESPONSIBLE,
	assignment.RoleDIRECT_RESPONSIBLE, assignment.RoleSPECIFIC_RESPONSIBLE, assignment.RoleRESPONSIBLE_LEADER,
}

// HasCard reports whether a grid kind gets a notice card: the level-3 grids (villager groups,
// key enterprises, residential compounds, unit grids).
func HasCard(k grid.Kind) bool { return gridtree.TierOf(k) == gridtree.TierGrid }

// MaskPhone hides the middle of a phone number: 13812345678 → 138****5678. A number too short
// to keep both ends is hidden entirely.
func MaskPhone(phone string) string {
	p := strings.TrimSpace(phone)
	if p == "" {
		return ""
	}
	if utf8.RuneCountInString(p) < 8 {
		return "****"
	}
	r := []rune(p)
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

// ReportPath is the path of a grid's public report page.
func ReportPath(code string) string { return "/report/" + code }

// gridByCode loads a grid on the system's account; nil when there is none.
func (s *Service) gridByCode(ctx context.Context, code string) (*ent.Grid, error) {
	if code == "" || len(code) > 32 {
		return nil, nil
	}
	g, err := s.client(ctx).Grid.Query().Where(grid.Code(code)).Only(authz.SystemContext(ctx, "public grid lookup"))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return g, err
}

// Card returns the notice card of the level-3 grid with code; nil when there is no such grid
// or it is not a level-3 grid.
func (s *Service) Card(ctx context.Context, code string) (*Card, error) {
	g, err := s.gridByCode(ctx, code)
	if err != nil || g == nil || !HasCard(g.Kind) {
		return nil, err
	}
	cards, err := s.cardsOf(ctx, []*ent.Grid{g})
	if err != nil {
		return nil, err
	}
	return cards[0], nil
}

// Cards returns the cards of every level-3 grid at or under the grid with rootCode, by code;
// nil when there is no such grid. More than MaxCards is refused: print a smaller subtree.
func (s *Service) Cards(ctx context.Context, rootCode string) ([]*Card, error) {
	root, err := s.gridByCode(ctx, rootCode)
	if err != nil || root == nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "public cards of a subtree")
	gs, err := s.client(ctx).Grid.Query().
		Where(grid.PathHasPrefix(root.Path), grid.KindIn(cardKinds()...)).
		Order(ent.Asc(grid.FieldCode)).Limit(MaxCards + 1).All(sys)
	if err != nil {
		return nil, fmt.Errorf("cards under %s: %w", rootCode, err)
	}
	if len(gs) > MaxCards {
		return nil, apperr.Invalid("rootCode", "more than %d cards under %s: print one sub-district or village at a time", MaxCards, rootCode)
	}
	return s.cardsOf(ctx, gs)
}

// cardKinds are the grid kinds that get a card.
func cardKinds() []grid.Kind {
	var out []grid.Kind
	for _, l := range mustLabels("GridKind") {
		if k := grid.Kind(l.Value); HasCard(k) {
			out = append(out, k)
		}
	}
	return out
}

func mustLabels(enum string) []labels.Label {
	ls, _ := labels.Of(enum)
	return ls
}

// cardsOf builds the cards of gs in three queries: the assignments held today with their
// people, and the ancestors for the breadcrumbs.
func (s *Service) cardsOf(ctx context.Context, gs []*ent.Grid) ([]*Card, error) {
	sys := authz.SystemContext(ctx, "public cards")
	ids := make([]int, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	as, err := s.client(ctx).Assignment.Query().
		Where(assignment.GridIDIn(ids...), assignment.RoleIn(cardRoles...), roster.HeldAt(s.Now())).
		WithPerson().Order(ent.Asc(assignment.FieldValidFrom), ent.Asc(assignment.FieldID)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("responsibles of %d grids: %w", len(ids), err)
	}
	byGrid := map[int][]*ent.Assignment{}
	for _, a := range as {
		byGrid[a.GridID] = append(byGrid[a.GridID], a)
	}
	crumbs, err := s.breadcrumbs(sys, gs)
	if err != nil {
		return nil, err
	}
	out := make([]*Card, len(gs))
	for i, g := range gs {
		out[i] = &Card{
			GridCode: g.Code, GridName: g.Name, KindLabel: labels.For("GridKind", string(g.Kind)),
			Breadcrumb: crumbs[g.ID], Area: g.AreaDescription, Duties: g.Duties, Households: g.Households,
			People: peopleOf(byGrid[g.ID]), SupervisionPhone: s.SupervisionPhone, ReportPath: ReportPath(g.Code),
		}
	}
	return out, nil
}

// titleOf is the job title of the role a (职务), else its person's own; a has its person.
func titleOf(a *ent.Assignment) string {
	if a.Title != "" {
		return a.Title
	}
	return a.Edges.Person.Title
}

// peopleOf merges the assignments of one grid into one entry per person, ordered by their
// first role in cardRoles.
func peopleOf(as []*ent.Assignment) []*Person {
	slices.SortStableFunc(as, func(a, b *ent.Assignment) int {
		return slices.Index(cardRoles, a.Role) - slices.Index(cardRoles, b.Role)
	})
	byPerson := map[int]*Person{}
	out := []*Person{}
	for _, a := range as {
		p := a.Edges.Person
		if p == nil {
			continue
		}
		entry, ok := byPerson[p.ID]
		if !ok {
			entry = &Person{Name: p.Name, Title: titleOf(a), PhotoURL: p.PhotoURL, Phone: MaskPhone(p.Phone)}
			byPerson[p.ID] = entry
			out = append(out, entry)
		}
		if !slices.Contains(entry.Roles, a.Role) {
			entry.Roles = append(entry.Roles, a.Role)
			entry.RoleLabels = append(entry.RoleLabels, labels.For("Role", string(a.Role)))
		}
		if a.Duty != nil {
			if l := labels.For("Duty", string(*a.Duty)); !slices.Contains(entry.DutyLabels, l) {
				entry.DutyLabels = append(entry.DutyLabels, l)
			}
		}
	}
	return out
}

// ancestorIDs are the ids of the grids above g, root first.
func ancestorIDs(g *ent.Grid) []int {
	ids := authz.PathIDs(g.Path)
	return slices.DeleteFunc(ids, func(id int) bool { return id == g.ID })
}

// breadcrumbs returns, per grid, the names of the grids above it from level 1 (the
// sub-district in the demo) down to the parent; roots above level 1 (district, city) are left
// out, as a card posted in a village needs no more.
func (s *Service) breadcrumbs(sys context.Context, gs []*ent.Grid) (map[int][]string, error) {
	need := map[int]bool{}
	chains := make(map[int][]int, len(gs))
	for _, g := range gs {
		for _, id := range ancestorIDs(g) {
			need[id] = true
			chains[g.ID] = append(chains[g.ID], id)
		}
	}
	ids := make([]int, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	anc, err := s.client(sys).Grid.Query().Where(grid.IDIn(ids...)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("breadcrumbs: %w", err)
	}
	byID := make(map[int]*ent.Grid, len(anc))
	for _, a := range anc {
		byID[a.ID] = a
	}
	out := make(map[int][]string, len(gs))
	for _, g := range gs {
		names := []string{}
		for _, id := range chains[g.ID] {
			if a := byID[id]; a != nil && gridtree.TierOf(a.Kind) >= gridtree.TierSubDistrict {
				names = append(names, a.Name)
			}
		}
		out[g.ID] = names
	}
	return out, nil
}

// Badges returns the badges of the grid heads and workstation heads holding their role today
// at or under the grid with rootCode, one per person, by the code of their first grid; nil
// when there is no such grid.
func (s *Service) Badges(ctx context.Context, rootCode string) ([]*Badge, error) {
	root, err := s.gridByCode(ctx, rootCode)
	if err != nil || root == nil {
		return nil, err
	}
	sys := authz.SystemContext(ctx, "public badges")
	as, err := s.client(ctx).Assignment.Query().
		Where(assignment.GridPathHasPrefix(root.Path),
			assignment.RoleIn(assignment.RoleWORKSTATION_HEAD, assignment.RoleGRID_HEAD), roster.HeldAt(s.Now())).
		WithPerson().WithGrid().
		Order(ent.Asc(assignment.FieldGridPath), ent.Asc(assignment.FieldRole), ent.Asc(assignment.FieldID)).
		Limit(MaxCards + 1).All(sys)
	if err != nil {
		return nil, fmt.Errorf("badges under %s: %w", rootCode, err)
	}
	if len(as) > MaxCards {
		return nil, apperr.Invalid("rootCode", "more than %d badges under %s: print one sub-district or village at a time", MaxCards, rootCode)
	}
	gs := make([]*ent.Grid, 0, len(as))
	for _, a := range as {
		gs = append(gs, a.Edges.Grid)
	}
	crumbs, err := s.breadcrumbs(sys, gs)
	if err != nil {
		return nil, err
	}
	return badgesOf(as, crumbs), nil
}

// badgeRoles orders the roles on a badge.
var badgeRoles = []assignment.Role{assignment.RoleWORKSTATION_HEAD, assignment.RoleGRID_HEAD}

// badgesOf merges assignments (with person and grid) into one badge per person: a person
// heading four villager groups carries one badge, not four. Badges are ordered by their
// first grid's code, then by name and person; a badge's grids by code, then role.
func badgesOf(as []*ent.Assignment, crumbs map[int][]string) []*Badge {
	byPerson := map[int]*Badge{}
	personID := map[*Badge]int{}
	var out []*Badge
	for _, a := range as {
		p, g := a.Edges.Person, a.Edges.Grid
		if p == nil || g == nil {
			continue
		}
		b, ok := byPerson[p.ID]
		if !ok {
			b = &Badge{Name: p.Name, PhotoURL: p.PhotoURL, Phone: MaskPhone(p.Phone)}
			byPerson[p.ID], personID[b] = b, p.ID
			out = append(out, b)
		}
		if slices.ContainsFunc(b.Grids, func(x BadgeGrid) bool { return x.Code == g.Code && x.Role == a.Role }) {
			continue
		}
		b.Grids = append(b.Grids, BadgeGrid{Code: g.Code, Name: g.Name, Area: g.AreaDescription, Duties: strings.TrimSpace(g.Duties), Role: a.Role, Crumbs: crumbs[g.ID], title: titleOf(a)})
	}
	for _, b := range out {
		slices.SortStableFunc(b.Grids, func(x, y BadgeGrid) int {
			if c := strings.Compare(x.Code, y.Code); c != 0 {
				return c
			}
			return slices.Index(badgeRoles, x.Role) - slices.Index(badgeRoles, y.Role)
		})
		b.Title, b.Role, b.GridCode = b.Grids[0].title, b.Grids[0].Role, b.Grids[0].Code
		var roleLabels, names, duties []string
		for _, r := range badgeRoles {
			if slices.ContainsFunc(b.Grids, func(x BadgeGrid) bool { return x.Role == r }) {
				roleLabels = append(roleLabels, labels.For("Role", string(r)))
			}
		}
		for _, g := range b.Grids {
			if !slices.Contains(names, g.Name) {
				names = append(names, g.Name)
			}
			if g.Duties != "" && !slices.Contains(duties, g.Duties) {
				duties = append(duties, g.Duties)
			}
		}
		b.RoleLabel, b.GridName, b.Duties = strings.Join(roleLabels, "、"), strings.Join(names, "、"), strings.Join(duties, "\n")
		b.Scope = strings.Join(b.ScopeLines(), "；")
	}
	slices.SortStableFunc(out, func(x, y *Badge) int {
		if c := strings.Compare(x.GridCode, y.GridCode); c != 0 {
			return c
		}
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return personID[x] - personID[y]
	})
	return out
}

// ScopeLines describe the scope of work: for one grid, the grid with those above it and its
// area; for several, one line per grid above them naming the grids under it, without the
// name they repeat (三王庄村第一村民组 under 三王庄村 is 第一村民组).
func (b *Badge) ScopeLines() []string {
	if distinctCodes(b.Grids) == 1 {
		g := b.Grids[0]
		line := strings.Join(append(slices.Clone(g.Crumbs), g.Name), " · ")
		if g.Area != "" {
			line += "（" + g.Area + "）"
		}
		return []string{line}
	}
	var lines []string
	var keys []string
	under := map[string][]string{}
	for _, g := range b.Grids {
		key := strings.Join(g.Crumbs, " · ")
		if _, ok := under[key]; !ok {
			keys = append(keys, key)
		}
		name := g.Name
		if len(g.Crumbs) > 0 {
			if short := strings.TrimPrefix(name, g.Crumbs[len(g.Crumbs)-1]); short != "" {
				name = short
			}
		}
		if !slices.Contains(under[key], name) {
			under[key] = append(under[key], name)
		}
	}
	for _, k := range keys {
		line := strings.Join(under[k], "、")
		if k != "" {
			line = k + "：" + line
		}
		lines = append(lines, line)
	}
	return lines
}

// distinctCodes counts the distinct grids in gs.
func distinctCodes(gs []BadgeGrid) int {
	seen := map[string]bool{}
	for _, g := range gs {
		seen[g.Code] = true
	}
	return len(seen)
}
