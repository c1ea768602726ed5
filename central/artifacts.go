package central

import (
	"fmt"
	"sort"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ArtifactsArgs configures one region's Lambda code bucket in the
// management account.
type ArtifactsArgs struct {
	Org    policies.Org
	Region string
	// Objects maps object keys (lambda/<name>-<digest>.zip) to local zips.
	Objects map[string]string
}

// Artifacts is a region's artifact bucket and its code objects. Lambda
// fetches code only from a bucket in the function's region, so every
// collected region has one; the organization may read it.
type Artifacts struct {
	pulumi.ResourceState
	// Ready lists the bucket configuration and every object.
	Ready []pulumi.Resource
}

// NewArtifacts creates the bucket and uploads the code objects. Pass the
// management account's provider for the region. The bucket uses SSE-S3:
// member accounts' CloudFormation reads the code, and a KMS key would need a
// grant to every account for no gain (the code is not secret).
func NewArtifacts(ctx *pulumi.Context, name string, a *ArtifactsArgs, opts ...pulumi.ResourceOption) (*Artifacts, error) {
	c := &Artifacts{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Artifacts", name, c, opts...); err != nil {
		return nil, err
	}
	b, err := newBucket(ctx, name+"-bucket", BucketArgs{
		Name:         a.Org.ArtifactBucket(a.Region),
		ForceDestroy: true, // only rebuildable Lambda zips
		Policy:       pulumi.String(policies.ArtifactBucketPolicy(a.Org, a.Region).JSON()),
		Lifecycle: s3.BucketLifecycleConfigurationV2RuleArray{
			&s3.BucketLifecycleConfigurationV2RuleArgs{
				Id: pulumi.String("expire-replaced-code"), Status: pulumi.String("Enabled"),
				Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
					NoncurrentDays: pulumi.Int(30),
				},
			},
			abortIncompleteUploads(),
		},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Ready = append(c.Ready, b.Ready...)
	keys := make([]string, 0, len(a.Objects))
	for k := range a.Objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		obj, err := s3.NewBucketObjectv2(ctx, name+"-"+k, &s3.BucketObjectv2Args{
			Bucket: b.Bucket.ID(), Key: pulumi.String(k), Source: pulumi.NewFileAsset(a.Objects[k]),
			ContentType: pulumi.String("application/zip"),
		}, pulumi.Parent(c), pulumi.DependsOn(b.Ready))
		if err != nil {
			return nil, fmt.Errorf("artifact %s in %s: %w", k, a.Region, err)
		}
		c.Ready = append(c.Ready, obj)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"bucket": b.Bucket.Bucket})
}
