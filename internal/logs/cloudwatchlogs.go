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
// Each log event is one record, routed by its log group's exact name
// (routeLogGroup), never by a substring: a member account names its log
// groups freely, and a group routed to cloudtrail lands in
// log-aws-cloudtrail-*. The routes, first match wins:
//   - Sources.Routes: exact names the operator configured (VPC flow log
//     groups, whose names AWS leaves to the user; EventBridge finding
//     groups /aws/events/<name>, also user-named; anything else);
//   - CloudTrail's CloudWatch Logs delivery (cloudtrail, cloudTrailMessage):
//     aws-controltower/CloudTrailLogs, the group of AWS Control Tower's
//     trail (the managed policy AWSControlTowerCloudTrailRolePolicy allows
//     CloudTrail to write only there); CloudTrail/logs, the name the
//     CloudTrail guide recommends
//     (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-log-group-log-stream-naming-for-cloudtrail.html);
//     aws-cloudtrail-logs-<12-digit account>-<8 hex digits>, the name the
//     CloudTrail console proposes for a new group;
//   - Route 53 public DNS query logs: /aws/route53/<hosted zone name>, the
//     group Route 53 itself creates
//     (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logs.html)
//     → route53resolver (publicDNSMessage);
//   - Linux system logs: /var/log/secure and /var/log/messages, the file
//     path as the CloudWatch agent's log_group_name → linux (linuxMessage);
//   - Amazon EKS control-plane logs: /aws/eks/<cluster>/cluster, the group
//     EKS itself creates for each cluster
//     (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html);
//     the events of its audit streams kube-apiserver-audit-<id> → eksaudit
//     (eksAuditMessage), those of its other streams (API server,
//     authenticator, controller manager, scheduler diagnostics) stay
//     generic documents;
//   - Amazon RDS and Aurora logs: /aws/rds/instance/<instance>/<log> and
//     /aws/rds/cluster/<cluster>/<log>, the groups RDS creates
//     (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html),
//     for the logs audit, error and postgresql → rds (rdsMessage); their
//     other logs (general, slowquery, upgrade ...) stay generic;
//   - anything else → a cloudwatchlogs document: message, @timestamp from
//     the event timestamp, aws.cloudwatchlogs.{id,log_group,log_stream,owner}.
//
// The _id of every document is namespaced by its source (cwSourceID:
// "cwl-<key account>-<log group hash>-<id>", the id being the CloudTrail
// eventID of routed CloudTrail records, else the CloudWatch event id): a
// record that also arrives through the organization trail in S3 is indexed
// twice, once per source, and no line written under one account's
// CWLogs/<account>/ prefix can take the _id of another source's document.
// aws.cloudwatchlogs.* locates every routed document. The owner and any
// account the record carries are claims; cloud.account.id is decided by
// trust.go from the archive key's account.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
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

// The messageType of subscription payloads.
const (
	dataMessage    = "DATA_MESSAGE"
	controlMessage = "CONTROL_MESSAGE"
)

// cwPayload is any of the accepted JSON values (see the file comment) as
// encoding/json decodes it: the fallback of cwParser.decode, and the
// reference its tests compare it with.
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

// cwValue is one accepted JSON value, decoded by cwParser.decode or taken
// from a cwPayload (set).
type cwValue struct {
	messageType string
	awslogs     bool   // an awslogs member: a Lambda subscription event
	data        []byte // awslogs.data
	env         cwEnvelope
	events      []cwLogEvent // logEvents
	top         cwLogEvent   // the event of an archive line
}

// cwEnvelope is what the log events of one value share.
type cwEnvelope struct {
	owner, group, stream string
	filters              []string
	route                string // routeLogGroup(group)
}

// cwLogEvent is one log event. Its message may point into the decoded
// value or into a cwParser buffer: it is valid until the next value.
type cwLogEvent struct {
	id     string
	ts     int64 // milliseconds since the epoch, when hasTS
	hasTS  bool
	msg    []byte
	hasMsg bool
}

