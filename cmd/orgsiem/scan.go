package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/report"
)

func scanCommand() *command {
	return &command{
		name:    "scan",
		summary: "run the rules over log files or a copy of the archive; print alerts and the compliance report",
		usage:   "orgsiem scan [flags] PATH...   (PATH - reads standard input; needs --type)",
		help: `Scan reads log files, folders (recursively) and copies of the log archive laid out as in S3,
normalizes every record to ECS exactly as the loader does, runs the detection catalog on each
document and prints the alerts (severity, rule, account, principal, time, source attribution)
and the Logging Compliance Report.

Each file's log type comes from its path, read as an archive key (AWSLogs/..., CWLogs/...,
a folder named after a log type such as cloudtrail/ or vpcflow/, or a self-identifying AWS file
name); --type gives the type of files that follow no layout. Gzip is detected from the content.
Files are scanned in the order of the delivery time their key carries, so threshold rules see
events roughly in time order across accounts.

A bad record or file never stops the scan: unknown layouts, unreadable files, truncated gzip
streams and malformed records are reported on stderr with the file and the record position,
counted in the summary, and (records) kept as pipeline_error documents. Hidden files (.name)
are skipped and counted.

Output (stdout), once the scan ends: --format text prints the alerts in time order (--sort for
another order), then the report; json prints one object {"alerts": [...], "report": {...},
"stats": {...}}; ndjson prints one alert per line.
A summary of the counts goes to stderr, with a progress bar when stderr is a terminal.

--out FILE writes every normalized document as NDJSON in the OpenSearch _bulk format: an action
line {"index":{"_index":"log-aws-<type>-YYYY.MM","_id":"<id>"}} followed by the document, so the
file loads with  curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE <domain>/_bulk.

The report covers the events scanned within --since/--until unless --report-window says
otherwise; "now" is the wall clock unless --now sets it.`,
		examples: []string{
			"orgsiem scan demo-out/archive",
			"orgsiem scan --format json --fail-on high --since 2026-11-01 --until 2026-11-02 ./AWSLogs",
			"zcat trail.json.gz | orgsiem scan --type cloudtrail -",
			"orgsiem scan --type cloudtrail --rules ./site-rules --param allowed_instance_types=t3.*,m5.* --out docs.ndjson events.json.gz",
		},
		run: runScan,
	}
}

// scanConfig holds the parsed scan flags.
type scanConfig struct {
	catalog      catalogFlags
	typ          string
	format       string
	failOn       string
	minLevel     string
	out          string
	since, until string
	reportWindow string
	reportOut    string
	now          string
	maxProblems  int
	noProgress   bool
	allowInput   bool
	sort         string
	groupWindow  time.Duration
}

// levels are the rule levels from lowest to highest.
var levels = []string{"informational", "low", "medium", "high", "critical"}

func levelRank(l string) int { return slices.Index(levels, strings.ToLower(l)) }

func runScan(ctx context.Context, e *env, args []string) int {
	c := scanCommand()
	var cfg scanConfig
	fs := newFlagSet(c.name)
	cfg.catalog.register(fs)
	fs.StringVar(&cfg.typ, "type", "", "log `TYPE` of files whose path follows no archive layout (one of: "+strings.Join(logs.Names(), ", ")+")")
	fs.StringVar(&cfg.format, "format", "text", "output `FORMAT`: text, json or ndjson")
	fs.StringVar(&cfg.failOn, "fail-on", "none", "exit with code 1 when an alert at or above `LEVEL` is found: informational, low, medium, high, critical or none")
	fs.StringVar(&cfg.minLevel, "min-level", "low", "print only alerts at or above `LEVEL` (all are counted, reported and checked by --fail-on); informational rules are report evidence, shown with --min-level informational")
	fs.StringVar(&cfg.out, "out", "", "write the normalized documents to `FILE` as NDJSON in the _bulk format (action line + document)")
	fs.StringVar(&cfg.since, "since", "", "only events at or after `TIME` (RFC 3339, a day 2026-11-01, or relative: now-1d, -24h)")
	fs.StringVar(&cfg.until, "until", "", "only events before `TIME` (same forms as --since)")
	fs.StringVar(&cfg.reportWindow, "report-window", "", "report over `WINDOW`: now-1d (any duration), FROM..TO, or all; default: the --since/--until range")
	fs.StringVar(&cfg.reportOut, "report-out", "", "also write the report to `FILE`; .html, .json or text by the extension")
	fs.StringVar(&cfg.now, "now", "", "the `TIME` relative times refer to (default: the wall clock)")
	fs.IntVar(&cfg.maxProblems, "max-problems", 100, "print at most `N` problems (bad files and records) on stderr; all are counted")
	fs.BoolVar(&cfg.noProgress, "no-progress", false, "never draw the progress bar")
	fs.StringVar(&cfg.sort, "sort", "time", "print alerts in `ORDER`: time, severity (highest first), rule or account; ties in time order")
	fs.DurationVar(&cfg.groupWindow, "group-window", detect.DefaultAggregationWindow, "print repeats of one rule, account, principal and source within `DURATION` once, with their count and first and last time; 0 prints every match")
	fs.BoolVar(&cfg.allowInput, "allow-input-errors", false, "exit 0 (or 1 for alerts) even when input was lost: unreadable paths, truncated objects, unparseable records (default: exit 4)")
	paths, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		return e.usageError(c, "no PATH to scan")
	}
	s, code, ok := newScanner(e, c, &cfg)
	if !ok {
		return code
	}
	return s.run(ctx, paths)
}

