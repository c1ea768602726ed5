package logs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// jsonStream reads JSON values from a buffered reader without holding more
// than one value (at most a limit) in memory. It finds where a value ends by
// tracking strings and bracket depth; the bytes of a value are validated
// separately (validJSON) once they are in memory. It is the framing of
// CloudTrail {"Records":[...]} files, whose single line can be gigabytes.
type jsonStream struct {
	r   *bufio.Reader
	off int64 // bytes consumed so far
}

// syntaxError is a framing error of a JSON stream at a byte offset.
type syntaxError struct {
	Offset int64
	Msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("JSON syntax error at byte %d: %s", e.Offset, e.Msg)
}

// peek skips whitespace and returns the next byte without consuming it.
// At the end of input it returns io.EOF.
func (s *jsonStream) peek() (byte, error) {
	for {
		buf, err := s.r.Peek(1)
		if len(buf) == 0 {
			if err == nil {
				err = io.ErrNoProgress
			}
			return 0, err
		}
		buf, _ = s.r.Peek(s.r.Buffered())
		for i, c := range buf {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				s.discard(i)
				return c, nil
			}
		}
		s.discard(len(buf))
	}
}

func (s *jsonStream) discard(n int) {
	s.r.Discard(n) // n is at most Buffered, so Discard cannot fail
	s.off += int64(n)
}

// expect skips whitespace and consumes c, or fails with the byte found.
func (s *jsonStream) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return unexpectedEOF(err)
	}
	if got != c {
		return &syntaxError{Offset: s.off, Msg: fmt.Sprintf("want %q, found %q", c, got)}
	}
	s.discard(1)
	return nil
}

// objectStartsWithKey reports whether the input, after whitespace, starts
// with an object whose first key is key (e.g. {"Records":). It looks at no
// more than the next 256 bytes and consumes only whitespace.
func (s *jsonStream) objectStartsWithKey(key string) bool {
	if _, err := s.peek(); err != nil {
		return false
	}
	buf, _ := s.r.Peek(256)
	if len(buf) == 0 || buf[0] != '{' {
		return false
	}
	i := 1
	for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r') {
		i++
	}
	q := `"` + key + `"`
	return len(buf)-i >= len(q) && string(buf[i:i+len(q)]) == q
}

// readValue reads the next JSON value (after whitespace) and appends its
// bytes to dst while len(dst) stays within limit; a longer value is read to
// its end but not kept (tooLong). An input ending inside the value is
// io.ErrUnexpectedEOF; a closing bracket where a value should start is a
// syntaxError.
func (s *jsonStream) readValue(dst []byte, limit int) (out []byte, tooLong bool, err error) {
	first, err := s.peek()
	if err != nil {
		return dst, false, err
	}
	if first == '}' || first == ']' || first == ',' || first == ':' {
		return dst, false, &syntaxError{Offset: s.off, Msg: fmt.Sprintf("want a value, found %q", first)}
	}
	scalar := first != '{' && first != '[' && first != '"'
	depth, inStr, esc := 0, false, false
	start := len(dst)
	for {
		if _, err := s.r.Peek(1); err != nil {
			if scalar && errors.Is(err, io.EOF) {
				return dst, tooLong, nil // a number or literal ends at the end of input
			}
			return dst, tooLong, unexpectedEOF(err)
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		i, done := 0, false
	scan:
		for i < len(buf) {
			if inStr {
				if esc {
					esc = false
					i++
					continue
				}
				q := bytes.IndexByte(buf[i:], '"')
				if q < 0 {
					q = len(buf) - i
				}
				if e := bytes.IndexByte(buf[i:i+q], '\\'); e >= 0 {
					i += e + 1
					esc = true
					continue
				}
				i += q
				if i == len(buf) {
					break
				}
				i++
				inStr = false
				if depth == 0 {
					done = true
					break
				}
				continue
			}
			switch buf[i] {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				if scalar && depth == 0 {
					done = true
					break scan
				}
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			case ',', ' ', '\t', '\n', '\r':
				if scalar && depth == 0 {
					done = true
					break scan
				}
			}
			i++
		}
		if !tooLong && len(dst)-start+i <= limit {
			dst = append(dst, buf[:i]...)
		} else if !tooLong {
			tooLong = true
			dst = dst[:start]
		}
		s.discard(i)
		if done {
			return dst, tooLong, nil
		}
	}
}

// items reads an object (open '{', close '}') or an array ('[', ']'),
// calling item for each member or element with the reader at its start
// (the separating comma consumed); item must read it whole.
func (s *jsonStream) items(open, close byte, item func() error) error {
	if err := s.expect(open); err != nil {
		return err
	}
	for n := 0; ; n++ {
		c, err := s.peek()
		if err != nil {
			return unexpectedEOF(err)
		}
		if c == close {
			s.discard(1)
			return nil
		}
		if n > 0 {
			if err := s.expect(','); err != nil {
				return err
			}
		}
		if err := item(); err != nil {
			return err
		}
	}
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
