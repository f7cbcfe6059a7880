package datagen

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws one line per phase on a terminal: the phase, items done of the total, rate,
// time left and rows written, redrawn in place at most five times a second. On anything but
// a terminal (a log file, a test) it writes one line when each phase ends.
type progress struct {
	w          io.Writer
	tty        bool
	phase      string
	total      int
	done, rows int
	started    time.Time
	drawn      time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// start begins a phase of total items (0: unknown).
func (p *progress) start(phase string, total int) {
	p.phase, p.total, p.done, p.rows = phase, total, 0, 0
	p.started = time.Now()
	p.drawn = time.Time{}
	p.draw(false)
}

// add counts items done and rows written.
func (p *progress) add(items, rows int) {
	p.done += items
	p.rows += rows
	if time.Since(p.drawn) >= 200*time.Millisecond {
		p.draw(false)
	}
}

// end finishes the phase.
func (p *progress) end() {
	p.draw(true)
}

func (p *progress) draw(final bool) {
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
			count(p.done), count(p.total))
	} else {
		fmt.Fprintf(&b, " %s", count(p.done))
	}
	if s := el.Seconds(); s > 0 && p.rows > 0 {
		fmt.Fprintf(&b, "  %s rows  %s rows/s", count(p.rows), count(int(float64(p.rows)/s)))
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

// count writes n with thousands separators.
func count(n int) string {
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
