package subscribe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/orgsiem/orgsiem/functions/internal/backoff"
)

// LogsAPI is the part of the CloudWatch Logs client the Subscriber uses.
type LogsAPI interface {
	DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	DescribeSubscriptionFilters(ctx context.Context, in *cloudwatchlogs.DescribeSubscriptionFiltersInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeSubscriptionFiltersOutput, error)
	PutSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.PutSubscriptionFilterInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error)
	DescribeAccountPolicies(ctx context.Context, in *cloudwatchlogs.DescribeAccountPoliciesInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeAccountPoliciesOutput, error)
	PutAccountPolicy(ctx context.Context, in *cloudwatchlogs.PutAccountPolicyInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutAccountPolicyOutput, error)
	DeleteAccountPolicy(ctx context.Context, in *cloudwatchlogs.DeleteAccountPolicyInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteAccountPolicyOutput, error)
}

// pageSize is the DescribeLogGroups page size (the API's maximum).
const pageSize = 50

// groupMargin is the time a sweep keeps in hand before its cut-off to
// examine one more log group (two paced calls and a retry or two).
const groupMargin = 5 * time.Second

// Sweep pages through the log groups of the account and region, starting at
// from (the zero Position: the first page), and subscribes each wanted group
// that lacks our filter. It works until ctx's deadline comes within
// groupMargin (read on the Subscriber's clock): that planned cut-off is
// progress, not an error, and Coverage.Next says where the next invocation
// resumes. A group whose calls keep failing is counted in Coverage.Failed
// and the sweep goes on. The returned error is non-nil only when listing
// fails or ctx ends; Coverage.Complete tells whether the sweep reached the
// last group.
func (s *Subscriber) Sweep(ctx context.Context, from Position) (Coverage, error) {
	cov := newCoverage()
	cov.Hop = from.Hop
	deadline, bounded := ctx.Deadline()
	timeUp := func() bool { return bounded && !s.clock.Now().Add(groupMargin).Before(deadline) }
	token, after := from.Token, from.After
	cut := func() *Position { return &Position{Token: token, After: after, Hop: from.Hop + 1} }
	refused := false
	for page := 1; ; page++ {
		if timeUp() {
			cov.Next = cut()
			return cov, nil
		}
		var out *cloudwatchlogs.DescribeLogGroupsOutput
		err := s.call(ctx, &cov, opDescribeLogGroups, func(ctx context.Context) (err error) {
			out, err = s.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(pageSize), NextToken: optional(token)})
			return err
		})
		if err != nil && token != "" && token == from.Token && !refused && isTokenRefused(err) {
			// The saved token is no longer accepted (it expires after 24
			// hours): list from the first page, skipping up to After.
			s.log.WarnContext(ctx, "saved DescribeLogGroups token refused; listing from the first page", "after", after, "error", err.Error())
			refused, token = true, ""
			page--
			continue
		}
		if err != nil {
			cov.Next = cut()
			if ctx.Err() != nil {
				return cov, fmt.Errorf("subscribe: sweep stopped after log group %q (page %d): %w", after, page, ctx.Err())
			}
			return cov, fmt.Errorf("subscribe: list log groups after %q, page %d: %w", after, page, err)
		}
		for _, lg := range out.LogGroups {
			name := aws.ToString(lg.LogGroupName)
			if after != "" && name <= after {
				continue // examined by an earlier invocation of this chain
			}
			if timeUp() {
				cov.Next = cut()
				return cov, nil
			}
			if err := s.reconcile(ctx, name, lg.LogGroupClass, &cov); err != nil {
				if ctx.Err() != nil {
					cov.Next = cut()
					return cov, fmt.Errorf("subscribe: sweep stopped at log group %s (page %d): %w", name, page, ctx.Err())
				}
				cov.fail(name)
				s.log.ErrorContext(ctx, "log group not subscribed", "logGroup", name, "error", err.Error())
			}
			after = name
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		token = aws.ToString(out.NextToken)
	}
	cov.Complete = true
	return cov, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// SubscribeLogGroup subscribes one log group by name (the CreateLogGroup
// path). A group that does not exist (deleted meanwhile) is a NotFound skip,
// not an error.
func (s *Subscriber) SubscribeLogGroup(ctx context.Context, name string) (Coverage, error) {
	cov := newCoverage()
	if r := s.wantedByName(name); r != "" {
		cov.Seen++
		cov.skip(r, name)
		cov.Complete = true
		return cov, nil
	}
	lg, err := s.lookup(ctx, name, &cov)
	if err != nil {
		cov.Seen++
		cov.fail(name)
		return cov, fmt.Errorf("subscribe: look up log group %s: %w", name, err)
	}
	if lg == nil {
		cov.Seen++
		cov.skip(SkipNotFound, name)
		s.log.InfoContext(ctx, "log group no longer exists", "logGroup", name)
		cov.Complete = true
		return cov, nil
	}
	if err := s.reconcile(ctx, name, lg.LogGroupClass, &cov); err != nil {
		cov.fail(name)
		return cov, fmt.Errorf("subscribe: log group %s: %w", name, err)
	}
	cov.Complete = true
	return cov, nil
}

