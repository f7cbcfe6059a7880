// Package bench measures a running gridgov server through its HTTP GraphQL API, as frontends
// use it: N concurrent clients send one request shape (a scenario) after another for a
// duration or a number of requests, and every request's latency is recorded, from sending it
// to having read the whole answer, so that the percentiles are exact.
//
// The scenarios are those the performance bars of DESIGN.md are set for: a village
// official's "my events" page and the same page as an unrestricted administrator (their ratio
// is the cost of authorization), district rollups over a month and a year, node(id), and
// reporting a case. A request fails when the round trip fails, the status is not 200 or the
// answer carries GraphQL errors; failures are counted, never hidden.
package bench
