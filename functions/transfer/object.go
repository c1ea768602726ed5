package transfer

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// Line is one line of an archived object: one log event with the context of
// its delivery. Objects are gzip NDJSON, one Line per log event, in delivery
// order. This is the format the loader reads under archive.CWLogsPrefix.
type Line struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"` // milliseconds since the epoch
	Message   string `json:"message"`
	LogGroup  string `json:"logGroup"`
	LogStream string `json:"logStream"`
	Owner     string `json:"owner"`
}

// Object is a DATA_MESSAGE delivery rendered for the archive.
type Object struct {
	Key      string
	Body     []byte            // gzip NDJSON
	Metadata map[string]string // S3 user metadata (x-amz-meta-*)
	Events   int
	RawBytes int64 // NDJSON bytes before compression
}

// Metadata keys of an archived object.
const (
	MetaAccount     = "account"
	MetaRegion      = "region"
	MetaLogGroup    = "log-group"
	MetaEvents      = "event-count"
	MetaFirstTime   = "first-event-time" // RFC 3339, UTC, milliseconds
	MetaLastTime    = "last-event-time"
	MetaPolicyLevel = "policy-level" // set for account-level policy deliveries
	MetaFormat      = "format"
	// FormatNDJSON is the MetaFormat value: gzip NDJSON of Line.
	FormatNDJSON = "cwlogs-ndjson-v1"
)

// ObjectName derives the object's name from the delivery's content: a hash
// of owner, log group, log stream and every event id. A retried invocation
// of the same delivery gets the same name, so it cannot create a second
// object.
func ObjectName(d *Delivery) string {
	h := sha256.New()
	for _, s := range []string{d.Owner, d.LogGroup, d.LogStream} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for i := range d.LogEvents {
		h.Write([]byte(d.LogEvents[i].ID))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// render writes the delivery as gzip NDJSON. The key's hour is that of the
// earliest event. zw is reset onto the output buffer.
func render(d *Delivery, region string, zw *gzip.Writer) (*Object, error) {
	first, last := d.LogEvents[0].Timestamp, d.LogEvents[0].Timestamp
	for i := range d.LogEvents {
		first = min(first, d.LogEvents[i].Timestamp)
		last = max(last, d.LogEvents[i].Timestamp)
	}
	firstT, lastT := time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()

	var out bytes.Buffer
	zw.Reset(&out)
	cw := &countingWriter{w: zw}
	enc := json.NewEncoder(cw)
	enc.SetEscapeHTML(false)
	line := Line{LogGroup: d.LogGroup, LogStream: d.LogStream, Owner: d.Owner}
	for i := range d.LogEvents {
		ev := &d.LogEvents[i]
		line.ID, line.Timestamp, line.Message = ev.ID, ev.Timestamp, ev.Message
		if err := enc.Encode(&line); err != nil {
			return nil, fmt.Errorf("encode log event %d of %d: %w", i+1, len(d.LogEvents), err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	meta := map[string]string{
		MetaAccount:   d.Owner,
		MetaRegion:    region,
		MetaLogGroup:  asciiMeta(d.LogGroup),
		MetaEvents:    strconv.Itoa(len(d.LogEvents)),
		MetaFirstTime: firstT.Format(metaTime),
		MetaLastTime:  lastT.Format(metaTime),
		MetaFormat:    FormatNDJSON,
	}
	if d.PolicyLevel != "" {
		meta[MetaPolicyLevel] = asciiMeta(d.PolicyLevel)
	}
	return &Object{
		Key:      archive.CWLogsKey(d.Owner, region, d.LogGroup, firstT, ObjectName(d)),
		Body:     out.Bytes(),
		Metadata: meta,
		Events:   len(d.LogEvents),
		RawBytes: cw.n,
	}, nil
}

const metaTime = "2006-01-02T15:04:05.000Z07:00"

// asciiMeta keeps S3 metadata values printable ASCII (HTTP header values).
// Log group names always are; anything else is quoted with \u escapes.
func asciiMeta(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
