package policies

import "testing"

func TestEvaluatorSemantics(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/app"
	req := RoleRequest(role, "o-aaaaaaaaaa", "s3:GetObject", "arn:aws:s3:::b/k/1")
	doc := func(st Statement) Document { return Document{Version: Version, Statement: []Statement{st}} }
	allow := func(c Condition) Document {
		return doc(Statement{Effect: Allow, Principal: AnyPrincipal(), Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"}, Condition: c})
	}
	for _, tc := range []struct {
		name string
		d    Document
		r    Request
		want Decision
	}{
		{"an allow matching everything allows", allow(nil), req, Allowed},
		{"an action wildcard matches case-insensitively", doc(Statement{Effect: Allow, Action: []string{"S3:Get*"}, Resource: []string{"arn:aws:s3:::b/*"}}), req, Allowed},
		{"another action does not match", doc(Statement{Effect: Allow, Action: []string{"s3:PutObject"}, Resource: []string{"*"}}), req, NoMatch},
		{"a ? wildcard matches one character", doc(Statement{Effect: Allow, Action: []string{"s3:GetObjec?"}, Resource: []string{"arn:aws:s3:::b/k/?"}}), req, Allowed},
		{"a resource outside the pattern does not match", doc(Statement{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::c/*"}}), req, NoMatch},
		{"a deny wins over an allow", Document{Statement: append(allow(nil).Statement, Statement{Effect: Deny, Principal: AnyPrincipal(), Action: []string{"s3:*"}, Resource: []string{"*"}})}, req, Denied},
		{"a role principal matches that role", doc(Statement{Effect: Allow, Principal: AWSPrincipal(role), Action: []string{"s3:GetObject"}, Resource: []string{"*"}}), req, Allowed},
		{"another role principal does not match", doc(Statement{Effect: Allow, Principal: AWSPrincipal("arn:aws:iam::123456789012:role/other"), Action: []string{"s3:GetObject"}, Resource: []string{"*"}}), req, NoMatch},
		{"an account root principal delegates to the account", doc(Statement{Effect: Allow, Principal: AWSPrincipal("arn:aws:iam::123456789012:root"), Action: []string{"s3:GetObject"}, Resource: []string{"*"}}), req, AllowViaAccount},
		{"a service principal does not match a role", doc(Statement{Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"), Action: []string{"s3:GetObject"}, Resource: []string{"*"}}), req, NoMatch},
		{"StringEquals holds on an equal value", allow(When("StringEquals", "aws:PrincipalOrgID", "o-aaaaaaaaaa")), req, Allowed},
		{"StringEquals fails on another value", allow(When("StringEquals", "aws:PrincipalOrgID", "o-bbbbbbbbbb")), req, NoMatch},
		{"StringEquals fails on a missing key", allow(When("StringEquals", "aws:SourceArn", "x")), req, NoMatch},
		{"StringNotEquals holds on another value", allow(When("StringNotEquals", "aws:PrincipalOrgID", "o-bbbbbbbbbb")), req, Allowed},
		{"StringNotEquals fails on an equal value", allow(When("StringNotEquals", "aws:PrincipalOrgID", "o-aaaaaaaaaa")), req, NoMatch},
		{"StringNotEquals holds on a missing key", allow(When("StringNotEquals", "aws:SourceArn", "x")), req, Allowed},
		{"IfExists holds on a missing key", allow(When("StringEqualsIfExists", "aws:SourceArn", "x")), req, Allowed},
		{"IfExists still compares a present key", allow(When("StringEqualsIfExists", "aws:PrincipalOrgID", "o-bbbbbbbbbb")), req, NoMatch},
		{"StringLike matches a wildcard", allow(When("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/a*")), req, Allowed},
		{"StringLike fails on a mismatch", allow(When("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/b*")), req, NoMatch},
		{"StringNotLike holds on a mismatch", allow(When("StringNotLike", "aws:PrincipalArn", "*:role/b*")), req, Allowed},
		{"ArnLike matches per ARN part", allow(When("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/app")), req, Allowed},
		{"ArnLike does not let a part wildcard cross parts", allow(When("ArnLike", "aws:PrincipalArn", "arn:aws:iam:*:role/app")), req, NoMatch},
		{"ArnEquals fails on another ARN", allow(When("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/x")), req, NoMatch},
		{"ArnNotEquals holds on another ARN", allow(When("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/x")), req, Allowed},
		{"Bool matches true", allow(When("Bool", "aws:SecureTransport", "true")), req, Allowed},
		{"Bool fails on false", allow(When("Bool", "aws:SecureTransport", "false")), req, NoMatch},
		{"Bool fails on a missing key", allow(When("Bool", "aws:SecureTransport", "false")), req.With("aws:SecureTransport"), NoMatch},
		{"BoolIfExists holds on a missing key", allow(When("BoolIfExists", "aws:PrincipalIsAWSService", "false")), req.With("aws:PrincipalIsAWSService"), Allowed},
		{"Null true holds on a missing key", allow(When("Null", "aws:SourceArn", "true")), req, Allowed},
		{"Null true fails on a present key", allow(When("Null", "aws:PrincipalOrgID", "true")), req, NoMatch},
		{"Null false holds on a present key", allow(When("Null", "aws:PrincipalOrgID", "false")), req, Allowed},
		{"ForAnyValue holds when one value matches", allow(When("ForAnyValue:StringEquals", "kms:ResourceAliases", "alias/a")), req.With("kms:ResourceAliases", "alias/b", "alias/a"), Allowed},
		{"ForAnyValue fails when none matches", allow(When("ForAnyValue:StringEquals", "kms:ResourceAliases", "alias/c")), req.With("kms:ResourceAliases", "alias/b", "alias/a"), NoMatch},
		{"ForAnyValue fails on a missing key", allow(When("ForAnyValue:StringEquals", "kms:ResourceAliases", "alias/c")), req, NoMatch},
		{"ForAllValues holds when every value matches", allow(When("ForAllValues:StringLike", "aws:TagKeys", "team*")), req.With("aws:TagKeys", "team", "teamx"), Allowed},
		{"ForAllValues fails when one value does not match", allow(When("ForAllValues:StringLike", "aws:TagKeys", "team*")), req.With("aws:TagKeys", "team", "cost"), NoMatch},
		{"ForAllValues holds on a missing key", allow(When("ForAllValues:StringLike", "aws:TagKeys", "team*")), req, Allowed},
		{"conditions on two keys must both hold", allow(When("StringEquals", "aws:PrincipalOrgID", "o-aaaaaaaaaa").And("Bool", "aws:SecureTransport", "false")), req, NoMatch},
		{"one of several values is enough", allow(When("StringEquals", "aws:PrincipalOrgID", "o-x", "o-aaaaaaaaaa")), req, Allowed},
		{"a policy variable pins the resource to the caller's account", doc(Statement{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/${aws:PrincipalAccount}/*"}}),
			RoleRequest(role, "", "s3:GetObject", "arn:aws:s3:::b/123456789012/x"), Allowed},
		{"a policy variable refuses another account's prefix", doc(Statement{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/${aws:PrincipalAccount}/*"}}),
			RoleRequest(role, "", "s3:GetObject", "arn:aws:s3:::b/999999999999/x"), NoMatch},
		{"an unknown operator never matches", allow(When("NumericLessThan", "aws:MultiFactorAuthAge", "3600")), req.With("aws:MultiFactorAuthAge", "10"), NoMatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.Evaluate(tc.r); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAuthorizeCombinesIdentityAndResourcePolicies(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/app"
	idAllow := Document{Statement: []Statement{{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"*"}}}}
	resAllowRole := Document{Statement: []Statement{{Effect: Allow, Principal: AWSPrincipal(role), Action: []string{"s3:GetObject"}, Resource: []string{"*"}}}}
	resAllowAccount := Document{Statement: []Statement{{Effect: Allow, Principal: AWSPrincipal("123456789012"), Action: []string{"s3:GetObject"}, Resource: []string{"*"}}}}
	r := RoleRequest(role, "", "s3:GetObject", "arn:aws:s3:::b/k")
	for _, tc := range []struct {
		name               string
		resourceAccount    string
		identity, resource []Document
		want               bool
	}{
		{"same account: an identity allow is enough", "123456789012", []Document{idAllow}, nil, true},
		{"same account: a resource allow naming the role is enough", "123456789012", nil, []Document{resAllowRole}, true},
		{"cross account: the resource allow alone is not enough", "999999999999", nil, []Document{resAllowRole}, false},
		{"cross account: the identity allow alone is not enough", "999999999999", []Document{idAllow}, nil, false},
		{"cross account: both allows are enough", "999999999999", []Document{idAllow}, []Document{resAllowRole}, true},
		{"cross account: an account grant needs the identity allow", "999999999999", []Document{idAllow}, []Document{resAllowAccount}, true},
		{"cross account: an account grant alone is not enough", "999999999999", nil, []Document{resAllowAccount}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(r, tc.resourceAccount, tc.identity, tc.resource); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	svc := ServiceRequest("cloudtrail.amazonaws.com", "arn:x", "", "s3:PutObject", "arn:aws:s3:::b/k")
	if Authorize(svc, "123456789012", []Document{idAllow}, nil) {
		t.Error("a service principal was authorized without a resource policy")
	}
}
