package subscribe

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orgsiem/orgsiem/functions/internal/backoff"
)

// LogsAPI is the part of the CloudWatch Logs client the Subscriber uses.
type LogsAPI interface {
	DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	DescribeSubscriptionFilters(ctx context.Context, in *cloudwatchlogs.DescribeSubscriptionFiltersInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeSubscriptionFiltersOutput, error)
	PutSubscriptionFilter(ctx context.Context, in *cloudwatchlogs.PutSubscriptionFilterInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutSubscriptionFilterOutput, error)
}

// pageSize is the DescribeLogGroups page size (the API's maximum).
const pageSize = 50

// Sweep pages through every log group of the account and region and
// subscribes each wanted group that lacks our filter. A group whose calls
// keep failing is counted in Coverage.Failed and the sweep goes on; the
// returned error is non-nil only when listing fails or ctx ends, and
// Coverage.Complete tells whether every group was examined.
func (s *Subscriber) Sweep(ctx context.Context) (Coverage, error) {
	cov := newCoverage()
	var token *string
	for page := 1; ; page++ {
		var out *cloudwatchlogs.DescribeLogGroupsOutput
		err := s.call(ctx, &cov, func(ctx context.Context) (err error) {
			out, err = s.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{Limit: aws.Int32(pageSize), NextToken: token})
			return err
		})
		if err != nil {
			return cov, fmt.Errorf("subscribe: list log groups, page %d: %w", page, err)
		}
		for _, lg := range out.LogGroups {
			name := aws.ToString(lg.LogGroupName)
			if err := s.reconcile(ctx, name, lg.LogGroupClass, &cov); err != nil {
				if ctx.Err() != nil {
					return cov, fmt.Errorf("subscribe: sweep stopped at log group %s (page %d): %w", name, page, ctx.Err())
				}
				cov.fail(name)
				s.log.ErrorContext(ctx, "log group not subscribed", "logGroup", name, "error", err.Error())
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		token = out.NextToken
	}
	cov.Complete = true
	return cov, nil
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
		err := s.call(ctx, cov, func(ctx context.Context) (err error) {
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
	switch {
	case ours != nil && aws.ToString(ours.DestinationArn) == s.cfg.DestinationARN && aws.ToString(ours.FilterPattern) == FilterPattern:
		cov.AlreadyOurs++
		return nil
	case ours == nil && len(foreign) >= MaxFiltersPerGroup:
		cov.skip(SkipFilterLimit, name)
		s.log.WarnContext(ctx, "log group already has the maximum of subscription filters, none ours; not subscribed",
			"logGroup", name, "filters", foreign)
		return nil
	}

	err = s.call(ctx, cov, func(ctx context.Context) error {
		_, err := s.logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{
			LogGroupName:   aws.String(name),
			FilterName:     aws.String(FilterName),
			FilterPattern:  aws.String(FilterPattern),
			DestinationArn: aws.String(s.cfg.DestinationARN),
		})
		return err
	})
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
		err := s.call(ctx, cov, func(ctx context.Context) (err error) {
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

// call runs one AWS call with the retry policy, counting retries.
func (s *Subscriber) call(ctx context.Context, cov *Coverage, op func(context.Context) error) error {
	retries, err := s.retry.Do(ctx, backoff.Retryable, op)
	cov.Retries += int64(retries)
	return err
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}
