package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// IdentitiesArgs configures the security account's roles.
type IdentitiesArgs struct {
	Org policies.Org
}

// Identities are the security account's roles, created first (trust policy
// only) because the archive's bucket and key policies name them and AWS
// refuses a policy whose principal does not exist yet. Their permission
// policies are attached by NewSIEM.
type Identities struct {
	pulumi.ResourceState
	Loader, Report, Maintain, Snapshot *iam.Role
	// Alert is assumed by OpenSearch to publish monitor notifications to
	// the alert topic.
	Alert *iam.Role
}

// NewIdentities creates the loader, report, maintain, snapshot and alert
// roles.
// Pass the security account's provider.
func NewIdentities(ctx *pulumi.Context, name string, a *IdentitiesArgs, opts ...pulumi.ResourceOption) (*Identities, error) {
	c := &Identities{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Identities", name, c, opts...); err != nil {
		return nil, err
	}
	o := a.Org
	mk := func(roleName, description string, trust policies.Document) (*iam.Role, error) {
		r, err := iam.NewRole(ctx, name+"-"+roleName, &iam.RoleArgs{
			Name: pulumi.String(roleName), Description: pulumi.String(description),
			AssumeRolePolicy: pulumi.String(trust.JSON()),
		}, pulumi.Parent(c))
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", roleName, err)
		}
		return r, nil
	}
	lambdaTrust := policies.ServiceTrust("lambda.amazonaws.com")
	var err error
	if c.Loader, err = mk(policies.LoaderRole, "orgsiem loader Lambda", lambdaTrust); err != nil {
		return nil, err
	}
	if c.Report, err = mk(policies.ReportRole, "orgsiem report Lambda", lambdaTrust); err != nil {
		return nil, err
	}
	if c.Maintain, err = mk(policies.MaintainRole, "orgsiem maintain Lambda; OpenSearch master role", lambdaTrust); err != nil {
		return nil, err
	}
	if c.Snapshot, err = mk(policies.SnapshotRole, "assumed by OpenSearch to write manual snapshots",
		policies.ServiceTrustFromAccount("es.amazonaws.com", o.Security)); err != nil {
		return nil, err
	}
	if c.Alert, err = mk(policies.AlertRole, "assumed by OpenSearch to publish monitor notifications to the alert topic",
		policies.AlertRoleTrust(o)); err != nil {
		return nil, err
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"loaderRoleArn": c.Loader.Arn, "reportRoleArn": c.Report.Arn,
		"maintainRoleArn": c.Maintain.Arn, "snapshotRoleArn": c.Snapshot.Arn, "alertRoleArn": c.Alert.Arn,
	})
}
