// Package maintain is the maintain Lambda, which runs inside the VPC with
// the domain's master role. It is invoked with one action:
//
//	{"action":"configure"}                  templates, ISM (and the indices it manages), replicas,
//	                                        roles and role mappings, audit log, snapshot
//	                                        repository, SM policy, Dashboards saved objects,
//	                                        notification channel, monitors;
//	                                        idempotent (Pulumi invokes it when the configuration
//	                                        hash changes; a second run sends no mutating request)
//	{"action":"daily"}                      retention (the schedule sends it): delete the months
//	                                        whose retention has passed, expired restored-
//	                                        indices and expired on-demand snapshots
//	{"action":"snapshot"}                   an on-demand snapshot of the log and report indices
//	                                        (kept RetentionDays; the daily snapshots belong to
//	                                        the Snapshot Management policy)
//	{"action":"snapshots"}                  the repository's snapshots
//	{"action":"restore-plan","from":"2025-01-01","to":"2025-03-31","types":["cloudtrail"]}
//	                                        which snapshots hold which indices of the range
//	{"action":"restore", ...same...}        restore them as restored-<index>, never touching a
//	                                        live index, never a system index
//	{"action":"status", ...same...}         progress of the restored indices (health, docs)
//
// The input member is "action" (lambdaenv.MaintainConfigure and
// lambdaenv.MaintainDaily are what Pulumi and the schedule send); "op" is
// accepted as a synonym.
//
// One owner per job: the Snapshot Management policy takes (02:00) and
// deletes (04:00, after RetentionDays) the daily snapshots inside the
// domain; the daily action deletes what SM does not own (on-demand
// snapshots, which SM never deletes since they are not its policy's) and
// enforces index retention by event month.
package maintain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/internal/search"
)

// Names of what configure owns in the domain.
const (
	Repository = "orgsiem-snapshots"
	// RepositoryBasePath keeps snapshots apart from the reports stored in
	// the same bucket.
	RepositoryBasePath = "opensearch"
	SMPolicyName       = "orgsiem-daily"
	ChannelID          = "orgsiem-alerts"
)

// Config is the maintain function's configuration.
type Config struct {
	Endpoint        string // https://<host>
	SnapshotBucket  string
	TopicARN        string
	SnapshotRoleARN string
	AlertRoleARN    string
	Region          string
	// RetentionDays is how long snapshots are kept; HotIndexDays how long
	// an event month stays in the domain after it ends (search.Retention).
	RetentionDays, HotIndexDays int
	// DataNodes is the domain's data node count (replicas follow it:
	// search.ReplicasFor); 0 asks the domain (_cluster/health).
	DataNodes int
	// WarmAfterDays moves log indices to UltraWarm at this index age; 0:
	// no UltraWarm.
	WarmAfterDays int
	// RestoredDays is how long a restored- index is kept after its
	// restore (default DefaultRestoredDays).
	RestoredDays int
	Roles        search.RoleARNs
	// Notifications routes alerts to channels (see channels.go).
	Notifications lambdaenv.Notifications
}

// DefaultRestoredDays is how long restored indices stay: long enough for
// an investigation or an audit request, short enough that forgotten
// restores do not fill the domain.
const DefaultRestoredDays = 30

