package loader

import (
	"context"
	"fmt"
)

// Doc is one document handed to the bulk indexer, always with the create
// operation (a document already there is a 409, which counts as indexed).
type Doc struct {
	Index string // log-aws-<type>-YYYY.MM
	ID    string // deterministic _id
	// Body is the document's JSON (ecs.Document.AppendJSON); it is only
	// valid during the Indexer call.
	Body []byte
	// LogType, Account and Key/Position locate the document for the
	// dead-letter object of a refused document.
	LogType  string
	Account  string
	Key      string
	Position int64
}

// Outcome is the final state of one document after the indexer is done
// with it.
type Outcome uint8

// Outcomes. Created and Existed count as indexed; DeadLettered documents
// were refused for a reason of their own (400) and written to the archive's
// DeadLetter/ prefix; Failed documents were not indexed (429/5xx until the
// deadline, or the dead-letter write failed), so their message is retried.
const (
	Failed Outcome = iota
	Created
	Existed
	DeadLettered
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Existed:
		return "existed"
	case DeadLettered:
		return "dead-lettered"
	}
	return "failed"
}

// Result is one document's outcome, with OpenSearch's status and reason
// where it refused the document.
type Result struct {
	Outcome Outcome
	Status  int    // HTTP status of the item (0: never answered)
	Reason  string // error type and reason of a refused or failed item
}

// Indexer is what the loader needs from the bulk indexer: index a batch of
// documents and report exactly one Result per document, in order. It
// retries what can be retried (429, 5xx) until ctx's deadline and
// dead-letters what OpenSearch refuses for a document reason. An error
// means no results at all (e.g. the request could not be built); the
// loader then counts every document of the batch as failed.
type Indexer interface {
	Index(ctx context.Context, docs []Doc) ([]Result, error)
}

// batch accumulates documents for one Indexer call, bounded by bytes and
// count; the bodies share one buffer.
type batch struct {
	buf      []byte
	docs     []Doc
	ends     []int // end of each body in buf
	maxBytes int
	maxDocs  int
}

func (b *batch) add(d Doc, appendBody func([]byte) []byte) {
	b.buf = appendBody(b.buf)
	b.docs = append(b.docs, d)
	b.ends = append(b.ends, len(b.buf))
}

func (b *batch) full() bool { return len(b.buf) >= b.maxBytes || len(b.docs) >= b.maxDocs }

// flush indexes the batch, tallies the results into t and resets it.
func (b *batch) flush(ctx context.Context, ix Indexer, t *tally) error {
	if len(b.docs) == 0 {
		return nil
	}
	start := 0
	for i := range b.docs {
		b.docs[i].Body = b.buf[start:b.ends[i]:b.ends[i]]
		start = b.ends[i]
	}
	results, err := ix.Index(ctx, b.docs)
	if err == nil && len(results) != len(b.docs) {
		err = fmt.Errorf("indexer returned %d results for %d documents", len(results), len(b.docs))
	}
	if err != nil {
		t.notIndexed += int64(len(b.docs))
		t.firstFailure = firstOf(t.firstFailure, err.Error())
	} else {
		for i, r := range results {
			t.record(&b.docs[i], r)
		}
	}
	b.buf, b.docs, b.ends = b.buf[:0], b.docs[:0], b.ends[:0]
	return err
}

// tally counts the outcomes of one object part's documents.
type tally struct {
	created, existed, deadLettered, notIndexed int64
	firstFailure                               string
}

func (t *tally) record(d *Doc, r Result) {
	switch r.Outcome {
	case Created:
		t.created++
	case Existed:
		t.existed++
	case DeadLettered:
		t.deadLettered++
	default:
		t.notIndexed++
		t.firstFailure = firstOf(t.firstFailure, fmt.Sprintf("document %s (record %d): status %d: %s", d.ID, d.Position, r.Status, r.Reason))
	}
}

func firstOf(have, s string) string {
	if have != "" {
		return have
	}
	return s
}
