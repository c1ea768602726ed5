package stacks

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/orgsiem/orgsiem/central"
	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Fixed operational settings (not configuration: they follow from the
// functions' design).
const (
	loaderTimeoutSeconds  = 120
	loaderBatchSize       = 10
	ingestMaxReceiveCount = 5
	ingestAgeAlarmSeconds = 900
	stackSetFailurePct    = 10
	stackSetConcurrentPct = 25
)

// Run is the Pulumi program: read and validate the configuration and check
// the Lambda packages before creating anything, then deploy.
func Run(ctx *pulumi.Context) error {
	cfg, err := Load(ctx)
	if err != nil {
		return err
	}
	dir, err := ResolveBuildDir(cfg.BuildDir, ctx.RootDirectory())
	if err != nil {
		return err
	}
	code, err := LoadCode(dir)
	if err != nil {
		return err
	}
	return Deploy(ctx, cfg, code)
}

// ProjectFile is the Pulumi project file marking the project root.
const ProjectFile = "Pulumi.yaml"

// ResolveBuildDir makes a relative buildDir absolute against the project
// root. Pulumi runs a Go program in the directory named by Pulumi.yaml's
// `main` (cmd/deploy here), not beside Pulumi.yaml, so "build/lambda" taken
// relative to the working directory would miss `make package`'s output.
// root is ctx.RootDirectory() (PULUMI_ROOT_DIRECTORY, set by the CLI); when
// it is empty (older CLIs) the root is the nearest directory above the
// working directory holding Pulumi.yaml.
func ResolveBuildDir(dir, root string) (string, error) {
	if filepath.IsAbs(dir) {
		return filepath.Clean(dir), nil
	}
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("%s:buildDir %q is relative and the working directory is unknown: %w", Namespace, dir, err)
		}
		if root, err = findProjectRoot(wd); err != nil {
			return "", fmt.Errorf("%s:buildDir %q is relative: %w", Namespace, dir, err)
		}
	}
	return filepath.Join(root, dir), nil
}

// findProjectRoot walks up from dir to the directory holding Pulumi.yaml.
func findProjectRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ProjectFile)); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no %s in %s or any directory above it (set an absolute buildDir)", ProjectFile, dir)
		}
		d = parent
	}
}

// Load reads the orgsiem namespace of the stack configuration.
func Load(ctx *pulumi.Context) (Config, error) {
	c := config.New(ctx, Namespace)
	return Parse(func(key string) (string, bool) {
		v, err := c.Try(key)
		return v, err == nil
	})
}

// Org is the policies view of the configuration.
func (c Config) Org() policies.Org {
	return policies.Org{
		ID: c.OrganizationID, Management: c.ManagementAccountID, LogArchive: c.LogArchiveAccountID,
		Security: c.SecurityAccountID, HomeRegion: c.HomeRegion,
		// The deploy role must stay an admin: it updates these policies,
		// and KMS refuses a key policy its creator could not change again
		// (the key policy lockout safety check).
		ArchiveAdmins: dedupe([]string{c.BreakGlassRole, c.AccountRole}),
	}
}

// OwnLogGroups are every log group the pipeline writes to; subscribing any
// of them would loop logs through the pipeline.
func OwnLogGroups() []string {
	out := []string{}
	for _, f := range []string{
		policies.TransferFunction, policies.SubscribeFunction, policies.LoaderFunction,
		policies.ReportFunction, policies.MaintainFunction,
	} {
		out = append(out, policies.LambdaLogGroup(f))
	}
	return append(out, policies.OpenSearchLogGroup+"/application", policies.OpenSearchLogGroup+"/audit")
}

// accountProvider is an AWS provider that assumes role in account.
func accountProvider(ctx *pulumi.Context, name, account, region, role string) (*aws.Provider, error) {
	p, err := aws.NewProvider(ctx, name, &aws.ProviderArgs{
		Region: pulumi.String(region),
		AssumeRole: &aws.ProviderAssumeRoleArgs{
			RoleArn:     pulumi.String(policies.RoleARN(account, role)),
			SessionName: pulumi.String("orgsiem-deploy"),
		},
		AllowedAccountIds: pulumi.StringArray{pulumi.String(account)},
		DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{"orgsiem": pulumi.String("true")}},
	})
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", name, err)
	}
	return p, nil
}

