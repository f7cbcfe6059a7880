package inputtext

import "testing"

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"plain", "路灯不亮 3号楼", true},
		{"tab newline cr", "a\tb\nc\r\nd", true},
		{"replacement character written", "a\uFFFDb", true},
		{"nul", "a\x00b", false},
		{"bell", "a\x07b", false},
		{"escape", "\x1b[31m", false},
		{"delete", "a\x7fb", false},
		{"c1 control", "a\u0085b", false},
		{"invalid utf-8", "a\xffb", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := Check(c.in); (err == nil) != c.ok {
				t.Errorf("Check(%q) = %v, want ok %v", c.in, err, c.ok)
			}
		})
	}
}
