package realtime

import (
	"slices"
	"testing"
)

// TestPayloads: notes travel as NOTIFY payloads under PostgreSQL's 8,000-byte limit and are
// read back as they were, with the announcing process; anything else is refused.
func TestPayloads(t *testing.T) {
	var notes []Note
	for i := 1; i <= 3000; i++ {
		notes = append(notes, Note{ActionID: 4294967296 + i})
	}
	ps := payloads(notes, "p1")
	if len(ps) < 2 {
		t.Fatalf("3,000 ids in %d payload(s), want them split", len(ps))
	}
	var back []Note
	for _, p := range ps {
		if len(p) >= 8000 {
			t.Fatalf("payload of %d bytes", len(p))
		}
		got, from, err := parsePayload(p)
		if err != nil || from != "p1" {
			t.Fatalf("parse %q: %v %q", p[:40], err, from)
		}
		back = append(back, got...)
	}
	if !slices.Equal(back, notes) {
		t.Fatal("notes changed on the way")
	}
	for _, bad := range []string{"", "a:", "a:x #p", "u:1 #p", "a:1,-2 #p"} {
		if _, _, err := parsePayload(bad); err == nil {
			t.Errorf("parsePayload(%q) accepted", bad)
		}
	}
}
