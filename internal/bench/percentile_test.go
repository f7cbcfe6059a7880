package bench

import (
	"testing"
	"time"
)

// ms1to returns 1 ms, 2 ms, … n ms.
func ms1to(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

// TestPercentile checks the nearest-rank percentile against values worked out by hand.
func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no samples", nil, 50, 0},
		{"one sample p50", []time.Duration{7 * ms}, 50, 7 * ms},
		{"one sample p99", []time.Duration{7 * ms}, 99, 7 * ms},
		{"1..10 p50", ms1to(10), 50, 5 * ms},
		{"1..10 p90", ms1to(10), 90, 9 * ms},
		{"1..10 p91 rounds up", ms1to(10), 91, 10 * ms},
		{"1..10 p99", ms1to(10), 99, 10 * ms},
		{"1..10 max", ms1to(10), 100, 10 * ms},
		{"1..100 p50", ms1to(100), 50, 50 * ms},
		{"1..100 p99 exactly, not 100", ms1to(100), 99, 99 * ms},
		{"1..1000 p99.9", ms1to(1000), 99.9, 999 * ms},
		{"1..4 p50 is a sample, not interpolated", ms1to(4), 50, 2 * ms},
		{"1..4 p25", ms1to(4), 25, 1 * ms},
		{"p0 is the minimum", ms1to(5), 0, 1 * ms},
		{"ties", []time.Duration{1 * ms, 2 * ms, 2 * ms, 2 * ms, 9 * ms}, 90, 9 * ms},
		{"ties p60", []time.Duration{1 * ms, 2 * ms, 2 * ms, 2 * ms, 9 * ms}, 60, 2 * ms},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
			}
		})
	}
}
