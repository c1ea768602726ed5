package policies

import "testing"

// AWS log delivery into the archive (CloudWatch Logs User Guide, "Logs sent
// to Amazon S3"): delivery.logs.amazonaws.com writes with
// bucket-owner-full-control for the source account (aws:SourceAccount,
// aws:SourceArn arn:aws:logs:<region>:<account>:*, and aws:SourceOrgID of
// its organization), first checking the bucket ACL, and generates data keys
// of the bucket's customer managed key.
func TestAWSLogDeliveryWritesOnlyItsAccountsPrefix(t *testing.T) {
	bucket := []Document{ArchiveBucketPolicy(org)}
	key := []Document{ArchiveKeyPolicy(org)}
	deliver := func(acct, orgID, action, resource string) Request {
		r := ServiceRequest(LogDeliveryService, "arn:aws:logs:eu-west-1:"+acct+":*", acct, action, resource).
			With("aws:SourceOrgID", orgID)
		if action == "s3:PutObject" {
			r = r.With("s3:x-amz-acl", "bucket-owner-full-control")
		}
		return r
	}
	put := func(acct, orgID, key string) Request { return deliver(acct, orgID, "s3:PutObject", object(key)) }
	for _, tc := range []struct {
		name string
		r    Request
		want bool
	}{
		{"VPC flow logs of a member account", put(memberAcct, org.ID, "AWSLogs/"+memberAcct+"/vpcflowlogs/eu-west-1/2024/05/01/x.log.gz"), true},
		{"Route 53 Resolver query logs", put(memberAcct, org.ID, "AWSLogs/"+memberAcct+"/vpcdnsquerylogs/vpc-0abc/2024/05/01/x.log.gz"), true},
		{"Network Firewall alert logs", put(memberAcct, org.ID, "AWSLogs/"+memberAcct+"/network-firewall/alert/eu-west-1/fw/2024/05/01/01/x.log.gz"), true},
		{"another account's prefix is refused", put(memberAcct, org.ID, "AWSLogs/"+otherAcct+"/vpcflowlogs/eu-west-1/x.log.gz"), false},
		{"the organization trail's prefix is refused", put(memberAcct, org.ID, "AWSLogs/"+org.ID+"/"+memberAcct+"/CloudTrail/x.json.gz"), false},
		{"the CloudWatch Logs prefix is refused", put(memberAcct, org.ID, "CWLogs/"+memberAcct+"/x"), false},
		{"an account outside the organization is refused", put(otherAcct, "o-zzzzzzzzzz", "AWSLogs/"+otherAcct+"/vpcflowlogs/x.log.gz"), false},
		{"a delivery without bucket-owner-full-control is refused",
			put(memberAcct, org.ID, "AWSLogs/"+memberAcct+"/vpcflowlogs/x.log.gz").With("s3:x-amz-acl", "private"), false},
		{"the ACL check is allowed", deliver(memberAcct, org.ID, "s3:GetBucketAcl", org.ArchiveBucketARN()), true},
		{"the delivery service cannot delete", deliver(memberAcct, org.ID, "s3:DeleteObject", object("AWSLogs/"+memberAcct+"/vpcflowlogs/x.log.gz")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, org.LogArchive, nil, bucket); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if !Authorize(deliver(memberAcct, org.ID, "kms:GenerateDataKey", archiveKey), org.LogArchive, nil, key) {
		t.Error("log delivery cannot encrypt with the archive key")
	}
	if Authorize(deliver(otherAcct, "o-zzzzzzzzzz", "kms:GenerateDataKey", archiveKey), org.LogArchive, nil, key) {
		t.Error("log delivery for another organization can encrypt with the archive key")
	}
}
