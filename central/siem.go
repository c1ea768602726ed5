package central

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TLSPolicy is the OpenSearch endpoint TLS policy: the current TLS 1.2
// policy with perfect forward secrecy (Security Hub Opensearch.8).
const TLSPolicy = "Policy-Min-TLS-1-2-PFS-2023-10"

// Code is a Lambda deployment package built by `make package`.
type Code struct {
	Path string
	// SHA256 is the base64 SHA-256 of the zip (Lambda's CodeSha256).
	SHA256 string
}

// Network says where the SIEM runs: a VPC created from CIDR over
// AvailabilityZones, or an existing VPC (VpcID, SubnetIDs) whose CIDR is
// CIDR and which already has the VPC endpoints the Lambdas need.
type Network struct {
	CIDR              string
	AvailabilityZones []string
	VpcID             string
	SubnetIDs         []string
	// S3PrefixListID is the S3 managed prefix list (existing VPC only; a
	// created VPC takes it from its S3 gateway endpoint).
	S3PrefixListID string
}

// OpenSearch sizes the domain.
type OpenSearch struct {
	EngineVersion      string
	InstanceType       string
	InstanceCount      int
	DedicatedMasters   int // 0: none
	MasterType         string
	AvailabilityZones  int
	VolumeGiB          int
	WarmCount          int // 0: no UltraWarm
	WarmType           string
	CreateServiceRole  bool // create the OpenSearch service-linked role
	AutoSoftwareUpdate bool
}

// SIEMArgs configures the security account.
type SIEMArgs struct {
	Org           policies.Org
	Identities    *Identities
	Ingest        *Ingest
	ArchiveKeyARN pulumi.StringInput
	Network       Network
	OpenSearch    OpenSearch
	// Code holds the loader, report and maintain packages by function
	// name (policies.LoaderFunction ...).
	Code                      map[string]Code
	LoaderTimeoutSeconds      int
	LoaderReservedConcurrency int
	LoaderBatchSize           int
	LogRetentionDays          int
	AlertEmails               []string
	ReportSchedule            string
	ReportWindow              string
	SnapshotSchedule          string
	SnapshotRetentionDays     int
	HotIndexDays              int
	HeartbeatLogTypes         []string
	HeartbeatMinutes          int
	IngestAgeAlarmSeconds     int
	// GeoIPDatabases are s3://bucket/key URIs of MaxMind databases the
	// loader enriches with (none: no GeoIP); the loader role may read
	// exactly these objects.
	GeoIPDatabases []string
	// AccountEnrichment lets the loader fill account names and OU paths
	// from the account directory object (needs no extra permission: the
	// loader reads archive objects).
	AccountEnrichment bool
	// SignIn is how people sign in to Dashboards (signin.go); Access is
	// their way into the VPC (access.go).
	SignIn SignIn
	Access Access
	// CustomRules is the s3://bucket/prefix/ of custom detection rules the
	// loader loads at cold start (lambdaenv.CustomRules); RuleParameters
	// the JSON of rule parameter values (lambdaenv.RuleParameters). Empty:
	// not set.
	CustomRules, RuleParameters string
	// Notifications routes alerts to the SNS alert topic and the Slack,
	// Chime and webhook channels by severity; the maintain role may read
	// exactly the channels' secrets.
	Notifications lambdaenv.Notifications
}

// SIEM is the security account's component.
type SIEM struct {
	pulumi.ResourceState
	Key        *kms.Key
	Domain     *opensearch.Domain
	AlertTopic *sns.Topic
	Functions  map[string]*lambda.Function
	Alarms     []*cloudwatch.MetricAlarm
	// AccessHost is the SSM-managed host people port-forward through (nil
	// unless the access path is ssm).
	AccessHost *ec2.Instance
	// UserPool holds the people who sign in with Cognito (nil in the other
	// sign-in modes).
	UserPool *cognito.UserPool
}

type siemBuilder struct {
	ctx   *pulumi.Context
	name  string
	a     *SIEMArgs
	c     *SIEM
	child pulumi.ResourceOption
	// signInDeps are sign-in resources the domain waits for.
	signInDeps []pulumi.Resource
	people     *signIn
}

// NewSIEM creates the VPC, OpenSearch domain, pipeline Lambdas, snapshot
// storage, alert topic and alarms. Pass the security account's provider.
func NewSIEM(ctx *pulumi.Context, name string, a *SIEMArgs, opts ...pulumi.ResourceOption) (*SIEM, error) {
	c := &SIEM{Functions: map[string]*lambda.Function{}}
	if err := ctx.RegisterComponentResource("orgsiem:central:SIEM", name, c, opts...); err != nil {
		return nil, err
	}
	b := &siemBuilder{ctx: ctx, name: name, a: a, c: c, child: pulumi.Parent(c)}
	if err := b.build(); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"domainEndpoint": c.Domain.Endpoint, "alertTopicArn": c.AlertTopic.Arn, "keyArn": c.Key.Arn,
	})
}

