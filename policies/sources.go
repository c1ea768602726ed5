package policies

// Source enabling in member accounts (issue #13.5): the sources function of
// the member baseline creates VPC flow logs to the archive.

// SourcesFunction is the member baseline's source-enabling Lambda.
const SourcesFunction = "orgsiem-sources"

// SourcesRolePrefix starts the sources function's role name (the region is
// appended, as for the other baseline roles).
const SourcesRolePrefix = "orgsiem-sources-"

// SourcesRolePolicy is the sources function's identity policy. Creating a
// flow log that publishes to S3 needs ec2:CreateFlowLogs on the VPC and the
// new flow log, and logs:CreateLogDelivery / logs:DeleteLogDelivery (VPC
// User Guide, "IAM policies for IAM principals that publish flow logs to
// Amazon S3"); tagging at creation needs ec2:CreateTags on the flow log,
// limited to the CreateFlowLogs call by ec2:CreateAction (EC2 User Guide,
// "Grant permission to tag resources during creation"). Describe calls do
// not support resource-level permissions ("*").
func SourcesRolePolicy() Document {
	acct := "${aws:PrincipalAccount}"
	return Document{Version: Version, Statement: []Statement{
		writeOwnLogs(memberLogGroupARN(SourcesFunction)),
		{Sid: "ListVPCsAndFlowLogs", Effect: Allow, Action: []string{"ec2:DescribeVpcs", "ec2:DescribeFlowLogs"}, Resource: []string{"*"}},
		{
			Sid: "CreateFlowLogs", Effect: Allow, Action: []string{"ec2:CreateFlowLogs"},
			Resource: []string{"arn:aws:ec2:*:" + acct + ":vpc/*", "arn:aws:ec2:*:" + acct + ":vpc-flow-log/*"},
		},
		{
			Sid: "TagNewFlowLogs", Effect: Allow, Action: []string{"ec2:CreateTags"},
			Resource:  []string{"arn:aws:ec2:*:" + acct + ":vpc-flow-log/*"},
			Condition: When("StringEquals", "ec2:CreateAction", "CreateFlowLogs"),
		},
		{Sid: "FlowLogDelivery", Effect: Allow, Action: []string{"logs:CreateLogDelivery", "logs:DeleteLogDelivery"}, Resource: []string{"*"}},
		sendDeadLetters(),
	}}
}
