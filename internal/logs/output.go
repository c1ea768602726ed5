package logs

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// KindPipelineError is the event.kind of error documents.
const KindPipelineError = "pipeline_error"

// Input is what a parser reads: the decompressed body of one object,
// buffered (readBufferSize).
type Input struct {
	*bufio.Reader
	Object Object
	Ctx    context.Context

	line    int64  // lines returned by ReadLine
	lineBuf []byte // holds a line longer than the read buffer
}

// LineTooLongError is returned by ReadLine for a line over MaxLineBytes.
// The line has been skipped; Prefix holds its first MaxOriginalBytes.
type LineTooLongError struct {
	Line   int64 // 1-based line number
	Length int64 // bytes in the line, without the line ending
	Prefix []byte
}

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line %d is %d bytes, over the %d byte limit", e.Line, e.Length, MaxLineBytes)
}

// ReadLine returns the next line without its line ending ("\n" or "\r\n").
// The slice is only valid until the next read. A last line without a line
// ending is returned like any other; after it ReadLine returns io.EOF. A line
// over MaxLineBytes is skipped without holding it in memory and reported as
// a *LineTooLongError; reading can continue with the next line. Any other
// error (a truncated gzip, an I/O error) stops reading.
func (in *Input) ReadLine() ([]byte, error) {
	line, err := in.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		line, err = in.readLongLine(line)
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = nil // last line without "\n"
		} else {
			return nil, err
		}
	}
	in.line++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n > 1 && line[n-2] == '\r' {
			line = line[:n-2]
		}
	}
	return line, nil
}

