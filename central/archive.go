// Package central holds the Pulumi components of the accounts orgsiem owns
// centrally: the organization trail (management account), the immutable
// archive (log-archive account) and the SIEM (security account). Every
// policy comes from package policies; every name from policies.Org.
package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ArchiveArgs configures the archive in the log-archive account.
type ArchiveArgs struct {
	Org policies.Org
	// ObjectLockMode is GOVERNANCE or COMPLIANCE; ObjectLockDays > 0.
	ObjectLockMode string
	ObjectLockDays int
	// GlacierAfterDays moves objects to Glacier Flexible Retrieval;
	// ExpireAfterDays deletes them (never before Object Lock allows).
	GlacierAfterDays, ExpireAfterDays int
	// Principals named by the bucket and key policies must exist first:
	// the loader and directory roles. IngestQueuePolicy must exist before
	// notifications.
	LoaderRole        pulumi.Resource
	DirectoryRole     pulumi.Resource
	IngestQueuePolicy pulumi.Resource
}

// Archive is the log-archive account's component.
type Archive struct {
	pulumi.ResourceState
	Key        *kms.Key
	KeyARN     pulumi.StringOutput
	Bucket     *Bucket
	BucketName pulumi.StringOutput
}

// NewArchive creates the archive key, bucket and event notifications. Pass
// the log-archive account's provider with pulumi.Providers.
func NewArchive(ctx *pulumi.Context, name string, a *ArchiveArgs, opts ...pulumi.ResourceOption) (*Archive, error) {
	c := &Archive{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Archive", name, c, opts...); err != nil {
		return nil, err
	}
	o := a.Org
	child := pulumi.Parent(c)
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:       pulumi.String("orgsiem archive: organization trail and log objects"),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            pulumi.String(policies.ArchiveKeyPolicy(o).JSON()),
	}, child, pulumi.DependsOn([]pulumi.Resource{a.LoaderRole, a.DirectoryRole}),
		// Deleting the key crypto-shreds every locked object: `pulumi
		// destroy` refuses while protected and never deletes it.
		pulumi.Protect(true), pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, fmt.Errorf("archive key: %w", err)
	}
	if _, err := kms.NewAlias(ctx, name+"-key-alias", &kms.AliasArgs{
		Name: pulumi.String(policies.ArchiveKeyAlias), TargetKeyId: key.KeyId,
	}, child); err != nil {
		return nil, fmt.Errorf("archive key alias: %w", err)
	}
	b, err := newBucket(ctx, name+"-bucket", BucketArgs{
		Name:            o.ArchiveBucket(),
		KMSKeyARN:       key.Arn,
		Policy:          pulumi.String(policies.ArchiveBucketPolicy(o).JSON()),
		ObjectLockMode:  a.ObjectLockMode,
		ObjectLockDays:  a.ObjectLockDays,
		Lifecycle:       append(ArchiveLifecycle(a.GlacierAfterDays, a.ExpireAfterDays).args(), abortIncompleteUploads()),
		PolicyDependsOn: []pulumi.Resource{a.LoaderRole, a.DirectoryRole},
		Protect:         true,
	}, child)
	if err != nil {
		return nil, err
	}
	// One notification per writer prefix: AWS-delivered layouts and the
	// transfer Lambda's CloudWatch Logs objects. Dead letters are not
	// announced, so the loader never reads what it wrote.
	var queues s3.BucketNotificationQueueArray
	for i, prefix := range []string{archive.AWSLogsPrefix, archive.CWLogsPrefix} {
		queues = append(queues, &s3.BucketNotificationQueueArgs{
			Id:           pulumi.String(fmt.Sprintf("orgsiem-ingest-%d", i)),
			QueueArn:     pulumi.String(o.IngestQueueARN()),
			Events:       pulumi.StringArray{pulumi.String("s3:ObjectCreated:*")},
			FilterPrefix: pulumi.String(prefix),
		})
	}
	if _, err := s3.NewBucketNotification(ctx, name+"-notifications", &s3.BucketNotificationArgs{
		Bucket: b.Bucket.ID(), Queues: queues,
	}, child, pulumi.DependsOn(append([]pulumi.Resource{a.IngestQueuePolicy}, b.Ready...))); err != nil {
		return nil, fmt.Errorf("archive notifications: %w", err)
	}
	if err := archiveTamperForwarding(ctx, name, o, child); err != nil {
		return nil, err
	}
	c.Key, c.KeyARN, c.Bucket, c.BucketName = key, key.Arn, b, b.Bucket.Bucket
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"keyArn": key.Arn, "bucket": b.Bucket.Bucket,
	})
}
