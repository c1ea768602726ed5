// Package search is orgsiem's OpenSearch side: a client on opensearch-go/v4
// (SigV4-signed for Amazon OpenSearch Service, plain HTTP(S) for tests and
// local development), the bulk indexer the loader writes through, and the
// domain configuration generated from code — index templates and ISM
// policies from the ECS schema, alerting monitors from the rule catalog,
// the SNS notification channel, roles and role mappings, the snapshot
// repository and Snapshot Management policy, snapshots and restore plans, and
// the Dashboards saved objects.
//
// Everything that builds a request body is a pure function returning plain
// JSON-able values, so tests validate each body against the OpenSearch
// OpenAPI specification (package searchtest) without a cluster.
package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchtransport"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"
)

// SigningService is the SigV4 service name of Amazon OpenSearch Service
// domains ("aoss" would be OpenSearch Serverless, which orgsiem does not use).
const SigningService = "es"

// Config configures a Client.
type Config struct {
	// URL is the domain endpoint, e.g. https://vpc-siem-xyz.eu-west-1.es.amazonaws.com.
	// Plain http:// is accepted only for loopback addresses (tests, a local
	// OpenSearch). For local development only, user:password in the URL's
	// userinfo is used as HTTP basic auth; never put a production secret there.
	URL string
	// AWS, when set, signs every request with SigV4 for SigningService
	// using its credentials and region (the Lambda's execution role).
	AWS *aws.Config
	// BasicAuthFile names a file holding "user:password" (one line) for
	// HTTP basic auth, e.g. a mounted secret. Ignored when AWS is set.
	BasicAuthFile string
	// Transport replaces the HTTP transport (tests, custom TLS). Nil uses
	// the default transport.
	Transport http.RoundTripper
	// RequestTimeout bounds one HTTP attempt, from sending the request to
	// reading the whole answer: 0 is DefaultRequestTimeout for an https
	// endpoint (a domain) and no bound for a loopback http one (the
	// in-process test server, whose spec validation of large bodies under
	// the race detector takes longer than any real domain should; a local
	// OpenSearch from the CLI gets --timeout explicitly); negative means
	// only the caller's context bounds it. When the context has a
	// deadline (a Lambda invocation's), an attempt also ends DeadlineMargin
	// before it, so the caller still has time to report the failure.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout bounds one request when Config.RequestTimeout is
// 0: long enough for a 5 MB _bulk or a month's aggregation on a busy
// domain, short enough that a hung connection does not eat a Lambda's
// whole run.
const DefaultRequestTimeout = 60 * time.Second

// DeadlineMargin is the time an attempt leaves before the context's
// deadline, for the caller to record the failure (dead-letter, batch
// item failures, a log line) before Lambda stops the invocation.
const DeadlineMargin = 5 * time.Second

// Client talks to one OpenSearch domain. It is safe for concurrent use.
type Client struct {
	os      *opensearch.Client
	url     *url.URL
	timeout time.Duration // per attempt; 0: none
}

// New builds a client. It performs no request.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("search: endpoint %q is not an absolute URL", redactURL(cfg.URL))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("search: endpoint %s: plain http is only allowed to a loopback address", redactURL(cfg.URL))
		}
	default:
		return nil, fmt.Errorf("search: endpoint %s: scheme must be https", redactURL(cfg.URL))
	}
	// The transport is built directly (not through opensearch.NewClient)
	// because only its Config can switch off the background
	// /_nodes/_local/stats polling, which a fine-grained-access-control
	// domain refuses to our least-privilege roles and which adds requests
	// nobody asked for.
	addr := *u
	addr.User = nil
	timeout := cfg.RequestTimeout
	switch {
	case timeout == 0 && u.Scheme == "https":
		timeout = DefaultRequestTimeout
	case timeout < 0:
		timeout = 0
	}
	oc := opensearchtransport.Config{
		URLs:                  []*url.URL{&addr},
		Transport:             cfg.Transport,
		DisableRetry:          true, // the bulk indexer and callers retry with their own policy
		HealthCheckMaxRetries: -1,
		MaxRetryClusterHealth: -1,
		NodeStatsInterval:     -1,
		// The transport's own per-attempt timeout also retires a stalled
		// pooled connection, so the next request dials afresh.
		RequestTimeout: timeout,
	}
	if u.User != nil {
		oc.Username = u.User.Username()
		oc.Password, _ = u.User.Password()
	}
	switch {
	case cfg.AWS != nil:
		if u.User != nil {
			return nil, errors.New("search: endpoint URL carries credentials and AWS signing is configured; use one")
		}
		s, err := awsv2.NewSignerWithService(*cfg.AWS, SigningService)
		if err != nil {
			return nil, fmt.Errorf("search: signer: %w", err)
		}
		oc.Signer = s
	case cfg.BasicAuthFile != "":
		user, pass, err := readBasicAuth(cfg.BasicAuthFile)
		if err != nil {
			return nil, err
		}
		oc.Username, oc.Password = user, pass
	}
	tp, err := opensearchtransport.New(oc)
	if err != nil {
		return nil, fmt.Errorf("search: client for %s: %w", redactURL(cfg.URL), err)
	}
	return &Client{os: &opensearch.Client{Transport: tp}, url: u, timeout: timeout}, nil
}

// RequestTimeout is the client's per-attempt bound (0: none but the
// caller's context and its deadline).
func (c *Client) RequestTimeout() time.Duration { return c.timeout }