// readLongLine continues a line that did not fit the read buffer.
func (in *Input) readLongLine(first []byte) ([]byte, error) {
	in.lineBuf = append(in.lineBuf[:0], first...)
	total := int64(len(first))
	for {
		more, err := in.ReadSlice('\n')
		total += int64(len(more))
		if len(in.lineBuf) < MaxLineBytes+2 {
			in.lineBuf = append(in.lineBuf, more...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		length := total
		if total > 0 && in.lineBuf[len(in.lineBuf)-1] == '\n' {
			length--
		}
		if length > MaxLineBytes {
			in.line++
			prefix := append([]byte(nil), in.lineBuf[:MaxOriginalBytes]...)
			in.lineBuf = in.lineBuf[:0]
			return nil, &LineTooLongError{Line: in.line, Length: length, Prefix: prefix}
		}
		return in.lineBuf, err
	}
}

// LineNumber is the 1-based number of the line ReadLine last returned.
func (in *Input) LineNumber() int64 { return in.line }

// Output is where a parser reports every record, exactly once each, with
// Emit, Skip or Fail. The record position advances on each report.
type Output struct {
	typ     *Type
	obj     Object
	emit    Emit
	stats   *Stats
	ctx     context.Context
	errTime time.Time // @timestamp of error documents
	src     keySource // what the key says about its writer (trust.go)
	pos     int64
	doc     ecs.Document // returned by Doc
	tmpl    ecs.Document // what Doc resets doc to, set on first use
	idBuf   []byte       // PositionID prefix of obj.Key, computed on first use
}

// datasets holds "aws.<name>" (event.dataset) of every registered type, so
// that no record pays for building it. Set once by init (the registry
// refers to the parsers, which use dataset); read only afterwards.
var datasets map[string]string

func init() {
	datasets = make(map[string]string, len(registry))
	for _, t := range registry {
		datasets[t.Name] = "aws." + t.Name
	}
}

// dataset returns the event.dataset of log type name.
func dataset(name string) string {
	if ds, ok := datasets[name]; ok {
		return ds
	}
	return "aws." + name
}

// Doc returns the document for the next record, reset and pre-filled with
// the object's defaults (type, event kind/dataset/module, cloud provider,
// account and region from the key, log.file.path, position). It is valid
// until the next call of Doc.
func (o *Output) Doc() *ecs.Document {
	if o.tmpl.Type == "" {
		o.tmpl = o.defaults()
	}
	// Copying a document prepared once per object is the cheapest reset of
	// the large Document: a composite literal zeroes it, stores each field
	// and looks event.dataset up again, for every record.
	o.doc = o.tmpl
	o.doc.Position = o.pos
	return &o.doc
}

// defaults is the document every record of the object starts from.
func (o *Output) defaults() ecs.Document {
	return ecs.Document{
		Type: o.typ.Name,
		Event: ecs.Event{
			Kind:    "event",
			Dataset: dataset(o.typ.Name),
			Module:  "aws",
		},
		Cloud: ecs.Cloud{Provider: "aws", AccountID: o.obj.Account, Region: o.obj.Region},
		Log:   ecs.Log{FilePath: o.obj.Key},
	}
}

// Position is the 0-based ordinal of the next record to be reported.
func (o *Output) Position() int64 { return o.pos }

// next advances to the next record and reports whether it is to be
// reported (false for records below Object.SkipRecords, counted as resumed).
func (o *Output) next() (pos int64, report bool) {
	pos = o.pos
	o.pos++
	o.stats.Records++
	if pos < o.obj.SkipRecords {
		o.stats.Resumed++
		return pos, false
	}
	return pos, true
}

// Emit reports the current record as document d. When d.ID is empty it is
// set to a hash of the object key and the record position, so redelivery of
// the same object yields the same _id. A parser that routes a record to
// another type (d.Type) gets event.dataset set to match. A document without
// a timestamp becomes an error document. The error returned stops parsing:
// it comes from the Emit callback or a cancelled context.
func (o *Output) Emit(d *ecs.Document) error {
	pos, report := o.next()
	if !report {
		return nil
	}
	if err := o.checkContext(); err != nil {
		return err
	}
	d.Position = pos
	if d.ID == "" {
		d.ID = o.positionID(pos)
	}
	if d.Type != o.typ.Name {
		d.Event.Dataset = dataset(d.Type)
	}
	o.attribute(d)
	if bounded, cut := boundFlatLeaves(d.Type, d.AWS); cut {
		// A leaf over Lucene's term limit would get the document refused
		// (flatleaf.go): index it cut, keep the whole record as sent.
		if d.Event.Original == "" {
			d.Event.Original = string(d.AWS)
		}
		d.AWS = bounded
	}
	if d.Timestamp.IsZero() {
		// A record without its own time cannot be placed in an index by
		// time; keep it as an error rather than invent a time.
		return o.fail(pos, "parse", nil, errors.New("record has no timestamp"), d)
	}
	o.stats.Documents++
	return o.send(d)
}

// checkContext checks for cancellation at the first record and every 256th.
func (o *Output) checkContext() error {
	if o.pos&255 == 1 {
		if err := o.ctx.Err(); err != nil {
			return &stopError{err: err}
		}
	}
	return nil
}

// send passes d to the callback, marking a callback error as one that stops
// normalization.
func (o *Output) send(d *ecs.Document) error {
	if err := o.emit(d); err != nil {
		return &stopError{err: err}
	}
	return nil
}

// Skip reports the current record as deliberately not indexed, with a short
// reason name such as "cloudtrail-digest" or "control-message".
func (o *Output) Skip(reason string) {
	if _, report := o.next(); !report {
		return
	}
	if o.stats.Skipped == nil {
		o.stats.Skipped = map[string]int64{}
	}
	o.stats.Skipped[reason]++
}

// Fail reports the current record as an error document keeping the original
// bytes (event.original, at most MaxOriginalBytes) and the reason
// (error.message, prefixed with the type and record position). The error
// returned stops parsing (see Emit).
func (o *Output) Fail(raw []byte, err error) error {
	return o.failKind("parse", raw, err)
}

func (o *Output) failKind(kind string, raw []byte, err error) error {
	pos, report := o.next()
	if !report {
		return nil
	}
	if err := o.checkContext(); err != nil {
		return err
	}
	return o.fail(pos, kind, raw, err, nil)
}

func (o *Output) fail(pos int64, kind string, raw []byte, err error, partial *ecs.Document) error {
	o.stats.Errors++
	d := o.defaults()
	d.ID = o.positionID(pos)
	d.Position = pos
	d.Timestamp = o.errTime
	d.Event.Kind = KindPipelineError
	d.Error = ecs.Error{Message: fmt.Sprintf("%s record %d: %v", o.typ.Name, pos, err), Type: kind}
	if partial != nil {
		// The record parsed but cannot be indexed: keep where it came from
		// and its original fields (as event.original).
		d.Cloud = partial.Cloud
		d.CloudWatch = partial.CloudWatch
		d.Tags, d.Orgsiem = partial.Tags, partial.Orgsiem
		if raw == nil {
			raw = partial.AWS
		}
	}
	if len(raw) > MaxOriginalBytes {
		raw = raw[:MaxOriginalBytes]
		d.Error.Message += fmt.Sprintf(" (event.original truncated to %d bytes)", MaxOriginalBytes)
	}
	if raw != nil {
		d.Event.Original = string(raw)
	}
	return o.send(&d)
}

// PositionID is the fallback _id of the record at position pos of the
// object at key: "<hash of key>-<pos>", stable across redeliveries of the
// same object. The key hash is the first 96 bits of its SHA-256 in hex: two
// keys sharing it in one index is not a practical concern, and the position
// in clear makes the record easy to find in its object.
func PositionID(key string, pos int64) string {
	return string(strconv.AppendInt(positionIDPrefix(nil, key), pos, 10))
}

// positionIDPrefix appends the key part of a PositionID ("<hash>-").
func positionIDPrefix(b []byte, key string) []byte {
	sum := sha256.Sum256([]byte(key))
	b = hex.AppendEncode(b, sum[:12])
	return append(b, '-')
}

// positionID is PositionID(o.obj.Key, pos), hashing the key once per object.
func (o *Output) positionID(pos int64) string {
	if o.idBuf == nil {
		o.idBuf = positionIDPrefix(make([]byte, 0, 48), o.obj.Key)
	}
	n := len(o.idBuf)
	o.idBuf = strconv.AppendInt(o.idBuf, pos, 10)
	id := string(o.idBuf)
	o.idBuf = o.idBuf[:n]
	return id
}
