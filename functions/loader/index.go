package loader

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/orgsiem/orgsiem/internal/alerts"

	"github.com/orgsiem/orgsiem/internal/search"
)

// Indexer is the part of the bulk indexer (*search.Indexer) the loader
// uses: Add batches create operations (flushing when a batch is full),
// Flush sends the rest; every item's outcome arrives through the OnResult
// callback the loader installs (see NewIndexerFunc).
type Indexer interface {
	Add(ctx context.Context, it search.Item) error
	Flush(ctx context.Context) error
}

// NewIndexerFunc builds the loader's bulk indexer with onResult as its
// search.IndexerConfig.OnResult, e.g.
//
//	func(on func(search.Result)) (loader.Indexer, error) {
//		return client.NewIndexer(search.IndexerConfig{OnResult: on, DeadLetter: sink})
//	}
type NewIndexerFunc func(onResult func(search.Result)) (Indexer, error)

// docRef locates a document for the indexer's results and dead-letter
// records ("ref" in search.DeadLetterRecord).
type docRef struct {
	Object string `json:"object"` // s3://bucket/key
	Record int64  `json:"record"` // the record's position in the object
}

// tally counts the outcomes of one object part's documents and alert
// documents.
type tally struct {
	created, existed, deadLettered, notIndexed int64
	firstFailure                               string
	// Alert and signal documents: indexed (created or already there) and
	// failed (not indexed, or refused and dead-lettered: both fail the
	// message, an alert must reach the alerts index).
	alertsIndexed, signalsIndexed, alertsFailed int64
}

// maxReasonBytes bounds an OpenSearch error reason before it reaches a log
// line or a metric: reasons can quote field values of the document.
const maxReasonBytes = 256

// truncateReason cuts s to at most maxReasonBytes bytes on a UTF-8
// boundary, marking the cut.
func truncateReason(s string) string {
	if len(s) <= maxReasonBytes {
		return s
	}
	cut := maxReasonBytes - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func (t *tally) record(r search.Result) {
	if ref, ok := r.Ref.(alertRef); ok {
		switch {
		case r.Outcome == search.Indexed || r.Outcome == search.AlreadyIndexed:
			if ref.Kind == alerts.KindSignal {
				t.signalsIndexed++
			} else {
				t.alertsIndexed++
			}
		default:
			t.alertsFailed++
			if t.firstFailure == "" {
				t.firstFailure = fmt.Sprintf("%s %s of rule %s on record %d (%s): %s: status %d: %s",
					ref.Kind, r.ID, ref.Rule, ref.Record, r.Index, r.Outcome, r.Status, truncateReason(r.Reason))
			}
		}
		return
	}
	switch r.Outcome {
	case search.Indexed:
		t.created++
	case search.AlreadyIndexed:
		t.existed++
	case search.DeadLettered:
		t.deadLettered++
	default:
		t.notIndexed++
		if t.firstFailure == "" {
			rec := int64(-1)
			if ref, ok := r.Ref.(docRef); ok {
				rec = ref.Record
			}
			t.firstFailure = fmt.Sprintf("document %s in %s (record %d): status %d: %s", r.ID, r.Index, rec, r.Status, truncateReason(r.Reason))
		}
	}
}

// failed reports whether anything of the part could not be indexed.
func (t *tally) failed() bool { return t.notIndexed > 0 || t.alertsFailed > 0 }
