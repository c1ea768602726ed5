package loader

import (
	"context"
	"fmt"

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

// tally counts the outcomes of one object part's documents.
type tally struct {
	created, existed, deadLettered, notIndexed int64
	firstFailure                               string
}

func (t *tally) record(r search.Result) {
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
			t.firstFailure = fmt.Sprintf("document %s in %s (record %d): status %d: %s", r.ID, r.Index, rec, r.Status, r.Reason)
		}
	}
}
