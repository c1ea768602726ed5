package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/functions/maintain"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

const remoteBucket = "orgsiem-archive-111122223333"

// awsEnv points the AWS SDK of the CLI at fakes: static credentials, no
// shared config, no instance metadata, and the given service endpoints.
func awsEnv(t *testing.T, endpoints map[string]string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-west-1",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
	for k, v := range endpoints {
		t.Setenv(k, v)
	}
}

func newArchive(t *testing.T) (*s3.Client, string) {
	c := s3test.New(t, nil, remoteBucket)
	return c, aws.ToString(c.Options().BaseEndpoint)
}

func putObject(t *testing.T, c *s3.Client, key, body string) {
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(remoteBucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func noRejections(t *testing.T, srv *searchtest.Server) {
	t.Helper()
	for _, rej := range srv.Rejections() {
		t.Fatalf("refused %s %s: %v", rej.Method, rej.Path, rej.Err)
	}
}

func TestLoadBackfillsAndAccounts(t *testing.T) {
	s3c, s3URL := newArchive(t)
	srv := searchtest.New(t)
	awsEnv(t, map[string]string{"AWS_ENDPOINT_URL_S3": s3URL})
	flowHeader := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
	flow := flowHeader +
		"2 123456789012 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 443 49152 6 10 840 1735787045 1735787105 ACCEPT OK\n" +
		"2 123456789012 eni-0123456789abcdef0 - - - - - - - 1735787045 1735787105 - NODATA\n" +
		"2 123456789012 eni-0123456789abcdef0 10.0.0.3 10.0.0.2 22 49153 6 1 40 1735787046 1735787106 REJECT OK\n"
	in := "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/01/02/123456789012_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20250102T0305Z_0123abcd.log"
	out := "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/03/02/123456789012_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20250302T0305Z_0123abcd.log"
	putObject(t, s3c, in, flow)
	putObject(t, s3c, out, flow)
	putObject(t, s3c, "AWSLogs/readme.txt", "not a log")
	args := []string{"load", "s3://" + remoteBucket + "/AWSLogs/", "--since", "2025-01-01", "--until", "2025-02-01", "--endpoint", srv.URL}

	t.Run("a dry run counts what would be loaded", func(t *testing.T) {
		r := runCLI(t, append(args, "--dry-run")...)
		if r.code != exitOK || !strings.Contains(r.stdout, "dry run: 1 objects") || !strings.Contains(r.stdout, "vpcflow") ||
			!strings.Contains(r.stdout, "not loaded, key of no known layout: 1 objects: AWSLogs/readme.txt") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		if srv.DocCount("") != 0 {
			t.Error("a dry run indexed documents")
		}
	})

	t.Run("the objects of the range are loaded and every record accounted for", func(t *testing.T) {
		r := runCLI(t, args...)
		noRejections(t, srv)
		for _, want := range []string{"objects:       1 of 1 loaded completely, 0 with documents or alerts not indexed, 0 unreadable", "records:       4", "indexed:       3 (3 new, 0 already indexed)", "skipped:       1", "header                     1", "dead-lettered: 0"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("output lacks %q:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
			}
		}
		// One record satisfies a threshold rule's condition: its signal is
		// the one alert document beside the three log documents.
		if r.code != exitOK || srv.DocCount("log-aws-vpcflow-2025.01") != 3 || srv.DocCount("") != 4 ||
			!strings.Contains(r.stdout, "alerts:        0 alerts and 1 signals") {
			t.Errorf("exit %d, %d documents", r.code, srv.DocCount(""))
		}
	})

	t.Run("loading again indexes nothing twice", func(t *testing.T) {
		r := runCLI(t, args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "indexed:       3 (0 new, 3 already indexed)") || srv.DocCount("") != 4 {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})

	t.Run("usage errors say what is wrong", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"load", "s3://" + remoteBucket + "/"}, "--endpoint URL is required"},
			{[]string{"load", "bucket/prefix", "--dry-run"}, "not an s3://bucket/key URL"},
			{[]string{"load", "s3://b/", "--since", "2025-02-01", "--until", "2025-01-01", "--dry-run"}, "is not before --until"},
		} {
			r := runCLI(t, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
			}
		}
	})
}

