// Package stacks is the orgsiem Pulumi program: it reads and validates the
// stack configuration into one Config, then composes the management,
// log-archive, security and member pieces (packages central and member)
// with one AWS provider per account.
package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/central"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

// Namespace is the configuration namespace (the project name).
const Namespace = "orgsiem"

// OpenSearch profiles.
const (
	ProfileDev  = "dev"
	ProfileProd = "prod"
)

// Config is the whole stack configuration. Each field names its key
// (orgsiem:<key>) and its default; Parse fills defaults and validates.
type Config struct {
	OrganizationID      string   // organizationId, required (o-...)
	ManagementAccountID string   // managementAccountId, required: the account running pulumi up
	LogArchiveAccountID string   // logArchiveAccountId, required, never the management account
	SecurityAccountID   string   // securityAccountId, required, never the management account (may equal logArchiveAccountId)
	HomeRegion          string   // homeRegion, required
	Regions             []string // regions: regions to collect from, default [homeRegion]; must include homeRegion
	MemberTargets       []string // memberTargets: OU or root ids whose accounts get the baseline, default the organization root
	AccountRole         string   // accountRole: role assumed in log-archive and security, default OrganizationAccountAccessRole
	// breakGlassRole: role name in the log-archive account that, with the
	// accountRole the program deploys with, alone may delete archive object
	// versions, lift Object Lock, or change the bucket policy, Object Lock,
	// lifecycle or versioning and the archive key's policy, state or
	// deletion; default the accountRole
	BreakGlassRole string
	BuildDir       string // buildDir: where `make package` puts the Lambda zips, default build/lambda

	SubscriptionMode string   // subscriptionMode: loggroup (default) or account
	IncludeLogGroups []string // includeLogGroups: patterns ("*" wildcard), default all (loggroup mode only)
	ExcludeLogGroups []string // excludeLogGroups: patterns (loggroup mode) or exact names (account mode), default none
	SweepSchedule    string   // sweepSchedule: EventBridge schedule of the loggroup sweep, default rate(1 day)
	LogRetentionDays int      // logRetentionDays: orgsiem's own log groups, default 365

	ObjectLockMode   string // objectLockMode: GOVERNANCE (default) or COMPLIANCE
	ObjectLockDays   int    // objectLockDays: default 365
	GlacierAfterDays int    // glacierAfterDays: archive objects move to Glacier, default 90
	ExpireAfterDays  int    // expireAfterDays: archive objects expire, default 2557 (7 years); >= objectLockDays
	HotIndexDays     int    // hotIndexDays: indices kept in OpenSearch, default 90

	OpenSearchProfile       string // opensearchProfile: dev (default; one node) or prod (three AZs, three dedicated masters)
	OpenSearchEngineVersion string // opensearchEngineVersion: default OpenSearch_2.17
	OpenSearchInstanceType  string // opensearchInstanceType: default m6g.large.search (dev), r6g.large.search (prod)
	OpenSearchDataNodes     int    // opensearchDataNodes: default 1 (dev), 3 (prod); prod: a multiple of the AZ count, at least 3
	OpenSearchMasterType    string // opensearchMasterType: dedicated master type (prod), default m6g.large.search
	OpenSearchVolumeGiB     int    // opensearchVolumeGiB: gp3 volume per data node, default 100
	OpenSearchWarmNodes     int    // opensearchUltraWarmNodes: 0 (default) or >= 2, prod only
	OpenSearchWarmType      string // opensearchUltraWarmType: default ultrawarm1.medium.search
	OpenSearchServiceRole   bool   // opensearchCreateServiceLinkedRole: default true; false if the account already has it

	VpcCIDR   string   // vpcCidr: CIDR of the created VPC, default 10.80.0.0/16; with vpcId, the existing VPC's CIDR (required)
	VpcID     string   // vpcId: use this VPC instead of creating one (it must have the S3, SQS, SNS, STS, Logs, KMS endpoints)
	SubnetIDs []string // subnetIds: private subnets of vpcId, one per AZ, at least the AZ count

	AlertEmails           []string // alertEmails: subscribed to the alert topic, default none
	AlertMinSeverity      string   // alertMinSeverity: least severe alert the alert topic (e-mail) gets, default high
	ReportSchedule        string   // reportSchedule: default cron(0 6 * * ? *)
	ReportWindow          string   // reportWindow: Go duration, default 24h
	SnapshotSchedule      string   // snapshotSchedule: default cron(0 2 * * ? *)
	SnapshotRetentionDays int      // snapshotRetentionDays: default 365
	HeartbeatLogTypes     []string // heartbeatLogTypes: log types that must keep arriving, default [cloudtrail]
	HeartbeatMinutes      int      // heartbeatMinutes: silence that raises the heartbeat alarm, default 60

	LoaderReservedConcurrency int // loaderReservedConcurrency: default 10, at least 2
	// lambdaConcurrencyQuota: the security account's Lambda concurrent
	// executions quota in the home region (Service Quotas L-B99A9384),
	// default 1000; the loader's reservation must leave Lambda's 100
	// unreserved units
	LambdaConcurrencyQuota int
	// geoipDatabases: s3://bucket/key URIs of MaxMind databases for the
	// loader's GeoIP enrichment, default none (no GeoIP)
	GeoIPDatabases []string
	// accountEnrichment: the loader fills cloud.account.name and
	// orgsiem.account.ou from the account directory, default true
	AccountEnrichment bool
	// directorySchedule: EventBridge schedule of full account directory
	// rebuilds (Organizations events rebuild it too), default rate(6 hours)
	DirectorySchedule string
	// notificationChannels: Slack, Chime and custom webhook channels, a list
	// of {name, type: slack|chime|webhook, minSeverity, secret}; secret is
	// the ARN of a Secrets Manager secret or SSM SecureString parameter of
	// the security account and home region holding the webhook URL (never
	// the URL itself); default none
	NotificationChannels []lambdaenv.NotificationChannel

	// People: sign-in (signIn, saml*, *Groups, cognitoDomainPrefix) and
	// the way into the VPC (accessPath, accessHostType); see signin.go.
	People PeopleConfig
	// findings: GuardDuty and Security Hub with the security account as
	// delegated administrator, findings to the archive and the index;
	// default off (stacks/findings.go)
	Findings FindingsConfig
	// sources: log sources the member baseline turns on (VPC flow logs);
	// default none (stacks/findings.go)
	Sources SourcesConfig
}

