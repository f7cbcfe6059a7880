package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what one scenario measured.
type Result struct {
	// Name is the scenario's name, Title what it does.
	Name, Title string
	// Requests is the number of requests measured, Errors those that failed.
	Requests, Errors int
	// FirstError is the first failure's message, for the reader to see why.
	FirstError string
	// Elapsed is the wall-clock time of the measurement.
	Elapsed time.Duration
	// Latencies are every request's latency, ascending.
	Latencies []time.Duration
}

// Throughput is the requests answered per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile of the scenario's latencies.
func (r *Result) Percentile(p float64) time.Duration { return Percentile(r.Latencies, p) }

// Max returns the slowest request's latency.
func (r *Result) Max() time.Duration { return Percentile(r.Latencies, 100) }

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted, which must be ascending, by
// the nearest-rank method: the smallest sample with at least p % of the samples at or below
// it. It is exact, one of the recorded samples, with no interpolation; 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// p*n before /100 keeps whole p and n exact in floating point: 0.99*100 is not 99.
	rank := int(math.Ceil(p * float64(n) / 100))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Report is the result of a run: one Result per scenario, in the order they ran.
type Report struct {
	Clients  int
	Duration time.Duration
	Requests int
	Warmup   time.Duration
	Results  []Result
	// Notices are what the reader should know about how the scenarios ran.
	Notices []string
}

// Result returns the result of the scenario called name, or nil.
func (r *Report) Result(name string) *Result {
	for i := range r.Results {
		if r.Results[i].Name == name {
			return &r.Results[i]
		}
	}
	return nil
}

// summary says how the figures were taken.
func (r *Report) summary() string {
	each := fmt.Sprintf("%s per scenario", r.Duration)
	if r.Requests > 0 {
		each = fmt.Sprintf("%d requests per scenario", r.Requests)
	}
	if r.Warmup > 0 {
		each += fmt.Sprintf(" after a %s warm-up", r.Warmup)
	}
	clients := "clients"
	if r.Clients == 1 {
		clients = "client"
	}
	return fmt.Sprintf("%d concurrent %s, %s.", r.Clients, clients, each)
}

// authzCost compares the village official's list with the administrator's: the cost of
// scoping the same page to a subtree. Empty unless both ran.
func (r *Report) authzCost() string {
	v, a := r.Result(VillageEvents), r.Result(AdminEvents)
	if v == nil || a == nil || a.Requests == 0 || v.Requests == 0 {
		return ""
	}
	ratio := func(x, y float64) string {
		if y == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", x/y)
	}
	return fmt.Sprintf("Authorization cost (%s / %s): p50 ×%s, p99 ×%s, throughput ×%s.",
		VillageEvents, AdminEvents,
		ratio(float64(v.Percentile(50)), float64(a.Percentile(50))),
		ratio(float64(v.Percentile(99)), float64(a.Percentile(99))),
		ratio(v.Throughput(), a.Throughput()))
}

// notes are the lines printed under the table: the authorization cost, the notices and the
// first error of each scenario that had any.
func (r *Report) notes() []string {
	var out []string
	if c := r.authzCost(); c != "" {
		out = append(out, c)
	}
	out = append(out, r.Notices...)
	for _, res := range r.Results {
		if res.Errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d of %d requests failed; the first: %s", res.Name, res.Errors, res.Requests, res.FirstError))
		}
	}
	return out
}

// ms formats d in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// row is a result's figures as printed: requests, errors, req/s, p50, p90, p99, max.
func (r *Result) row() []string {
	return []string{
		fmt.Sprint(r.Requests), fmt.Sprint(r.Errors), fmt.Sprintf("%.1f", r.Throughput()),
		ms(r.Percentile(50)), ms(r.Percentile(90)), ms(r.Percentile(99)), ms(r.Max()),
	}
}

// WriteText prints the report as an aligned table for a terminal, latencies in milliseconds.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\terrors\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t\n", res.Name, strings.Join(res.row(), "\t"))
	}
	tw.Flush() // writes to a strings.Builder do not fail
	fmt.Fprintf(&b, "\n%s\n", r.summary())
	for _, n := range r.notes() {
		fmt.Fprintln(&b, n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown prints the report as a Markdown table, for docs/benchmarks.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| scenario | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| `%s`: %s | %s |\n", res.Name, res.Title, strings.Join(res.row(), " | "))
	}
	fmt.Fprintf(&b, "\n%s\n", r.summary())
	if notes := r.notes(); len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