// Close releases the client's idle connections.
func (c *Client) Close() error { return c.os.Close() }

func readBasicAuth(path string) (string, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("search: basic auth file: %w", err)
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok || user == "" {
		return "", "", fmt.Errorf("search: basic auth file %s: want one line user:password", path)
	}
	return user, pass, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// redactURL drops userinfo so a URL can appear in errors and logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparseable URL>"
	}
	u.User = nil
	return u.String()
}

// Error is a non-2xx answer from OpenSearch.
type Error struct {
	Method string
	Path   string
	Status int
	// Type and Reason come from the response's error object
	// ("resource_already_exists_exception", ...); empty when it had none.
	Type   string
	Reason string
}

func (e *Error) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("opensearch %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Type, e.Reason)
	}
	return fmt.Sprintf("opensearch %s %s: %d %s", e.Method, e.Path, e.Status, e.Reason)
}

// IsStatus reports whether err is an *Error with the given HTTP status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// IsIndexNotFound reports whether err is OpenSearch's 404
// index_not_found_exception (an index or alias that does not exist).
func IsIndexNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound && e.Type == "index_not_found_exception"
}

// Request is one raw HTTP request to the domain.
type Request struct {
	Method string
	// Path is the path and query, e.g. "/_index_template/log-aws-cloudtrail".
	Path string
	// Body is sent as is; ContentType defaults to application/json when
	// Body is set. Gzip sets Content-Encoding: gzip (Body must already be
	// compressed).
	Body        []byte
	ContentType string
	Gzip        bool
	// Header holds extra headers (e.g. osd-xsrf for Dashboards).
	Header http.Header
}

// ErrTimeout is wrapped by the error of a request that got no (complete)
// answer within its attempt's time.
var ErrTimeout = errors.New("no answer in time")

// IsTimeout reports whether err is a request that timed out.
func IsTimeout(err error) bool { return errors.Is(err, ErrTimeout) }

// attempt derives the context of one attempt: the client's timeout, and
// never later than DeadlineMargin before the caller's deadline.
func (c *Client) attempt(ctx context.Context) (context.Context, context.CancelFunc, time.Duration, error) {
	limit := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl) - DeadlineMargin
		if left <= 0 {
			return nil, nil, 0, fmt.Errorf("search: %w: less than %s left before the deadline", ErrTimeout, DeadlineMargin)
		}
		if limit == 0 || left < limit {
			limit = left
		}
	}
	if limit == 0 {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, 0, nil
	}
	actx, cancel := context.WithTimeout(ctx, limit)
	return actx, cancel, limit, nil
}

// Do sends a raw request and returns the status and the whole response
// body. A transport failure is an error; any HTTP status is returned as is.
// The attempt (sending, waiting, reading the body) is bounded as described
// at Config.RequestTimeout; running out is an error wrapping ErrTimeout.
func (c *Client) Do(ctx context.Context, r Request) (int, []byte, error) {
	actx, cancel, limit, err := c.attempt(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", r.Method, strings.SplitN(r.Path, "?", 2)[0], err)
	}
	defer cancel()
	status, body, err := c.do(actx, r)
	if err != nil && ctx.Err() == nil && (actx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded)) {
		return status, nil, fmt.Errorf("search: %s %s: %w within %s: %v", r.Method, strings.SplitN(r.Path, "?", 2)[0], ErrTimeout, limit, err)
	}
	return status, body, err
}

func (c *Client) do(ctx context.Context, r Request) (int, []byte, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	u := *c.url
	u.User = nil
	path, query, _ := strings.Cut(r.Path, "?")
	raw := strings.TrimSuffix(u.EscapedPath(), "/") + path
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return 0, nil, fmt.Errorf("search: %s %s: %w", r.Method, path, err)
	}
	u.Path, u.RawPath, u.RawQuery = dec, raw, query
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return 0, nil, fmt.Errorf("search: %s %s: %w", r.Method, path, err)
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
		if r.Gzip {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range r.Header {
		req.Header[k] = v
	}
	resp, err := c.os.Stream(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return 0, nil, fmt.Errorf("search: %s %s: %w", r.Method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("search: %s %s: reading response: %w", r.Method, path, err)
	}
	return resp.StatusCode, b, nil
}

// JSON sends in (marshalled; nil sends no body) and decodes a 2xx answer
// into out (nil skips decoding). A non-2xx answer is an *Error.
func (c *Client) JSON(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("search: %s %s: encoding body: %w", method, path, err)
		}
	}
	status, resp, err := c.Do(ctx, Request{Method: method, Path: path, Body: body})
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return responseError(method, path, status, resp)
	}
	if out != nil && len(resp) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			return fmt.Errorf("search: %s %s: decoding response: %w", method, path, err)
		}
	}
	return nil
}

func responseError(method, path string, status int, body []byte) *Error {
	e := &Error{Method: method, Path: strings.SplitN(path, "?", 2)[0], Status: status}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var obj struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(env.Error, &obj) == nil {
			e.Type, e.Reason = obj.Type, obj.Reason
		} else {
			var s string
			_ = json.Unmarshal(env.Error, &s)
			e.Reason = s
		}
	}
	if e.Type == "" && e.Reason == "" {
		e.Reason = http.StatusText(status)
	}
	return e
}

// pathEscape escapes one path segment (an index, template or policy name,
// or a comma-separated list of them).
func pathEscape(s string) string { return strings.ReplaceAll(url.PathEscape(s), "%2C", ",") }
