package subscribe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func ourFilter(dest string) fakeFilter {
	return fakeFilter{FilterName: FilterName, FilterPattern: "", DestinationArn: dest, CreationTime: 1}
}

func foreignFilter(name string) fakeFilter {
	return fakeFilter{FilterName: name, FilterPattern: "ERROR", DestinationArn: foreignARN, Distribution: "ByLogStream", CreationTime: 2}
}

func TestSweep(t *testing.T) {
	hs := newHarness(t, testConfig())
	c := hs.cwl
	c.addGroup("/aws/lambda/app", "STANDARD")
	c.addGroup("/legacy/no-class", "")
	c.addGroup("/aws/lambda/orgsiem-transfer", "STANDARD")
	c.addGroup("/aws/lambda/orgsiem-subscribe", "STANDARD")
	c.addGroup("/custom/orgsiem-transfer", "STANDARD")
	c.addGroup("/aws/lambda/sandbox-1", "STANDARD")
	c.addGroup("/archive/infrequent", "INFREQUENT_ACCESS")
	c.addGroup("/aws/vendedlogs/delivery", "DELIVERY")
	c.addGroup("/aws/rds/one-foreign", "STANDARD", foreignFilter("datadog"))
	c.addGroup("/aws/rds/two-foreign", "STANDARD", foreignFilter("datadog"), foreignFilter("splunk"))
	c.addGroup("/aws/ecs/ours", "STANDARD", ourFilter(transferARN))
	c.addGroup("/aws/ecs/ours-and-foreign", "STANDARD", foreignFilter("datadog"), ourFilter(transferARN))
	c.addGroup("/aws/ecs/old-destination", "STANDARD", ourFilter(oldTransferARN))

	foreignBefore := map[string][]fakeFilter{}
	for _, g := range []string{"/aws/rds/one-foreign", "/aws/rds/two-foreign", "/aws/ecs/ours-and-foreign"} {
		foreignBefore[g] = c.filtersOf(g)
	}

	cov, err := hs.s.Sweep(context.Background(), Position{})
	if err != nil {
		t.Fatal(err)
	}
	sameCounts(t, cov, want(13, 3, 1, 2, 0, true, map[SkipReason]int64{
		SkipPipeline: 3, SkipExcluded: 1, SkipInfrequentAccess: 1, SkipDeliveryClass: 1, SkipFilterLimit: 1,
	}))
	if !reflect.DeepEqual(cov.FilterLimitGroups, []string{"/aws/rds/two-foreign"}) {
		t.Fatalf("filter-limit groups %v", cov.FilterLimitGroups)
	}

	t.Run("wanted groups carry our filter to the transfer function", func(t *testing.T) {
		for _, g := range []string{"/aws/lambda/app", "/legacy/no-class", "/aws/rds/one-foreign", "/aws/ecs/ours", "/aws/ecs/ours-and-foreign", "/aws/ecs/old-destination"} {
			if n := countOurs(c.filtersOf(g)); n != 1 {
				t.Errorf("%s has %d filters of ours pointing to the transfer function: %+v", g, n, c.filtersOf(g))
			}
		}
	})
	t.Run("the pipeline's own groups are never subscribed", func(t *testing.T) {
		for _, g := range []string{"/aws/lambda/orgsiem-transfer", "/aws/lambda/orgsiem-subscribe", "/custom/orgsiem-transfer"} {
			if c.putCount(g) != 0 || len(c.filtersOf(g)) != 0 {
				t.Errorf("%s was touched: %+v", g, c.filtersOf(g))
			}
		}
	})
	t.Run("excluded, infrequent-access and delivery-class groups are left alone", func(t *testing.T) {
		for _, g := range []string{"/aws/lambda/sandbox-1", "/archive/infrequent", "/aws/vendedlogs/delivery"} {
			if c.putCount(g) != 0 {
				t.Errorf("%s was subscribed", g)
			}
		}
	})
	t.Run("foreign filters are never touched", func(t *testing.T) {
		for g, before := range foreignBefore {
			after := c.filtersOf(g)
			for _, f := range before {
				if f.FilterName == FilterName {
					continue
				}
				if !containsFilter(after, f) {
					t.Errorf("%s: foreign filter %+v changed or vanished: %+v", g, f, after)
				}
			}
		}
	})
	t.Run("a group with two foreign filters is reported by name, not failed nor retried", func(t *testing.T) {
		// One put, refused with LimitExceededException by the service, not
		// retried: the limit is the service's to apply.
		if c.putCount("/aws/rds/two-foreign") != 1 || hs.waitCount() != 0 {
			t.Fatalf("%d puts and %d retries on a group without a free slot", c.putCount("/aws/rds/two-foreign"), hs.waitCount())
		}
		if !strings.Contains(hs.logs.String(), `"logGroup":"/aws/rds/two-foreign"`) || !strings.Contains(hs.logs.String(), "maximum of subscription filters") {
			t.Fatalf("no log line names the group:\n%s", hs.logs.String())
		}
	})
	t.Run("a second sweep changes nothing", func(t *testing.T) {
		before := map[string][]fakeFilter{}
		for g := range c.groups {
			before[g] = c.filtersOf(g)
		}
		puts := c.totalPuts()
		again, err := hs.s.Sweep(context.Background(), Position{})
		if err != nil {
			t.Fatal(err)
		}
		// The only put is the refused one on the group without a free slot.
		if c.totalPuts() != puts+1 || c.putCount("/aws/rds/two-foreign") != 2 {
			t.Fatalf("second sweep made %d PutSubscriptionFilter calls", c.totalPuts()-puts)
		}
		for g, fs := range before {
			if !reflect.DeepEqual(c.filtersOf(g), fs) {
				t.Fatalf("%s changed: %+v -> %+v", g, fs, c.filtersOf(g))
			}
		}
		sameCounts(t, again, want(13, 0, 0, 6, 0, true, map[SkipReason]int64{
			SkipPipeline: 3, SkipExcluded: 1, SkipInfrequentAccess: 1, SkipDeliveryClass: 1, SkipFilterLimit: 1,
		}))
	})
}

