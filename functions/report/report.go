// Package report is the report Lambda: the daily Logging Compliance Report
// built from the OpenSearch domain by internal/report.FromSearch — the
// alert documents of the report's rules in orgsiem-alerts-* (counted by the
// same rule as `orgsiem scan`) and the coverage aggregation over the log
// indices (keyword and date fields only) — then
//
//   - published as text to the alert SNS topic (the e-mail),
//   - stored as JSON and HTML in the report bucket under
//     reports/YYYY/MM/DD/, and
//   - indexed as a document in reports-YYYY.MM.
//
// The CLI (orgsiem report) runs the same Build directly against a domain,
// or invokes this function with dry_run to get the report without
// publishing it.
package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	rpt "github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/search"
)

// Config is the report function's configuration.
type Config struct {
	Endpoint string // https://<host>
	Bucket   string
	TopicARN string
	Window   string
	Region   string
}

// ConfigFromEnv reads Config from the lambdaenv variables the Pulumi
// program sets: OpenSearchEndpoint (host), SnapshotBucket (where the JSON
// and HTML go), AlertTopicARN (where the text goes), ReportWindow (look-back
// such as "24h" or "now-1d"; default DefaultWindow) and Region (default
// AWS_REGION).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Bucket: getenv(lambdaenv.SnapshotBucket), TopicARN: getenv(lambdaenv.AlertTopicARN), Window: getenv(lambdaenv.ReportWindow), Region: getenv(lambdaenv.Region)}
	if c.Region == "" {
		c.Region = getenv("AWS_REGION")
	}
	if c.Window == "" {
		c.Window = DefaultWindow
	}
	if h := getenv(lambdaenv.OpenSearchEndpoint); h != "" {
		c.Endpoint = "https://" + strings.TrimPrefix(h, "https://")
	}
	switch {
	case c.Endpoint == "":
		return c, fmt.Errorf("report config: %s is empty", lambdaenv.OpenSearchEndpoint)
	case c.Bucket == "":
		return c, fmt.Errorf("report config: %s is empty", lambdaenv.SnapshotBucket)
	case !strings.HasPrefix(c.TopicARN, "arn:") || !strings.Contains(c.TopicARN, ":sns:"):
		return c, fmt.Errorf("report config: %s %q is not an SNS topic ARN", lambdaenv.AlertTopicARN, c.TopicARN)
	case c.Region == "":
		return c, fmt.Errorf("report config: %s and AWS_REGION are empty", lambdaenv.Region)
	}
	if _, err := ParseWindow(c.Window, time.Now()); err != nil {
		return c, fmt.Errorf("report config: %s: %w", lambdaenv.ReportWindow, err)
	}
	return c, nil
}

// DefaultWindow is the report's look-back window when none is configured.
const DefaultWindow = "now-1d"