func (b *siemBuilder) n(s string) string { return b.name + "-" + s }

func (b *siemBuilder) build() error {
	ctx, o := b.ctx, b.a.Org
	key, err := kms.NewKey(ctx, b.n("key"), &kms.KeyArgs{
		Description:       pulumi.String("orgsiem SIEM: OpenSearch at rest, alerts, logs, snapshots"),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            pulumi.String(policies.SIEMKeyPolicy(o).JSON()),
	}, b.child)
	if err != nil {
		return fmt.Errorf("siem key: %w", err)
	}
	b.c.Key = key
	if _, err := kms.NewAlias(ctx, b.n("key-alias"), &kms.AliasArgs{
		Name: pulumi.String(policies.SIEMKeyAlias), TargetKeyId: key.KeyId,
	}, b.child); err != nil {
		return fmt.Errorf("siem key alias: %w", err)
	}
	net, err := b.network()
	if err != nil {
		return err
	}
	topic, err := b.alerts()
	if err != nil {
		return err
	}
	snap, err := newBucket(ctx, b.n("snapshots"), BucketArgs{
		Name: o.SnapshotBucket(), KMSKeyARN: key.Arn, Policy: pulumi.String(policies.SnapshotBucketPolicy(o).JSON()),
		Lifecycle: s3.BucketLifecycleConfigurationV2RuleArray{
			&s3.BucketLifecycleConfigurationV2RuleArgs{
				// Snapshots are deleted by the maintain Lambda after the
				// retention; S3 keeps deleted versions for 30 days.
				Id: pulumi.String("expire-deleted-snapshot-files"), Status: pulumi.String("Enabled"),
				Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
					NoncurrentDays: pulumi.Int(30),
				},
			},
			abortIncompleteUploads(),
		},
	}, b.child)
	if err != nil {
		return err
	}
	rolePolicies, err := b.rolePolicies(key)
	if err != nil {
		return err
	}
	if b.people, err = b.signIn(); err != nil {
		return err
	}
	domain, err := b.domain(key, net)
	if err != nil {
		return err
	}
	if err := b.people.after(domain); err != nil {
		return err
	}
	if err := b.accessHost(net); err != nil {
		return err
	}
	if err := b.functions(net, domain, topic, rolePolicies, snap); err != nil {
		return err
	}
	return b.alarms(topic)
}

type network struct {
	vpcID   pulumi.StringOutput
	subnets pulumi.StringArray
	// endpointsSG guards the interface endpoints of a created VPC (nil
	// with an existing VPC).
	endpointsSG *ec2.SecurityGroup
	lambdaSG    *ec2.SecurityGroup
	domainSG    *ec2.SecurityGroup
	ready       []pulumi.Resource
}

// SubnetCIDRs splits cidr into n consecutive subnets four bits longer.
func SubnetCIDRs(cidr string, n int) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 24 {
		return nil, fmt.Errorf("vpc cidr %q: want an IPv4 prefix of /24 or shorter", cidr)
	}
	p = p.Masked()
	bits := p.Bits() + 4
	size := uint32(1) << (32 - bits)
	base := p.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	var out []string
	for i := range uint32(n) {
		v := start + i*size
		addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		out = append(out, netip.PrefixFrom(addr, bits).String())
	}
	return out, nil
}

