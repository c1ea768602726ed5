package main

import (
	"testing"
	"time"
)

// FuzzParseTime checks that time and window flags never panic and that an
// accepted time formats back to one that parses to the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "now-1d", "-24h", "2026-11-01", "2026-11-01T10:00:00Z", "now+1w", "2026-11-01..2026-11-02", "all"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		reportWindow(s, time.Time{}, time.Time{}, now)
		var p paramList
		p.Set(s)
		got, err := parseTime(s, now)
		if err != nil {
			return
		}
		back, err := parseTime(got.Format(time.RFC3339Nano), now)
		if err != nil || !back.Equal(got) {
			t.Errorf("%q -> %s -> %s, %v", s, got, back, err)
		}
	})
}
