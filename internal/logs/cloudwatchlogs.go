package logs

// CloudWatch Logs: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html
//
// Accepted inputs, as a sequence of JSON values (one per line, or
// concatenated/pretty-printed as Firehose and the documentation write them):
//   - the archive lines the transfer Lambda writes under archive.CWLogsPrefix:
//     {"id","timestamp","message","logGroup","logStream","owner"[,"subscriptionFilters"]};
//   - a subscription payload as CloudWatch Logs sends it:
//     {"messageType","owner","logGroup","logStream","subscriptionFilters","logEvents":[{"id","timestamp","message"}]};
//     CONTROL_MESSAGE events are skipped as "control-message";
//   - a Lambda subscription event {"awslogs":{"data":"<base64 of gzip of the payload>"}}.
//
// Each log event is one record, routed by its log group (routeLogGroup):
//   - CloudTrail groups (name contains "cloudtrail", any case, e.g.
//     aws-controltower/CloudTrailLogs, aws-cloudtrail-logs-*) → cloudtrail
//     documents, mapped like records from S3 (same _id: the eventID);
//   - VPC flow log groups (name contains "flowlog", "flow-log", "flow_log",
//     "vpcflow" or "vpc-flow", any case) → vpcflow (vpcFlowMessage);
//   - EventBridge finding groups (/aws/events/... whose name contains
//     "guardduty", "securityhub" or "finding") → guardduty or securityhub
//     (findingMessage);
//   - Linux system logs (name contains "/var/log/secure", "/var/log/messages",
//     "auth.log", "syslog" or "linux", any case) → linux (linuxMessage);
//   - anything else → a cloudwatchlogs document: message, @timestamp from
//     the event timestamp, aws.cloudwatchlogs.{id,log_group,log_stream,owner}.
//
// The CloudWatch event id is the _id (except CloudTrail, see above), and
// aws.cloudwatchlogs.* locates every routed document. The owner account is
// cloud.account.id unless the record carries its own.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// maxPayloadBytes bounds one subscription payload held in memory (decoded).
// CloudWatch Logs batches hold at most 1 MiB of events.
const maxPayloadBytes = 8 << 20

// skipControlMessage names the CONTROL_MESSAGE health checks.
const skipControlMessage = "control-message"

// cwPayload is any of the accepted JSON values (see the file comment).
type cwPayload struct {
	// Subscription payload.
	MessageType         string    `json:"messageType"`
	Owner               string    `json:"owner"`
	LogGroup            string    `json:"logGroup"`
	LogStream           string    `json:"logStream"`
	SubscriptionFilters []string  `json:"subscriptionFilters"`
	LogEvents           []cwEvent `json:"logEvents"`
	// Archive line: one event with its envelope.
	cwEvent
	// Lambda subscription event.
	AWSLogs *struct {
		Data string `json:"data"`
	} `json:"awslogs"`
}

// cwEvent is one log event.
type cwEvent struct {
	ID        string  `json:"id"`
	Timestamp *int64  `json:"timestamp"` // milliseconds since the epoch
	Message   *string `json:"message"`
}

func parseCloudWatchLogs(in *Input, out *Output) error {
	c := &cwParser{out: out}
	if firstLineIsValue(in) {
		return c.lines(in)
	}
	return c.stream(&jsonStream{r: in.Reader})
}

type cwParser struct {
	out     *Output
	buf     []byte
	scratch []byte // unquoteJSON
	ts      int64  // the timestamp archiveLine decoded
	msg     string // the message archiveLine decoded
}

// firstLineIsValue reports whether the first non-blank line of the input
// is one complete JSON value: then the input is read line by line, so a
// broken line costs only itself.
func firstLineIsValue(in *Input) bool {
	buf, _ := in.Peek(readBufferSize)
	buf = bytes.TrimLeft(buf, " \t\r\n")
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		nl = len(buf)
	}
	var st bracketState
	line := bytes.TrimSpace(buf[:nl])
	st.feed(line)
	return len(line) > 0 && st.complete() && st.sawBrackets && closesAtEnd(line)
}

// closesAtEnd reports whether the first JSON value of line ends at its end
// (not "{...}{...}").
func closesAtEnd(line []byte) bool {
	var st bracketState
	for i := range line {
		st.feed(line[i : i+1])
		if st.sawBrackets && st.complete() {
			return i == len(line)-1
		}
	}
	return false
}

