package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what to measure, against which server, as whom and for how long.
type Config struct {
	// URL is the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql.
	URL string
	// Clients is the number of concurrent clients, each sending its next request as soon as
	// the previous one is answered.
	Clients int
	// Duration is how long each scenario is measured; ignored when Requests is set.
	Duration time.Duration
	// Requests, when positive, is the number of requests measured per scenario.
	Requests int
	// Warmup is how long each scenario runs unmeasured before it is measured.
	Warmup time.Duration
	// AdminUser signs in as the unrestricted administrator, VillageUser as the village
	// official; both with Password.
	AdminUser, VillageUser, Password string
	// Month is the rollups' month as YYYY-MM; empty for the month of the latest case.
	Month string
	// Scenarios are the names of the scenarios to run (see Names); empty for all.
	Scenarios []string
	// HTTPClient sends the requests; nil for one with an idle connection per client.
	HTTPClient *http.Client
	// Log receives progress and notices as they happen; nil to discard them.
	Log io.Writer
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "bench: "+format+"\n", args...)
	}
}

// Run signs in, prepares every chosen scenario (so that a missing account or grid fails
// before anything is measured), then measures the scenarios one after the other.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	switch {
	case cfg.Clients < 1:
		return nil, fmt.Errorf("clients: want at least 1, got %d", cfg.Clients)
	case cfg.Requests < 0:
		return nil, fmt.Errorf("requests: want 0 (measure for a duration) or more, got %d", cfg.Requests)
	case cfg.Requests == 0 && cfg.Duration <= 0:
		return nil, fmt.Errorf("duration: want more than 0, got %s", cfg.Duration)
	case cfg.Warmup < 0:
		return nil, fmt.Errorf("warmup: want 0 or more, got %s", cfg.Warmup)
	}
	chosen, err := selectScenarios(cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = newHTTPClient(cfg.Clients)
	}
	s := &setup{cfg: cfg, c: &client{url: cfg.URL, http: hc}}
	loads := make([]*workload, len(chosen))
	for i, sc := range chosen {
		if loads[i], err = sc.prepare(ctx, s); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.name, err)
		}
	}
	rep := &Report{Clients: cfg.Clients, Duration: cfg.Duration, Requests: cfg.Requests, Warmup: cfg.Warmup}
	for i, sc := range chosen {
		var seq atomic.Int64
		if cfg.Warmup > 0 {
			cfg.logf("%s: warming up for %s", sc.name, cfg.Warmup)
			if _, err := measure(ctx, s.c, cfg.Clients, 0, cfg.Warmup, &seq, loads[i]); err != nil {
				return nil, fmt.Errorf("scenario %s: %w", sc.name, err)
			}
		}
		cfg.logf("%s: measuring", sc.name)
		res, err := measure(ctx, s.c, cfg.Clients, cfg.Requests, cfg.Duration, &seq, loads[i])
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.name, err)
		}
		res.Name, res.Title = sc.name, sc.title
		if res.Errors > 0 {
			cfg.logf("%s: %d errors, the first: %s", sc.name, res.Errors, res.FirstError)
		}
		rep.Results = append(rep.Results, *res)
	}
	rep.Notices = s.notices
	return rep, nil
}

// worker is what one client recorded.
type worker struct {
	latencies []time.Duration
	errors    int
	first     error
}

// measure runs load with clients concurrent clients until requests requests have been sent
// (when positive) or for d, and returns every request's latency, sorted, and the errors.
// seq numbers the requests across calls, so that the warm-up and the measurement of the
// report scenario file different cases.
func measure(ctx context.Context, c *client, clients, requests int, d time.Duration, seq *atomic.Int64, load *workload) (*Result, error) {
	var claimed atomic.Int64
	deadline := time.Now().Add(d)
	more := func() bool {
		if requests > 0 {
			return claimed.Add(1) <= int64(requests)
		}
		return time.Now().Before(deadline)
	}
	workers := make([]worker, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			rec := &workers[w]
			for ctx.Err() == nil && more() {
				lat, resp, err := c.do(ctx, load.build(int(seq.Add(1)-1)))
				if err == nil && load.check != nil {
					err = load.check(resp.Data)
				}
				rec.latencies = append(rec.latencies, lat)
				if err != nil {
					rec.errors++
					if rec.first == nil {
						rec.first = err
					}
				}
			}
		})
	}
	wg.Wait()
	res := &Result{Elapsed: time.Since(start)}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, w := range workers {
		res.Latencies = append(res.Latencies, w.latencies...)
		res.Errors += w.errors
		if w.first != nil && res.FirstError == "" {
			res.FirstError = w.first.Error()
		}
	}
	slices.Sort(res.Latencies)
	res.Requests = len(res.Latencies)
	return res, nil
}
