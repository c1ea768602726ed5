package simulate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// memSink keeps the objects in memory, in the order they were written.
type memSink struct {
	keys    []string
	objects map[string][]byte
}

func (m *memSink) Create(key string) (io.WriteCloser, error) {
	if m.objects == nil {
		m.objects = map[string][]byte{}
	}
	if _, dup := m.objects[key]; dup {
		return nil, fmt.Errorf("key %s written twice", key)
	}
	m.keys = append(m.keys, key)
	return &memObject{m: m, key: key}, nil
}

type memObject struct {
	bytes.Buffer
	m   *memSink
	key string
}

func (o *memObject) Close() error {
	o.m.objects[o.key] = o.Bytes()
	return nil
}

// small is an organization small enough for fast tests that still has a
// workload account for the scenarios.
func small(seed uint64) Options {
	return Options{Accounts: 4, Days: 1, Seed: seed, EventsPerHour: 30, FlowsPerSlot: 4}
}

func generate(t testing.TB, opts Options) (*memSink, *AnswerKey) {
	t.Helper()
	sink := &memSink{}
	opts.Sink = sink
	key, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sink, key
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, ka := generate(t, small(7))
	b, kb := generate(t, small(7))
	t.Run("two runs with one seed write the same objects byte for byte", func(t *testing.T) {
		if !slices.Equal(a.keys, b.keys) {
			t.Fatalf("keys differ: %d vs %d objects", len(a.keys), len(b.keys))
		}
		for _, k := range a.keys {
			if !bytes.Equal(a.objects[k], b.objects[k]) {
				t.Fatalf("object %s differs", k)
			}
		}
	})
	t.Run("two runs with one seed give the same answer key", func(t *testing.T) {
		var ja, jb bytes.Buffer
		if err := ka.WriteJSON(&ja); err != nil {
			t.Fatal(err)
		}
		if err := kb.WriteJSON(&jb); err != nil {
			t.Fatal(err)
		}
		if ja.String() != jb.String() {
			t.Error("answer keys differ")
		}
	})
	t.Run("another seed gives another archive", func(t *testing.T) {
		c, _ := generate(t, small(8))
		if slices.Equal(a.keys, c.keys) {
			t.Error("seeds 7 and 8 wrote the same keys")
		}
	})
	t.Run("the directory sink writes the same bytes", func(t *testing.T) {
		dir := t.TempDir()
		opts := small(7)
		opts.Out = dir
		if _, err := Generate(opts); err != nil {
			t.Fatal(err)
		}
		for _, k := range a.keys[:20] {
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(k)))
			if err != nil || !bytes.Equal(got, a.objects[k]) {
				t.Fatalf("%s: %v (equal %v)", k, err, bytes.Equal(got, a.objects[k]))
			}
		}
	})
}

