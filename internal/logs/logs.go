// Package logs turns raw AWS log objects into normalized ECS documents.
//
// One registry table (registry.go) lists every log type; each type has one
// file with its typed record structs and one explicit mapping to
// ecs.Document. The type of an object is decided by where it came from (its
// archive key, or its CloudWatch log group), never by trying parsers.
//
// Every input record has exactly one outcome: a document, a named skip, or an
// error document (event.kind pipeline_error). Stats always add up:
// Records == Documents + Errors + sum(Skipped) + Resumed.
//
// Error documents carry the original bytes (event.original, at most
// MaxOriginalBytes) and the reason (error.message, error.type). Their
// @timestamp is Object.Time, else the time the archive key carries, else
// the current time: a redelivered object therefore yields the same error
// documents, with the same _id, in the same monthly index.
package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Limits that keep memory bounded whatever the input.
const (
	// MaxLineBytes is the longest line (or JSON record) a parser holds in
	// memory; a longer one becomes an error document. CloudWatch Logs events
	// are at most 256 KiB and CloudTrail records far below 1 MiB.
	MaxLineBytes = 1 << 20
	// MaxOriginalBytes is the most of a bad record kept in event.original.
	MaxOriginalBytes = 64 << 10
)

// Object is one input to normalize.
type Object struct {
	// Key is the archive key (or local path); it becomes log.file.path and
	// feeds the fallback _id hash.
	Key string
	// Type is the registered log type name. Empty means: decide it from Key
	// with internal/archive.
	Type string
	// Body is the object's content; gzip is detected from the magic bytes.
	Body io.Reader
	// Account and Region are defaults taken from the key layout; a record
	// that carries its own values wins.
	Account, Region string
	// Time is when the object was delivered (the S3 event time or
	// LastModified). It is the @timestamp of error documents, which have no
	// event time of their own. Zero means: the time the key carries, else now.
	Time time.Time
	// SkipRecords resumes a continuation: records at positions below it are
	// read but not emitted, and counted in Stats.Resumed.
	SkipRecords int64
	// Sources is what the caller believes about where data comes from (the
	// allow-list of multi-account sources, the organization's accounts,
	// extra log group routes); nil allow-lists nothing. See trust.go.
	Sources *Sources
}

// Emit receives each document. The document is only valid during the call
// (parsers reuse it); use (*ecs.Document).Clone to keep it.
// A non-nil error stops normalization and is returned by Normalize.
type Emit func(*ecs.Document) error

// Stats account for every record of one object.
type Stats struct {
	Records   int64            // records read (lines, array elements, log events)
	Documents int64            // normal documents emitted
	Errors    int64            // pipeline_error documents emitted
	Skipped   map[string]int64 // records deliberately not indexed, by named reason
	Resumed   int64            // records below Object.SkipRecords
	Bytes     int64            // decompressed bytes read
}

// Balanced reports whether every record has exactly one outcome:
// Records == Documents + Errors + sum(Skipped) + Resumed.
func (s Stats) Balanced() bool {
	n := s.Documents + s.Errors + s.Resumed
	for _, v := range s.Skipped {
		n += v
	}
	return n == s.Records
}

// UnknownTypeError reports a log type name that is not registered.
type UnknownTypeError struct{ Name string }

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("logs: unknown log type %q (known: %v)", e.Name, Names())
}

// Normalize streams obj through its log type's parser and emits documents.
// It returns a non-nil error only when the object as a whole cannot be read:
// an unknown key (*archive.UnknownKeyError) or type (*UnknownTypeError), an
// emit error (wrapped), or a cancelled context. A bad record, a broken or
// truncated gzip stream or a parser panic become error documents instead,
// after the documents read before them.
func Normalize(ctx context.Context, obj Object, emit Emit) (Stats, error) {
	return normalize(ctx, obj, emit)
}

// NormalizeRecord normalizes one raw record (one line or one JSON record) of
// log type typ and returns its documents, each an independent copy. It is
// for inline test events and tests. A record that became an error document
// is returned together with an error carrying its error.message.
func NormalizeRecord(typ string, raw []byte) ([]ecs.Document, error) {
	var docs []ecs.Document
	var firstErr error
	_, err := Normalize(context.Background(), Object{Key: "record", Type: typ, Body: bytes.NewReader(raw)},
		func(d *ecs.Document) error {
			if d.Event.Kind == KindPipelineError && firstErr == nil {
				firstErr = errors.New(d.Error.Message)
			}
			docs = append(docs, d.Clone())
			return nil
		})
	if err != nil {
		return docs, err
	}
	return docs, firstErr
}
