package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orgsiem/orgsiem/functions/loader"
)

func huntCommand() *command {
	return &command{
		name:    "hunt",
		summary: "run rules over archived objects: send them to the loader's queue in alert-only mode",
		usage:   "orgsiem hunt --rule FILE [--rule FILE...] [--rule-id ID...] --since 90d --bucket BUCKET [--prefix PREFIX] --queue-url URL [flags]",
		help: `Hunt runs detection rules over the archive after the fact. It lists the archive objects under
--bucket/--prefix whose key time falls in [--since, --until) and sends one message per object to
the loader's ingest queue (SQS SendMessageBatch, up to 10 messages and 256 KiB per request) in
alert-only mode: the loader Lambdas read each object, run the hunt's rules on every document and
index only alert and signal documents into orgsiem-alerts-*; no document is indexed again. Lambda
concurrency does the work; progress shows on the loader's AlertsIndexed metric and in the alerts
index (rule.id).

The rules travel in each message (--rule FILE, validated here first, with their inline tests): the
loader evaluates them with its own rule parameters, so a hunt needs no redeploy and no rule upload.
--rule-id names rules the loader already runs (built-in or custom). Alert _ids are rule + document,
so running a hunt twice creates nothing twice.

--no-notify marks the hunt's alerts orgsiem.notify=false: they are searchable and reported but the
notification monitors skip them.`,
		examples: []string{
			"orgsiem hunt --rule ./rules/site-root-login.yml --since 90d --bucket orgsiem-archive-111122223333 --prefix AWSLogs/o-abcd123456/ --queue-url https://sqs.eu-west-1.amazonaws.com/333333333333/orgsiem-ingest",
			"orgsiem hunt --rule-id cis-4-02-console-login-without-mfa --since 2025-01-01 --until 2025-02-01 --bucket orgsiem-archive-111122223333 --queue-url URL --no-notify --dry-run",
		},
		run: runHunt,
	}
}

// SQS SendMessageBatch limits (Amazon SQS API Reference, SendMessageBatch):
// at most 10 entries, and the sum of the message bodies at most 256 KiB
// (262,144 bytes), each message included.
const (
	sqsBatchEntries = 10
	sqsBatchBytes   = 262144
	// huntSendAttempts bounds the attempts for entries SQS failed without
	// a sender fault (throttling, internal errors).
	huntSendAttempts = 3
)

// sendBatchAPI is the part of the SQS client hunt uses.
type sendBatchAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

