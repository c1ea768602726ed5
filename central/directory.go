package central

import (
	"encoding/json"
	"fmt"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// OrganizationsRegion is where AWS Organizations delivers its events:
// "AWS global services, such as AWS Identity and Access Management (IAM),
// AWS Organizations, and AWS Account Management deliver events only to
// us-east-1 Region" (AWS re:Post Knowledge Center, use EventBridge rules
// across Regions).
const OrganizationsRegion = "us-east-1"

// DirectoryEvents are the Organizations calls after which the directory is
// rebuilt: accounts joining (CreateAccount completes with the
// CreateAccountResult service event), moving, leaving, being renamed or
// retagged, and OUs being created or renamed.
var DirectoryEvents = []string{
	"CreateAccountResult", "InviteAccountToOrganization", "AcceptHandshake", "MoveAccount",
	"RemoveAccountFromOrganization", "CloseAccount", "TagResource", "UntagResource",
	"CreateOrganizationalUnit", "UpdateOrganizationalUnit", "PutAccountName",
}

// DirectoryEventPattern matches those calls on a default bus.
func DirectoryEventPattern() string {
	b, _ := json.Marshal(map[string]any{
		"source":      []string{"aws.organizations", "aws.account"},
		"detail-type": []string{"AWS API Call via CloudTrail", "AWS Service Event via CloudTrail"},
		"detail":      map[string]any{"eventName": DirectoryEvents},
	})
	return string(b)
}

// NewDirectoryRole creates the directory function's role (trust only). It
// exists before the archive because the bucket and key policies name it.
// Pass the management account's home-region provider.
func NewDirectoryRole(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*iam.Role, error) {
	r, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name: pulumi.String(policies.DirectoryRole), Description: pulumi.String("orgsiem account directory Lambda"),
		AssumeRolePolicy: pulumi.String(policies.ServiceTrust("lambda.amazonaws.com").JSON()),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("role %s: %w", policies.DirectoryRole, err)
	}
	return r, nil
}

// DirectoryArgs configures the account directory (management account).
type DirectoryArgs struct {
	Org           policies.Org
	Role          *iam.Role
	ArchiveKeyARN pulumi.StringInput
	Code          Code
	// Schedule is the EventBridge schedule of full rebuilds.
	Schedule         string
	LogRetentionDays int
	// Archive must be ready (bucket and key policies) before the first run.
	Archive []pulumi.Resource
	// Events is the management account's us-east-1 provider, where
	// Organizations events arrive; nil when the home region is us-east-1.
	Events pulumi.ProviderResource
}

// Directory is the account directory component.
type Directory struct {
	pulumi.ResourceState
	Function *lambda.Function
}