// AvailabilityZones is the number of AZs the domain spans.
func (c Config) AvailabilityZones() int {
	if c.OpenSearchProfile == ProfileProd {
		return 3
	}
	return 1
}

// DedicatedMasters is the number of dedicated master nodes.
func (c Config) DedicatedMasters() int {
	if c.OpenSearchProfile == ProfileProd {
		return 3
	}
	return 0
}

// ConfigError names the configuration key at fault.
type ConfigError struct {
	Key string
	Msg string
}

func (e *ConfigError) Error() string { return Namespace + ":" + e.Key + ": " + e.Msg }

var (
	reOrg     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	reAccount = regexp.MustCompile(`^[0-9]{12}$`)
	reRegion  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	reTarget  = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	reRole    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	reVpc     = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	reSubnet  = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	reEmail   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	reLogName = regexp.MustCompile(`^[\w#./*-]{1,512}$`)
)

// parser reads keys through get and collects the first error per key.
type parser struct {
	get  func(key string) (string, bool)
	errs []error
}

func (p *parser) fail(key, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) str(key, def string) string {
	if v, ok := p.get(key); ok && v != "" {
		return v
	}
	return def
}

func (p *parser) required(key string, re *regexp.Regexp, what string) string {
	v := p.str(key, "")
	switch {
	case v == "":
		p.fail(key, "required (%s)", what)
	case !re.MatchString(v):
		p.fail(key, "%q is not %s", v, what)
	}
	return v
}

func (p *parser) integer(key string, def, lo, hi int) int {
	v, ok := p.get(key)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(key, "%q is not an integer", v)
		return def
	}
	if n < lo || n > hi {
		p.fail(key, "%d is outside %d..%d", n, lo, hi)
	}
	return n
}

func (p *parser) boolean(key string, def bool) bool {
	v, ok := p.get(key)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, "%q is not true or false", v)
		return def
	}
	return b
}

// list reads a JSON array of strings (what `pulumi config set --path
// key[0] value` stores) or one plain string.
func (p *parser) list(key string, def []string) []string {
	v, ok := p.get(key)
	if !ok || strings.TrimSpace(v) == "" {
		return def
	}
	if !strings.HasPrefix(strings.TrimSpace(v), "[") {
		return []string{v}
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		p.fail(key, "not a list of strings: %v", err)
		return def
	}
	return out
}

func (p *parser) each(key string, vals []string, re *regexp.Regexp, what string) {
	for _, v := range vals {
		if !re.MatchString(v) {
			p.fail(key, "%q is not %s", v, what)
			return
		}
	}
}

func schedule(s string) bool {
	return (strings.HasPrefix(s, "rate(") || strings.HasPrefix(s, "cron(")) && strings.HasSuffix(s, ")")
}

