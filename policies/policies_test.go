package policies

import (
	"encoding/json"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"strings"
	"testing"
)

var org = Org{ID: "o-abcdef1234", Management: "111111111111", LogArchive: "222222222222", Security: "333333333333", HomeRegion: "eu-west-1"}

const (
	archiveKey = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	siemKey    = "arn:aws:kms:eu-west-1:333333333333:key/9999abcd-12ab-34cd-56ef-1234567890ab"
	memberAcct = "444444444444"
	otherAcct  = "555555555555"
)

func object(key string) string { return org.ArchiveBucketARN() + "/" + key }

func TestArchiveBucketPolicy(t *testing.T) {
	bucket := []Document{ArchiveBucketPolicy(org)}
	transferRole := RoleARN(memberAcct, TransferRolePrefix+"eu-west-1")
	transfer := []Document{TransferRolePolicy(org, archiveKey)}
	ownKey := "CWLogs/" + memberAcct + "/eu-west-1/%2Faws%2Flambda%2Fapp/2024/05/01/10/x.json.gz"
	write := func(role, org, key string) Request { return RoleRequest(role, org, "s3:PutObject", object(key)) }
	trailPut := func(sourceArn, key string) Request {
		return ServiceRequest("cloudtrail.amazonaws.com", sourceArn, "111111111111", "s3:PutObject", object(key)).
			With("s3:x-amz-acl", "bucket-owner-full-control")
	}
	trailKey := "AWSLogs/" + org.ID + "/" + memberAcct + "/CloudTrail/eu-west-1/2024/05/01/x.json.gz"
	for _, tc := range []struct {
		name     string
		r        Request
		identity []Document
		want     bool
	}{
		{"a member transfer role writes under its own prefix", write(transferRole, org.ID, ownKey), transfer, true},
		{"a member transfer role cannot write under another account's prefix",
			write(transferRole, org.ID, strings.Replace(ownKey, memberAcct, otherAcct, 1)), transfer, false},
		{"a member transfer role cannot forge CloudTrail files of its own account", write(transferRole, org.ID, trailKey), transfer, false},
		{"a member transfer role cannot overwrite dead letters", write(transferRole, org.ID, "DeadLetter/x"), transfer, false},
		{"another role of the member account cannot write even its own prefix",
			write(RoleARN(memberAcct, "admin"), org.ID, ownKey), []Document{{Statement: []Statement{{Effect: Allow, Action: []string{"s3:*"}, Resource: []string{"*"}}}}}, false},
		{"a role outside the organization is refused", write(RoleARN(otherAcct, TransferRolePrefix+"eu-west-1"), "o-zzzzzzzzzz",
			"CWLogs/"+otherAcct+"/x"), transfer, false},
		{"a write without TLS is refused", write(transferRole, org.ID, ownKey).With("aws:SecureTransport", "false"), transfer, false},
		{"the organization trail writes with its source ARN", trailPut(org.TrailARN(), trailKey), nil, true},
		{"the trail writes the management account's own prefix", trailPut(org.TrailARN(), "AWSLogs/111111111111/CloudTrail/x"), nil, true},
		{"another trail is refused", trailPut("arn:aws:cloudtrail:eu-west-1:111111111111:trail/other", trailKey), nil, false},
		{"a trail write without bucket-owner-full-control is refused", trailPut(org.TrailARN(), trailKey).With("s3:x-amz-acl", "private"), nil, false},
		{"the trail cannot write outside AWSLogs", trailPut(org.TrailARN(), "CWLogs/x"), nil, false},
		{"the trail checks the bucket ACL", ServiceRequest("cloudtrail.amazonaws.com", org.TrailARN(), "", "s3:GetBucketAcl", org.ArchiveBucketARN()), nil, true},
		{"an anonymous read is refused", Request{Action: "s3:GetObject", Resource: object(trailKey), Context: map[string][]string{"aws:SecureTransport": {"true"}}}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, org.LogArchive, tc.identity, bucket); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestArchiveKeyPolicy(t *testing.T) {
	key := []Document{ArchiveKeyPolicy(org)}
	ctxKey := "kms:EncryptionContext:aws:cloudtrail:arn"
	ct := ServiceRequest("cloudtrail.amazonaws.com", org.TrailARN(), "111111111111", "kms:GenerateDataKey", archiveKey)
	transferRole := RoleARN(memberAcct, TransferRolePrefix+"eu-west-1")
	viaS3 := func(r Request) Request {
		return r.With("kms:ViaService", "s3.eu-west-1.amazonaws.com").With("kms:EncryptionContext:aws:s3:arn", org.ArchiveBucketARN())
	}
	loader := RoleARN(org.Security, LoaderRole)
	for _, tc := range []struct {
		name     string
		r        Request
		identity []Document
		want     bool
	}{
		{"CloudTrail encrypts with the trail's encryption context", ct.With(ctxKey, org.TrailARN()), nil, true},
		{"CloudTrail cannot encrypt with another trail's context",
			ct.With(ctxKey, "arn:aws:cloudtrail:eu-west-1:111111111111:trail/other"), nil, false},
		{"CloudTrail cannot encrypt without an encryption context", ct, nil, false},
		{"another trail cannot decrypt", ServiceRequest("cloudtrail.amazonaws.com", "arn:aws:cloudtrail:eu-west-1:111111111111:trail/other", "111111111111", "kms:Decrypt", archiveKey), nil, false},
		{"a member transfer role generates data keys through S3",
			viaS3(RoleRequest(transferRole, org.ID, "kms:GenerateDataKey", archiveKey)), []Document{TransferRolePolicy(org, archiveKey)}, true},
		{"a member transfer role cannot use the key directly",
			RoleRequest(transferRole, org.ID, "kms:GenerateDataKey", archiveKey), []Document{TransferRolePolicy(org, archiveKey)}, false},
		{"a member transfer role cannot decrypt",
			viaS3(RoleRequest(transferRole, org.ID, "kms:Decrypt", archiveKey)), []Document{TransferRolePolicy(org, archiveKey)}, false},
		{"the loader decrypts through S3", viaS3(RoleRequest(loader, org.ID, "kms:Decrypt", archiveKey)), []Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}, true},
		{"the loader cannot decrypt outside S3", RoleRequest(loader, org.ID, "kms:Decrypt", archiveKey), []Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, org.LogArchive, tc.identity, key); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoaderReadsButNeverChangesArchiveObjects(t *testing.T) {
	loader := RoleARN(org.Security, LoaderRole)
	identity := []Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}
	bucket := []Document{ArchiveBucketPolicy(org)}
	logKey := "AWSLogs/" + org.ID + "/" + memberAcct + "/CloudTrail/eu-west-1/2024/05/01/x.json.gz"
	for _, tc := range []struct {
		name, action, key string
		want              bool
	}{
		{"the loader reads a CloudTrail object", "s3:GetObject", logKey, true},
		{"the loader reads a CloudWatch Logs object", "s3:GetObject", "CWLogs/" + memberAcct + "/x", true},
		{"the loader cannot overwrite a log object", "s3:PutObject", logKey, false},
		{"the loader cannot delete a log object", "s3:DeleteObject", logKey, false},
		{"the loader cannot delete a version", "s3:DeleteObjectVersion", logKey, false},
		{"the loader cannot lift Object Lock", "s3:BypassGovernanceRetention", logKey, false},
		{"the loader writes dead letters", "s3:PutObject", "DeadLetter/2024/05/01/x.ndjson.gz", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RoleRequest(loader, org.ID, tc.action, object(tc.key))
			if got := Authorize(r, org.LogArchive, identity, bucket); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueueTopicAndSnapshotPolicies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		r        Request
		identity []Document
		resource []Document
		account  string
		want     bool
	}{
		{"archive notifications reach the ingest queue",
			ServiceRequest("s3.amazonaws.com", org.ArchiveBucketARN(), org.LogArchive, "sqs:SendMessage", org.IngestQueueARN()), nil,
			[]Document{IngestQueuePolicy(org)}, org.Security, true},
		{"another bucket's notifications are refused",
			ServiceRequest("s3.amazonaws.com", "arn:aws:s3:::other", org.LogArchive, "sqs:SendMessage", org.IngestQueueARN()), nil,
			[]Document{IngestQueuePolicy(org)}, org.Security, false},
		{"security account alarms publish alerts",
			ServiceRequest("cloudwatch.amazonaws.com", "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:x", org.Security, "sns:Publish", org.AlertTopicARN()), nil,
			[]Document{AlertTopicPolicy(org)}, org.Security, true},
		{"another account's alarms cannot publish",
			ServiceRequest("cloudwatch.amazonaws.com", "arn:aws:cloudwatch:eu-west-1:555555555555:alarm:x", otherAcct, "sns:Publish", org.AlertTopicARN()), nil,
			[]Document{AlertTopicPolicy(org)}, org.Security, false},
		{"the member alarm rule publishes alerts",
			ServiceRequest("events.amazonaws.com", org.MemberAlarmRuleARN(), org.Security, "sns:Publish", org.AlertTopicARN()), nil,
			[]Document{AlertTopicPolicy(org)}, org.Security, true},
		{"a member forwarder puts events on the central bus",
			RoleRequest(RoleARN(memberAcct, AlarmForwardRolePrefix+"eu-west-1"), org.ID, "events:PutEvents", org.CentralBusARN()),
			[]Document{AlarmForwardRolePolicy(org)}, []Document{CentralBusPolicy(org)}, org.Security, true},
		{"an outside account cannot put events on the central bus",
			RoleRequest(RoleARN(otherAcct, AlarmForwardRolePrefix+"eu-west-1"), "o-zzzzzzzzzz", "events:PutEvents", org.CentralBusARN()),
			[]Document{AlarmForwardRolePolicy(org)}, []Document{CentralBusPolicy(org)}, org.Security, false},
		{"only the maintain role passes the snapshot role to OpenSearch",
			RoleRequest(org.SecurityRoleARN(MaintainRole), org.ID, "iam:PassRole", org.SecurityRoleARN(SnapshotRole)).With("iam:PassedToService", "es.amazonaws.com"),
			[]Document{MaintainRolePolicy(org, siemKey)}, nil, org.Security, true},
		{"the maintain role cannot pass the snapshot role to another service",
			RoleRequest(org.SecurityRoleARN(MaintainRole), org.ID, "iam:PassRole", org.SecurityRoleARN(SnapshotRole)).With("iam:PassedToService", "ec2.amazonaws.com"),
			[]Document{MaintainRolePolicy(org, siemKey)}, nil, org.Security, false},
		{"the loader cannot pass the snapshot role",
			RoleRequest(org.SecurityRoleARN(LoaderRole), org.ID, "iam:PassRole", org.SecurityRoleARN(SnapshotRole)).With("iam:PassedToService", "es.amazonaws.com"),
			[]Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}, nil, org.Security, false},
		{"OpenSearch writes snapshots with the snapshot role",
			RoleRequest(org.SecurityRoleARN(SnapshotRole), org.ID, "s3:PutObject", org.SnapshotBucketARN()+"/indices/x"),
			[]Document{SnapshotRolePolicy(org, siemKey)}, []Document{SnapshotBucketPolicy(org)}, org.Security, true},
		{"another account cannot read snapshots",
			RoleRequest(RoleARN(otherAcct, "x"), org.ID, "s3:GetObject", org.SnapshotBucketARN()+"/indices/x"),
			[]Document{{Statement: []Statement{{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"*"}}}}},
			[]Document{SnapshotBucketPolicy(org)}, org.Security, false},
		{"organization accounts read Lambda code",
			RoleRequest(RoleARN(memberAcct, "stacksets-exec-x"), org.ID, "s3:GetObject", "arn:aws:s3:::"+org.ArtifactBucket("eu-west-1")+"/lambda/transfer-0123.zip"),
			[]Document{{Statement: []Statement{{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"*"}}}}},
			[]Document{ArtifactBucketPolicy(org, "eu-west-1")}, org.Management, true},
		{"outside accounts cannot read Lambda code",
			RoleRequest(RoleARN(otherAcct, "x"), "o-zzzzzzzzzz", "s3:GetObject", "arn:aws:s3:::"+org.ArtifactBucket("eu-west-1")+"/lambda/transfer-0123.zip"),
			[]Document{{Statement: []Statement{{Effect: Allow, Action: []string{"s3:GetObject"}, Resource: []string{"*"}}}}},
			[]Document{ArtifactBucketPolicy(org, "eu-west-1")}, org.Management, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, tc.account, tc.identity, tc.resource); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// allDocuments is every document the builders produce.
func allDocuments() map[string]Document {
	return map[string]Document{
		"archive bucket": ArchiveBucketPolicy(org), "archive key": ArchiveKeyPolicy(org), "ingest queue": IngestQueuePolicy(org),
		"artifact bucket": ArtifactBucketPolicy(org, "eu-west-1"), "transfer": TransferRolePolicy(org, archiveKey),
		"subscribe": SubscribeRolePolicy(false), "subscribe account mode": SubscribeRolePolicy(true), "alarm forward": AlarmForwardRolePolicy(org), "central bus": CentralBusPolicy(org),
		"loader":              LoaderRolePolicy(org, archiveKey, LoaderOptions{}),
		"loader with options": LoaderRolePolicy(org, archiveKey, LoaderOptions{GeoIPObjects: []string{geoIPCity}}),
		"alert role":          AlertRolePolicy(org, siemKey), "alert trust": AlertRoleTrust(org), "report": ReportRolePolicy(org, siemKey), "maintain": MaintainRolePolicy(org, siemKey),
		"snapshot role": SnapshotRolePolicy(org, siemKey), "snapshot bucket": SnapshotBucketPolicy(org), "siem key": SIEMKeyPolicy(org),
		"alert topic": AlertTopicPolicy(org), "opensearch access": OpenSearchAccessPolicy(org), "opensearch logs": OpenSearchLogsPolicy(org),
		"directory": DirectoryRolePolicy(org, archiveKey), "directory events": DirectoryEventsRolePolicy(org),
		"notification secrets":      notificationSecrets(),
		"opensearch access cognito": OpenSearchAccessPolicyFor(org, SignInCognito), "opensearch access saml": OpenSearchAccessPolicyFor(org, SignInSAML),
		"cognito group trust": CognitoGroupRoleTrust("eu-west-1:0c6cdba7-3c3c-4400-0000-000000000000"), "cognito access trust": CognitoAccessTrust(),
		"access host trust": AccessHostTrust(),
		"lambda trust":      ServiceTrust("lambda.amazonaws.com"), "es trust": ServiceTrustFromAccount("es.amazonaws.com", org.Security),
	}
}

func TestEveryActionExistsInTheIAMServiceReference(t *testing.T) {
	path := sharedtest.Require(t, "specs", "iam", "Policies.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("IAM action list not available (%v): ../shared/specs is absent", err)
	}
	var services map[string]struct{ Actions map[string]json.RawMessage }
	if err := json.Unmarshal(b, &services); err != nil {
		t.Fatal(err)
	}
	for name, d := range allDocuments() {
		for _, a := range d.Actions() {
			svc, act, ok := strings.Cut(strings.ToLower(a), ":")
			if !ok {
				t.Errorf("%s: malformed action %q", name, a)
				continue
			}
			s, ok := services[svc]
			if !ok {
				t.Errorf("%s: unknown service in %q", name, a)
				continue
			}
			found := false
			for known := range s.Actions {
				if glob(act, known, false) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s: action %q does not exist", name, a)
			}
		}
	}
}

func TestDocumentsRoundTripThroughJSON(t *testing.T) {
	for name, d := range allDocuments() {
		back, err := Parse([]byte(d.JSON()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if back.JSON() != d.JSON() {
			t.Errorf("%s changed in a round trip:\n%s\n%s", name, d.JSON(), back.JSON())
		}
	}
}

func notificationSecrets() Document {
	d, _ := NotificationSecretsPolicy([]string{"arn:aws:secretsmanager:eu-west-1:333333333333:secret:s-AbCdEf", "arn:aws:ssm:eu-west-1:333333333333:parameter/p"})
	return d
}