func countOurs(fs []fakeFilter) int {
	n := 0
	for _, f := range fs {
		if f.FilterName == FilterName && f.DestinationArn == transferARN && f.FilterPattern == "" {
			n++
		}
	}
	return n
}

func containsFilter(fs []fakeFilter, f fakeFilter) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

func TestSweepOverAThousandGroupsAcrossPages(t *testing.T) {
	cfg := testConfig()
	cfg.Exclude = []string{"/aws/lambda/fn-*7"}
	hs := newHarness(t, cfg)
	wanted := map[string]bool{}
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("/aws/lambda/fn-%04d", i)
		class := "STANDARD"
		if i%10 == 3 {
			class = "INFREQUENT_ACCESS"
		}
		hs.cwl.addGroup(name, class)
		if class == "STANDARD" && i%10 != 7 {
			wanted[name] = true
		}
	}
	// Every 7th request is throttled (beside the fake's own quotas, which
	// the paced sweep stays under).
	var mu sync.Mutex
	n, injected := 0, 0
	hs.cwl.inject = func(op string, _ map[string]any) string {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n%7 == 0 {
			injected++
			return "ThrottlingException"
		}
		return ""
	}
	cov, err := hs.s.Sweep(context.Background(), Position{})
	if err != nil {
		t.Fatal(err)
	}
	sameCounts(t, cov, want(1000, int64(len(wanted)), 0, 0, 0, true, map[SkipReason]int64{SkipInfrequentAccess: 100, SkipExcluded: 100}))
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("/aws/lambda/fn-%04d", i)
		got := hs.cwl.putCount(name)
		if wanted[name] && got != 1 || !wanted[name] && got != 0 {
			t.Fatalf("%s: %d PutSubscriptionFilter calls (wanted: %v)", name, got, wanted[name])
		}
	}
	if cov.Retries != int64(injected) || hs.waitCount() != injected || injected == 0 {
		t.Fatalf("%d retries and %d waits for %d injected throttles", cov.Retries, hs.waitCount(), injected)
	}
	// 1000 groups in pages of 50, plus the throttled attempts.
	if pages := hs.cwl.callCount("DescribeLogGroups"); pages < 20 || pages > 20+injected {
		t.Fatalf("%d DescribeLogGroups calls", pages)
	}
	hs.cwl.inject = nil
	puts := hs.cwl.totalPuts()
	again, err := hs.s.Sweep(context.Background(), Position{})
	if err != nil {
		t.Fatal(err)
	}
	if hs.cwl.totalPuts() != puts || again.AlreadyOurs != int64(len(wanted)) {
		t.Fatalf("second sweep: %d new puts, coverage %+v", hs.cwl.totalPuts()-puts, again)
	}
}

