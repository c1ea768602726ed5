package central

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BucketArgs describes a private, versioned, KMS-encrypted, TLS-only bucket.
type BucketArgs struct {
	Name string
	// KMSKeyARN encrypts objects (SSE-KMS with an S3 bucket key); nil
	// means SSE-S3, for buckets other accounts read without a KMS grant.
	KMSKeyARN pulumi.StringInput
	// Policy is the bucket policy JSON.
	Policy pulumi.StringInput
	// ObjectLockMode and ObjectLockDays set default retention when
	// ObjectLockDays > 0 (Object Lock is then enabled at creation).
	ObjectLockMode string
	ObjectLockDays int
	// Lifecycle rules; at least one is always given (Security Hub S3.13).
	Lifecycle s3.BucketLifecycleConfigurationV2RuleArray
	// ForceDestroy lets `pulumi destroy` delete remaining object versions;
	// only for buckets holding nothing but rebuildable artifacts.
	ForceDestroy bool
	// PolicyDependsOn must exist before the policy is set (S3 validates
	// principals named in a policy).
	PolicyDependsOn []pulumi.Resource
	// Protect makes `pulumi destroy` refuse to delete the bucket, and keeps
	// it in AWS if it is ever removed from the program.
	Protect bool
}

// Bucket is a bucket and the resources that configure it.
type Bucket struct {
	Bucket *s3.BucketV2
	Policy *s3.BucketPolicy
	// Ready lists every configuration resource; depend on it before using
	// the bucket.
	Ready []pulumi.Resource
}

// newBucket creates the bucket and its configuration as children of parent
// options. name prefixes the logical names.
func newBucket(ctx *pulumi.Context, name string, a BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		Bucket:            pulumi.String(a.Name),
		ObjectLockEnabled: pulumi.Bool(a.ObjectLockDays > 0),
		ForceDestroy:      pulumi.Bool(a.ForceDestroy && a.ObjectLockDays == 0),
	}, append(opts, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect))...)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", a.Name, err)
	}
	out := &Bucket{Bucket: b}
	add := func(r pulumi.Resource, err error) error {
		if err != nil {
			return fmt.Errorf("bucket %s: %w", a.Name, err)
		}
		out.Ready = append(out.Ready, r)
		return nil
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name+"-public-access", &s3.BucketPublicAccessBlockArgs{
		Bucket: b.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...)
	if err := add(pab, err); err != nil {
		return nil, err
	}
	if err := add(s3.NewBucketOwnershipControls(ctx, name+"-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: b.ID(), Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, opts...)); err != nil {
		return nil, err
	}
	ver, err := s3.NewBucketVersioningV2(ctx, name+"-versioning", &s3.BucketVersioningV2Args{
		Bucket:                  b.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, opts...)
	if err := add(ver, err); err != nil {
		return nil, err
	}
	if err := add(s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-encryption", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.ID(),
		Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{encryption(a.KMSKeyARN)},
	}, opts...)); err != nil {
		return nil, err
	}
	if a.ObjectLockDays > 0 {
		if err := add(s3.NewBucketObjectLockConfigurationV2(ctx, name+"-object-lock", &s3.BucketObjectLockConfigurationV2Args{
			Bucket: b.ID(),
			Rule: &s3.BucketObjectLockConfigurationV2RuleArgs{DefaultRetention: &s3.BucketObjectLockConfigurationV2RuleDefaultRetentionArgs{
				Mode: pulumi.String(a.ObjectLockMode), Days: pulumi.Int(a.ObjectLockDays),
			}},
		}, append(opts, pulumi.DependsOn([]pulumi.Resource{ver}))...)); err != nil {
			return nil, err
		}
	}
	if err := add(s3.NewBucketLifecycleConfigurationV2(ctx, name+"-lifecycle", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.ID(), Rules: a.Lifecycle,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{ver}))...)); err != nil {
		return nil, err
	}
	pol, err := s3.NewBucketPolicy(ctx, name+"-policy", &s3.BucketPolicyArgs{Bucket: b.ID(), Policy: a.Policy},
		append(opts, pulumi.DependsOn(append([]pulumi.Resource{pab}, a.PolicyDependsOn...)))...)
	if err := add(pol, err); err != nil {
		return nil, err
	}
	out.Policy = pol
	return out, nil
}

// abortIncompleteUploads is a lifecycle rule every bucket gets.
func abortIncompleteUploads() *s3.BucketLifecycleConfigurationV2RuleArgs {
	return &s3.BucketLifecycleConfigurationV2RuleArgs{
		Id: pulumi.String("abort-incomplete-uploads"), Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7),
		},
	}
}

func encryption(kmsKeyARN pulumi.StringInput) *s3.BucketServerSideEncryptionConfigurationV2RuleArgs {
	if kmsKeyARN == nil {
		return &s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}
	}
	return &s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
		ApplyServerSideEncryptionByDefault: &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: kmsKeyARN,
		},
		BucketKeyEnabled: pulumi.Bool(true),
	}
}
