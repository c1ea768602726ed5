package subscribe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// cwlServer is one account and Region of CloudWatch Logs, speaking the JSON
// 1.1 protocol (POST /, X-Amz-Target: Logs_20140328.<Op>,
// application/x-amz-json-1.1) and answering errors the AWS way: HTTP 400 with
// {"__type": ..., "message": ...}. What it knows of the real service, from
// the CloudWatch Logs API reference
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/,
// the same text as the doc comments of aws-sdk-go-v2/service/cloudwatchlogs
// v1.92.0):
//
//   - DescribeLogGroups: "The results are ASCII-sorted by log group name";
//     limit 1..50, "If you don't specify a value, the default is up to 50
//     items"; a nextToken for the next page, which "expires after 24 hours".
//   - DescribeSubscriptionFilters: "The results are ASCII-sorted by filter
//     name"; ResourceNotFoundException for a group that does not exist.
//   - PutSubscriptionFilter: "Each log group can have up to two subscription
//     filters associated with it. If you are updating an existing filter, you
//     must specify the correct name in filterName": a put under an existing
//     name replaces that filter, a new name beyond the limit is answered
//     LimitExceededException ("You have reached the maximum number of
//     resources that can be created"); Infrequent Access groups have no
//     subscription filters.
//   - PutAccountPolicy / DescribeAccountPolicies / DeleteAccountPolicy:
//     "Each account can have one account-level subscription filter policy per
//     Region. If you are updating an existing filter, you must specify the
//     correct name in PolicyName"; scope ALL only; selectionCriteria up to
//     25 KB, for subscription filter policies only `LogGroupName NOT IN [...]`.
//   - Rate quotas per account and Region (token buckets on the virtual
//     clock, refilled at the quota per second, holding one second's worth):
//     calls beyond them are answered ThrottlingException ("The request was
//     throttled because of quota limits"). DescribeLogGroups is 5 TPS in the
//     CloudWatch Logs quotas page (cloudwatch_limits_cwl); the other rates
//     are set per test (see DefaultRates and docs/cloud-behaviour.md).
//
// State is in memory.
type cwlServer struct {
	client *cloudwatchlogs.Client
	clock  *virtualClock

	mu     sync.Mutex
	groups map[string]*fakeGroup
	sorted []string       // group names in ASCII order; nil when stale
	calls  map[string]int // by operation
	puts   map[string]int // PutSubscriptionFilter calls by log group
	// filterLimit is the subscription filters a group may have (2).
	filterLimit int
	// quotas are requests per second by operation (none: not limited);
	// buckets enforce them.
	quotas    map[string]float64
	buckets   map[string]*bucket
	throttled map[string]int // ThrottlingException answers by operation
	policies  map[string]fakeAccountPolicy
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

type fakeAccountPolicy struct {
	PolicyName        string `json:"policyName"`
	PolicyDocument    string `json:"policyDocument"`
	PolicyType        string `json:"policyType"`
	Scope             string `json:"scope"`
	SelectionCriteria string `json:"selectionCriteria,omitempty"`
	AccountID         string `json:"accountId"`
	LastUpdatedTime   int64  `json:"lastUpdatedTime"`
}

// virtualClock is the time of a test: it moves only when something sleeps
// on it, so pacing, throttling and time budgets are deterministic. It starts
// at the wall clock's now and only moves forward, so a context deadline set
// on it is never reached in real time during a test.
type virtualClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func newVirtualClock() *virtualClock { return &virtualClock{now: time.Now()} }

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.advance(d)
	return nil
}

func (c *virtualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept += d
	}
}

// bucket is a token bucket: rate tokens per second, at most rate tokens.
type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