func TestSweepFailsWhenLogGroupsCannotBeListed(t *testing.T) {
	hs := newHarness(t, testConfig())
	hs.cwl.addGroup("/aws/lambda/app", "STANDARD")
	hs.cwl.inject = func(op string, _ map[string]any) string {
		if op == "DescribeLogGroups" {
			return "AccessDeniedException"
		}
		return ""
	}
	cov, err := hs.s.Sweep(context.Background(), Position{})
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || cov.Complete {
		t.Fatalf("err = %v, coverage %+v", err, cov)
	}
	if hs.waitCount() != 0 {
		t.Fatal("access denied was retried")
	}
}

func TestSweepCountsAGroupThatKeepsFailingAndGoesOn(t *testing.T) {
	hs := newHarness(t, testConfig())
	hs.cwl.addGroup("/a/broken", "STANDARD")
	hs.cwl.addGroup("/b/fine", "STANDARD")
	hs.cwl.inject = func(op string, req map[string]any) string {
		if op == "PutSubscriptionFilter" && str(req, "logGroupName") == "/a/broken" {
			return "ServiceUnavailableException"
		}
		return ""
	}
	cov, err := hs.s.Sweep(context.Background(), Position{})
	if err != nil {
		t.Fatal(err)
	}
	sameCounts(t, cov, want(2, 1, 0, 0, 1, true, nil))
	if !reflect.DeepEqual(cov.FailedGroups, []string{"/a/broken"}) || countOurs(hs.cwl.filtersOf("/b/fine")) != 1 {
		t.Fatalf("coverage %+v", cov)
	}
}

