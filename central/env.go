package central

// Environment variables of the security account's Lambda functions
// (functions/loader, functions/report, functions/maintain read these names;
// docs/deploy.md lists them). No secret is ever passed in the environment:
// the functions authenticate with their IAM roles.
const (
	// EnvOpenSearchEndpoint is the domain's VPC endpoint host name, without
	// scheme (loader, report, maintain).
	EnvOpenSearchEndpoint = "ORGSIEM_OPENSEARCH_ENDPOINT"
	// EnvIngestQueueURL is the ingest queue URL (loader).
	EnvIngestQueueURL = "ORGSIEM_INGEST_QUEUE_URL"
	// EnvArchiveBucket is the archive bucket name (loader: dead letters;
	// report, maintain).
	EnvArchiveBucket = "ORGSIEM_ARCHIVE_BUCKET"
	// EnvSnapshotBucket is the manual snapshot bucket (report, maintain).
	EnvSnapshotBucket = "ORGSIEM_SNAPSHOT_BUCKET"
	// EnvAlertTopicARN is the SNS alert topic (report, maintain).
	EnvAlertTopicARN = "ORGSIEM_ALERT_TOPIC_ARN"
	// EnvSnapshotRoleARN is the role OpenSearch assumes to write snapshots,
	// passed when registering the repository (report, maintain).
	EnvSnapshotRoleARN = "ORGSIEM_SNAPSHOT_ROLE_ARN"
	// EnvSnapshotRetentionDays is how long manual snapshots are kept
	// (maintain deletes older ones).
	EnvSnapshotRetentionDays = "ORGSIEM_SNAPSHOT_RETENTION_DAYS"
	// EnvHotIndexDays is how long indices stay in OpenSearch (ISM policy).
	EnvHotIndexDays = "ORGSIEM_HOT_INDEX_DAYS"
	// EnvReportWindow is the report's look-back window as a Go duration
	// ("24h").
	EnvReportWindow = "ORGSIEM_REPORT_WINDOW"
	// EnvBackendRoles is a JSON object mapping OpenSearch purposes to IAM
	// role ARNs ({"loader": ..., "report": ..., "maintain": ...}) for the
	// fine-grained access control role mappings (maintain).
	EnvBackendRoles = "ORGSIEM_BACKEND_ROLES"
	// EnvRegion is the home region (all); Lambda also sets AWS_REGION.
	EnvRegion = "ORGSIEM_REGION"
)

// Metric the loader emits (CloudWatch embedded metric format) and the
// ingest heartbeat alarms watch.
const (
	// MetricNamespace is orgsiem's CloudWatch namespace.
	MetricNamespace = "OrgSIEM"
	// MetricDocumentsIndexed counts documents OpenSearch accepted.
	MetricDocumentsIndexed = "DocumentsIndexed"
	// DimensionLogType is the dimension carrying the log type name
	// (archive.Type* constants).
	DimensionLogType = "LogType"
)

// Payloads the maintain function accepts as its invocation input.
const (
	MaintainConfigure = `{"action":"configure"}`
	MaintainSnapshot  = `{"action":"snapshot"}`
)
