// Package lambdaenv is the contract between the Pulumi program, which sets
// the orgsiem Lambdas' environment and invocation payloads, and the function
// code, which reads them. Both sides import these names so they cannot
// drift; no value here is ever a secret (functions authenticate with their
// IAM roles).
package lambdaenv

// Member baseline: the transfer function.
const (
	// ArchiveBucket is the archive bucket name (transfer, loader, report, maintain).
	ArchiveBucket = "ORGSIEM_ARCHIVE_BUCKET"
	// ArchiveBucketRegion is the archive bucket's region (transfer; default AWS_REGION).
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
	// SnapshotRetentionDays is how long manual snapshots are kept.
	SnapshotRetentionDays = "ORGSIEM_SNAPSHOT_RETENTION_DAYS"
	// HotIndexDays is how long indices stay in OpenSearch (ISM policy).
	HotIndexDays = "ORGSIEM_HOT_INDEX_DAYS"
	// ReportWindow is the report's look-back window as a Go duration ("24h").
	ReportWindow = "ORGSIEM_REPORT_WINDOW"
	// BackendRoles is a JSON object mapping purposes to IAM role ARNs
	// ({"loader": ..., "report": ..., "maintain": ...}) for role mappings.
	BackendRoles = "ORGSIEM_BACKEND_ROLES"
	// Region is the home region.
	Region = "ORGSIEM_REGION"
)

// The loader's CloudWatch metric (embedded metric format) that the ingest
// heartbeat alarms watch.
const (
	MetricNamespace        = "OrgSIEM"
	MetricDocumentsIndexed = "DocumentsIndexed"
	DimensionLogType       = "LogType"
)

// Invocation payloads of the maintain and report functions.
const (
	MaintainConfigure = `{"action":"configure"}`
	MaintainSnapshot  = `{"action":"snapshot"}`
	ReportRun         = `{"action":"report"}`
)
