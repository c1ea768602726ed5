package policies

import "testing"

// The sources function may create flow logs and tag them only as it creates
// them; it cannot delete or change anyone's flow logs, nor tag other
// resources.
func TestSourcesRoleCreatesButNeverDeletesFlowLogs(t *testing.T) {
	p := SourcesRolePolicy()
	role := "arn:aws:iam::" + memberAcct + ":role/" + SourcesRolePrefix + "eu-west-1"
	vpc := "arn:aws:ec2:eu-west-1:" + memberAcct + ":vpc/vpc-0a"
	fl := "arn:aws:ec2:eu-west-1:" + memberAcct + ":vpc-flow-log/fl-0a"
	for _, tc := range []struct {
		r    Request
		want Decision
	}{
		{RoleRequest(role, org.ID, "ec2:CreateFlowLogs", vpc), Allowed},
		{RoleRequest(role, org.ID, "ec2:CreateFlowLogs", fl), Allowed},
		{RoleRequest(role, org.ID, "ec2:CreateFlowLogs", "arn:aws:ec2:eu-west-1:"+otherAcct+":vpc/vpc-0a"), NoMatch},
		{RoleRequest(role, org.ID, "ec2:DeleteFlowLogs", fl), NoMatch},
		{RoleRequest(role, org.ID, "ec2:CreateTags", fl).With("ec2:CreateAction", "CreateFlowLogs"), Allowed},
		{RoleRequest(role, org.ID, "ec2:CreateTags", fl), NoMatch},
		{RoleRequest(role, org.ID, "ec2:CreateTags", vpc).With("ec2:CreateAction", "CreateFlowLogs"), NoMatch},
		{RoleRequest(role, org.ID, "logs:CreateLogDelivery", "*"), Allowed},
		{RoleRequest(role, org.ID, "ec2:DescribeVpcs", "*"), Allowed},
	} {
		if got := p.Evaluate(tc.r); got != tc.want {
			t.Errorf("%s on %s: got %v, want %v", tc.r.Action, tc.r.Resource, got, tc.want)
		}
	}
}
