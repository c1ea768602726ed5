package loader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

// Config is the loader function's configuration.
type Config struct {
	Endpoint      string // https://<host>
	QueueURL      string
	ArchiveBucket string
	Region        string
	GeoIP         []S3Location
	// AccountEnrichment resolves cloud.account.name and
	// orgsiem.account.ou from the account directory object in the archive
	// (archive.DirectoryKey).
	AccountEnrichment bool
	// CustomRules is the prefix custom rules are read from at cold start
	// (nil: none).
	CustomRules *S3Location
	// RuleParameters are the rule parameter values, by name order.
	RuleParameters []detect.Param
	// OrgID and ManagementAccount allow-list the sources that carry other
	// accounts' records (logs.Sources); empty allow-lists nothing.
	OrgID, ManagementAccount string
	// HotIndexDays is the log indices' retention after their event month
	// (search.Retention); events of expired months are skipped. 0 keeps all.
	HotIndexDays int
}

// S3Location is one s3://bucket/key.
type S3Location struct{ Bucket, Key string }

// ParseS3URL reads s3://bucket/key (key may be empty or a prefix).
func ParseS3URL(s string) (S3Location, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return S3Location{}, fmt.Errorf("%q is not an s3://bucket/key URL", s)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return S3Location{}, fmt.Errorf("%q names no bucket", s)
	}
	return S3Location{Bucket: bucket, Key: key}, nil
}

// ConfigFromEnv reads Config from the variables the Pulumi program sets
// (lambdaenv.LoaderVars): OpenSearchEndpoint (host, without scheme),
// IngestQueueURL (continuations), ArchiveBucket (dead letters), Region
// (default AWS_REGION), GeoIP (optional comma-separated s3://bucket/key
// MaxMind databases), AccountEnrichment (optional, "on" or "off"),
// CustomRules (optional s3://bucket/prefix/) and RuleParameters (optional
// JSON {"name": ["v1", ...]}). None holds a secret: the function signs
// OpenSearch requests with its execution role.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		QueueURL:      getenv(lambdaenv.IngestQueueURL),
		ArchiveBucket: getenv(lambdaenv.ArchiveBucket),
		Region:        getenv(lambdaenv.Region),
	}
	if c.Region == "" {
		c.Region = getenv("AWS_REGION")
	}
	if host := getenv(lambdaenv.OpenSearchEndpoint); host != "" {
		c.Endpoint = "https://" + strings.TrimPrefix(host, "https://")
	}
	switch v := getenv(lambdaenv.AccountEnrichment); v {
	case "", "off":
	case lambdaenv.AccountEnrichmentOn:
		c.AccountEnrichment = true
	default:
		return c, fmt.Errorf("loader config: %s %q is neither %q nor \"off\"", lambdaenv.AccountEnrichment, v, lambdaenv.AccountEnrichmentOn)
	}
	for _, s := range strings.Split(getenv(lambdaenv.GeoIP), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		loc, err := ParseS3URL(s)
		if err != nil || loc.Key == "" {
			return c, fmt.Errorf("loader config: %s: %q is not s3://bucket/key", lambdaenv.GeoIP, s)
		}
		c.GeoIP = append(c.GeoIP, loc)
	}
	c.OrgID, c.ManagementAccount = getenv(lambdaenv.OrganizationID), getenv(lambdaenv.ManagementAccountID)
	if v := getenv(lambdaenv.HotIndexDays); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, fmt.Errorf("loader config: %s %q is not a number of days", lambdaenv.HotIndexDays, v)
		}
		c.HotIndexDays = n
	}
	if v := getenv(lambdaenv.CustomRules); v != "" {
		loc, err := ParseS3URL(v)
		if err != nil {
			return c, fmt.Errorf("loader config: %s: %w", lambdaenv.CustomRules, err)
		}
		c.CustomRules = &loc
	}
	if v := getenv(lambdaenv.RuleParameters); v != "" {
		var params map[string][]string
		if err := json.Unmarshal([]byte(v), &params); err != nil {
			return c, fmt.Errorf("loader config: %s is not a JSON object of string lists: %w", lambdaenv.RuleParameters, err)
		}
		for _, name := range slices.Sorted(maps.Keys(params)) {
			c.RuleParameters = append(c.RuleParameters, detect.Param{Name: name, Values: params[name]})
		}
	}
	switch {
	case c.Endpoint == "":
		return c, fmt.Errorf("loader config: %s is empty", lambdaenv.OpenSearchEndpoint)
	case c.QueueURL == "":
		return c, fmt.Errorf("loader config: %s is empty", lambdaenv.IngestQueueURL)
	case c.ArchiveBucket == "":
		return c, fmt.Errorf("loader config: %s is empty", lambdaenv.ArchiveBucket)
	case c.Region == "":
		return c, fmt.Errorf("loader config: %s and AWS_REGION are empty", lambdaenv.Region)
	}
	return c, nil
}

