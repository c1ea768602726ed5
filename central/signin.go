package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/opensearch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SignIn says how people sign in to OpenSearch Dashboards.
type SignIn struct {
	// Mode is policies.SignInCognito, SignInSAML or SignInNone.
	Mode string
	// SAML: the IdP's entity id and metadata XML (public), the assertion
	// attribute carrying groups (RolesKey) and, optionally, the one
	// naming the user (SubjectKey; empty: NameID).
	SAMLEntityID, SAMLMetadata, SAMLRolesKey, SAMLSubjectKey string
	SAMLSessionMinutes                                       int
	// Groups are the backend roles of each purpose (policies.PeoplePurposes)
	// in SAML mode: the IdP's group names as the roles attribute carries them.
	Groups map[string][]string
	// CognitoDomainPrefix is the user pool's hosted sign-in domain prefix
	// (https://<prefix>.auth.<region>.amazoncognito.com).
	CognitoDomainPrefix string
}

// cognitoGroup is the Cognito group of a purpose.
func cognitoGroup(purpose string) string { return "orgsiem-" + purpose }

// signIn holds what the domain and configure need from the sign-in.
type signIn struct {
	cognito *opensearch.DomainCognitoOptionsArgs
	// backend are the FGAC backend roles per purpose (configure maps them).
	backend map[string][]string
	// after runs once the domain exists (SAML options, Cognito role mapping).
	after func(d *opensearch.Domain) error
}

// cognitoOptions is the domain's Cognito options, or none (a nil
// interface, not a typed nil pointer).
func (s *signIn) cognitoOptions() opensearch.DomainCognitoOptionsPtrInput {
	if s.cognito == nil {
		return nil
	}
	return s.cognito
}

