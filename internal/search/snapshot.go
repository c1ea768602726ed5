package search

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
)

// Repository is the S3 snapshot repository (org-logging.md §5): PUT
// _snapshot/<Name> with Body. The caller needs iam:PassRole on RoleARN.
type Repository struct {
	Name     string
	Bucket   string
	Region   string
	RoleARN  string // TheSnapshotRole, trusted by es.amazonaws.com
	BasePath string // optional key prefix inside the bucket
}

// Body is the registration request body. It sets no
// server_side_encryption: true would make OpenSearch upload every snapshot
// file with SSE-S3 (AES256), overriding the snapshot bucket's default
// encryption, SSE-KMS with the SIEM key (S3 applies the bucket default to
// uploads that request none:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html).
func (r Repository) Body() map[string]any {
	s := map[string]any{
		"bucket":   r.Bucket,
		"region":   r.Region,
		"role_arn": r.RoleARN,
	}
	if r.BasePath != "" {
		s["base_path"] = r.BasePath
	}
	return map[string]any{"type": "s3", "settings": s}
}

// SnapshotIndices are the indices snapshots hold: the log, report and
// alert indices, never system indices.
const SnapshotIndices = AllLogsPattern + "," + ReportsPrefix + "*," + alerts.IndexPattern

// SMPolicy is the Snapshot Management policy (_plugins/_sm/policies/<Name>).
type SMPolicy struct {
	Name       string
	Repository string
	// Schedule is the creation cron expression (default "0 2 * * *", daily
	// 02:00) and DeleteSchedule the deletion one (default "0 4 * * *"), in
	// Timezone (default UTC).
	Schedule, DeleteSchedule, Timezone string
	// Retention: snapshots older than MaxAgeDays are deleted, keeping at
	// least MinCount and at most MaxCount.
	MaxAgeDays, MinCount, MaxCount int
}

// Body is the policy request body.
func (p SMPolicy) Body() (map[string]any, error) {
	if p.Name == "" || p.Repository == "" {
		return nil, errors.New("snapshot policy: name and repository are required")
	}
	if p.MaxAgeDays <= 0 || p.MinCount < 1 || (p.MaxCount > 0 && p.MaxCount < p.MinCount) {
		return nil, fmt.Errorf("snapshot policy %s: need max age > 0 days, min count >= 1, max count >= min count", p.Name)
	}
	tz := p.Timezone
	if tz == "" {
		tz = "UTC"
	}
	create, del := p.Schedule, p.DeleteSchedule
	if create == "" {
		create = "0 2 * * *"
	}
	if del == "" {
		del = "0 4 * * *"
	}
	cond := map[string]any{"max_age": fmt.Sprintf("%dd", p.MaxAgeDays), "min_count": p.MinCount}
	if p.MaxCount > 0 {
		cond["max_count"] = p.MaxCount
	}
	return map[string]any{
		"description": "orgsiem: daily snapshots of log and report indices",
		"enabled":     true,
		"creation": map[string]any{
			"schedule":   map[string]any{"cron": map[string]any{"expression": create, "timezone": tz}},
			"time_limit": "2h",
		},
		"deletion": map[string]any{
			"schedule":   map[string]any{"cron": map[string]any{"expression": del, "timezone": tz}},
			"condition":  cond,
			"time_limit": "2h",
		},
		"snapshot_config": map[string]any{
			"repository":           p.Repository,
			"indices":              SnapshotIndices,
			"date_format":          "yyyy-MM-dd-HH-mm",
			"timezone":             tz,
			"ignore_unavailable":   true,
			"include_global_state": false,
			"partial":              false,
		},
	}, nil
}

// SnapshotBody is the body of an on-demand snapshot (PUT
// _snapshot/<repo>/<name>).
func SnapshotBody() map[string]any {
	return map[string]any{"indices": SnapshotIndices, "ignore_unavailable": true, "include_global_state": false, "partial": false}
}

// SnapshotInfo is one snapshot of a repository listing.
type SnapshotInfo struct {
	Name    string
	State   string // SUCCESS, PARTIAL, FAILED, IN_PROGRESS
	Indices []string
	Start   time.Time
	End     time.Time
}

// RestoreItem is one restore request: the indices to take from one
// snapshot, each restored as RestorePrefix+index.
type RestoreItem struct {
	Snapshot string
	Indices  []string // source index names, sorted
	Targets  []string // restored-<index>, aligned with Indices
	// Replicas, when set, overrides the number_of_replicas the indices
	// were snapshotted with (index_settings), so a restore onto a
	// smaller domain does not stay yellow.
	Replicas *int `json:"replicas,omitempty"`
}

// Body is the _restore request body.
func (it RestoreItem) Body() map[string]any {
	b := map[string]any{
		"indices":              strings.Join(it.Indices, ","),
		"ignore_unavailable":   false,
		"include_global_state": false,
		"include_aliases":      false,
		"partial":              false,
		"rename_pattern":       "(.+)",
		"rename_replacement":   RestorePrefix + "$1",
	}
	if it.Replicas != nil {
		b["index_settings"] = map[string]any{"index.number_of_replicas": *it.Replicas}
	}
	return b
}