func TestSweepStopsWhenTheContextEnds(t *testing.T) {
	hs := newHarness(t, testConfig())
	for i := 0; i < 120; i++ {
		hs.cwl.addGroup(fmt.Sprintf("/g/%03d", i), "STANDARD")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hs.cwl.inject = func(op string, req map[string]any) string {
		if op == "PutSubscriptionFilter" && str(req, "logGroupName") == "/g/010" {
			cancel()
		}
		return ""
	}
	cov, err := hs.s.Sweep(ctx, Position{})
	if err == nil || cov.Complete || cov.Seen >= 120 || cov.Failed != 0 {
		t.Fatalf("err = %v, coverage %+v", err, cov)
	}
}

func TestEventsFromEventBridge(t *testing.T) {
	const group = "/stratus-red-team/vpc-flow-logs" // the group the fixture's CloudTrail record creates
	retarget := func(name string) []byte {
		var ev map[string]any
		_ = json.Unmarshal(readFile(t, "eventbridge_create_log_group.json"), &ev)
		ev["detail"].(map[string]any)["requestParameters"].(map[string]any)["logGroupName"] = name
		b, _ := json.Marshal(ev)
		return b
	}
	tests := []struct {
		name     string
		event    []byte
		setup    func(c *cwlServer)
		want     Coverage
		wantErr  string
		noCalls  bool
		check    func(t *testing.T, hs *harness)
		attempts int
	}{
		{
			name:  "a new log group is subscribed",
			event: readFile(t, "eventbridge_create_log_group.json"),
			setup: func(c *cwlServer) {
				c.addGroup(group, "STANDARD")
				c.addGroup(group+"-other", "STANDARD")
			},
			want: want(1, 1, 0, 0, 0, true, nil),
			check: func(t *testing.T, hs *harness) {
				if countOurs(hs.cwl.filtersOf(group)) != 1 || hs.cwl.putCount(group+"-other") != 0 {
					t.Fatalf("filters %+v", hs.cwl.filtersOf(group))
				}
			},
		},
		{
			name:    "a failed CreateLogGroup call is skipped without any AWS call",
			event:   readFile(t, "eventbridge_create_log_group_failed.json"),
			want:    want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipFailedCreate: 1}),
			noCalls: true,
		},
		{
			name:  "a group deleted before the event is handled is a named skip",
			event: readFile(t, "eventbridge_create_log_group.json"),
			want:  want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipNotFound: 1}),
		},
		{
			name:  "a group deleted between lookup and subscription is a named skip",
			event: readFile(t, "eventbridge_create_log_group.json"),
			setup: func(c *cwlServer) {
				c.addGroup(group, "STANDARD")
				c.onDescribeFilters = func(name string) { c.deleteGroup(name) }
			},
			want: want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipNotFound: 1}),
		},
		{
			name:    "the transfer function's own group is never subscribed",
			event:   retarget("/aws/lambda/orgsiem-transfer"),
			setup:   func(c *cwlServer) { c.addGroup("/aws/lambda/orgsiem-transfer", "STANDARD") },
			want:    want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipPipeline: 1}),
			noCalls: true,
		},
		{
			name:    "this function's own group is never subscribed",
			event:   retarget("/aws/lambda/orgsiem-subscribe"),
			setup:   func(c *cwlServer) { c.addGroup("/aws/lambda/orgsiem-subscribe", "STANDARD") },
			want:    want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipPipeline: 1}),
			noCalls: true,
		},
		{
			name:  "a group with two foreign filters is reported, not failed",
			event: readFile(t, "eventbridge_create_log_group.json"),
			setup: func(c *cwlServer) { c.addGroup(group, "STANDARD", foreignFilter("a"), foreignFilter("b")) },
			want:  want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipFilterLimit: 1}),
			check: func(t *testing.T, hs *harness) {
				// One put, refused by the service, not retried.
				if hs.cwl.totalPuts() != 1 || hs.waitCount() != 0 || !strings.Contains(hs.logs.String(), group) {
					t.Fatalf("puts %d, logs %s", hs.cwl.totalPuts(), hs.logs.String())
				}
				if m := hs.lastMetrics(t); m["SkippedFilterLimit"] != 1.0 {
					t.Fatalf("metrics %v", m)
				}
			},
		},
		{
			name:  "a group in the infrequent access class is skipped",
			event: readFile(t, "eventbridge_create_log_group.json"),
			setup: func(c *cwlServer) { c.addGroup(group, "INFREQUENT_ACCESS") },
			want:  want(1, 0, 0, 0, 0, true, map[SkipReason]int64{SkipInfrequentAccess: 1}),
		},
		{
			name:  "throttled calls are retried until they succeed",
			event: readFile(t, "eventbridge_create_log_group.json"),
			setup: func(c *cwlServer) {
				c.addGroup(group, "STANDARD")
				n := 0
				c.inject = func(op string, _ map[string]any) string {
					if op == "PutSubscriptionFilter" {
						if n++; n <= 2 {
							return "ThrottlingException"
						}
					}
					return ""
				}
			},
			want: want(1, 1, 0, 0, 0, true, nil),
			check: func(t *testing.T, hs *harness) {
				if hs.waitCount() != 2 || hs.cwl.putCount(group) != 1 {
					t.Fatalf("%d waits, %d puts", hs.waitCount(), hs.cwl.putCount(group))
				}
			},
		},
		{
			name:  "a call that keeps failing fails the invocation",
			event: readFile(t, "eventbridge_create_log_group.json"),
			setup: func(c *cwlServer) {
				c.addGroup(group, "STANDARD")
				c.inject = func(op string, _ map[string]any) string {
					if op == "PutSubscriptionFilter" {
						return "AccessDeniedException"
					}
					return ""
				}
			},
			want:    want(1, 0, 0, 0, 1, false, nil),
			wantErr: "AccessDeniedException",
		},
		{
			name:  "a scheduled event sweeps the account",
			event: readFile(t, "scheduled_event.json"),
			setup: func(c *cwlServer) {
				c.addGroup("/one", "STANDARD")
				c.addGroup("/two", "STANDARD", ourFilter(transferARN))
			},
			want: want(2, 1, 0, 1, 0, true, nil),
		},
		{
			name:  "a scheduler invocation with action sweep sweeps the account",
			event: []byte(`{"action":"sweep"}`),
			setup: func(c *cwlServer) { c.addGroup("/one", "STANDARD") },
			want:  want(1, 1, 0, 0, 0, true, nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, testConfig())
			if tt.setup != nil {
				tt.setup(hs.cwl)
			}
			cov, err := hs.s.Handle(context.Background(), json.RawMessage(tt.event))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			sameCounts(t, cov, tt.want)
			if tt.noCalls {
				for _, op := range []string{"DescribeLogGroups", "DescribeSubscriptionFilters", "PutSubscriptionFilter"} {
					if n := hs.cwl.callCount(op); n != 0 {
						t.Fatalf("%d %s calls", n, op)
					}
				}
			}
			if m := hs.lastMetrics(t); m["Seen"] != float64(tt.want.Seen) || m["Subscribed"] != float64(tt.want.Subscribed) {
				t.Fatalf("metrics %v", m)
			}
			if tt.check != nil {
				tt.check(t, hs)
			}
		})
	}
}

