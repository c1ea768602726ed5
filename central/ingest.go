package central

import (
	"encoding/json"
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// IngestArgs configures the ingest queue.
type IngestArgs struct {
	Org policies.Org
	// LoaderTimeoutSeconds sizes the visibility timeout (6x, AWS's advice).
	LoaderTimeoutSeconds int
	// MaxReceiveCount moves a message to the dead-letter queue after this
	// many failed receives.
	MaxReceiveCount int
}

// Ingest is the SQS ingest queue (security account) that the archive
// bucket's notifications feed, with its dead-letter queue.
type Ingest struct {
	pulumi.ResourceState
	Queue, DeadLetter *sqs.Queue
	Policy            *sqs.QueuePolicy
}

// NewIngest creates the queues (SSE, redrive) and the queue policy. It is
// created before the archive, whose notification configuration S3 validates
// against the queue policy.
func NewIngest(ctx *pulumi.Context, name string, a *IngestArgs, opts ...pulumi.ResourceOption) (*Ingest, error) {
	c := &Ingest{}
	if err := ctx.RegisterComponentResource("orgsiem:central:Ingest", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	dlq, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		Name: pulumi.String(policies.IngestDeadLetter), SqsManagedSseEnabled: pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(14 * 24 * 3600),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("ingest dead-letter queue: %w", err)
	}
	redrive := dlq.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": a.MaxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
	q, err := sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		Name: pulumi.String(policies.IngestQueue), SqsManagedSseEnabled: pulumi.Bool(true),
		VisibilityTimeoutSeconds: pulumi.Int(6 * a.LoaderTimeoutSeconds),
		MessageRetentionSeconds:  pulumi.Int(4 * 24 * 3600),
		RedrivePolicy:            redrive,
	}, child)
	if err != nil {
		return nil, fmt.Errorf("ingest queue: %w", err)
	}
	pol, err := sqs.NewQueuePolicy(ctx, name+"-policy", &sqs.QueuePolicyArgs{
		QueueUrl: q.Url, Policy: pulumi.String(policies.IngestQueuePolicy(a.Org).JSON()),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("ingest queue policy: %w", err)
	}
	c.Queue, c.DeadLetter, c.Policy = q, dlq, pol
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"queueUrl": q.Url, "deadLetterQueueUrl": dlq.Url})
}