// Parse builds and validates the Config from get, which returns the value
// of a key of the orgsiem namespace (without the "orgsiem:" prefix). Every
// problem is reported, each naming its key.
func Parse(get func(key string) (string, bool)) (Config, error) {
	p := &parser{get: get}
	var c Config
	c.OrganizationID = p.required("organizationId", reOrg, "an organization id (o-...)")
	c.ManagementAccountID = p.required("managementAccountId", reAccount, "a 12-digit account id")
	c.LogArchiveAccountID = p.required("logArchiveAccountId", reAccount, "a 12-digit account id")
	c.SecurityAccountID = p.required("securityAccountId", reAccount, "a 12-digit account id")
	if c.ManagementAccountID != "" {
		if c.LogArchiveAccountID == c.ManagementAccountID {
			p.fail("logArchiveAccountId", "must not be the management account %s (keep workloads out of it)", c.ManagementAccountID)
		}
		if c.SecurityAccountID == c.ManagementAccountID {
			p.fail("securityAccountId", "must not be the management account %s (keep workloads out of it)", c.ManagementAccountID)
		}
	}
	c.HomeRegion = p.required("homeRegion", reRegion, "an AWS region")
	c.Regions = p.list("regions", []string{c.HomeRegion})
	p.each("regions", c.Regions, reRegion, "an AWS region")
	if c.HomeRegion != "" && !slices.Contains(c.Regions, c.HomeRegion) {
		p.fail("regions", "must include the home region %s", c.HomeRegion)
	}
	if len(c.Regions) != len(dedupe(c.Regions)) {
		p.fail("regions", "lists a region twice")
	}
	c.MemberTargets = p.list("memberTargets", nil)
	p.each("memberTargets", c.MemberTargets, reTarget, "an organization root (r-...) or OU id (ou-...)")
	c.AccountRole = p.str("accountRole", "OrganizationAccountAccessRole")
	if !reRole.MatchString(c.AccountRole) {
		p.fail("accountRole", "%q is not an IAM role name", c.AccountRole)
	}
	c.BreakGlassRole = p.str("breakGlassRole", c.AccountRole)
	if !reRole.MatchString(c.BreakGlassRole) {
		p.fail("breakGlassRole", "%q is not an IAM role name", c.BreakGlassRole)
	}
	c.BuildDir = p.str("buildDir", "build/lambda")

	c.SubscriptionMode = p.str("subscriptionMode", member.ModeLogGroup)
	c.IncludeLogGroups = p.list("includeLogGroups", nil)
	c.ExcludeLogGroups = p.list("excludeLogGroups", nil)
	p.each("includeLogGroups", c.IncludeLogGroups, reLogName, "a log group name pattern")
	p.each("excludeLogGroups", c.ExcludeLogGroups, reLogName, "a log group name pattern")
	switch c.SubscriptionMode {
	case member.ModeLogGroup:
	case member.ModeAccount:
		if len(c.IncludeLogGroups) > 0 {
			p.fail("includeLogGroups", "not supported in account mode (the account policy covers every group)")
		}
		for _, x := range c.ExcludeLogGroups {
			if strings.Contains(x, "*") {
				p.fail("excludeLogGroups", "account mode takes exact names, not patterns: %q", x)
				break
			}
		}
	default:
		p.fail("subscriptionMode", "%q is not %s or %s", c.SubscriptionMode, member.ModeLogGroup, member.ModeAccount)
	}
	c.SweepSchedule = p.str("sweepSchedule", "rate(1 day)")
	if !schedule(c.SweepSchedule) {
		p.fail("sweepSchedule", "%q is not rate(...) or cron(...)", c.SweepSchedule)
	}
	c.LogRetentionDays = p.integer("logRetentionDays", 365, 1, 3653)
	if !slices.Contains(logRetentionValues, c.LogRetentionDays) {
		p.fail("logRetentionDays", "%d is not a CloudWatch Logs retention (%v)", c.LogRetentionDays, logRetentionValues)
	}

	c.ObjectLockMode = p.str("objectLockMode", "GOVERNANCE")
	if c.ObjectLockMode != "GOVERNANCE" && c.ObjectLockMode != "COMPLIANCE" {
		p.fail("objectLockMode", "%q is not GOVERNANCE or COMPLIANCE", c.ObjectLockMode)
	}
	c.ObjectLockDays = p.integer("objectLockDays", 365, 1, 36500)
	c.GlacierAfterDays = p.integer("glacierAfterDays", 90, 1, 36500)
	c.ExpireAfterDays = p.integer("expireAfterDays", 2557, 2, 36500)
	if c.ExpireAfterDays <= c.GlacierAfterDays {
		p.fail("expireAfterDays", "%d must be after glacierAfterDays %d", c.ExpireAfterDays, c.GlacierAfterDays)
	}
	if c.ExpireAfterDays < c.ObjectLockDays {
		p.fail("expireAfterDays", "%d is before objectLockDays %d ends", c.ExpireAfterDays, c.ObjectLockDays)
	}
	c.HotIndexDays = p.integer("hotIndexDays", 90, 1, 3650)

	c.OpenSearchProfile = p.str("opensearchProfile", ProfileDev)
	prod := c.OpenSearchProfile == ProfileProd
	if c.OpenSearchProfile != ProfileDev && !prod {
		p.fail("opensearchProfile", "%q is not %s or %s", c.OpenSearchProfile, ProfileDev, ProfileProd)
	}
	c.OpenSearchEngineVersion = p.str("opensearchEngineVersion", "OpenSearch_2.17")
	c.OpenSearchInstanceType = p.str("opensearchInstanceType", map[bool]string{false: "m6g.large.search", true: "r6g.large.search"}[prod])
	c.OpenSearchDataNodes = p.integer("opensearchDataNodes", map[bool]int{false: 1, true: 3}[prod], 1, 80)
	if prod {
		if az := c.AvailabilityZones(); c.OpenSearchDataNodes%az != 0 || c.OpenSearchDataNodes < 3 {
			p.fail("opensearchDataNodes", "%d: the prod profile needs at least 3 data nodes, a multiple of its %d availability zones",
				c.OpenSearchDataNodes, az)
		}
	}
	c.OpenSearchMasterType = p.str("opensearchMasterType", "m6g.large.search")
	c.OpenSearchVolumeGiB = p.integer("opensearchVolumeGiB", 100, 10, 24576)
	c.OpenSearchWarmNodes = p.integer("opensearchUltraWarmNodes", 0, 0, 150)
	if c.OpenSearchWarmNodes == 1 {
		p.fail("opensearchUltraWarmNodes", "UltraWarm needs at least 2 nodes")
	}
	if c.OpenSearchWarmNodes > 0 && !prod {
		p.fail("opensearchUltraWarmNodes", "UltraWarm needs dedicated masters: use the prod profile")
	}
	c.OpenSearchWarmType = p.str("opensearchUltraWarmType", "ultrawarm1.medium.search")
	c.OpenSearchServiceRole = p.boolean("opensearchCreateServiceLinkedRole", true)
	for _, k := range []struct{ key, v string }{
		{"opensearchInstanceType", c.OpenSearchInstanceType}, {"opensearchMasterType", c.OpenSearchMasterType},
		{"opensearchUltraWarmType", c.OpenSearchWarmType},
	} {
		if !strings.HasSuffix(k.v, ".search") {
			p.fail(k.key, "%q is not an OpenSearch instance type (*.search)", k.v)
		}
	}

	c.VpcID = p.str("vpcId", "")
	c.SubnetIDs = p.list("subnetIds", nil)
	_, cidrSet := get("vpcCidr")
	c.VpcCIDR = p.str("vpcCidr", "10.80.0.0/16")
	if c.VpcID == "" {
		if len(c.SubnetIDs) > 0 {
			p.fail("subnetIds", "only with vpcId")
		}
	} else {
		if !reVpc.MatchString(c.VpcID) {
			p.fail("vpcId", "%q is not a VPC id", c.VpcID)
		}
		if !cidrSet {
			p.fail("vpcCidr", "required with vpcId: the existing VPC's CIDR, for security group rules")
		}
		p.each("subnetIds", c.SubnetIDs, reSubnet, "a subnet id")
		if n := max(2, c.AvailabilityZones()); len(c.SubnetIDs) < n {
			p.fail("subnetIds", "%d given, need at least %d (one per availability zone)", len(c.SubnetIDs), n)
		}
	}
	if err := validCIDR(c.VpcCIDR); err != nil {
		p.fail("vpcCidr", "%v", err)
	}

	c.AlertEmails = p.list("alertEmails", nil)
	p.each("alertEmails", c.AlertEmails, reEmail, "an e-mail address")
	c.AlertMinSeverity = p.str("alertMinSeverity", "high")
	if !slices.Contains(lambdaenv.Severities, c.AlertMinSeverity) {
		p.fail("alertMinSeverity", "%q is not one of %s", c.AlertMinSeverity, strings.Join(lambdaenv.Severities, ", "))
	}
	c.NotificationChannels = p.channels("notificationChannels", c.SecurityAccountID, c.HomeRegion)
	c.ReportSchedule = p.str("reportSchedule", "cron(0 6 * * ? *)")
	if !schedule(c.ReportSchedule) {
		p.fail("reportSchedule", "%q is not rate(...) or cron(...)", c.ReportSchedule)
	}
	c.ReportWindow = p.str("reportWindow", "24h")
	if d, err := time.ParseDuration(c.ReportWindow); err != nil || d <= 0 {
		p.fail("reportWindow", "%q is not a positive duration (24h, 168h)", c.ReportWindow)
	}
	c.SnapshotSchedule = p.str("snapshotSchedule", "cron(0 2 * * ? *)")
	if !schedule(c.SnapshotSchedule) {
		p.fail("snapshotSchedule", "%q is not rate(...) or cron(...)", c.SnapshotSchedule)
	}
	c.SnapshotRetentionDays = p.integer("snapshotRetentionDays", 365, 1, 36500)
	c.HeartbeatLogTypes = p.list("heartbeatLogTypes", []string{"cloudtrail"})
	for _, t := range c.HeartbeatLogTypes {
		if !central.IsLogType(t) {
			p.fail("heartbeatLogTypes", "%q is not a log type", t)
			break
		}
	}
	c.HeartbeatMinutes = p.integer("heartbeatMinutes", 60, 5, 1440)
	c.LoaderReservedConcurrency = p.integer("loaderReservedConcurrency", 10, 2, 1000)
	c.LambdaConcurrencyQuota = p.integer("lambdaConcurrencyQuota", 1000, 1, 1000000)
	if !policies.ReservedConcurrencyFits(c.LambdaConcurrencyQuota, 0, c.LoaderReservedConcurrency) {
		p.fail("loaderReservedConcurrency", "%d cannot be reserved: Lambda keeps %d of the account's %d concurrent executions "+
			"(lambdaConcurrencyQuota) unreserved, so at most %d can be reserved; lower it or raise the quota "+
			"(Service Quotas, AWS Lambda, Concurrent executions) and set lambdaConcurrencyQuota",
			c.LoaderReservedConcurrency, policies.LambdaUnreservedMinimum, c.LambdaConcurrencyQuota,
			max(0, c.LambdaConcurrencyQuota-policies.LambdaUnreservedMinimum))
	}
	c.GeoIPDatabases = p.list("geoipDatabases", nil)
	for _, uri := range c.GeoIPDatabases {
		if _, err := policies.S3ObjectARN(uri); err != nil {
			p.fail("geoipDatabases", "%v", err)
			break
		}
	}
	c.AccountEnrichment = p.boolean("accountEnrichment", true)
	c.DirectorySchedule = p.str("directorySchedule", "rate(6 hours)")
	if !schedule(c.DirectorySchedule) {
		p.fail("directorySchedule", "%q is not rate(...) or cron(...)", c.DirectorySchedule)
	}
	c.People = p.people(c.SecurityAccountID)
	c.Findings = p.findings("findings")
	c.Sources = p.sources("sources")
	return c, errors.Join(p.errs...)
}