// scanner is one scan: it walks the inputs, normalizes each object, feeds
// every document to the matcher, the report builder and --out, and counts.
type scanner struct {
	e   *env
	cfg *scanConfig

	// matcher sees every document, error documents included: threshold
	// windows are decided over time-sorted events (internal/detect), so a
	// delivery-time @timestamp cannot make other events late.
	cat          *detect.Catalog
	matcher      *detect.Matcher
	builder      *report.Builder
	since, until time.Time
	now          time.Time
	failRank     int
	minRank      int

	open   func(path string) (io.ReadCloser, error) // os.Open; tests and benchmarks read from memory
	fatal  error                                    // an error that stops the scan (writing --out)
	out    *bufio.Writer
	outBuf []byte
	enc    ecs.Encoder    // writes outBuf
	alerts []detect.Alert // printed at the end, in --sort order
	cur    *ecs.Document
	// onSignal, when set, receives every signal (nil: none).
	onSignal func(detect.Alert)
	// curPath is the local path of the input being read (problems name
	// it; documents carry its archive key).
	curPath string
	stats   scanStats
	prog    *progress
	done    int // inputs handled
}

// scanStats is the summary of a scan (stderr; "stats" of --format json).
type scanStats struct {
	Objects        int64               `json:"objects"`         // objects read
	ObjectsSkipped map[string]int64    `json:"objects_skipped"` // objects not read, by reason (cloudtrail-digest, hidden ...)
	ObjectsFailed  int64               `json:"objects_failed"`  // objects that could not be read at all
	Records        int64               `json:"records"`
	Documents      int64               `json:"documents"`
	Errors         int64               `json:"errors"`  // records kept as pipeline_error documents
	Skipped        map[string]int64    `json:"skipped"` // records not indexed, by reason
	OutsideWindow  int64               `json:"outside_since_until"`
	Bytes          int64               `json:"bytes"`      // decompressed bytes read
	FileBytes      int64               `json:"file_bytes"` // bytes on disk
	Seconds        float64             `json:"seconds"`
	MBPerSecond    float64             `json:"mb_per_second"` // decompressed MB (10^6 bytes) per second
	Alerts         map[string]int64    `json:"alerts"`        // by level
	Matcher        detect.MatcherStats `json:"matcher"`
	RulesLoaded    int                 `json:"rules"`
	// AlertsShown is the number of alerts printed: those at or above
	// --min-level, repeats folded over --group-window.
	AlertsShown int `json:"alerts_shown"`
}

// alertJSON is an alert as json and ndjson print it.
type alertJSON struct {
	Time      time.Time `json:"time"`
	Level     string    `json:"level"`
	Severity  int       `json:"severity"`
	RuleID    string    `json:"rule_id"`
	Title     string    `json:"title"`
	Account   string    `json:"account,omitempty"`
	Region    string    `json:"region,omitempty"`
	Principal string    `json:"principal,omitempty"`
	Source    string    `json:"source,omitempty"`
	Count     int       `json:"count"`
	// Matches, First and Last: the repeats folded into this alert
	// (--group-window); Matches is 1 when nothing was folded.
	Matches     int               `json:"matches"`
	First       time.Time         `json:"first"`
	Last        time.Time         `json:"last"`
	WindowStart time.Time         `json:"window_start,omitzero"`
	WindowEnd   time.Time         `json:"window_end,omitzero"`
	Group       map[string]string `json:"group,omitempty"`
	DocID       string            `json:"doc_id,omitempty"`
	Index       string            `json:"index,omitempty"`
	Author      string            `json:"author"`
	License     string            `json:"license"`
	RuleSource  string            `json:"rule_source"`
}

