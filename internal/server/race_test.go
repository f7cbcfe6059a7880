//go:build race

package server_test

// raceSlowdown scales the timing bars of the tests: the race detector slows code 5–10×.
const raceSlowdown = 10