// Notifications routes alerts to the alert topic and the configured
// channels (the maintain function's lambdaenv.NotificationChannels).
func (c Config) Notifications() lambdaenv.Notifications {
	return lambdaenv.Notifications{AlertTopicMinSeverity: c.AlertMinSeverity, Channels: c.NotificationChannels}
}

// channels reads the notification channels (a JSON list) and checks each,
// and that every secret is in the security account and home region, where
// maintain reads it.
func (p *parser) channels(key, account, region string) []lambdaenv.NotificationChannel {
	v, ok := p.get(key)
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	var chs []lambdaenv.NotificationChannel
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&chs); err != nil {
		p.fail(key, "not a list of {name, type, minSeverity, secret}: %v", err)
		return nil
	}
	if err := (lambdaenv.Notifications{Channels: chs}).Validate(); err != nil {
		p.fail(key, "%v", err)
		return nil
	}
	for _, ch := range chs {
		parts := strings.Split(ch.Secret, ":")
		if len(parts) < 6 || parts[3] != region || parts[4] != account {
			p.fail(key, "channel %s: secret %s is not in the security account %s and home region %s", ch.Name, ch.Secret, account, region)
		}
	}
	return chs
}

// logRetentionValues are the retention periods CloudWatch Logs accepts.
var logRetentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func validCIDR(s string) error {
	_, err := central.SubnetCIDRs(s, 3)
	return err
}

func dedupe(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
