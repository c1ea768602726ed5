package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/functions/loader"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/search"
)

func loadCommand() *command {
	return &command{
		name:    "load",
		summary: "backfill archive objects from S3 into OpenSearch with the loader's code",
		usage:   "orgsiem load s3://BUCKET/PREFIX --endpoint URL [--since TIME] [--until TIME] [flags]",
		help: `Load lists the archive objects under s3://BUCKET/PREFIX whose key time (the delivery time the key
layout carries, see internal/archive) falls in [--since, --until), and loads each one exactly as the
loader Lambda does: stream it from S3, normalize it, enrich it, run the detection rules, and
bulk-create its documents and their alert and signal documents (orgsiem-alerts-*) with
deterministic _ids. --no-notify marks those alerts orgsiem.notify=false so a backfill pages nobody. Loading twice indexes nothing twice, so an interrupted backfill is simply run
again. Documents OpenSearch refuses are written to the bucket's DeadLetter/ prefix with the reason.

The final accounting lists objects, records, documents indexed (new and already there), records
skipped by reason, dead letters and errors; every record is in exactly one of those. Keys of no
known layout and keys without a time are listed and not loaded. With --dry-run nothing is read or
indexed: the objects that would be loaded are counted by log type.`,
		examples: []string{
			"orgsiem load s3://orgsiem-archive-111122223333/AWSLogs/o-abcd123456/ --since 2025-01-01 --until 2025-02-01 --dry-run",
			"orgsiem load s3://orgsiem-archive-111122223333/AWSLogs/ --since now-7d --endpoint https://vpc-orgsiem-xyz.eu-west-1.es.amazonaws.com",
			"orgsiem load s3://orgsiem-archive-111122223333/CWLogs/123456789012/ --endpoint http://localhost:9200   # a local OpenSearch",
		},
		run: runLoad,
	}
}

// loadTotals is the backfill's final accounting.
type loadTotals struct {
	objects, failed                         int
	incomplete                              int // read, but some documents or alerts not indexed
	records, created, existed, errors, dead int64
	notIndexed                              int64
	alerts, signals, alertsFailed           int64 // alert documents indexed, and not
	skipped                                 map[string]int64
	notLoaded                               map[string][]string // reason -> keys listed but not loaded
}

