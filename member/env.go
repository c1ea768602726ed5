package member

// Environment variables of the baseline's Lambda functions. The function
// code (functions/transfer, functions/subscribe) reads exactly these names;
// docs/deploy.md lists them.
const (
	// EnvArchiveBucket is the archive bucket name (transfer).
	EnvArchiveBucket = "ORGSIEM_ARCHIVE_BUCKET"
	// EnvArchiveKeyARN is the archive KMS key ARN, sent as the SSE-KMS key
	// id of every PutObject (transfer).
	EnvArchiveKeyARN = "ORGSIEM_ARCHIVE_KMS_KEY_ARN"
	// EnvOrganizationID is the organization id (o-...), part of the
	// archive key layout (transfer).
	EnvOrganizationID = "ORGSIEM_ORGANIZATION_ID"

	// EnvDestinationARN is the ARN of the transfer function, the
	// destination of every subscription filter (subscribe).
	EnvDestinationARN = "ORGSIEM_DESTINATION_ARN"
	// EnvFilterName is the name of orgsiem's subscription filters; a filter
	// with another name is foreign and never touched (subscribe).
	EnvFilterName = "ORGSIEM_FILTER_NAME"
	// EnvIncludePatterns is a JSON array of log group name patterns ("*"
	// matches any run of characters); empty means every group (subscribe).
	EnvIncludePatterns = "ORGSIEM_INCLUDE_PATTERNS"
	// EnvExcludePatterns is a JSON array of patterns never subscribed
	// (subscribe).
	EnvExcludePatterns = "ORGSIEM_EXCLUDE_PATTERNS"
	// EnvOwnLogGroups is a JSON array of the pipeline's own log group names,
	// never subscribed whatever the patterns say, so logs cannot loop
	// (subscribe).
	EnvOwnLogGroups = "ORGSIEM_OWN_LOG_GROUPS"
)

// FilterName is the name of every subscription filter orgsiem puts, and of
// the account-level subscription policy.
const FilterName = "orgsiem"
