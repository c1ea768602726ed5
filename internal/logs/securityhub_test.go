package logs

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

func TestSecurityHubFields(t *testing.T) {
	checkFieldCases(t, "securityhub", []fieldCase{
		{"a control finding maps severity, compliance, rule and cloud",
			`{"SchemaVersion":"2018-10-08","Id":"arn:aws:securityhub:us-east-2:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2/finding/a1b2","ProductArn":"arn:aws:securityhub:us-east-2::product/aws/securityhub","ProductName":"Security Hub","CompanyName":"AWS","Region":"us-east-2","GeneratorId":"aws-foundational-security-best-practices/v/1.0.0/CloudTrail.2","AwsAccountId":"123456789012","Types":["Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices"],"CreatedAt":"2020-08-06T02:18:23.076Z","UpdatedAt":"2021-09-28T16:10:06.956Z","Severity":{"Label":"MEDIUM","Normalized":40,"Original":"MEDIUM"},"Title":"CloudTrail.2 CloudTrail should have encryption at-rest enabled","Description":"d","ProductFields":{"StandardsArn":"arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0"},"Resources":[{"Type":"AwsCloudTrailTrail","Id":"arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT","Partition":"aws","Region":"us-east-2"}],"Compliance":{"Status":"FAILED","SecurityControlId":"CloudTrail.2","AssociatedStandards":[{"StandardsId":"standards/aws-foundational-security-best-practices/v/1.0.0"}]},"WorkflowState":"NEW","Workflow":{"Status":"NEW"},"RecordState":"ACTIVE"}`,
			map[string]any{"@timestamp": "2021-09-28T16:10:06.956Z", "event.kind": "alert", "event.severity": "40", "event.outcome": "failure", "event.category": "[configuration]",
				"rule.id": "CloudTrail.2", "rule.name": "CloudTrail.2 CloudTrail should have encryption at-rest enabled",
				"rule.ruleset": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0", "observer.product": "Security Hub",
				"cloud.account.id": "123456789012", "cloud.region": "us-east-2", "aws.securityhub.Resources.items": "[map[Id:arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT Partition:aws Region:us-east-2 Type:AwsCloudTrailTrail]]",
				"aws.securityhub.Compliance.Status": "FAILED"}},
		{"an old finding takes product, region and standard from ProductFields and resources",
			`{"Id":"old-1","AwsAccountId":"111111111111","UpdatedAt":"2021-02-17T12:55:31.491Z","Severity":{"Product":90,"Label":"CRITICAL","Normalized":90,"Original":"CRITICAL"},"Title":"EC2.1","ProductFields":{"StandardsGuideArn":"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0","aws/securityhub/ProductName":"Security Hub","aws/securityhub/CompanyName":"AWS"},"Resources":[{"Type":"AwsAccount","Id":"AWS::::Account:111111111111","Region":"us-east-1"}],"Compliance":{"Status":"PASSED"}}`,
			map[string]any{"observer.product": "Security Hub", "observer.vendor": "AWS", "cloud.region": "us-east-1", "event.outcome": "success", "event.severity": "90",
				"rule.ruleset": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0", "rule.id": nil}},
		{"a GuardDuty finding seen through Security Hub is marked by observer.product and keeps its remote IP",
			`{"Id":"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty","ProductName":"GuardDuty","AwsAccountId":"123456789012","UpdatedAt":"2024-05-24T22:53:24Z","Severity":{"Label":"HIGH","Normalized":75},"Title":"t","Action":{"ActionType":"AWS_API_CALL","AwsApiCallAction":{"Api":"Scan","RemoteIpDetails":{"IpAddressV4":"198.51.100.11"}}}}`,
			map[string]any{"observer.product": "GuardDuty", "source.ip": "198.51.100.11", "event.action": "AWS_API_CALL", "event.category": "[threat]", "event.outcome": nil, "event.severity": "75"}},
		{"a network finding maps source, destination and direction",
			`{"Id":"n1","UpdatedAt":"2024-01-01T00:00:00Z","Severity":{"Label":"LOW","Normalized":90},"Network":{"Direction":"IN","Protocol":"TCP","SourceIpV4":"192.0.2.10","SourcePort":40222,"DestinationIpV4":"10.0.1.25","DestinationPort":22}}`,
			map[string]any{"source.ip": "192.0.2.10", "source.port": "40222", "destination.ip": "10.0.1.25", "destination.port": "22", "network.direction": "ingress",
				"network.transport": "tcp", "event.severity": "1"}},
	})
}

func TestSecurityHubRecordRules(t *testing.T) {
	const upd = `"UpdatedAt":"2023-11-14T21:00:00Z"`
	event := func(envelope, findings string) string {
		return `{"version":"0","id":"ev",` + envelope + `"detail-type":"Security Hub Findings - Imported","detail":{"findings":[` + findings + `]}}`
	}
	checkRecordCases(t, "securityhub", []recordCase{
		{name: "keys match exactly: id is not Id",
			record: `{"id":"a",` + upd + `}`, err: "finding has no Id"},
		{name: "a key differing in case is not the declared field and is not type-checked",
			record: `{"Id":"a","types":"x",` + upd + `}`, fields: map[string]any{"rule.category": nil, "aws.securityhub.types": "x"}},
		{name: "a key given twice: the last value wins",
			record: `{"Id":"a","Title":"first","Title":"second",` + upd + `}`, fields: map[string]any{"rule.name": "second"}},
		{name: "a key given twice: a last null wins too",
			record: `{"Id":"a","Title":"first","Title":null,` + upd + `}`, fields: map[string]any{"rule.name": nil}},
		{name: "a declared field of another JSON type is an error naming path and declared type",
			record: `{"Id":"a","Types":"x",` + upd + `}`, err: "Types holds a string, the schema declares a list of keyword (JSON strings)"},
		{name: "the declared types are checked inside an event's finding, which the error names",
			record: event(`"source":"aws.securityhub",`, `{"Id":"a",`+upd+`,"Severity":{"Normalized":"high"}}`),
			err:    "finding 0: Severity.Normalized holds a string, the schema declares long"},
		{name: "an envelope key must hold a string",
			record: event(`"source":"aws.securityhub","time":{},`, `{"Id":"a",`+upd+`}`), err: `EventBridge event key "time" holds an object, not a string`},
		{name: "an envelope key may hold null",
			record: event(`"source":"aws.securityhub","region":null,`, `{"Id":"a",`+upd+`}`),
			fields: map[string]any{"aws.securityhub.eventbridge.source": "aws.securityhub", "aws.securityhub.eventbridge.region": nil}},
	})
}

func TestASFFSeverity(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	cases := []struct {
		label      string
		normalized *int64
		want       int64
	}{
		{"CRITICAL", n(95), 95}, {"CRITICAL", nil, 90}, {"HIGH", n(70), 70}, {"HIGH", n(90), 70},
		{"MEDIUM", nil, 40}, {"LOW", n(39), 39}, {"LOW", n(0), 1}, {"INFORMATIONAL", n(0), 0},
		{"", n(55), 55}, {"", nil, 0}, {"high", nil, 70},
	}
	for _, c := range cases {
		if got := asffSeverity(c.label, c.normalized); got != c.want {
			t.Errorf("asffSeverity(%q, %v) = %d, want %d", c.label, c.normalized, got, c.want)
		}
	}
}

func TestSecurityHubFindingsOfOneEventTakeOnePositionEach(t *testing.T) {
	data := readFixture(t, "testdata/securityhub/eventbridge.json")
	full := normalizeBytes(t, "securityhub", "k", data)
	if full.stats.Documents != 3 || full.stats.Records != 5 {
		t.Fatalf("stats %+v", full.stats)
	}
	for i, want := range []int64{0, 1, 2} {
		if full.docs[i].Position != want {
			t.Errorf("document %d at position %d, want %d", i, full.docs[i].Position, want)
		}
	}
	// Resuming after the first finding of the first event emits its second.
	var resumed []ecs.Document
	st, err := Normalize(context.Background(), Object{Key: "k", Type: "securityhub", Body: bytes.NewReader(data), SkipRecords: 1, Time: fixtureTime},
		func(d *ecs.Document) error { resumed = append(resumed, d.Clone()); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Resumed != 1 || len(resumed) != 2 || resumed[0].ID != full.docs[1].ID {
		t.Errorf("resumed %+v, first resumed id %q, want %q", st, resumed[0].ID, full.docs[1].ID)
	}
}

func FuzzSecurityHub(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "securityhub") {
		f.Add(seed)
	}
	f.Add([]byte(`[{"Id":"x","UpdatedAt":"2020-01-01T00:00:00Z","Resources":{"a":1},"ProductFields":[1],"Network":"n"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzJSONType(t, "securityhub", data)
		_ = findingMessage(data, &ecs.Document{})
	})
}

func BenchmarkSecurityHub(b *testing.B) {
	data, err := os.ReadFile("testdata/securityhub/eventbridge.json")
	if err != nil {
		b.Fatal(err)
	}
	// Only the finding events: the insight and empty events are skips.
	lines := bytes.SplitN(data, []byte("\n"), 3)
	benchNormalize(b, "securityhub", repeatToSize("", string(lines[0])+"\n"+string(lines[1])+"\n", 4<<20))
}