// lambdaServer speaks the Lambda Invoke API (POST
// /2015-03-31/functions/NAME/invocations) and runs the real maintain
// handler against the spec-validating OpenSearch server.
func lambdaServer(t *testing.T, function string, handle func(ctx context.Context, req maintain.Request) (maintain.Response, error)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/"+function+"/invocations" {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"Type":"User","message":"Function not found: %s"}`, r.URL.Path)
			return
		}
		var req maintain.Request
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"Type":"User","message":"bad payload"}`)
			return
		}
		resp, err := handle(r.Context(), req)
		if err != nil {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error(), "errorType": "errorString"})
			return
		}
		json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRestoreThroughTheMaintainFunction(t *testing.T) {
	os := searchtest.New(t)
	sc, err := search.New(search.Config{URL: os.URL})
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := detect.Builtin()
	m, err := maintain.New(maintain.Config{SnapshotBucket: "snaps", Region: "eu-west-1", SnapshotRoleARN: "arn:aws:iam::222233334444:role/orgsiem-snapshot",
		RetentionDays: 30, HotIndexDays: 30}, sc, cat, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Handle(context.Background(), maintain.Request{Action: "restore-plan", From: "2025-01-01", To: "2025-01-01"}); err == nil {
		t.Fatal("a plan without a repository succeeded")
	}
	if err := sc.JSON(context.Background(), "PUT", "/_snapshot/"+maintain.Repository,
		search.Repository{Name: maintain.Repository, Bucket: "snaps", Region: "eu-west-1", RoleARN: "arn:aws:iam::222233334444:role/orgsiem-snapshot"}.Body(), nil); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2025, 2, 28, 2, 0, 0, 0, time.UTC)
	os.AddSnapshot(searchtest.Snapshot{Repository: maintain.Repository, Name: "orgsiem-daily-2025-02-28",
		Indices: []string{"log-aws-cloudtrail-2025.01", "log-aws-cloudtrail-2025.02", "log-aws-vpcflow-2025.02"}, Start: end.Add(-time.Hour), End: end})
	awsEnv(t, map[string]string{"AWS_ENDPOINT_URL_LAMBDA": lambdaServer(t, "orgsiem-maintain", m.Handle)})

	t.Run("the plan names snapshot, indices and what is missing", func(t *testing.T) {
		r := runCLI(t, "restore", "--from", "2025-01-10", "--to", "2025-03-05", "--types", "cloudtrail", "--plan-only")
		want := []string{"would restore from snapshot orgsiem-daily-2025-02-28:", "log-aws-cloudtrail-2025.01 -> restored-log-aws-cloudtrail-2025.01",
			"log-aws-cloudtrail-2025.02 -> restored-log-aws-cloudtrail-2025.02", "missing (no successful snapshot holds them", "log-aws-cloudtrail-2025.03"}
		for _, w := range want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("output lacks %q:\n%s%s", w, r.stdout, r.stderr)
			}
		}
		if len(os.Indices()) != 0 {
			t.Errorf("a plan restored %v", os.Indices())
		}
	})

	t.Run("the restore makes the indices searchable and says how to query them", func(t *testing.T) {
		r := runCLI(t, "restore", "--from", "2025-01-10", "--to", "2025-03-05", "--types", "cloudtrail")
		noRejections(t, os)
		if r.code != exitOK || !strings.Contains(r.stdout, "searchable now: restored-log-aws-cloudtrail-2025.01, restored-log-aws-cloudtrail-2025.02") ||
			!strings.Contains(r.stdout, `index pattern "restored-log-aws-*"`) {
			t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if got := strings.Join(os.Indices(), " "); got != "restored-log-aws-cloudtrail-2025.01 restored-log-aws-cloudtrail-2025.02" {
			t.Errorf("indices %s", got)
		}
	})

	t.Run("a function error is reported with its message", func(t *testing.T) {
		r := runCLI(t, "restore", "--from", "2025-01-10", "--to", "2025-03-05", "--types", "Cloud Trail")
		if r.code != exitError || !strings.Contains(r.stderr, `log type "Cloud Trail" is not a type name`) {
			t.Errorf("exit %d, stderr %s", r.code, r.stderr)
		}
	})

	t.Run("snapshot list shows the repository's snapshots", func(t *testing.T) {
		r := runCLI(t, "snapshot", "list")
		if r.code != exitOK || !strings.Contains(r.stdout, "orgsiem-daily-2025-02-28") || !strings.Contains(r.stdout, "3 indices") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("a restore without its period is a usage error", func(t *testing.T) {
		r := runCLI(t, "restore", "--to", "2025-03-05")
		if r.code != exitUsage || !strings.Contains(r.stderr, `--from ""`) {
			t.Errorf("exit %d, stderr %s", r.code, r.stderr)
		}
	})
}

func TestReportAgainstTheDomain(t *testing.T) {
	srv := searchtest.New(t)
	// A domain without any log or alert index: a search over patterns that
	// match nothing (allow_no_indices) runs on no shard and answers without
	// aggregations (OpenSearch InternalSearchResponse.empty()).
	srv.SetSearch(func(index string, body []byte) (any, bool) {
		return map[string]any{"took": 0, "timed_out": false, "_shards": map[string]any{"total": 0, "successful": 0, "skipped": 0, "failed": 0},
			"hits": map[string]any{"total": map[string]any{"value": 0, "relation": "eq"}, "max_score": 0, "hits": []any{}}}, true
	})
	r := runCLI(t, "report", "--endpoint", srv.URL, "--window", "now-1d")
	noRejections(t, srv)
	if r.code != exitOK || !strings.Contains(r.stdout, "Logging Compliance Report") || !strings.Contains(r.stdout, "0 with findings, 0 without findings, 10 NO DATA") {
		t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var buf bytes.Buffer
	buf.WriteString(runCLI(t, "report", "--endpoint", srv.URL, "--format", "json").stdout)
	var rep struct {
		Window     struct{ From, To time.Time } `json:"window"`
		Guidelines []struct {
			Status string `json:"status"`
		} `json:"guidelines"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil || len(rep.Guidelines) != 10 || rep.Guidelines[5].Status != "no_data" || rep.Window.From.IsZero() || rep.Window.To.IsZero() {
		t.Errorf("json: %v %+v", err, rep)
	}
	if r := runCLI(t, "report", "--endpoint", srv.URL, "--publish"); r.code != exitUsage {
		t.Errorf("--publish with --endpoint: exit %d", r.code)
	}
}

// The first line of load's totals cannot contradict its last: an object
// with documents OpenSearch kept refusing is not "loaded".
func TestLoadTotalsFirstLineAgreesWithTheLast(t *testing.T) {
	var b strings.Builder
	printLoadTotals(&b, &loadTotals{objects: 6, incomplete: 1, records: 70, created: 5, notIndexed: 65}, 6)
	out := b.String()
	if !strings.Contains(out, "objects:       5 of 6 loaded completely, 1 with documents or alerts not indexed, 0 unreadable") ||
		!strings.Contains(out, "not indexed:   65") {
		t.Errorf("totals:\n%s", out)
	}
}