// ParseWindow reads a look-back window ending at now: "now-1d", "now-12h",
// "1d", "24h", "90m" (units: the Go duration units plus d for days and w
// for weeks). The Spec of the result is the text given.
func ParseWindow(spec string, now time.Time) (rpt.Window, error) {
	s := strings.TrimPrefix(strings.TrimSpace(spec), "now-")
	var d time.Duration
	var err error
	switch {
	case s == "":
		err = errors.New("empty")
	case strings.HasSuffix(s, "d"), strings.HasSuffix(s, "w"):
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		var n int
		n, err = strconv.Atoi(s[:len(s)-1])
		d = time.Duration(n) * unit
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 || d > 366*24*time.Hour {
		return rpt.Window{}, fmt.Errorf("window %q: want a positive look-back of at most a year such as now-1d, now-12h, 7d or 24h", spec)
	}
	now = now.UTC()
	return rpt.Window{From: now.Add(-d), To: now, Spec: spec}, nil
}

// SearchAPI is the part of the OpenSearch client (*search.Client) the
// report uses: the search (JSON) and the report document (a one-item
// _bulk, which the report role's bulk permission covers).
type SearchAPI interface {
	JSON(ctx context.Context, method, path string, in, out any) error
	Do(ctx context.Context, r search.Request) (int, []byte, error)
}

// PutObjectAPI is the part of the S3 client the report is stored with.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// PublishAPI is the part of the SNS client the text is published with.
type PublishAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Request is the function's input. The schedule sends {"action":"report"};
// the CLI adds a window and dry_run.
type Request struct {
	Action string `json:"action,omitempty"` // "report" or empty
	// Window overrides the configured look-back ("now-1d", "24h").
	Window string `json:"window,omitempty"`
	// DryRun builds the report and returns it without publishing, storing
	// or indexing it (on-demand reports from the CLI).
	DryRun bool `json:"dry_run,omitempty"`
}

// Response is the function's output.
type Response struct {
	Report *rpt.Report `json:"report"`
	// JSONKey and HTMLKey are where the renderings were stored (empty on a
	// dry run), MessageID the SNS message, Document the reports-* document
	// as index/_id.
	JSONKey   string `json:"json_key,omitempty"`
	HTMLKey   string `json:"html_key,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Document  string `json:"document,omitempty"`
}

// Reporter builds and delivers reports.
type Reporter struct {
	cfg    Config
	search SearchAPI
	s3     PutObjectAPI
	sns    PublishAPI
	now    func() time.Time
}

// New returns a Reporter. s3 and sns may be nil for a Reporter that only
// builds (the CLI's --endpoint mode); Handle then refuses to publish.
func New(cfg Config, search SearchAPI, s3 PutObjectAPI, sns PublishAPI, now func() time.Time) (*Reporter, error) {
	if search == nil {
		return nil, errors.New("report: nil search client")
	}
	if now == nil {
		now = time.Now
	}
	return &Reporter{cfg: cfg, search: search, s3: s3, sns: sns, now: now}, nil
}

// SearchPath is the request path of a search over the index pattern
// indices, tolerating patterns that match no index yet (a month without
// alerts).
func SearchPath(indices string) string {
	return "/" + url.PathEscape(indices) + "/_search?ignore_unavailable=true&allow_no_indices=true"
}

// Searcher adapts the search client to internal/report's Searcher.
func Searcher(api SearchAPI) rpt.Searcher {
	return func(ctx context.Context, indices string, body map[string]any) ([]byte, error) {
		var resp json.RawMessage
		// The client's errors name the method and path: no wrapping.
		if err := api.JSON(ctx, "POST", SearchPath(indices), body, &resp); err != nil {
			return nil, err
		}
		return resp, nil
	}
}

// Build builds the report of window w from the domain. Its errors carry
// their own context (which search, which page); callers add only theirs.
func (r *Reporter) Build(ctx context.Context, w rpt.Window) (*rpt.Report, error) {
	return rpt.FromSearch(ctx, Searcher(r.search), w, rpt.BuilderOptions{}, r.now())
}

// Handle builds the report over the requested (or configured) window and,
// unless it is a dry run, publishes the text, stores JSON and HTML, and
// indexes the report document. Every delivery is attempted; the error joins
// those that failed.
func (r *Reporter) Handle(ctx context.Context, req Request) (Response, error) {
	if req.Action != "" && req.Action != "report" {
		return Response{}, fmt.Errorf("report: unknown action %q (want \"report\")", req.Action)
	}
	spec := req.Window
	if spec == "" {
		spec = r.cfg.Window
	}
	if spec == "" {
		spec = DefaultWindow
	}
	w, err := ParseWindow(spec, r.now())
	if err != nil {
		return Response{}, fmt.Errorf("report: %w", err)
	}
	rep, err := r.Build(ctx, w)
	if err != nil {
		return Response{}, fmt.Errorf("report over %s: %w", spec, err)
	}
	out := Response{Report: rep}
	if req.DryRun {
		return out, nil
	}
	if r.s3 == nil || r.sns == nil {
		return out, errors.New("report: no S3 or SNS client to deliver the report with")
	}
	var errs []error
	if out.JSONKey, out.HTMLKey, err = r.store(ctx, rep); err != nil {
		errs = append(errs, err)
	}
	if out.MessageID, err = r.publish(ctx, rep); err != nil {
		errs = append(errs, err)
	}
	if out.Document, err = r.index(ctx, rep); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// Keys returns where a report's JSON and HTML are stored:
// reports/YYYY/MM/DD/logging-compliance-<date>-<generated>.{json,html}.
func Keys(rep *rpt.Report) (jsonKey, htmlKey string) {
	day := rep.Window.To.UTC()
	base := fmt.Sprintf("%s%s/logging-compliance-%s-%s", lambdaenv.ReportPrefix, day.Format("2006/01/02"), rep.Date, rep.Generated.UTC().Format("20060102T150405Z"))
	return base + ".json", base + ".html"
}

func (r *Reporter) store(ctx context.Context, rep *rpt.Report) (string, string, error) {
	jsonKey, htmlKey := Keys(rep)
	var jb, hb bytes.Buffer
	if err := rpt.JSON(&jb, rep); err != nil {
		return "", "", fmt.Errorf("report: render JSON: %w", err)
	}
	if err := rpt.HTML(&hb, rep); err != nil {
		return "", "", fmt.Errorf("report: render HTML: %w", err)
	}
	for _, o := range []struct {
		key, ctype string
		body       []byte
	}{{jsonKey, "application/json", jb.Bytes()}, {htmlKey, "text/html; charset=utf-8", hb.Bytes()}} {
		_, err := r.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(r.cfg.Bucket), Key: aws.String(o.key), Body: bytes.NewReader(o.body),
			ContentLength: aws.Int64(int64(len(o.body))), ContentType: aws.String(o.ctype),
		})
		if err != nil {
			return "", "", fmt.Errorf("report: store s3://%s/%s: %w", r.cfg.Bucket, o.key, err)
		}
	}
	return jsonKey, htmlKey, nil
}

// Subject is the SNS subject of a report (ASCII, under SNS's 100
// characters).
func Subject(rep *rpt.Report) string { return "Logging Compliance Report " + rep.Date }

func (r *Reporter) publish(ctx context.Context, rep *rpt.Report) (string, error) {
	var tb bytes.Buffer
	if err := rpt.Text(&tb, rep); err != nil {
		return "", fmt.Errorf("report: render text: %w", err)
	}
	out, err := r.sns.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(r.cfg.TopicARN), Subject: aws.String(Subject(rep)), Message: aws.String(tb.String()),
	})
	if err != nil {
		return "", fmt.Errorf("report: publish to %s: %w", r.cfg.TopicARN, err)
	}
	return aws.ToString(out.MessageId), nil
}

// ReportIndex is the reports-YYYY.MM index of a report (its date's month).
func ReportIndex(rep *rpt.Report) string {
	return "reports-" + rep.Window.To.Add(-time.Nanosecond).UTC().Format("2006.01")
}

// reportDocument is the indexed form: the report's fields plus @timestamp
// (when it was generated) and the window as a range of dates.
type reportDocument struct {
	Timestamp time.Time `json:"@timestamp"`
	Kind      string    `json:"kind"`
	*rpt.Report
}

// index stores the report as a document whose _id is a hash of its window,
// so a re-run for the same window replaces it.
func (r *Reporter) index(ctx context.Context, rep *rpt.Report) (string, error) {
	sum := sha256.Sum256([]byte(rep.Window.From.UTC().Format(time.RFC3339Nano) + "/" + rep.Window.To.UTC().Format(time.RFC3339Nano)))
	id := "logging-compliance-" + hex.EncodeToString(sum[:12])
	index := ReportIndex(rep)
	action, err := json.Marshal(map[string]any{"index": map[string]any{"_index": index, "_id": id}})
	if err != nil {
		return "", err
	}
	doc, err := json.Marshal(reportDocument{Timestamp: rep.Generated, Kind: "logging-compliance", Report: rep})
	if err != nil {
		return "", fmt.Errorf("report: encode document: %w", err)
	}
	body := append(append(append(action, '\n'), doc...), '\n')
	status, resp, err := r.search.Do(ctx, search.Request{Method: "POST", Path: "/_bulk", Body: body, ContentType: "application/x-ndjson"})
	if err == nil && status != 200 {
		err = fmt.Errorf("status %d: %s", status, firstLine(resp))
	}
	if err == nil {
		var br struct {
			Items []map[string]struct {
				Status int `json:"status"`
				Error  *struct {
					Type   string `json:"type"`
					Reason string `json:"reason"`
				} `json:"error"`
			} `json:"items"`
		}
		switch {
		case json.Unmarshal(resp, &br) != nil || len(br.Items) != 1:
			err = fmt.Errorf("unexpected bulk response: %s", firstLine(resp))
		default:
			for _, it := range br.Items[0] {
				if it.Status < 200 || it.Status > 299 {
					err = fmt.Errorf("status %d", it.Status)
					if it.Error != nil {
						err = fmt.Errorf("status %d: %s: %s", it.Status, it.Error.Type, it.Error.Reason)
					}
				}
			}
		}
	}
	if err != nil {
		return "", fmt.Errorf("report: index %s/%s: %w", index, id, err)
	}
	return index + "/" + id, nil
}

// firstLine is the start of a response body for an error message.
func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
