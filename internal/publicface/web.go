package publicface

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"gridgov/ent"
	"gridgov/ent/bulletinpost"
	"gridgov/internal/apperr"
	"gridgov/internal/inputtext"
	"gridgov/internal/labels"
	"gridgov/internal/workcal"
)

//go:embed templates/*.html templates/*.js templates/*.css
var files embed.FS

// pages are the page templates, each with the shared layout.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"join":        strings.Join,
	"day":         func(t time.Time) string { return t.In(workcal.Default().Location()).Format("2006-01-02") },
	"first":       func(s string) string { return string([]rune(s)[:min(1, len([]rune(s)))]) },
	"lines":       func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
	"rosterLabel": rosterLabel,
	"seq":         func(n int) []int { return make([]int, n) },
}).ParseFS(files, "templates/*.html"))

// Web serves the public pages. Mount it with Register.
type Web struct {
	Service *Service
	// PublicURL is the address residents reach the server at, e.g. https://grid.example.cn,
	// used in the QR codes; empty: the scheme and Host of each request.
	PublicURL string
	// Base, if set, gives the absolute address of the server for a request instead of
	// PublicURL (the server's, which knows the trusted proxies).
	Base func(r *http.Request) string
	// Logger receives errors; nil: slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	qrCache map[string]template.URL // report URL → QR code
	// cardSheets and badgeSheets keep the sheets of /cards?root= and /badges?root= (see sheetCache).
	cardSheets  sheetCache[Card]
	badgeSheets sheetCache[Badge]
}

// Register mounts the public pages on mux: /cards/{code} and /cards?root=, /badges?root=,
// /report/ and /report/{code}, /map/{code}, /track and /track/{code}, /bulletin/{code}, and their scripts under
// /public/.
func (w *Web) Register(mux *http.ServeMux) {
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, w.checkText(h)) }
	handle("GET /cards/{code}", w.card)
	handle("GET /cards", w.cards)
	handle("GET /badges", w.badges)
	handle("GET /report/{$}", w.reportHere)
	handle("GET /report/{code}", w.report)
	handle("GET /track", w.track)
	handle("GET /track/{code}", w.track)
	handle("GET /bulletin/{code}", w.bulletin)
	handle("GET /map/{code}", w.gridMap)
	handle("GET /public/{file}", w.static)
}

// checkText answers 400 to a request whose path or query string holds text that
// inputtext.Check refuses (a NUL byte, another control character), before any page reads it:
// the one check of what the public pages are sent.
func (w *Web) checkText(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		err := inputtext.Check(r.URL.Path)
		for k, vs := range r.URL.Query() {
			for _, s := range append(vs, k) {
				if err == nil {
					err = inputtext.Check(s)
				}
			}
		}
		if err != nil {
			w.fail(rw, r, apperr.Invalid("", "the address holds control characters").WithPublic("地址中含有不允许的控制字符，请检查链接。"))
			return
		}
		next(rw, r)
	}
}

// maxQRCache bounds the QR codes kept: a district's level-3 grids, under a few host names.
const maxQRCache = 10000

// qr returns the QR code of url as a PNG data URI. Encoding costs ~5 ms, and anyone may ask
// for a sheet of 500 cards, so codes are kept once made; the cache is emptied when full.
func (w *Web) qr(url string) (template.URL, error) {
	w.mu.Lock()
	uri, ok := w.qrCache[url]
	w.mu.Unlock()
	if ok {
		return uri, nil
	}
	png, err := qrcode.Encode(url, qrcode.Medium, 320)
	if err != nil {
		return "", err
	}
	uri = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	w.mu.Lock()
	if w.qrCache == nil || len(w.qrCache) >= maxQRCache {
		w.qrCache = map[string]template.URL{}
	}
	w.qrCache[url] = uri
	w.mu.Unlock()
	return uri, nil
}

// printedCard is a card with what the page adds: the QR code and the URL it holds, and how
// it is laid out on the paper.
type printedCard struct {
	*Card
	cardLayout
	ReportURL string
	QR        template.URL
}

// sheet is the data of a page of cards or badges.
type sheet struct {
	Title    string
	PageSize string
	Cards    []printedCard
	// BadgeSheets are the badges by A4 sheet.
	BadgeSheets [][]printedBadge
	Printed     string
}

