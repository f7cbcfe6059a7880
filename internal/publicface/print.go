package publicface

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"gridgov/ent/assignment"
)

// Printing: every card fills exactly one sheet and every badge its 90 × 60 mm cell, whatever
// they hold. The boxes have a fixed size in millimetres and hide what overflows them, so a
// card can never spill onto a second page; what follows decides, before the page is sent,
// how small the type and how compact the layout must be for everything to be seen. It is
// worked out here rather than measured in the browser so the pages need no script, and so a
// card prints the same from any browser. The figures below mirror public.css (in em of the
// card's or badge's type size): change one, change the other; print_test.go checks that
// nothing is hidden on the fullest cards.

// paper is a sheet size a card prints on.
type paper struct {
	// width and height of the card box, in em of the card's base type (public.css .card,
	// a5.css).
	width, height float64
}

var (
	// paperA4: a 190 × 276 mm box in 10 pt type (3.528 mm an em).
	paperA4 = paper{width: 190 / 3.528, height: 276 / 3.528}
	// paperA5: a 134 × 195 mm box in 7.5 pt type (2.646 mm an em).
	paperA5 = paper{width: 134 / 2.646, height: 195 / 2.646}
)

// paperOf is the paper of a page size ("A4" or "A5").
func paperOf(size string) paper {
	if size == "A5" {
		return paperA5
	}
	return paperA4
}

const (
	// maxTiles is how many people a card shows as tiles with their photos when it shows all;
	// beyond, the card turns compact.
	maxTiles = 8
	// maxCompactTiles is how many leaders keep their tile on a compact card.
	maxCompactTiles = 4
)

// cardFits are the type sizes a card's body may shrink to, largest first, with their CSS
// classes.
var cardFits = []struct {
	scale float64
	class string
}{{1.3, "fit-130"}, {1.15, "fit-115"}, {1, "fit-100"}, {.92, "fit-92"}, {.85, "fit-85"}, {.78, "fit-78"}, {.72, "fit-72"}, {.66, "fit-66"}, {.6, "fit-60"}}

// cardLayout is how a card is laid out on its paper.
type cardLayout struct {
	// Tiles are the people shown with photos; Roster the rest, in a compact table.
	Tiles, Roster []*Person
	// Compact is set when there is a roster.
	Compact bool
	// RosterCols is the number of columns of the roster: as many as hold a row whole, at
	// most 3 (2 on A4 and A5 in the base type, 3 on A4 once it shrinks to 92%).
	RosterCols int
	// Fit is the CSS class of the body's type size.
	Fit string
	// AreaText and DutiesText are the card's texts, shortened only if even the smallest type
	// cannot hold them.
	AreaText, DutiesText string
}

// layoutCard lays c out on p: up to maxTiles people as tiles; more, and the grid head and
// the other leaders keep their tiles while the specific responsibles (and leaders beyond
// maxCompactTiles) go into the roster; then the largest type the body holds.
func layoutCard(c *Card, p paper) cardLayout {
	l := cardLayout{Tiles: c.People, AreaText: strings.TrimSpace(c.Area), DutiesText: strings.TrimSpace(c.Duties)}
	if len(c.People) > maxTiles {
		l.Compact, l.Tiles = true, nil
		for _, person := range c.People {
			if len(l.Tiles) < maxCompactTiles && isLeader(person) {
				l.Tiles = append(l.Tiles, person)
			} else {
				l.Roster = append(l.Roster, person)
			}
		}
	}
	budget := p.height - cardHeadHeight(c, p) - cardFootHeight
	for _, f := range cardFits {
		l.Fit, l.RosterCols = f.class, rosterCols(p, f.scale)
		if cardBodyHeight(l, p, f.scale)*f.scale <= budget {
			return l
		}
	}
	// Even the smallest type cannot hold it: shorten the longer text until it fits.
	smallest := cardFits[len(cardFits)-1].scale
	for cardBodyHeight(l, p, smallest)*smallest > budget && (l.AreaText != "" || l.DutiesText != "") {
		if utf8.RuneCountInString(l.DutiesText) >= utf8.RuneCountInString(l.AreaText) {
			l.DutiesText = shorten(l.DutiesText)
		} else {
			l.AreaText = shorten(l.AreaText)
		}
	}
	return l
}

