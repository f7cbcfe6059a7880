package replica_test

import (
	"testing"

	"gridgov/internal/replica"
)

func TestParseLSN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want uint64
		bad  bool
	}{
		{in: "0/0", want: 0},
		{in: "0/16B3748", want: 0x16B3748},
		{in: "1/0", want: 1 << 32},
		{in: "FFFFFFFF/FFFFFFFF", want: 1<<64 - 1},
		{in: "16B3748", bad: true},
		{in: "0/G", bad: true},
		{in: "100000000/0", bad: true},
	}
	for _, tc := range cases {
		got, err := replica.ParseLSN(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseLSN(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLSN(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
	// Positions order as numbers: 0/FF before 1/0.
	a, _ := replica.ParseLSN("0/FFFFFFFF")
	b, _ := replica.ParseLSN("1/0")
	if a >= b {
		t.Errorf("0/FFFFFFFF = %d is not before 1/0 = %d", a, b)
	}
}
