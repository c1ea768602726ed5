package policies

import (
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

const geoIPCity = "arn:aws:s3:::geo-bucket/maxmind/GeoLite2-City.mmdb"

func TestLoaderContinuesOnlyOnTheIngestQueue(t *testing.T) {
	loader := org.SecurityRoleARN(LoaderRole)
	identity := []Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}
	queue := func(name string) string { return strings.Replace(org.IngestQueueARN(), IngestQueue, name, 1) }
	for _, tc := range []struct {
		name, action, queue string
		want                bool
	}{
		{"the loader re-enqueues a continuation on the ingest queue", "sqs:SendMessage", org.IngestQueueARN(), true},
		{"the loader cannot send to the dead-letter queue", "sqs:SendMessage", queue(IngestDeadLetter), false},
		{"the loader cannot send to another queue", "sqs:SendMessage", queue("other"), false},
		{"the loader cannot purge the ingest queue", "sqs:PurgeQueue", org.IngestQueueARN(), false},
		{"the loader cannot change the ingest queue's attributes", "sqs:SetQueueAttributes", org.IngestQueueARN(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RoleRequest(loader, org.ID, tc.action, tc.queue)
			if got := Authorize(r, org.Security, identity, []Document{IngestQueuePolicy(org)}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoaderOptionalGrants(t *testing.T) {
	loader := org.SecurityRoleARN(LoaderRole)
	plain := LoaderRolePolicy(org, archiveKey, LoaderOptions{})
	full := LoaderRolePolicy(org, archiveKey, LoaderOptions{GeoIPObjects: []string{geoIPCity}})
	account := "arn:aws:organizations::" + org.Management + ":account/" + org.ID + "/" + memberAcct
	for _, tc := range []struct {
		name     string
		identity Document
		action   string
		resource string
		want     bool
	}{
		{"with GeoIP configured the loader reads the database", full, "s3:GetObject", geoIPCity, true},
		{"with GeoIP configured the loader cannot read a sibling object", full, "s3:GetObject", "arn:aws:s3:::geo-bucket/maxmind/other.mmdb", false},
		{"with GeoIP configured the loader cannot overwrite the database", full, "s3:PutObject", geoIPCity, false},
		{"without GeoIP the loader cannot read the database", plain, "s3:GetObject", geoIPCity, false},
		{"the loader makes no Organizations call (the account directory replaces them)", full, "organizations:DescribeAccount", account, false},
		{"the loader cannot list an account's parents", full, "organizations:ListParents", account, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RoleRequest(loader, org.ID, tc.action, tc.resource)
			if got := Authorize(r, org.Security, []Document{tc.identity}, nil); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReportWritesOnlyReports(t *testing.T) {
	report := org.SecurityRoleARN(ReportRole)
	identity := []Document{ReportRolePolicy(org, siemKey)}
	bucket := []Document{SnapshotBucketPolicy(org)}
	obj := func(key string) string { return org.SnapshotBucketARN() + "/" + key }
	viaS3 := func(r Request) Request { return r.With("kms:ViaService", "s3.eu-west-1.amazonaws.com") }
	reportKey := lambdaenv.ReportPrefix + "2024/05/01/logging-compliance-2024-05-01-20240501T060000Z.json"
	for _, tc := range []struct {
		name     string
		r        Request
		resource []Document
		want     bool
	}{
		{"the report stores a report object", RoleRequest(report, org.ID, "s3:PutObject", obj(reportKey)), bucket, true},
		{"the report cannot write snapshot data", RoleRequest(report, org.ID, "s3:PutObject", obj("opensearch/indices/x")), bucket, false},
		{"the report cannot write at the bucket root", RoleRequest(report, org.ID, "s3:PutObject", obj("reports-x")), bucket, false},
		{"the report cannot write to another bucket", RoleRequest(report, org.ID, "s3:PutObject", object(reportKey)), nil, false},
		{"the report cannot delete a report", RoleRequest(report, org.ID, "s3:DeleteObject", obj(reportKey)), bucket, false},
		{"the report cannot delete a report version", RoleRequest(report, org.ID, "s3:DeleteObjectVersion", obj(reportKey)), bucket, false},
		{"the report cannot store without TLS",
			RoleRequest(report, org.ID, "s3:PutObject", obj(reportKey)).With("aws:SecureTransport", "false"), bucket, false},
		{"the report generates data keys of the SIEM key through S3",
			viaS3(RoleRequest(report, org.ID, "kms:GenerateDataKey", siemKey)), nil, true},
		{"the report cannot generate data keys outside S3", RoleRequest(report, org.ID, "kms:GenerateDataKey", siemKey), nil, false},
		{"the report cannot decrypt through S3", viaS3(RoleRequest(report, org.ID, "kms:Decrypt", siemKey)), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, org.Security, identity, tc.resource); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAlertRole(t *testing.T) {
	alert := org.SecurityRoleARN(AlertRole)
	identity := []Document{AlertRolePolicy(org, siemKey)}
	pass := func(role, to string) Request {
		return RoleRequest(role, org.ID, "iam:PassRole", alert).With("iam:PassedToService", to)
	}
	otherTopic := strings.Replace(org.AlertTopicARN(), AlertTopic, "other", 1)
	assume := func(service, account string) Request {
		return ServiceRequest(service, org.DomainARN(), account, "sts:AssumeRole", alert)
	}
	for _, tc := range []struct {
		name     string
		r        Request
		identity []Document
		resource []Document
		want     bool
	}{
		{"OpenSearch of the security account assumes the alert role", assume("opensearchservice.amazonaws.com", org.Security),
			nil, []Document{AlertRoleTrust(org)}, true},
		{"OpenSearch of another account cannot assume the alert role", assume("opensearchservice.amazonaws.com", otherAcct),
			nil, []Document{AlertRoleTrust(org)}, false},
		{"another service cannot assume the alert role", assume("lambda.amazonaws.com", org.Security),
			nil, []Document{AlertRoleTrust(org)}, false},
		{"the alert role publishes to the alert topic", RoleRequest(alert, org.ID, "sns:Publish", org.AlertTopicARN()),
			identity, []Document{AlertTopicPolicy(org)}, true},
		{"the alert role cannot publish to another topic", RoleRequest(alert, org.ID, "sns:Publish", otherTopic), identity, nil, false},
		{"the alert role cannot subscribe to the alert topic", RoleRequest(alert, org.ID, "sns:Subscribe", org.AlertTopicARN()),
			identity, []Document{AlertTopicPolicy(org)}, false},
		{"the alert role cannot publish without TLS",
			RoleRequest(alert, org.ID, "sns:Publish", org.AlertTopicARN()).With("aws:SecureTransport", "false"),
			identity, []Document{AlertTopicPolicy(org)}, false},
		{"the alert role encrypts with the SIEM key through SNS",
			RoleRequest(alert, org.ID, "kms:GenerateDataKey", siemKey).With("kms:ViaService", "sns.eu-west-1.amazonaws.com"),
			identity, nil, true},
		{"the alert role cannot use the SIEM key outside SNS", RoleRequest(alert, org.ID, "kms:Decrypt", siemKey), identity, nil, false},
		{"the maintain role passes the alert role to OpenSearch",
			pass(org.SecurityRoleARN(MaintainRole), "opensearchservice.amazonaws.com"),
			[]Document{MaintainRolePolicy(org, siemKey)}, nil, true},
		{"the maintain role passes the alert role to OpenSearch under its es name",
			pass(org.SecurityRoleARN(MaintainRole), "es.amazonaws.com"), []Document{MaintainRolePolicy(org, siemKey)}, nil, true},
		{"the maintain role cannot pass the alert role to another service",
			pass(org.SecurityRoleARN(MaintainRole), "lambda.amazonaws.com"),
			[]Document{MaintainRolePolicy(org, siemKey)}, nil, false},
		{"the loader cannot pass the alert role",
			pass(org.SecurityRoleARN(LoaderRole), "es.amazonaws.com"),
			[]Document{LoaderRolePolicy(org, archiveKey, LoaderOptions{})}, nil, false},
		{"the report cannot pass the alert role",
			pass(org.SecurityRoleARN(ReportRole), "es.amazonaws.com"),
			[]Document{ReportRolePolicy(org, siemKey)}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Authorize(tc.r, org.Security, tc.identity, tc.resource); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestS3ObjectARN(t *testing.T) {
	for _, tc := range []struct {
		name, uri, want string
	}{
		{"an object URI becomes its ARN", "s3://geo-bucket/maxmind/GeoLite2-City.mmdb", "arn:aws:s3:::geo-bucket/maxmind/GeoLite2-City.mmdb"},
		{"a bucket alone is refused", "s3://geo-bucket", ""},
		{"a bucket with an empty key is refused", "s3://geo-bucket/", ""},
		{"a missing bucket is refused", "s3:///key", ""},
		{"another scheme is refused", "https://geo-bucket/key", ""},
		{"a wildcard key is refused", "s3://geo-bucket/maxmind/*", ""},
		{"a question mark is refused", "s3://geo-bucket/maxmind/City?.mmdb", ""},
		{"a policy variable is refused", "s3://geo-bucket/${aws:username}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := S3ObjectARN(tc.uri)
			if (err != nil) != (tc.want == "") || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