// set fills v from p.
func (v *cwValue) set(p *cwPayload, src *Sources) {
	*v = cwValue{
		messageType: p.MessageType,
		awslogs:     p.AWSLogs != nil,
		env: cwEnvelope{owner: p.Owner, group: p.LogGroup, stream: p.LogStream,
			filters: p.SubscriptionFilters},
		events: make([]cwLogEvent, len(p.LogEvents)),
		top:    logEventOf(&p.cwEvent),
	}
	v.env.route = routeLogGroup(src, p.LogGroup)
	if p.AWSLogs != nil {
		v.data = []byte(p.AWSLogs.Data)
	}
	for i := range p.LogEvents {
		v.events[i] = logEventOf(&p.LogEvents[i])
	}
}

func logEventOf(e *cwEvent) cwLogEvent {
	ev := cwLogEvent{id: e.ID}
	if e.Timestamp != nil {
		ev.ts, ev.hasTS = *e.Timestamp, true
	}
	if e.Message != nil {
		ev.msg, ev.hasMsg = []byte(*e.Message), true
	}
	return ev
}

func parseCloudWatchLogs(in *Input, out *Output) error {
	c := &cwParser{out: out, src: in.Object.Sources}
	if firstLineIsValue(in) {
		return c.lines(in)
	}
	return c.stream(&jsonStream{r: in.Reader})
}

// cwParser keeps its buffers from value to value, so that a log event
// allocates only its id (and the message string of a generic document).
type cwParser struct {
	out     *Output
	src     *Sources           // extra routes (Object.Sources)
	buf     []byte             // stream: the current JSON value
	val     cwValue            // the current value, decoded
	msgs    []byte             // the messages of val that needed decoding
	scratch []byte             // other strings that need decoding
	strs    map[string]string  // interned owners, streams, filter names
	groups  map[string]cwGroup // interned log groups with their route

	// Lambda subscription events: awslogs.data through base64 and gzip.
	dataBuf []byte // awslogs.data, when it needs decoding
	zdata   []byte // after base64
	zsrc    bytes.Reader
	zr      *gzip.Reader
	limit   io.LimitedReader
	plain   bytes.Buffer // after gzip
	plainRd bytes.Reader
	plainBr *bufio.Reader
	inner   *cwParser // decodes the values of the payload

	idGroup, idPrefix string // the cwSourceID prefix of the last group seen
}

// cwGroup is an interned log group name and its route.
type cwGroup struct{ name, route string }

// maxInterned bounds each intern table of a cwParser (a full table starts
// over), maxInternedLen the strings it keeps, so that its memory stays
// small: an object rarely holds more than a few log groups and streams,
// and their names are at most 512 characters.
const (
	maxInterned    = 256
	maxInternedLen = 512
)

// firstLineIsValue reports whether the input is read line by line, so a
// broken line costs only itself: unless its first non-blank line opens a
// pretty-printed value (a line holding only "{" or "["), or holds several
// concatenated values ("{...}{...}", as Firehose writes them), which are
// read as a stream of JSON values. A first line that is itself broken
// (truncated, unbalanced) is one bad line of a JSON-lines object: the next
// line is read as a new record.
func firstLineIsValue(in *Input) bool {
	buf, _ := in.Peek(readBufferSize)
	buf = bytes.TrimLeft(buf, " \t\r\n")
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		nl = len(buf)
	}
	line := bytes.TrimSpace(buf[:nl])
	switch string(line) {
	case "", "{", "[":
		return false
	}
	return !concatenated(line)
}

// concatenated reports whether line holds a complete JSON value directly
// followed by the start of another object or array.
func concatenated(line []byte) bool {
	var st bracketState
	for i := range line {
		st.feed(line[i : i+1])
		if st.sawBrackets && st.complete() {
			rest := bytes.TrimLeft(line[i+1:], " \t")
			return len(rest) > 0 && (rest[0] == '{' || rest[0] == '[')
		}
	}
	return false
}

