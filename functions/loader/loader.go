// Package loader is the loader Lambda: it reads S3 event notifications from
// the ingest queue, streams each archive object from S3, normalizes it with
// internal/logs, enriches the documents (account names from AWS
// Organizations, optional GeoIP), stamps event.ingested, runs the detection
// catalog on each (the same internal/detect catalog, parameters and
// matcher as orgsiem scan) and indexes the documents and their alert and
// signal documents (internal/alerts) into OpenSearch with the bulk indexer,
// create-only with deterministic _ids.
//
// Guarantees:
//   - A message is acknowledged only when every alert and signal document
//     of its objects was indexed (created or already there) and every
//     document was indexed (created, or already there: a 409 on create) or dead-lettered
//     (refused by OpenSearch for a reason of its own and written to the
//     archive's DeadLetter/ prefix). Anything else makes the message a batch
//     item failure, so SQS redelivers it; redelivery creates nothing twice.
//   - Every record has one outcome, and per object part
//     Records == indexed + dead-lettered + not indexed + skipped.
//   - Large objects: when the invocation nears its deadline (context
//     deadline minus a margin), the loader stops before the next document,
//     indexes what it has, and enqueues a continuation (the object and the
//     record offset to resume at, logs.Object.SkipRecords) on the ingest
//     queue; the original message is then acknowledged. Messages not started
//     yet are re-enqueued the same way instead of being failed.
//   - Memory is bounded by the batch size, whatever the object size.
package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/search"
)

// GetObjectAPI is the part of the S3 client the loader reads objects with.
type GetObjectAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Defaults of Options' zero fields.
const (
	// DefaultDeadlineMargin is kept free before the invocation's deadline to
	// index the last batch and enqueue the continuation.
	DefaultDeadlineMargin = 30 * time.Second
)

// Options tunes a Loader. The zero value takes the defaults.
type Options struct {
	// Accounts resolves cloud.account.name (nil: no account enrichment).
	Accounts *Accounts
	// GeoIP fills source.geo and source.as (nil: no GeoIP).
	GeoIP *GeoIP
	// Sources says which archive sources may carry other accounts'
	// records (the organization trail, allow-listed log groups) and which
	// accounts belong to the organization (internal/logs trust model).
	// The zero value allow-lists nothing: every document gets the account
	// of its archive key, and a record claiming another is flagged.
	Sources logs.Sources
	// Retention is the log indices' retention by event month: an event of
	// a month that has expired is skipped (SkipMonthExpired) rather than
	// recreate a deleted index. The zero value keeps every month.
	Retention search.Retention
	// DeadlineMargin: see DefaultDeadlineMargin.
	DeadlineMargin time.Duration
	// Now is the clock compared with the deadline and used for the lag
	// (nil: time.Now).
	Now func() time.Time
	// Log receives one line per object part and per failure; it never
	// receives record contents (nil: discard).
	Log *slog.Logger
	// Rules is the detection catalog (nil: the built-in rules, no
	// parameters).
	Rules *Rules
}

// maxHuntCatalogs bounds the hunt rule sets a loader keeps built.
const maxHuntCatalogs = 4

// Loader loads archive objects into OpenSearch. The SQS handler and the
// CLI backfill (orgsiem load) share it. Like the bulk indexer it owns, it
// is not safe for concurrent use: run one per goroutine.
type Loader struct {
	s3    GetObjectAPI
	ix    Indexer
	opts  Options
	tally *tally      // the part being loaded receives the indexer's results
	buf   []byte      // document JSON, reused (the indexer copies it)
	abuf  []byte      // alert document JSON, reused likewise
	enc   ecs.Encoder // writes buf
	det   *detector   // the catalog's rules
	hunts map[string]*detector
}

