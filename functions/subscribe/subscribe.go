// Package subscribe is the log-subscribing Lambda: it keeps every wanted
// CloudWatch Logs log group of its account and region subscribed to the
// transfer Lambda.
//
// Triggers (Handle dispatches on the event's own fields):
//   - EventBridge "AWS API Call via CloudTrail" for logs.amazonaws.com
//     CreateLogGroup: the new group is subscribed.
//   - EventBridge "Scheduled Event" (a rule schedule), or {"action":"sweep"}
//     (the input to give an EventBridge Scheduler target): a sweep pages
//     through every log group and fixes those missing our filter.
//   - A CloudFormation custom resource request: Create and Update sweep;
//     Delete changes nothing. The response URL is always answered.
//
// Which groups are wanted: Config.Include and Config.Exclude are glob
// patterns with path.Match syntax, matched against the whole log group name
// ('*' matches any run of characters except '/', '?' one character except
// '/', '[a-z]' a class; so "/aws/lambda/*" covers "/aws/lambda/app" but not
// "/aws/lambda/app/x"). An empty Include means every group. Exclude wins.
// The pipeline's own log groups (the transfer and subscribe functions') are
// never subscribed whatever the patterns say: their logs would loop.
//
// Ownership: our subscription filter is the one named FilterName. It is
// created, or rewritten when it points elsewhere, and nothing else is ever
// changed: foreign filters are never removed or overwritten. CloudWatch Logs
// allows a log group two subscription filters (PutSubscriptionFilter API
// reference), so ours takes one of the two slots; a group whose slots are
// all foreign answers LimitExceededException, and is reported (metric and a
// log line naming it) and skipped. Groups of the Infrequent Access class (no
// subscription filters) and the Delivery class (only for delivering Lambda
// logs to S3 or Firehose) are skipped. A second run changes nothing.
//
// Large accounts: calls are paced at the CloudWatch Logs quotas
// (DefaultRates); a sweep stops before the invocation's deadline and
// continues in a new invocation from where it stopped (see Position).
// Throttling (ThrottlingException) and transient errors are retried with
// backoff; a group deleted meanwhile (ResourceNotFoundException) is a named
// skip.
//
// Account mode (Config.Mode ModeAccount): the function keeps the account's
// one account-level subscription filter policy, named FilterName, pointing
// to the transfer function; when the account already has another one
// (CloudWatch Logs allows one per account and Region), it falls back to
// subscribing log groups one by one, as in log-group mode (see account.go).
package subscribe

import (
	"errors"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/orgsiem/orgsiem/functions/internal/backoff"
)

// FilterName is the name of our subscription filter on every subscribed log
// group. A filter with this name is ours; any other filter is foreign.
const FilterName = lambdaenv.FilterName

// FilterPattern is our filter's pattern: every log event.
const FilterPattern = ""

// Subscription modes (Config.Mode).
const (
	// ModeLogGroup puts a subscription filter on each log group.
	ModeLogGroup = "loggroup"
	// ModeAccount keeps the account-level subscription filter policy, or
	// falls back to ModeLogGroup when the account has a foreign one.
	ModeAccount = "account"
)

// Environment variables read by ConfigFromEnv. None holds a secret.
const (
	EnvDestinationARN    = lambdaenv.DestinationARN    // ARN of the transfer Lambda (required)
	EnvInclude           = lambdaenv.IncludePatterns   // comma-separated globs (default: every group)
	EnvExclude           = lambdaenv.ExcludePatterns   // comma-separated globs
	EnvPipelineLogGroups = lambdaenv.PipelineLogGroups // comma-separated exact names never subscribed
	EnvMode              = lambdaenv.SubscriptionMode  // "loggroup" (default) or "account"
	EnvFunctionName      = "AWS_LAMBDA_FUNCTION_NAME"  // set by Lambda
	EnvFunctionLogGroup  = "AWS_LAMBDA_LOG_GROUP_NAME" // set by Lambda
)

// Config is the subscribe function's configuration.
type Config struct {
	// DestinationARN is the transfer Lambda's ARN, the destination of our
	// filter (arn:<partition>:lambda:<region>:<account>:function:<name>).
	DestinationARN string
	// Include and Exclude are path.Match patterns over log group names.
	Include, Exclude []string
	// PipelineLogGroups are further log groups never subscribed (for
	// example the transfer function's log group when it logs to a custom
	// group rather than /aws/lambda/<name>).
	PipelineLogGroups []string
	// FunctionName and FunctionLogGroup identify this function; its log
	// group is never subscribed. FunctionName is also the function a sweep
	// invokes to continue.
	FunctionName, FunctionLogGroup string
	// Mode is ModeLogGroup (also when empty) or ModeAccount. In ModeAccount
	// Exclude holds exact names (the account policy's selection criteria
	// accept nothing else).
	Mode string
}

// ConfigFromEnv reads Config from the environment variables Env*. Lists are
// comma-separated (log group names cannot contain commas).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DestinationARN:    getenv(EnvDestinationARN),
		Include:           splitList(getenv(EnvInclude)),
		Exclude:           splitList(getenv(EnvExclude)),
		PipelineLogGroups: splitList(getenv(EnvPipelineLogGroups)),
		FunctionName:      getenv(EnvFunctionName),
		FunctionLogGroup:  getenv(EnvFunctionLogGroup),
		Mode:              getenv(EnvMode),
	}
	return c, c.Validate()
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Validate reports the first missing or malformed setting.
func (c Config) Validate() error {
	if _, err := lambdaFunctionName(c.DestinationARN); err != nil {
		return fmt.Errorf("subscribe config: %s: %w", EnvDestinationARN, err)
	}
	for _, p := range append(append([]string(nil), c.Include...), c.Exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("subscribe config: pattern %q: %w", p, err)
		}
	}
	switch c.Mode {
	case "", ModeLogGroup:
	case ModeAccount:
		if len(c.Include) > 0 {
			return fmt.Errorf("subscribe config: %s: account mode covers every log group; include patterns are not supported", EnvInclude)
		}
		if _, err := c.selectionCriteria(); err != nil {
			return fmt.Errorf("subscribe config: %w", err)
		}
	default:
		return fmt.Errorf("subscribe config: %s: %q is neither %q nor %q", EnvMode, c.Mode, ModeLogGroup, ModeAccount)
	}
	return nil
}

