package policies

import (
	"encoding/json"
	"strings"
	"testing"
)

// Who reaches the domain's REST API in each sign-in mode. The SAML mode's
// open statement is what AWS prescribes for Dashboards on a VPC domain
// (unsigned browser requests; developer guide dashboards.html, saml.html);
// the Cognito mode admits exactly the three group roles (cognito-auth,
// "Allowing the authenticated role").
func TestDashboardsAccessPerSignInMode(t *testing.T) {
	get := func(caller string) Request {
		if caller == "" {
			return Request{Caller: Caller{}, Action: "es:ESHttpGet", Resource: org.DomainARN() + "/_dashboards/app/home"}
		}
		return RoleRequest(caller, org.ID, "es:ESHttpGet", org.DomainARN()+"/_dashboards/app/home")
	}
	analyst, nogroup := org.DashboardsRoleARN("analyst"), org.SecurityRoleARN(DashboardsNoGroupRole)
	for _, c := range []struct {
		mode, caller, who string
		want              Decision
	}{
		{SignInCognito, analyst, "the analyst group role", Allowed},
		{SignInCognito, org.DashboardsRoleARN("auditor"), "the auditor group role", Allowed},
		{SignInCognito, nogroup, "a signed-in user in no group", NoMatch},
		{SignInCognito, "", "an unsigned request", NoMatch},
		{SignInCognito, "arn:aws:iam::999999999999:role/orgsiem-dashboards-admin", "another account's role of the same name", NoMatch},
		{SignInSAML, "", "an unsigned request (a SAML session, FGAC decides)", Allowed},
		{SignInNone, analyst, "the analyst group role", NoMatch},
		{SignInNone, "", "an unsigned request", NoMatch},
		{SignInNone, org.SecurityRoleARN(MaintainRole), "the maintain Lambda", Allowed},
	} {
		if got := OpenSearchAccessPolicyFor(org, c.mode).Evaluate(get(c.caller)); got != c.want {
			t.Errorf("%s: %s gets %v, want %v", c.mode, c.who, got, c.want)
		}
	}
}

// The Cognito group roles' trust is the documented web-identity trust,
// pinned to our identity pool and to signed-in identities only.
func TestCognitoGroupRoleTrustIsPinnedToThePool(t *testing.T) {
	raw := CognitoGroupRoleTrust("eu-west-1:0c6cdba7-3c3c-4400-0000-000000000000").JSON()
	var d struct {
		Statement []struct {
			Principal map[string][]string
			Action    []string
			Condition map[string]map[string][]string
		}
	}
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatal(err)
	}
	s := d.Statement[0]
	if strings.Join(s.Principal["Federated"], "") != "cognito-identity.amazonaws.com" || strings.Join(s.Action, "") != "sts:AssumeRoleWithWebIdentity" {
		t.Errorf("trust %s", raw)
	}
	if s.Condition["StringEquals"]["cognito-identity.amazonaws.com:aud"][0] != "eu-west-1:0c6cdba7-3c3c-4400-0000-000000000000" ||
		s.Condition["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"][0] != "authenticated" {
		t.Errorf("trust not pinned to the pool's authenticated identities: %s", raw)
	}
	var back Document
	if err := json.Unmarshal([]byte(raw), &back); err != nil || back.Statement[0].Principal.Federated[0] != "cognito-identity.amazonaws.com" {
		t.Errorf("Federated principal does not round-trip: %+v %v", back, err)
	}
}

// The access host is an EC2 instance role and nothing else may assume it.
func TestAccessHostTrustIsEC2Only(t *testing.T) {
	d := AccessHostTrust()
	if got := d.Evaluate(ServiceRequest("ec2.amazonaws.com", "", "", "sts:AssumeRole", org.SecurityRoleARN(AccessHostRole))); got != Allowed {
		t.Errorf("EC2 cannot assume the host role: %v", got)
	}
	if got := d.Evaluate(RoleRequest(org.SecurityRoleARN(MaintainRole), org.ID, "sts:AssumeRole", org.SecurityRoleARN(AccessHostRole))); got != NoMatch {
		t.Errorf("a role can assume the host role: %v", got)
	}
}
