package search

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Retention of the log indices is counted from the event month, not from
// index creation. A log index log-aws-<type>-YYYY.MM holds the events of
// that month; it expires once the month has ended and Days more have
// passed, so every event stays searchable at least Days. ISM cannot do
// this: its min_index_age counts from the index's creation (the first
// event the loader wrote to it, possibly late in the month or a backfill
// months later), so a policy "delete at N days" deletes the end of each
// month early and keeps backfilled months too long. The maintain
// function's daily run deletes expired months (ExpiredIndices); the
// loader must not recreate them (MonthExpired); and the ISM policy keeps
// only a backstop delete that can never fire before the month expiry
// (BackstopDeleteDays).
type Retention struct {
	// Days an event month is kept after it ends (the hotIndexDays
	// setting). 0 keeps everything.
	Days int
}

// MonthEnd is the first instant after the event month of t (UTC).
func MonthEnd(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
}

// ExpiresAt is when the month holding an event at t expires.
func (r Retention) ExpiresAt(t time.Time) time.Time {
	return MonthEnd(t).AddDate(0, 0, r.Days)
}

// MonthExpired reports whether the month of an event at t has expired at
// now: its index was (or is about to be) deleted, so the event must not
// be indexed — indexing it would recreate the month with this one event,
// which a later snapshot would hold in place of the full month. The
// loader skips such events with a named reason; the raw record stays in
// the archive.
func (r Retention) MonthExpired(t, now time.Time) bool {
	return r.Days > 0 && !now.Before(r.ExpiresAt(t))
}

// MonthExpired is Retention{Days: days}.MonthExpired(t, now), for callers
// holding the hot index days as a number (the loader).
func MonthExpired(t time.Time, days int, now time.Time) bool {
	return Retention{Days: days}.MonthExpired(t, now)
}

// LogIndexMonth parses log-aws-<type>-YYYY.MM into its type and the
// month's first instant.
func LogIndexMonth(index string) (logType string, month time.Time, ok bool) {
	m := logIndexName.FindStringSubmatch(index)
	if m == nil {
		return "", time.Time{}, false
	}
	y, _ := strconv.Atoi(m[2])
	mo, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 {
		return "", time.Time{}, false
	}
	return m[1], time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), true
}

// ExpiredIndices returns the log indices among names whose month has
// expired at now, sorted. Names that are not monthly log indices are
// never returned.
func (r Retention) ExpiredIndices(names []string, now time.Time) []string {
	var out []string
	for _, n := range names {
		if _, month, ok := LogIndexMonth(n); ok && r.MonthExpired(month, now) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// BackstopDeleteDays is the ISM delete age of a log index: the retention
// plus the longest month. An index is created no earlier than its month
// starts, so creation + Days + 31 days is never before the month's end +
// Days: the backstop only deletes what the daily expiry missed (the
// maintain schedule broken), never early.
func (r Retention) BackstopDeleteDays() int { return r.Days + 31 }

// Restored indices expire on their own: restore tags each restored index
// with an alias naming its expiry day (RestoredExpiryAlias), and the daily
// run deletes the restored indices whose day has passed. ISM cannot: a
// restored index keeps its original index.creation_date (RestoreService
// copies the snapshot's index metadata), so any min_index_age would
// delete it at once.
const restoredExpiryPrefix = RestorePrefix + "expires-"

// RestoredExpiryAlias names the alias that marks a restored index to
// expire on the day of t (UTC).
func RestoredExpiryAlias(t time.Time) string {
	return restoredExpiryPrefix + t.UTC().Format("2006.01.02")
}

// RestoredExpiryPattern matches every expiry alias.
const RestoredExpiryPattern = restoredExpiryPrefix + "*"

// ParseRestoredExpiry reads the expiry day of an alias made by
// RestoredExpiryAlias.
func ParseRestoredExpiry(alias string) (time.Time, bool) {
	d, ok := strings.CutPrefix(alias, restoredExpiryPrefix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse("2006.01.02", d)
	return t, err == nil
}

// ReplicasFor is the replica count data nodes can hold: a replica is
// never allocated on the node holding its primary, so more than nodes-1
// replicas leave the index (and the cluster) yellow for good. One replica
// when there is room for it, none on a single node.
func ReplicasFor(dataNodes int) int {
	if dataNodes <= 1 {
		return 0
	}
	return 1
}

// MinWarmAfterDays is the least index age at which ISM may move a log
// index to UltraWarm: warm indices are read-only, and a monthly index is
// written until its month ends (it is created on the month's first event,
// so at 31 days of age its month is over) plus a few days of late
// deliveries.
const MinWarmAfterDays = 35

// CheckWarm validates the warm-migration age against the retention.
func (r Retention) CheckWarm(warmAfterDays int) error {
	if warmAfterDays == 0 {
		return nil
	}
	if warmAfterDays < MinWarmAfterDays {
		return fmt.Errorf("warm after %d days: a monthly index is still written until its month ends; use at least %d days", warmAfterDays, MinWarmAfterDays)
	}
	if r.Days > 0 && warmAfterDays >= r.BackstopDeleteDays() {
		return fmt.Errorf("warm after %d days: indices are deleted by then (retention %d days after the month)", warmAfterDays, r.Days)
	}
	return nil
}