func (b *siemBuilder) network() (*network, error) {
	ctx, a := b.ctx, b.a
	nw := &network{}
	vpcID := pulumi.String(a.Network.VpcID).ToStringOutput()
	var routeTables pulumi.StringArray
	if a.Network.VpcID == "" {
		v, err := ec2.NewVpc(ctx, b.n("vpc"), &ec2.VpcArgs{
			CidrBlock: pulumi.String(a.Network.CIDR), EnableDnsHostnames: pulumi.Bool(true), EnableDnsSupport: pulumi.Bool(true),
			Tags: pulumi.StringMap{"Name": pulumi.String("orgsiem")},
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("vpc: %w", err)
		}
		vpcID = v.ID().ToStringOutput()
		cidrs, err := SubnetCIDRs(a.Network.CIDR, len(a.Network.AvailabilityZones))
		if err != nil {
			return nil, err
		}
		rt, err := ec2.NewRouteTable(ctx, b.n("private-routes"), &ec2.RouteTableArgs{VpcId: v.ID()}, b.child)
		if err != nil {
			return nil, fmt.Errorf("route table: %w", err)
		}
		routeTables = pulumi.StringArray{rt.ID()}
		for i, az := range a.Network.AvailabilityZones {
			s, err := ec2.NewSubnet(ctx, b.n("private-"+az), &ec2.SubnetArgs{
				VpcId: v.ID(), CidrBlock: pulumi.String(cidrs[i]), AvailabilityZone: pulumi.String(az),
				MapPublicIpOnLaunch: pulumi.Bool(false),
				Tags:                pulumi.StringMap{"Name": pulumi.String("orgsiem-private-" + az)},
			}, b.child)
			if err != nil {
				return nil, fmt.Errorf("subnet %s: %w", az, err)
			}
			nw.subnets = append(nw.subnets, s.ID())
			if _, err := ec2.NewRouteTableAssociation(ctx, b.n("private-"+az+"-routes"), &ec2.RouteTableAssociationArgs{
				RouteTableId: rt.ID(), SubnetId: s.ID(),
			}, b.child); err != nil {
				return nil, fmt.Errorf("route table association %s: %w", az, err)
			}
		}
	} else {
		for _, id := range a.Network.SubnetIDs {
			nw.subnets = append(nw.subnets, pulumi.String(id))
		}
	}
	sg := func(id, desc string) (*ec2.SecurityGroup, error) {
		g, err := ec2.NewSecurityGroup(ctx, b.n(id), &ec2.SecurityGroupArgs{
			Name: pulumi.String("orgsiem-" + id), Description: pulumi.String(desc), VpcId: vpcID,
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("security group %s: %w", id, err)
		}
		return g, nil
	}
	nw.vpcID = vpcID
	var err error
	if nw.lambdaSG, err = sg("lambdas", "orgsiem Lambdas: HTTPS out to OpenSearch, endpoints and S3"); err != nil {
		return nil, err
	}
	if nw.domainSG, err = sg("opensearch", "orgsiem OpenSearch: HTTPS in from the orgsiem Lambdas only"); err != nil {
		return nil, err
	}
	https := func(id string, in bool, group *ec2.SecurityGroup, args func(r *vpc.SecurityGroupIngressRuleArgs)) error {
		ra := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: group.ID(), IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
		}
		args(ra)
		var r pulumi.Resource
		var err error
		if in {
			r, err = vpc.NewSecurityGroupIngressRule(ctx, b.n(id), ra, b.child)
		} else {
			r, err = vpc.NewSecurityGroupEgressRule(ctx, b.n(id), &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: ra.SecurityGroupId, IpProtocol: ra.IpProtocol, FromPort: ra.FromPort, ToPort: ra.ToPort,
				CidrIpv4: ra.CidrIpv4, PrefixListId: ra.PrefixListId, ReferencedSecurityGroupId: ra.ReferencedSecurityGroupId,
				Description: ra.Description,
			}, b.child)
		}
		if err != nil {
			return fmt.Errorf("security group rule %s: %w", id, err)
		}
		nw.ready = append(nw.ready, r)
		return nil
	}
	if err := https("opensearch-from-lambdas", true, nw.domainSG, func(r *vpc.SecurityGroupIngressRuleArgs) {
		r.ReferencedSecurityGroupId, r.Description = nw.lambdaSG.ID(), pulumi.String("HTTPS from the orgsiem Lambdas")
	}); err != nil {
		return nil, err
	}
	if err := https("lambdas-to-vpc", false, nw.lambdaSG, func(r *vpc.SecurityGroupIngressRuleArgs) {
		r.CidrIpv4, r.Description = pulumi.String(a.Network.CIDR), pulumi.String("HTTPS to OpenSearch and interface endpoints")
	}); err != nil {
		return nil, err
	}
	s3PrefixList := pulumi.String(a.Network.S3PrefixListID).ToStringOutput()
	if a.Network.VpcID == "" {
		s3ep, err := ec2.NewVpcEndpoint(ctx, b.n("endpoint-s3"), &ec2.VpcEndpointArgs{
			VpcId: vpcID, ServiceName: pulumi.String("com.amazonaws." + b.a.Org.HomeRegion + ".s3"),
			VpcEndpointType: pulumi.String("Gateway"), RouteTableIds: routeTables,
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("s3 endpoint: %w", err)
		}
		s3PrefixList = s3ep.PrefixListId
		nw.ready = append(nw.ready, s3ep)
		epSG, err := sg("endpoints", "orgsiem interface endpoints: HTTPS in from the orgsiem Lambdas")
		if err != nil {
			return nil, err
		}
		nw.endpointsSG = epSG
		if err := https("endpoints-from-lambdas", true, epSG, func(r *vpc.SecurityGroupIngressRuleArgs) {
			r.ReferencedSecurityGroupId, r.Description = nw.lambdaSG.ID(), pulumi.String("HTTPS from the orgsiem Lambdas")
		}); err != nil {
			return nil, err
		}
		services := []string{"sqs", "sns", "sts", "logs", "kms"}
		if a.Access.Path == AccessSSM {
			services = append(services, AccessHostEndpoints...)
		}
		for _, svc := range services {
			subnets := nw.subnets
			if slices.Contains(AccessHostEndpoints, svc) {
				// Only the access host (first subnet) uses them: one
				// endpoint network interface instead of one per AZ.
				subnets = nw.subnets[:1]
			}
			ep, err := ec2.NewVpcEndpoint(ctx, b.n("endpoint-"+svc), &ec2.VpcEndpointArgs{
				VpcId: vpcID, ServiceName: pulumi.String("com.amazonaws." + b.a.Org.HomeRegion + "." + svc),
				VpcEndpointType: pulumi.String("Interface"), PrivateDnsEnabled: pulumi.Bool(true),
				SubnetIds: subnets, SecurityGroupIds: pulumi.StringArray{epSG.ID()},
			}, b.child)
			if err != nil {
				return nil, fmt.Errorf("%s endpoint: %w", svc, err)
			}
			nw.ready = append(nw.ready, ep)
		}
	}
	if err := https("lambdas-to-s3", false, nw.lambdaSG, func(r *vpc.SecurityGroupIngressRuleArgs) {
		r.PrefixListId, r.Description = s3PrefixList, pulumi.String("HTTPS to S3 through the gateway endpoint")
	}); err != nil {
		return nil, err
	}
	return nw, nil
}

func (b *siemBuilder) alerts() (*sns.Topic, error) {
	ctx, o := b.ctx, b.a.Org
	topic, err := sns.NewTopic(ctx, b.n("alerts"), &sns.TopicArgs{
		Name: pulumi.String(policies.AlertTopic), KmsMasterKeyId: b.c.Key.Arn,
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("alert topic: %w", err)
	}
	b.c.AlertTopic = topic
	if _, err := sns.NewTopicPolicy(ctx, b.n("alerts-policy"), &sns.TopicPolicyArgs{
		Arn: topic.Arn, Policy: pulumi.String(policies.AlertTopicPolicy(o).JSON()),
	}, b.child); err != nil {
		return nil, fmt.Errorf("alert topic policy: %w", err)
	}
	for i, email := range b.a.AlertEmails {
		if _, err := sns.NewTopicSubscription(ctx, b.n("alerts-email-"+strconv.Itoa(i)), &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(email),
		}, b.child); err != nil {
			return nil, fmt.Errorf("alert subscription %d: %w", i, err)
		}
	}
	// Member baseline alarms and archive tamper attempts arrive on the
	// default bus and go to the topic. The bus permission is one statement
	// of the bus policy: aws.cloudwatch.EventBusPolicy would replace the
	// whole policy, dropping statements others added ("incompatible with
	// the EventBridge permission resource (aws.cloudwatch.EventPermission)
	// and will overwrite permissions", pulumi-aws EventBusPolicy docs).
	busPolicy, err := cloudwatch.NewEventPermission(ctx, b.n("bus-permission"), &cloudwatch.EventPermissionArgs{
		EventBusName: pulumi.String("default"), StatementId: pulumi.String(policies.CentralBusStatementID),
		Principal: pulumi.String("*"), Action: pulumi.String("events:PutEvents"),
		Condition: &cloudwatch.EventPermissionConditionArgs{
			Key: pulumi.String("aws:PrincipalOrgID"), Type: pulumi.String("StringEquals"), Value: pulumi.String(o.ID),
		},
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("event bus permission: %w", err)
	}
	tamper, err := cloudwatch.NewEventRule(ctx, b.n("archive-tamper"), &cloudwatch.EventRuleArgs{
		Name: pulumi.String(policies.ArchiveTamperRule), Description: pulumi.String("Attempts to weaken the orgsiem archive to the alert topic"),
		EventPattern: pulumi.String(ArchiveTamperAlertPattern(o)),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{busPolicy}))
	if err != nil {
		return nil, fmt.Errorf("archive tamper rule: %w", err)
	}
	if _, err := cloudwatch.NewEventTarget(ctx, b.n("archive-tamper-target"), &cloudwatch.EventTargetArgs{
		Rule: tamper.Name, Arn: topic.Arn,
	}, b.child); err != nil {
		return nil, fmt.Errorf("archive tamper target: %w", err)
	}
	pattern, err := json.Marshal(map[string]any{
		"source":      []string{"aws.cloudwatch"},
		"detail-type": []string{"CloudWatch Alarm State Change"},
		"detail": map[string]any{
			"alarmName": []map[string]string{{"prefix": policies.MemberAlarmPrefix}},
			"state":     map[string][]string{"value": {"ALARM"}},
		},
	})
	if err != nil {
		return nil, err
	}
	rule, err := cloudwatch.NewEventRule(ctx, b.n("member-alarms"), &cloudwatch.EventRuleArgs{
		Name: pulumi.String(policies.MemberAlarmRule), Description: pulumi.String("Member baseline alarms to the alert topic"),
		EventPattern: pulumi.String(string(pattern)),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{busPolicy}))
	if err != nil {
		return nil, fmt.Errorf("member alarm rule: %w", err)
	}
	if _, err := cloudwatch.NewEventTarget(ctx, b.n("member-alarms-target"), &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: topic.Arn,
	}, b.child); err != nil {
		return nil, fmt.Errorf("member alarm target: %w", err)
	}
	return topic, nil
}

// LoaderOptions are the loader role's optional grants the arguments ask
// for.
func (a *SIEMArgs) LoaderOptions() (policies.LoaderOptions, error) {
	opt := policies.LoaderOptions{}
	for _, uri := range a.GeoIPDatabases {
		arn, err := policies.S3ObjectARN(uri)
		if err != nil {
			return opt, fmt.Errorf("geoip database: %w", err)
		}
		opt.GeoIPObjects = append(opt.GeoIPObjects, arn)
	}
	return opt, nil
}

// FunctionInputs are the values of the security functions' variables that
// exist only once resources are created.
type FunctionInputs struct {
	Endpoint, QueueURL, SnapshotBucket, TopicARN, SnapshotRoleARN, AlertRoleARN pulumi.StringInput
}

// LoaderEnv is the loader's environment (lambdaenv.LoaderVars): the
// optional GeoIP and account enrichment variables only when configured.
func (a *SIEMArgs) LoaderEnv(in FunctionInputs) pulumi.StringMap {
	env := pulumi.StringMap{
		EnvOpenSearchEndpoint: in.Endpoint,
		EnvIngestQueueURL:     in.QueueURL,
		EnvArchiveBucket:      pulumi.String(a.Org.ArchiveBucket()),
		EnvRegion:             pulumi.String(a.Org.HomeRegion),
		// The trust model: which sources may carry other accounts' records.
		lambdaenv.OrganizationID:      pulumi.String(a.Org.ID),
		lambdaenv.ManagementAccountID: pulumi.String(a.Org.Management),
		// Events of a month past retention are not indexed again.
		lambdaenv.HotIndexDays: pulumi.String(strconv.Itoa(a.HotIndexDays)),
	}
	if len(a.GeoIPDatabases) > 0 {
		env[EnvGeoIP] = pulumi.String(strings.Join(a.GeoIPDatabases, ","))
	}
	if a.AccountEnrichment {
		env[EnvAccountEnrichment] = pulumi.String(lambdaenv.AccountEnrichmentOn)
	}
	if a.CustomRules != "" {
		env[lambdaenv.CustomRules] = pulumi.String(a.CustomRules)
	}
	if a.RuleParameters != "" {
		env[lambdaenv.RuleParameters] = pulumi.String(a.RuleParameters)
	}
	return env
}

// ReportEnv is the report function's environment (lambdaenv.ReportVars).
func (a *SIEMArgs) ReportEnv(in FunctionInputs) pulumi.StringMap {
	return pulumi.StringMap{
		EnvOpenSearchEndpoint: in.Endpoint,
		EnvSnapshotBucket:     in.SnapshotBucket,
		EnvAlertTopicARN:      in.TopicARN,
		EnvReportWindow:       pulumi.String(a.ReportWindow),
		EnvRegion:             pulumi.String(a.Org.HomeRegion),
	}
}

// MaintainEnv is the maintain function's environment
// (lambdaenv.MaintainVars); backendRoles is the JSON of EnvBackendRoles.
func (a *SIEMArgs) MaintainEnv(in FunctionInputs, backendRoles string) pulumi.StringMap {
	return pulumi.StringMap{
		EnvOpenSearchEndpoint:    in.Endpoint,
		EnvSnapshotBucket:        in.SnapshotBucket,
		EnvAlertTopicARN:         in.TopicARN,
		EnvSnapshotRoleARN:       in.SnapshotRoleARN,
		EnvAlertRoleARN:          in.AlertRoleARN,
		EnvSnapshotRetentionDays: pulumi.String(strconv.Itoa(a.SnapshotRetentionDays)),
		EnvHotIndexDays:          pulumi.String(strconv.Itoa(a.HotIndexDays)),
		lambdaenv.DataNodes:      pulumi.String(strconv.Itoa(a.OpenSearch.InstanceCount)),
		lambdaenv.WarmAfterDays:  pulumi.String(strconv.Itoa(warmAfterDays(a.OpenSearch, a.HotIndexDays))),
		EnvBackendRoles:          pulumi.String(backendRoles),
		EnvRegion:                pulumi.String(a.Org.HomeRegion),
		EnvNotificationChannels:  pulumi.String(a.notificationsJSON()),
	}
}

// warmAfterDays is the index age at which maintain's ISM policies move
// log indices to UltraWarm: 45 days when the domain has warm nodes (a
// monthly index is written until its month ends) and indices live longer
// than that (a month is deleted hotIndexDays after it ends; maintain
// refuses a warm age at or past hotIndexDays + 31 days), else 0.
func warmAfterDays(os OpenSearch, hotIndexDays int) int {
	if os.WarmCount > 0 && 45 < hotIndexDays+31 {
		return 45
	}
	return 0
}

// notificationsJSON is the value of EnvNotificationChannels (secret ARNs,
// never secret values).
func (a *SIEMArgs) notificationsJSON() string {
	b, err := json.Marshal(a.Notifications)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// rolePolicies attaches the permission policies to the security roles.
func (b *siemBuilder) rolePolicies(key *kms.Key) ([]pulumi.Resource, error) {
	o, id := b.a.Org, b.a.Identities
	attach := func(name string, role *iam.Role, doc pulumi.StringOutput) (pulumi.Resource, error) {
		r, err := iam.NewRolePolicy(b.ctx, b.n(name+"-policy"), &iam.RolePolicyArgs{
			Name: pulumi.String(name), Role: role.Name, Policy: doc,
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("%s role policy: %w", name, err)
		}
		return r, nil
	}
	render := func(f func(siemKey, archiveKey string) policies.Document) pulumi.StringOutput {
		return pulumi.All(key.Arn, b.a.ArchiveKeyARN).ApplyT(func(v []any) string {
			return f(v[0].(string), v[1].(string)).JSON()
		}).(pulumi.StringOutput)
	}
	loaderOpt, err := b.a.LoaderOptions()
	if err != nil {
		return nil, err
	}
	var out []pulumi.Resource
	for _, p := range []struct {
		name string
		role *iam.Role
		doc  func(siemKey, archiveKey string) policies.Document
	}{
		{"loader", id.Loader, func(_, ak string) policies.Document { return policies.LoaderRolePolicy(o, ak, loaderOpt) }},
		{"report", id.Report, func(sk, _ string) policies.Document { return policies.ReportRolePolicy(o, sk) }},
		{"maintain", id.Maintain, func(sk, _ string) policies.Document { return policies.MaintainRolePolicy(o, sk) }},
		{"snapshot", id.Snapshot, func(sk, _ string) policies.Document { return policies.SnapshotRolePolicy(o, sk) }},
		{"alert", id.Alert, func(sk, _ string) policies.Document { return policies.AlertRolePolicy(o, sk) }},
	} {
		r, err := attach(p.name, p.role, render(p.doc))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if doc, ok := policies.NotificationSecretsPolicy(b.a.Notifications.SecretARNs()); ok {
		r, err := attach("maintain-channel-secrets", id.Maintain, pulumi.String(doc.JSON()).ToStringOutput())
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (b *siemBuilder) logGroup(id, name string) (*cloudwatch.LogGroup, error) {
	g, err := cloudwatch.NewLogGroup(b.ctx, b.n(id), &cloudwatch.LogGroupArgs{
		Name: pulumi.String(name), RetentionInDays: pulumi.Int(b.a.LogRetentionDays), KmsKeyId: b.c.Key.Arn,
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("log group %s: %w", name, err)
	}
	return g, nil
}

func (b *siemBuilder) domain(key *kms.Key, nw *network) (*opensearch.Domain, error) {
	ctx, a, o, os := b.ctx, b.a, b.a.Org, b.a.OpenSearch
	deps := append(append([]pulumi.Resource{b.a.Identities}, nw.ready...), b.signInDeps...)
	if os.CreateServiceRole {
		slr, err := iam.NewServiceLinkedRole(ctx, b.n("opensearch-service-role"), &iam.ServiceLinkedRoleArgs{
			AwsServiceName: pulumi.String("opensearchservice.amazonaws.com"),
		}, b.child)
		if err != nil {
			return nil, fmt.Errorf("opensearch service-linked role: %w", err)
		}
		deps = append(deps, slr)
	}
	logPolicy, err := cloudwatch.NewLogResourcePolicy(ctx, b.n("opensearch-logs-policy"), &cloudwatch.LogResourcePolicyArgs{
		PolicyName: pulumi.String("orgsiem-opensearch-logs"), PolicyDocument: pulumi.String(policies.OpenSearchLogsPolicy(o).JSON()),
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("opensearch log policy: %w", err)
	}
	deps = append(deps, logPolicy)
	var publishing opensearch.DomainLogPublishingOptionArray
	for _, lt := range []struct{ id, typ string }{{"application", "ES_APPLICATION_LOGS"}, {"audit", "AUDIT_LOGS"}} {
		g, err := b.logGroup("opensearch-"+lt.id+"-logs", policies.OpenSearchLogGroup+"/"+lt.id)
		if err != nil {
			return nil, err
		}
		publishing = append(publishing, &opensearch.DomainLogPublishingOptionArgs{
			LogType: pulumi.String(lt.typ), CloudwatchLogGroupArn: g.Arn, Enabled: pulumi.Bool(true),
		})
	}
	cluster := &opensearch.DomainClusterConfigArgs{
		InstanceType:  pulumi.String(os.InstanceType),
		InstanceCount: pulumi.Int(os.InstanceCount),
	}
	if os.AvailabilityZones > 1 {
		cluster.ZoneAwarenessEnabled = pulumi.Bool(true)
		cluster.ZoneAwarenessConfig = &opensearch.DomainClusterConfigZoneAwarenessConfigArgs{
			AvailabilityZoneCount: pulumi.Int(os.AvailabilityZones),
		}
	}
	if os.DedicatedMasters > 0 {
		cluster.DedicatedMasterEnabled = pulumi.Bool(true)
		cluster.DedicatedMasterCount = pulumi.Int(os.DedicatedMasters)
		cluster.DedicatedMasterType = pulumi.String(os.MasterType)
	}
	if os.WarmCount > 0 {
		cluster.WarmEnabled = pulumi.Bool(true)
		cluster.WarmCount = pulumi.Int(os.WarmCount)
		cluster.WarmType = pulumi.String(os.WarmType)
	}
	d, err := opensearch.NewDomain(ctx, b.n("opensearch"), &opensearch.DomainArgs{
		DomainName:    pulumi.String(policies.DomainName),
		EngineVersion: pulumi.String(os.EngineVersion),
		ClusterConfig: cluster,
		EbsOptions: &opensearch.DomainEbsOptionsArgs{
			EbsEnabled: pulumi.Bool(true), VolumeType: pulumi.String("gp3"), VolumeSize: pulumi.Int(os.VolumeGiB),
		},
		EncryptAtRest:        &opensearch.DomainEncryptAtRestArgs{Enabled: pulumi.Bool(true), KmsKeyId: key.Arn},
		NodeToNodeEncryption: &opensearch.DomainNodeToNodeEncryptionArgs{Enabled: pulumi.Bool(true)},
		DomainEndpointOptions: &opensearch.DomainDomainEndpointOptionsArgs{
			EnforceHttps: pulumi.Bool(true), TlsSecurityPolicy: pulumi.String(TLSPolicy),
		},
		AdvancedSecurityOptions: &opensearch.DomainAdvancedSecurityOptionsArgs{
			Enabled: pulumi.Bool(true), InternalUserDatabaseEnabled: pulumi.Bool(false), AnonymousAuthEnabled: pulumi.Bool(false),
			MasterUserOptions: &opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs{
				MasterUserArn: a.Identities.Maintain.Arn,
			},
		},
		CognitoOptions:       b.people.cognitoOptions(),
		LogPublishingOptions: publishing,
		VpcOptions: &opensearch.DomainVpcOptionsArgs{
			SubnetIds: nw.subnets[:os.AvailabilityZones], SecurityGroupIds: pulumi.StringArray{nw.domainSG.ID()},
		},
		AccessPolicies:        pulumi.String(policies.OpenSearchAccessPolicyFor(o, a.SignIn.Mode).JSON()),
		SoftwareUpdateOptions: &opensearch.DomainSoftwareUpdateOptionsArgs{AutoSoftwareUpdateEnabled: pulumi.Bool(os.AutoSoftwareUpdate)},
		OffPeakWindowOptions:  &opensearch.DomainOffPeakWindowOptionsArgs{Enabled: pulumi.Bool(true)},
	}, b.child, pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("opensearch domain: %w", err)
	}
	b.c.Domain = d
	return d, nil
}

// function creates a VPC Lambda with its log group.
func (b *siemBuilder) function(name string, role *iam.Role, deps []pulumi.Resource, nw *network,
	timeout, memory, reserved int, env pulumi.StringMap,
) (*lambda.Function, error) {
	code, ok := b.a.Code[name]
	if !ok {
		return nil, fmt.Errorf("function %s: no deployment package given", name)
	}
	g, err := b.logGroup(name+"-logs", policies.LambdaLogGroup(name))
	if err != nil {
		return nil, err
	}
	args := &lambda.FunctionArgs{
		Name: pulumi.String(name), Role: role.Arn,
		Runtime: pulumi.String("provided.al2023"), Handler: pulumi.String("bootstrap"),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Code:          pulumi.NewFileArchive(code.Path), SourceCodeHash: pulumi.String(code.SHA256),
		Timeout: pulumi.Int(timeout), MemorySize: pulumi.Int(memory),
		Environment:   &lambda.FunctionEnvironmentArgs{Variables: env},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: g.Name},
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds: nw.subnets, SecurityGroupIds: pulumi.StringArray{nw.lambdaSG.ID()},
		},
	}
	if reserved > 0 {
		args.ReservedConcurrentExecutions = pulumi.Int(reserved)
	}
	f, err := lambda.NewFunction(b.ctx, b.n(name), args, b.child, pulumi.DependsOn(append(append(deps, g), nw.ready...)))
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	b.c.Functions[name] = f
	return f, nil
}

func (b *siemBuilder) scheduled(id string, f *lambda.Function, schedule, input string) error {
	rule, err := cloudwatch.NewEventRule(b.ctx, b.n(id), &cloudwatch.EventRuleArgs{
		Name: pulumi.String("orgsiem-" + id), ScheduleExpression: pulumi.String(schedule),
	}, b.child)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", id, err)
	}
	if _, err := lambda.NewPermission(b.ctx, b.n(id+"-invoke"), &lambda.PermissionArgs{
		Action: pulumi.String("lambda:InvokeFunction"), Function: f.Name,
		Principal: pulumi.String("events.amazonaws.com"), SourceArn: rule.Arn,
	}, b.child); err != nil {
		return fmt.Errorf("schedule %s permission: %w", id, err)
	}
	if _, err := cloudwatch.NewEventTarget(b.ctx, b.n(id+"-target"), &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: f.Arn, Input: pulumi.String(input),
	}, b.child); err != nil {
		return fmt.Errorf("schedule %s target: %w", id, err)
	}
	return nil
}

func (b *siemBuilder) functions(nw *network, d *opensearch.Domain, topic *sns.Topic, rolePolicies []pulumi.Resource, snap *Bucket) error {
	a, o, id := b.a, b.a.Org, b.a.Identities
	backend, err := json.Marshal(map[string]any{
		"loader": o.SecurityRoleARN(policies.LoaderRole), "report": o.SecurityRoleARN(policies.ReportRole),
		"maintain": o.SecurityRoleARN(policies.MaintainRole),
		// People's backend roles (SAML groups or Cognito group roles).
		"admin": b.people.backend["admin"], "analyst": b.people.backend["analyst"], "auditor": b.people.backend["auditor"],
	})
	if err != nil {
		return err
	}
	in := FunctionInputs{
		Endpoint: d.Endpoint, QueueURL: a.Ingest.Queue.Url, SnapshotBucket: snap.Bucket.Bucket, TopicARN: topic.Arn,
		SnapshotRoleARN: id.Snapshot.Arn, AlertRoleARN: id.Alert.Arn,
	}
	loader, err := b.function(policies.LoaderFunction, id.Loader, rolePolicies, nw, a.LoaderTimeoutSeconds, 1024, a.LoaderReservedConcurrency,
		a.LoaderEnv(in))
	if err != nil {
		return err
	}
	if _, err := lambda.NewEventSourceMapping(b.ctx, b.n("loader-ingest"), &lambda.EventSourceMappingArgs{
		EventSourceArn: a.Ingest.Queue.Arn, FunctionName: loader.Arn,
		BatchSize:                      pulumi.Int(a.LoaderBatchSize),
		MaximumBatchingWindowInSeconds: pulumi.Int(5),
		FunctionResponseTypes:          pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
		ScalingConfig: &lambda.EventSourceMappingScalingConfigArgs{
			MaximumConcurrency: pulumi.Int(max(2, a.LoaderReservedConcurrency)),
		},
	}, b.child); err != nil {
		return fmt.Errorf("loader event source: %w", err)
	}
	report, err := b.function(policies.ReportFunction, id.Report, rolePolicies, nw, 300, 512, 0, a.ReportEnv(in))
	if err != nil {
		return err
	}
	if err := b.scheduled("report", report, a.ReportSchedule, lambdaenv.ReportRun); err != nil {
		return err
	}
	maintain, err := b.function(policies.MaintainFunction, id.Maintain, append(rolePolicies, snap.Ready...), nw, 900, 512, 0,
		a.MaintainEnv(in, string(backend)))
	if err != nil {
		return err
	}
	// The daily snapshot belongs to the domain's Snapshot Management policy
	// (maintain configures it); this schedule runs retention.
	if err := b.scheduled("snapshot", maintain, a.SnapshotSchedule, MaintainDaily); err != nil {
		return err
	}
	// Configure the domain (templates, ISM, role mappings, snapshot
	// repository) on every change of its inputs.
	trigger := sha256.Sum256([]byte(fmt.Sprint(a.Code[policies.MaintainFunction].SHA256, a.HotIndexDays,
		a.SnapshotRetentionDays, a.OpenSearch, string(backend))))
	if _, err := lambda.NewInvocation(b.ctx, b.n("maintain-configure"), &lambda.InvocationArgs{
		FunctionName: maintain.Name, Input: pulumi.String(MaintainConfigure),
		Triggers: pulumi.StringMap{"configuration": pulumi.String(hex.EncodeToString(trigger[:]))},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{d, maintain})); err != nil {
		return fmt.Errorf("maintain configure invocation: %w", err)
	}
	return nil
}

// IsLogType reports whether name is a log type of the archive layout (for
// validating heartbeat configuration).
func IsLogType(name string) bool { return archive.IsType(name) }
