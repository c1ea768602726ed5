// Package lambdaenv is the contract between the Pulumi program, which sets
// the orgsiem Lambdas' environment and invocation payloads, and the function
// code, which reads them. Both sides import these names so they cannot
// drift; no value here is ever a secret (functions authenticate with their
// IAM roles).
package lambdaenv

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Member baseline: the transfer function.
const (
	// ArchiveBucket is the archive bucket name (transfer, loader, report, maintain).
	ArchiveBucket = "ORGSIEM_ARCHIVE_BUCKET"
	// ArchiveBucketRegion is the archive bucket's region (transfer; required: the SDK does not follow S3 region redirects).
	ArchiveBucketRegion = "ORGSIEM_ARCHIVE_BUCKET_REGION"
	// ArchiveAccountID is the log-archive account, sent as ExpectedBucketOwner
	// so a write can never land in a bucket someone else owns (transfer).
	ArchiveAccountID = "ORGSIEM_ARCHIVE_ACCOUNT_ID"
	// ArchiveKMSKeyARN is the archive KMS key ARN used for SSE-KMS (transfer).
	ArchiveKMSKeyARN = "ORGSIEM_ARCHIVE_KMS_KEY_ARN"
)

// Member baseline: the subscribe function.
const (
	// DestinationARN is the transfer function's ARN, the destination of
	// every subscription filter.
	DestinationARN = "ORGSIEM_DESTINATION_ARN"
	// IncludePatterns and ExcludePatterns are comma-separated path.Match
	// globs over log group names (log group names cannot contain commas);
	// exclude wins; empty include means every group.
	IncludePatterns = "ORGSIEM_INCLUDE_PATTERNS"
	ExcludePatterns = "ORGSIEM_EXCLUDE_PATTERNS"
	// PipelineLogGroups is a comma-separated list of the pipeline's own log
	// groups, never subscribed whatever the patterns say (no loops).
	PipelineLogGroups = "ORGSIEM_PIPELINE_LOG_GROUPS"
	// SubscriptionMode is "loggroup" (default: a filter on each log group)
	// or "account" (the account-level subscription filter policy, falling
	// back to log-group filters when the account already has a foreign one).
	SubscriptionMode = "ORGSIEM_SUBSCRIPTION_MODE"
)

// FilterName is the name of orgsiem's subscription filter on every log
// group (and of the account-level subscription policy). A filter with any
// other name is foreign and never touched.
const FilterName = "orgsiem-archive"

// SweepPayload is the invocation input of a scheduled subscription sweep.
const SweepPayload = `{"action":"sweep"}`

