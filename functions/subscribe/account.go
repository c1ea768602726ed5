package subscribe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Account mode keeps one account-level subscription filter policy
// (PutAccountPolicy, policy type SUBSCRIPTION_FILTER_POLICY, scope ALL)
// named FilterName, whose destination is the transfer function and whose
// selection criteria exclude the pipeline's own log groups and the
// configured exact names. "Each account can have one account-level
// subscription filter policy per Region" (PutAccountPolicy API reference):
// when another one exists the function does not replace it and does not
// fail the stack instance; it subscribes log groups one by one instead
// (log-group mode, which coexists with an account-level policy: "A log
// group can have up to 1 account-level and up to 2 log-group-level
// subscription filters").

// maxSelectionCriteriaBytes: "The selectionCriteria string can be up to
// 25KB in length" (PutAccountPolicy API reference).
const maxSelectionCriteriaBytes = 25 * 1024

// Account policy outcomes (Coverage.AccountPolicy).
const (
	AccountPolicyCreated   = "created"
	AccountPolicyUpdated   = "updated"
	AccountPolicyUnchanged = "unchanged"
	AccountPolicyForeign   = "foreign" // another policy holds the account's one slot
	AccountPolicyDeleted   = "deleted"
)

// selectionCriteria renders `LogGroupName NOT IN [...]`, the only selection
// criteria a subscription filter policy accepts (exact names), over the
// pipeline's own groups and Exclude.
func (c Config) selectionCriteria() (string, error) {
	names := append(c.OwnLogGroups(), c.Exclude...)
	for _, n := range names {
		if strings.ContainsAny(n, `*?["`) {
			return "", fmt.Errorf("account mode excludes exact log group names, not patterns: %q", n)
		}
	}
	b, err := json.Marshal(names)
	if err != nil {
		return "", err
	}
	s := "LogGroupName NOT IN " + string(b)
	if len(s) > maxSelectionCriteriaBytes {
		return "", fmt.Errorf("account policy selection criteria is %d bytes, over the 25 KB limit", len(s))
	}
	return s, nil
}

// policyDocument is our policy's document: every event to the transfer
// function (a Lambda destination needs no RoleArn).
type policyDocument struct {
	DestinationArn string `json:"DestinationArn"`
	FilterPattern  string `json:"FilterPattern"`
}

// accountPolicies returns our subscription filter policy and another one,
// either nil when absent.
func (s *Subscriber) accountPolicies(ctx context.Context, cov *Coverage) (ours, foreign *types.AccountPolicy, err error) {
	var token *string
	for {
		var out *cloudwatchlogs.DescribeAccountPoliciesOutput
		err := s.call(ctx, cov, opDescribeAccountPolicies, func(ctx context.Context) (err error) {
			out, err = s.logs.DescribeAccountPolicies(ctx, &cloudwatchlogs.DescribeAccountPoliciesInput{
				PolicyType: types.PolicyTypeSubscriptionFilterPolicy, NextToken: token,
			})
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("describe account subscription filter policies: %w", err)
		}
		for i := range out.AccountPolicies {
			p := &out.AccountPolicies[i]
			if p.PolicyType != "" && p.PolicyType != types.PolicyTypeSubscriptionFilterPolicy {
				continue
			}
			if aws.ToString(p.PolicyName) == FilterName {
				ours = p
			} else if foreign == nil {
				foreign = p
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return ours, foreign, nil
		}
		token = out.NextToken
	}
}

// ensureAccountPolicy puts our account policy unless another one exists.
// It returns the outcome and, when log groups must be subscribed one by one
// instead, the reason.
func (s *Subscriber) ensureAccountPolicy(ctx context.Context, cov *Coverage) (outcome, fallback string, err error) {
	ours, foreign, err := s.accountPolicies(ctx, cov)
	if err != nil {
		return "", "", err
	}
	if foreign != nil {
		return AccountPolicyForeign, fmt.Sprintf("the account already has the subscription filter policy %q and CloudWatch Logs allows one per account and Region; log groups are subscribed one by one",
			aws.ToString(foreign.PolicyName)), nil
	}
	criteria, err := s.cfg.selectionCriteria()
	if err != nil {
		return "", "", err
	}
	want := policyDocument{DestinationArn: s.cfg.DestinationARN, FilterPattern: FilterPattern}
	if ours != nil {
		var have policyDocument
		if json.Unmarshal([]byte(aws.ToString(ours.PolicyDocument)), &have) == nil && have == want &&
			aws.ToString(ours.SelectionCriteria) == criteria {
			return AccountPolicyUnchanged, "", nil
		}
	}
	doc, err := json.Marshal(want)
	if err != nil {
		return "", "", err
	}
	err = s.call(ctx, cov, opPutAccountPolicy, func(ctx context.Context) error {
		_, err := s.logs.PutAccountPolicy(ctx, &cloudwatchlogs.PutAccountPolicyInput{
			PolicyName:        aws.String(FilterName),
			PolicyType:        types.PolicyTypeSubscriptionFilterPolicy,
			PolicyDocument:    aws.String(string(doc)),
			Scope:             types.ScopeAll,
			SelectionCriteria: aws.String(criteria),
		})
		return err
	})
	if isLimitExceeded(err) {
		// Another policy was put between our describe and our put.
		return AccountPolicyForeign, "the account's one subscription filter policy is taken (PutAccountPolicy: " + err.Error() + "); log groups are subscribed one by one", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("put account subscription filter policy %s: %w", FilterName, err)
	}
	if ours != nil {
		return AccountPolicyUpdated, "", nil
	}
	return AccountPolicyCreated, "", nil
}

// deleteAccountPolicy removes our account policy, if any; a foreign one is
// never touched.
func (s *Subscriber) deleteAccountPolicy(ctx context.Context, cov *Coverage) error {
	ours, _, err := s.accountPolicies(ctx, cov)
	if err != nil || ours == nil {
		return err
	}
	err = s.call(ctx, cov, opDeleteAccountPolicy, func(ctx context.Context) error {
		_, err := s.logs.DeleteAccountPolicy(ctx, &cloudwatchlogs.DeleteAccountPolicyInput{
			PolicyName: aws.String(FilterName), PolicyType: types.PolicyTypeSubscriptionFilterPolicy,
		})
		return err
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete account subscription filter policy %s: %w", FilterName, err)
	}
	cov.AccountPolicy = AccountPolicyDeleted
	return nil
}