// Plan is what restoring a date range takes.
type Plan struct {
	From, To time.Time
	Types    []string
	// Items are the restores to run, one per snapshot, by snapshot name.
	Items []RestoreItem
	// Live are needed indices still in the cluster: searchable as they are.
	Live []string
	// AlreadyRestored are needed indices whose restored- copy exists.
	AlreadyRestored []string
	// Missing are needed indices no successful snapshot holds (the month
	// had no data, or it was never snapshotted).
	Missing []string
}

var logIndexName = regexp.MustCompile(`^log-aws-([a-z0-9]+)-(\d{4})\.(\d{2})$`)
var typeName = regexp.MustCompile(`^[a-z0-9]+$`)

// PlanRestore picks the snapshots and indices that cover [from, to] (both
// days included) for the log types (all types found in the snapshots when
// empty): for each needed monthly index log-aws-<type>-YYYY.MM that is not
// live, the latest successful snapshot holding it, restored as
// restored-<index>. It never targets a live index name and never restores
// a system (.-prefixed) index.
func PlanRestore(snapshots []SnapshotInfo, from, to time.Time, types []string, liveIndices []string) (Plan, error) {
	return PlanRestoreWithin(snapshots, from, to, types, liveIndices, Retention{}, time.Time{})
}

// PlanRestoreWithin is PlanRestore knowing the retention: a month's index
// is only taken from snapshots that ended before the month expired, and a
// live index of an expired month is not the month (it can only be a
// resurrection by late events, holding a few documents) — the month is
// restored from the last snapshot before its expiry instead.
func PlanRestoreWithin(snapshots []SnapshotInfo, from, to time.Time, types []string, liveIndices []string, ret Retention, now time.Time) (Plan, error) {
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		return Plan{}, fmt.Errorf("restore plan: range end %s is before its start %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	live := map[string]bool{}
	for _, n := range liveIndices {
		live[n] = true
	}
	if len(types) == 0 {
		seen := map[string]bool{}
		for _, s := range snapshots {
			for _, idx := range s.Indices {
				if m := logIndexName.FindStringSubmatch(idx); m != nil && !seen[m[1]] {
					seen[m[1]] = true
					types = append(types, m[1])
				}
			}
		}
	}
	types = append([]string(nil), types...)
	sort.Strings(types)
	for _, t := range types {
		if !typeName.MatchString(t) {
			return Plan{}, fmt.Errorf("restore plan: log type %q is not a type name", t)
		}
	}
	plan := Plan{From: from, To: to, Types: types}
	// Latest successful snapshot per index.
	ordered := append([]SnapshotInfo(nil), snapshots...)
	sort.SliceStable(ordered, func(i, j int) bool {
		if !ordered[i].End.Equal(ordered[j].End) {
			return ordered[i].End.Before(ordered[j].End)
		}
		return ordered[i].Name < ordered[j].Name
	})
	latest := map[string]string{}
	for _, s := range ordered {
		if s.State != "SUCCESS" {
			continue
		}
		for _, idx := range s.Indices {
			if _, month, ok := LogIndexMonth(idx); ok && ret.Days > 0 && s.End.After(ret.ExpiresAt(month)) {
				continue // taken after the month expired: a resurrection at best
			}
			latest[idx] = s.Name
		}
	}
	bySnap := map[string]*RestoreItem{}
	for _, t := range types {
		for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
			idx := fmt.Sprintf("%s%s-%04d.%02d", IndexPrefix, t, m.Year(), int(m.Month()))
			target := RestorePrefix + idx
			expired := ret.MonthExpired(m, now)
			switch {
			case live[idx] && !expired:
				plan.Live = append(plan.Live, idx)
				continue
			case live[target]:
				plan.AlreadyRestored = append(plan.AlreadyRestored, idx)
				continue
			}
			snap, ok := latest[idx]
			if !ok {
				plan.Missing = append(plan.Missing, idx)
				continue
			}
			it := bySnap[snap]
			if it == nil {
				it = &RestoreItem{Snapshot: snap}
				bySnap[snap] = it
			}
			it.Indices = append(it.Indices, idx)
		}
	}
	for _, it := range bySnap {
		sort.Strings(it.Indices)
		for _, idx := range it.Indices {
			target := RestorePrefix + idx
			if strings.HasPrefix(idx, ".") || live[target] {
				return Plan{}, fmt.Errorf("restore plan: refusing to target %s", target) // unreachable by construction
			}
			it.Targets = append(it.Targets, target)
		}
		plan.Items = append(plan.Items, *it)
	}
	sort.Slice(plan.Items, func(i, j int) bool { return plan.Items[i].Snapshot < plan.Items[j].Snapshot })
	sort.Strings(plan.Live)
	sort.Strings(plan.AlreadyRestored)
	sort.Strings(plan.Missing)
	return plan, nil
}