func TestUnrecognizedEventsAreErrors(t *testing.T) {
	tests := []struct{ name, event, text string }{
		{"an S3 notification is refused", `{"Records":[{"eventSource":"aws:s3"}]}`, "unrecognized event"},
		{"another EventBridge event is refused", `{"detail-type":"Object Created","source":"aws.s3","detail":{}}`, `detail-type "Object Created"`},
		{"a CloudTrail event of another API is refused", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"logs.amazonaws.com","eventName":"DeleteLogGroup","requestParameters":{"logGroupName":"/x"}}}`, "is not logs.amazonaws.com CreateLogGroup"},
		{"a CreateLogGroup event without a name is refused", `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"logs.amazonaws.com","eventName":"CreateLogGroup"}}`, "without requestParameters.logGroupName"},
		{"a non-object is refused", `[1]`, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, testConfig())
			if _, err := hs.s.Handle(context.Background(), json.RawMessage(tt.event)); err == nil || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want mention of %q", err, tt.text)
			}
		})
	}
}

func TestPatterns(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		group            string
		want             SkipReason
	}{
		{"with no include pattern every group is wanted", nil, nil, "/any/group", ""},
		{"an include pattern selects matching groups", []string{"/aws/lambda/*"}, nil, "/aws/lambda/app", ""},
		{"an include pattern's star does not cross a slash", []string{"/aws/lambda/*"}, nil, "/aws/lambda/app/extra", SkipNotIncluded},
		{"a group matching no include pattern is not included", []string{"/aws/lambda/*", "/ec2/*"}, nil, "/aws/rds/db", SkipNotIncluded},
		{"exclude wins over include", []string{"/aws/lambda/*"}, []string{"/aws/lambda/test-*"}, "/aws/lambda/test-1", SkipExcluded},
		{"character classes work", nil, []string{"/env/[ds]*"}, "/env/dev", SkipExcluded},
		{"the pipeline's groups win over include", []string{"*", "/aws/lambda/*"}, nil, "/aws/lambda/orgsiem-transfer", SkipPipeline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Include, cfg.Exclude = tt.include, tt.exclude
			s, err := New(cfg, newCWLServer(t).client)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.wantedByName(tt.group); got != tt.want {
				t.Fatalf("wantedByName(%q) = %q, want %q", tt.group, got, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{
			name: "lists are comma-separated and the pipeline's groups are derived",
			env: map[string]string{EnvDestinationARN: transferARN, EnvInclude: "/aws/*, /ec2/*", EnvExclude: "/aws/lambda/test-*",
				EnvPipelineLogGroups: "/custom/transfer", EnvFunctionName: "orgsiem-subscribe", EnvFunctionLogGroup: "/custom/subscribe"},
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c.Include, []string{"/aws/*", "/ec2/*"}) || !reflect.DeepEqual(c.Exclude, []string{"/aws/lambda/test-*"}) {
					t.Fatalf("patterns %v %v", c.Include, c.Exclude)
				}
				want := []string{"/aws/lambda/orgsiem-transfer", "/aws/lambda/orgsiem-subscribe", "/custom/subscribe", "/custom/transfer"}
				if !reflect.DeepEqual(c.OwnLogGroups(), want) {
					t.Fatalf("own groups %v, want %v", c.OwnLogGroups(), want)
				}
			},
		},
		{name: "a qualified function ARN is accepted", env: map[string]string{EnvDestinationARN: transferARN + ":live"}},
		{name: "a missing destination is refused", env: map[string]string{}, wantErr: EnvDestinationARN},
		{name: "a Kinesis destination is refused", env: map[string]string{EnvDestinationARN: "arn:aws:kinesis:eu-west-1:111122223333:stream/logs"}, wantErr: "not a Lambda function ARN"},
		{name: "a malformed pattern is refused", env: map[string]string{EnvDestinationARN: transferARN, EnvExclude: "/aws/[lambda"}, wantErr: "syntax error in pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// FuzzHandle: whatever the event, Handle returns (a Coverage that adds up
// and maybe an error) and never panics.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"eventbridge_create_log_group.json", "eventbridge_create_log_group_failed.json", "scheduled_event.json"} {
		f.Add(readFile(f, name))
	}
	f.Add([]byte(`{"action":"sweep"}`))
	f.Add([]byte(`{"RequestType":"Delete","ResponseURL":"http://127.0.0.1:1/x"}`))
	f.Add([]byte(`null`))
	// Response URLs invented by the fuzzer must not reach the network.
	offline := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no network while fuzzing")
	}}}
	hs := newHarness(f, testConfig(), WithHTTPClient(offline))
	hs.cwl.addGroup("/stratus-red-team/vpc-flow-logs", "STANDARD")
	hs.cwl.addGroup("/aws/lambda/orgsiem-transfer", "STANDARD")
	f.Fuzz(func(t *testing.T, event []byte) {
		cov, _ := hs.s.Handle(context.Background(), json.RawMessage(event))
		var skipped int64
		for _, n := range cov.Skipped {
			skipped += n
		}
		if cov.Seen != cov.Subscribed+cov.Updated+cov.AlreadyOurs+skipped+cov.Failed {
			t.Fatalf("coverage does not add up: %+v", cov)
		}
	})
}

// The number of subscription filter slots is the service's to decide (two
// in the PutSubscriptionFilter API reference; a later quota change would
// not need a release): with more slots, a group with two foreign filters
// gets ours, and the foreign ones stay.
func TestTheServiceDecidesWhetherAGroupHasAFreeSlot(t *testing.T) {
	hs := newHarness(t, testConfig())
	hs.cwl.filterLimit = 5
	hs.cwl.addGroup("/aws/rds/two-foreign", "STANDARD", foreignFilter("datadog"), foreignFilter("splunk"))
	cov, err := hs.s.Sweep(context.Background(), Position{})
	if err != nil || cov.Subscribed != 1 {
		t.Fatalf("err %v, coverage %+v", err, cov)
	}
	fs := hs.cwl.filtersOf("/aws/rds/two-foreign")
	if len(fs) != 3 || countOurs(fs) != 1 {
		t.Fatalf("filters %+v", fs)
	}
}