// lambdaFunctionName extracts the function name of a Lambda function ARN
// (an optional version or alias qualifier is allowed).
func lambdaFunctionName(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return "", fmt.Errorf("%q is not a Lambda function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>)", arn)
	}
	return parts[6], nil
}

// OwnLogGroups lists the log groups never subscribed: the transfer
// function's /aws/lambda/<name> (from DestinationARN), this function's
// /aws/lambda/<name> and actual log group, and PipelineLogGroups.
func (c Config) OwnLogGroups() []string {
	var own []string
	if name, err := lambdaFunctionName(c.DestinationARN); err == nil {
		own = append(own, "/aws/lambda/"+name)
	}
	if c.FunctionName != "" {
		own = append(own, "/aws/lambda/"+c.FunctionName)
	}
	if c.FunctionLogGroup != "" {
		own = append(own, c.FunctionLogGroup)
	}
	own = append(own, c.PipelineLogGroups...)
	seen := map[string]bool{}
	unique := own[:0]
	for _, g := range own {
		if !seen[g] {
			seen[g] = true
			unique = append(unique, g)
		}
	}
	return unique
}

// Subscriber keeps log groups subscribed. It is safe for concurrent use;
// each call returns its own Coverage.
type Subscriber struct {
	cfg     Config
	logs    LogsAPI
	lambda  LambdaAPI // continues a sweep; nil: no continuation
	own     map[string]bool
	retry   backoff.Policy
	log     *slog.Logger
	clock   Clock
	rates   map[string]float64
	pace    *pacer
	http    *http.Client
	reserve time.Duration // kept back for the custom resource response
	mu      sync.Mutex    // guards metrics
	metrics io.Writer
}

// Option customizes a Subscriber.
type Option func(*Subscriber)

// WithBackoff sets the retry policy for AWS calls and custom resource
// responses. Its Sleep and Now default to the Subscriber's clock.
func WithBackoff(p backoff.Policy) Option { return func(s *Subscriber) { s.retry = p } }

// WithMetricsWriter sets where EMF metrics go (default stdout).
func WithMetricsWriter(w io.Writer) Option { return func(s *Subscriber) { s.metrics = w } }

// WithLogger sets the logger (default JSON on stderr).
func WithLogger(l *slog.Logger) Option { return func(s *Subscriber) { s.log = l } }

// WithClock sets the clock of rate pacing, time budgets, backoff waits and
// metric timestamps (default: the wall clock).
func WithClock(c Clock) Option { return func(s *Subscriber) { s.clock = c } }

// WithRates sets the requests per second allowed per CloudWatch Logs
// operation (default DefaultRates; an operation left out is not paced).
func WithRates(r map[string]float64) Option { return func(s *Subscriber) { s.rates = r } }

// WithContinuation lets a sweep that runs out of time invoke this function
// (Config.FunctionName) asynchronously to continue. Without it a cut-off
// sweep ends and the next scheduled sweep starts over.
func WithContinuation(c LambdaAPI) Option { return func(s *Subscriber) { s.lambda = c } }

// WithHTTPClient sets the client that answers custom resource requests
// (default: a client with a 30 s timeout). Response URLs must be https.
func WithHTTPClient(c *http.Client) Option { return func(s *Subscriber) { s.http = c } }

// WithResponseReserve sets how much of the invocation's time a sweep
// leaves for answering CloudFormation and reporting (default 20 s).
func WithResponseReserve(d time.Duration) Option { return func(s *Subscriber) { s.reserve = d } }

// New returns a Subscriber using logs. The client should have the SDK's own
// retries disabled (RetryMaxAttempts 1): the Subscriber retries.
func New(cfg Config, logs LogsAPI, opts ...Option) (*Subscriber, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logs == nil {
		return nil, errors.New("subscribe: nil CloudWatch Logs client")
	}
	s := &Subscriber{
		cfg:     cfg,
		logs:    logs,
		own:     map[string]bool{},
		log:     slog.New(slog.NewJSONHandler(os.Stderr, nil)),
		clock:   wallClock{},
		rates:   DefaultRates,
		http:    &http.Client{Timeout: 30 * time.Second},
		reserve: 20 * time.Second,
		metrics: os.Stdout,
	}
	for _, g := range cfg.OwnLogGroups() {
		s.own[g] = true
	}
	for _, o := range opts {
		o(s)
	}
	if s.retry.Sleep == nil {
		s.retry.Sleep = s.clock.Sleep
	}
	if s.retry.Now == nil {
		s.retry.Now = s.clock.Now
	}
	s.pace = newPacer(s.clock, s.rates)
	return s, nil
}

// wantedByName decides from the name alone: the reason to skip, or "".
func (s *Subscriber) wantedByName(name string) SkipReason {
	if s.own[name] {
		return SkipPipeline
	}
	for _, p := range s.cfg.Exclude {
		if ok, _ := path.Match(p, name); ok {
			return SkipExcluded
		}
	}
	if len(s.cfg.Include) == 0 {
		return ""
	}
	for _, p := range s.cfg.Include {
		if ok, _ := path.Match(p, name); ok {
			return ""
		}
	}
	return SkipNotIncluded
}