// rosterCols is how many roster columns of at least minRosterCol fit across p at scale.
func rosterCols(p paper, scale float64) int {
	w := (p.width-2*cardPadX)/scale - 2*rosterPadX
	return max(1, min(maxRosterCols, int((w+rosterGap)/(minRosterCol+rosterGap))))
}

// isLeader reports whether a person holds a role other than specific responsible.
func isLeader(p *Person) bool {
	return slices.ContainsFunc(p.Roles, func(r assignment.Role) bool { return r != assignment.RoleSPECIFIC_RESPONSIBLE })
}

// rosterLabel is what a card's roster says a person does: a specific responsible's duties
// (巡防员), else the roles, else the title.
func rosterLabel(p *Person) string {
	switch {
	case !isLeader(p) && len(p.DutyLabels) > 0:
		return strings.Join(p.DutyLabels, "、")
	case len(p.RoleLabels) > 0 && isLeader(p):
		return strings.Join(p.RoleLabels, "、")
	case p.Title != "":
		return p.Title
	}
	return strings.Join(p.RoleLabels, "、")
}

// Heights in em of the card's base type, as public.css sets them.
const (
	cardPadX       = 1.8  // .card-head, .card-body, .card-foot side padding
	cardFootHeight = 12.4 // .card-foot: the 10em QR code, padding .9em + 1.2em, border
	sectionGap     = .7   // .card-body section margin-top
	headingHeight  = 2.2  // .card h2: 1.1em × 1.4 + margin and border
	textLine       = 1.5  // line height of texts
	tileHeight     = 7.0  // .tiles .person
	tileGap        = .7   // .tiles row gap
	rosterHead     = 1.7  // .roster-heads
	rosterRow      = 1.6  // .roster .person
	rosterPadX     = .3   // .roster side padding
	rosterGap      = 1.2  // .roster column-gap
	minRosterCol   = 17.4 // a five-character name and duty (城建城管员), phone 6.2em, gaps .4em
	maxRosterCols  = 3
	bodySlack      = 1.2 // .card-body padding-top and what rounding may add
)

// cardHeadHeight is the height of the red band: kicker, breadcrumb, name, meta line and
// padding; long names and breadcrumbs wrap.
func cardHeadHeight(c *Card, p paper) float64 {
	w := p.width - 2*cardPadX
	h := 1.2 + 1.0 + 1.5 + 1.45 // padding, kicker, meta line
	if len(c.Breadcrumb) > 0 {
		h += 1.45 * float64(lines(strings.Join(c.Breadcrumb, " · "), w/.95))
	}
	return h + 2.1*1.25*float64(lines(c.GridName, w/2.1)) + .3
}

// cardBodyHeight is the height of the body in em of its own type at scale.
func cardBodyHeight(l cardLayout, p paper, scale float64) float64 {
	w := (p.width - 2*cardPadX) / scale
	h := bodySlack
	text := func(s string) float64 {
		if s == "" {
			return 0
		}
		n := 0
		for _, para := range strings.Split(s, "\n") {
			n += lines(para, w)
		}
		return sectionGap + headingHeight + textLine*float64(n)
	}
	h += text(l.AreaText) + text(l.DutiesText)
	h += sectionGap + headingHeight
	if len(l.Tiles) == 0 && len(l.Roster) == 0 {
		h += textLine
	}
	if rows := (len(l.Tiles) + 1) / 2; rows > 0 {
		h += float64(rows)*tileHeight + float64(rows-1)*tileGap
	}
	if len(l.Roster) > 0 {
		rows := (len(l.Roster) + l.RosterCols - 1) / l.RosterCols
		h += sectionGap + rosterHead + float64(rows)*rosterRow
	}
	return h
}

