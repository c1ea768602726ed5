package logs

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Input is what a parser reads: the decompressed body of one object.
type Input struct {
	*bufio.Reader
	Object Object
	Ctx    context.Context
}

// Output is where a parser reports every record, exactly once each, with
// Emit, Skip or Fail. The record position advances on each report.
type Output struct {
	typ   *Type
	obj   Object
	emit  Emit
	stats *Stats
	pos   int64
	doc   ecs.Document
}

// Doc returns the document for the next record, reset and pre-filled with
// the object's defaults (type, dataset, module, cloud provider, account and
// region from the key, log.file.path, position). Valid until the next Doc.
func (o *Output) Doc() *ecs.Document {
	o.doc = ecs.Document{
		Type:     o.typ.Name,
		Position: o.pos,
		Event: ecs.Event{
			Kind:    "event",
			Dataset: "aws." + o.typ.Name,
			Module:  "aws",
		},
		Cloud: ecs.Cloud{Provider: "aws", AccountID: o.obj.Account, Region: o.obj.Region},
		Log:   ecs.Log{FilePath: o.obj.Key},
	}
	return &o.doc
}

// Position is the 0-based ordinal of the next record to be reported.
func (o *Output) Position() int64 { return o.pos }

// Emit reports the current record as document d. When d.ID is empty it is
// set to a hash of the object key and the record position, so redelivery of
// the same object yields the same _id.
func (o *Output) Emit(d *ecs.Document) error {
	pos := o.pos
	o.pos++
	o.stats.Records++
	if pos < o.obj.SkipRecords {
		o.stats.Resumed++
		return nil
	}
	if d.ID == "" {
		d.ID = PositionID(o.obj.Key, pos)
	}
	if d.Timestamp.IsZero() {
		// A record without its own time cannot be placed in an index by
		// time; keep it as an error rather than invent a time.
		return o.fail(pos, nil, errors.New("record has no timestamp"), d)
	}
	o.stats.Documents++
	return o.send(d)
}

// send passes d to the callback, marking a callback error as one that stops
// normalization.
func (o *Output) send(d *ecs.Document) error {
	if err := o.emit(d); err != nil {
		return &emitError{err: err}
	}
	return nil
}

// Skip reports the current record as deliberately not indexed, with a short
// reason name such as "cloudtrail-digest" or "control-message".
func (o *Output) Skip(reason string) {
	pos := o.pos
	o.pos++
	o.stats.Records++
	if pos < o.obj.SkipRecords {
		o.stats.Resumed++
		return
	}
	if o.stats.Skipped == nil {
		o.stats.Skipped = map[string]int64{}
	}
	o.stats.Skipped[reason]++
}

// Fail reports the current record as an error document keeping the original
// bytes (event.original) and the reason (error.message).
func (o *Output) Fail(raw []byte, err error) error {
	pos := o.pos
	o.pos++
	o.stats.Records++
	if pos < o.obj.SkipRecords {
		o.stats.Resumed++
		return nil
	}
	return o.fail(pos, raw, err, nil)
}

func (o *Output) fail(pos int64, raw []byte, err error, partial *ecs.Document) error {
	o.stats.Errors++
	d := ecs.Document{
		ID:       PositionID(o.obj.Key, pos),
		Type:     o.typ.Name,
		Position: pos,
		Event: ecs.Event{
			Kind:    "pipeline_error",
			Dataset: "aws." + o.typ.Name,
			Module:  "aws",
			Created: time.Now().UTC(),
		},
		Cloud: ecs.Cloud{Provider: "aws", AccountID: o.obj.Account, Region: o.obj.Region},
		Log:   ecs.Log{FilePath: o.obj.Key},
		Error: ecs.Error{Message: fmt.Sprintf("%s record %d: %v", o.typ.Name, pos, err), Type: "parse"},
	}
	if partial != nil {
		d.Cloud = partial.Cloud
		d.AWS = partial.AWS
	}
	if raw != nil {
		d.Event.Original = string(raw)
	}
	d.Timestamp = d.Event.Created
	return o.send(&d)
}

// PositionID is the fallback _id: a hash of the object key and the record
// position, stable across redeliveries of the same object.
func PositionID(key string, pos int64) string {
	h := sha256.New()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, pos, 10))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
