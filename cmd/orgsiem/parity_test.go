package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/functions/loader"
	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// match is one (rule, document) pair.
type match struct{ rule, doc string }

// TestParityScanAndLoader is the contract of the design (DESIGN.md,
// "Detection runs once, at ingest"): the `make demo` archive (simulate
// --accounts 5 --days 2 --seed 42) through orgsiem scan's in-process path
// and through the loader into the OpenSearch test server's alerts index
// gives the same set of (rule id, document _id) event-rule alerts, and the
// same set of (rule id, document _id) signals as scan's per-event
// threshold matches, and the same PCI-DSS report numbers (events, failed,
// rules and counts per guideline) from scan's in-process report as from the
// alerts index's documents. A rule added, dropped or filtered on one side only, a
// parameter set on one side, or documents that differ (another _id) break
// it.
func TestParityScanAndLoader(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo archive through both paths")
	}
	dir, key := simulateArchive(t, "--accounts", "5", "--days", "2", "--seed", "42")
	root := filepath.Join(dir, "archive")

	// Scan, in process, as `orgsiem scan --format json` runs it.
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, now: func() time.Time { return testNow }}
	cfg := scanConfig{format: "json", failOn: "none", minLevel: "informational", maxProblems: 100, noProgress: true, sort: "time"}
	s, code, ok := newScanner(e, scanCommand(), &cfg)
	if !ok {
		t.Fatalf("scanner: exit %d: %s", code, errb.String())
	}
	scanSignals := map[match]bool{}
	s.onSignal = func(a detect.Alert) { scanSignals[match{a.RuleID, a.DocID}] = true }
	if code := s.run(context.Background(), []string{root}); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errb.String())
	}
	scanAlerts := map[match]bool{}
	for _, a := range s.alerts { // every alert (--min-level informational), before any folding for print
		if r := s.cat.Rule(a.RuleID); r != nil && !r.IsThreshold() {
			scanAlerts[match{a.RuleID, a.DocID}] = true
		}
	}

	// The loader: the same files as archive objects in S3, each loaded as
	// a notification would have it, into the OpenSearch test server.
	s3c := s3test.New(t, nil, remoteBucket)
	var refs []loader.ObjectRef
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		k, _ := filepath.Rel(root, p)
		k = filepath.ToSlash(k)
		loc, err := archive.Parse(k)
		if err != nil {
			t.Fatalf("%s is not an archive key: %v", k, err)
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := s3c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(remoteBucket), Key: aws.String(k), Body: bytes.NewReader(body)}); err != nil {
			return err
		}
		refs = append(refs, loader.ObjectRef{Bucket: remoteBucket, Key: k, Size: int64(len(body)), Time: loc.Time})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := searchtest.New(t)
	sc, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := loader.BuildRules(nil, nil) // what the deployed loader runs without custom rules
	if err != nil {
		t.Fatal(err)
	}
	l, err := loader.NewLoader(s3c, func(on func(search.Result)) (loader.Indexer, error) {
		return sc.NewIndexer(search.IndexerConfig{OnResult: on})
	}, loader.Options{Rules: rules, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	var docs int64
	for _, ref := range refs {
		p, err := l.Load(context.Background(), ref)
		if err != nil || !p.Complete() || !p.Balanced() {
			t.Fatalf("%s: %v (complete %v, balanced %v, %s)", ref.Key, err, p.Complete(), p.Balanced(), p.Failure)
		}
		docs += p.Created
	}
	noRejections(t, srv)
	loaderAlerts, loaderSignals := map[match]bool{}, map[match]bool{}
	// The report built from the alerts index's documents (what the report
	// Lambda aggregates on the domain) against scan's report.
	fromIndex := report.NewBuilder(report.BuilderOptions{})
	for _, idx := range srv.Indices() {
		if !strings.HasPrefix(idx, alerts.IndexPrefix) {
			continue
		}
		for _, id := range srv.IDs(idx) {
			src, _ := srv.Document(idx, id)
			var d alerts.Document
			if err := json.Unmarshal(src, &d); err != nil {
				t.Fatal(err)
			}
			if _, ok := srv.Document(d.DocIndex, d.DocID); !ok {
				t.Errorf("alert %s names document %s/%s, which the server does not hold", id, d.DocIndex, d.DocID)
			}
			fromIndex.Match(d)
			switch d.Kind {
			case alerts.KindAlert:
				loaderAlerts[match{d.RuleID, d.DocID}] = true
			case alerts.KindSignal:
				loaderSignals[match{d.RuleID, d.DocID}] = true
			default:
				t.Errorf("alert %s of kind %q", id, d.Kind)
			}
		}
	}

	// Both sides run the same catalog.
	ids := func(c *detect.Catalog) []string {
		var out []string
		for _, r := range c.Rules() {
			out = append(out, r.ID)
		}
		return out
	}
	if !slices.Equal(ids(s.cat), ids(rules.Catalog)) {
		t.Errorf("scan runs %d rules, the loader %d: the catalogs differ", s.cat.Len(), rules.Catalog.Len())
	}
	compare := func(what string, scan, load map[match]bool) {
		var onlyScan, onlyLoader []string
		for m := range scan {
			if !load[m] {
				onlyScan = append(onlyScan, m.rule+" "+m.doc)
			}
		}
		for m := range load {
			if !scan[m] {
				onlyLoader = append(onlyLoader, m.rule+" "+m.doc)
			}
		}
		sort.Strings(onlyScan)
		sort.Strings(onlyLoader)
		if len(onlyScan)+len(onlyLoader) > 0 {
			t.Errorf("%s differ: %d only in scan %q, %d only in the loader %q", what,
				len(onlyScan), onlyScan[:min(len(onlyScan), 5)], len(onlyLoader), onlyLoader[:min(len(onlyLoader), 5)])
		}
	}
	compare("event-rule alerts", scanAlerts, loaderAlerts)
	compare("signals", scanSignals, loaderSignals)

	// The PCI-DSS guideline numbers: events, failures, rules and their
	// counts, from scan's in-process report and from the alerts index.
	guidelines := func(r *report.Report) []string {
		var out []string
		for _, g := range r.Guidelines {
			line := fmt.Sprintf("%s: %d events, %d failed", g.ID, g.Count, g.Failed)
			for _, rc := range g.Rules {
				line += fmt.Sprintf("; %s %s %d", rc.ID, rc.Kind, rc.Count)
			}
			out = append(out, line)
		}
		return out
	}
	scanReport, indexReport := guidelines(s.builder.Report(testNow)), guidelines(fromIndex.Report(testNow))
	if !slices.Equal(scanReport, indexReport) {
		t.Errorf("report numbers differ:\nscan:\n  %s\nalerts index:\n  %s", strings.Join(scanReport, "\n  "), strings.Join(indexReport, "\n  "))
	}
	var counted int64
	for _, g := range s.builder.Report(testNow).Guidelines {
		counted += g.Count
	}
	if counted == 0 {
		t.Error("the demo's report counts no event: the comparison exercises nothing")
	}

	// The demo exercises both kinds: every rule the answer key expects has
	// alerts or signals on both sides, so a rule lost on one side fails here
	// even if it were lost on both.
	fired := map[string]bool{}
	for m := range loaderAlerts {
		fired[m.rule] = true
	}
	for m := range loaderSignals {
		fired[m.rule] = true
	}
	for _, sc := range key.Scenarios {
		for _, id := range sc.Rules {
			if !fired[id] {
				t.Errorf("scenario %s: rule %s has no alert or signal in the alerts index", sc.ID, id)
			}
		}
	}
	if len(loaderAlerts) == 0 || len(loaderSignals) == 0 {
		t.Errorf("%d alerts, %d signals: the demo must exercise both", len(loaderAlerts), len(loaderSignals))
	}
	t.Logf("%d objects, %d documents; %d event-rule alerts and %d signals of %d rules on both sides",
		len(refs), docs, len(loaderAlerts), len(loaderSignals), len(fired))
}

func TestArchiveKeyOfALocalCopy(t *testing.T) {
	const k = "AWSLogs/469706164917/vpcflowlogs/eu-west-1/2026/11/03/469706164917_vpcflowlogs_eu-west-1_fl-0b5e447040e58d21c_20261103T0000Z_09e15136.log.gz"
	for path, want := range map[string]string{
		"/tmp/x/archive/" + k:   k, // not "tmp/x/archive/...", which parses too by its file name
		k:                       k,
		"/data/CWLogs/x/y.json": "/data/CWLogs/x/y.json", // not an archive key: the path
		"/data/vpcflow/a.log":   "/data/vpcflow/a.log",
	} {
		if got := archiveKey(path); got != want {
			t.Errorf("archiveKey(%q) = %q, want %q", path, got, want)
		}
	}
}
