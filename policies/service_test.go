package policies

import (
	"slices"
	"testing"
)

// Each test here evaluates our documents against the calls a service
// really makes (the service-side rules in eval.go, each cited there).

// CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail":
// "If you are using an existing S3 bucket with an S3 Bucket Key,
// kms:Decrypt permissions are required to create or update a trail with
// SSE-KMS encryption enabled." The archive bucket uses a Bucket Key
// (central/bucket.go), so every call must be allowed, for our trail only.
func TestCloudTrailCanUseTheArchiveKeyWithABucketKey(t *testing.T) {
	key := []Document{ArchiveKeyPolicy(org)}
	for _, r := range CloudTrailKeyCalls(org.TrailARN(), org.Management, archiveKey, true) {
		if !Authorize(r, org.LogArchive, nil, key) {
			t.Errorf("the organization trail is refused %s: creating the trail would fail with InsufficientEncryptionPolicyException", r.Action)
		}
	}
	other := "arn:aws:cloudtrail:eu-west-1:111111111111:trail/other"
	for _, r := range CloudTrailKeyCalls(other, org.Management, archiveKey, true) {
		if Authorize(r, org.LogArchive, nil, key) {
			t.Errorf("another trail is allowed %s on the archive key", r.Action)
		}
	}
	if n := len(CloudTrailKeyCalls(org.TrailARN(), org.Management, archiveKey, false)); n != 2 {
		t.Errorf("without a Bucket Key CloudTrail makes %d calls, want 2 (no kms:Decrypt)", n)
	}
}

// Amazon S3 API Reference, GetObject: "If you include a versionId in your
// request header, you must have the s3:GetObjectVersion permission to
// access a specific version of an object." The archive is versioned, every
// notification carries a versionId and the loader reads that version.
func TestTheLoaderReadsArchiveObjectVersions(t *testing.T) {
	loader := org.SecurityRoleARN(LoaderRole)
	key := object("AWSLogs/" + org.ID + "/" + memberAcct + "/CloudTrail/eu-west-1/2024/05/01/x.json.gz")
	read := RoleRequest(loader, org.ID, S3GetObjectAction("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"), key)
	if read.Action != "s3:GetObjectVersion" {
		t.Fatalf("a read with a versionId is authorized as %s", read.Action)
	}
	identity := []Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}
	bucket := []Document{ArchiveBucketPolicy(org)}
	if !Authorize(read, org.LogArchive, identity, bucket) {
		t.Fatal("the loader cannot read the version a notification names")
	}
	// Without the permission on either side (the loader is in another
	// account, so both must allow) the read is denied.
	for name, strip := range map[string]func() ([]Document, []Document){
		"the role policy": func() ([]Document, []Document) { return withoutAction(identity, "s3:GetObjectVersion"), bucket },
		"the bucket policy": func() ([]Document, []Document) {
			return identity, withoutAction(bucket, "s3:GetObjectVersion")
		},
	} {
		id, res := strip()
		if Authorize(read, org.LogArchive, id, res) {
			t.Errorf("without s3:GetObjectVersion in %s the versioned read is still allowed: the rule is not modelled", name)
		}
	}
	if !Authorize(RoleRequest(loader, org.ID, S3GetObjectAction(""), key), org.LogArchive, identity, bucket) {
		t.Error("the loader cannot read the current version without a versionId")
	}
}

// withoutAction copies docs with action removed from every statement.
func withoutAction(docs []Document, action string) []Document {
	var out []Document
	for _, d := range docs {
		c := Document{Version: d.Version}
		for _, s := range d.Statement {
			s.Action = slices.DeleteFunc(slices.Clone(s.Action), func(a string) bool { return a == action })
			if len(s.Action) > 0 {
				c.Statement = append(c.Statement, s)
			}
		}
		out = append(out, c)
	}
	return out
}

// Amazon SNS Developer Guide, Key management, "Enable compatibility between
// event sources from AWS services and encrypted topics": CloudWatch alarms
// publish to a KMS-encrypted topic only if the key policy lets
// cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*.
func TestSecurityAccountAlarmsReachTheEncryptedAlertTopic(t *testing.T) {
	alarm := "arn:aws:cloudwatch:eu-west-1:" + org.Security + ":alarm:orgsiem-loader-errors"
	res := map[string][]Document{
		"sns": {AlertTopicPolicy(org)}, "kms": {SIEMKeyPolicy(org)},
	}
	for _, r := range AlarmToEncryptedTopicCalls(alarm, org.Security, org.AlertTopicARN(), siemKey) {
		svc := r.Action[:3]
		if !Authorize(r, org.Security, nil, res[svc]) {
			t.Errorf("CloudWatch is refused %s: alarm notifications would never arrive", r.Action)
		}
	}
	foreign := "arn:aws:cloudwatch:eu-west-1:" + otherAcct + ":alarm:x"
	// Another account's alarm is stopped at the topic; its data-key calls
	// would name our topic, which is all the key policy can pin.
	for _, r := range AlarmToEncryptedTopicCalls(foreign, otherAcct, org.AlertTopicARN(), siemKey) {
		if r.Action == "sns:Publish" && Authorize(r, org.Security, nil, res["sns"]) {
			t.Errorf("another account's alarm is allowed %s", r.Action)
		}
	}
	// The key serves the alert topic only.
	other := "arn:aws:sns:eu-west-1:" + org.Security + ":someone-elses-topic"
	for _, r := range AlarmToEncryptedTopicCalls(alarm, org.Security, other, siemKey) {
		if r.Action != "sns:Publish" && Authorize(r, org.Security, nil, res["kms"]) {
			t.Errorf("the SIEM key serves %s for a topic that is not the alert topic", r.Action)
		}
	}
}

