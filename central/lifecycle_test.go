package central

import (
	"testing"
	"time"
)

// deletedAt simulates S3 lifecycle on one object version of a versioned
// bucket, from the Amazon S3 User Guide: "Amazon S3 calculates the time by
// adding the number of days specified in the rule to the object creation
// time and rounding the resulting time to the next day midnight UTC"
// (Lifecycle configuration elements, Days); in a versioned bucket the
// Expiration action "adds a delete marker", turning the current version
// noncurrent, and NoncurrentVersionExpiration deletes it NoncurrentDays
// after it became noncurrent (Expiring objects). Versions under Object
// Lock are not deleted before their retain-until date. It returns when the
// data is permanently gone (zero: never).
func deletedAt(l Lifecycle, created time.Time, lockDays int) time.Time {
	nextMidnight := func(t time.Time) time.Time { return t.Truncate(24 * time.Hour).Add(24 * time.Hour) }
	var noncurrentSince time.Time
	for _, r := range l {
		if r.ExpireAfterDays > 0 {
			noncurrentSince = nextMidnight(created.AddDate(0, 0, r.ExpireAfterDays))
		}
	}
	if noncurrentSince.IsZero() {
		return time.Time{}
	}
	var gone time.Time
	for _, r := range l {
		if r.NoncurrentDays > 0 {
			gone = nextMidnight(noncurrentSince.AddDate(0, 0, r.NoncurrentDays))
		}
	}
	if gone.IsZero() {
		return time.Time{}
	}
	if until := created.AddDate(0, 0, lockDays); gone.Before(until) {
		gone = nextMidnight(until)
	}
	return gone
}

func TestArchiveRetentionEqualsTheConfiguredDays(t *testing.T) {
	created := time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ glacier, expire, lock int }{{90, 2557, 365}, {30, 365, 365}, {1, 2, 1}} {
		l := ArchiveLifecycle(tc.glacier, tc.expire)
		gone := deletedAt(l, created, tc.lock)
		if gone.IsZero() {
			t.Fatalf("expire %d: data is never deleted", tc.expire)
		}
		kept := gone.Sub(created)
		// Two roundings to the next midnight add under two days.
		if lo, hi := time.Duration(tc.expire)*24*time.Hour, time.Duration(tc.expire+2)*24*time.Hour; kept < lo || kept >= hi {
			t.Errorf("expire %d days: data kept %.1f days", tc.expire, kept.Hours()/24)
		}
		markers := false
		for _, r := range l {
			if r.ExpiredObjectDeleteMarker {
				markers = true
				if r.ExpireAfterDays > 0 {
					// "ExpiredObjectDeleteMarker cannot be specified with
					// Days or Date in a Lifecycle Expiration Policy."
					t.Errorf("rule %s sets Days and ExpiredObjectDeleteMarker; S3 refuses the configuration", r.ID)
				}
			}
		}
		if !markers {
			t.Error("expired delete markers are never removed")
		}
	}
}
