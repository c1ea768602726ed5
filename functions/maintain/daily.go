package maintain

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
)

// DailyResult says what the daily run deleted.
type DailyResult struct {
	// ExpiredMonths are the log indices whose event month ended more than
	// HotIndexDays ago.
	ExpiredMonths []string `json:"expired_months,omitempty"`
	// ExpiredRestored are restored- indices past their expiry day.
	ExpiredRestored []string `json:"expired_restored,omitempty"`
	// TaggedRestored are restored- indices that had no expiry (restored
	// before expiries existed, or by hand) and got one.
	TaggedRestored []string `json:"tagged_restored,omitempty"`
	// ExpiredSnapshots are on-demand snapshots older than RetentionDays.
	ExpiredSnapshots []string `json:"expired_snapshots,omitempty"`
}

// Daily enforces retention: it deletes the monthly log indices whose
// month has expired (search.Retention, counted from the event month), the
// restored- indices past their expiry alias, and the on-demand snapshots
// older than RetentionDays (Snapshot Management deletes only its own
// daily snapshots). Each step is idempotent; a second run the same day
// deletes nothing.
func (m *Maintainer) Daily(ctx context.Context) (DailyResult, error) {
	var res DailyResult
	now := m.now().UTC()
	logs, err := m.c.Indices(ctx, search.AllLogsPattern)
	if err != nil && !search.IsIndexNotFound(err) {
		return res, err
	}
	res.ExpiredMonths = m.retention().ExpiredIndices(logs, now)
	if err := m.c.DeleteIndices(ctx, res.ExpiredMonths); err != nil {
		return res, err
	}
	if len(res.ExpiredMonths) > 0 {
		m.log.InfoContext(ctx, "deleted expired months", "indices", res.ExpiredMonths, "retention_days", m.cfg.HotIndexDays)
	}
	if res.ExpiredRestored, res.TaggedRestored, err = m.expireRestored(ctx, now); err != nil {
		return res, err
	}
	snaps, err := m.c.Snapshots(ctx, Repository)
	if err != nil {
		return res, err
	}
	for _, name := range search.ExpiredOnDemand(snaps, m.cfg.RetentionDays, now) {
		if err := m.c.DeleteSnapshot(ctx, Repository, name); err != nil {
			return res, err
		}
		res.ExpiredSnapshots = append(res.ExpiredSnapshots, name)
	}
	return res, nil
}

// expireRestored deletes the restored indices whose expiry day has passed
// and gives an expiry to those without one.
func (m *Maintainer) expireRestored(ctx context.Context, now time.Time) (deleted, tagged []string, err error) {
	restored, err := m.c.Indices(ctx, search.RestorePrefix+"*")
	if err != nil && !search.IsIndexNotFound(err) {
		return nil, nil, err
	}
	if len(restored) == 0 {
		return nil, nil, nil
	}
	aliases, err := m.c.AliasIndices(ctx, search.RestoredExpiryPattern)
	if err != nil {
		return nil, nil, err
	}
	expiry := map[string]time.Time{}
	for alias, idxs := range aliases {
		day, ok := search.ParseRestoredExpiry(alias)
		if !ok {
			continue
		}
		for _, i := range idxs {
			if cur, seen := expiry[i]; !seen || day.After(cur) {
				expiry[i] = day // the latest expiry wins (a restore extended it)
			}
		}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for _, idx := range restored {
		day, ok := expiry[idx]
		switch {
		case !ok:
			tagged = append(tagged, idx)
		case !today.Before(day):
			deleted = append(deleted, idx)
		}
	}
	sort.Strings(deleted)
	if err := m.c.DeleteIndices(ctx, deleted); err != nil {
		return nil, nil, err
	}
	if err := m.c.AddAliases(ctx, search.RestoredExpiryAlias(now.AddDate(0, 0, m.restoredDays())), tagged); err != nil {
		return deleted, nil, fmt.Errorf("expiry of restored indices: %w", err)
	}
	return deleted, tagged, nil
}