func runLoad(ctx context.Context, e *env, args []string) int {
	c := loadCommand()
	var rf remoteFlags
	var since, until, deadLetterBucket string
	var dryRun, noProgress, noNotify bool
	fs := newFlagSet(c.name)
	rf.register(fs, "")
	fs.StringVar(&since, "since", "", "load objects whose key time is at or after `TIME` (RFC 3339, a day 2025-01-01, or relative: now-7d)")
	fs.StringVar(&until, "until", "", "load objects whose key time is before `TIME`")
	fs.StringVar(&deadLetterBucket, "dead-letter-bucket", "", "write refused documents to `BUCKET`'s DeadLetter/ prefix (default: the source bucket)")
	fs.BoolVar(&dryRun, "dry-run", false, "list and count what would be loaded; read and index nothing")
	fs.BoolVar(&noProgress, "no-progress", false, "no progress bar, even on a terminal")
	fs.BoolVar(&noNotify, "no-notify", false, "mark the backfill's alerts orgsiem.notify=false: indexed and reported, never notified")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return e.usageError(c, "want exactly one s3://BUCKET/PREFIX, got %d arguments", len(pos))
	}
	src, err := loader.ParseS3URL(pos[0])
	if err != nil {
		return e.usageError(c, "%v", err)
	}
	var from, to time.Time
	if since != "" {
		if from, err = parseTime(since, e.now()); err != nil {
			return e.usageError(c, "--since: %v", err)
		}
	}
	if until != "" {
		if to, err = parseTime(until, e.now()); err != nil {
			return e.usageError(c, "--until: %v", err)
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return e.usageError(c, "--since %s is not before --until %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if rf.endpoint == "" && !dryRun {
		return e.usageError(c, "--endpoint URL is required (or --dry-run)")
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "orgsiem load: %v\n", err)
		return exitError
	}
	awsCfg, err := rf.awsConfig(ctx)
	if err != nil {
		return fail(err)
	}
	s3c := s3Client(awsCfg)
	tot := loadTotals{skipped: map[string]int64{}, notLoaded: map[string][]string{}}
	objs, bytes, err := listArchive(ctx, s3c, src, from, to, &tot)
	if err != nil {
		return fail(err)
	}
	if dryRun {
		printDryRun(e.stdout, src, objs, bytes, &tot)
		return exitOK
	}
	sc, err := rf.searchClient(ctx)
	if err != nil {
		return fail(err)
	}
	if deadLetterBucket == "" {
		deadLetterBucket = src.Bucket
	}
	sink := &search.S3DeadLetter{Bucket: deadLetterBucket, Client: s3c}
	var ix *search.Indexer // kept for its retry count
	l, err := loader.NewLoader(s3c, func(on func(search.Result)) (loader.Indexer, error) {
		var err error
		ix, err = sc.NewIndexer(search.IndexerConfig{OnResult: on, DeadLetter: sink})
		return ix, err
	}, loader.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fail(err)
	}
	var bar *progress
	if e.terminal && !noProgress {
		bar = newProgress(e.stderr, bytes, len(objs))
	}
	// Without a terminal (CI, a log file) a progress line every few
	// seconds, with the retries OpenSearch has made the loader do: a long
	// silence during throttling otherwise looks like a hang.
	lastLine := e.now()
	progressLine := func() {
		if bar != nil || noProgress || e.now().Sub(lastLine) < nonTTYProgressEvery {
			return
		}
		lastLine = e.now()
		fmt.Fprintf(e.stderr, "orgsiem load: %d of %d objects, %d documents indexed, %d retried bulk items so far\n",
			tot.objects, len(objs), tot.created+tot.existed, ix.Stats().RetriedItems)
	}
	for _, o := range objs {
		if ctx.Err() != nil {
			break
		}
		o.NoNotify = noNotify
		p, err := l.Load(ctx, o)
		bar.add(o.Size)
		bar.object()
		tot.objects++
		if err != nil {
			tot.failed++
			bar.print(func() { fmt.Fprintf(e.stderr, "orgsiem load: %v\n", err) })
			continue
		}
		tot.records += p.Records
		tot.created += p.Created
		tot.existed += p.Existed
		tot.dead += p.DeadLettered
		tot.notIndexed += p.NotIndexed
		tot.errors += p.Stats.Errors
		tot.alerts += p.AlertsIndexed
		tot.signals += p.SignalsIndexed
		tot.alertsFailed += p.AlertsFailed
		for k, v := range p.Skipped {
			tot.skipped[k] += v
		}
		progressLine()
		if !p.Complete() || p.AlertsFailed > 0 {
			tot.incomplete++
		}
		if !p.Complete() {
			bar.print(func() {
				fmt.Fprintf(e.stderr, "orgsiem load: %s: %d documents not indexed: %s\n", o, p.NotIndexed, p.Failure)
			})
		}
	}
	bar.stop()
	printLoadTotals(e.stdout, &tot, len(objs))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(e.stderr, "orgsiem load: interrupted after %d of %d objects; run the same command again to finish (nothing is indexed twice)\n", tot.objects, len(objs))
		return exitError
	case tot.failed > 0 || tot.notIndexed > 0 || tot.alertsFailed > 0:
		fmt.Fprintf(e.stderr, "orgsiem load: %d objects failed, %d documents and %d alerts were not indexed; run the same command again to retry them\n", tot.failed, tot.notIndexed, tot.alertsFailed)
		return exitError
	}
	return exitOK
}