// ConfigFromEnv reads Config from the variables the Pulumi program sets
// (lambdaenv.MaintainVars). AlertRoleARN is optional: without it the
// notification channel and the monitors are not configured (reported in
// ConfigureResult.Skipped).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		SnapshotBucket: getenv(lambdaenv.SnapshotBucket), TopicARN: getenv(lambdaenv.AlertTopicARN),
		SnapshotRoleARN: getenv(lambdaenv.SnapshotRoleARN), AlertRoleARN: getenv(lambdaenv.AlertRoleARN), Region: getenv(lambdaenv.Region),
	}
	if c.Region == "" {
		c.Region = getenv("AWS_REGION")
	}
	if h := getenv(lambdaenv.OpenSearchEndpoint); h != "" {
		c.Endpoint = "https://" + strings.TrimPrefix(h, "https://")
	}
	var err error
	if c.RetentionDays, err = positive(getenv, lambdaenv.SnapshotRetentionDays); err != nil {
		return c, err
	}
	if c.HotIndexDays, err = positive(getenv, lambdaenv.HotIndexDays); err != nil {
		return c, err
	}
	if c.DataNodes, err = optionalCount(getenv, lambdaenv.DataNodes); err != nil {
		return c, err
	}
	if c.WarmAfterDays, err = optionalCount(getenv, lambdaenv.WarmAfterDays); err != nil {
		return c, err
	}
	if err := (search.Retention{Days: c.HotIndexDays}).CheckWarm(c.WarmAfterDays); err != nil {
		return c, fmt.Errorf("maintain config: %s: %w", lambdaenv.WarmAfterDays, err)
	}
	if c.Notifications, err = ParseNotifications(getenv(lambdaenv.NotificationChannels)); err != nil {
		return c, fmt.Errorf("maintain config: %w", err)
	}
	if s := getenv(lambdaenv.BackendRoles); s != "" {
		// Lambda role ARNs by purpose, and the people's backend roles
		// (SAML groups or Cognito group role ARNs) as lists.
		var m struct {
			Loader, Report, Maintain string
			Admin, Analyst, Auditor  []string
		}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return c, fmt.Errorf("maintain config: %s is not a JSON object of role ARNs and backend-role lists: %w", lambdaenv.BackendRoles, err)
		}
		c.Roles = search.RoleARNs{Loader: m.Loader, Report: m.Report, Maintain: m.Maintain, Admin: m.Admin, Analyst: m.Analyst, Auditor: m.Auditor}
	}
	switch {
	case c.Endpoint == "":
		return c, fmt.Errorf("maintain config: %s is empty", lambdaenv.OpenSearchEndpoint)
	case c.SnapshotBucket == "":
		return c, fmt.Errorf("maintain config: %s is empty", lambdaenv.SnapshotBucket)
	case !isRoleARN(c.SnapshotRoleARN):
		return c, fmt.Errorf("maintain config: %s %q is not an IAM role ARN", lambdaenv.SnapshotRoleARN, c.SnapshotRoleARN)
	case c.AlertRoleARN != "" && !isRoleARN(c.AlertRoleARN):
		return c, fmt.Errorf("maintain config: %s %q is not an IAM role ARN", lambdaenv.AlertRoleARN, c.AlertRoleARN)
	case c.Region == "":
		return c, fmt.Errorf("maintain config: %s and AWS_REGION are empty", lambdaenv.Region)
	}
	return c, nil
}

func isRoleARN(s string) bool { return strings.HasPrefix(s, "arn:") && strings.Contains(s, ":role/") }

// optionalCount reads a non-negative number; empty is 0.
func optionalCount(getenv func(string) string, name string) (int, error) {
	v := getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("maintain config: %s %q is not a non-negative number", name, v)
	}
	return n, nil
}

func positive(getenv func(string) string, name string) (int, error) {
	n, err := strconv.Atoi(getenv(name))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("maintain config: %s %q is not a positive number of days", name, getenv(name))
	}
	return n, nil
}

// Request is the function's input.
type Request struct {
	Action string `json:"action"`
	Op     string `json:"op,omitempty"` // synonym of Action
	// From and To bound a restore (days, both included: "2025-01-01").
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Types limits a restore to these log types (empty: all).
	Types []string `json:"types,omitempty"`
}

// Response is the function's output; the member of the action is set.
type Response struct {
	Action    string                `json:"action"`
	Configure *ConfigureResult      `json:"configure,omitempty"`
	Snapshot  string                `json:"snapshot,omitempty"`
	Snapshots []search.SnapshotInfo `json:"snapshots,omitempty"`
	Plan      *search.Plan          `json:"plan,omitempty"`
	Status    []IndexStatus         `json:"status,omitempty"`
	Daily     *DailyResult          `json:"daily,omitempty"`
}

// Maintainer runs the actions against one domain.
type Maintainer struct {
	cfg     Config
	c       *search.Client
	dash    *search.Client // Dashboards (the domain endpoint's /_dashboards)
	catalog *detect.Catalog
	now     func() time.Time
	log     *slog.Logger
	secrets Secrets // reads the channels' webhook URLs (SetSecrets)
}

// SetSecrets gives the maintainer the clients that read the notification
// channels' secrets.
func (m *Maintainer) SetSecrets(s Secrets) { m.secrets = s }

