package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestNotTerminal: written to anything but a terminal, the bar is one plain line per phase,
// with its counts, and never a carriage return.
func TestNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf)
	p.Start("grids", 3)
	for range 3 {
		p.Add(1, 10)
	}
	p.Update("checked", 500, 0) // a new stage ends the one before
	p.Update("checked", 1200, 0)
	p.Update("written", 40, 80)
	p.Update("written", 80, 80)
	p.End()
	p.End() // a second End writes nothing
	out := buf.String()
	if strings.ContainsRune(out, '\r') || strings.Contains(out, "\033") {
		t.Errorf("output to a buffer has a carriage return or escape:\n%q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^grids +\[#{24}\] 100% 3/3  30 rows  [\d,]+ rows/s  \d`),
		regexp.MustCompile(`^checked +1,200  \d`),
		regexp.MustCompile(`^written +\[#{24}\] 100% 80/80  \d`),
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want one per phase (%d):\n%s", len(lines), len(want), out)
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %v", i+1, lines[i], re)
		}
	}
}

// TestTerminal: on a terminal the bar is redrawn in place and each phase ends its line.
func TestTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &Bar{w: &buf, tty: true}
	p.Start("events", 10)
	p.Add(5, 0)
	p.End()
	out := buf.String()
	if got := strings.Count(out, "\r\033[K"); got < 2 {
		t.Errorf("terminal output redraws %d times, want at least 2 (start, end):\n%q", got, out)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal output should end the phase with one newline:\n%q", out)
	}
}

// TestNil: a bar without a writer draws nothing and does not panic.
func TestNil(t *testing.T) {
	p := New(nil)
	p.Start("x", 1)
	p.Add(1, 1)
	p.End()
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
