package member

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudformation"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// StackSetName is the name of the member baseline StackSet, and of the
// management account's stack in each region.
const StackSetName = "orgsiem-member-baseline"

// DistributionArgs configures where the baseline runs.
type DistributionArgs struct {
	// Template is the rendered baseline (an output: it embeds the archive
	// key ARN). The StackSet and every management stack get this value.
	Template pulumi.StringInput
	// HomeRegion is where the StackSet lives; Regions are the regions the
	// baseline is deployed to.
	HomeRegion string
	Regions    []string
	// TargetOUs are the organizational units (or the root) whose accounts,
	// current and future, get the baseline.
	TargetOUs []string
	// Management holds the management account's provider per region.
	Management map[string]pulumi.ProviderResource
	// DependsOn: the code objects of every region and the archive.
	DependsOn []pulumi.Resource
	// FailureTolerancePercentage and MaxConcurrentPercentage tune StackSet
	// operations (an account whose stack fails must not block the others).
	FailureTolerancePercentage, MaxConcurrentPercentage int
}

// Distribution is the StackSet, its instances per region, and the
// management account's stacks.
type Distribution struct {
	pulumi.ResourceState
	StackSet  *cloudformation.StackSet
	Instances []*cloudformation.StackSetInstance
	Stacks    []*cloudformation.Stack
}

// NewDistribution creates the service-managed StackSet with automatic
// deployment to accounts joining the target OUs, one instance per region,
// and one stack per region in the management account from the same template.
// opts carry the home-region management provider.
func NewDistribution(ctx *pulumi.Context, name string, a *DistributionArgs, opts ...pulumi.ResourceOption) (*Distribution, error) {
	c := &Distribution{}
	if err := ctx.RegisterComponentResource("orgsiem:member:Distribution", name, c, opts...); err != nil {
		return nil, err
	}
	home, ok := a.Management[a.HomeRegion]
	if !ok {
		return nil, fmt.Errorf("member: no management provider for home region %s", a.HomeRegion)
	}
	ss, err := cloudformation.NewStackSet(ctx, name+"-stackset", &cloudformation.StackSetArgs{
		Name:            pulumi.String(StackSetName),
		Description:     pulumi.String("orgsiem member baseline: log transfer, subscription, alarms"),
		PermissionModel: pulumi.String("SERVICE_MANAGED"),
		CallAs:          pulumi.String("SELF"),
		AutoDeployment: &cloudformation.StackSetAutoDeploymentArgs{
			Enabled: pulumi.Bool(true), RetainStacksOnAccountRemoval: pulumi.Bool(false),
		},
		ManagedExecution: &cloudformation.StackSetManagedExecutionArgs{Active: pulumi.Bool(true)},
		Capabilities:     pulumi.StringArray{pulumi.String("CAPABILITY_NAMED_IAM")},
		OperationPreferences: &cloudformation.StackSetOperationPreferencesArgs{
			FailureTolerancePercentage: pulumi.Int(a.FailureTolerancePercentage),
			MaxConcurrentPercentage:    pulumi.Int(a.MaxConcurrentPercentage),
			RegionConcurrencyType:      pulumi.String("PARALLEL"),
		},
		TemplateBody: a.Template,
	}, pulumi.Parent(c), pulumi.Provider(home), pulumi.DependsOn(a.DependsOn))
	if err != nil {
		return nil, fmt.Errorf("member stackset: %w", err)
	}
	c.StackSet = ss
	for _, region := range a.Regions {
		inst, err := cloudformation.NewStackSetInstance(ctx, name+"-"+region, &cloudformation.StackSetInstanceArgs{
			StackSetName: ss.Name,
			Region:       pulumi.String(region),
			CallAs:       pulumi.String("SELF"),
			DeploymentTargets: &cloudformation.StackSetInstanceDeploymentTargetsArgs{
				OrganizationalUnitIds: pulumi.ToStringArray(a.TargetOUs),
			},
			OperationPreferences: &cloudformation.StackSetInstanceOperationPreferencesArgs{
				FailureTolerancePercentage: pulumi.Int(a.FailureTolerancePercentage),
				MaxConcurrentPercentage:    pulumi.Int(a.MaxConcurrentPercentage),
			},
		}, pulumi.Parent(c), pulumi.Provider(home))
		if err != nil {
			return nil, fmt.Errorf("member stackset instances %s: %w", region, err)
		}
		c.Instances = append(c.Instances, inst)

		p, ok := a.Management[region]
		if !ok {
			return nil, fmt.Errorf("member: no management provider for region %s", region)
		}
		st, err := cloudformation.NewStack(ctx, name+"-management-"+region, &cloudformation.StackArgs{
			Name:         pulumi.String(StackSetName),
			TemplateBody: a.Template,
			Capabilities: pulumi.StringArray{pulumi.String("CAPABILITY_NAMED_IAM")},
			OnFailure:    pulumi.String("ROLLBACK"),
		}, pulumi.Parent(c), pulumi.Provider(p), pulumi.DependsOn(a.DependsOn))
		if err != nil {
			return nil, fmt.Errorf("management baseline %s: %w", region, err)
		}
		c.Stacks = append(c.Stacks, st)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"stackSetId": ss.StackSetId})
}
