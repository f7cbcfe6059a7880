// Package progress is gridgov's one progress display, for the long commands (gen, import,
// rollup): on a terminal a bar redrawn in place; on anything else (a log file, a pipe, CI) one
// plain line per phase when it ends, so that logs do not run together into one \r-joined line.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// redraw is how often a terminal bar is redrawn at most.
const redraw = 200 * time.Millisecond

// Bar draws one line per phase: the phase, items done of the total, rate, time left and rows
// written. The zero of w (nil) draws nothing.
type Bar struct {
	w          io.Writer
	tty        bool
	phase      string
	total      int
	done, rows int
	started    time.Time
	drawn      time.Time
}

// New returns a bar writing to w, redrawn in place only when w is a terminal.
func New(w io.Writer) *Bar {
	return &Bar{w: w, tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device (a terminal), without a dependency.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Start begins a phase of total items (0: unknown), ending the phase before if one is open.
func (p *Bar) Start(phase string, total int) {
	p.End()
	p.phase, p.total, p.done, p.rows = phase, total, 0, 0
	p.started = time.Now()
	p.drawn = time.Time{}
	p.draw(false)
}

// Add counts items done and rows written in the current phase.
func (p *Bar) Add(items, rows int) {
	p.done += items
	p.rows += rows
	p.tick()
}

// Update is the shape of the importers' and rollup's callbacks: a phase (stage) and how far
// it is. A new stage ends the one before.
func (p *Bar) Update(stage string, done, total int) {
	if stage != p.phase || p.started.IsZero() {
		p.Start(stage, total)
	}
	p.done, p.total = done, total
	p.tick()
}

// SetTotal changes the current phase's total, once it is known.
func (p *Bar) SetTotal(total int) { p.total = total }

func (p *Bar) tick() {
	if p.tty && time.Since(p.drawn) >= redraw {
		p.draw(false)
	}
}

// End finishes the current phase, if one is open: its final line is written.
func (p *Bar) End() {
	if p.started.IsZero() {
		return
	}
	p.draw(true)
	p.started = time.Time{}
}

func (p *Bar) draw(final bool) {
	if p.w == nil || (!p.tty && !final) {
		return
	}
	p.drawn = time.Now()
	el := time.Since(p.started)
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s", p.phase)
	if p.total > 0 {
		frac := min(float64(p.done)/float64(p.total), 1)
		const width = 24
		fill := int(frac * width)
		fmt.Fprintf(&b, " [%s%s] %3.0f%% %s/%s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100,
			Count(p.done), Count(p.total))
	} else {
		fmt.Fprintf(&b, " %s", Count(p.done))
	}
	if s := el.Seconds(); s > 0 && p.rows > 0 {
		fmt.Fprintf(&b, "  %s rows  %s rows/s", Count(p.rows), Count(int(float64(p.rows)/s)))
	}
	if final {
		fmt.Fprintf(&b, "  %s", el.Round(100*time.Millisecond))
	} else if p.total > 0 && p.done > 0 {
		left := time.Duration(float64(el) * float64(p.total-p.done) / float64(p.done))
		fmt.Fprintf(&b, "  ETA %s", left.Round(time.Second))
	}
	line := b.String()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// Count writes n with thousands separators.
func Count(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