// signIn creates the Cognito user pool, identity pool and roles (cognito),
// or prepares the SAML options (saml), before the domain.
func (b *siemBuilder) signIn() (*signIn, error) {
	s := b.a.SignIn
	out := &signIn{backend: map[string][]string{}, after: func(*opensearch.Domain) error { return nil }}
	switch s.Mode {
	case policies.SignInSAML:
		for _, p := range policies.PeoplePurposes {
			out.backend[p] = s.Groups[p]
		}
		out.after = b.saml
	case policies.SignInCognito:
		if err := b.cognito(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// saml turns on SAML for Dashboards (a separate API call on an existing
// domain: pulumi-aws opensearch.DomainSamlOptions). No master backend role
// or master user name: the master user stays the maintain role, so no IdP
// group can change the security configuration.
func (b *siemBuilder) saml(d *opensearch.Domain) error {
	s := b.a.SignIn
	opts := &opensearch.DomainSamlOptionsSamlOptionsArgs{
		Enabled: pulumi.Bool(true),
		Idp: &opensearch.DomainSamlOptionsSamlOptionsIdpArgs{
			EntityId: pulumi.String(s.SAMLEntityID), MetadataContent: pulumi.String(s.SAMLMetadata),
		},
		RolesKey:              pulumi.String(s.SAMLRolesKey),
		SessionTimeoutMinutes: pulumi.Int(s.SAMLSessionMinutes),
	}
	if s.SAMLSubjectKey != "" {
		opts.SubjectKey = pulumi.String(s.SAMLSubjectKey)
	}
	if _, err := opensearch.NewDomainSamlOptions(b.ctx, b.n("opensearch-saml"), &opensearch.DomainSamlOptionsArgs{
		DomainName: d.DomainName, SamlOptions: opts,
	}, b.child); err != nil {
		return fmt.Errorf("opensearch saml options: %w", err)
	}
	return nil
}

// cognito creates a user pool for people without an IdP: administrators
// create users (no self sign-up; Cognito e-mails each a temporary
// password, nothing secret passes through config or state), MFA with an
// authenticator app is required; one group per purpose whose IAM role is
// the FGAC backend role; an identity pool that gives a group's members
// that role (token-based, ambiguous → deny).
func (b *siemBuilder) cognito(out *signIn) error {
	ctx, o, s := b.ctx, b.a.Org, b.a.SignIn
	pool, err := cognito.NewUserPool(ctx, b.n("dashboards-users"), &cognito.UserPoolArgs{
		Name:                          pulumi.String("orgsiem-dashboards"),
		AdminCreateUserConfig:         &cognito.UserPoolAdminCreateUserConfigArgs{AllowAdminCreateUserOnly: pulumi.Bool(true)},
		MfaConfiguration:              pulumi.String("ON"),
		SoftwareTokenMfaConfiguration: &cognito.UserPoolSoftwareTokenMfaConfigurationArgs{Enabled: pulumi.Bool(true)},
		UsernameAttributes:            pulumi.StringArray{pulumi.String("email")},
		AutoVerifiedAttributes:        pulumi.StringArray{pulumi.String("email")},
		PasswordPolicy: &cognito.UserPoolPasswordPolicyArgs{
			MinimumLength: pulumi.Int(14), RequireLowercase: pulumi.Bool(true), RequireUppercase: pulumi.Bool(true),
			RequireNumbers: pulumi.Bool(true), RequireSymbols: pulumi.Bool(true), TemporaryPasswordValidityDays: pulumi.Int(3),
		},
		AccountRecoverySetting: &cognito.UserPoolAccountRecoverySettingArgs{
			RecoveryMechanisms: cognito.UserPoolAccountRecoverySettingRecoveryMechanismArray{
				&cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs{Name: pulumi.String("verified_email"), Priority: pulumi.Int(1)},
			},
		},
		DeletionProtection: pulumi.String("ACTIVE"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("cognito user pool: %w", err)
	}
	b.c.UserPool = pool
	// OpenSearch needs the user pool to have a domain (its hosted sign-in).
	dom, err := cognito.NewUserPoolDomain(ctx, b.n("dashboards-users-domain"), &cognito.UserPoolDomainArgs{
		Domain: pulumi.String(s.CognitoDomainPrefix), UserPoolId: pool.ID(),
	}, b.child)
	if err != nil {
		return fmt.Errorf("cognito user pool domain: %w", err)
	}
	// OpenSearch adds its own app client to the identity pool's providers
	// when Cognito is enabled on the domain; Pulumi must leave them be.
	ipool, err := cognito.NewIdentityPool(ctx, b.n("dashboards-identities"), &cognito.IdentityPoolArgs{
		IdentityPoolName: pulumi.String("orgsiem_dashboards"), AllowUnauthenticatedIdentities: pulumi.Bool(false),
		AllowClassicFlow: pulumi.Bool(false),
	}, b.child, pulumi.IgnoreChanges([]string{"cognitoIdentityProviders"}))
	if err != nil {
		return fmt.Errorf("cognito identity pool: %w", err)
	}
	role := func(id, name string, trust pulumi.StringInput) (*iam.Role, error) {
		r, err := iam.NewRole(ctx, b.n(id), &iam.RoleArgs{Name: pulumi.String(name), AssumeRolePolicy: trust}, b.child)
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", name, err)
		}
		return r, nil
	}
	trust := ipool.ID().ToStringOutput().ApplyT(func(id string) string { return policies.CognitoGroupRoleTrust(id).JSON() }).(pulumi.StringOutput)
	var deps []pulumi.Resource
	for i, p := range policies.PeoplePurposes {
		r, err := role("dashboards-role-"+p, policies.DashboardsRolePrefix+p, trust)
		if err != nil {
			return err
		}
		// No IAM permissions: the domain's access policy names the role;
		// FGAC decides what it may do.
		g, err := cognito.NewUserGroup(ctx, b.n("dashboards-group-"+p), &cognito.UserGroupArgs{
			Name: pulumi.String(cognitoGroup(p)), UserPoolId: pool.ID(), RoleArn: r.Arn, Precedence: pulumi.Int(i),
			Description: pulumi.String("orgsiem " + p + ": members get the " + p + " role in OpenSearch"),
		}, b.child)
		if err != nil {
			return fmt.Errorf("cognito group %s: %w", p, err)
		}
		deps = append(deps, g)
		out.backend[p] = []string{o.DashboardsRoleARN(p)}
	}
	nogroup, err := role("dashboards-role-nogroup", policies.DashboardsNoGroupRole, trust)
	if err != nil {
		return err
	}
	access, err := role("cognito-access-role", policies.CognitoAccessRole, pulumi.String(policies.CognitoAccessTrust().JSON()))
	if err != nil {
		return err
	}
	att, err := iam.NewRolePolicyAttachment(ctx, b.n("cognito-access-policy"), &iam.RolePolicyAttachmentArgs{
		Role: access.Name, PolicyArn: pulumi.String(policies.CognitoAccessManagedPolicy),
	}, b.child)
	if err != nil {
		return fmt.Errorf("cognito access policy: %w", err)
	}
	deps = append(deps, dom, att)
	b.signInDeps = deps
	out.cognito = &opensearch.DomainCognitoOptionsArgs{
		Enabled: pulumi.Bool(true), UserPoolId: pool.ID(), IdentityPoolId: ipool.ID(), RoleArn: access.Arn,
	}
	region := b.a.Org.HomeRegion
	out.after = func(d *opensearch.Domain) error {
		// The app clients of the pool are the ones OpenSearch created for
		// the domain (the program creates none); each gets token-based role
		// mapping: a member of a group gets the group's role
		// (cognito:preferred_role), anyone else is denied.
		poolAfterDomain := pulumi.All(d.Arn, pool.ID()).ApplyT(func(v []any) string { return string(v[1].(pulumi.ID)) }).(pulumi.StringOutput)
		clients := cognito.GetUserPoolClientsOutput(ctx, cognito.GetUserPoolClientsOutputArgs{UserPoolId: poolAfterDomain}, pulumi.Parent(b.c))
		mappings := pulumi.All(pool.ID(), clients.ClientIds()).ApplyT(func(v []any) []cognito.IdentityPoolRoleAttachmentRoleMapping {
			var ms []cognito.IdentityPoolRoleAttachmentRoleMapping
			for _, c := range v[1].([]string) {
				deny := "Deny"
				ms = append(ms, cognito.IdentityPoolRoleAttachmentRoleMapping{
					IdentityProvider:        "cognito-idp." + region + ".amazonaws.com/" + string(v[0].(pulumi.ID)) + ":" + c,
					Type:                    "Token",
					AmbiguousRoleResolution: &deny,
				})
			}
			return ms
		}).(cognito.IdentityPoolRoleAttachmentRoleMappingArrayOutput)
		if _, err := cognito.NewIdentityPoolRoleAttachment(ctx, b.n("dashboards-identity-roles"), &cognito.IdentityPoolRoleAttachmentArgs{
			IdentityPoolId: ipool.ID(), Roles: pulumi.StringMap{"authenticated": nogroup.Arn}, RoleMappings: mappings,
		}, b.child, pulumi.DependsOn([]pulumi.Resource{d})); err != nil {
			return fmt.Errorf("cognito identity pool roles: %w", err)
		}
		return nil
	}
	return nil
}
