// Package transfer is the log-transferring Lambda: it receives CloudWatch
// Logs subscription deliveries (per-log-group subscription filters and
// account-level subscription filter policies alike) in a member account and
// writes each DATA_MESSAGE as one gzip NDJSON object (one Line per log event)
// to the archive bucket, at the key internal/archive builds for CloudWatch
// Logs data: CWLogs/<account>/<region>/<escaped log group>/YYYY/MM/DD/HH/<name>.json.gz.
//
// Guarantees:
//   - Nothing is acknowledged that was not written: the handler returns nil
//     only after S3 accepted the object (or already held it). Any other
//     outcome returns an error, so Lambda's own retries and the function's
//     dead-letter destination keep the event.
//   - A retried delivery never creates a second object: the name is a hash
//     of the delivery's content, and the write is conditional (If-None-Match:
//     *), so a retry finds the object already there and succeeds without a
//     new version or a second S3 event for the loader.
//   - A payload that is not base64, not gzip, not JSON, or has an unknown
//     messageType fails with a *PayloadError before anything is written.
//   - CONTROL_MESSAGE deliveries (reachability checks) are acknowledged,
//     counted and not written.
//
// The write uses SSE-KMS with the archive key (full key ARN, since the key
// lives in the archive account), sets no ACL (the bucket enforces owner) and
// sends ExpectedBucketOwner when the archive account is configured. S3 errors
// the SDK classifies as transient (5xx, SlowDown, connection errors) are
// retried with backoff inside the invocation's deadline.
package transfer

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"

	"github.com/orgsiem/orgsiem/functions/internal/backoff"
)

// Environment variables read by ConfigFromEnv. None holds a secret.
const (
	EnvBucket       = lambdaenv.ArchiveBucket       // archive bucket name (required)
	EnvBucketRegion = lambdaenv.ArchiveBucketRegion // region of the archive bucket (required)
	EnvBucketOwner  = lambdaenv.ArchiveAccountID    // account owning the bucket, sent as ExpectedBucketOwner (optional)
	EnvKMSKeyARN    = lambdaenv.ArchiveKMSKeyARN    // ARN of the archive KMS key (required)
	EnvRegion       = "AWS_REGION"                  // set by Lambda: the region of the log groups
)

// Config is the transfer function's configuration.
type Config struct {
	// Bucket is the archive bucket.
	Bucket string
	// BucketRegion is the archive bucket's region (the S3 client's region).
	BucketRegion string
	// BucketOwner, when set, is sent as ExpectedBucketOwner so a bucket of
	// the same name in another account is never written to.
	BucketOwner string
	// KMSKeyARN is the archive key used for SSE-KMS (a full key ARN).
	KMSKeyARN string
	// Region is the region this function runs in: the region of every log
	// group that delivers to it (subscriptions to a Lambda are same-region).
	Region string
}

// ConfigFromEnv reads Config from the environment variables Env*.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Bucket:       getenv(EnvBucket),
		BucketRegion: getenv(EnvBucketRegion),
		BucketOwner:  getenv(EnvBucketOwner),
		KMSKeyARN:    getenv(EnvKMSKeyARN),
		Region:       getenv(EnvRegion),
	}
	// No default from AWS_REGION: the member baseline runs in every
	// region, the archive is in one, and SDK v2 does not follow S3's
	// region redirects, so a guessed region fails every write there.
	return c, c.Validate()
}

// Validate reports the first missing or malformed setting.
func (c Config) Validate() error {
	switch {
	case c.Bucket == "":
		return fmt.Errorf("transfer config: %s is empty", EnvBucket)
	case c.Region == "":
		return fmt.Errorf("transfer config: %s is empty", EnvRegion)
	case c.BucketRegion == "":
		return fmt.Errorf("transfer config: %s is empty", EnvBucketRegion)
	case !strings.HasPrefix(c.KMSKeyARN, "arn:") || !strings.Contains(c.KMSKeyARN, ":kms:") || !strings.Contains(c.KMSKeyARN, ":key/"):
		return fmt.Errorf("transfer config: %s %q is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)", EnvKMSKeyARN, c.KMSKeyARN)
	case c.BucketOwner != "" && !isAccountID(c.BucketOwner):
		return fmt.Errorf("transfer config: %s %q is not a 12-digit account id", EnvBucketOwner, c.BucketOwner)
	}
	return nil
}

// PutObjectAPI is the part of the S3 client the handler uses.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Handler handles subscription deliveries. It is safe for concurrent use.
type Handler struct {
	cfg     Config
	s3      PutObjectAPI
	retry   backoff.Policy
	log     *slog.Logger
	now     func() time.Time
	metrics io.Writer
	mu      sync.Mutex // guards metrics
	gzips   sync.Pool  // *gzip.Writer
}

// Option customizes a Handler.
type Option func(*Handler)

// WithBackoff sets the S3 retry policy (tests inject one that never sleeps).
func WithBackoff(p backoff.Policy) Option { return func(h *Handler) { h.retry = p } }