// lines reads one JSON value per line.
func (c *cwParser) lines(in *Input) error {
	for {
		line, err := in.ReadLine()
		var tooLong *LineTooLongError
		switch {
		case errors.As(err, &tooLong):
			if err := c.out.Fail(tooLong.Prefix, tooLong); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := c.value(line, 0); err != nil {
			return err
		}
	}
}

// stream reads concatenated or pretty-printed JSON values.
func (c *cwParser) stream(js *jsonStream) error {
	for {
		start := js.off
		var tooLong bool
		var err error
		c.buf, tooLong, err = js.readValue(c.buf[:0], maxPayloadBytes)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if tooLong {
			err = c.out.Fail(nil, fmt.Errorf("JSON value at byte %d is over %d bytes", start, maxPayloadBytes))
		} else {
			err = c.value(c.buf, 0)
		}
		if err != nil {
			return err
		}
	}
}

// value handles one JSON value; depth counts awslogs.data unwrapping.
func (c *cwParser) value(raw []byte, depth int) error {
	var p cwPayload
	if !c.archiveLine(raw, &p) {
		if err := json.Unmarshal(raw, &p); err != nil {
			return c.out.Fail(raw, fmt.Errorf("CloudWatch Logs payload: %w", err))
		}
	}
	switch {
	case p.AWSLogs != nil:
		if depth > 0 {
			return c.out.Fail(raw, errors.New("nested awslogs payload"))
		}
		decoded, err := decodeAWSLogsData(p.AWSLogs.Data)
		if err != nil {
			return c.out.Fail(raw, err)
		}
		inner := &cwParser{out: c.out}
		js := &jsonStream{r: bufio.NewReader(bytes.NewReader(decoded))}
		for {
			v, tooLong, err := js.readValue(nil, maxPayloadBytes)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil || tooLong {
				return c.out.Fail(raw, fmt.Errorf("awslogs.data: unreadable payload (%v)", err))
			}
			if err := inner.value(v, depth+1); err != nil {
				return err
			}
		}
	case p.MessageType == "CONTROL_MESSAGE":
		for range max(1, len(p.LogEvents)) {
			c.out.Skip(skipControlMessage)
		}
		return nil
	case p.MessageType != "":
		if p.MessageType != "DATA_MESSAGE" {
			return c.out.Fail(raw, fmt.Errorf("unknown messageType %q", p.MessageType))
		}
		for i := range p.LogEvents {
			if err := c.event(&p, &p.LogEvents[i]); err != nil {
				return err
			}
		}
		return nil
	case p.LogGroup != "" && p.Message != nil:
		return c.event(&p, &p.cwEvent)
	}
	return c.out.Fail(raw, errors.New("neither a subscription payload nor an archived log event (no messageType, awslogs or logGroup+message)"))
}

// cwPayloadKeys are the keys encoding/json would match to a cwPayload field
// (it matches keys case-insensitively).
var cwPayloadKeys = []string{"messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents", "id", "timestamp", "message", "awslogs"}

// archiveLine decodes the usual archive line into p in one pass over raw
// (scanObject), as json.Unmarshal would. It reports false, leaving the
// decision to encoding/json, for anything else: invalid JSON, other payload
// shapes, a key that only matches a field case-insensitively or holds
// escapes, a null or a value of another JSON type, a timestamp that is not a
// plain integer.
func (c *cwParser) archiveLine(raw []byte, p *cwPayload) bool {
	ok := true
	var id, group, stream, owner, msg []byte
	ts := int64(noJSONInt)
	isObject, err := scanObject(raw, func(m member) {
		if !ok {
			return
		}
		key, val := raw[m.keyStart:m.keyEnd], raw[m.valStart:m.valEnd]
		str := val[0] == '"'
		switch string(key) {
		case "id":
			id, ok = val, str
		case "logGroup":
			group, ok = val, str
		case "logStream":
			stream, ok = val, str
		case "owner":
			owner, ok = val, str
		case "message":
			msg, ok = val, str
		case "timestamp":
			ts, ok = jsonInt(val)
		default:
			ok = !foldsToAny(key, cwPayloadKeys)
		}
	})
	if err != nil || !isObject || !ok {
		return false
	}
	unquote := func(tok []byte) string {
		if tok == nil {
			return ""
		}
		return unquoteJSON(tok, &c.scratch)
	}
	*p = cwPayload{LogGroup: unquote(group), LogStream: unquote(stream), Owner: unquote(owner)}
	p.ID = unquote(id)
	if ts != noJSONInt {
		c.ts = ts
		p.Timestamp = &c.ts
	}
	if msg != nil {
		c.msg = unquote(msg)
		p.Message = &c.msg
	}
	return true
}

// noJSONInt marks an absent timestamp in archiveLine.
const noJSONInt = -1 << 63

// jsonInt reads a JSON number that is a plain integer ("-"? digits) as
// encoding/json reads it into an int64; ok is false for other numbers and
// other JSON types, and for math.MinInt64 (noJSONInt).
func jsonInt(v []byte) (n int64, ok bool) {
	neg := len(v) > 0 && v[0] == '-'
	digits := v
	if neg {
		digits = v[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return noJSONInt, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return noJSONInt, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// foldsToAny reports whether key holds an escape or non-ASCII byte, or
// equals one of names ignoring ASCII case: a key encoding/json might match
// to a field.
func foldsToAny(key []byte, names []string) bool {
	for _, c := range key {
		if c == '\\' || c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if len(n) == len(key) && strings.EqualFold(n, string(key)) {
			return true
		}
	}
	return false
}

// decodeAWSLogsData undoes base64 and gzip, reading at most maxPayloadBytes.
func decodeAWSLogsData(data string) ([]byte, error) {
	z, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("awslogs.data is not base64: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("awslogs.data is not gzip: %w", err)
	}
	plain, err := io.ReadAll(io.LimitReader(zr, maxPayloadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("awslogs.data: %w", err)
	}
	if len(plain) > maxPayloadBytes {
		return nil, fmt.Errorf("awslogs.data decodes to over %d bytes", maxPayloadBytes)
	}
	return plain, nil
}

// event routes one log event of envelope p.
func (c *cwParser) event(p *cwPayload, ev *cwEvent) error {
	if ev.Message == nil {
		return c.out.Fail(nil, fmt.Errorf("log event %q of %s has no message", ev.ID, p.LogGroup))
	}
	msg := []byte(*ev.Message)
	d := c.out.Doc()
	d.ID = ev.ID
	if p.Owner != "" && isAccountID(p.Owner) {
		d.Cloud.AccountID = p.Owner
	}
	d.CloudWatch = ecs.CloudWatch{ID: ev.ID, LogGroup: p.LogGroup, LogStream: p.LogStream, Owner: p.Owner, SubscriptionFilters: p.SubscriptionFilters}
	var evTime time.Time
	if ev.Timestamp != nil {
		evTime = time.UnixMilli(*ev.Timestamp).UTC()
	}
	var err error
	switch routeLogGroup(p.LogGroup) {
	case archive.TypeCloudTrail:
		err = cloudTrailMessage(msg, d)
	case archive.TypeVPCFlow:
		d.Type = archive.TypeVPCFlow
		err = vpcFlowMessage(msg, d)
	case routeFinding:
		err = findingMessage(msg, d)
	case archive.TypeLinux:
		err = linuxMessage(msg, d, evTime)
	default:
		d.Timestamp = evTime
		d.Message = *ev.Message
	}
	if err != nil {
		return c.out.Fail(msg, fmt.Errorf("log group %s, event %s: %w", p.LogGroup, ev.ID, err))
	}
	return c.out.Emit(d)
}

// routeFinding is the route of EventBridge finding groups (the hook sets
// the type: guardduty or securityhub).
const routeFinding = "finding"

// routeLogGroup decides where the events of a log group go (see the file
// comment); "" means a generic cloudwatchlogs document.
func routeLogGroup(group string) string {
	g := strings.ToLower(group)
	switch {
	case strings.Contains(g, "cloudtrail"):
		return archive.TypeCloudTrail
	case containsAny(g, "flowlog", "flow-log", "flow_log", "vpcflow", "vpc-flow"):
		return archive.TypeVPCFlow
	case strings.HasPrefix(g, "/aws/events/") && containsAny(g, "guardduty", "securityhub", "finding"):
		return routeFinding
	case containsAny(g, "/var/log/secure", "/var/log/messages", "auth.log", "syslog", "linux"):
		return archive.TypeLinux
	}
	return ""
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// isAccountID reports a 12-digit AWS account id (the owner of a control
// message is "CloudwatchLogs").
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
