package loader

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// orgTrailRecords is an organization-trail file under key's account whose
// records say they happened in claimed.
func orgTrailRecords(claimed string, n int) []byte {
	b := []byte(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::%[1]s:user/alice","accountId":"%[1]s","userName":"alice"},`+
			`"eventTime":"2025-01-02T03:04:%02[2]dZ","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"eu-west-1","sourceIPAddress":"192.0.2.10",`+
			`"userAgent":"aws-cli/2","requestParameters":null,"responseElements":null,"eventID":"10000000-0000-4000-8000-%012[2]d",`+
			`"readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%[1]s"}`, claimed, i)
	}
	return append(b, "]}"...)
}

// The loader hands its trust configuration to normalization: the
// organization trail's prefix may carry any member account's records (the
// org id from the environment), a claim of an account outside the
// organization (the account directory) is flagged and alerted on, and
// without the org id nothing is allow-listed.
func TestLoaderTrustsTheOrganizationTrailPrefixOnlyForMembers(t *testing.T) {
	const key = "AWSLogs/o-abcd123456/210987654321/CloudTrail/eu-west-1/2025/01/02/210987654321_CloudTrail_eu-west-1_20250102T0305Z_Trust0123456789.json"
	for _, tc := range []struct {
		name    string
		cfg     Config
		claimed string
		flagged bool
	}{
		{"a member's record under the org trail prefix is believed", Config{OrgID: "o-abcd123456"}, "123456789012", false},
		{"a record claiming an account outside the organization is flagged", Config{OrgID: "o-abcd123456"}, "999999999999", true},
		{"without the org id the prefix is not allow-listed", Config{}, "123456789012", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, rigOptions{cfg: tc.cfg, trust: true})
			r.s3.put(t, key, orgTrailRecords(tc.claimed, 3))
			if resp := r.deliver(t, context.Background(), notification(key, time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC))); len(resp.BatchItemFailures) != 0 {
				t.Fatalf("failures %+v", resp.BatchItemFailures)
			}
			p := r.takeParts()[0]
			if p.Created != 3 || !p.Balanced() {
				t.Fatalf("part %+v", p)
			}
			flagged := 0
			for k := range alertDocs(t, r.os) {
				if k.rule == "pipeline-claimed-account-mismatch" {
					flagged++
				}
			}
			if tc.flagged != (flagged == 3) || (!tc.flagged && flagged != 0) {
				t.Errorf("%d of 3 records flagged as claiming another account, want flagged=%v", flagged, tc.flagged)
			}
		})
	}
}

// Retention counts from the event month (search.Retention): an event of a
// month already deleted is skipped with a named reason, never indexed into
// a recreated index, and the part's counts still add up.
func TestLoaderSkipsEventsOfExpiredMonths(t *testing.T) {
	r := newRig(t, rigOptions{cfg: Config{HotIndexDays: 30}})
	r.clock.set(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), 0) // January 2025 expired on March 3
	r.s3.put(t, ctKey, cloudTrailObject(t, 7))
	if resp := r.deliver(t, context.Background(), notification(ctKey, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	p := r.takeParts()[0]
	if p.Created != 0 || p.Skipped[SkipMonthExpired] != 7 || !p.Balanced() || p.Alerts+p.Signals != 0 {
		t.Errorf("part %+v: want the 7 records skipped as %s", p, SkipMonthExpired)
	}
	for _, idx := range r.os.Indices() {
		if idx == "log-aws-cloudtrail-2025.01" {
			t.Errorf("the expired month's index was recreated")
		}
	}
}
