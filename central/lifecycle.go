package central

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LifecycleRule is one S3 lifecycle rule over the whole bucket, as plain
// values (0 or false: not set).
type LifecycleRule struct {
	ID string
	// GlacierAfterDays transitions current versions to GLACIER.
	GlacierAfterDays int
	// ExpireAfterDays expires current versions (in a versioned bucket
	// that adds a delete marker and makes the version noncurrent).
	ExpireAfterDays int
	// NoncurrentDays permanently deletes versions this many days after
	// they became noncurrent.
	NoncurrentDays int
	// ExpiredObjectDeleteMarker removes delete markers left with no
	// versions behind them. S3 refuses it together with Days in one
	// Expiration, so it is a rule of its own.
	ExpiredObjectDeleteMarker bool
}

// Lifecycle is a bucket's rule set.
type Lifecycle []LifecycleRule

// ArchiveLifecycle keeps an archive object expireDays in total, then
// deletes it. In a versioned bucket, expiring the current version only
// adds a delete marker; the data stays as a noncurrent version until
// NoncurrentVersionExpiration removes it, counted from when it became
// noncurrent (Amazon S3 User Guide, "Lifecycle configuration elements" and
// "Expiring objects"). So the current version expires after expireDays-1
// and the noncurrent version one day later (the minimum), and a separate
// rule clears the delete markers left behind. S3 never deletes a version
// still under Object Lock retention; config validation keeps expireDays >=
// objectLockDays.
func ArchiveLifecycle(glacierDays, expireDays int) Lifecycle {
	return Lifecycle{
		{ID: "glacier-then-expire", GlacierAfterDays: glacierDays, ExpireAfterDays: max(1, expireDays-1), NoncurrentDays: 1},
		{ID: "remove-expired-delete-markers", ExpiredObjectDeleteMarker: true},
	}
}

func (l Lifecycle) args() s3.BucketLifecycleConfigurationV2RuleArray {
	var out s3.BucketLifecycleConfigurationV2RuleArray
	for _, r := range l {
		a := &s3.BucketLifecycleConfigurationV2RuleArgs{
			Id: pulumi.String(r.ID), Status: pulumi.String("Enabled"),
			Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		}
		if r.GlacierAfterDays > 0 {
			a.Transitions = s3.BucketLifecycleConfigurationV2RuleTransitionArray{&s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
				Days: pulumi.Int(r.GlacierAfterDays), StorageClass: pulumi.String("GLACIER"),
			}}
		}
		switch {
		case r.ExpireAfterDays > 0:
			a.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(r.ExpireAfterDays)}
		case r.ExpiredObjectDeleteMarker:
			a.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)}
		}
		if r.NoncurrentDays > 0 {
			a.NoncurrentVersionExpiration = &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(r.NoncurrentDays),
			}
		}
		out = append(out, a)
	}
	return out
}