// WithMetricsWriter sets where EMF metrics go (default stdout).
func WithMetricsWriter(w io.Writer) Option { return func(h *Handler) { h.metrics = w } }

// WithLogger sets the logger (default JSON on stderr). Log lines never
// contain log event messages.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithClock sets the clock of metric timestamps.
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// New returns a Handler writing with client. The client should have the
// SDK's own retries disabled (RetryMaxAttempts 1): the handler retries.
func New(cfg Config, client PutObjectAPI, opts ...Option) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, errors.New("transfer: nil S3 client")
	}
	h := &Handler{
		cfg:     cfg,
		s3:      client,
		log:     slog.New(slog.NewJSONHandler(os.Stderr, nil)),
		now:     time.Now,
		metrics: os.Stdout,
	}
	h.gzips.New = func() any { return gzip.NewWriter(io.Discard) }
	for _, o := range opts {
		o(h)
	}
	return h, nil
}

// Handle archives one subscription delivery. It returns nil only when the
// delivery was written (or was a CONTROL_MESSAGE or carried no events), and
// emits one EMF metrics line per invocation.
func (h *Handler) Handle(ctx context.Context, ev events.CloudwatchLogsEvent) error {
	m := Metrics{Deliveries: 1}
	defer h.emit(&m)

	d, err := Decode(ev.AWSLogs.Data)
	if err != nil {
		m.InvalidPayloads++
		h.log.ErrorContext(ctx, "rejected subscription payload", "error", err.Error())
		return fmt.Errorf("transfer: %w", err)
	}
	switch {
	case d.MessageType == ControlMessage:
		m.DroppedControlMessages++
		h.log.InfoContext(ctx, "control message acknowledged", "logGroup", d.LogGroup)
		return nil
	case len(d.LogEvents) == 0:
		m.DroppedEmptyDeliveries++
		h.log.InfoContext(ctx, "data message without log events acknowledged", "logGroup", d.LogGroup, "owner", d.Owner)
		return nil
	}

	zw := h.gzips.Get().(*gzip.Writer)
	obj, err := render(d, h.cfg.Region, zw)
	h.gzips.Put(zw)
	if err != nil {
		m.InvalidPayloads++
		return fmt.Errorf("transfer: log group %s: %w", d.LogGroup, err)
	}
	// Stop writing a moment before the deadline so the failure is reported
	// (metrics, log line, error) rather than cut off by a timeout.
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		wctx, cancel = context.WithDeadline(ctx, deadline.Add(-writeReserve))
	}
	existed, retries, err := h.put(wctx, obj)
	cancel()
	m.WriteRetries += int64(retries)
	if err != nil {
		m.WriteFailures++
		h.log.ErrorContext(ctx, "archive write failed", "key", obj.Key, "events", obj.Events, "retries", retries, "error", err.Error())
		return fmt.Errorf("transfer: write s3://%s/%s (%d events of log group %s): %w", h.cfg.Bucket, obj.Key, obj.Events, d.LogGroup, err)
	}
	if existed {
		m.ObjectsExisting++
	} else {
		m.Objects++
		m.ObjectBytes += int64(len(obj.Body))
	}
	m.Events += int64(obj.Events)
	m.Bytes += obj.RawBytes
	h.log.InfoContext(ctx, "archived", "key", obj.Key, "events", obj.Events, "bytes", obj.RawBytes, "alreadyArchived", existed)
	return nil
}

// writeReserve is the time kept after the last write attempt to report.
const writeReserve = 500 * time.Millisecond

// put writes obj once: If-None-Match makes a retry of a delivery that was
// already archived a no-op (existed is true then).
func (h *Handler) put(ctx context.Context, obj *Object) (existed bool, retries int, err error) {
	retries, err = h.retry.Do(ctx, retryableS3, func(ctx context.Context) error {
		in := &s3.PutObjectInput{
			Bucket:               aws.String(h.cfg.Bucket),
			Key:                  aws.String(obj.Key),
			Body:                 bytes.NewReader(obj.Body),
			ContentLength:        aws.Int64(int64(len(obj.Body))),
			ContentType:          aws.String("application/x-ndjson"),
			ContentEncoding:      aws.String("gzip"),
			Metadata:             obj.Metadata,
			ServerSideEncryption: types.ServerSideEncryptionAwsKms,
			SSEKMSKeyId:          aws.String(h.cfg.KMSKeyARN),
			BucketKeyEnabled:     aws.Bool(true),
			IfNoneMatch:          aws.String("*"),
		}
		if h.cfg.BucketOwner != "" {
			in.ExpectedBucketOwner = aws.String(h.cfg.BucketOwner)
		}
		_, err := h.s3.PutObject(ctx, in)
		return err
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "PreconditionFailed" {
		return true, retries, nil
	}
	return false, retries, err
}

// retryableS3 adds S3's conditional-write conflict (409, a concurrent write
// of the same key) to the SDK's transient errors.
func retryableS3(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ConditionalRequestConflict" {
		return true
	}
	return backoff.Retryable(err)
}