func (b *bucket) take(now time.Time) bool {
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.rate {
		b.tokens = b.rate
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func newCWLServer(t testing.TB) *cwlServer {
	t.Helper()
	s := &cwlServer{
		clock: newVirtualClock(), groups: map[string]*fakeGroup{}, calls: map[string]int{}, puts: map[string]int{},
		filterLimit: 2, quotas: map[string]float64{}, buckets: map[string]*bucket{}, throttled: map[string]int{},
		policies: map[string]fakeAccountPolicy{},
	}
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

// setQuotas limits each operation to its requests per second.
func (s *cwlServer) setQuotas(q map[string]float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quotas, s.buckets = q, map[string]*bucket{}
}

func (s *cwlServer) addGroup(name, class string, filters ...fakeFilter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range filters {
		filters[i].LogGroupName = name
	}
	s.groups[name] = &fakeGroup{class: class, filters: filters}
	s.sorted = nil
}

func (s *cwlServer) deleteGroup(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.groups, name)
	s.sorted = nil
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

func (s *cwlServer) throttleCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled[op]
}

func (s *cwlServer) accountPolicy(name string) (fakeAccountPolicy, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.policies[name]
	return p, ok
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
	throttled := false
	if rate, ok := s.quotas[op]; ok {
		b := s.buckets[op]
		if b == nil {
			b = &bucket{rate: rate, tokens: rate, last: s.clock.Now()}
			s.buckets[op] = b
		}
		if !b.take(s.clock.Now()) {
			throttled = true
			s.throttled[op]++
		}
	}
	s.mu.Unlock()
	if throttled {
		writeErr(w, "ThrottlingException", "Rate exceeded")
		return
	}
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
		s.describeSubscriptionFilters(w, req)
	case "PutSubscriptionFilter":
		s.putSubscriptionFilter(w, req)
	case "DescribeAccountPolicies":
		s.describeAccountPolicies(w, req)
	case "PutAccountPolicy":
		s.putAccountPolicy(w, req)
	case "DeleteAccountPolicy":
		s.deleteAccountPolicy(w, req)
	default:
		writeErr(w, "UnknownOperationException", "operation "+op+" is not served by this fake")
	}
}

// tokenLifetime: "The token expires after 24 hours" (DescribeLogGroups).
const tokenLifetime = 24 * time.Hour

// pageToken is the fake's nextToken: the last name returned and when. The
// real token is opaque; clients must not read it, and ours does not.
type pageToken struct {
	After  string `json:"a"`
	Prefix string `json:"p"`
	Issued int64  `json:"t"`
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
	if s.sorted == nil {
		for n := range s.groups {
			s.sorted = append(s.sorted, n)
		}
		sort.Strings(s.sorted) // byte order: ASCII order for log group names
	}
	start := sort.SearchStrings(s.sorted, prefix)
	if raw := str(req, "nextToken"); raw != "" {
		var tok pageToken
		b, err := base64.StdEncoding.DecodeString(raw)
		if err == nil {
			err = json.Unmarshal(b, &tok)
		}
		if err != nil || tok.Prefix != prefix {
			writeErr(w, "InvalidParameterException", "The specified nextToken is invalid.")
			return
		}
		if s.clock.Now().Sub(time.Unix(0, tok.Issued)) > tokenLifetime {
			writeErr(w, "InvalidParameterException", "The specified nextToken has expired.")
			return
		}
		start = sort.Search(len(s.sorted), func(i int) bool { return s.sorted[i] > tok.After })
	}
	groups := []map[string]any{}
	end := start
	for ; end < len(s.sorted) && len(groups) < limit && strings.HasPrefix(s.sorted[end], prefix); end++ {
		n := s.sorted[end]
		groups = append(groups, map[string]any{
			"logGroupName":  n,
			"arn":           "arn:aws:logs:eu-west-1:111122223333:log-group:" + n + ":*",
			"creationTime":  1710756000000,
			"logGroupClass": s.groups[n].class,
			"storedBytes":   0,
		})
	}
	out := map[string]any{"logGroups": groups}
	if end < len(s.sorted) && strings.HasPrefix(s.sorted[end], prefix) {
		b, _ := json.Marshal(pageToken{After: s.sorted[end-1], Prefix: prefix, Issued: s.clock.Now().UnixNano()})
		out["nextToken"] = base64.StdEncoding.EncodeToString(b)
	}
	writeJSON(w, out)
}

func (s *cwlServer) describeSubscriptionFilters(w http.ResponseWriter, req map[string]any) {
	g := s.groups[str(req, "logGroupName")]
	if g == nil {
		writeErr(w, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	fs := append([]fakeFilter(nil), g.filters...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].FilterName < fs[j].FilterName })
	writeJSON(w, map[string]any{"subscriptionFilters": fs})
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
	if len(g.filters) >= s.filterLimit {
		writeErr(w, "LimitExceededException", "Resource limit exceeded.")
		return
	}
	g.filters = append(g.filters, f)
	writeJSON(w, map[string]any{})
}

const subscriptionFilterPolicy = "SUBSCRIPTION_FILTER_POLICY"

func (s *cwlServer) describeAccountPolicies(w http.ResponseWriter, req map[string]any) {
	typ := str(req, "policyType")
	if typ == "" {
		writeErr(w, "InvalidParameterException", "policyType is required")
		return
	}
	out := []fakeAccountPolicy{}
	for _, p := range s.policies {
		if p.PolicyType == typ && (str(req, "policyName") == "" || str(req, "policyName") == p.PolicyName) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PolicyName < out[j].PolicyName })
	writeJSON(w, map[string]any{"accountPolicies": out})
}