// lookup finds the log group with exactly this name (nil when absent).
func (s *Subscriber) lookup(ctx context.Context, name string, cov *Coverage) (*types.LogGroup, error) {
	var token *string
	for {
		var out *cloudwatchlogs.DescribeLogGroupsOutput
		err := s.call(ctx, cov, opDescribeLogGroups, func(ctx context.Context) (err error) {
			out, err = s.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{
				LogGroupNamePrefix: aws.String(name), Limit: aws.Int32(pageSize), NextToken: token,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for i := range out.LogGroups {
			if aws.ToString(out.LogGroups[i].LogGroupName) == name {
				return &out.LogGroups[i], nil
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return nil, nil
		}
		token = out.NextToken
	}
}

// reconcile brings one group to the wanted state and counts the outcome.
// It returns an error only for a call that kept failing.
func (s *Subscriber) reconcile(ctx context.Context, name string, class types.LogGroupClass, cov *Coverage) error {
	cov.Seen++
	reason := s.wantedByName(name)
	switch {
	case reason != "":
	case class == types.LogGroupClassInfrequentAccess:
		reason = SkipInfrequentAccess
	case class == types.LogGroupClassDelivery:
		reason = SkipDeliveryClass
	}
	if reason != "" {
		cov.skip(reason, name)
		return nil
	}

	filters, err := s.filters(ctx, name, cov)
	if isNotFound(err) {
		cov.skip(SkipNotFound, name)
		s.log.InfoContext(ctx, "log group no longer exists", "logGroup", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe subscription filters: %w", err)
	}
	var ours *types.SubscriptionFilter
	var foreign []string
	for i := range filters {
		if aws.ToString(filters[i].FilterName) == FilterName {
			ours = &filters[i]
		} else {
			foreign = append(foreign, aws.ToString(filters[i].FilterName))
		}
	}
	if ours != nil && aws.ToString(ours.DestinationArn) == s.cfg.DestinationARN && aws.ToString(ours.FilterPattern) == FilterPattern {
		cov.AlreadyOurs++
		return nil
	}

	// PutSubscriptionFilter with our name creates our filter or rewrites
	// it; a filter of another name is never replaced. The service, not a
	// count of ours, decides whether the group has a free slot: a group
	// whose slots are all taken answers LimitExceededException, which is a
	// named skip, never retried and never "fixed" by removing a filter.
	err = s.call(ctx, cov, opPutSubscriptionFilter, func(ctx context.Context) error {
		_, err := s.logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
			LogGroupName:   aws.String(name),
			FilterName:     aws.String(FilterName),
			FilterPattern:  aws.String(FilterPattern),
			DestinationArn: aws.String(s.cfg.DestinationARN),
		})
		return err
	})
	if isLimitExceeded(err) && ours == nil {
		cov.skip(SkipFilterLimit, name)
		s.log.WarnContext(ctx, "log group already has the maximum of subscription filters, none ours; not subscribed",
			"logGroup", name, "filters", foreign, "error", err.Error())
		return nil
	}
	if isNotFound(err) {
		cov.skip(SkipNotFound, name)
		s.log.InfoContext(ctx, "log group no longer exists", "logGroup", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("put subscription filter: %w", err)
	}
	if ours != nil {
		cov.Updated++
		s.log.InfoContext(ctx, "subscription filter updated", "logGroup", name, "previousDestination", aws.ToString(ours.DestinationArn))
	} else {
		cov.Subscribed++
		s.log.InfoContext(ctx, "log group subscribed", "logGroup", name)
	}
	return nil
}

// filters lists every subscription filter of a group.
func (s *Subscriber) filters(ctx context.Context, name string, cov *Coverage) ([]types.SubscriptionFilter, error) {
	var all []types.SubscriptionFilter
	var token *string
	for {
		var out *cloudwatchlogs.DescribeSubscriptionFiltersOutput
		err := s.call(ctx, cov, opDescribeSubscriptionFilters, func(ctx context.Context) (err error) {
			out, err = s.logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(name), NextToken: token})
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, out.SubscriptionFilters...)
		if aws.ToString(out.NextToken) == "" {
			return all, nil
		}
		token = out.NextToken
	}
}

// call runs one AWS call paced at op's rate, with the retry policy,
// counting retries and throttled attempts.
func (s *Subscriber) call(ctx context.Context, cov *Coverage, op string, fn func(context.Context) error) error {
	retries, err := s.retry.Do(ctx, retryable, func(ctx context.Context) error {
		if err := s.pace.wait(ctx, op); err != nil {
			return err
		}
		err := fn(ctx)
		if isThrottled(err) {
			cov.Throttled++
		}
		return err
	})
	cov.Retries += int64(retries)
	return err
}

// retryable is the SDK's classification of throttling and transient
// errors, except LimitExceededException: in CloudWatch Logs it means "You
// have reached the maximum number of resources that can be created" (API
// reference, PutSubscriptionFilter and PutAccountPolicy errors), which no
// retry changes; throttling is ThrottlingException.
func retryable(err error) bool {
	return backoff.Retryable(err) && !isLimitExceeded(err)
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

func isLimitExceeded(err error) bool {
	var le *types.LimitExceededException
	return errors.As(err, &le)
}

// isTokenRefused tells a refused nextToken: the API reference documents
// that tokens expire after 24 hours but not the error then answered, so
// InvalidParameterException (a malformed parameter) or any error code
// naming a token.
func isTokenRefused(err error) bool {
	var ip *types.InvalidParameterException
	var api smithy.APIError
	return errors.As(err, &ip) || errors.As(err, &api) && strings.Contains(strings.ToLower(api.ErrorCode()), "token")
}

func isThrottled(err error) bool {
	var th *types.ThrottlingException
	return errors.As(err, &th)
}