// Security account: loader, report and maintain.
const (
	// OpenSearchEndpoint is the domain's VPC endpoint host name, without scheme.
	OpenSearchEndpoint = "ORGSIEM_OPENSEARCH_ENDPOINT"
	// IngestQueueURL is the ingest queue URL (loader continuations).
	IngestQueueURL = "ORGSIEM_INGEST_QUEUE_URL"
	// SnapshotBucket is the manual snapshot and report bucket.
	SnapshotBucket = "ORGSIEM_SNAPSHOT_BUCKET"
	// AlertTopicARN is the SNS alert topic.
	AlertTopicARN = "ORGSIEM_ALERT_TOPIC_ARN"
	// SnapshotRoleARN is the role OpenSearch assumes to write snapshots.
	SnapshotRoleARN = "ORGSIEM_SNAPSHOT_ROLE_ARN"
	// AlertRoleARN is the role OpenSearch assumes to publish monitor
	// notifications to the alert topic (the Notifications plugin's SNS
	// channel role_arn). Without it maintain's configure skips the channel
	// and the monitors (maintain).
	AlertRoleARN = "ORGSIEM_ALERT_ROLE_ARN"
	// SnapshotRetentionDays is how long manual snapshots are kept.
	SnapshotRetentionDays = "ORGSIEM_SNAPSHOT_RETENTION_DAYS"
	// HotIndexDays is how long an event month stays in OpenSearch after
	// it ends (maintain's daily expiry; the loader skips events of expired
	// months).
	HotIndexDays = "ORGSIEM_HOT_INDEX_DAYS"
	// DataNodes is the domain's data node count; index replicas follow it
	// (maintain; optional: empty asks the domain).
	DataNodes = "ORGSIEM_DATA_NODES"
	// WarmAfterDays is the index age at which ISM moves log indices to
	// UltraWarm; "0" or empty: no UltraWarm (maintain).
	WarmAfterDays = "ORGSIEM_WARM_AFTER_DAYS"
	// ReportWindow is the report's look-back window as a Go duration ("24h").
	ReportWindow = "ORGSIEM_REPORT_WINDOW"
	// BackendRoles is a JSON object mapping purposes to IAM role ARNs
	// ({"loader": ..., "report": ..., "maintain": ...}) for role mappings.
	BackendRoles = "ORGSIEM_BACKEND_ROLES"
	// Region is the home region.
	Region = "ORGSIEM_REGION"
	// GeoIP lists the MaxMind databases the loader enriches with, as
	// comma-separated s3://bucket/key URIs (loader; optional, empty: no
	// GeoIP enrichment).
	GeoIP = "ORGSIEM_GEOIP"
	// AccountEnrichment turns on the loader's account name and OU lookups
	// in the account directory object (archive.DirectoryKey) when set to
	// AccountEnrichmentOn (loader; optional, unset: off).
	AccountEnrichment = "ORGSIEM_ACCOUNT_ENRICHMENT"
	// AccountEnrichmentOn is the value of AccountEnrichment that enables it.
	AccountEnrichmentOn = "on"
	// CustomRules is the s3://bucket/prefix/ the loader reads custom
	// detection rules from at cold start, one rule per <id>.yml object
	// (loader; optional, empty: built-in rules only).
	CustomRules = "ORGSIEM_CUSTOM_RULES"
	// RuleParameters is a JSON object of rule parameter values,
	// {"name": ["v1", "v2"]}, the loader's equivalent of scan's --param
	// (loader; optional).
	RuleParameters = "ORGSIEM_RULE_PARAMETERS"
	// NotificationChannels is the JSON of a Notifications value: where the
	// alerting monitors send alerts, by minimum severity (maintain). It
	// names secrets (ARNs), never holds their values.
	NotificationChannels = "ORGSIEM_NOTIFICATION_CHANNELS"
	// OrganizationID (loader) is the organization's id: the organization
	// trail's archive prefix AWSLogs/<id>/ may carry every member's
	// records (internal/logs trust model).
	OrganizationID = "ORGSIEM_ORGANIZATION_ID"
	// ManagementAccountID (loader) owns the organization trail; a Control
	// Tower trail log group in it may carry other accounts' records.
	ManagementAccountID = "ORGSIEM_MANAGEMENT_ACCOUNT_ID"
)

// Notifications routes alerts to channels (NotificationChannels).
type Notifications struct {
	// AlertTopicMinSeverity is the least severe alert the SNS alert topic
	// (e-mail) gets: critical, high, medium, low or informational.
	AlertTopicMinSeverity string `json:"alertTopicMinSeverity"`
	// Channels are the Slack, Chime and custom webhook channels.
	Channels []NotificationChannel `json:"channels,omitempty"`
}

// NotificationChannel is one Slack, Chime or custom webhook channel. Its
// URL is a credential, kept in Secrets Manager or as an SSM SecureString
// parameter; maintain reads it at configure time with exactly the
// permission to read these secrets.
type NotificationChannel struct {
	Name        string `json:"name"`        // [a-z0-9-_], becomes the channel id orgsiem-<name>
	Type        string `json:"type"`        // slack, chime or webhook
	MinSeverity string `json:"minSeverity"` // critical, high, medium, low or informational
	// Secret is the ARN of a Secrets Manager secret
	// (arn:aws:secretsmanager:...:secret:...) or of an SSM SecureString
	// parameter (arn:aws:ssm:...:parameter/...) whose value is the URL.
	Secret string `json:"secret"`
}

// The variables each function's configuration reader knows. The Pulumi
// program sets no other variable for that function, and the function reads
// no other orgsiem variable (tests on both sides hold this); the readers
// may also read variables Lambda sets itself, such as AWS_REGION.

// TransferVars are the transfer function's variables.
func TransferVars() []string {
	return []string{ArchiveBucket, ArchiveBucketRegion, ArchiveAccountID, ArchiveKMSKeyARN}
}

// SubscribeVars are the subscribe function's variables.
func SubscribeVars() []string {
	return []string{DestinationARN, IncludePatterns, ExcludePatterns, PipelineLogGroups, SubscriptionMode}
}

// LoaderVars are the loader function's variables.
func LoaderVars() []string {
	return []string{OpenSearchEndpoint, IngestQueueURL, ArchiveBucket, Region, GeoIP, AccountEnrichment, CustomRules, RuleParameters,
		OrganizationID, ManagementAccountID, HotIndexDays}
}

// ReportVars are the report function's variables.
func ReportVars() []string {
	return []string{OpenSearchEndpoint, SnapshotBucket, AlertTopicARN, ReportWindow, Region}
}

