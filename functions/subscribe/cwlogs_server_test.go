package subscribe

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// cwlServer is a CloudWatch Logs endpoint speaking the JSON 1.1 protocol
// (POST /, X-Amz-Target: Logs_20140328.<Op>, application/x-amz-json-1.1)
// for DescribeLogGroups (paged with nextToken), DescribeSubscriptionFilters
// and PutSubscriptionFilter, answering errors the AWS way: HTTP 400 with
// {"__type": ..., "message": ...}. State is in memory.
type cwlServer struct {
	client *cloudwatchlogs.Client

	mu     sync.Mutex
	groups map[string]*fakeGroup
	calls  map[string]int // by operation
	puts   map[string]int // PutSubscriptionFilter calls by log group
	// inject, when set, may answer a request with an error type instead of
	// serving it (called with the operation and the decoded request).
	inject func(op string, req map[string]any) (errType string)
	// onDescribeFilters, when set, runs before DescribeSubscriptionFilters
	// is served (to delete a group meanwhile, for instance).
	onDescribeFilters func(group string)
}

type fakeGroup struct {
	class   string
	filters []fakeFilter
}

type fakeFilter struct {
	FilterName     string `json:"filterName"`
	LogGroupName   string `json:"logGroupName"`
	FilterPattern  string `json:"filterPattern"`
	DestinationArn string `json:"destinationArn"`
	Distribution   string `json:"distribution,omitempty"`
	CreationTime   int64  `json:"creationTime"`
}

func newCWLServer(t testing.TB) *cwlServer {
	t.Helper()
	s := &cwlServer{groups: map[string]*fakeGroup{}, calls: map[string]int{}, puts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.client = cloudwatchlogs.New(cloudwatchlogs.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:      aws.NopRetryer{}, // the Subscriber retries
	})
	return s
}

func (s *cwlServer) addGroup(name, class string, filters ...fakeFilter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range filters {
		filters[i].LogGroupName = name
	}
	s.groups[name] = &fakeGroup{class: class, filters: filters}
}

func (s *cwlServer) deleteGroup(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, name)
}

func (s *cwlServer) filtersOf(name string) []fakeFilter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[name]; g != nil {
		return append([]fakeFilter(nil), g.filters...)
	}
	return nil
}

func (s *cwlServer) putCount(group string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts[group]
}

func (s *cwlServer) totalPuts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls["PutSubscriptionFilter"]
}

func (s *cwlServer) callCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *cwlServer) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328.")
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		writeErr(w, "UnknownOperationException", fmt.Sprintf("bad request %s %s target %q type %q", r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type")))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeErr(w, "MissingAuthenticationTokenException", "request is not signed")
		return
	}
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	s.calls[op]++
	inject, onDescribe := s.inject, s.onDescribeFilters
	s.mu.Unlock()
	if inject != nil {
		if typ := inject(op, req); typ != "" {
			writeErr(w, typ, "injected "+typ)
			return
		}
	}
	if op == "DescribeSubscriptionFilters" && onDescribe != nil {
		onDescribe(str(req, "logGroupName"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "DescribeLogGroups":
		s.describeLogGroups(w, req)
	case "DescribeSubscriptionFilters":
		g := s.groups[str(req, "logGroupName")]
		if g == nil {
			writeErr(w, "ResourceNotFoundException", "The specified log group does not exist.")
			return
		}
		writeJSON(w, map[string]any{"subscriptionFilters": g.filters})
	case "PutSubscriptionFilter":
		s.putSubscriptionFilter(w, req)
	default:
		writeErr(w, "UnknownOperationException", "operation "+op+" is not served by this fake")
	}
}

func (s *cwlServer) describeLogGroups(w http.ResponseWriter, req map[string]any) {
	limit := 50
	if v, ok := req["limit"].(float64); ok {
		limit = int(v)
	}
	if limit < 1 || limit > 50 {
		writeErr(w, "InvalidParameterException", "limit must be between 1 and 50")
		return
	}
	prefix := str(req, "logGroupNamePrefix")
	names := make([]string, 0, len(s.groups))
	for n := range s.groups {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	start := 0
	if tok := str(req, "nextToken"); tok != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimPrefix(tok, "page-after-")); err != nil {
			writeErr(w, "InvalidParameterException", "bad nextToken")
			return
		}
	}
	end := min(start+limit, len(names))
	out := map[string]any{}
	groups := []map[string]any{}
	for _, n := range names[start:end] {
		groups = append(groups, map[string]any{
			"logGroupName":  n,
			"arn":           "arn:aws:logs:eu-west-1:111122223333:log-group:" + n + ":*",
			"creationTime":  1710756000000,
			"logGroupClass": s.groups[n].class,
			"storedBytes":   0,
		})
	}
	out["logGroups"] = groups
	if end < len(names) {
		out["nextToken"] = "page-after-" + strconv.Itoa(end)
	}
	writeJSON(w, out)
}

func (s *cwlServer) putSubscriptionFilter(w http.ResponseWriter, req map[string]any) {
	name := str(req, "logGroupName")
	g := s.groups[name]
	if g == nil {
		writeErr(w, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	for _, k := range []string{"filterName", "destinationArn"} {
		if str(req, k) == "" {
			writeErr(w, "InvalidParameterException", k+" is required")
			return
		}
	}
	if _, ok := req["filterPattern"].(string); !ok {
		writeErr(w, "InvalidParameterException", "filterPattern is required")
		return
	}
	if g.class == "INFREQUENT_ACCESS" {
		writeErr(w, "InvalidParameterException", "subscription filters are not supported for this log group class")
		return
	}
	s.puts[name]++
	f := fakeFilter{FilterName: str(req, "filterName"), LogGroupName: name, FilterPattern: str(req, "filterPattern"), DestinationArn: str(req, "destinationArn"), CreationTime: 1710757000000}
	for i := range g.filters {
		if g.filters[i].FilterName == f.FilterName {
			g.filters[i] = f
			writeJSON(w, map[string]any{})
			return
		}
	}
	if len(g.filters) >= 2 {
		writeErr(w, "LimitExceededException", "Resource limit exceeded.")
		return
	}
	g.filters = append(g.filters, f)
	writeJSON(w, map[string]any{})
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-4000-8000-000000000000")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-4000-8000-000000000000")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
