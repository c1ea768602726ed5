package policies

// The member baseline's documents. They run in every member account and
// region, so they name the account with the ${aws:PrincipalAccount} policy
// variable instead of an account id, and the region with "*" (the roles are
// per region, their log groups have the same name in every region).

// memberLogGroupARN is the ARN pattern of a baseline function's log streams
// in the caller's own account.
func memberLogGroupARN(function string) string {
	return "arn:aws:logs:*:${aws:PrincipalAccount}:log-group:" + LambdaLogGroup(function) + ":*"
}

// ServiceTrust is the trust policy letting one AWS service assume a role.
func ServiceTrust(service string) Document {
	return Document{Version: Version, Statement: []Statement{{
		Effect: Allow, Principal: ServicePrincipal(service), Action: []string{"sts:AssumeRole"},
	}}}
}

// ServiceTrustFromAccount is ServiceTrust pinned with aws:SourceAccount
// against the confused deputy problem.
func ServiceTrustFromAccount(service, account string) Document {
	d := ServiceTrust(service)
	d.Statement[0].Condition = When("StringEquals", "aws:SourceAccount", account)
	return d
}

// memberDeadLetterQueueARN is the caller's own dead-letter queue in any
// region (the roles are per region, the queue has the same name in each).
func memberDeadLetterQueueARN() string {
	return "arn:aws:sqs:*:${aws:PrincipalAccount}:" + MemberDeadLetterQueue
}

// sendDeadLetters lets a function's role put failed asynchronous events on
// its dead-letter queue ("Your function's execution role must have
// permission to write to the queue", Lambda Developer Guide, dead-letter
// queues).
func sendDeadLetters() Statement {
	return Statement{Sid: "SendDeadLetters", Effect: Allow, Action: []string{"sqs:SendMessage"}, Resource: []string{memberDeadLetterQueueARN()}}
}

func writeOwnLogs(resources ...string) Statement {
	return Statement{
		Sid: "WriteOwnLogs", Effect: Allow,
		Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: resources,
	}
}

// TransferRolePolicy is the transfer Lambda's identity policy: write its own
// logs, put objects under its account's archive prefixes, and generate data
// keys of the archive key (SSE-KMS; the key policy limits it to S3).
func TransferRolePolicy(o Org, archiveKeyARN string) Document {
	return Document{Version: Version, Statement: []Statement{
		writeOwnLogs(memberLogGroupARN(TransferFunction)),
		{Sid: "WriteOwnArchivePrefix", Effect: Allow, Action: []string{"s3:PutObject"}, Resource: o.MemberWriteResources()},
		{Sid: "EncryptArchiveObjects", Effect: Allow, Action: []string{"kms:GenerateDataKey"}, Resource: []string{archiveKeyARN}},
		sendDeadLetters(),
	}}
}

// SubscribeRolePolicy is the subscribe Lambda's identity policy: list log
// groups and their filters, and put or delete subscription filters on the
// account's log groups (the destination is a Lambda function, so no
// iam:PassRole is needed); invoke itself, to continue a sweep that ran out
// of time (functions/subscribe, Position). In account mode it also keeps
// the account-level subscription filter policy: those actions have no
// resource type in the IAM service reference, so they take "*" (they only
// ever act on the caller's own account and Region).
func SubscribeRolePolicy(accountMode bool) Document {
	groups := "arn:aws:logs:*:${aws:PrincipalAccount}:log-group:*"
	d := Document{Version: Version, Statement: []Statement{
		writeOwnLogs(memberLogGroupARN(SubscribeFunction)),
		{
			Sid: "ManageSubscriptionFilters", Effect: Allow,
			Action: []string{
				"logs:DescribeLogGroups", "logs:DescribeSubscriptionFilters",
				"logs:PutSubscriptionFilter", "logs:DeleteSubscriptionFilter",
			},
			Resource: []string{groups},
		},
		sendDeadLetters(),
		{
			Sid: "ContinueOwnSweep", Effect: Allow, Action: []string{"lambda:InvokeFunction"},
			Resource: []string{"arn:aws:lambda:*:${aws:PrincipalAccount}:function:" + SubscribeFunction},
		},
	}}
	if accountMode {
		d.Statement = append(d.Statement, Statement{
			Sid: "KeepAccountSubscriptionPolicy", Effect: Allow,
			Action:   []string{"logs:DescribeAccountPolicies", "logs:PutAccountPolicy", "logs:DeleteAccountPolicy"},
			Resource: []string{"*"},
		})
	}
	return d
}

// AlarmForwardRolePolicy lets EventBridge in a member account put the
// baseline's alarm state changes on the security account's default bus.
func AlarmForwardRolePolicy(o Org) Document {
	return Document{Version: Version, Statement: []Statement{{
		Sid: "PutEventsOnCentralBus", Effect: Allow, Action: []string{"events:PutEvents"}, Resource: []string{o.CentralBusARN()},
	}}}
}

// CentralBusStatementID is the id of orgsiem's statement in the security
// account's default bus policy.
const CentralBusStatementID = "orgsiem-organization-puts-events"

// CentralBusPolicy is orgsiem's statement of the security account's default
// bus policy (added with PutPermission, beside any other statement): the
// organization's principals may put events (member alarm forwarders, the
// archive tamper forwarder).
func CentralBusPolicy(o Org) Document {
	return Document{Version: Version, Statement: []Statement{{
		Sid: CentralBusStatementID, Effect: Allow, Principal: AnyPrincipal(),
		Action: []string{"events:PutEvents"}, Resource: []string{o.CentralBusARN()},
		Condition: When("StringEquals", "aws:PrincipalOrgID", o.ID),
	}}}
}
