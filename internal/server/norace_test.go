//go:build !race

package server_test

// raceSlowdown scales the timing bars of the tests: 1 without the race detector.
const raceSlowdown = 1
