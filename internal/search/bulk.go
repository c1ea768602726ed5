package search

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Item is one document to index. The indexer copies Body during Add, so the
// caller may reuse its buffer afterwards.
type Item struct {
	Index string // log-aws-<type>-YYYY.MM (ecs.Document.Index)
	ID    string // deterministic _id (ecs.Document.ID)
	Body  []byte // one JSON object, no trailing newline (ecs.Document.AppendJSON)
	// Ref is the caller's opaque reference (e.g. object key and record
	// position), handed back in the item's Result and dead-letter record.
	Ref any
}

// Outcome is what finally happened to an item.
type Outcome uint8

const (
	// Indexed: OpenSearch created the document.
	Indexed Outcome = iota + 1
	// AlreadyIndexed: a document with this _id exists (409 on create): a
	// redelivery. Counted as accepted.
	AlreadyIndexed
	// DeadLettered: OpenSearch refused the document for a reason of its own
	// (400 mapper_parsing_exception, ...) and it was written to the dead
	// letter sink with the reason. Counted as accepted: retrying cannot help.
	DeadLettered
	// Failed: not accepted — retries exhausted before the deadline, a
	// refusal that is not about the document (403, 404 ...), or the dead
	// letter sink failed. The caller must redeliver the item.
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Indexed:
		return "indexed"
	case AlreadyIndexed:
		return "already-indexed"
	case DeadLettered:
		return "dead-lettered"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Done reports whether the item needs no redelivery: indexed, already
// present, or safely dead-lettered.
func (o Outcome) Done() bool { return o == Indexed || o == AlreadyIndexed || o == DeadLettered }

// Result is the final outcome of one item; OnResult receives exactly one per
// item given to Add.
type Result struct {
	Ref       any
	Index, ID string
	Outcome   Outcome
	// Status is the item's last HTTP status (0 when no answer came back,
	// e.g. a network failure on every attempt).
	Status int
	// Reason explains DeadLettered and Failed: "<error type>: <reason>".
	Reason string
	// Attempts is the number of bulk requests that carried the item.
	Attempts int
}

// Rejected is a document OpenSearch refused for a document reason, as
// handed to a DeadLetterSink.
type Rejected struct {
	Index, ID string
	Document  []byte // the body as sent
	Ref       any
	Status    int
	ErrorType string // e.g. mapper_parsing_exception
	Reason    string
}

// DeadLetterSink stores refused documents with their reason so they are
// never lost (S3DeadLetter writes them under archive.DeadLetterKey). An
// error means none of the items may be considered stored.
type DeadLetterSink interface {
	DeadLetter(ctx context.Context, items []Rejected) error
}

// Backoff is exponential backoff with jitter: attempt n waits a random
// duration in [d/2, d] where d = min(Initial * Multiplier^(n-1), Max).
type Backoff struct {
	Initial    time.Duration // default 200ms
	Max        time.Duration // default 20s
	Multiplier float64       // default 2
}

func (b Backoff) delay(attempt int, rnd float64) time.Duration {
	d := float64(b.Initial)
	for i := 1; i < attempt && d < float64(b.Max); i++ {
		d *= b.Multiplier
	}
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	return time.Duration(d/2 + d/2*rnd)
}

// Defaults of IndexerConfig.
const (
	DefaultMaxBatchBytes = 5 << 20
	DefaultMaxBatchItems = 5000
	// DefaultMaxAttempts bounds the attempts of an item when the context has
	// no deadline (with a deadline, retries go on until it would pass).
	DefaultMaxAttempts = 10
)

// IndexerConfig configures an Indexer. Zero values take the defaults.
type IndexerConfig struct {
	// MaxBatchBytes bounds the uncompressed NDJSON of one bulk request
	// (default 5 MiB). A single document larger than this is sent alone.
	MaxBatchBytes int
	// MaxBatchItems bounds the documents of one bulk request (default 5000).
	MaxBatchItems int
	// Backoff paces retries of 429, 5xx and network failures.
	Backoff Backoff
	// MaxAttempts bounds the requests carrying one item; 0 retries until
	// the next wait would pass the context deadline (DefaultMaxAttempts
	// when the context has none).
	MaxAttempts int
	// DeadLetter receives documents refused for a document reason. Nil
	// makes them Failed instead.
	DeadLetter DeadLetterSink
	// OnResult receives each item's final Result, once per item, in the
	// order the items were added within a batch. Required.
	OnResult func(Result)
	// GzipLevel is the compress/gzip level of request bodies (default
	// gzip.BestSpeed); DisableGzip sends them uncompressed.
	GzipLevel   int
	DisableGzip bool

	// Sleep waits d or until ctx is done (default: a timer); Now is the
	// clock (default time.Now); Rand returns a float in [0,1) for jitter
	// (default math/rand/v2). Tests inject all three: no real sleeps.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	Rand  func() float64
}

// IndexerStats count what an indexer did.
type IndexerStats struct {
	Requests       int64 // bulk requests sent
	RetriedItems   int64 // item attempts beyond the first
	RawBytes       int64 // uncompressed NDJSON bytes sent (retries included)
	SentBytes      int64 // bytes on the wire (compressed)
	Indexed        int64
	AlreadyIndexed int64
	DeadLettered   int64
	Failed         int64
}

// Indexer batches items into bulk create requests and reports each item's
// outcome. Not safe for concurrent use: run one per goroutine.
type Indexer struct {
	c     *Client
	cfg   IndexerConfig
	buf   []byte  // NDJSON of the current batch
	ents  []entry // its items
	gz    *gzip.Writer
	gzBuf bytes.Buffer
	stats IndexerStats
}

type entry struct {
	index, id  string
	ref        any
	start, end int // the document line inside buf (without newline)
	line       int // start of the action line inside buf
	attempts   int
	status     int
	outcome    Outcome
	errType    string
	reason     string
}

// NewIndexer returns an indexer writing through c.
func (c *Client) NewIndexer(cfg IndexerConfig) (*Indexer, error) {
	if cfg.OnResult == nil {
		return nil, errors.New("search: IndexerConfig.OnResult is required")
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if cfg.MaxBatchItems <= 0 {
		cfg.MaxBatchItems = DefaultMaxBatchItems
	}
	if cfg.Backoff.Initial <= 0 {
		cfg.Backoff.Initial = 200 * time.Millisecond
	}
	if cfg.Backoff.Max <= 0 {
		cfg.Backoff.Max = 20 * time.Second
	}
	if cfg.Backoff.Multiplier < 1 {
		cfg.Backoff.Multiplier = 2
	}
	if cfg.GzipLevel == 0 {
		cfg.GzipLevel = gzip.BestSpeed
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	ix := &Indexer{c: c, cfg: cfg}
	if !cfg.DisableGzip {
		gz, err := gzip.NewWriterLevel(&ix.gzBuf, cfg.GzipLevel)
		if err != nil {
			return nil, fmt.Errorf("search: gzip level %d: %w", cfg.GzipLevel, err)
		}
		ix.gz = gz
	}
	return ix, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns the counters so far.
func (ix *Indexer) Stats() IndexerStats { return ix.stats }

// FlushError reports that items of a flush ended Failed. Their Results
// (OnResult) say which and why.
type FlushError struct {
	Failed, Total int
	First         string // reason of the first failed item
}

func (e *FlushError) Error() string {
	return fmt.Sprintf("search: bulk: %d of %d items not accepted (first: %s)", e.Failed, e.Total, e.First)
}

// Add appends an item to the current batch, flushing first when the batch
// would exceed its bounds. An item without Index or ID, or whose Body is not
// a JSON object, is reported Failed at once. The error is a *FlushError when
// a flush it caused had failed items, and describes an invalid item.
func (ix *Indexer) Add(ctx context.Context, it Item) error {
	if it.Index == "" || it.ID == "" || len(it.Body) < 2 || it.Body[0] != '{' || it.Body[len(it.Body)-1] != '}' {
		r := Result{Ref: it.Ref, Index: it.Index, ID: it.ID, Outcome: Failed, Reason: "invalid item: need index, id and a JSON object body"}
		ix.stats.Failed++
		ix.cfg.OnResult(r)
		return fmt.Errorf("search: bulk: item %q in %q: %s", it.ID, it.Index, r.Reason)
	}
	var err error
	size := len(it.Body) + len(it.Index) + len(it.ID) + 40
	if len(ix.ents) > 0 && (len(ix.ents) >= ix.cfg.MaxBatchItems || len(ix.buf)+size > ix.cfg.MaxBatchBytes) {
		err = ix.Flush(ctx)
	}
	e := entry{index: it.Index, id: it.ID, ref: it.Ref, line: len(ix.buf)}
	ix.buf = appendAction(ix.buf, it.Index, it.ID)
	e.start = len(ix.buf)
	ix.buf = append(ix.buf, it.Body...)
	e.end = len(ix.buf)
	ix.buf = append(ix.buf, '\n')
	ix.ents = append(ix.ents, e)
	return err
}

func appendAction(b []byte, index, id string) []byte {
	b = append(b, `{"create":{"_index":`...)
	b = ecs.AppendJSONString(b, index)
	b = append(b, `,"_id":`...)
	b = ecs.AppendJSONString(b, id)
	return append(b, "}}\n"...)
}

// Pending is the number of items added but not yet flushed.
func (ix *Indexer) Pending() int { return len(ix.ents) }

// Flush sends the current batch, retrying what can be retried, and reports
// every item's Result. It returns a *FlushError when items ended Failed.
func (ix *Indexer) Flush(ctx context.Context) error {
	if len(ix.ents) == 0 {
		return nil
	}
	all := make([]int, len(ix.ents))
	for i := range all {
		all[i] = i
	}
	ix.process(ctx, all)
	ix.deadLetter(ctx)

	var ferr *FlushError
	for i := range ix.ents {
		e := &ix.ents[i]
		r := Result{Ref: e.ref, Index: e.index, ID: e.id, Outcome: e.outcome, Status: e.status, Attempts: e.attempts}
		if e.outcome == DeadLettered || e.outcome == Failed {
			r.Reason = e.reasonText()
		}
		switch e.outcome {
		case Indexed:
			ix.stats.Indexed++
		case AlreadyIndexed:
			ix.stats.AlreadyIndexed++
		case DeadLettered:
			ix.stats.DeadLettered++
		default:
			ix.stats.Failed++
			if ferr == nil {
				ferr = &FlushError{Total: len(ix.ents), First: r.Reason}
			}
			ferr.Failed++
		}
		ix.cfg.OnResult(r)
	}
	ix.buf = ix.buf[:0]
	clear(ix.ents)
	ix.ents = ix.ents[:0]
	if ferr != nil {
		return ferr
	}
	return nil
}

func (e *entry) reasonText() string {
	if e.errType == "" {
		return e.reason
	}
	return e.errType + ": " + e.reason
}

// pendingOutcome marks an entry that was refused for a document reason and
// is waiting for the dead-letter sink.
const pendingDeadLetter Outcome = 255

// process sends the entries (indices into ix.ents) until each has an
// outcome. 413 splits the set in halves.
func (ix *Indexer) process(ctx context.Context, set []int) {
	var body []byte
	for attempt := 1; ; attempt++ {
		if len(set) == len(ix.ents) {
			body = ix.buf
		} else {
			body = ix.rebuild(body[:0:0], set)
		}
		for _, i := range set {
			ix.ents[i].attempts++
			if ix.ents[i].attempts > 1 {
				ix.stats.RetriedItems++
			}
		}
		status, resp, err := ix.send(ctx, body)
		var retry []int
		switch {
		case err != nil || status == http.StatusTooManyRequests || status >= 500:
			reason := ""
			if err != nil {
				reason = err.Error()
			} else {
				re := responseError(http.MethodPost, "/_bulk", status, resp)
				reason = fmt.Sprintf("bulk request: %d %s %s", status, re.Type, re.Reason)
			}
			for _, i := range set {
				ix.ents[i].status, ix.ents[i].errType, ix.ents[i].reason = status, "", reason
			}
			retry = set
		case status == http.StatusRequestEntityTooLarge:
			if len(set) == 1 {
				e := &ix.ents[set[0]]
				e.status, e.errType, e.reason, e.outcome = status, "request_entity_too_large", "the document alone exceeds the domain's request size limit", pendingDeadLetter
				return
			}
			ix.process(ctx, set[:len(set)/2])
			ix.process(ctx, set[len(set)/2:])
			return
		case status >= 200 && status <= 299:
			var perr error
			retry, perr = ix.classify(set, resp)
			if perr != nil {
				for _, i := range set {
					ix.ents[i].status, ix.ents[i].errType, ix.ents[i].reason, ix.ents[i].outcome = status, "", perr.Error(), Failed
				}
				return
			}
		default:
			re := responseError(http.MethodPost, "/_bulk", status, resp)
			for _, i := range set {
				e := &ix.ents[i]
				e.status, e.errType, e.reason, e.outcome = status, re.Type, "bulk request refused: "+re.Reason, Failed
			}
			return
		}
		if len(retry) == 0 {
			return
		}
		wait := ix.cfg.Backoff.delay(attempt, ix.cfg.Rand())
		if !ix.mayRetry(ctx, attempt, wait) || ix.cfg.Sleep(ctx, wait) != nil {
			for _, i := range retry {
				e := &ix.ents[i]
				e.outcome = Failed
				e.reason = fmt.Sprintf("retries exhausted after %d attempts: %s", e.attempts, e.reasonText())
				e.errType = ""
			}
			return
		}
		set = retry
	}
}

func (ix *Indexer) mayRetry(ctx context.Context, attempt int, wait time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	max := ix.cfg.MaxAttempts
	deadline, ok := ctx.Deadline()
	if max == 0 && !ok {
		max = DefaultMaxAttempts
	}
	if max > 0 && attempt >= max {
		return false
	}
	return !ok || ix.cfg.Now().Add(wait).Before(deadline)
}

func (ix *Indexer) rebuild(b []byte, set []int) []byte {
	for _, i := range set {
		e := &ix.ents[i]
		b = append(b, ix.buf[e.line:e.end+1]...)
	}
	return b
}

func (ix *Indexer) send(ctx context.Context, body []byte) (int, []byte, error) {
	ix.stats.Requests++
	ix.stats.RawBytes += int64(len(body))
	req := Request{Method: http.MethodPost, Path: "/_bulk", Body: body, ContentType: "application/x-ndjson"}
	if ix.gz != nil {
		ix.gzBuf.Reset()
		ix.gz.Reset(&ix.gzBuf)
		if _, err := ix.gz.Write(body); err != nil {
			return 0, nil, fmt.Errorf("search: bulk: gzip: %w", err)
		}
		if err := ix.gz.Close(); err != nil {
			return 0, nil, fmt.Errorf("search: bulk: gzip: %w", err)
		}
		req.Body, req.Gzip = ix.gzBuf.Bytes(), true
	}
	ix.stats.SentBytes += int64(len(req.Body))
	return ix.c.Do(ctx, req)
}

type bulkResponse struct {
	Errors bool                        `json:"errors"`
	Items  []map[string]bulkItemResult `json:"items"`
}

type bulkItemResult struct {
	Index  string `json:"_index"`
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  *struct {
		Type     string `json:"type"`
		Reason   string `json:"reason"`
		CausedBy *struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"caused_by"`
	} `json:"error"`
}

// classify applies a 2xx bulk response to the entries sent and returns the
// ones to retry.
func (ix *Indexer) classify(set []int, resp []byte) ([]int, error) {
	// Fast path: no item failed.
	if e := gjson.GetBytes(resp, "errors"); e.Type == gjson.False {
		if n := gjson.GetBytes(resp, "items.#").Int(); n != int64(len(set)) {
			return nil, fmt.Errorf("bulk response has %d items for %d operations", n, len(set))
		}
		for _, i := range set {
			ix.ents[i].status, ix.ents[i].errType, ix.ents[i].reason, ix.ents[i].outcome = http.StatusCreated, "", "", Indexed
		}
		return nil, nil
	}
	var br bulkResponse
	if err := json.Unmarshal(resp, &br); err != nil {
		return nil, fmt.Errorf("bulk response: %w", err)
	}
	if len(br.Items) != len(set) {
		return nil, fmt.Errorf("bulk response has %d items for %d operations", len(br.Items), len(set))
	}
	var retry []int
	for k, i := range set {
		e := &ix.ents[i]
		var res bulkItemResult
		for _, v := range br.Items[k] {
			res = v
		}
		e.status, e.errType, e.reason = res.Status, "", ""
		if res.Error != nil {
			e.errType, e.reason = res.Error.Type, res.Error.Reason
			if c := res.Error.CausedBy; c != nil && c.Reason != "" {
				e.reason += " (caused by " + c.Type + ": " + c.Reason + ")"
			}
		}
		switch {
		case res.Status >= 200 && res.Status <= 299:
			e.outcome = Indexed
		case res.Status == http.StatusConflict:
			e.outcome = AlreadyIndexed
		case res.Status == http.StatusTooManyRequests || res.Status >= 500,
			res.Status == http.StatusForbidden && e.errType == "cluster_block_exception":
			retry = append(retry, i)
		case res.Status == http.StatusBadRequest:
			e.outcome = pendingDeadLetter
		default:
			e.outcome = Failed
		}
	}
	return retry, nil
}

// deadLetter hands the refused documents of the batch to the sink.
func (ix *Indexer) deadLetter(ctx context.Context) {
	var rej []Rejected
	var idx []int
	for i := range ix.ents {
		e := &ix.ents[i]
		if e.outcome != pendingDeadLetter {
			continue
		}
		rej = append(rej, Rejected{Index: e.index, ID: e.id, Document: ix.buf[e.start:e.end], Ref: e.ref,
			Status: e.status, ErrorType: e.errType, Reason: e.reason})
		idx = append(idx, i)
	}
	if len(rej) == 0 {
		return
	}
	outcome, note := DeadLettered, ""
	if ix.cfg.DeadLetter == nil {
		outcome, note = Failed, " (no dead-letter sink configured)"
	} else if err := ix.cfg.DeadLetter.DeadLetter(ctx, rej); err != nil {
		outcome, note = Failed, " (dead-letter failed: "+err.Error()+")"
	}
	for _, i := range idx {
		ix.ents[i].outcome = outcome
		ix.ents[i].reason += note
	}
}