// MaintainVars are the maintain function's variables.
func MaintainVars() []string {
	return []string{
		OpenSearchEndpoint, SnapshotBucket, AlertTopicARN, SnapshotRoleARN, AlertRoleARN,
		SnapshotRetentionDays, HotIndexDays, DataNodes, WarmAfterDays, BackendRoles, Region, NotificationChannels,
	}
}

// The loader's CloudWatch metric (embedded metric format) that the ingest
// heartbeat alarms watch.
const (
	MetricNamespace        = "OrgSIEM"
	MetricDocumentsIndexed = "DocumentsIndexed"
	DimensionLogType       = "LogType"
)

// The loader's custom rule metrics, emitted once per cold start with the
// DimensionRuleset dimension ("custom"): rules loaded and rules left out
// as broken (an alarm on MetricCustomRulesSkipped > 0 tells an operator a
// custom rule is not running).
const (
	MetricCustomRulesLoaded  = "CustomRulesLoaded"
	MetricCustomRulesSkipped = "CustomRulesSkipped"
	DimensionRuleset         = "Ruleset"
)

// ReportPrefix starts the key of every report object the report function
// stores in the snapshot bucket; its role may write nowhere else.
const ReportPrefix = "reports/"

// Invocation payloads of the maintain and report functions.
const (
	MaintainConfigure = `{"action":"configure"}`
	// MaintainDaily is what the daily schedule sends: retention of months,
	// restored indices and on-demand snapshots (the daily snapshot itself
	// belongs to the domain's Snapshot Management policy).
	MaintainDaily = `{"action":"daily"}`
	ReportRun     = `{"action":"report"}`
)

// Severities are the rule levels, most severe first; a channel's minimum
// severity is one of them.
var Severities = []string{"critical", "high", "medium", "low", "informational"}

// Notification channel types besides the SNS alert topic.
var ChannelTypes = []string{"slack", "chime", "webhook"}

// AlertTopicChannel is the name the SNS alert topic's channel has
// (orgsiem-alerts); no configured channel may take it.
const AlertTopicChannel = "alerts"

var (
	reChannelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,47}$`)
	// SecretARN and ParameterARN are the two stores a channel URL may be
	// kept in: a Secrets Manager secret or an SSM (SecureString) parameter.
	SecretARN    = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[\w/+=.@-]+$`)
	ParameterARN = regexp.MustCompile(`^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[\w/.-]+$`)
)

// Validate checks the alert topic's minimum severity and every channel's
// name, type, minimum severity and secret ARN (the stack config and the
// maintain function both validate with it).
func (n Notifications) Validate() error {
	var errs []error
	if n.AlertTopicMinSeverity != "" && !slices.Contains(Severities, n.AlertTopicMinSeverity) {
		errs = append(errs, fmt.Errorf("alert topic: minimum severity %q is not one of %s", n.AlertTopicMinSeverity, strings.Join(Severities, ", ")))
	}
	seen := map[string]bool{}
	for i, ch := range n.Channels {
		at := fmt.Sprintf("channel %d (%q)", i, ch.Name)
		if !reChannelName.MatchString(ch.Name) {
			errs = append(errs, fmt.Errorf("%s: name must be lower-case letters, digits, - and _ (at most 48)", at))
		}
		if seen[ch.Name] || ch.Name == AlertTopicChannel {
			errs = append(errs, fmt.Errorf("%s: name used twice (or the alert topic's %q)", at, AlertTopicChannel))
		}
		seen[ch.Name] = true
		if !slices.Contains(ChannelTypes, ch.Type) {
			errs = append(errs, fmt.Errorf("%s: type %q is not slack, chime or webhook (e-mail goes through the alert topic)", at, ch.Type))
		}
		if !slices.Contains(Severities, ch.MinSeverity) {
			errs = append(errs, fmt.Errorf("%s: minimum severity %q is not one of %s", at, ch.MinSeverity, strings.Join(Severities, ", ")))
		}
		if !SecretARN.MatchString(ch.Secret) && !ParameterARN.MatchString(ch.Secret) {
			errs = append(errs, fmt.Errorf("%s: secret %q is not a Secrets Manager secret ARN or an SSM parameter ARN", at, ch.Secret))
		}
	}
	return errors.Join(errs...)
}

// SecretARNs are the channels' secret ARNs, for the maintain role's
// permission to read exactly them.
func (n Notifications) SecretARNs() []string {
	var out []string
	for _, ch := range n.Channels {
		out = append(out, ch.Secret)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
