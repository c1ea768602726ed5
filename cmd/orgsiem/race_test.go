//go:build race

package main

// raceEnabled reports whether the race detector is on (it slows code
// unevenly, so timing comparisons are skipped).
const raceEnabled = true
