package subscribe

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
)

func accountConfig() Config {
	c := testConfig()
	c.Mode = ModeAccount
	c.Exclude = []string{"/aws/lambda/noisy"}
	return c
}

func foreignPolicy() fakeAccountPolicy {
	return fakeAccountPolicy{
		PolicyName: "vendor-all-logs", PolicyType: subscriptionFilterPolicy, Scope: "ALL",
		PolicyDocument: `{"DestinationArn":"` + foreignARN + `","FilterPattern":""}`, AccountID: "111122223333",
	}
}

func (s *cwlServer) putPolicy(p fakeAccountPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies[p.PolicyName] = p
}

// answer runs a custom resource request of the given type and returns the
// one response CloudFormation got.
func answer(t *testing.T, hs *harness, rs *responseServer, file string) cfn.Response {
	t.Helper()
	ctx, cancel := hs.invocation(functionTimeout)
	defer cancel()
	if _, err := hs.s.Handle(ctx, request(t, file, rs.srv.URL)); err != nil {
		t.Fatal(err)
	}
	got := rs.responses()
	if len(got) != 1 {
		t.Fatalf("%d responses", len(got))
	}
	return got[0]
}

func TestAccountModePutsTheAccountPolicy(t *testing.T) {
	rs := newResponseServer(t)
	hs := newHarness(t, accountConfig(), WithHTTPClient(rs.srv.Client()))
	hs.cwl.addGroup("/aws/lambda/app", "STANDARD")
	resp := answer(t, hs, rs, "cfn_create.json")
	if resp.Status != cfn.StatusSuccess || resp.Data["AccountPolicy"] != AccountPolicyCreated || resp.Data["Mode"] != ModeAccount {
		t.Fatalf("response %+v", resp)
	}
	p, ok := hs.cwl.accountPolicy(FilterName)
	var doc policyDocument
	if !ok || json.Unmarshal([]byte(p.PolicyDocument), &doc) != nil || doc.DestinationArn != transferARN || doc.FilterPattern != "" || p.Scope != "ALL" {
		t.Fatalf("policy %+v", p)
	}
	for _, g := range []string{"/aws/lambda/orgsiem-transfer", "/aws/lambda/orgsiem-subscribe", "/custom/orgsiem-transfer", "/aws/lambda/noisy"} {
		if !strings.Contains(p.SelectionCriteria, `"`+g+`"`) {
			t.Errorf("selection criteria %q does not exclude %s", p.SelectionCriteria, g)
		}
	}
	if !strings.HasPrefix(p.SelectionCriteria, "LogGroupName NOT IN [") {
		t.Errorf("selection criteria %q", p.SelectionCriteria)
	}
	// The account policy covers every group: no group is subscribed itself.
	if hs.cwl.callCount("DescribeLogGroups") != 0 || hs.cwl.totalPuts() != 0 {
		t.Fatalf("%d listings, %d puts", hs.cwl.callCount("DescribeLogGroups"), hs.cwl.totalPuts())
	}

	t.Run("a scheduled run leaves a policy as it should be unchanged", func(t *testing.T) {
		ctx, cancel := hs.invocation(functionTimeout)
		defer cancel()
		cov, err := hs.s.Handle(ctx, readFile(t, "scheduled_event.json"))
		if err != nil || cov.AccountPolicy != AccountPolicyUnchanged || !cov.Complete || hs.cwl.callCount("PutAccountPolicy") != 1 {
			t.Fatalf("err %v, coverage %+v, %d puts", err, cov, hs.cwl.callCount("PutAccountPolicy"))
		}
	})
	t.Run("a new log group is covered by the policy, not subscribed", func(t *testing.T) {
		hs.cwl.addGroup("/stratus-red-team/vpc-flow-logs", "STANDARD")
		ctx, cancel := hs.invocation(functionTimeout)
		defer cancel()
		cov, err := hs.s.Handle(ctx, readFile(t, "eventbridge_create_log_group.json"))
		if err != nil || cov.Skipped[SkipAccountPolicy] != 1 || hs.cwl.totalPuts() != 0 {
			t.Fatalf("err %v, coverage %+v", err, cov)
		}
	})
	t.Run("a policy of ours pointing elsewhere is rewritten", func(t *testing.T) {
		p, _ := hs.cwl.accountPolicy(FilterName)
		p.PolicyDocument = `{"DestinationArn":"` + oldTransferARN + `","FilterPattern":""}`
		hs.cwl.putPolicy(p)
		ctx, cancel := hs.invocation(functionTimeout)
		defer cancel()
		cov, err := hs.s.Handle(ctx, []byte(`{"action":"sweep"}`))
		p, _ = hs.cwl.accountPolicy(FilterName)
		if err != nil || cov.AccountPolicy != AccountPolicyUpdated || !strings.Contains(p.PolicyDocument, transferARN) {
			t.Fatalf("err %v, coverage %+v, policy %+v", err, cov, p)
		}
	})
	t.Run("delete removes our policy", func(t *testing.T) {
		rs2 := newResponseServer(t)
		hs.s.http = rs2.srv.Client()
		resp := answer(t, hs, rs2, "cfn_delete.json")
		if _, ok := hs.cwl.accountPolicy(FilterName); ok || resp.Status != cfn.StatusSuccess {
			t.Fatalf("policy still there or %+v", resp)
		}
	})
}

