package member

import "github.com/orgsiem/orgsiem/internal/lambdaenv"

// Environment variables of the baseline's Lambda functions: the names are
// the contract in internal/lambdaenv, which functions/transfer and
// functions/subscribe read; README.md (Deploying) lists them.
const (
	EnvArchiveBucket     = lambdaenv.ArchiveBucket
	EnvArchiveRegion     = lambdaenv.ArchiveBucketRegion
	EnvArchiveAccountID  = lambdaenv.ArchiveAccountID
	EnvArchiveKeyARN     = lambdaenv.ArchiveKMSKeyARN
	EnvDestinationARN    = lambdaenv.DestinationARN
	EnvIncludePatterns   = lambdaenv.IncludePatterns
	EnvExcludePatterns   = lambdaenv.ExcludePatterns
	EnvPipelineLogGroups = lambdaenv.PipelineLogGroups
	EnvSubscriptionMode  = lambdaenv.SubscriptionMode
)

// FilterName is the name of every subscription filter orgsiem puts, and of
// the account-level subscription policy.
const FilterName = lambdaenv.FilterName