func runHunt(ctx context.Context, e *env, args []string) int {
	c := huntCommand()
	var rf remoteFlags
	var ruleFiles, ruleIDs stringList
	var since, until, bucket, prefix, queueURL string
	var noNotify, dryRun, noProgress bool
	fs := newFlagSet(c.name)
	fs.Var(&ruleFiles, "rule", "hunt with the rule in `FILE` (one rule per .yml file); repeatable")
	fs.Var(&ruleIDs, "rule-id", "hunt with the loader's rule `ID` (built-in or custom); repeatable")
	fs.StringVar(&since, "since", "", "objects whose key time is at or after `TIME` (90d = now-90d, RFC 3339, a day 2025-01-01)")
	fs.StringVar(&until, "until", "", "objects whose key time is before `TIME` (default: now)")
	fs.StringVar(&bucket, "bucket", "", "the archive `BUCKET`")
	fs.StringVar(&prefix, "prefix", "", "only keys under `PREFIX` (e.g. AWSLogs/o-abcd123456/)")
	fs.StringVar(&queueURL, "queue-url", "", "the loader's ingest queue `URL`")
	fs.BoolVar(&noNotify, "no-notify", false, "mark the hunt's alerts orgsiem.notify=false: indexed and reported, never notified")
	fs.BoolVar(&dryRun, "dry-run", false, "validate the rules, list and count the objects; send nothing")
	fs.BoolVar(&noProgress, "no-progress", false, "no progress bar, even on a terminal")
	fs.StringVar(&rf.region, "region", "", "AWS `REGION` (default: from AWS_REGION or your AWS profile)")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	switch {
	case len(pos) > 0:
		return e.usageError(c, "unexpected arguments %q", pos)
	case len(ruleFiles) == 0 && len(ruleIDs) == 0:
		return e.usageError(c, "no rule: give --rule FILE or --rule-id ID")
	case bucket == "":
		return e.usageError(c, "--bucket is required")
	case since == "":
		return e.usageError(c, "--since is required (a hunt over the whole archive is --since with its first day)")
	case queueURL == "" && !dryRun:
		return e.usageError(c, "--queue-url is required (or --dry-run)")
	}
	now := e.now()
	from, err := parseTime(relative(since), now)
	if err != nil {
		return e.usageError(c, "--since: %v", err)
	}
	to := now
	if until != "" {
		if to, err = parseTime(relative(until), now); err != nil {
			return e.usageError(c, "--until: %v", err)
		}
	}
	if !from.Before(to) {
		return e.usageError(c, "--since %s is not before --until %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	files, code, ok := readHuntRules(e, c, ruleFiles)
	if !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "orgsiem hunt: %v\n", err)
		return exitError
	}
	awsCfg, err := rf.awsConfig(ctx)
	if err != nil {
		return fail(err)
	}
	tot := loadTotals{skipped: map[string]int64{}, notLoaded: map[string][]string{}}
	src := loader.S3Location{Bucket: bucket, Key: prefix}
	objs, bytes, err := listArchive(ctx, s3Client(awsCfg), src, from, to, &tot)
	if err != nil {
		return fail(err)
	}
	tmpl := loader.ObjectRef{AlertsOnly: true, NoNotify: noNotify, Rules: ruleIDs, RuleFiles: files}
	if probe, _ := loader.ObjectBody(withObject(tmpl, loader.ObjectRef{Bucket: bucket, Key: strings.Repeat("k", 1024)})); len(probe) > sqsBatchBytes {
		return e.usageError(c, "the rules make each message %d bytes, over the SQS limit of %d: hunt with fewer rules at a time", len(probe), sqsBatchBytes)
	}
	fmt.Fprintf(e.stderr, "hunt: %d rules, %d objects (%.1f MB) under s3://%s/%s from %s to %s\n",
		len(files)+len(ruleIDs), len(objs), float64(bytes)/1e6, bucket, prefix, from.Format(time.RFC3339), to.Format(time.RFC3339))
	if dryRun {
		printDryRun(e.stdout, src, objs, bytes, &tot)
		return exitOK
	}
	var bar *progress
	if e.terminal && !noProgress {
		bar = newProgress(e.stderr, bytes, len(objs))
	}
	sent, failed, err := sendHunt(ctx, sqs.NewFromConfig(awsCfg), queueURL, tmpl, objs, bar)
	bar.stop()
	fmt.Fprintf(e.stdout, "objects:  %d listed, %d sent to the loader, %d not sent\n", len(objs), sent, len(failed))
	for _, f := range failed[:min(len(failed), 10)] {
		fmt.Fprintf(e.stdout, "  not sent: %s\n", f)
	}
	printNotLoaded(e.stdout, &tot)
	if err != nil {
		return fail(err)
	}
	if len(failed) > 0 {
		fmt.Fprintf(e.stderr, "orgsiem hunt: %d objects were not sent; run the same command again (alerts are never duplicated)\n", len(failed))
		return exitError
	}
	fmt.Fprintf(e.stdout, "the loader indexes the hunt's alerts into orgsiem-alerts-* (rule.id %s) as it works through the queue\n",
		strings.Join(huntRuleIDs(files, ruleIDs), ", "))
	return exitOK
}

// relative reads a bare duration ("90d") as that long ago.
func relative(s string) string {
	if s == "" || strings.HasPrefix(s, "now") || strings.HasPrefix(s, "-") {
		return s
	}
	if _, err := parseDuration(s); err == nil {
		return "now-" + s
	}
	return s
}