// CloudWatch Logs allows one subscription filter policy per account and
// Region: with another tool's policy in place, the stack instance does not
// fail, the foreign policy is left alone and every group gets our filter.
func TestAccountModeFallsBackToLogGroupsWhenTheAccountHasAPolicy(t *testing.T) {
	rs := newResponseServer(t)
	hs := newHarness(t, accountConfig(), WithHTTPClient(rs.srv.Client()))
	hs.cwl.putPolicy(foreignPolicy())
	hs.cwl.addGroup("/aws/lambda/app", "STANDARD")
	hs.cwl.addGroup("/aws/lambda/noisy", "STANDARD")
	hs.cwl.addGroup("/aws/lambda/orgsiem-transfer", "STANDARD")
	resp := answer(t, hs, rs, "cfn_create.json")
	if resp.Status != cfn.StatusSuccess || !strings.Contains(resp.Reason, `already has the subscription filter policy "vendor-all-logs"`) ||
		resp.Data["Mode"] != ModeLogGroup || resp.Data["AccountPolicy"] != AccountPolicyForeign || resp.Data["Subscribed"] != "1" {
		t.Fatalf("response %+v", resp)
	}
	if p, _ := hs.cwl.accountPolicy("vendor-all-logs"); p != foreignPolicy() {
		t.Fatalf("foreign policy changed: %+v", p)
	}
	if _, ok := hs.cwl.accountPolicy(FilterName); ok || hs.cwl.callCount("PutAccountPolicy") != 0 {
		t.Fatal("tried to put a second account policy")
	}
	if countOurs(hs.cwl.filtersOf("/aws/lambda/app")) != 1 || hs.cwl.putCount("/aws/lambda/noisy") != 0 || hs.cwl.putCount("/aws/lambda/orgsiem-transfer") != 0 {
		t.Fatal("per-group fallback did not subscribe exactly the wanted groups")
	}

	t.Run("new log groups are subscribed one by one", func(t *testing.T) {
		hs.cwl.addGroup("/stratus-red-team/vpc-flow-logs", "STANDARD")
		ctx, cancel := hs.invocation(functionTimeout)
		defer cancel()
		cov, err := hs.s.Handle(ctx, readFile(t, "eventbridge_create_log_group.json"))
		if err != nil || cov.Subscribed != 1 {
			t.Fatalf("err %v, coverage %+v", err, cov)
		}
	})
	t.Run("delete leaves the foreign policy alone", func(t *testing.T) {
		rs2 := newResponseServer(t)
		hs.s.http = rs2.srv.Client()
		if resp := answer(t, hs, rs2, "cfn_delete.json"); resp.Status != cfn.StatusSuccess {
			t.Fatalf("%+v", resp)
		}
		if _, ok := hs.cwl.accountPolicy("vendor-all-logs"); !ok || hs.cwl.callCount("DeleteAccountPolicy") != 0 {
			t.Fatal("foreign policy deleted")
		}
	})
}

// Another tool may take the slot between our describe and our put: the put
// is answered LimitExceededException, which is the same fallback, not a
// failure nor a retry.
func TestAccountModeFallsBackWhenThePutLosesTheRace(t *testing.T) {
	hs := newHarness(t, accountConfig())
	hs.cwl.addGroup("/aws/lambda/app", "STANDARD")
	hs.cwl.inject = func(op string, _ map[string]any) string {
		if op == "PutAccountPolicy" {
			hs.cwl.putPolicy(foreignPolicy())
		}
		return ""
	}
	ctx, cancel := hs.invocation(functionTimeout)
	defer cancel()
	cov, err := hs.s.Handle(ctx, []byte(`{"action":"sweep"}`))
	if err != nil || cov.Mode != ModeLogGroup || cov.AccountPolicy != AccountPolicyForeign || cov.Subscribed != 1 ||
		hs.cwl.callCount("PutAccountPolicy") != 1 || hs.waitCount() != 0 {
		t.Fatalf("err %v, coverage %+v, %d puts, %d waits", err, cov, hs.cwl.callCount("PutAccountPolicy"), hs.waitCount())
	}
}

func TestAccountModeThatCannotReadPoliciesFails(t *testing.T) {
	rs := newResponseServer(t)
	hs := newHarness(t, accountConfig(), WithHTTPClient(rs.srv.Client()))
	hs.cwl.inject = func(op string, _ map[string]any) string {
		if op == "DescribeAccountPolicies" {
			return "AccessDeniedException"
		}
		return ""
	}
	ctx, cancel := hs.invocation(functionTimeout)
	defer cancel()
	if _, err := hs.s.Handle(ctx, request(t, "cfn_create.json", rs.srv.URL)); err != nil {
		t.Fatal(err)
	}
	if got := rs.responses(); len(got) != 1 || got[0].Status != cfn.StatusFailed || !strings.Contains(got[0].Reason, "AccessDeniedException") {
		t.Fatalf("responses %+v", got)
	}
}

func TestAccountModeConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"include patterns are refused", func(c *Config) { c.Include = []string{"/aws/*"} }, "include patterns are not supported"},
		{"exclude patterns are refused", func(c *Config) { c.Exclude = []string{"/aws/lambda/test-*"} }, "exact log group names, not patterns"},
		{"an unknown mode is refused", func(c *Config) { c.Mode = "organization" }, `"organization" is neither`},
		{"selection criteria over 25 KB are refused", func(c *Config) {
			c.Exclude = nil
			for i := 0; i < 1000; i++ {
				c.Exclude = append(c.Exclude, "/aws/lambda/some-rather-long-function-name-"+strings.Repeat("x", 10)+string(rune('a'+i%26)))
			}
		}, "over the 25 KB limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := accountConfig()
			tc.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if err := accountConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}
