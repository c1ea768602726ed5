package logs

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// readBufferSize bounds how much of an object is held at once.
const readBufferSize = 256 << 10

func normalize(ctx context.Context, obj Object, emit Emit) (st Stats, err error) {
	if obj.Type == "" {
		loc, perr := archive.Parse(obj.Key)
		if perr != nil {
			return st, perr
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
	}
	typ, err := Lookup(obj.Type)
	if err != nil {
		return st, err
	}
	counter := &countingReader{r: obj.Body}
	body, err := decompress(counter)
	if err != nil {
		return st, fmt.Errorf("%s: %w", obj.Key, err)
	}
	out := &Output{typ: typ, obj: obj, emit: emit, stats: &st}
	in := &Input{Reader: body, Object: obj, Ctx: ctx}
	defer func() {
		st.Bytes = counter.n
		if r := recover(); r != nil {
			// A parser bug must not lose the object: what was emitted stays
			// emitted, and the rest is reported as one error at the position.
			perr := fmt.Errorf("parser panic: %v\n%s", r, debug.Stack())
			err = out.Fail(nil, perr)
		}
	}()
	if perr := typ.Parse(in, out); perr != nil {
		var stop *emitError
		if errors.As(perr, &stop) || ctx.Err() != nil {
			return st, perr
		}
		// Reading stopped (truncated gzip, I/O error): keep what was read and
		// record where it stopped as an error document.
		return st, out.Fail(nil, fmt.Errorf("reading %s stopped: %w", obj.Key, perr))
	}
	return st, nil
}

// emitError marks an error returned by the Emit callback: it stops
// normalization and is passed through unchanged.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

// decompress returns a buffered reader over the plain content, unwrapping
// gzip when the first two bytes are the gzip magic number.
func decompress(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, readBufferSize)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", err)
		}
		return bufio.NewReaderSize(zr, readBufferSize), nil
	}
	return br, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
