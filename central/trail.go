package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TrailArgs configures the organization trail (management account).
type TrailArgs struct {
	Org policies.Org
	// ArchiveKeyARN encrypts log files; the archive bucket receives them.
	ArchiveKeyARN pulumi.StringInput
	// Archive must be ready (bucket policy set) before the trail starts.
	Archive []pulumi.Resource
}

// Trail is the organization trail component.
type Trail struct {
	pulumi.ResourceState
	Trail *cloudtrail.Trail
}

// NewTrail creates the multi-region organization trail with log file
// validation, KMS encryption, management events, and data events of the
// archive bucket except the loader's own reads (which would feed
// themselves). Pass the management account's home-region provider.
func NewTrail(ctx *pulumi.Context, name string, a *TrailArgs, opts ...pulumi.ResourceOption) (*Trail, error) {
	c := &Trail{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Trail", name, c, opts...); err != nil {
		return nil, err
	}
	o := a.Org
	field := func(f string, equals ...string) *cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs {
		return &cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String(f), Equals: pulumi.ToStringArray(equals)}
	}
	t, err := cloudtrail.NewTrail(ctx, name, &cloudtrail.TrailArgs{
		Name:                       pulumi.String(policies.TrailName),
		S3BucketName:               pulumi.String(o.ArchiveBucket()),
		KmsKeyId:                   a.ArchiveKeyARN,
		IsOrganizationTrail:        pulumi.Bool(true),
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		AdvancedEventSelectors: cloudtrail.TrailAdvancedEventSelectorArray{
			&cloudtrail.TrailAdvancedEventSelectorArgs{
				Name:           pulumi.String("All management events"),
				FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{field("eventCategory", "Management")},
			},
			&cloudtrail.TrailAdvancedEventSelectorArgs{
				Name: pulumi.String("Every access to the archive bucket except the SIEM loader's reads"),
				FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
					field("eventCategory", "Data"),
					field("resources.type", "AWS::S3::Object"),
					&cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{
						Field: pulumi.String("resources.ARN"), StartsWiths: pulumi.StringArray{pulumi.String(o.ArchiveBucketARN() + "/")},
					},
					&cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{
						Field: pulumi.String("userIdentity.arn"),
						NotStartsWiths: pulumi.StringArray{
							pulumi.String(fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/", o.Security, policies.LoaderRole)),
						},
					},
				},
			},
		},
	}, pulumi.Parent(c), pulumi.DependsOn(a.Archive))
	if err != nil {
		return nil, fmt.Errorf("organization trail: %w", err)
	}
	c.Trail = t
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"trailArn": t.Arn})
}