func toAlertJSON(g detect.Aggregated) alertJSON {
	a := g.Alert
	return alertJSON{Time: a.Time.UTC(), Level: a.Level, Severity: a.Severity, RuleID: a.RuleID, Title: a.Title,
		Account: a.Account, Region: a.Region, Principal: a.Principal, Source: a.Source, Count: a.Count,
		Matches: g.Matches, First: g.First.UTC(), Last: g.Last.UTC(),
		WindowStart: a.WindowStart.UTC(), WindowEnd: a.WindowEnd.UTC(), Group: a.Group, DocID: a.DocID, Index: a.Index,
		Author: a.Author, License: a.License, RuleSource: a.RuleSource}
}

func newScanner(e *env, c *command, cfg *scanConfig) (*scanner, int, bool) {
	s := &scanner{e: e, cfg: cfg, open: func(p string) (io.ReadCloser, error) {
		if p == "-" && e.stdin != nil {
			return io.NopCloser(e.stdin), nil
		}
		return os.Open(p)
	}, stats: scanStats{ObjectsSkipped: map[string]int64{}, Skipped: map[string]int64{}, Alerts: map[string]int64{}}}
	switch cfg.format {
	case "text", "json", "ndjson":
	default:
		return nil, e.usageError(c, "--format %q: want text, json or ndjson", cfg.format), false
	}
	s.failRank = len(levels)
	if cfg.failOn != "none" {
		if s.failRank = levelRank(cfg.failOn); s.failRank < 0 {
			return nil, e.usageError(c, "--fail-on %q: want one of %s or none", cfg.failOn, strings.Join(levels, ", ")), false
		}
	}
	if cfg.groupWindow < 0 {
		return nil, e.usageError(c, "--group-window %s: want a duration of 0 or more", cfg.groupWindow), false
	}
	if sortOrders[cfg.sort] == nil {
		return nil, e.usageError(c, "--sort %q: want time, severity, rule or account", cfg.sort), false
	}
	if s.minRank = levelRank(cfg.minLevel); s.minRank < 0 {
		return nil, e.usageError(c, "--min-level %q: want one of %s", cfg.minLevel, strings.Join(levels, ", ")), false
	}
	if cfg.typ != "" {
		if _, err := logs.Lookup(cfg.typ); err != nil {
			return nil, e.usageError(c, "--type: %v", err), false
		}
	}
	if cfg.maxProblems < 0 {
		return nil, e.usageError(c, "--max-problems must not be negative"), false
	}
	s.now = e.now().UTC()
	var err error
	if cfg.now != "" {
		if s.now, err = parseTime(cfg.now, s.now); err != nil {
			return nil, e.usageError(c, "--now: %v", err), false
		}
	}
	for _, t := range []struct {
		flag, value string
		dst         *time.Time
	}{{"since", cfg.since, &s.since}, {"until", cfg.until, &s.until}} {
		if t.value == "" {
			continue
		}
		if *t.dst, err = parseTime(t.value, s.now); err != nil {
			return nil, e.usageError(c, "--%s: %v", t.flag, err), false
		}
	}
	if !s.since.IsZero() && !s.until.IsZero() && !s.since.Before(s.until) {
		return nil, e.usageError(c, "--since %s is not before --until %s", s.since.Format(time.RFC3339), s.until.Format(time.RFC3339)), false
	}
	w, err := reportWindow(cfg.reportWindow, s.since, s.until, s.now)
	if err != nil {
		return nil, e.usageError(c, "--report-window: %v", err), false
	}
	switch strings.ToLower(filepath.Ext(cfg.reportOut)) {
	case "", ".html", ".htm", ".json", ".txt", ".text":
	default:
		return nil, e.usageError(c, "--report-out %q: want a .html, .json or .txt file", cfg.reportOut), false
	}
	cat, code, ok := cfg.catalog.load(e, c)
	if !ok {
		return nil, code, false
	}
	// Signals (each event satisfying a threshold rule's condition) are
	// what the loader indexes for thresholds and what the domain's report
	// counts for a threshold rule with a guideline: scan feeds them to its
	// report the same way (and counts windows itself for its alerts), and
	// hands them to onSignal (the parity test).
	opts := detect.MatcherOptions{Signal: func(a detect.Alert) {
		s.reportMatch(a, alerts.KindSignal)
		if s.onSignal != nil {
			s.onSignal(a)
		}
	}}
	s.cat, s.matcher = cat, cat.NewMatcherWith(opts)
	s.stats.RulesLoaded = cat.Len()
	s.builder = report.NewBuilder(report.BuilderOptions{From: w.From, To: w.To, Spec: w.Spec})
	return s, exitOK, true
}