func (s *cwlServer) putAccountPolicy(w http.ResponseWriter, req map[string]any) {
	p := fakeAccountPolicy{
		PolicyName: str(req, "policyName"), PolicyDocument: str(req, "policyDocument"), PolicyType: str(req, "policyType"),
		Scope: str(req, "scope"), SelectionCriteria: str(req, "selectionCriteria"), AccountID: "111122223333",
		LastUpdatedTime: s.clock.Now().UnixMilli(),
	}
	switch {
	case p.PolicyName == "" || p.PolicyDocument == "" || p.PolicyType == "":
		writeErr(w, "InvalidParameterException", "policyName, policyDocument and policyType are required")
		return
	case len(p.PolicyDocument) > 30720:
		writeErr(w, "InvalidParameterException", "policyDocument is longer than 30720 characters")
		return
	}
	if p.PolicyType == subscriptionFilterPolicy {
		var doc map[string]any
		if json.Unmarshal([]byte(p.PolicyDocument), &doc) != nil || doc["DestinationArn"] == nil {
			writeErr(w, "InvalidParameterException", "policyDocument must be a JSON object with a DestinationArn")
			return
		}
		if p.Scope != "" && p.Scope != "ALL" {
			writeErr(w, "InvalidParameterException", "the only valid scope is ALL")
			return
		}
		if p.SelectionCriteria != "" && (!strings.HasPrefix(p.SelectionCriteria, "LogGroupName NOT IN [") || len(p.SelectionCriteria) > 25*1024) {
			writeErr(w, "InvalidParameterException", "selectionCriteria must be LogGroupName NOT IN [...] of at most 25 KB")
			return
		}
		for name, q := range s.policies {
			if q.PolicyType == subscriptionFilterPolicy && name != p.PolicyName {
				writeErr(w, "LimitExceededException", "Resource limit exceeded.")
				return
			}
		}
	}
	s.policies[p.PolicyName] = p
	writeJSON(w, map[string]any{"accountPolicy": p})
}

func (s *cwlServer) deleteAccountPolicy(w http.ResponseWriter, req map[string]any) {
	p, ok := s.policies[str(req, "policyName")]
	if !ok || p.PolicyType != str(req, "policyType") {
		writeErr(w, "ResourceNotFoundException", "Policy does not exist.")
		return
	}
	delete(s.policies, p.PolicyName)
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