// Deploy creates every resource for a validated configuration.
func Deploy(ctx *pulumi.Context, cfg Config, code map[string]Package) error {
	o := cfg.Org()
	mgmt := map[string]pulumi.ProviderResource{}
	for _, region := range cfg.Regions {
		p, err := aws.NewProvider(ctx, "management-"+region, &aws.ProviderArgs{
			Region:            pulumi.String(region),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(cfg.ManagementAccountID)},
			DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{"orgsiem": pulumi.String("true")}},
		})
		if err != nil {
			return fmt.Errorf("provider management-%s: %w", region, err)
		}
		mgmt[region] = p
	}
	home := mgmt[cfg.HomeRegion]
	logArchive, err := accountProvider(ctx, "log-archive", cfg.LogArchiveAccountID, cfg.HomeRegion, cfg.AccountRole)
	if err != nil {
		return err
	}
	security, err := accountProvider(ctx, "security", cfg.SecurityAccountID, cfg.HomeRegion, cfg.AccountRole)
	if err != nil {
		return err
	}

	org, err := organizations.LookupOrganization(ctx, pulumi.Provider(home))
	if err != nil {
		return fmt.Errorf("look up the organization (run from the management account): %w", err)
	}
	if org.Id != cfg.OrganizationID {
		return &ConfigError{Key: "organizationId", Msg: fmt.Sprintf("%s, but the credentials belong to organization %s", cfg.OrganizationID, org.Id)}
	}
	if org.MasterAccountId != cfg.ManagementAccountID {
		return &ConfigError{Key: "managementAccountId", Msg: fmt.Sprintf("%s, but the organization's management account is %s", cfg.ManagementAccountID, org.MasterAccountId)}
	}
	targets := cfg.MemberTargets
	if len(targets) == 0 {
		if len(org.Roots) == 0 {
			return fmt.Errorf("organization %s has no root to target", org.Id)
		}
		targets = []string{org.Roots[0].Id}
	}

	nw := central.Network{CIDR: cfg.VpcCIDR, VpcID: cfg.VpcID, SubnetIDs: cfg.SubnetIDs}
	if cfg.VpcID == "" {
		azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")}, pulumi.Provider(security))
		if err != nil {
			return fmt.Errorf("availability zones of %s: %w", cfg.HomeRegion, err)
		}
		if len(azs.Names) < 3 {
			return fmt.Errorf("home region %s has %d availability zones, orgsiem needs 3", cfg.HomeRegion, len(azs.Names))
		}
		nw.AvailabilityZones = azs.Names[:3]
	} else {
		pl, err := ec2.GetPrefixList(ctx, &ec2.GetPrefixListArgs{Name: pulumi.StringRef("com.amazonaws." + cfg.HomeRegion + ".s3")}, pulumi.Provider(security))
		if err != nil {
			return fmt.Errorf("s3 prefix list of %s: %w", cfg.HomeRegion, err)
		}
		nw.S3PrefixListID = pl.Id
	}

	dirRole, err := central.NewDirectoryRole(ctx, "directory-role", pulumi.Provider(home))
	if err != nil {
		return err
	}
	ids, err := central.NewIdentities(ctx, "security-identities", &central.IdentitiesArgs{Org: o}, pulumi.Providers(security))
	if err != nil {
		return err
	}
	ingest, err := central.NewIngest(ctx, "ingest", &central.IngestArgs{
		Org: o, LoaderTimeoutSeconds: loaderTimeoutSeconds, MaxReceiveCount: ingestMaxReceiveCount,
	}, pulumi.Providers(security))
	if err != nil {
		return err
	}
	arch, err := central.NewArchive(ctx, "archive", &central.ArchiveArgs{
		Org: o, ObjectLockMode: cfg.ObjectLockMode, ObjectLockDays: cfg.ObjectLockDays,
		GlacierAfterDays: cfg.GlacierAfterDays, ExpireAfterDays: cfg.ExpireAfterDays,
		LoaderRole: ids.Loader, DirectoryRole: dirRole, IngestQueuePolicy: ingest.Policy,
	}, pulumi.Providers(logArchive))
	if err != nil {
		return err
	}
	trail, err := central.NewTrail(ctx, "organization-trail", &central.TrailArgs{
		Org: o, ArchiveKeyARN: arch.KeyARN, Archive: append([]pulumi.Resource{arch.Key}, arch.Bucket.Ready...),
	}, pulumi.Providers(home))
	if err != nil {
		return err
	}
	centralCode := map[string]central.Code{}
	for fn, zip := range map[string]string{
		policies.LoaderFunction: "loader", policies.ReportFunction: "report", policies.MaintainFunction: "maintain",
	} {
		centralCode[fn] = central.Code{Path: code[zip].Path, SHA256: code[zip].SHA256}
	}
	siem, err := central.NewSIEM(ctx, "siem", &central.SIEMArgs{
		Org: o, Identities: ids, Ingest: ingest, ArchiveKeyARN: arch.KeyARN, Network: nw,
		OpenSearch: central.OpenSearch{
			EngineVersion: cfg.OpenSearchEngineVersion, InstanceType: cfg.OpenSearchInstanceType,
			InstanceCount: cfg.OpenSearchDataNodes, DedicatedMasters: cfg.DedicatedMasters(), MasterType: cfg.OpenSearchMasterType,
			AvailabilityZones: cfg.AvailabilityZones(), VolumeGiB: cfg.OpenSearchVolumeGiB,
			WarmCount: cfg.OpenSearchWarmNodes, WarmType: cfg.OpenSearchWarmType,
			CreateServiceRole: cfg.OpenSearchServiceRole, AutoSoftwareUpdate: true,
		},
		Code:                 centralCode,
		LoaderTimeoutSeconds: loaderTimeoutSeconds, LoaderReservedConcurrency: cfg.LoaderReservedConcurrency,
		LoaderBatchSize: loaderBatchSize, LogRetentionDays: cfg.LogRetentionDays, AlertEmails: cfg.AlertEmails,
		ReportSchedule: cfg.ReportSchedule, ReportWindow: cfg.ReportWindow,
		SnapshotSchedule: cfg.SnapshotSchedule, SnapshotRetentionDays: cfg.SnapshotRetentionDays,
		HotIndexDays: cfg.HotIndexDays, HeartbeatLogTypes: cfg.HeartbeatLogTypes, HeartbeatMinutes: cfg.HeartbeatMinutes,
		IngestAgeAlarmSeconds: ingestAgeAlarmSeconds,
		GeoIPDatabases:        cfg.GeoIPDatabases, AccountEnrichment: cfg.AccountEnrichment,
		Notifications: cfg.Notifications(),
		SignIn:        cfg.People.SignInArgs(), Access: cfg.People.AccessArgs(),
	}, pulumi.Providers(security))
	if err != nil {
		return err
	}

	if _, err := deployFindings(ctx, cfg, mgmt, security, arch.KeyARN, append([]pulumi.Resource{arch.Key}, arch.Bucket.Ready...)); err != nil {
		return err
	}

	// The account directory runs in the management account's home region;
	// Organizations events arrive in us-east-1.
	var events pulumi.ProviderResource
	if cfg.HomeRegion != central.OrganizationsRegion {
		if p, ok := mgmt[central.OrganizationsRegion]; ok {
			events = p
		} else if events, err = aws.NewProvider(ctx, "management-"+central.OrganizationsRegion, &aws.ProviderArgs{
			Region:            pulumi.String(central.OrganizationsRegion),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(cfg.ManagementAccountID)},
			DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{"orgsiem": pulumi.String("true")}},
		}); err != nil {
			return fmt.Errorf("provider management-%s: %w", central.OrganizationsRegion, err)
		}
	}
	if _, err := central.NewDirectory(ctx, "directory", &central.DirectoryArgs{
		Org: o, Role: dirRole, ArchiveKeyARN: arch.KeyARN,
		Code:     central.Code{Path: code["directory"].Path, SHA256: code["directory"].SHA256},
		Schedule: cfg.DirectorySchedule, LogRetentionDays: cfg.LogRetentionDays,
		Archive: append([]pulumi.Resource{arch.Key}, arch.Bucket.Ready...), Events: events,
	}, pulumi.Provider(home)); err != nil {
		return err
	}

	// Member baseline: code in every region, then the StackSet and the
	// management account's stacks from one template value.
	objects := map[string]string{}
	for _, zip := range []string{"transfer", "subscribe", "sources"} {
		objects[code[zip].ObjectKey()] = code[zip].Path
	}
	deps := []pulumi.Resource{arch, siem}
	for _, region := range cfg.Regions {
		art, err := central.NewArtifacts(ctx, "artifacts-"+region, &central.ArtifactsArgs{
			Org: o, Region: region, Objects: objects,
		}, pulumi.Providers(mgmt[region]))
		if err != nil {
			return err
		}
		deps = append(deps, art.Ready...)
	}
	base := member.Config{
		Org: o, Mode: cfg.SubscriptionMode, Include: cfg.IncludeLogGroups, Exclude: cfg.ExcludeLogGroups,
		OwnLogGroups: OwnLogGroups(), LogRetentionDays: cfg.LogRetentionDays, SweepSchedule: cfg.SweepSchedule,
		TransferCodeKey: code["transfer"].ObjectKey(), SubscribeCodeKey: code["subscribe"].ObjectKey(),
		FlowLogs: cfg.Sources.VPCFlowLogs, SourcesCodeKey: code["sources"].ObjectKey(),
	}
	// Render once without the key to fail early on a template error.
	if _, err := member.Baseline(base); err != nil {
		return err
	}
	template := arch.KeyARN.ApplyT(func(key string) (string, error) {
		c := base
		c.ArchiveKeyARN = key
		t, err := member.Baseline(c)
		if err != nil {
			return "", err
		}
		return t.JSON()
	}).(pulumi.StringOutput)
	dist, err := member.NewDistribution(ctx, "member-baseline", &member.DistributionArgs{
		Template: template, HomeRegion: cfg.HomeRegion, Regions: cfg.Regions, TargetOUs: targets,
		Management: mgmt, DependsOn: deps,
		FailureTolerancePercentage: stackSetFailurePct, MaxConcurrentPercentage: stackSetConcurrentPct,
	}, pulumi.Providers(home))
	if err != nil {
		return err
	}

	ctx.Export("archiveBucket", arch.BucketName)
	ctx.Export("archiveKeyArn", arch.KeyARN)
	ctx.Export("trailArn", trail.Trail.Arn)
	ctx.Export("openSearchEndpoint", siem.Domain.Endpoint)
	ctx.Export("openSearchDashboards", siem.Domain.DashboardEndpoint)
	ctx.Export("signIn", pulumi.String(cfg.People.SignIn))
	if siem.UserPool != nil {
		ctx.Export("cognitoUserPoolId", siem.UserPool.ID())
	}
	if siem.AccessHost != nil {
		// What `orgsiem dashboards` reads (pulumi stack output --json).
		ctx.Export("accessHostId", siem.AccessHost.ID())
		ctx.Export("accessHostRegion", pulumi.String(cfg.HomeRegion))
	}
	ctx.Export("alertTopicArn", siem.AlertTopic.Arn)
	ctx.Export("ingestQueueUrl", ingest.Queue.Url)
	ctx.Export("memberStackSet", dist.StackSet.Name)
	ctx.Export("memberTargets", pulumi.ToStringArray(targets))
	return nil
}