// replyReserve is kept after the last OpenSearch or SQS call of an
// invocation to return the batch response.
const replyReserve = 3 * time.Second

// SendMessageAPI is the part of the SQS client continuations are sent with.
type SendMessageAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Handler is the SQS-triggered Lambda handler. It is safe for concurrent
// use.
type Handler struct {
	loader   *Loader
	sqs      SendMessageAPI
	queueURL string
	metrics  io.Writer
	onPart   func(Part)
	log      *slog.Logger
	now      func() time.Time
	mu       sync.Mutex // serializes invocations: the loader is not concurrent
}

// HandlerOptions tune a Handler.
type HandlerOptions struct {
	// Metrics receives the EMF lines (nil: stdout).
	Metrics io.Writer
	// OnPart observes every object part loaded, after it was indexed (an
	// audit sink; tests check the accounting with it). Nil: none.
	OnPart func(Part)
}

// NewHandler returns a handler loading with l and enqueueing continuations
// to queueURL.
func NewHandler(l *Loader, client SendMessageAPI, queueURL string, opts HandlerOptions) (*Handler, error) {
	if l == nil || client == nil || queueURL == "" {
		return nil, errors.New("loader: handler needs a loader, an SQS client and the queue URL")
	}
	if opts.Metrics == nil {
		opts.Metrics = os.Stdout
	}
	return &Handler{loader: l, sqs: client, queueURL: queueURL, metrics: opts.Metrics, onPart: opts.OnPart, log: l.opts.Log, now: l.opts.Now}, nil
}