// ordered returns the keys in the order the scan reads them: by the time
// the key carries, then by key.
func ordered(t testing.TB, sink *memSink) []string {
	t.Helper()
	keys := slices.Clone(sink.keys)
	times := map[string]time.Time{}
	for _, k := range keys {
		loc, err := archive.Parse(k)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		times[k] = loc.Time
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if c := times[a].Compare(times[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys
}

func TestEveryObjectFollowsTheArchiveLayoutAndNormalizesCleanly(t *testing.T) {
	sink, key := generate(t, small(3))
	accounts := map[string]bool{}
	for _, a := range key.Accounts {
		accounts[a.ID] = true
	}
	docs := map[string]int64{}
	for _, k := range sink.keys {
		loc, err := archive.Parse(k)
		if err != nil {
			t.Fatalf("%s does not parse: %v", k, err)
		}
		// AWS Config events arrive through a central Firehose stream under the
		// typed prefix config/, which names no account: each document's
		// account is checked instead.
		typedPrefix := loc.LogType == archive.TypeConfig
		if typedPrefix && (loc.Account != "" || loc.Skip != "" || loc.Time.IsZero()) ||
			!typedPrefix && (!accounts[loc.Account] || loc.Skip != "" || !slices.Contains(key.Regions, loc.Region)) {
			t.Fatalf("%s: location %+v", k, loc)
		}
		if loc.LogType == archive.TypeCloudTrail && loc.OrgID != key.OrgID {
			t.Fatalf("%s: CloudTrail not under the organization trail's prefix", k)
		}
		st, err := logs.Normalize(context.Background(), logs.Object{Key: k, Body: bytes.NewReader(sink.objects[k])}, func(d *ecs.Document) error {
			docs[d.Type]++
			if !accounts[d.Cloud.AccountID] || !slices.Contains(key.Regions, d.Cloud.Region) {
				return fmt.Errorf("document of account %q in %q", d.Cloud.AccountID, d.Cloud.Region)
			}
			if d.Timestamp.Before(key.Start) || d.Timestamp.After(key.End.Add(time.Hour)) {
				return fmt.Errorf("document at %s outside the simulated time", d.Timestamp)
			}
			return nil
		})
		if err != nil || st.Errors > 0 || !st.Balanced() {
			t.Fatalf("%s: err %v, stats %+v", k, err, st)
		}
	}
	for typ, n := range key.Records {
		if docs[typ] != n {
			t.Errorf("%s: %d documents, answer key says %d records", typ, docs[typ], n)
		}
	}
	for _, typ := range []string{archive.TypeCloudTrail, archive.TypeVPCFlow, archive.TypeLinux, archive.TypeGuardDuty} {
		if key.Records[typ] == 0 {
			t.Errorf("no %s records", typ)
		}
	}
	if key.Objects != len(sink.keys) {
		t.Errorf("answer key counts %d objects, %d written", key.Objects, len(sink.keys))
	}
}

func TestAnswerKey(t *testing.T) {
	_, key := generate(t, small(5))
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]bool{}
	for _, a := range key.Accounts {
		accounts[a.ID] = true
	}
	if got := len(key.Scenarios); got != len(ScenarioIDs()) {
		t.Fatalf("%d scenarios, want %d", got, len(ScenarioIDs()))
	}
	for i, s := range key.Scenarios {
		t.Run(s.ID+" is placed in the simulation and names existing rules", func(t *testing.T) {
			if s.ID != ScenarioIDs()[i] || !accounts[s.Account] || s.Principal == "" || s.SourceIP == "" {
				t.Errorf("scenario %+v", s)
			}
			if s.Start.Before(key.Start) || s.End.Before(s.Start) || !s.End.Before(key.End) {
				t.Errorf("time %s..%s outside %s..%s", s.Start, s.End, key.Start, key.End)
			}
			if len(s.Events) == 0 || len(s.Rules) == 0 {
				t.Errorf("no events or no rules: %+v", s)
			}
			for _, id := range s.Rules {
				if cat.Rule(id) == nil {
					t.Errorf("rule %s is not in the catalog", id)
				}
			}
		})
	}
	t.Run("a quiet simulation has no scenario", func(t *testing.T) {
		opts := small(5)
		opts.Quiet = true
		_, k := generate(t, opts)
		if len(k.Scenarios) != 0 {
			t.Errorf("%d scenarios", len(k.Scenarios))
		}
	})
}

// TestBackgroundRaisesNoHighAlert runs a day of background activity of a
// larger organization through the real normalizer and the full catalog:
// no rule at level high or critical may fire on benign activity.
func TestBackgroundRaisesNoHighAlert(t *testing.T) {
	opts := Options{Accounts: 6, Days: 1, Seed: 11, Quiet: true}
	sink, _ := generate(t, opts)
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m := cat.NewMatcher()
	byRule := map[string]int{}
	check := func(a detect.Alert) {
		byRule[a.Level+" "+a.RuleID]++
		if a.Level == "high" || a.Level == "critical" {
			t.Errorf("background raised %s %s in %s at %s (principal %s, source %s)", a.Level, a.RuleID, a.Account, a.Time, a.Principal, a.Source)
		}
	}
	for _, k := range ordered(t, sink) {
		if _, err := logs.Normalize(context.Background(), logs.Object{Key: k, Body: bytes.NewReader(sink.objects[k])}, func(d *ecs.Document) error {
			m.Match(d, check)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	m.Flush(check)
	t.Logf("background alerts by rule: %v; matcher %+v", byRule, m.Stats())
	if st := m.Stats(); st.LateEvents > 0 {
		t.Errorf("%d events arrived too late for threshold rules: the objects are not in delivery order", st.LateEvents)
	}
}

func TestGenerateCloudTrail(t *testing.T) {
	var b bytes.Buffer
	if err := GenerateCloudTrail(&b, 500, 1); err != nil {
		t.Fatal(err)
	}
	var n int
	st, err := logs.Normalize(context.Background(), logs.Object{Key: "bench.json", Type: archive.TypeCloudTrail, Body: &b}, func(d *ecs.Document) error {
		n++
		return nil
	})
	if err != nil || st.Errors != 0 || n != 500 {
		t.Fatalf("%d documents, stats %+v, err %v", n, st, err)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"negative accounts are refused", Options{Accounts: -1}},
		{"more than a year is refused", Options{Days: 400}},
		{"a region that is no AWS Region code is refused", Options{Regions: []string{"moon-1"}}},
		{"negative rates are refused", Options{EventsPerHour: -5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.opts.Validate(); err == nil {
				t.Error("no error")
			}
			tc.opts.Sink = &memSink{}
			if _, err := Generate(tc.opts); err == nil {
				t.Error("Generate accepted them")
			}
		})
	}
	t.Run("zero options take the defaults", func(t *testing.T) {
		if err := (Options{}).Validate(); err != nil {
			t.Error(err)
		}
	})
	t.Run("no output is an error", func(t *testing.T) {
		if _, err := Generate(Options{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("the directory sink refuses keys outside its directory", func(t *testing.T) {
		if _, err := (&DirSink{Dir: t.TempDir()}).Create("../escape"); err == nil {
			t.Error("no error")
		}
	})
}

func ExampleGenerate() {
	sink := &memSink{}
	key, err := Generate(Options{Accounts: 4, Days: 1, Seed: 42, Sink: sink})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range key.Scenarios {
		fmt.Println(s.ID, "->", strings.Join(s.Rules, " "))
	}
	// Output:
	// root-console-login-without-mfa -> pci-01-root-user-activity guardduty-escalation-finding-type
	// cloudtrail-stop-logging -> cloudtrail-stopped-or-deleted pci-04-audit-log-configuration-change guardduty-escalation-finding-type
	// crypto-mining-run-instances-burst -> ec2-run-instances-burst ec2-instance-type-not-allowed vpcflow-mining-pool-port guardduty-high-finding guardduty-escalation-finding-type
	// secrets-bulk-read -> secretsmanager-bulk-retrieval guardduty-high-finding guardduty-escalation-finding-type
	// security-group-opened-to-world -> ec2-security-group-opened-to-world pci-07-security-group-nacl-change vpcflow-admin-port-from-internet config-rule-noncompliant
	// console-password-spraying -> console-password-spraying pci-02-failed-platform-logins
	// eks-pod-exec-and-cluster-admin-binding -> eks-pod-exec-or-cluster-admin-binding
}