// New returns a Maintainer; now nil is time.Now, log nil discards.
func New(cfg Config, c *search.Client, catalog *detect.Catalog, now func() time.Time, log *slog.Logger) (*Maintainer, error) {
	if c == nil || catalog == nil {
		return nil, errors.New("maintain: nil search client or catalog")
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Maintainer{cfg: cfg, c: c, dash: c, catalog: catalog, now: now, log: log}, nil
}

// Handle runs one action.
func (m *Maintainer) Handle(ctx context.Context, req Request) (Response, error) {
	action := req.Action
	if action == "" {
		action = req.Op
	}
	out := Response{Action: action}
	var err error
	switch action {
	case "configure":
		var r ConfigureResult
		r, err = m.Configure(ctx)
		out.Configure = &r
	case "daily":
		var r DailyResult
		r, err = m.Daily(ctx)
		out.Daily = &r
	case "snapshot":
		out.Snapshot, err = m.Snapshot(ctx)
	case "snapshots":
		out.Snapshots, err = m.c.Snapshots(ctx, Repository)
	case "restore-plan", "restore":
		var p search.Plan
		if p, err = m.Plan(ctx, req); err == nil && action == "restore" {
			err = m.restore(ctx, &p)
		}
		out.Plan = &p
	case "status":
		out.Status, err = m.Status(ctx, req)
	default:
		err = fmt.Errorf("unknown action %q (want configure, daily, snapshot, snapshots, restore-plan, restore or status)", action)
	}
	if err != nil {
		return out, fmt.Errorf("maintain %s: %w", action, err)
	}
	return out, nil
}

// Snapshot starts an on-demand snapshot and returns its name.
func (m *Maintainer) Snapshot(ctx context.Context) (string, error) {
	name := search.OnDemandPrefix + m.now().UTC().Format("2006.01.02-15.04.05")
	return name, m.c.CreateSnapshot(ctx, Repository, name)
}

// dateRange reads a request's from/to days.
func dateRange(req Request) (from, to time.Time, err error) {
	if req.From == "" || req.To == "" {
		return from, to, errors.New("from and to are required (days such as 2025-01-01)")
	}
	if from, err = time.Parse(time.DateOnly, req.From); err != nil {
		return from, to, fmt.Errorf("from %q: want a day such as 2025-01-01", req.From)
	}
	if to, err = time.Parse(time.DateOnly, req.To); err != nil {
		return from, to, fmt.Errorf("to %q: want a day such as 2025-03-31", req.To)
	}
	return from, to, nil
}

// Plan finds the snapshots holding the indices of the request's range and
// types, given what is live.
func (m *Maintainer) Plan(ctx context.Context, req Request) (search.Plan, error) {
	from, to, err := dateRange(req)
	if err != nil {
		return search.Plan{}, err
	}
	snaps, err := m.c.Snapshots(ctx, Repository)
	if err != nil {
		return search.Plan{}, err
	}
	live, err := m.c.Indices(ctx, search.AllLogsPattern+","+search.RestorePrefix+"*")
	if err != nil {
		return search.Plan{}, err
	}
	return search.PlanRestoreWithin(snaps, from, to, req.Types, live, m.retention(), m.now())
}

func (m *Maintainer) retention() search.Retention { return search.Retention{Days: m.cfg.HotIndexDays} }

func (m *Maintainer) restoredDays() int {
	if m.cfg.RestoredDays > 0 {
		return m.cfg.RestoredDays
	}
	return DefaultRestoredDays
}

// restore starts the plan's restores with the domain's replica count and
// tags every restored index with its expiry (search.RestoredExpiryAlias).
func (m *Maintainer) restore(ctx context.Context, p *search.Plan) error {
	n, err := m.dataNodes(ctx)
	if err != nil {
		return err
	}
	rep := search.ReplicasFor(n)
	var targets []string
	for i := range p.Items {
		p.Items[i].Replicas = &rep
		targets = append(targets, p.Items[i].Targets...)
	}
	if err := m.c.Restore(ctx, Repository, *p); err != nil {
		return err
	}
	return m.c.AddAliases(ctx, search.RestoredExpiryAlias(m.now().AddDate(0, 0, m.restoredDays())), targets)
}

// dataNodes is the configured data node count, else the domain's.
func (m *Maintainer) dataNodes(ctx context.Context) (int, error) {
	if m.cfg.DataNodes > 0 {
		return m.cfg.DataNodes, nil
	}
	return m.c.DataNodes(ctx)
}

// IndexStatus is the state of one restored index.
type IndexStatus struct {
	Index  string `json:"index"`
	Health string `json:"health"` // green, yellow (replicas pending), red (primaries recovering)
	Status string `json:"status"` // open, close
	Docs   int64  `json:"docs"`
}

// Searchable reports whether the index answers searches (its primaries are
// recovered).
func (s IndexStatus) Searchable() bool {
	return s.Status == "open" && (s.Health == "green" || s.Health == "yellow")
}

// Status lists the restored indices, those of the request's range and
// types when given, else all.
func (m *Maintainer) Status(ctx context.Context, req Request) ([]IndexStatus, error) {
	want := map[string]bool{}
	if req.From != "" || req.To != "" {
		p, err := m.Plan(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			for _, t := range it.Targets {
				want[t] = true
			}
		}
		for _, idx := range p.AlreadyRestored {
			want[search.RestorePrefix+idx] = true
		}
	}
	var rows []struct {
		Index  string `json:"index"`
		Health string `json:"health"`
		Status string `json:"status"`
		Docs   string `json:"docs.count"`
	}
	path := "/_cat/indices/" + search.RestorePrefix + "*?format=json&h=index,status,health,docs.count"
	if err := m.c.JSON(ctx, http.MethodGet, path, nil, &rows); err != nil {
		return nil, fmt.Errorf("restored indices: %w", err)
	}
	var out []IndexStatus
	for _, r := range rows {
		if len(want) > 0 && !want[r.Index] {
			continue
		}
		n, _ := strconv.ParseInt(r.Docs, 10, 64) // empty while the index is red
		out = append(out, IndexStatus{Index: r.Index, Health: r.Health, Status: r.Status, Docs: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}