// NewDirectory creates the directory function (outside any VPC: it calls
// Organizations, which has no VPC endpoint), its schedule and the rules
// that run it on Organizations events. Pass the management account's
// home-region provider.
func NewDirectory(ctx *pulumi.Context, name string, a *DirectoryArgs, opts ...pulumi.ResourceOption) (*Directory, error) {
	c := &Directory{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Directory", name, c, opts...); err != nil {
		return nil, err
	}
	o, child := a.Org, pulumi.Parent(c)
	pol, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Name: pulumi.String("directory"), Role: a.Role.Name,
		Policy: a.ArchiveKeyARN.ToStringOutput().ApplyT(func(k string) string {
			return policies.DirectoryRolePolicy(o, k).JSON()
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("directory role policy: %w", err)
	}
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name: pulumi.String(policies.LambdaLogGroup(policies.DirectoryFunction)), RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("directory log group: %w", err)
	}
	fn, err := lambda.NewFunction(ctx, name+"-function", &lambda.FunctionArgs{
		Name: pulumi.String(policies.DirectoryFunction), Role: a.Role.Arn,
		Description: pulumi.String("Writes the orgsiem account directory (accounts, OU paths, tags) to the archive"),
		Runtime:     pulumi.String("provided.al2023"), Handler: pulumi.String("bootstrap"),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Code:          pulumi.NewFileArchive(a.Code.Path), SourceCodeHash: pulumi.String(a.Code.SHA256),
		Timeout: pulumi.Int(300), MemorySize: pulumi.Int(256),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			lambdaenv.ArchiveBucket:       pulumi.String(o.ArchiveBucket()),
			lambdaenv.ArchiveBucketRegion: pulumi.String(o.HomeRegion),
			lambdaenv.ArchiveAccountID:    pulumi.String(o.LogArchive),
			lambdaenv.ArchiveKMSKeyARN:    a.ArchiveKeyARN,
		}},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
	}, child, pulumi.DependsOn(append([]pulumi.Resource{pol, logs}, a.Archive...)))
	if err != nil {
		return nil, fmt.Errorf("directory function: %w", err)
	}
	c.Function = fn
	invokedBy := func(id string, rule *cloudwatch.EventRule) error {
		if _, err := lambda.NewPermission(ctx, name+"-"+id+"-invoke", &lambda.PermissionArgs{
			Action: pulumi.String("lambda:InvokeFunction"), Function: fn.Name,
			Principal: pulumi.String("events.amazonaws.com"), SourceArn: rule.Arn,
		}, child); err != nil {
			return fmt.Errorf("directory %s permission: %w", id, err)
		}
		if _, err := cloudwatch.NewEventTarget(ctx, name+"-"+id+"-target", &cloudwatch.EventTargetArgs{
			Rule: rule.Name, Arn: fn.Arn,
		}, child); err != nil {
			return fmt.Errorf("directory %s target: %w", id, err)
		}
		return nil
	}
	schedule, err := cloudwatch.NewEventRule(ctx, name+"-schedule", &cloudwatch.EventRuleArgs{
		Name: pulumi.String("orgsiem-directory-schedule"), ScheduleExpression: pulumi.String(a.Schedule),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("directory schedule: %w", err)
	}
	if err := invokedBy("schedule", schedule); err != nil {
		return nil, err
	}
	// Organizations events arrive on us-east-1's default bus. In the home
	// region a rule on the default bus runs the function; elsewhere the
	// us-east-1 rule forwards the events to the home region's default bus
	// (cross-Region event bus target, EventBridge User Guide).
	changes, err := cloudwatch.NewEventRule(ctx, name+"-changes", &cloudwatch.EventRuleArgs{
		Name: pulumi.String("orgsiem-directory-changes"), Description: pulumi.String("Organizations changes rebuild the account directory"),
		EventPattern: pulumi.String(DirectoryEventPattern()),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("directory change rule: %w", err)
	}
	if err := invokedBy("changes", changes); err != nil {
		return nil, err
	}
	if a.Events != nil {
		in := pulumi.Provider(a.Events)
		role, err := iam.NewRole(ctx, name+"-events-role", &iam.RoleArgs{
			Name:             pulumi.String(policies.DirectoryEventsRole),
			AssumeRolePolicy: pulumi.String(policies.ServiceTrustFromAccount("events.amazonaws.com", o.Management).JSON()),
			InlinePolicies: iam.RoleInlinePolicyArray{&iam.RoleInlinePolicyArgs{
				Name: pulumi.String("forward"), Policy: pulumi.String(policies.DirectoryEventsRolePolicy(o).JSON()),
			}},
		}, child, in)
		if err != nil {
			return nil, fmt.Errorf("directory events role: %w", err)
		}
		fwd, err := cloudwatch.NewEventRule(ctx, name+"-forward", &cloudwatch.EventRuleArgs{
			Name: pulumi.String("orgsiem-directory-forward"), Description: pulumi.String("Organizations changes to the orgsiem home region"),
			EventPattern: pulumi.String(DirectoryEventPattern()),
		}, child, in)
		if err != nil {
			return nil, fmt.Errorf("directory forward rule: %w", err)
		}
		if _, err := cloudwatch.NewEventTarget(ctx, name+"-forward-target", &cloudwatch.EventTargetArgs{
			Rule: fwd.Name, Arn: pulumi.String(o.ManagementBusARN(o.HomeRegion)), RoleArn: role.Arn,
		}, child, in); err != nil {
			return nil, fmt.Errorf("directory forward target: %w", err)
		}
	}
	// The first directory is written at deployment, before any event.
	if _, err := lambda.NewInvocation(ctx, name+"-initial", &lambda.InvocationArgs{
		FunctionName: fn.Name, Input: pulumi.String(`{}`),
		Triggers: pulumi.StringMap{"code": pulumi.String(a.Code.SHA256)},
	}, child, pulumi.DependsOn([]pulumi.Resource{fn})); err != nil {
		return nil, fmt.Errorf("directory initial run: %w", err)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"functionArn": fn.Arn})
}
