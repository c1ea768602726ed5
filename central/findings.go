package central

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kinesis"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Security Hub standards by their configuration name; %s is the region.
// ARNs from the Security Hub User Guide's standards reference (the
// StandardsArn table of the pulumi-aws StandardsSubscription docs repeats it).
var StandardARNs = map[string]string{
	"fsbp": "arn:aws:securityhub:%s::standards/aws-foundational-security-best-practices/v/1.0.0",
	"cis":  "arn:aws:securityhub:%s::standards/cis-aws-foundations-benchmark/v/3.0.0",
	"pci":  "arn:aws:securityhub:%s::standards/pci-dss/v/4.0.1",
}

// Findings delivery timing (docs/architecture.md, "Findings in minutes").
const (
	// FindingsBufferSeconds is the streams' buffering interval: the
	// largest part of the two-minute target. Firehose flushes when the
	// interval passes or the size fills, whichever comes first.
	FindingsBufferSeconds = 60
	FindingsBufferMiB     = 5
	// GuardDutyPublishing is how often GuardDuty publishes updates of
	// existing findings to EventBridge (new findings go out within about
	// five minutes of detection whatever this says); FIFTEEN_MINUTES is the
	// shortest setting.
	GuardDutyPublishing = "FIFTEEN_MINUTES"
)

// FindingsArgs configures the organization's findings services.
type FindingsArgs struct {
	Org           policies.Org
	Regions       []string // every region collected; HomeRegion among them
	GuardDuty     bool
	SecurityHub   bool
	Standards     []string // keys of StandardARNs
	ArchiveKeyARN pulumi.StringInput
	// Management and Security are providers per region for the two
	// accounts: the management account designates the delegated
	// administrator, the security account is it.
	Management, Security map[string]pulumi.ProviderResource
	// Archive are the resources the streams need first (bucket policy,
	// key policy).
	Archive []pulumi.Resource
}

// Findings is GuardDuty and Security Hub across the organization with the
// security account as delegated administrator, and the path of their
// findings into the archive: EventBridge rule → Firehose → archive prefix.
type Findings struct {
	pulumi.ResourceState
	Streams map[string]*kinesis.FirehoseDeliveryStream // by log type
}

