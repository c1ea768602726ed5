package central

import "github.com/orgsiem/orgsiem/internal/lambdaenv"

// Environment variables of the security account's Lambda functions
// (functions/loader, functions/report, functions/maintain read these names;
// README.md (Deploying) lists them). No secret is ever passed in the environment:
// the functions authenticate with their IAM roles.
const (
	// EnvOpenSearchEndpoint is the domain's VPC endpoint host name, without
	// scheme (loader, report, maintain).
	EnvOpenSearchEndpoint = lambdaenv.OpenSearchEndpoint
	// EnvIngestQueueURL is the ingest queue URL (loader).
	EnvIngestQueueURL = lambdaenv.IngestQueueURL
	// EnvArchiveBucket is the archive bucket name (loader: dead letters).
	EnvArchiveBucket = lambdaenv.ArchiveBucket
	// EnvGeoIP lists the MaxMind databases as comma-separated
	// s3://bucket/key URIs (loader; set only when configured).
	EnvGeoIP = lambdaenv.GeoIP
	// EnvAccountEnrichment is lambdaenv.AccountEnrichmentOn when the loader
	// fills account names and OUs from the account directory (set only when on).
	EnvAccountEnrichment = lambdaenv.AccountEnrichment
	// EnvSnapshotBucket is the manual snapshot and report bucket (report,
	// maintain).
	EnvSnapshotBucket = lambdaenv.SnapshotBucket
	// EnvAlertTopicARN is the SNS alert topic (report, maintain).
	EnvAlertTopicARN = lambdaenv.AlertTopicARN
	// EnvSnapshotRoleARN is the role OpenSearch assumes to write snapshots,
	// passed when registering the repository (maintain).
	EnvSnapshotRoleARN = lambdaenv.SnapshotRoleARN
	// EnvAlertRoleARN is the role OpenSearch assumes to publish monitor
	// notifications, the SNS channel's role_arn (maintain).
	EnvAlertRoleARN = lambdaenv.AlertRoleARN
	// EnvNotificationChannels routes alerts to channels by severity (maintain).
	EnvNotificationChannels = lambdaenv.NotificationChannels
	// EnvSnapshotRetentionDays is how long manual snapshots are kept
	// (maintain deletes older ones).
	EnvSnapshotRetentionDays = lambdaenv.SnapshotRetentionDays
	// EnvHotIndexDays is how long indices stay in OpenSearch (ISM policy).
	EnvHotIndexDays = lambdaenv.HotIndexDays
	// EnvReportWindow is the report's look-back window as a Go duration
	// ("24h").
	EnvReportWindow = lambdaenv.ReportWindow
	// EnvBackendRoles is a JSON object mapping OpenSearch purposes to IAM
	// role ARNs ({"loader": ..., "report": ..., "maintain": ...}) for the
	// fine-grained access control role mappings (maintain).
	EnvBackendRoles = lambdaenv.BackendRoles
	// EnvRegion is the home region (all); Lambda also sets AWS_REGION.
	EnvRegion = lambdaenv.Region
)

// Metric the loader emits (CloudWatch embedded metric format) and the
// ingest heartbeat alarms watch.
const (
	// MetricNamespace is orgsiem's CloudWatch namespace.
	MetricNamespace = lambdaenv.MetricNamespace
	// MetricDocumentsIndexed counts documents OpenSearch accepted.
	MetricDocumentsIndexed = lambdaenv.MetricDocumentsIndexed
	// DimensionLogType is the dimension carrying the log type name
	// (archive.Type* constants).
	DimensionLogType = lambdaenv.DimensionLogType
)

// Payloads the maintain function accepts as its invocation input.
const (
	MaintainConfigure = lambdaenv.MaintainConfigure
	MaintainDaily     = lambdaenv.MaintainDaily
)