func (w *Web) card(rw http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	g, err := w.Service.gridByCode(r.Context(), code)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if g == nil {
		w.notFound(rw, r, "没有编码为 "+code+" 的网格公示卡。")
		return
	}
	if !HasCard(g.Kind) {
		// A village or sub-district has no card of its own: print its groups' cards.
		http.Redirect(rw, r, "/cards?root="+g.Code, http.StatusFound)
		return
	}
	cs, err := w.Service.cardsOf(r.Context(), []*ent.Grid{g})
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.printCards(rw, r, g.Name+" 网格公示卡", cs)
}

func (w *Web) cards(rw http.ResponseWriter, r *http.Request) {
	root := r.URL.Query().Get("root")
	cs, err := w.cardSheets.get(r.Context(), root+"|"+w.today(), func() ([]*Card, error) { return w.Service.Cards(r.Context(), root) })
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if len(cs) == 0 {
		w.notFound(rw, r, "没有编码为 "+root+" 的网格，或其下没有三级网格。")
		return
	}
	w.printCards(rw, r, "网格公示卡", cs)
}

func (w *Web) printCards(rw http.ResponseWriter, r *http.Request, title string, cs []*Card) {
	out := sheet{Title: title, PageSize: pageSize(r), Printed: w.today()}
	p := paperOf(out.PageSize)
	base := w.base(r)
	for _, c := range cs {
		url := base + c.ReportPath
		qr, err := w.qr(url)
		if err != nil {
			w.fail(rw, r, fmt.Errorf("QR code of %s: %w", c.GridCode, err))
			return
		}
		out.Cards = append(out.Cards, printedCard{Card: c, cardLayout: layoutCard(c, p), ReportURL: url, QR: qr})
	}
	w.render(rw, r, "cards.html", out)
}

func (w *Web) badges(rw http.ResponseWriter, r *http.Request) {
	root := r.URL.Query().Get("root")
	bs, err := w.badgeSheets.get(r.Context(), root+"|"+w.today(), func() ([]*Badge, error) { return w.Service.Badges(r.Context(), root) })
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if len(bs) == 0 {
		w.notFound(rw, r, "没有编码为 "+root+" 的网格，或其下今天没有网格长、工作站站长。")
		return
	}
	w.render(rw, r, "badges.html", sheet{Title: "网格长、工作站站长胸卡", PageSize: "A4", BadgeSheets: badgeSheets(bs), Printed: w.today()})
}

func (w *Web) report(rw http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	g, err := w.Service.gridByCode(r.Context(), code)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if g == nil {
		w.notFound(rw, r, "没有编码为 "+code+" 的网格：请核对公示卡上的网格编码。")
		return
	}
	w.render(rw, r, "report.html", map[string]string{"GridCode": g.Code, "GridName": g.Name})
}

// gridMap is the map page of a subtree (一张图) for staff: the page itself holds no data; its
// script signs in and reads the outlines, cases and a patrol's track from the API, in the
// viewer's scope.
func (w *Web) gridMap(rw http.ResponseWriter, r *http.Request) {
	w.render(rw, r, "map.html", map[string]string{"Code": r.PathValue("code"), "Patrol": r.URL.Query().Get("patrol")})
}

// reportHere is the report form without a grid: the report goes to the grid at the
// resident's position ("use my location"), or to a grid code they type.
func (w *Web) reportHere(rw http.ResponseWriter, r *http.Request) {
	w.render(rw, r, "report.html", map[string]string{})
}

func (w *Web) track(rw http.ResponseWriter, r *http.Request) {
	w.render(rw, r, "track.html", map[string]string{"Code": r.PathValue("code")})
}

// bulletinPage is the data of the bulletin page.
type bulletinPage struct {
	GridCode, GridName string
	Columns            []bulletinColumn
	Report             *GridReport
	From, To           string
}

type bulletinColumn struct {
	Label string
	Posts []*Post
}

