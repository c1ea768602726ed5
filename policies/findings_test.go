package policies

import "testing"

// The findings streams' role writes into the archive across accounts: the
// bucket policy and the key policy of the log-archive account must both
// allow it (cross-account access needs the resource policy and the
// caller's identity policy, IAM User Guide, "Cross-account policy
// evaluation logic"), and only under the finding prefixes. Firehose's S3
// destination needs s3:AbortMultipartUpload, GetBucketLocation, GetObject,
// ListBucket, ListBucketMultipartUploads and PutObject (Firehose Developer
// Guide, "Grant Firehose access to an Amazon S3 destination").
func TestFindingsDeliveryWritesOnlyFindingPrefixes(t *testing.T) {
	bucket := []Document{ArchiveBucketPolicy(org)}
	identity := []Document{FindingsDeliveryRolePolicy(org, archiveKey)}
	role := org.SecurityRoleARN(FindingsDeliveryRole)
	put := func(roleARN, key string) Request { return RoleRequest(roleARN, org.ID, "s3:PutObject", object(key)) }
	for _, tc := range []struct {
		name string
		r    Request
		want bool
	}{
		{"GuardDuty findings", put(role, "guardduty/2026/03/15/09/orgsiem-findings-guardduty-1-2026-03-15-09-21-07-abc"), true},
		{"Security Hub findings", put(role, "securityhub/2026/03/15/09/orgsiem-findings-securityhub-1-2026-03-15-09-21-07-abc"), true},
		{"the CloudTrail prefix is refused", put(role, "AWSLogs/"+org.ID+"/"+memberAcct+"/CloudTrail/eu-west-1/x.json.gz"), false},
		{"a member's CloudWatch Logs prefix is refused", put(role, "CWLogs/"+memberAcct+"/x"), false},
		{"another role of the security account is refused", put(org.SecurityRoleARN(ReportRole), "guardduty/x"), false},
		{"the bucket location", RoleRequest(role, org.ID, "s3:GetBucketLocation", org.ArchiveBucketARN()), true},
		{"a multipart abort under the prefix", RoleRequest(role, org.ID, "s3:AbortMultipartUpload", object("securityhub/x")), true},
		{"no delete", RoleRequest(role, org.ID, "s3:DeleteObject", object("guardduty/x")), false},
		{"without TLS", put(role, "guardduty/x").With("aws:SecureTransport", "false"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, org.LogArchive, identity, bucket); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	key := []Document{ArchiveKeyPolicy(org)}
	gen := RoleRequest(role, org.ID, "kms:GenerateDataKey", archiveKey).
		With("kms:ViaService", "s3.eu-west-1.amazonaws.com").
		With("kms:EncryptionContext:aws:s3:arn", org.ArchiveBucketARN())
	if !Authorize(gen, org.LogArchive, identity, key) {
		t.Error("the findings role cannot generate a data key through S3 (Bucket Key context)")
	}
	if Authorize(gen.With("kms:ViaService", []string(nil)...), org.LogArchive, identity, key) {
		t.Error("the findings role can use the archive key outside S3")
	}
}

// EventBridge puts findings on the two streams and forwards other regions'
// findings to the home bus, nothing else.
func TestFindingsEventsRoleReachesOnlyStreamsAndHomeBus(t *testing.T) {
	p := FindingsEventsRolePolicy(org)
	role := org.SecurityRoleARN(FindingsEventsRole)
	for _, tc := range []struct {
		r    Request
		want Decision
	}{
		{RoleRequest(role, org.ID, "firehose:PutRecordBatch", org.FindingsStreamARN("guardduty")), Allowed},
		{RoleRequest(role, org.ID, "firehose:PutRecord", org.FindingsStreamARN("securityhub")), Allowed},
		{RoleRequest(role, org.ID, "firehose:PutRecord", "arn:aws:firehose:eu-west-1:333333333333:deliverystream/other"), NoMatch},
		{RoleRequest(role, org.ID, "events:PutEvents", org.SecurityBusARN("eu-west-1")), Allowed},
		{RoleRequest(role, org.ID, "events:PutEvents", org.SecurityBusARN("us-east-1")), NoMatch},
	} {
		if got := p.Evaluate(tc.r); got != tc.want {
			t.Errorf("%s on %s: got %v, want %v", tc.r.Action, tc.r.Resource, got, tc.want)
		}
	}
}