// NewLoader returns a Loader reading with client and indexing through the
// indexer newIndexer builds.
func NewLoader(client GetObjectAPI, newIndexer NewIndexerFunc, opts Options) (*Loader, error) {
	if client == nil || newIndexer == nil {
		return nil, errors.New("loader: nil S3 client or indexer constructor")
	}
	if opts.DeadlineMargin <= 0 {
		opts.DeadlineMargin = DefaultDeadlineMargin
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Rules == nil {
		r, err := BuildRules(nil, nil)
		if err != nil {
			return nil, err
		}
		opts.Rules = r
	}
	l := &Loader{s3: client, opts: opts, tally: &tally{}, det: newDetector(opts.Rules, nil), hunts: map[string]*detector{}}
	ix, err := newIndexer(func(r search.Result) { l.tally.record(r) })
	if err != nil {
		return nil, fmt.Errorf("loader: bulk indexer: %w", err)
	}
	if ix == nil {
		return nil, errors.New("loader: nil bulk indexer")
	}
	l.ix = ix
	return l, nil
}

// Part is the accounting of one object part: a whole object, or the part
// of it one invocation loaded before its deadline.
type Part struct {
	Object  ObjectRef
	LogType string // from the key ("" for a folder marker)
	// Stats are logs.Normalize's counts for the records it read, including
	// the record it was stopped at when the deadline came (not loaded here:
	// it is the continuation's first record).
	Stats logs.Stats
	// Records is the number of records this part accounts for: those at
	// positions [Object.SkipRecords, end), where end is the continuation's
	// offset or the end of the object.
	Records int64
	// Created, Existed, DeadLettered, NotIndexed count document outcomes.
	Created, Existed, DeadLettered, NotIndexed int64
	// AlertOnly counts documents evaluated but deliberately not indexed
	// (an alert-only part of a retro-hunt).
	AlertOnly int64
	// Alerts and Signals count the alert documents the rules produced;
	// AlertsIndexed, SignalsIndexed and AlertsFailed their outcomes
	// (Alerts+Signals == AlertsIndexed+SignalsIndexed+AlertsFailed).
	Alerts, Signals                             int64
	AlertsIndexed, SignalsIndexed, AlertsFailed int64
	// Skipped counts records not indexed, by reason (logs.Stats.Skipped).
	Skipped map[string]int64
	// EnrichmentErrors counts documents whose account or GeoIP lookup failed.
	EnrichmentErrors int64
	// Next is the continuation to enqueue when the deadline stopped the part.
	Next *ObjectRef
	// Failure describes the first document not indexed.
	Failure string
	// Done is when indexing of the part ended.
	Done time.Time
}

// Indexed is the number of documents OpenSearch holds from this part.
func (p *Part) Indexed() int64 { return p.Created + p.Existed }

// Complete reports whether every document was indexed or dead-lettered
// and every alert and signal document indexed.
func (p *Part) Complete() bool { return p.NotIndexed == 0 && p.AlertsFailed == 0 }

// Balanced reports whether every record of the part has one outcome, and
// every alert document too:
// Records == Created + Existed + DeadLettered + NotIndexed + AlertOnly + sum(Skipped),
// Alerts + Signals == AlertsIndexed + SignalsIndexed + AlertsFailed.
func (p *Part) Balanced() bool {
	if p.Alerts+p.Signals != p.AlertsIndexed+p.SignalsIndexed+p.AlertsFailed {
		return false
	}
	n := p.Created + p.Existed + p.DeadLettered + p.NotIndexed + p.AlertOnly
	for _, v := range p.Skipped {
		n += v
	}
	return n == p.Records
}

// metrics returns the part's contribution to its log type's metrics.
func (p *Part) metrics() *Metrics {
	m := &Metrics{
		Objects: 1, Records: p.Records, DocumentsIndexed: p.Indexed(), Errors: p.Stats.Errors,
		DeadLettered: p.DeadLettered, NotIndexed: p.NotIndexed, Bytes: p.Stats.Bytes,
		EnrichmentErrors: p.EnrichmentErrors,
		AlertsIndexed:    p.AlertsIndexed, SignalsIndexed: p.SignalsIndexed, AlertsNotIndexed: p.AlertsFailed,
	}
	for _, v := range p.Skipped {
		m.Skipped += v
	}
	if p.Next != nil {
		m.Continuations = 1
	}
	if p.Complete() && !p.Object.Time.IsZero() && !p.Done.IsZero() {
		m.Lag = []time.Duration{p.Done.Sub(p.Object.Time)}
	}
	return m
}

// SkipMonthExpired is the skip reason of events whose month is past its
// retention (search.Retention.MonthExpired).
const SkipMonthExpired = "month_expired"

var (
	// errDeadline stops normalization when the invocation nears its end.
	errDeadline = errors.New("invocation deadline near")
	// errNotIndexed stops normalization once a document could not be
	// indexed: the message will be redelivered, going on is wasted work.
	errNotIndexed = errors.New("a document was not indexed")
)

// Load loads one object part. With a context deadline it stops before the
// next document once the clock passes the deadline minus the margin and
// returns the continuation in Part.Next. It returns an error when the
// object cannot be read (missing, unknown key layout, S3 failure, cancelled
// context) or a hunt's rules cannot run; documents the indexer did not take
// are counted in NotIndexed (alert documents in AlertsFailed), not returned
// as an error.
func (l *Loader) Load(ctx context.Context, ref ObjectRef) (Part, error) {
	p := Part{Object: ref}
	loc, err := archive.Parse(ref.Key)
	if err != nil {
		return p, fmt.Errorf("loader: %s: %w", ref, err)
	}
	p.LogType = loc.LogType
	det, err := l.detectorFor(ref)
	if err != nil {
		return p, fmt.Errorf("loader: %s: %w", ref, err)
	}
	obj := logs.Object{Key: ref.Key, Time: ref.Time, SkipRecords: ref.SkipRecords, Body: strings.NewReader(""), Sources: &l.opts.Sources}
	if loc.Skip == "" {
		// The archive is versioned: a notification names the version it
		// announces, and reading that exact version is right for an
		// immutable archive (needs s3:GetObjectVersion on role and bucket).
		in := &s3.GetObjectInput{Bucket: aws.String(ref.Bucket), Key: aws.String(ref.Key)}
		if ref.VersionID != "" {
			in.VersionId = aws.String(ref.VersionID)
		}
		out, err := l.s3.GetObject(ctx, in)
		if err != nil {
			return p, fmt.Errorf("loader: get %s: %w", ref, err)
		}
		defer out.Body.Close()
		obj.Body = out.Body
	}

	deadline, hasDeadline := ctx.Deadline()
	stopAt := deadline.Add(-l.opts.DeadlineMargin)
	t := &tally{}
	l.tally = t
	stopped := int64(-1)
	var enrichErr error
	object := "s3://" + ref.Bucket + "/" + ref.Key
	var cur *ecs.Document
	expired := int64(0)
	addAlert := func(a alerts.Document) {
		if a.Kind == alerts.KindSignal {
			p.Signals++
		} else {
			p.Alerts++
		}
		it := alertItem(l.abuf, &a, alertRef{Object: object, Record: cur.Position, Kind: a.Kind, Rule: a.RuleID})
		l.abuf = it.Body
		_ = l.ix.Add(ctx, it)
	}
	emit := func(d *ecs.Document) error {
		now := l.opts.Now()
		if hasDeadline && !now.Before(stopAt) {
			stopped = d.Position
			return errDeadline
		}
		if err := l.enrich(ctx, d); err != nil {
			p.EnrichmentErrors++
			enrichErr = cmpErr(enrichErr, err)
		}
		d.Event.Ingested = now.UTC()
		if l.opts.Retention.MonthExpired(d.Timestamp, now) {
			// Its month was deleted (or is being): indexing it would recreate
			// the month with this one event. The record stays in the archive.
			expired++
			return nil
		}
		if ref.AlertsOnly {
			p.AlertOnly++
		} else {
			l.buf = l.enc.AppendJSON(l.buf[:0], d)
			// An Add error is a flush with failed items (counted in t) or an
			// invalid item (reported failed through OnResult as well).
			_ = l.ix.Add(ctx, search.Item{Index: d.Index(), ID: d.ID, Body: l.buf, Ref: docRef{Object: object, Record: d.Position}})
		}
		cur = d
		det.match(d, now, ref.NoNotify, addAlert)
		if t.failed() {
			return errNotIndexed
		}
		return nil
	}
	st, err := logs.Normalize(ctx, obj, emit)
	p.Stats = st
	// Whatever happened, the documents added get their outcome now.
	_ = l.ix.Flush(ctx)
	if err != nil && !errors.Is(err, errDeadline) && !errors.Is(err, errNotIndexed) {
		return p, fmt.Errorf("loader: %s: %w", ref, err)
	}
	p.Done = l.opts.Now()
	p.Created, p.Existed, p.DeadLettered, p.NotIndexed, p.Failure = t.created, t.existed, t.deadLettered, t.notIndexed, t.firstFailure
	p.AlertsIndexed, p.SignalsIndexed, p.AlertsFailed = t.alertsIndexed, t.signalsIndexed, t.alertsFailed
	p.Skipped = st.Skipped
	if expired > 0 {
		if p.Skipped == nil {
			p.Skipped = map[string]int64{}
		}
		p.Skipped[SkipMonthExpired] += expired
	}
	p.Records = st.Records - st.Resumed
	if stopped >= 0 {
		p.Records = stopped - ref.SkipRecords
		if p.Complete() {
			next := ref
			next.SkipRecords = stopped
			next.Part++
			p.Next = &next
		}
	}
	if enrichErr != nil {
		l.opts.Log.WarnContext(ctx, "enrichment failed", "object", ref.String(), "documents", p.EnrichmentErrors, "error", enrichErr.Error())
	}
	return p, nil
}

// detectorFor returns the detector of ref's mode: the loader's catalog, or
// for a hunt the rules it names or carries (built once per distinct set).
func (l *Loader) detectorFor(ref ObjectRef) (*detector, error) {
	if len(ref.Rules) == 0 && len(ref.RuleFiles) == 0 {
		return l.det, nil
	}
	key := huntKey(ref)
	if d := l.hunts[key]; d != nil {
		return d, nil
	}
	rules := l.opts.Rules
	only := append([]string(nil), ref.Rules...)
	if len(ref.RuleFiles) > 0 {
		// The hunt's rules with the loader's custom rules' place: merged
		// into the built-in catalog with the same parameters (a parameter
		// no hunt rule declares is no error here).
		r, err := BuildRules(ref.RuleFiles, rules.Params)
		if err != nil {
			return nil, err
		}
		var broken []error
		for _, e := range r.Skipped {
			if !detect.IsParamError(e) {
				broken = append(broken, e)
			}
		}
		if len(broken) > 0 {
			return nil, fmt.Errorf("%w: %v", errHuntRules, errors.Join(broken...))
		}
		rules = r
		for id := range r.Custom {
			only = append(only, id)
		}
	}
	for _, id := range only {
		if rules.Catalog.Rule(id) == nil {
			return nil, fmt.Errorf("%w: no rule %q in the loader's catalog or the message", errHuntRules, id)
		}
	}
	if len(l.hunts) >= maxHuntCatalogs {
		clear(l.hunts)
	}
	d := newDetector(rules, only)
	l.hunts[key] = d
	return d, nil
}

// enrich adds the account name and OU (account directory) and GeoIP fields.
func (l *Loader) enrich(ctx context.Context, d *ecs.Document) error {
	var errs []error
	if a := l.opts.Accounts; a != nil && d.Cloud.AccountID != "" && d.Cloud.AccountName == "" {
		acct, err := a.Lookup(ctx, d.Cloud.AccountID)
		d.Cloud.AccountName, d.Orgsiem.AccountOU = acct.Name, acct.OU
		errs = append(errs, err)
	}
	if g := l.opts.GeoIP; g != nil {
		errs = append(errs, g.Enrich(d))
	}
	return errors.Join(errs...)
}

// cmpErr keeps the first error.
func cmpErr(have, err error) error {
	if have != nil {
		return have
	}
	return err
}
