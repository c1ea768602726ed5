package policies

// People's way in: the domain access policy for each sign-in mode, the
// roles Cognito users assume, the role OpenSearch uses to configure
// Cognito, and the SSM-managed access host.

// Sign-in modes for OpenSearch Dashboards (stack key signIn).
const (
	SignInCognito = "cognito"
	SignInSAML    = "saml"
	SignInNone    = "none"
)

// People's purposes: the three FGAC roles people map to.
var PeoplePurposes = []string{"admin", "analyst", "auditor"}

// Role names of the people's side.
const (
	// DashboardsRolePrefix + purpose is the IAM role a Cognito group's
	// members assume (the backend role FGAC maps to that purpose's role).
	DashboardsRolePrefix = "orgsiem-dashboards-"
	// DashboardsNoGroupRole is the identity pool's default authenticated
	// role: a signed-in user in no group gets it, and it is in no access
	// policy and no role mapping, so such a user reaches nothing.
	DashboardsNoGroupRole = "orgsiem-dashboards-nogroup"
	// CognitoAccessRole lets OpenSearch Service configure the user pool
	// and identity pool (the name the console uses).
	CognitoAccessRole = "CognitoAccessForAmazonOpenSearch"
	// CognitoAccessManagedPolicy is the AWS managed policy that role needs
	// ("IAM role that has the AmazonOpenSearchServiceCognitoAccess policy
	// attached", OpenSearch Service developer guide, cognito-auth).
	CognitoAccessManagedPolicy = "arn:aws:iam::aws:policy/AmazonOpenSearchServiceCognitoAccess"
	// AccessHostRole is the instance role of the SSM-managed access host.
	AccessHostRole = "orgsiem-access-host"
	// SSMManagedInstanceCore is the only policy the access host has: what
	// the SSM Agent needs to register and carry Session Manager sessions.
	SSMManagedInstanceCore = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
)

// DashboardsRoleARN is the IAM role Cognito users of a purpose assume.
func (o Org) DashboardsRoleARN(purpose string) string {
	return o.SecurityRoleARN(DashboardsRolePrefix + purpose)
}

// domainHTTP is every HTTP method of the domain's REST API.
var domainHTTP = []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpPatch", "es:ESHttpDelete"}

// OpenSearchAccessPolicyFor is OpenSearchAccessPolicy plus the statement
// that lets people in through Dashboards in the given sign-in mode:
//   - cognito: the IAM roles of the three Cognito groups (Dashboards signs
//     each request with the user's role credentials; "allow the
//     authenticated role" in the access policy, OpenSearch Service
//     developer guide, cognito-auth#cognito-auth-config-ac);
//   - saml: any principal. SAML sessions reach the domain as unsigned
//     requests, which only an open policy admits; on a VPC domain the
//     security group is the network boundary and fine-grained access
//     control the authority ("For VPC access domains, use an open access
//     policy ... and security groups to control access", developer guide,
//     dashboards.html; saml.html). FGAC refuses any request that is not a
//     mapped SAML session or a mapped IAM role.
//   - none: nothing added.
func OpenSearchAccessPolicyFor(o Org, signIn string) Document {
	d := OpenSearchAccessPolicy(o)
	switch signIn {
	case SignInCognito:
		var roles []string
		for _, p := range PeoplePurposes {
			roles = append(roles, o.DashboardsRoleARN(p))
		}
		d.Statement = append(d.Statement, Statement{
			Sid: "PeopleThroughCognito", Effect: Allow, Principal: AWSPrincipal(roles...), Action: domainHTTP, Resource: o.domainPaths(),
		})
	case SignInSAML:
		d.Statement = append(d.Statement, Statement{
			Sid: "PeopleThroughSAMLUnderFGAC", Effect: Allow, Principal: AnyPrincipal(), Action: domainHTTP, Resource: o.domainPaths(),
		})
	}
	return d
}

// CognitoGroupRoleTrust lets identities of the identity pool, signed in
// (amr "authenticated"), assume a Dashboards role — the trust policy of
// the OpenSearch Service tutorial "IAM master user and Amazon Cognito"
// (fgac-walkthrough-iam): Federated cognito-identity.amazonaws.com,
// sts:AssumeRoleWithWebIdentity, aud = the identity pool id.
func CognitoGroupRoleTrust(identityPoolID string) Document {
	return Document{Version: Version, Statement: []Statement{{
		Effect: Allow, Principal: &Principal{Federated: []string{"cognito-identity.amazonaws.com"}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: When("StringEquals", "cognito-identity.amazonaws.com:aud", identityPoolID).And("ForAnyValue:StringLike", "cognito-identity.amazonaws.com:amr", "authenticated"),
	}}}
}

// CognitoAccessTrust lets OpenSearch Service assume the role it configures
// Cognito with.
func CognitoAccessTrust() Document { return ServiceTrust("opensearchservice.amazonaws.com") }

// AccessHostTrust lets EC2 give the access host its instance role.
func AccessHostTrust() Document { return ServiceTrust("ec2.amazonaws.com") }