// lines is how many lines s takes in a column perLine em wide: a Chinese character or
// full-width mark is an em, other characters about half. Lines are counted a little short,
// as line breaking keeps punctuation off the start of a line.
func lines(s string, perLine float64) int {
	if s == "" {
		return 0
	}
	return int(math.Ceil(textWidth(s) / (perLine * .94)))
}

// textWidth is the width of s in em.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x2000 {
			w += .6
		} else {
			w++
		}
	}
	return w
}

// shorten cuts about a tenth off the end of s and marks the cut.
func shorten(s string) string {
	r := []rune(strings.TrimSuffix(s, "…"))
	n := len(r) * 9 / 10
	if n <= 1 {
		return ""
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}

// BadgesPerSheet is how many badges an A4 sheet holds: 2 columns × 4 rows of 90 × 60 mm.
const BadgesPerSheet = 8

// badgeFits are the type sizes of a badge's scope and duties, largest first: the pt size
// and the CSS class.
var badgeFits = []struct {
	pt    float64
	class string
}{{9, "fit-90"}, {8.5, "fit-85"}, {8, "fit-80"}, {7.5, "fit-75"}, {7, "fit-70"}, {6.5, "fit-65"}, {6, "fit-60"}, {5.5, "fit-55"}, {5, "fit-50"}}

// The text column of a badge (public.css .badge-text), in mm.
const (
	badgeTextWidth  = 55.0
	badgeTextHeight = 43.5
	badgeLine       = 1.35 // line height
	ptMM            = 25.4 / 72
)

// printedBadge is a badge with how it prints.
type printedBadge struct {
	*Badge
	// Fit is the CSS class of the type size of the text column.
	Fit string
	// ScopeLines and DutyLines are the paragraphs printed; duties are shortened only if even
	// the smallest type cannot hold them.
	ScopeLines, DutyLines []string
}

// layoutBadge picks the largest type in which the scope and the duties fill the text column
// of b, shortening the longer of them when even the smallest does not hold them: the text is
// never cut mid-line.
func layoutBadge(b *Badge) printedBadge {
	out := printedBadge{Badge: b, ScopeLines: b.ScopeLines()}
	if b.Duties != "" {
		out.DutyLines = strings.Split(b.Duties, "\n")
	}
	for _, f := range badgeFits {
		out.Fit = f.class
		if badgeTextFits(out, f.pt) {
			return out
		}
	}
	smallest := badgeFits[len(badgeFits)-1].pt
	for !badgeTextFits(out, smallest) && (len(out.DutyLines) > 0 || len(out.ScopeLines) > 0) {
		// Shorten the longer part, from its end.
		part := &out.DutyLines
		if runes(out.ScopeLines) > runes(out.DutyLines) {
			part = &out.ScopeLines
		}
		last := len(*part) - 1
		if s := shorten((*part)[last]); s != "" {
			(*part)[last] = s
		} else {
			*part = (*part)[:last]
		}
	}
	return out
}

// runes counts the characters of ps.
func runes(ps []string) int {
	n := 0
	for _, p := range ps {
		n += utf8.RuneCountInString(p)
	}
	return n
}

// badgeTextFits reports whether the text column of b holds its text in pt type: a heading
// line and a small gap per part, then the paragraphs.
func badgeTextFits(b printedBadge, pt float64) bool {
	em := pt * ptMM
	perLine := badgeTextWidth / em
	n := 0.0
	for _, part := range [][]string{b.ScopeLines, b.DutyLines} {
		if len(part) == 0 {
			continue
		}
		n += 1 + .3/badgeLine // dt, and the dd's margin
		for _, p := range part {
			n += float64(lines(p, perLine))
		}
	}
	return n*badgeLine*em <= badgeTextHeight
}

// badgeSheets splits badges into A4 sheets of BadgesPerSheet.
func badgeSheets(bs []*Badge) [][]printedBadge {
	var out [][]printedBadge
	for i, b := range bs {
		if i%BadgesPerSheet == 0 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], layoutBadge(b))
	}
	return out
}