// lines reads one JSON value per line.
func (c *cwParser) lines(in *Input) error {
	for {
		line, err := in.ReadLine()
		if err != nil {
			// Declared here: errors.As moves tooLong to the heap, which
			// would cost every line an allocation.
			var tooLong *LineTooLongError
			switch {
			case errors.As(err, &tooLong):
				if err := c.out.Fail(tooLong.Prefix, tooLong); err != nil {
					return err
				}
				continue
			case errors.Is(err, io.EOF):
				return nil
			}
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

// value handles one JSON value; depth counts awslogs.data unwrapping. The
// messages of the events may point into raw.
func (c *cwParser) value(raw []byte, depth int) error {
	if !c.decode(raw) {
		var p cwPayload
		if err := json.Unmarshal(raw, &p); err != nil {
			return c.out.Fail(raw, fmt.Errorf("CloudWatch Logs payload: %w", err))
		}
		c.val.set(&p, c.src)
	}
	return c.decoded(raw, depth)
}

// decoded handles the value raw once decoded into c.val.
func (c *cwParser) decoded(raw []byte, depth int) error {
	v := &c.val
	switch {
	case v.awslogs:
		if depth > 0 {
			return c.out.Fail(raw, errors.New("nested awslogs payload"))
		}
		return c.awslogsPayload(raw, v.data)
	case v.messageType == controlMessage:
		for range max(1, len(v.events)) {
			c.out.Skip(skipControlMessage)
		}
		return nil
	case v.messageType != "":
		if v.messageType != dataMessage {
			return c.out.Fail(raw, fmt.Errorf("unknown messageType %q", v.messageType))
		}
		for i := range v.events {
			if err := c.event(&v.env, &v.events[i]); err != nil {
				return err
			}
		}
		return nil
	case v.env.group != "" && v.top.hasMsg:
		return c.event(&v.env, &v.top)
	}
	return c.out.Fail(raw, errors.New("neither a subscription payload nor an archived log event (no messageType, awslogs or logGroup+message)"))
}

// The keys encoding/json would match to a field (it matches keys
// case-insensitively): of cwPayload, of cwEvent, of cwPayload.AWSLogs.
var (
	cwPayloadKeys = []string{"messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents", "id", "timestamp", "message", "awslogs"}
	cwEventKeys   = []string{"id", "timestamp", "message"}
	awslogsKeys   = []string{"data"}
)

// decode decodes raw into c.val as encoding/json would decode it into a
// cwPayload (then cwValue.set), validating and decoding in one pass. It
// reports false, leaving the decision to encoding/json, for anything else:
// invalid JSON, a value that is not an object, a key that only matches a
// field case-insensitively or holds escapes, a null or a value of another
// JSON type than the field's, a timestamp that is not a plain integer, a
// second logEvents, subscriptionFilters or awslogs member (encoding/json
// merges those).
func (c *cwParser) decode(raw []byte) bool {
	v := &c.val
	*v = cwValue{events: v.events[:0]}
	c.msgs = c.msgs[:0]
	s := &recordScanner{b: raw}
	s.space()
	if s.i >= len(raw) || raw[s.i] != '{' {
		return false
	}
	var filters, events bool
	ok := scanMembers(s, func(key []byte) bool {
		switch string(key) {
		case "messageType":
			t, ok := c.str(s)
			switch string(t) {
			case dataMessage:
				v.messageType = dataMessage
			case controlMessage:
				v.messageType = controlMessage
			default:
				v.messageType = string(t)
			}
			return ok
		case "owner":
			t, ok := c.str(s)
			v.env.owner = c.intern(t)
			return ok
		case "logStream":
			t, ok := c.str(s)
			v.env.stream = c.intern(t)
			return ok
		case "logGroup":
			t, ok := c.str(s)
			g := c.internGroup(t)
			v.env.group, v.env.route = g.name, g.route
			return ok
		case "subscriptionFilters":
			ok := !filters && c.filters(s)
			filters = true
			return ok
		case "logEvents":
			ok := !events && c.logEvents(s)
			events = true
			return ok
		case "awslogs":
			ok := !v.awslogs && c.awslogs(s)
			v.awslogs = true
			return ok
		}
		return c.eventMember(s, key, &v.top, cwPayloadKeys)
	})
	if !ok {
		return false
	}
	s.space()
	return s.i == len(raw)
}

// str scans the string value at s.i into c.scratch (see scanJSONString);
// the result is valid until the next call.
func (c *cwParser) str(s *recordScanner) ([]byte, bool) {
	if s.b[s.i] != '"' {
		return nil, false
	}
	t, buf, ok := scanJSONString(s, c.scratch[:0])
	c.scratch = buf
	return t, ok
}

// eventMember scans the value of the member key of a log event object
// into ev, as decode does. A key that is not a field of cwEvent is
// ignored unless encoding/json might match it to one of fields.
func (c *cwParser) eventMember(s *recordScanner, key []byte, ev *cwLogEvent, fields []string) bool {
	switch string(key) {
	case "id":
		t, ok := c.str(s)
		ev.id = string(t)
		return ok
	case "timestamp":
		start := s.i
		if s.value(1) != nil {
			return false
		}
		ev.ts, ev.hasTS = jsonInt(s.b[start:s.i])
		return ev.hasTS
	case "message":
		if s.b[s.i] != '"' {
			return false
		}
		// All the messages of a payload are decoded before the first is
		// routed: they share msgs. A message decoded before msgs grew
		// keeps pointing into the old array, which nothing writes anymore.
		msg, msgs, ok := scanJSONString(s, c.msgs)
		c.msgs, ev.msg, ev.hasMsg = msgs, msg, true
		return ok
	}
	return !foldsToAny(key, fields) && s.value(1) == nil
}

// logEvents scans the logEvents array at s.i into c.val.events.
func (c *cwParser) logEvents(s *recordScanner) bool {
	if s.b[s.i] != '[' {
		return false
	}
	return scanElements(s, func() bool {
		if s.b[s.i] != '{' {
			return false
		}
		var ev cwLogEvent
		ok := scanMembers(s, func(key []byte) bool {
			return c.eventMember(s, key, &ev, cwEventKeys)
		})
		c.val.events = append(c.val.events, ev)
		return ok
	})
}

// filters scans the subscriptionFilters array at s.i.
func (c *cwParser) filters(s *recordScanner) bool {
	if s.b[s.i] != '[' {
		return false
	}
	names := []string{}
	ok := scanElements(s, func() bool {
		t, ok := c.str(s)
		names = append(names, c.intern(t))
		return ok
	})
	c.val.env.filters = names
	return ok
}

// awslogs scans the awslogs object at s.i.
func (c *cwParser) awslogs(s *recordScanner) bool {
	if s.b[s.i] != '{' {
		return false
	}
	return scanMembers(s, func(key []byte) bool {
		if string(key) != "data" {
			return !foldsToAny(key, awslogsKeys) && s.value(2) == nil
		}
		if s.b[s.i] != '"' {
			return false
		}
		data, buf, ok := scanJSONString(s, c.dataBuf[:0])
		c.dataBuf, c.val.data = buf, data
		return ok
	})
}

// scanMembers scans the JSON object at s.i, calling member with each key
// and s at the first byte of the value, which member must scan. A key with
// escapes stops the scan (decode leaves those to encoding/json). It
// reports false for invalid JSON and when member does.
func scanMembers(s *recordScanner, member func(key []byte) bool) bool {
	return s.items(0, '}', func(keyStart, keyEnd int, escaped bool) error {
		if escaped || s.i >= len(s.b) || !member(s.b[keyStart:keyEnd]) {
			return errLeftToEncodingJSON
		}
		return nil
	}) == nil
}

// scanElements scans the JSON array at s.i, calling element with s at the
// first byte of each element, which element must scan. It reports false
// for invalid JSON and when element does.
func scanElements(s *recordScanner, element func() bool) bool {
	return s.items(0, ']', func(int, int, bool) error {
		if s.i >= len(s.b) || !element() {
			return errLeftToEncodingJSON
		}
		return nil
	}) == nil
}

// errLeftToEncodingJSON stops a scan of decode: encoding/json decides.
var errLeftToEncodingJSON = errors.New("left to encoding/json")

// intern returns b as a string, the same string for the same content:
// owners, streams and filter names repeat from event to event.
func (c *cwParser) intern(b []byte) string {
	if len(b) > maxInternedLen {
		return string(b)
	}
	if s, ok := c.strs[string(b)]; ok {
		return s
	}
	if c.strs == nil || len(c.strs) >= maxInterned {
		c.strs = make(map[string]string)
	}
	s := string(b)
	c.strs[s] = s
	return s
}

// internGroup is intern for log group names, which also remembers the
// route of each.
func (c *cwParser) internGroup(b []byte) cwGroup {
	if len(b) > maxInternedLen {
		name := string(b)
		return cwGroup{name: name, route: routeLogGroup(c.src, name)}
	}
	if g, ok := c.groups[string(b)]; ok {
		return g
	}
	if c.groups == nil || len(c.groups) >= maxInterned {
		c.groups = make(map[string]cwGroup)
	}
	g := cwGroup{name: string(b)}
	g.route = routeLogGroup(c.src, g.name)
	c.groups[g.name] = g
	return g
}

// jsonInt reads a JSON number that is a plain integer ("-"? digits) as
// encoding/json reads it into an int64; ok is false for other numbers and
// other JSON types.
func jsonInt(v []byte) (n int64, ok bool) {
	neg := len(v) > 0 && v[0] == '-'
	digits := v
	if neg {
		digits = v[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
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

// awslogsPayload reads the subscription payload of a Lambda event (raw),
// base64 of gzip of JSON values in data.
func (c *cwParser) awslogsPayload(raw, data []byte) error {
	plain, err := c.decodeAWSLogsData(data)
	if err != nil {
		return c.out.Fail(raw, err)
	}
	if c.inner == nil {
		c.inner = &cwParser{out: c.out, src: c.src}
		c.plainBr = bufio.NewReader(&c.plainRd)
	}
	in := c.inner
	// The usual payload is one JSON object: decode it in place. A payload
	// decode takes is exactly one value, which the stream would yield.
	if p := bytes.Trim(plain, " \t\r\n"); in.decode(p) {
		return in.decoded(p, 1)
	}
	c.plainRd.Reset(plain)
	c.plainBr.Reset(&c.plainRd)
	js := jsonStream{r: c.plainBr}
	for {
		var tooLong bool
		in.buf, tooLong, err = js.readValue(in.buf[:0], maxPayloadBytes)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil || tooLong {
			return c.out.Fail(raw, fmt.Errorf("awslogs.data: unreadable payload (%v)", err))
		}
		if err := in.value(in.buf, 1); err != nil {
			return err
		}
	}
}

// decodeAWSLogsData undoes base64 and gzip, reading at most
// maxPayloadBytes. The result is valid until the next call.
func (c *cwParser) decodeAWSLogsData(data []byte) ([]byte, error) {
	c.zdata = slices.Grow(c.zdata[:0], base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(c.zdata[:cap(c.zdata)], data)
	if err != nil {
		return nil, fmt.Errorf("awslogs.data is not base64: %w", err)
	}
	c.zsrc.Reset(c.zdata[:n])
	if c.zr == nil {
		c.zr, err = gzip.NewReader(&c.zsrc)
	} else {
		err = c.zr.Reset(&c.zsrc)
	}
	if err != nil {
		return nil, fmt.Errorf("awslogs.data is not gzip: %w", err)
	}
	c.limit = io.LimitedReader{R: c.zr, N: maxPayloadBytes + 1}
	c.plain.Reset()
	if _, err := c.plain.ReadFrom(&c.limit); err != nil {
		return nil, fmt.Errorf("awslogs.data: %w", err)
	}
	if c.plain.Len() > maxPayloadBytes {
		return nil, fmt.Errorf("awslogs.data decodes to over %d bytes", maxPayloadBytes)
	}
	return c.plain.Bytes(), nil
}

// event routes one log event of envelope env.
func (c *cwParser) event(env *cwEnvelope, ev *cwLogEvent) error {
	if !ev.hasMsg {
		return c.out.Fail(nil, fmt.Errorf("log event %q of %s has no message", ev.id, env.group))
	}
	// The routed parsers copy what they keep of msg (the document lives
	// until Emit returns), so msg may point into the value or msgs.
	msg := ev.msg
	d := c.out.Doc()
	d.ID = ev.id
	if env.owner != "" && isAccountID(env.owner) {
		d.Cloud.AccountID = env.owner
	}
	d.CloudWatch = ecs.CloudWatch{ID: ev.id, LogGroup: env.group, LogStream: env.stream, Owner: env.owner, SubscriptionFilters: env.filters}
	var evTime time.Time
	if ev.hasTS {
		evTime = time.UnixMilli(ev.ts).UTC()
	}
	var err error
	switch env.route {
	case archive.TypeCloudTrail:
		err = cloudTrailMessage(msg, d)
	case archive.TypeVPCFlow:
		d.Type = archive.TypeVPCFlow
		err = vpcFlowMessage(msg, d)
	case RouteFinding:
		err = findingMessage(msg, d)
	case routePublicDNS:
		err = publicDNSMessage(msg, d)
	case archive.TypeLinux:
		err = linuxMessage(msg, d, evTime)
	case archive.TypeWindows:
		err = windowsMessage(msg, d, evTime)
	case archive.TypeRDS:
		err = rdsMessage(msg, d, env.group)
	case routeEKSControlPlane:
		if cluster, ok := eksClusterOf(env.group); ok && strings.HasPrefix(env.stream, eksAuditStreamPrefix) {
			err = eksAuditMessage(msg, d, cluster)
			break
		}
		d.Timestamp = evTime
		d.Message = string(msg)
	default:
		d.Timestamp = evTime
		d.Message = string(msg)
	}
	if err != nil {
		return c.out.Fail(msg, fmt.Errorf("log group %s, event %s: %w", env.group, ev.id, err))
	}
	if d.ID != "" {
		d.ID = c.sourceID(env, d.ID)
	}
	return c.out.Emit(d)
}

// sourceID is cwSourceID for the events of env, with the account of the
// archive key (else a valid owner, for raw payloads under a typed prefix)
// and the group hash computed once per group.
func (c *cwParser) sourceID(env *cwEnvelope, id string) string {
	if c.idGroup != env.group || c.idPrefix == "" {
		account := c.out.obj.Account
		if account == "" && isAccountID(env.owner) {
			account = env.owner
		}
		p := cwSourceID(account, env.group, "")
		c.idGroup, c.idPrefix = env.group, p
	}
	return c.idPrefix + id
}

// RouteFinding is the route of EventBridge finding groups (the message
// says which: guardduty, securityhub, or an AWS Config change), for
// Sources.Routes.
const RouteFinding = "finding"

// routePublicDNS is the route of Route 53 public DNS query log groups.
const routePublicDNS = "route53-public-dns"

// routeEKSControlPlane is the route of EKS control-plane log groups: the
// audit streams are eksaudit documents, the others generic.
const routeEKSControlPlane = "eks-control-plane"

// routeLogGroup decides where the events of a log group go (see the file
// comment); "" means a generic cloudwatchlogs document.
func routeLogGroup(src *Sources, group string) string {
	if r := src.route(group); r != "" {
		return r
	}
	switch group {
	case ControlTowerTrailLogGroup, "CloudTrail/logs":
		return archive.TypeCloudTrail
	case "/var/log/secure", "/var/log/messages":
		return archive.TypeLinux
	}
	if consoleTrailGroup(group) {
		return archive.TypeCloudTrail
	}
	if _, ok := eksClusterOf(group); ok {
		return routeEKSControlPlane
	}
	if _, _, _, ok := rdsLogOf(group); ok {
		return archive.TypeRDS
	}
	if zone, ok := strings.CutPrefix(group, "/aws/route53/"); ok && zone != "" && !strings.Contains(zone, "/") {
		return routePublicDNS
	}
	return ""
}

// consoleTrailGroup reports a name of the form the CloudTrail console
// proposes: aws-cloudtrail-logs-<12-digit account>-<8 lowercase hex>.
func consoleTrailGroup(g string) bool {
	rest, ok := strings.CutPrefix(g, "aws-cloudtrail-logs-")
	if !ok || len(rest) != 12+1+8 || rest[12] != '-' || !isAccountID(rest[:12]) {
		return false
	}
	for _, c := range []byte(rest[13:]) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
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
