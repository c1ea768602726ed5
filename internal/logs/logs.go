// Package logs turns raw AWS log objects into normalized ECS documents.
//
// One registry table (registry.go) lists every log type; each type has one
// file with its typed record structs and one explicit mapping to
// ecs.Document. The type of an object is decided by where it came from (its
// archive key, or its CloudWatch log group), never by trying parsers.
//
// Every input record has exactly one outcome: a document, a named skip, or an
// error document (event.kind pipeline_error). Stats always add up:
// Records == Documents + Errors + sum(Skipped) (+ Resumed for continuations).
package logs

import (
	"context"
	"io"

	"github.com/orgsiem/orgsiem/internal/ecs"
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
	// SkipRecords resumes a continuation: records at positions below it are
	// read but not emitted, and counted in Stats.Resumed.
	SkipRecords int64
}

// Emit receives each document. The document is only valid during the call.
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

// Normalize streams obj through its log type's parser and emits documents.
// It returns a non-nil error only when the object as a whole cannot be read
// (unknown key or type, emit error, context cancelled); a bad record, a
// truncated gzip or a parser panic become error documents instead.
func Normalize(ctx context.Context, obj Object, emit Emit) (Stats, error) {
	return normalize(ctx, obj, emit)
}