// Handle loads the objects of every message and reports the messages that
// must be redelivered. Messages are handled in order; once the deadline is
// near, the current object continues in a continuation message and the
// messages not started yet are re-enqueued as they are.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d, ok := ctx.Deadline(); ok {
		// Keep time to answer: a handler still working at the deadline
		// loses the whole batch's report.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-replyReserve))
		defer cancel()
	}
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	byType := map[string]*Metrics{}
	defer h.emit(byType)
	deferred := false // the deadline came: re-enqueue instead of loading
	for _, msg := range ev.Records {
		m, err := ParseMessage(msg.Body)
		if err != nil {
			h.log.ErrorContext(ctx, "message not loadable", "messageId", msg.MessageId, "poison", isEnvelopeError(err), "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			continue
		}
		for _, ig := range m.Ignored {
			h.log.InfoContext(ctx, "notification ignored", "messageId", msg.MessageId, "reason", ig.Reason)
		}
		ok := true
		for _, ref := range m.Objects {
			if !deferred && h.nearDeadline(ctx) {
				deferred = true
			}
			if deferred {
				if err := h.enqueue(ctx, ref); err != nil {
					h.log.ErrorContext(ctx, "re-enqueue failed", "messageId", msg.MessageId, "object", ref.String(), "error", err.Error())
					ok = false
					break
				}
				continue
			}
			p, err := h.loader.Load(ctx, ref)
			if err != nil {
				metricsFor(byType, p.LogType).ObjectsFailed++
				h.log.ErrorContext(ctx, "object not loaded", "messageId", msg.MessageId, "object", ref.String(), "error", err.Error())
				ok = false
				break
			}
			metricsFor(byType, p.LogType).add(p.metrics())
			h.logPart(ctx, msg.MessageId, &p)
			if h.onPart != nil {
				h.onPart(p)
			}
			if !p.Complete() {
				ok = false
				break
			}
			if p.Next != nil {
				deferred = true
				if reason := stuck(ref, p.Next); reason != "" {
					// Re-enqueueing would loop for ever: fail the message so
					// the queue's redrive policy moves it to the dead-letter
					// queue after its receive count.
					h.log.ErrorContext(ctx, "poison message: "+reason+"; not continued, left to the dead-letter queue",
						"messageId", msg.MessageId, "object", ref.String(), "part", p.Next.Part, "resumeAt", p.Next.SkipRecords)
					ok = false
					break
				}
				if err := h.enqueue(ctx, *p.Next); err != nil {
					h.log.ErrorContext(ctx, "continuation not enqueued", "messageId", msg.MessageId, "object", p.Next.String(), "error", err.Error())
					ok = false
					break
				}
			}
		}
		if !ok {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

// stuck says why a continuation must not be enqueued: it resumes where
// its own message started (no record was loaded: it would come back the
// same for ever) or it is past the cap of parts. "" when it may go.
func stuck(ref ObjectRef, next *ObjectRef) string {
	switch {
	case next.SkipRecords <= ref.SkipRecords:
		return fmt.Sprintf("continuation makes no progress (resumes at record %d, where its message started)", next.SkipRecords)
	case next.Part > MaxParts:
		return fmt.Sprintf("object still unfinished after %d parts (cap %d)", next.Part-1, MaxParts)
	}
	return ""
}

// nearDeadline reports whether the margin before the deadline has begun.
func (h *Handler) nearDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && !h.now().Before(d.Add(-h.loader.opts.DeadlineMargin))
}

// enqueue sends a continuation (or a deferred object) to the ingest queue.
func (h *Handler) enqueue(ctx context.Context, ref ObjectRef) error {
	body, err := continuationBody(ref)
	if err != nil {
		return err
	}
	_, err = h.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(h.queueURL), MessageBody: aws.String(body)})
	if err != nil {
		return fmt.Errorf("loader: enqueue %s: %w", ref, err)
	}
	return nil
}

func (h *Handler) logPart(ctx context.Context, messageID string, p *Part) {
	attrs := []any{"messageId", messageID, "object", p.Object.String(), "logType", p.LogType, "records", p.Records,
		"created", p.Created, "existed", p.Existed, "deadLettered", p.DeadLettered, "notIndexed", p.NotIndexed,
		"skipped", p.Skipped, "errors", p.Stats.Errors, "alerts", p.AlertsIndexed, "signals", p.SignalsIndexed, "alertsFailed", p.AlertsFailed}
	switch {
	case !p.Complete():
		h.log.ErrorContext(ctx, "documents not indexed; message will be redelivered", append(attrs, "failure", p.Failure)...)
	case p.Next != nil:
		h.log.InfoContext(ctx, "deadline near; continuing in a new message", append(attrs, "resumeAt", p.Next.SkipRecords)...)
	default:
		h.log.InfoContext(ctx, "object loaded", attrs...)
	}
}

func metricsFor(byType map[string]*Metrics, logType string) *Metrics {
	if logType == "" {
		logType = "unknown"
	}
	m := byType[logType]
	if m == nil {
		m = &Metrics{}
		byType[logType] = m
	}
	return m
}

// emit writes the invocation's metrics; a failure to write them is logged,
// it never fails the invocation.
func (h *Handler) emit(byType map[string]*Metrics) {
	if err := writeEMF(h.metrics, h.now(), byType); err != nil {
		h.log.Error("metrics not written", "error", err.Error())
	}
}