// Amazon S3 User Guide, notification walkthrough: S3 delivers to a queue
// only if the queue policy allows s3.amazonaws.com sqs:SendMessage; the
// documented policy pins aws:SourceArn and aws:SourceAccount.
func TestArchiveNotificationsReachTheIngestQueue(t *testing.T) {
	queue := []Document{IngestQueuePolicy(org)}
	if !Authorize(S3NotificationCall(org.ArchiveBucketARN(), org.LogArchive, org.IngestQueueARN()), org.Security, nil, queue) {
		t.Error("the archive bucket's notifications are refused by the ingest queue")
	}
	// The same bucket name re-created in another account after deletion.
	if Authorize(S3NotificationCall(org.ArchiveBucketARN(), otherAcct, org.IngestQueueARN()), org.Security, nil, queue) {
		t.Error("a bucket of the same name in another account reaches the ingest queue")
	}
}

// AWS Lambda Developer Guide, "Configuring reserved concurrency": Lambda
// keeps at least 100 units unreserved.
func TestReservedConcurrencyFloor(t *testing.T) {
	for _, tc := range []struct {
		quota, already, reserved int
		want                     bool
	}{
		{1000, 0, 10, true},
		{1000, 890, 10, true},
		{1000, 891, 10, false},
		{10, 0, 10, false}, // a new account's default quota can be 10
	} {
		if got := ReservedConcurrencyFits(tc.quota, tc.already, tc.reserved); got != tc.want {
			t.Errorf("quota %d, reserved %d+%d: got %v, want %v", tc.quota, tc.already, tc.reserved, got, tc.want)
		}
	}
}

// The directory function (management account) writes and reads only the
// directory object of the archive (log-archive account): cross-account, so
// both its role and the bucket policy must allow, and SSE-KMS needs the
// archive key through S3.
func TestTheDirectoryFunctionWritesOnlyTheDirectoryObject(t *testing.T) {
	role := org.DirectoryRoleARN()
	identity := []Document{DirectoryRolePolicy(org, archiveKey)}
	bucket := []Document{ArchiveBucketPolicy(org)}
	dir := object("Directory/accounts.json")
	for _, tc := range []struct {
		name   string
		action string
		object string
		want   bool
	}{
		{"it writes the directory", "s3:PutObject", dir, true},
		{"it reads the directory back", "s3:GetObject", dir, true},
		{"it cannot write a log object", "s3:PutObject", object("CWLogs/111111111111/x"), false},
		{"it cannot write a trail file", "s3:PutObject", object("AWSLogs/" + org.ID + "/111111111111/CloudTrail/x"), false},
		{"it cannot delete the directory", "s3:DeleteObject", dir, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(RoleRequest(role, org.ID, tc.action, tc.object), org.LogArchive, identity, bucket); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	key := []Document{ArchiveKeyPolicy(org)}
	viaS3 := func(r Request) Request {
		return r.With("kms:ViaService", "s3.eu-west-1.amazonaws.com").With("kms:EncryptionContext:aws:s3:arn", org.ArchiveBucketARN())
	}
	if !Authorize(viaS3(RoleRequest(role, org.ID, "kms:GenerateDataKey", archiveKey)), org.LogArchive, identity, key) {
		t.Error("the directory function cannot encrypt the directory")
	}
	if Authorize(RoleRequest(role, org.ID, "kms:Decrypt", archiveKey), org.LogArchive, identity, key) {
		t.Error("the directory function decrypts outside S3")
	}
	accounts := "arn:aws:organizations::" + org.Management + ":account/" + org.ID + "/" + memberAcct
	for action, want := range map[string]bool{
		"organizations:ListParents": true, "organizations:ListTagsForResource": true,
		"organizations:MoveAccount": false, "organizations:TagResource": false,
	} {
		if got := Authorize(RoleRequest(role, org.ID, action, accounts), org.Management, identity, nil); got != want {
			t.Errorf("%s: got %v, want %v", action, got, want)
		}
	}
}