// FindingPattern is the EventBridge pattern of a finding type's events on
// the administrator's bus (GuardDuty User Guide, "EventBridge event format
// for GuardDuty"; Security Hub User Guide, "Security Hub Findings -
// Imported").
func FindingPattern(logType string) string {
	var p map[string]any
	switch logType {
	case archive.TypeGuardDuty:
		p = map[string]any{"source": []string{"aws.guardduty"}, "detail-type": []string{"GuardDuty Finding"}}
	case archive.TypeSecurityHub:
		p = map[string]any{"source": []string{"aws.securityhub"}, "detail-type": []string{"Security Hub Findings - Imported"}}
	default:
		return ""
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// NewFindings creates the services and the delivery path. Pass no
// provider: each resource names its account's provider.
func NewFindings(ctx *pulumi.Context, name string, a *FindingsArgs, opts ...pulumi.ResourceOption) (*Findings, error) {
	c := &Findings{Streams: map[string]*kinesis.FirehoseDeliveryStream{}}
	if err := ctx.RegisterComponentResource("orgsiem:central:Findings", name, c, opts...); err != nil {
		return nil, err
	}
	o := a.Org
	home := a.Security[o.HomeRegion]
	if home == nil || a.Management[o.HomeRegion] == nil {
		return nil, fmt.Errorf("findings: no provider for the home region %s", o.HomeRegion)
	}
	types := []string{}
	for _, region := range a.Regions {
		mgmt, sec := a.Management[region], a.Security[region]
		if mgmt == nil || sec == nil {
			return nil, fmt.Errorf("findings: no provider for region %s", region)
		}
		in := func(p pulumi.ProviderResource, deps ...pulumi.Resource) []pulumi.ResourceOption {
			return []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(p), pulumi.DependsOn(deps)}
		}
		if a.GuardDuty {
			admin, err := guardduty.NewOrganizationAdminAccount(ctx, name+"-guardduty-admin-"+region, &guardduty.OrganizationAdminAccountArgs{
				AdminAccountId: pulumi.String(o.Security),
			}, in(mgmt)...)
			if err != nil {
				return nil, fmt.Errorf("guardduty admin %s: %w", region, err)
			}
			det, err := guardduty.NewDetector(ctx, name+"-guardduty-"+region, &guardduty.DetectorArgs{
				Enable: pulumi.Bool(true), FindingPublishingFrequency: pulumi.String(GuardDutyPublishing),
			}, in(sec, admin)...)
			if err != nil {
				return nil, fmt.Errorf("guardduty detector %s: %w", region, err)
			}
			if _, err := guardduty.NewOrganizationConfiguration(ctx, name+"-guardduty-org-"+region, &guardduty.OrganizationConfigurationArgs{
				DetectorId: det.ID(), AutoEnableOrganizationMembers: pulumi.String("ALL"),
			}, in(sec, admin)...); err != nil {
				return nil, fmt.Errorf("guardduty organization configuration %s: %w", region, err)
			}
		}
		if a.SecurityHub {
			hub, err := securityhub.NewAccount(ctx, name+"-securityhub-"+region, &securityhub.AccountArgs{
				EnableDefaultStandards: pulumi.Bool(false),
			}, in(sec)...)
			if err != nil {
				return nil, fmt.Errorf("security hub %s: %w", region, err)
			}
			admin, err := securityhub.NewOrganizationAdminAccount(ctx, name+"-securityhub-admin-"+region, &securityhub.OrganizationAdminAccountArgs{
				AdminAccountId: pulumi.String(o.Security),
			}, in(mgmt, hub)...)
			if err != nil {
				return nil, fmt.Errorf("security hub admin %s: %w", region, err)
			}
			// New accounts get Security Hub; DEFAULT standards (FSBP and
			// CIS 1.2) only when FSBP is asked for.
			auto := "NONE"
			if slices.Contains(a.Standards, "fsbp") {
				auto = "DEFAULT"
			}
			if _, err := securityhub.NewOrganizationConfiguration(ctx, name+"-securityhub-org-"+region, &securityhub.OrganizationConfigurationArgs{
				AutoEnable: pulumi.Bool(true), AutoEnableStandards: pulumi.String(auto),
			}, in(sec, admin)...); err != nil {
				return nil, fmt.Errorf("security hub organization configuration %s: %w", region, err)
			}
			for _, std := range a.Standards {
				arn, ok := StandardARNs[std]
				if !ok {
					return nil, fmt.Errorf("security hub standard %q is not one of fsbp, cis, pci", std)
				}
				if _, err := securityhub.NewStandardsSubscription(ctx, name+"-securityhub-"+std+"-"+region, &securityhub.StandardsSubscriptionArgs{
					StandardsArn: pulumi.String(fmt.Sprintf(arn, region)),
				}, in(sec, hub)...); err != nil {
					return nil, fmt.Errorf("security hub standard %s %s: %w", std, region, err)
				}
			}
			if region == o.HomeRegion {
				// Cross-region aggregation: findings of every linked region
				// are replicated to the home region, whose EventBridge then
				// carries them, so one rule there sees them all.
				if _, err := securityhub.NewFindingAggregator(ctx, name+"-securityhub-aggregator", &securityhub.FindingAggregatorArgs{
					LinkingMode: pulumi.String("ALL_REGIONS"),
				}, in(sec, hub)...); err != nil {
					return nil, fmt.Errorf("security hub aggregator: %w", err)
				}
			}
		}
	}
	if a.GuardDuty {
		types = append(types, archive.TypeGuardDuty)
	}
	if a.SecurityHub {
		types = append(types, archive.TypeSecurityHub)
	}
	if len(types) == 0 {
		return c, ctx.RegisterResourceOutputs(c, pulumi.Map{})
	}

	homeOpts := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(home)}
	delivery, err := iam.NewRole(ctx, name+"-delivery-role", &iam.RoleArgs{
		Name:             pulumi.String(policies.FindingsDeliveryRole),
		Description:      pulumi.String("assumed by Firehose to write findings into the orgsiem archive"),
		AssumeRolePolicy: pulumi.String(policies.ServiceTrustFromAccount("firehose.amazonaws.com", o.Security).JSON()),
	}, homeOpts...)
	if err != nil {
		return nil, fmt.Errorf("findings delivery role: %w", err)
	}
	pol, err := iam.NewRolePolicy(ctx, name+"-delivery-policy", &iam.RolePolicyArgs{
		Role: delivery.Name,
		Policy: a.ArchiveKeyARN.ToStringOutput().ApplyT(func(key string) string {
			return policies.FindingsDeliveryRolePolicy(o, key).JSON()
		}).(pulumi.StringOutput),
	}, homeOpts...)
	if err != nil {
		return nil, fmt.Errorf("findings delivery policy: %w", err)
	}
	events, err := iam.NewRole(ctx, name+"-events-role", &iam.RoleArgs{
		Name:             pulumi.String(policies.FindingsEventsRole),
		Description:      pulumi.String("assumed by EventBridge to put findings on the orgsiem findings streams"),
		AssumeRolePolicy: pulumi.String(policies.ServiceTrustFromAccount("events.amazonaws.com", o.Security).JSON()),
		InlinePolicies: iam.RoleInlinePolicyArray{&iam.RoleInlinePolicyArgs{
			Name: pulumi.String("deliver"), Policy: pulumi.String(policies.FindingsEventsRolePolicy(o).JSON()),
		}},
	}, homeOpts...)
	if err != nil {
		return nil, fmt.Errorf("findings events role: %w", err)
	}
	for _, t := range types {
		stream, err := kinesis.NewFirehoseDeliveryStream(ctx, name+"-"+t, &kinesis.FirehoseDeliveryStreamArgs{
			Name:        pulumi.String(policies.FindingsStreamPrefix + t),
			Destination: pulumi.String("extended_s3"),
			ExtendedS3Configuration: &kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs{
				BucketArn: pulumi.String(o.ArchiveBucketARN()), RoleArn: delivery.Arn,
				// The typed prefix: archive.Parse reads the log type from
				// it and the time from Firehose's YYYY/MM/DD/HH/ and object
				// name; the loader's parsers split Firehose's undelimited
				// records ("}{").
				Prefix:            pulumi.String(t + "/"),
				ErrorOutputPrefix: pulumi.String(t + "/delivery-errors/!{firehose:error-output-type}/"),
				BufferingInterval: pulumi.Int(FindingsBufferSeconds),
				BufferingSize:     pulumi.Int(FindingsBufferMiB),
				CompressionFormat: pulumi.String("GZIP"),
			},
			ServerSideEncryption: &kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs{
				Enabled: pulumi.Bool(true), KeyType: pulumi.String("AWS_OWNED_CMK"),
			},
		}, append(homeOpts, pulumi.DependsOn(append([]pulumi.Resource{pol}, a.Archive...)))...)
		if err != nil {
			return nil, fmt.Errorf("findings stream %s: %w", t, err)
		}
		c.Streams[t] = stream
		rule, err := cloudwatch.NewEventRule(ctx, name+"-"+t+"-rule", &cloudwatch.EventRuleArgs{
			Name:         pulumi.String(policies.FindingsStreamPrefix + t),
			Description:  pulumi.String("Findings of the organization to the orgsiem archive"),
			EventPattern: pulumi.String(FindingPattern(t)),
		}, homeOpts...)
		if err != nil {
			return nil, fmt.Errorf("findings rule %s: %w", t, err)
		}
		if _, err := cloudwatch.NewEventTarget(ctx, name+"-"+t+"-target", &cloudwatch.EventTargetArgs{
			Rule: rule.Name, Arn: stream.Arn, RoleArn: events.Arn,
		}, homeOpts...); err != nil {
			return nil, fmt.Errorf("findings target %s: %w", t, err)
		}
	}
	// GuardDuty findings stay in their region: the other regions forward
	// them to the home bus (Security Hub's aggregator does this for its own).
	if a.GuardDuty {
		for _, region := range a.Regions {
			if region == o.HomeRegion {
				continue
			}
			ro := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(a.Security[region])}
			rule, err := cloudwatch.NewEventRule(ctx, name+"-guardduty-forward-"+region, &cloudwatch.EventRuleArgs{
				Name:         pulumi.String(policies.FindingsStreamPrefix + "guardduty-forward"),
				Description:  pulumi.String("GuardDuty findings of this region to the home region's bus"),
				EventPattern: pulumi.String(FindingPattern(archive.TypeGuardDuty)),
			}, ro...)
			if err != nil {
				return nil, fmt.Errorf("guardduty forward rule %s: %w", region, err)
			}
			if _, err := cloudwatch.NewEventTarget(ctx, name+"-guardduty-forward-"+region+"-target", &cloudwatch.EventTargetArgs{
				Rule: rule.Name, Arn: pulumi.String(o.SecurityBusARN(o.HomeRegion)), RoleArn: events.Arn,
			}, ro...); err != nil {
				return nil, fmt.Errorf("guardduty forward target %s: %w", region, err)
			}
		}
	}
	out := pulumi.Map{}
	for t, s := range c.Streams {
		out[t+"StreamArn"] = s.Arn
	}
	return c, ctx.RegisterResourceOutputs(c, out)
}