func (w *Web) bulletin(rw http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	loc := workcal.Default().Location()
	to := w.Service.Now().In(loc)
	to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if s := r.URL.Query().Get(name); s != "" {
			d, err := time.ParseInLocation("2006-01-02", s, loc)
			if err != nil {
				w.fail(rw, r, apperr.Invalid(name, "%s: a date like 2026-11-01", name).WithPublic("日期格式不对：请填写如2026-11-01的日期。"))
				return
			}
			if name == "to" {
				d = d.AddDate(0, 0, 1) // the last day counts in full
			}
			*dst = d
		}
	}
	if err := checkPeriod(from, to); err != nil {
		w.fail(rw, r, err)
		return
	}
	g, err := w.Service.gridByCode(r.Context(), code)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if g == nil {
		w.notFound(rw, r, "没有编码为 "+code+" 的网格。")
		return
	}
	rep, err := w.Service.gridManagementOf(r.Context(), g, from, to)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	posts, err := w.Service.postsOf(r.Context(), g, nil, MaxPosts)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	page := bulletinPage{GridCode: rep.GridCode, GridName: rep.GridName, Report: rep,
		From: from.Format("2006-01-02"), To: to.AddDate(0, 0, -1).Format("2006-01-02")}
	for _, col := range []bulletinpost.Column{bulletinpost.ColumnPARTY_AFFAIRS, bulletinpost.ColumnVILLAGE_AFFAIRS, bulletinpost.ColumnFINANCIAL_AFFAIRS} {
		c := bulletinColumn{Label: labels.For("BulletinColumn", string(col))}
		for _, p := range posts {
			if p.Column == col {
				c.Posts = append(c.Posts, p)
			}
		}
		page.Columns = append(page.Columns, c)
	}
	w.render(rw, r, "bulletin.html", page)
}

func (w *Web) static(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	body, err := files.ReadFile("templates/" + name)
	if err != nil || strings.HasSuffix(name, ".html") {
		http.NotFound(rw, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		rw.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		rw.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	rw.Header().Set("Cache-Control", "public, max-age=300")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = rw.Write(body)
}

// contentSecurity allows the page's own scripts and styles, inline images (QR codes) and
// photos from anywhere, and requests to this server only.
const contentSecurity = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// render writes a page; a template error is logged and answered 500 before anything is sent.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		w.fail(rw, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.headers(rw)
	_, _ = rw.Write(buf.Bytes())
}

func (w *Web) headers(rw http.ResponseWriter) {
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func (w *Web) notFound(rw http.ResponseWriter, r *http.Request, msg string) {
	w.headers(rw)
	rw.WriteHeader(http.StatusNotFound)
	_ = pages.ExecuteTemplate(rw, "message.html", map[string]string{"Title": "未找到", "Message": msg})
}

// fail answers an error: bad input as 400 with its message; a database that cannot be
// reached, as the API does, and a request out of time as 503, with a Retry-After; anything
// else as 500, logged.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "服务器出错，请稍后再试。"
	if e := apperr.Classify(err); e.Code == apperr.BadInput {
		status, msg = http.StatusBadRequest, apperr.Classify(ForResidents(e)).PublicMessage
	} else if e.Code == apperr.Unavailable || e.Code == apperr.Timeout || errors.Is(err, context.Canceled) {
		status, msg = http.StatusServiceUnavailable, "服务暂时不可用，请稍后再试。"
		rw.Header().Set("Retry-After", "5")
	} else {
		logger := w.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.ErrorContext(r.Context(), "public page failed", "path", r.URL.Path, "error", err)
	}
	w.headers(rw)
	rw.WriteHeader(status)
	_ = pages.ExecuteTemplate(rw, "message.html", map[string]string{"Title": "出错了", "Message": msg})
}

// base is the absolute address of this server for links printed on paper.
func (w *Web) base(r *http.Request) string {
	if w.Base != nil {
		return w.Base(r)
	}
	if w.PublicURL != "" {
		return strings.TrimRight(w.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (w *Web) today() string {
	return w.Service.Now().In(workcal.Default().Location()).Format("2006年1月2日")
}

// pageSize is the paper size asked for with ?size=A5; A4 by default.
func pageSize(r *http.Request) string {
	if strings.EqualFold(r.URL.Query().Get("size"), "A5") {
		return "A5"
	}
	return "A4"
}
