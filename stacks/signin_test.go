package stacks

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// sampleMetadata is a minimal SAML 2.0 IdP metadata document (structure per
// the SAML 2.0 metadata schema: EntityDescriptor/IDPSSODescriptor); IdP
// metadata is public.
const sampleMetadata = `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/ABC"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/ABC"/></md:IDPSSODescriptor></md:EntityDescriptor>`

func withKeys(t *testing.T, kv ...string) map[string]string {
	cfg := sampleConfig(t)
	for i := 0; i+1 < len(kv); i += 2 {
		cfg[kv[i]] = kv[i+1]
	}
	return cfg
}

func only(t *testing.T, rs []recorded, token string) recorded {
	t.Helper()
	got := ofType(rs, token)
	if len(got) != 1 {
		t.Fatalf("%d %s, want 1", len(got), token)
	}
	return got[0]
}

type accessPolicy struct {
	Statement []struct {
		Sid       string
		Principal json.RawMessage
		Action    []string
	}
}

func domainAccess(t *testing.T, rs []recorded) accessPolicy {
	t.Helper()
	var p accessPolicy
	if err := json.Unmarshal([]byte(asString(only(t, rs, "aws:opensearch/domain:Domain").Inputs["accessPolicies"])), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func backendRoles(t *testing.T, rs []recorded) map[string]any {
	t.Helper()
	for _, f := range ofType(rs, "aws:lambda/function:Function") {
		if s := asString(get(f.Inputs, "environment.variables.ORGSIEM_BACKEND_ROLES")); s != "" {
			var m map[string]any
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatal("no function has ORGSIEM_BACKEND_ROLES")
	return nil
}

// The default sign-in is Cognito: a user pool only administrators add
// users to (Cognito e-mails each a temporary password), MFA required, a
// hosted sign-in domain (OpenSearch needs one), three groups whose IAM
// roles are the FGAC backend roles, an identity pool without guests that
// resolves a group member's role from the token and denies anyone else,
// the CognitoAccessForAmazonOpenSearch role, and the domain's Cognito
// options (OpenSearch developer guide, cognito-auth).
func TestCognitoSignInIsTheDefault(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	pool := only(t, rs, "aws:cognito/userPool:UserPool")
	if get(pool.Inputs, "adminCreateUserConfig.allowAdminCreateUserOnly") != true || pool.Inputs["mfaConfiguration"] != "ON" ||
		get(pool.Inputs, "softwareTokenMfaConfiguration.enabled") != true {
		t.Errorf("user pool allows self sign-up or no MFA: %v", pool.Inputs)
	}
	if d := only(t, rs, "aws:cognito/userPoolDomain:UserPoolDomain"); d.Inputs["domain"] != "orgsiem-"+sampleSecurity {
		t.Errorf("user pool domain %v", d.Inputs["domain"])
	}
	groups := map[string]string{}
	for _, g := range ofType(rs, "aws:cognito/userGroup:UserGroup") {
		groups[asString(g.Inputs["name"])] = asString(g.Inputs["roleArn"])
	}
	for _, p := range []string{"admin", "analyst", "auditor"} {
		if want := "arn:aws:iam::" + sampleSecurity + ":role/orgsiem-dashboards-" + p; groups["orgsiem-"+p] != want {
			t.Errorf("group orgsiem-%s assumes %q, want %s", p, groups["orgsiem-"+p], want)
		}
	}
	ip := only(t, rs, "aws:cognito/identityPool:IdentityPool")
	if ip.Inputs["allowUnauthenticatedIdentities"] != false {
		t.Errorf("identity pool admits guests: %v", ip.Inputs)
	}
	att := only(t, rs, "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment")
	m, _ := att.Inputs["roleMappings"].([]any)
	if len(m) != 1 || get(m[0], "type") != "Token" || get(m[0], "ambiguousRoleResolution") != "Deny" ||
		!strings.HasSuffix(asString(get(m[0], "identityProvider")), ":4opensearchclient0000000000") {
		t.Errorf("role mapping %v: want Token, Deny, on OpenSearch's app client", m)
	}
	if !strings.HasSuffix(asString(get(att.Inputs, "roles.authenticated")), ":role/orgsiem-dashboards-nogroup") {
		t.Errorf("default authenticated role %v", get(att.Inputs, "roles.authenticated"))
	}
	dom := only(t, rs, "aws:opensearch/domain:Domain")
	if get(dom.Inputs, "cognitoOptions.enabled") != true || get(dom.Inputs, "cognitoOptions.roleArn") != "arn:aws:iam::"+sampleSecurity+":role/CognitoAccessForAmazonOpenSearch" ||
		get(dom.Inputs, "cognitoOptions.userPoolId") == nil || get(dom.Inputs, "cognitoOptions.identityPoolId") == nil {
		t.Errorf("domain cognito options %v", dom.Inputs["cognitoOptions"])
	}
	if get(dom.Inputs, "advancedSecurityOptions.masterUserOptions.masterUserArn") != "arn:aws:iam::"+sampleSecurity+":role/orgsiem-maintain" {
		t.Errorf("master user changed: %v", dom.Inputs["advancedSecurityOptions"])
	}
	if len(ofType(rs, "aws:opensearch/domainSamlOptions:DomainSamlOptions")) != 0 {
		t.Error("SAML options with Cognito sign-in")
	}
	found := false
	for _, s := range domainAccess(t, rs).Statement {
		if s.Sid == "PeopleThroughCognito" {
			found = strings.Count(string(s.Principal), "orgsiem-dashboards-") == 3 && !strings.Contains(string(s.Principal), "nogroup")
		}
	}
	if !found {
		t.Error("access policy does not admit exactly the three group roles")
	}
	br := backendRoles(t, rs)
	if a, _ := br["analyst"].([]any); len(a) != 1 || a[0] != "arn:aws:iam::"+sampleSecurity+":role/orgsiem-dashboards-analyst" {
		t.Errorf("maintain maps analyst from %v", br["analyst"])
	}
	access := false
	for _, a := range ofType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.Inputs["role"] == "CognitoAccessForAmazonOpenSearch" {
			access = a.Inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonOpenSearchServiceCognitoAccess"
		}
	}
	if !access {
		t.Error("CognitoAccessForAmazonOpenSearch lacks AmazonOpenSearchServiceCognitoAccess")
	}
}

// SAML: the IdP's entity id and metadata from config, the groups
// attribute, no master backend role or master user name (the master user
// stays the maintain role), no Cognito; configure maps the IdP groups.
func TestSAMLSignIn(t *testing.T) {
	rs := mustDeploy(t, withKeys(t, "signIn", "saml", "samlEntityId", "https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/ABC",
		"samlMetadata", sampleMetadata, "samlRolesKey", "groups", "adminGroups", `["siem-admins"]`, "auditorGroups", `["auditors","qsa"]`))
	s := only(t, rs, "aws:opensearch/domainSamlOptions:DomainSamlOptions")
	o, _ := s.Inputs["samlOptions"].(map[string]any)
	if o["enabled"] != true || get(o, "idp.entityId") != "https://portal.sso.eu-west-1.amazonaws.com/saml/assertion/ABC" ||
		get(o, "idp.metadataContent") != sampleMetadata || o["rolesKey"] != "groups" {
		t.Errorf("saml options %v", o)
	}
	if o["masterBackendRole"] != nil || o["masterUserName"] != nil {
		t.Errorf("an IdP identity became master: %v", o)
	}
	if s.Inputs["domainName"] != "orgsiem" {
		t.Errorf("saml options on domain %v", s.Inputs["domainName"])
	}
	for _, tok := range []string{"aws:cognito/userPool:UserPool", "aws:cognito/identityPool:IdentityPool"} {
		if len(ofType(rs, tok)) != 0 {
			t.Errorf("%s with SAML sign-in", tok)
		}
	}
	if get(only(t, rs, "aws:opensearch/domain:Domain").Inputs, "cognitoOptions") != nil {
		t.Error("domain has Cognito options with SAML sign-in")
	}
	br := backendRoles(t, rs)
	if a, _ := br["auditor"].([]any); len(a) != 2 || a[0] != "auditors" || a[1] != "qsa" {
		t.Errorf("maintain maps auditor from %v", br["auditor"])
	}
	if br["analyst"] != nil {
		t.Errorf("analyst mapped from %v though no group was given", br["analyst"])
	}
	open := false
	for _, st := range domainAccess(t, rs).Statement {
		open = open || string(st.Principal) == `"*"`
	}
	if !open {
		t.Error("SAML sessions (unsigned requests) cannot reach the domain")
	}
}

func TestNoSignInAddsNothing(t *testing.T) {
	rs := mustDeploy(t, withKeys(t, "signIn", "none", "accessPath", "none"))
	for _, tok := range []string{"aws:cognito/userPool:UserPool", "aws:opensearch/domainSamlOptions:DomainSamlOptions", "aws:ec2/instance:Instance"} {
		if len(ofType(rs, tok)) != 0 {
			t.Errorf("%s with signIn none", tok)
		}
	}
	if n := len(domainAccess(t, rs).Statement); n != 3 {
		t.Errorf("%d access statements, want the three Lambda roles", n)
	}
	for _, e := range ofType(rs, "aws:ec2/vpcEndpoint:VpcEndpoint") {
		if strings.Contains(asString(e.Inputs["serviceName"]), ".ssm") || strings.HasSuffix(asString(e.Inputs["serviceName"]), "ec2messages") {
			t.Errorf("endpoint %v without the access host", e.Inputs["serviceName"])
		}
	}
}

// The access host (default): a private arm64 host on the latest AL2023
// AMI, no public IP, IMDSv2 only, encrypted root volume, no inbound rule,
// HTTPS out only to the domain and the SSM endpoints, an instance role
// with AmazonSSMManagedInstanceCore only; and the ssm, ssmmessages and
// ec2messages interface endpoints Session Manager needs without internet
// (Systems Manager User Guide, setup-create-vpc).
func TestAccessHostIsPrivateAndSSMOnly(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	h := only(t, rs, "aws:ec2/instance:Instance")
	if h.Inputs["associatePublicIpAddress"] != false || get(h.Inputs, "metadataOptions.httpTokens") != "required" ||
		get(h.Inputs, "rootBlockDevice.encrypted") != true || h.Inputs["instanceType"] != "t4g.nano" || h.Inputs["ami"] != "ami-al2023-arm64-"+sampleHome {
		t.Errorf("access host %v", h.Inputs)
	}
	if h.Account != sampleSecurity || h.Region != sampleHome {
		t.Errorf("access host in %s %s, want the security account's home region", h.Account, h.Region)
	}
	if sg, _ := h.Inputs["vpcSecurityGroupIds"].([]any); len(sg) != 1 || sg[0] != "siem-access-host_id" {
		t.Fatalf("host security groups %v", h.Inputs["vpcSecurityGroupIds"])
	}
	for _, r := range ofType(rs, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.Inputs["securityGroupId"] == "siem-access-host_id" {
			t.Errorf("inbound rule on the access host: %v", r.Inputs)
		}
	}
	var to []string
	for _, r := range ofType(rs, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		if r.Inputs["securityGroupId"] != "siem-access-host_id" {
			continue
		}
		if r.Inputs["fromPort"] != 443.0 || r.Inputs["toPort"] != 443.0 || r.Inputs["cidrIpv4"] != nil {
			t.Errorf("host egress %v", r.Inputs)
		}
		to = append(to, asString(r.Inputs["referencedSecurityGroupId"]))
	}
	slices.Sort(to)
	if strings.Join(to, ",") != "siem-endpoints_id,siem-opensearch_id" {
		t.Errorf("host reaches %v, want the endpoints and OpenSearch only", to)
	}
	var services []string
	for _, e := range ofType(rs, "aws:ec2/vpcEndpoint:VpcEndpoint") {
		svc := asString(e.Inputs["serviceName"])
		services = append(services, svc)
		if strings.HasSuffix(svc, ".ssm") || strings.HasSuffix(svc, "messages") {
			// One network interface, in the host's subnet (cost).
			if sn, _ := e.Inputs["subnetIds"].([]any); len(sn) != 1 || sn[0] != h.Inputs["subnetId"] {
				t.Errorf("%s endpoint in subnets %v, want the host's %v", svc, sn, h.Inputs["subnetId"])
			}
		}
	}
	for _, s := range []string{"ssm", "ssmmessages", "ec2messages"} {
		if !slices.Contains(services, "com.amazonaws."+sampleHome+"."+s) {
			t.Errorf("no %s endpoint (have %v)", s, services)
		}
	}
	var policies []string
	for _, a := range ofType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.Inputs["role"] == "orgsiem-access-host" {
			policies = append(policies, asString(a.Inputs["policyArn"]))
		}
	}
	if strings.Join(policies, ",") != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" {
		t.Errorf("host role policies %v", policies)
	}
	for _, p := range ofType(rs, "aws:iam/rolePolicy:RolePolicy") {
		if p.Inputs["role"] == "orgsiem-access-host" {
			t.Errorf("inline policy on the host role: %v", p.Inputs)
		}
	}
	if trust := asString(ofRoleNamed(rs, "orgsiem-access-host").Inputs["assumeRolePolicy"]); !strings.Contains(trust, `"ec2.amazonaws.com"`) {
		t.Errorf("host role trust %s", trust)
	}
}

func ofRoleNamed(rs []recorded, name string) recorded {
	for _, r := range ofType(rs, "aws:iam/role:Role") {
		if r.Inputs["name"] == name {
			return r
		}
	}
	return recorded{}
}

func TestSignInConfigErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		name string
		kv   []string
		key  string
	}{
		{"unknown mode", []string{"signIn", "ldap"}, "signIn"},
		{"saml without metadata", []string{"signIn", "saml", "samlEntityId", "x", "adminGroups", "a"}, "samlMetadata"},
		{"saml metadata that is not XML", []string{"signIn", "saml", "samlEntityId", "x", "samlMetadata", "https://idp/metadata", "adminGroups", "a"}, "samlMetadata"},
		{"saml without entity id", []string{"signIn", "saml", "samlMetadata", sampleMetadata, "adminGroups", "a"}, "samlEntityId"},
		{"saml mapping nobody", []string{"signIn", "saml", "samlEntityId", "x", "samlMetadata", sampleMetadata}, "adminGroups"},
		{"saml session too long", []string{"signIn", "saml", "samlEntityId", "x", "samlMetadata", sampleMetadata, "adminGroups", "a", "samlSessionMinutes", "2000"}, "samlSessionMinutes"},
		{"groups with cognito", []string{"analystGroups", `["soc"]`}, "analystGroups"},
		{"saml keys with cognito", []string{"samlEntityId", "x"}, "samlEntityId"},
		{"reserved word in the Cognito prefix", []string{"cognitoDomainPrefix", "my-aws-siem"}, "cognitoDomainPrefix"},
		{"client VPN is not built", []string{"accessPath", "clientvpn"}, "accessPath"},
		{"x86 host type", []string{"accessHostType", "t3.nano"}, "accessHostType"},
	} {
		_, err := Parse(lookup(withKeys(t, c.kv...)))
		var ce *ConfigError
		ok := false
		for _, e := range unwrapAll(err) {
			if errors.As(e, &ce) && ce.Key == c.key {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: error %v does not name %s", c.name, err, c.key)
		}
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