// reportWindow resolves --report-window against the --since/--until range
// and now.
func reportWindow(spec string, since, until, now time.Time) (report.Window, error) {
	switch {
	case spec == "":
		// The report covers what was asked: --since (to --until, else to
		// now); without either, the events scanned (the report closes the
		// open ends at the first and last event).
		w := report.Window{From: since, To: until, Spec: "all events scanned"}
		if !since.IsZero() || !until.IsZero() {
			w.Spec = "--since/--until"
		}
		if !since.IsZero() && until.IsZero() {
			w.To = now
			if w.To.Before(since) {
				w.To = since
			}
		}
		return w, nil
	case spec == "all":
		return report.Window{Spec: "all"}, nil
	case strings.Contains(spec, ".."):
		a, b, _ := strings.Cut(spec, "..")
		from, err := parseTime(a, now)
		if err != nil {
			return report.Window{}, err
		}
		to, err := parseTime(b, now)
		if err != nil {
			return report.Window{}, err
		}
		if !from.Before(to) {
			return report.Window{}, fmt.Errorf("%s is not before %s", a, b)
		}
		return report.Window{From: from, To: to}, nil
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(spec, "now"), "-")
	d, err := parseDuration(rel)
	if err != nil || d == 0 {
		return report.Window{}, fmt.Errorf("%q: want now-1d (any duration), FROM..TO or all", spec)
	}
	return report.Window{From: now.Add(-d), To: now, Spec: "now-" + rel}, nil
}

// input is one file to scan.
type input struct {
	path  string
	size  int64
	mtime time.Time // the file's modification time: the delivery time of files whose key has none
	loc   archive.Location
	err   error // the path follows no layout (or a malformed one), and no --type
}