// listArchive lists the objects under src whose key time is in [from, to)
// (an open bound when zero), oldest key first, with their total size.
// Keys of no known layout, or without a time while a bound is given, are
// recorded in tot.notLoaded.
func listArchive(ctx context.Context, client s3.ListObjectsV2APIClient, src loader.S3Location, from, to time.Time, tot *loadTotals) ([]loader.ObjectRef, int64, error) {
	var out []loader.ObjectRef
	var total int64
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(src.Bucket), Prefix: aws.String(src.Key)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("listing s3://%s/%s: %w", src.Bucket, src.Key, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			loc, err := archive.Parse(key)
			var unknown *archive.UnknownKeyError
			switch {
			case errors.As(err, &unknown):
				tot.notLoaded["key of no known layout"] = append(tot.notLoaded["key of no known layout"], key)
				continue
			case err != nil:
				tot.notLoaded["malformed key"] = append(tot.notLoaded["malformed key"], key)
				continue
			case loc.Time.IsZero() && (!from.IsZero() || !to.IsZero()):
				tot.notLoaded["no time in the key"] = append(tot.notLoaded["no time in the key"], key)
				continue
			case !from.IsZero() && loc.Time.Before(from), !to.IsZero() && !loc.Time.Before(to):
				continue
			}
			ref := loader.ObjectRef{Bucket: src.Bucket, Key: key, Size: aws.ToInt64(o.Size), Time: aws.ToTime(o.LastModified).UTC()}
			out = append(out, ref)
			total += ref.Size
		}
	}
	return out, total, nil
}

func printDryRun(w io.Writer, src loader.S3Location, objs []loader.ObjectRef, bytes int64, tot *loadTotals) {
	byType := map[string]int{}
	for _, o := range objs {
		loc, _ := archive.Parse(o.Key)
		t := loc.LogType
		if loc.Skip != "" {
			t = "skipped (" + loc.Skip + ")"
		}
		byType[t]++
	}
	fmt.Fprintf(w, "dry run: %d objects (%.1f MB) under s3://%s/%s would be loaded\n", len(objs), float64(bytes)/1e6, src.Bucket, src.Key)
	for _, t := range sortedKeys(byType) {
		fmt.Fprintf(w, "  %-28s %d objects\n", t, byType[t])
	}
	printNotLoaded(w, tot)
}

// nonTTYProgressEvery is how often load reports progress without a
// terminal.
const nonTTYProgressEvery = 5 * time.Second

func printLoadTotals(w io.Writer, tot *loadTotals, listed int) {
	var skipped int64
	for _, v := range tot.skipped {
		skipped += v
	}
	// Loaded means every document and alert of the object is indexed, so
	// this line cannot say "all loaded" above a "not indexed" count.
	fmt.Fprintf(w, "objects:       %d of %d loaded completely, %d with documents or alerts not indexed, %d unreadable\n",
		tot.objects-tot.failed-tot.incomplete, listed, tot.incomplete, tot.failed)
	fmt.Fprintf(w, "records:       %d\n", tot.records)
	fmt.Fprintf(w, "indexed:       %d (%d new, %d already indexed), of which %d error documents (records that did not parse)\n",
		tot.created+tot.existed, tot.created, tot.existed, tot.errors)
	fmt.Fprintf(w, "skipped:       %d\n", skipped)
	for _, k := range sortedKeys(tot.skipped) {
		fmt.Fprintf(w, "  %-26s %d\n", k, tot.skipped[k])
	}
	fmt.Fprintf(w, "dead-lettered: %d (refused by OpenSearch, kept under DeadLetter/ with the reason)\n", tot.dead)
	fmt.Fprintf(w, "not indexed:   %d (OpenSearch kept refusing; run again)\n", tot.notIndexed)
	fmt.Fprintf(w, "alerts:        %d alerts and %d signals in orgsiem-alerts-*, %d not indexed\n", tot.alerts, tot.signals, tot.alertsFailed)
	printNotLoaded(w, tot)
}

func printNotLoaded(w io.Writer, tot *loadTotals) {
	for _, reason := range sortedKeys(tot.notLoaded) {
		keys := tot.notLoaded[reason]
		fmt.Fprintf(w, "not loaded, %s: %d objects", reason, len(keys))
		if len(keys) > 3 {
			fmt.Fprintf(w, ", e.g. %s", strings.Join(keys[:3], ", "))
		} else {
			fmt.Fprintf(w, ": %s", strings.Join(keys, ", "))
		}
		fmt.Fprintln(w)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
