package subscribe

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
)

// responseServer stands in for the presigned S3 URL CloudFormation waits on
// (TLS, like the real one). It records each PUT and can fail the first ones.
type responseServer struct {
	srv *httptest.Server

	mu        sync.Mutex
	bodies    []cfn.Response
	ctypes    []string
	methods   []string
	failFirst int
	status    int
}

func newResponseServer(t *testing.T) *responseServer {
	rs := &responseServer{status: http.StatusOK}
	rs.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		defer rs.mu.Unlock()
		if rs.failFirst > 0 {
			rs.failFirst--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var resp cfn.Response
		if err := json.Unmarshal(body, &resp); err != nil || len(body) > maxResponseBytes {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rs.bodies = append(rs.bodies, resp)
		rs.ctypes = append(rs.ctypes, r.Header.Get("Content-Type"))
		rs.methods = append(rs.methods, r.Method)
		w.WriteHeader(rs.status)
	}))
	t.Cleanup(rs.srv.Close)
	return rs
}

func (rs *responseServer) responses() []cfn.Response {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]cfn.Response(nil), rs.bodies...)
}

// request loads a custom resource request fixture pointed at rs.
func request(t *testing.T, file, responseURL string) json.RawMessage {
	var ev map[string]any
	if err := json.Unmarshal(readFile(t, file), &ev); err != nil {
		t.Fatal(err)
	}
	ev["ResponseURL"] = responseURL + "/cloudformation-response?X-Amz-Signature=0"
	b, _ := json.Marshal(ev)
	return b
}

func TestCustomResource(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		setup      func(c *cwlServer, rs *responseServer)
		ctx        func() (context.Context, context.CancelFunc)
		wantStatus cfn.StatusType
		wantReason string
		wantData   map[string]string
		wantErr    string
		noCalls    bool
	}{
		{
			name: "create sweeps and answers success with the coverage", file: "cfn_create.json",
			wantStatus: cfn.StatusSuccess, wantReason: "Create: 3 log groups seen, 1 subscribed",
			wantData: map[string]string{"Seen": "3", "Subscribed": "1", "AlreadyOurs": "0", "SkippedPipelineLogGroup": "1", "SkippedFilterLimit": "1", "Complete": "true"},
		},
		{
			name: "update sweeps and answers success", file: "cfn_update.json",
			wantStatus: cfn.StatusSuccess, wantData: map[string]string{"Subscribed": "1"},
		},
		{
			name: "delete answers success and touches no subscription", file: "cfn_delete.json",
			wantStatus: cfn.StatusSuccess, wantReason: "Delete: 0 log groups seen", noCalls: true,
		},
		{
			name: "a sweep that cannot list log groups answers failed with the reason", file: "cfn_create.json",
			setup: func(c *cwlServer, _ *responseServer) {
				c.inject = func(op string, _ map[string]any) string {
					if op == "DescribeLogGroups" {
						return "AccessDeniedException"
					}
					return ""
				}
			},
			wantStatus: cfn.StatusFailed, wantReason: "AccessDeniedException",
		},
		{
			name: "a sweep cut short to answer in time still answers success", file: "cfn_create.json",
			ctx: func() (context.Context, context.CancelFunc) {
				// Less time left than the response reserve: the sweep stops at once.
				return context.WithTimeout(context.Background(), 5*time.Second)
			},
			wantStatus: cfn.StatusSuccess, wantData: map[string]string{"Complete": "false", "Subscribed": "0"},
		},
		{
			name: "a response URL answering 503 is retried", file: "cfn_create.json",
			setup:      func(_ *cwlServer, rs *responseServer) { rs.failFirst = 2 },
			wantStatus: cfn.StatusSuccess,
		},
		{
			name: "a response URL refusing the answer fails the invocation", file: "cfn_delete.json",
			setup:   func(_ *cwlServer, rs *responseServer) { rs.status = http.StatusForbidden },
			wantErr: "HTTP 403", wantStatus: cfn.StatusSuccess,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newResponseServer(t)
			hs := newHarness(t, testConfig(), WithHTTPClient(rs.srv.Client()))
			hs.cwl.addGroup("/aws/lambda/app", "STANDARD")
			hs.cwl.addGroup("/aws/lambda/orgsiem-transfer", "STANDARD")
			hs.cwl.addGroup("/aws/rds/two-foreign", "STANDARD", foreignFilter("a"), foreignFilter("b"))
			if tt.setup != nil {
				tt.setup(hs.cwl, rs)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			_, err := hs.s.Handle(ctx, request(t, tt.file, rs.srv.URL))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			got := rs.responses()
			if len(got) != 1 {
				t.Fatalf("%d responses recorded, want exactly 1", len(got))
			}
			resp := got[0]
			if resp.Status != tt.wantStatus || !strings.Contains(resp.Reason, tt.wantReason) {
				t.Fatalf("response %s %q, want %s containing %q", resp.Status, resp.Reason, tt.wantStatus, tt.wantReason)
			}
			if resp.RequestID != "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091" || resp.LogicalResourceID != "LogGroupSubscriptions" ||
				!strings.HasPrefix(resp.StackID, "arn:aws:cloudformation:") || resp.PhysicalResourceID != PhysicalResourceID {
				t.Fatalf("response does not echo the request: %+v", resp)
			}
			if rs.methods[0] != http.MethodPut || rs.ctypes[0] != "" {
				t.Fatalf("answered with %s and Content-Type %q, want PUT without a content type", rs.methods[0], rs.ctypes[0])
			}
			for k, v := range tt.wantData {
				if resp.Data[k] != v {
					t.Fatalf("Data[%s] = %v, want %q (all: %v)", k, resp.Data[k], v, resp.Data)
				}
			}
			if tt.noCalls {
				for _, op := range []string{"DescribeLogGroups", "DescribeSubscriptionFilters", "PutSubscriptionFilter"} {
					if n := hs.cwl.callCount(op); n != 0 {
						t.Fatalf("%d %s calls", n, op)
					}
				}
				if len(hs.cwl.filtersOf("/aws/rds/two-foreign")) != 2 {
					t.Fatal("filters changed")
				}
			}
		})
	}
}