// collect walks the paths and returns the files to scan in delivery order:
// files whose key carries no time first (in path order), then by the time
// of the key, then by path. Paths that cannot be walked are reported.
func (s *scanner) collect(paths []string) []input {
	var ins []input
	for _, root := range paths {
		if root == "-" {
			// Standard input: one object of --type, delivered now.
			in := input{path: "-", mtime: s.now, loc: archive.Location{Key: "(stdin)", LogType: s.cfg.typ}}
			if s.cfg.typ == "" {
				in.err = errors.New("reading standard input needs --type")
			}
			ins = append(ins, in)
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				s.objectFailed(p, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				s.stats.ObjectsSkipped["hidden"]++
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if !d.Type().IsRegular() {
				s.objectFailed(p, fmt.Errorf("not a regular file (%s)", d.Type()))
				return nil
			}
			in := input{path: p}
			if info, err := d.Info(); err == nil {
				in.size, in.mtime = info.Size(), info.ModTime().UTC()
			}
			in.loc, in.err = archive.ParseLocal(filepath.ToSlash(p))
			if in.err != nil && s.cfg.typ != "" {
				in.loc, in.err = archive.Location{Key: p, LogType: s.cfg.typ}, nil
			}
			ins = append(ins, in)
			return nil
		})
		if err != nil {
			s.objectFailed(root, err)
		}
	}
	slices.SortStableFunc(ins, func(a, b input) int {
		if c := a.loc.Time.Compare(b.loc.Time); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	return ins
}

// problem prints one bad file or record on stderr, the first
// --max-problems of them (the caller has counted it already).
func (s *scanner) problem(format string, args ...any) {
	n := s.stats.ObjectsFailed + s.stats.Errors
	if n <= int64(s.cfg.maxProblems) {
		s.prog.print(func() {
			fmt.Fprintf(s.e.stderr, format+"\n", args...)
			if n == int64(s.cfg.maxProblems) {
				fmt.Fprintf(s.e.stderr, "(further problems are counted in the summary, not printed: --max-problems %d)\n", s.cfg.maxProblems)
			}
		})
	}
}

// objectFailed counts and reports a file that could not be read at all.
func (s *scanner) objectFailed(path string, err error) {
	s.stats.ObjectsFailed++
	s.problem("%s: %v", path, err)
}

func (s *scanner) run(ctx context.Context, paths []string) int {
	start := time.Now()
	ins := s.collect(paths)
	if len(ins) == 0 {
		fmt.Fprintf(s.e.stderr, "orgsiem scan: no file to scan in %s\n", strings.Join(paths, " "))
		return exitError
	}
	if s.cfg.out != "" {
		f, err := os.Create(s.cfg.out)
		if err != nil {
			fmt.Fprintf(s.e.stderr, "orgsiem scan: --out: %v\n", err)
			return exitError
		}
		defer f.Close()
		s.out = bufio.NewWriterSize(f, 1<<20)
	}
	var total int64
	for _, in := range ins {
		total += in.size
	}
	if s.e.terminal && !s.cfg.noProgress {
		s.prog = newProgress(s.e.stderr, total, len(ins))
		defer s.prog.stop()
	}
	s.scanAll(ctx, ins)
	if s.fatal != nil {
		fmt.Fprintf(s.e.stderr, "orgsiem scan: %v\n", s.fatal)
		return exitError
	}
	if ctx.Err() != nil {
		// Interrupted: what was read is counted; say so, and that it is
		// partial, rather than leave the user with nothing.
		s.prog.stop()
		s.finishStats(start)
		s.summary()
		fmt.Fprintf(s.e.stderr, "orgsiem scan: interrupted after %d of %d files: the counts above are partial, no report was made\n", s.done, len(ins))
		return exitInterrupted
	}
	s.matcher.Flush(s.alert)
	s.prog.stop()
	s.finishStats(start)
	if s.out != nil {
		if err := s.out.Flush(); err != nil {
			fmt.Fprintf(s.e.stderr, "orgsiem scan: --out: %v\n", err)
			return exitError
		}
	}
	rep := s.builder.Report(s.e.now())
	if err := s.print(rep); err != nil {
		fmt.Fprintf(s.e.stderr, "orgsiem scan: %v\n", err)
		return exitError
	}
	if err := s.writeReport(rep); err != nil {
		fmt.Fprintf(s.e.stderr, "orgsiem scan: --report-out: %v\n", err)
		return exitError
	}
	s.summary()
	if s.stats.Objects == 0 {
		return exitError
	}
	if lost := s.stats.ObjectsFailed + s.stats.Errors; lost > 0 && !s.cfg.allowInput {
		fmt.Fprintf(s.e.stderr, "orgsiem scan: input lost: %d %s unreadable, %d %s unparseable (exit %d; --allow-input-errors accepts them)\n",
			s.stats.ObjectsFailed, plural(int(s.stats.ObjectsFailed), "object", "objects"), s.stats.Errors, plural(int(s.stats.Errors), "record", "records"), exitInput)
		return exitInput
	}
	for l, n := range s.stats.Alerts {
		if n > 0 && levelRank(l) >= s.failRank {
			return exitAlerts
		}
	}
	return exitOK
}

// finishStats fills the matcher counts and the throughput.
func (s *scanner) finishStats(start time.Time) {
	s.stats.Matcher = s.matcher.Stats()
	s.stats.Seconds = time.Since(start).Seconds()
	if s.stats.Seconds > 0 {
		s.stats.MBPerSecond = float64(s.stats.Bytes) / 1e6 / s.stats.Seconds
	}
}

// objectResult is the outcome of reading one input.
type objectResult struct {
	in     input
	st     logs.Stats
	n      int64  // bytes read from the file
	skip   string // not read, for this reason
	failed error  // could not be read at all
}

// readObject normalizes one input, calling emit for each document, and
// returns its outcome for finish.
func readObject(ctx context.Context, in input, open func(string) (io.ReadCloser, error), prog *progress, emit logs.Emit) (res objectResult) {
	res.in = in
	defer func() {
		prog.add(in.size - res.n)
		prog.object()
	}()
	var unknown *archive.UnknownKeyError
	switch {
	case errors.As(in.err, &unknown):
		res.failed = errors.New("no known archive layout or log type in the path (use --type)")
		return res
	case in.err != nil:
		res.failed = in.err
		return res
	case in.loc.Skip != "":
		res.skip = in.loc.Skip
		return res
	}
	f, err := open(in.path)
	if err != nil {
		res.failed = err
		return res
	}
	defer f.Close()
	body := &countingReader{r: f, prog: prog}
	t := in.loc.Time
	if t.IsZero() {
		t = in.mtime
	}
	res.st, res.failed = logs.Normalize(ctx, logs.Object{Key: archiveKey(in.path), Type: in.loc.LogType, Body: body,
		Account: in.loc.Account, Region: in.loc.Region, Time: t}, emit)
	res.n = body.n
	return res
}

// archiveKey is the archive key a local copy's path holds: its leftmost
// suffix starting at an AWSLogs/ or CWLogs/ folder that is an archive key
// (".../archive/AWSLogs/..." gives "AWSLogs/..."), else the path.
// Documents are then the loader's, to the byte: log.file.path and the _id
// of records without an id of their own (a hash of the key and the
// position) do not depend on where the copy lives, so scan's alerts name
// the documents the domain holds. (Only those roots: a self-identifying
// AWS file name makes any suffix parse.)
func archiveKey(path string) string {
	p := filepath.ToSlash(path)
	for start := 0; start < len(p); {
		if rest := p[start:]; strings.HasPrefix(rest, archive.AWSLogsPrefix) || strings.HasPrefix(rest, archive.CWLogsPrefix) {
			if _, err := archive.Parse(rest); err == nil {
				return rest
			}
		}
		i := strings.IndexByte(p[start:], '/')
		if i < 0 {
			break
		}
		start += i + 1
	}
	return path
}

// finish counts an object's outcome and reports its failure.
func (s *scanner) finish(res objectResult) {
	if res.skip != "" {
		s.stats.ObjectsSkipped[res.skip]++
		return
	}
	st := res.st
	s.stats.FileBytes += res.n
	s.stats.Records += st.Records
	s.stats.Documents += st.Documents
	s.stats.Bytes += st.Bytes
	for k, v := range st.Skipped {
		s.stats.Skipped[k] += v
	}
	if res.failed != nil {
		if s.fatal == nil || !errors.Is(res.failed, s.fatal) {
			s.objectFailed(res.in.path, res.failed)
		}
		return
	}
	s.stats.Objects++
}

// scanAll reads and matches the inputs in order, on this goroutine. (A
// pipeline that parsed on a second goroutine while this one matched was
// measured slower: copying every document cost more than the overlap won
// on a busy two-core machine; see BenchmarkScanCloudTrail.)
func (s *scanner) scanAll(ctx context.Context, ins []input) {
	for _, in := range ins {
		if ctx.Err() != nil || s.fatal != nil {
			return
		}
		s.curPath = in.path
		res := readObject(ctx, in, s.open, s.prog, s.emit)
		if ctx.Err() != nil && res.failed != nil && errors.Is(res.failed, ctx.Err()) {
			return // interrupted in this file: it is neither read nor failed
		}
		s.finish(res)
		s.done++
	}
}

// emit handles one document: problems, the --since/--until filter, the
// report, --out and the matcher.
func (s *scanner) emit(d *ecs.Document) error {
	if d.Event.Kind == logs.KindPipelineError {
		s.stats.Errors++
		s.problem("%s: record %d: %s", s.curPath, d.Position, d.Error.Message)
	}
	if (!s.since.IsZero() && d.Timestamp.Before(s.since)) || (!s.until.IsZero() && !d.Timestamp.Before(s.until)) {
		s.stats.OutsideWindow++
		return nil
	}
	s.builder.Document(d)
	if s.out != nil {
		s.outBuf = append(s.outBuf[:0], `{"index":{"_index":`...)
		s.outBuf = ecs.AppendJSONString(s.outBuf, d.Index())
		s.outBuf = append(s.outBuf, `,"_id":`...)
		s.outBuf = ecs.AppendJSONString(s.outBuf, d.ID)
		s.outBuf = append(s.outBuf, "}}\n"...)
		s.outBuf = s.enc.AppendJSON(s.outBuf, d)
		s.outBuf = append(s.outBuf, '\n')
		if _, err := s.out.Write(s.outBuf); err != nil {
			s.fatal = fmt.Errorf("--out: %w", err)
			return s.fatal
		}
	}
	s.cur = d
	s.matcher.Match(d, s.alert)
	s.cur = nil
	return nil
}

// alert handles one alert: counts it, feeds the report and prints it
// (text, ndjson) or keeps it (json).
func (s *scanner) alert(a detect.Alert) {
	s.stats.Alerts[a.Level]++
	s.reportMatch(a, alerts.KindAlert)
	if levelRank(a.Level) < s.minRank {
		return
	}
	s.alerts = append(s.alerts, a)
}

// sortOrders are the --sort orders: each compares two alerts, ties broken
// by time, rule and document so that the output is deterministic.
var sortOrders = map[string]func(a, b *detect.Alert) int{
	"time":     func(a, b *detect.Alert) int { return 0 },
	"severity": func(a, b *detect.Alert) int { return cmp.Compare(a.Severity, b.Severity) },
	"rule":     func(a, b *detect.Alert) int { return cmp.Compare(a.RuleID, b.RuleID) },
	"account":  func(a, b *detect.Alert) int { return cmp.Compare(a.Account, b.Account) },
}

// shownAlerts folds repeats (--group-window) and orders the result by
// --sort, then time, rule and document.
func (s *scanner) shownAlerts() []detect.Aggregated {
	shown := detect.Aggregate(s.alerts, s.cfg.groupWindow)
	by := sortOrders[s.cfg.sort]
	slices.SortStableFunc(shown, func(x, y detect.Aggregated) int {
		a, b := &x.Alert, &y.Alert
		return cmp.Or(by(a, b), a.Time.Compare(b.Time), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.DocID, b.DocID))
	})
	return shown
}

// reportMatch feeds a per-event match to the report, built as the loader
// builds its alert document, so the report counts exactly what the
// domain's report counts. Threshold windows are not per-event matches:
// their events reach the report as signals.
func (s *scanner) reportMatch(a detect.Alert, kind string) {
	if a.Rule == nil || a.Rule.Report == "" || s.cur == nil || a.DocID != s.cur.ID || (kind == alerts.KindAlert && a.Rule.IsThreshold()) {
		return
	}
	d := s.cur
	s.builder.Match(alerts.FromAlert(a, kind, alerts.Source{LogType: d.Type, Outcome: d.Event.Outcome, Action: d.Event.Action}, s.now))
}

// formatAlert is the two-line text form of an alert.
func formatAlert(g detect.Aggregated) string {
	a := g.Alert
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-8s %s: %s\n", a.Time.UTC().Format(time.RFC3339), strings.ToUpper(a.Level), a.RuleID, a.Title)
	var ctx []string
	acct := "account " + orDash(a.Account)
	if a.Region != "" {
		acct += " " + a.Region
	}
	ctx = append(ctx, acct, "principal "+orDash(a.Principal))
	if a.Source != "" {
		ctx = append(ctx, "source "+a.Source)
	}
	if a.Rule != nil && a.Rule.IsThreshold() {
		ctx = append(ctx, fmt.Sprintf("%d events %s..%s", a.Count, a.WindowStart.UTC().Format("15:04:05"), a.WindowEnd.UTC().Format("15:04:05")))
	}
	if g.Matches > 1 {
		ctx = append(ctx, fmt.Sprintf("%d matches %s..%s", g.Matches, g.First.UTC().Format(time.RFC3339), g.Last.UTC().Format(time.RFC3339)))
	}
	attribution := "rule by " + orDash(a.Author)
	if a.License != "" {
		attribution += ", " + a.License
	}
	if a.RuleSource != "" && a.RuleSource != a.Author {
		attribution += "; " + a.RuleSource
	}
	fmt.Fprintf(&b, "    %s (%s)\n", strings.Join(ctx, " · "), attribution)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// print writes the scan's result to stdout in the chosen format: the
// alerts in --sort order (time by default), then the report.
func (s *scanner) print(rep *report.Report) error {
	shown := s.shownAlerts()
	s.stats.AlertsShown = len(shown)
	switch s.cfg.format {
	case "json":
		alerts := make([]alertJSON, len(shown))
		for i, a := range shown {
			alerts[i] = toAlertJSON(a)
		}
		enc := json.NewEncoder(s.e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Alerts []alertJSON    `json:"alerts"`
			Report *report.Report `json:"report"`
			Stats  scanStats      `json:"stats"`
		}{alerts, rep, s.stats})
	case "ndjson":
		w := bufio.NewWriter(s.e.stdout)
		for _, a := range shown {
			b, _ := json.Marshal(toAlertJSON(a)) // plain strings, times and maps: cannot fail
			w.Write(b)
			w.WriteByte('\n')
		}
		return w.Flush()
	}
	w := bufio.NewWriter(s.e.stdout)
	for _, a := range shown {
		w.WriteString(formatAlert(a))
	}
	if s.stats.Matcher.Alerts == 0 {
		fmt.Fprintln(w, "No alerts.")
	} else if s.minRank > 0 {
		fmt.Fprintf(w, "(alerts below %s are not printed: --min-level)\n", levels[s.minRank])
	}
	fmt.Fprintln(w)
	if err := w.Flush(); err != nil {
		return err
	}
	return report.Text(s.e.stdout, rep)
}

func (s *scanner) writeReport(rep *report.Report) error {
	if s.cfg.reportOut == "" {
		return nil
	}
	f, err := os.Create(s.cfg.reportOut)
	if err != nil {
		return err
	}
	switch strings.ToLower(filepath.Ext(s.cfg.reportOut)) {
	case ".html", ".htm":
		err = report.HTML(f, rep)
	case ".json":
		err = report.JSON(f, rep)
	default:
		err = report.Text(f, rep)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// summary prints the counts on stderr.
func (s *scanner) summary() {
	st := &s.stats
	w := s.e.stderr
	fmt.Fprintf(w, "\nscanned %d objects in %.1fs with %d rules", st.Objects, st.Seconds, st.RulesLoaded)
	if n := sum(st.ObjectsSkipped); n > 0 {
		fmt.Fprintf(w, "; %d skipped (%s)", n, byReason(st.ObjectsSkipped))
	}
	if st.ObjectsFailed > 0 {
		fmt.Fprintf(w, "; %d FAILED", st.ObjectsFailed)
	}
	fmt.Fprintf(w, "\nrecords %d: documents %d, errors %d, skipped %d", st.Records, st.Documents, st.Errors, sum(st.Skipped))
	if len(st.Skipped) > 0 {
		fmt.Fprintf(w, " (%s)", byReason(st.Skipped))
	}
	if st.OutsideWindow > 0 {
		fmt.Fprintf(w, ", outside --since/--until %d", st.OutsideWindow)
	}
	fmt.Fprintf(w, "\nread %.1f MB decompressed (%.1f MB on disk): %.1f MB/s decompressed, %.0f records/s\n",
		float64(st.Bytes)/1e6, float64(st.FileBytes)/1e6, st.MBPerSecond, float64(st.Records)/max(st.Seconds, 1e-9))
	fmt.Fprintf(w, "alerts %d", st.Matcher.Alerts)
	var parts []string
	for i := len(levels) - 1; i >= 0; i-- {
		if n := st.Alerts[levels[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", levels[i], n))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "; printed %d (%s and above", st.AlertsShown, levels[s.minRank])
	if s.cfg.groupWindow > 0 {
		fmt.Fprintf(w, ", repeats within %s folded", shortDuration(s.cfg.groupWindow))
	}
	fmt.Fprintln(w, ")")
	if m := st.Matcher; m.LateEvents+m.Ungrouped+m.Evicted > 0 {
		fmt.Fprintf(w, "threshold events not counted: late %d, without a group_by field %d; decided early (memory budget) %d\n", m.LateEvents, m.Ungrouped, m.Evicted)
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func byReason(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// countingReader counts the bytes read from a file and reports them to the
// progress bar.
type countingReader struct {
	r    io.Reader
	n    int64
	prog *progress
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.prog.add(int64(n))
	return n, err
}

// shortDuration drops a duration's zero minutes and seconds: 24h, 1h30m.
func shortDuration(d time.Duration) string {
	str := d.String()
	if strings.HasSuffix(str, "m0s") {
		str = strings.TrimSuffix(str, "0s")
	}
	if strings.HasSuffix(str, "h0m") {
		str = strings.TrimSuffix(str, "0m")
	}
	return str
}
