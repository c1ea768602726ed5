package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/internal/archive"
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

// FieldSelector is one condition of an advanced event selector. CloudTrail
// ORs the SELECT operators (Equals, StartsWith), ANDs the DESELECT
// operators (NotEquals, NotStartsWith: any match drops the event) and ANDs
// the two groups; a selector's fields are ANDed, selectors are ORed.
type FieldSelector struct {
	Field                                        string
	Equals, StartsWith, NotEquals, NotStartsWith []string
}

// EventSelector is one advanced event selector.
type EventSelector struct {
	Name   string
	Fields []FieldSelector
}

// TrailEventSelectors are the organization trail's advanced event
// selectors: every management event, and the data events of the archive
// bucket except two kinds that would feed on themselves: the loader's own
// reads, and CloudTrail's own log file deliveries (each delivery would be
// logged, delivered again, notified to the ingest queue and loaded). The
// CloudTrail User Guide's documented way: "You can include or exclude
// logging for specific resources by adding a filter on the resources.ARN
// field. For example, if you were logging S3 data events, you could
// exclude logging for the S3 bucket for your trail" (Filtering data events
// by using advanced event selectors). Only PutObject under the trail's
// prefixes is excluded, so reads and deletions of trail files stay logged.
func TrailEventSelectors(o policies.Org) []EventSelector {
	bucket := o.ArchiveBucketARN() + "/"
	objects := []FieldSelector{
		{Field: "eventCategory", Equals: []string{"Data"}},
		{Field: "resources.type", Equals: []string{"AWS::S3::Object"}},
	}
	loaderSessions := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/", o.Security, policies.LoaderRole)
	return []EventSelector{
		{Name: "All management events", Fields: []FieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}},
		{
			Name: "Archive object access other than writes, except the SIEM loader's reads",
			Fields: append(append([]FieldSelector{}, objects...),
				FieldSelector{Field: "resources.ARN", StartsWith: []string{bucket}},
				FieldSelector{Field: "eventName", NotEquals: []string{"PutObject"}},
				FieldSelector{Field: "userIdentity.arn", NotStartsWith: []string{loaderSessions}},
			),
		},
		{
			Name: "Archive object writes, except CloudTrail's own log file deliveries",
			Fields: append(append([]FieldSelector{}, objects...),
				FieldSelector{Field: "eventName", Equals: []string{"PutObject"}},
				FieldSelector{
					Field: "resources.ARN", StartsWith: []string{bucket},
					// The organization trail writes AWSLogs/<org-id>/...; the
					// management account's own CloudTrail, CloudTrail-Digest
					// and CloudTrail-Insight prefixes are the trail's too.
					NotStartsWith: []string{
						bucket + archive.AWSLogsPrefix + o.ID + "/",
						bucket + archive.AWSLogsPrefix + o.Management + "/CloudTrail",
					},
				},
			),
		},
	}
}

func (s EventSelector) args() *cloudtrail.TrailAdvancedEventSelectorArgs {
	var fs cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray
	for _, f := range s.Fields {
		a := &cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String(f.Field)}
		if len(f.Equals) > 0 {
			a.Equals = pulumi.ToStringArray(f.Equals)
		}
		if len(f.StartsWith) > 0 {
			a.StartsWiths = pulumi.ToStringArray(f.StartsWith)
		}
		if len(f.NotEquals) > 0 {
			a.NotEquals = pulumi.ToStringArray(f.NotEquals)
		}
		if len(f.NotStartsWith) > 0 {
			a.NotStartsWiths = pulumi.ToStringArray(f.NotStartsWith)
		}
		fs = append(fs, a)
	}
	return &cloudtrail.TrailAdvancedEventSelectorArgs{Name: pulumi.String(s.Name), FieldSelectors: fs}
}

// NewTrail creates the multi-region organization trail with log file
// validation, KMS encryption and TrailEventSelectors. Pass the management
// account's home-region provider.
func NewTrail(ctx *pulumi.Context, name string, a *TrailArgs, opts ...pulumi.ResourceOption) (*Trail, error) {
	c := &Trail{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Trail", name, c, opts...); err != nil {
		return nil, err
	}
	o := a.Org
	var selectors cloudtrail.TrailAdvancedEventSelectorArray
	for _, s := range TrailEventSelectors(o) {
		selectors = append(selectors, s.args())
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
		AdvancedEventSelectors:     selectors,
	}, pulumi.Parent(c), pulumi.DependsOn(a.Archive))
	if err != nil {
		return nil, fmt.Errorf("organization trail: %w", err)
	}
	c.Trail = t
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"trailArn": t.Arn})
}