func TestCustomResourceRefusesAResponseURLThatIsNotHTTPS(t *testing.T) {
	hs := newHarness(t, testConfig())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("answered over plain HTTP")
	}))
	defer srv.Close()
	_, err := hs.s.Handle(context.Background(), request(t, "cfn_delete.json", srv.URL))
	if err == nil || !strings.Contains(err.Error(), "not an https URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestCustomResourceUnknownRequestTypeAnswersFailed(t *testing.T) {
	rs := newResponseServer(t)
	hs := newHarness(t, testConfig(), WithHTTPClient(rs.srv.Client()))
	var ev map[string]any
	_ = json.Unmarshal(request(t, "cfn_create.json", rs.srv.URL), &ev)
	ev["RequestType"] = "Rollback"
	raw, _ := json.Marshal(ev)
	if _, err := hs.s.Handle(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	if got := rs.responses(); len(got) != 1 || got[0].Status != cfn.StatusFailed || !strings.Contains(got[0].Reason, `unknown RequestType "Rollback"`) {
		t.Fatalf("responses %+v", got)
	}
}

func TestTruncateKeepsUTF8Whole(t *testing.T) {
	s := strings.Repeat("é", 600) // 1200 bytes
	got := truncate(s, maxReasonBytes)
	if len(got) > maxReasonBytes || !strings.HasSuffix(got, "...") || !strings.HasPrefix(s, strings.TrimSuffix(got, "...")) {
		t.Fatalf("truncate gave %d bytes", len(got))
	}
	if strings.ToValidUTF8(got, "?") != got {
		t.Fatal("truncate split a UTF-8 sequence")
	}
}

func TestCustomResourceWithOddPropertiesIsStillAnswered(t *testing.T) {
	rs := newResponseServer(t)
	hs := newHarness(t, testConfig(), WithHTTPClient(rs.srv.Client()))
	var ev map[string]any
	_ = json.Unmarshal(request(t, "cfn_delete.json", rs.srv.URL), &ev)
	ev["ResourceProperties"] = "not an object"
	raw, _ := json.Marshal(ev)
	if _, err := hs.s.Handle(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	if got := rs.responses(); len(got) != 1 || got[0].Status != cfn.StatusSuccess {
		t.Fatalf("responses %+v", got)
	}
}
