package logs

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// utf8BOM is the UTF-8 encoding of U+FEFF, the byte-order mark.
const utf8BOM = "\xef\xbb\xbf"

// readBufferSize bounds how much of an object is buffered at once.
const readBufferSize = 256 << 10

func normalize(ctx context.Context, obj Object, emit Emit) (st Stats, err error) {
	errTime := obj.Time
	var loc archive.Location
	if obj.Type == "" {
		var perr error
		loc, perr = archive.Parse(obj.Key)
		if perr != nil {
			return st, fmt.Errorf("logs: %w", perr)
		}
		if loc.Skip != "" {
			// The whole object is deliberately not indexed (e.g. digests).
			st.Skipped = map[string]int64{loc.Skip: 1}
			st.Records = 1
			return st, nil
		}
		obj.Type = loc.LogType
		if obj.Account == "" {
			obj.Account = loc.Account
		}
		if obj.Region == "" {
			obj.Region = loc.Region
		}
		if errTime.IsZero() {
			errTime = loc.Time
		}
	}
	typ, err := Lookup(obj.Type)
	if err != nil {
		return st, err
	}
	if loc.Key == "" {
		// A caller that named the type (the CLI, a test) still gets the
		// allow-listed sources when its path follows their layout.
		if l, err := archive.ParseLocal(obj.Key); err == nil && l.LogType == obj.Type {
			loc = l
		}
	}
	return normalizeType(ctx, obj, typ, errTime, sourceOf(loc), emit)
}

// normalizeType runs the parser of typ over obj; errTime is the
// @timestamp of error documents (zero: now).
func normalizeType(ctx context.Context, obj Object, typ *Type, errTime time.Time, src keySource, emit Emit) (st Stats, err error) {
	if errTime.IsZero() {
		errTime = time.Now()
	}
	out := &Output{typ: typ, obj: obj, emit: emit, stats: &st, ctx: ctx, errTime: errTime.UTC(), src: src}
	counter := &countingReader{}
	raw := getReader(obj.Body)
	defer putReader(raw) // deferred calls run after the parser is done with it
	plain, err := decompress(raw)
	if err != nil {
		// Nothing readable (a broken gzip header): one error document, so
		// the object is accounted for and not retried forever.
		if ferr := out.failKind("read", nil, fmt.Errorf("reading stopped at byte 0: %w", err)); ferr != nil {
			return st, fmt.Errorf("logs: %s: %w", obj.Key, ferr)
		}
		return st, nil
	}
	counter.r = plain
	in := &Input{Reader: getReader(counter), Object: obj, Ctx: ctx}
	defer putReader(in.Reader)
	// A UTF-8 byte-order mark at the start of the content (editors and
	// Windows tools write one) is not part of the first record.
	if bom, _ := in.Peek(len(utf8BOM)); string(bom) == utf8BOM {
		_, _ = in.Discard(len(utf8BOM))
	}
	defer func() {
		st.Bytes = counter.n
		if r := recover(); r != nil {
			// A parser bug must not lose the object: what was emitted stays
			// emitted, and the rest is reported as one error at the position.
			err = out.failKind("panic", nil, fmt.Errorf("parser panic, rest of object not read: %v", r))
			if err != nil {
				err = fmt.Errorf("logs: %s: %w", obj.Key, err)
			}
		}
	}()
	if perr := typ.Parse(in, out); perr != nil && !errors.Is(perr, io.EOF) {
		// (io.EOF from a parser is the end of input, not an error.)
		if stop := (*stopError)(nil); errors.As(perr, &stop) {
			return st, fmt.Errorf("logs: %s: %w", obj.Key, stop.err)
		}
		if errors.Is(perr, io.ErrUnexpectedEOF) {
			// A truncated gzip member or a value cut by the end of input.
			perr = fmt.Errorf("input ends early (truncated object?): %w", perr)
		}
		if ctx.Err() != nil {
			return st, fmt.Errorf("logs: %s: %w", obj.Key, ctx.Err())
		}
		// Reading stopped (truncated gzip, I/O error, broken framing): keep
		// what was read and record where it stopped as an error document.
		ferr := out.failKind("read", nil, fmt.Errorf("reading stopped after %d bytes: %w", counter.n, perr))
		if ferr != nil {
			return st, fmt.Errorf("logs: %s: %w", obj.Key, ferr)
		}
	}
	return st, nil
}

// stopError marks an error that stops normalization: an error returned by
// the Emit callback, or a cancelled context.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// decompress returns a reader over the plain content of br, unwrapping
// gzip (all members) when the first two bytes are the gzip magic number.
func decompress(br *bufio.Reader) (io.Reader, error) {
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// readerPool recycles the read buffers (readBufferSize each): small objects
// would otherwise cost two fresh 256 KiB buffers apiece.
var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

func getReader(r io.Reader) *bufio.Reader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readerPool.Put(br)
}

// countingReader counts the decompressed bytes read (Stats.Bytes).
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