// readHuntRules reads and validates the --rule files exactly as the loader
// will (one rule per file, inline tests run), so a broken rule is refused
// here rather than failing every message.
func readHuntRules(e *env, c *command, paths []string) ([]loader.RuleFile, int, bool) {
	var files []loader.RuleFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, e.usageError(c, "--rule: %v", err), false
		}
		files = append(files, loader.RuleFile{Name: filepath.Base(p), Text: string(b)})
	}
	if len(files) == 0 {
		return nil, exitOK, true
	}
	r, err := loader.BuildRules(files, nil)
	if err != nil {
		return nil, e.loadErrors(c, "built-in rules", err), false
	}
	var broken []string
	for _, err := range r.Skipped {
		broken = append(broken, err.Error())
	}
	if len(broken) > 0 || len(r.Custom) != len(files) {
		fmt.Fprintf(e.stderr, "orgsiem hunt: rules that cannot run:\n  %s\n", strings.Join(broken, "\n  "))
		return nil, exitError, false
	}
	return files, exitOK, true
}

func huntRuleIDs(files []loader.RuleFile, ids []string) []string {
	out := append([]string(nil), ids...)
	for _, f := range files {
		out = append(out, strings.TrimSuffix(f.Name, ".yml"))
	}
	return out
}

// withObject is the hunt message of one object: the mode of tmpl and the
// object o.
func withObject(tmpl, o loader.ObjectRef) loader.ObjectRef {
	o.AlertsOnly, o.NoNotify, o.Rules, o.RuleFiles = tmpl.AlertsOnly, tmpl.NoNotify, tmpl.Rules, tmpl.RuleFiles
	return o
}

// sendHunt sends one message per object in batches within the SQS limits,
// retrying entries that failed without a sender fault. It returns the
// number sent and the objects not sent (with the reason); err stops the
// hunt (the queue cannot be reached).
func sendHunt(ctx context.Context, api sendBatchAPI, queueURL string, tmpl loader.ObjectRef, objs []loader.ObjectRef, bar *progress) (int, []string, error) {
	type entry struct {
		obj  loader.ObjectRef
		body string
	}
	var pending []entry
	var failed []string
	sent := 0
	for _, o := range objs {
		body, err := loader.ObjectBody(withObject(tmpl, o))
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", o, err))
			continue
		}
		pending = append(pending, entry{o, body})
	}
	for attempt := 1; len(pending) > 0 && attempt <= huntSendAttempts; attempt++ {
		var retry []entry
		for start := 0; start < len(pending); {
			// Fill a batch: at most 10 entries and 256 KiB of bodies.
			end, size := start, 0
			for end < len(pending) && end-start < sqsBatchEntries && size+len(pending[end].body) <= sqsBatchBytes {
				size += len(pending[end].body)
				end++
			}
			if end == start {
				failed = append(failed, fmt.Sprintf("%s: message of %d bytes is over the SQS limit", pending[start].obj, len(pending[start].body)))
				start++
				continue
			}
			batch := pending[start:end]
			in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(queueURL)}
			for i, en := range batch {
				in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(en.body)})
			}
			out, err := api.SendMessageBatch(ctx, in)
			if err != nil {
				return sent, failed, fmt.Errorf("sending to %s: %w", queueURL, err)
			}
			sent += len(out.Successful)
			for _, ok := range out.Successful {
				if i, err := strconv.Atoi(aws.ToString(ok.Id)); err == nil && i < len(batch) {
					bar.add(batch[i].obj.Size)
					bar.object()
				}
			}
			for _, f := range out.Failed {
				i, err := strconv.Atoi(aws.ToString(f.Id))
				if err != nil || i >= len(batch) {
					return sent, failed, fmt.Errorf("SQS answered for an entry it was not sent (%q)", aws.ToString(f.Id))
				}
				reason := fmt.Sprintf("%s: %s: %s", batch[i].obj, aws.ToString(f.Code), aws.ToString(f.Message))
				if f.SenderFault || attempt == huntSendAttempts {
					failed = append(failed, reason)
				} else {
					retry = append(retry, batch[i])
				}
			}
			start = end
		}
		pending = retry
	}
	return sent, failed, nil
}
