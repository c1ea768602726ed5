package logs

// Amazon VPC Flow Logs and Transit Gateway Flow Logs.
//
// Format: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
// (fields and versions: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html#flow-logs-fields),
// Transit Gateway: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html.
//
// Records are space-separated; "-" marks a value that is not applicable.
// Files delivered to S3 start with a header line naming the fields of the
// flow log's (default or custom) format, e.g. "version account-id
// interface-id ...": the header drives the columns and is reported as a
// skipped record with reason "header". Without a header (CloudWatch Logs
// delivery, hand-made samples) the layout is chosen by the number of fields
// among the formats AWS defines by field order:
//
//	14 the default format (all version 2 fields, in table order)
//	21, 25, 29 all fields up to version 3, 4 and 5, in table order
//	39, 40 the same plus the version 7 ECS fields, plus version 8 reject-reason
//	36 the Transit Gateway flow log default format
//
// Any other count without a header is an error document.
//
// aws.vpcflow keeps every field under its documented name in snake_case
// ("account-id" → account_id, "pkt-src-aws-service" → pkt_src_aws_service),
// as the logged string; absent values are left out. ECS: event.start and
// event.end are the aggregation window (`start`, `end`); @timestamp is
// `start` (`end` when there is no start) — the first packet of the window,
// so a flow sorts and buckets with the events that caused it, and a window
// that spans midnight of the last day of a month lands in the month it
// began; source/destination ip and port,
// network.transport from the IANA protocol number, network.bytes/packets,
// event.action allowed/denied and event.outcome success/failure from
// `action` (Elastic's convention for REJECT is failure), cloud.account.id
// (account-id, the interface owner, only when the key names no account),
// cloud.region (v4 region), cloud.instance.id, network.direction (v5
// flow-direction). NODATA and SKIPDATA records are indexed: they say that
// the interface had no traffic or that records were lost.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// vpcField identifies the flow log fields the ECS mapping reads; every other
// field only goes to aws.vpcflow.
type vpcField uint8

const (
	vfOther vpcField = iota
	vfAccountID
	vfSrcAddr
	vfDstAddr
	vfSrcPort
	vfDstPort
	vfProtocol
	vfPackets
	vfBytes
	vfStart
	vfEnd
	vfAction
	vfInstanceID
	vfType
	vfPktSrcAddr
	vfPktDstAddr
	vfRegion
	vfFlowDirection
)

// vpcFieldIDs maps the documented field names that the ECS mapping reads.
var vpcFieldIDs = map[string]vpcField{
	"account-id": vfAccountID, "srcaddr": vfSrcAddr, "dstaddr": vfDstAddr,
	"srcport": vfSrcPort, "dstport": vfDstPort, "protocol": vfProtocol,
	"packets": vfPackets, "bytes": vfBytes, "start": vfStart, "end": vfEnd,
	"action": vfAction, "instance-id": vfInstanceID, "type": vfType,
	"pkt-srcaddr": vfPktSrcAddr, "pkt-dstaddr": vfPktDstAddr,
	"region": vfRegion, "flow-direction": vfFlowDirection,
}

// vpcAllFields lists every documented VPC flow log field in the order of
// the documentation's table (version 2 to 8).
var vpcAllFields = strings.Fields(`version account-id interface-id srcaddr dstaddr srcport dstport protocol
	packets bytes start end action log-status
	vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr
	region az-id sublocation-type sublocation-id
	pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path
	ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id
	ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn
	ecs-task-arn ecs-task-id
	reject-reason`)

// tgwDefaultFields is the Transit Gateway flow log default format.
var tgwDefaultFields = strings.Fields(`version resource-type account-id tgw-id tgw-attachment-id
	tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id
	tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id
	tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end
	log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded
	packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service`)

// vpcKnownNames holds every documented field name (VPC and Transit
// Gateway); a first line made of field names with at least one of these is
// a header.
var vpcKnownNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range vpcAllFields {
		m[n] = true
	}
	for _, n := range tgwDefaultFields {
		m[n] = true
	}
	return m
}()

// vpcColumn is one column of a layout.
type vpcColumn struct {
	key    string // aws.vpcflow key
	member string // memberKey(key)
	id     vpcField
}

type vpcLayout []vpcColumn

func newVPCLayout(names []string) vpcLayout {
	l := make(vpcLayout, len(names))
	keys := headerKeys(names)
	seen := map[vpcField]bool{}
	for i, n := range names {
		id := vpcFieldIDs[n]
		if seen[id] {
			id = vfOther // a repeated field is kept, but mapped once
		}
		seen[id] = id != vfOther
		l[i] = vpcColumn{key: keys[i], member: memberKey(keys[i]), id: id}
	}
	return l
}

// vpcDefaultLayouts are the header-less layouts, by field count.
var vpcDefaultLayouts = map[int]vpcLayout{
	14: newVPCLayout(vpcAllFields[:14]),
	21: newVPCLayout(vpcAllFields[:21]),
	25: newVPCLayout(vpcAllFields[:25]),
	29: newVPCLayout(vpcAllFields[:29]),
	39: newVPCLayout(vpcAllFields[:39]),
	40: newVPCLayout(vpcAllFields[:40]),
	36: newVPCLayout(tgwDefaultFields),
}

// isVPCHeader reports whether fields name flow log fields: each looks like
// a field name ([a-z][a-z0-9-]*) and at least one is a documented name.
func isVPCHeader(fields []string) bool {
	known := false
	for _, f := range fields {
		if f == "" || f[0] < 'a' || f[0] > 'z' {
			return false
		}
		for i := 1; i < len(f); i++ {
			c := f[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
		known = known || vpcKnownNames[f]
	}
	return known
}

// splitBlank splits s at runs of spaces and tabs, appending to dst.
func splitBlank(s string, dst []string) []string {
	for i := skipBlank(s, 0); i < len(s); i = skipBlank(s, i) {
		end := nextBlank(s, i+1)
		dst = append(dst, s[i:end])
		i = end
	}
	return dst
}

// skipBlank returns the index of the first byte at or after i in s that is
// not a space or tab, or len(s).
func skipBlank(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// countBlankFields is len(splitBlank(s, nil)).
func countBlankFields(s string) int {
	n := 0
	for i := skipBlank(s, 0); i < len(s); i = skipBlank(s, i) {
		i = nextBlank(s, i+1)
		n++
	}
	return n
}

// vpcParser holds the per-object state and scratch space.
type vpcParser struct {
	layout  vpcLayout // from the header; nil until one is seen
	fields  []string  // of a line that may be a header
	obj     textObject
	related [4]string
}

func parseVPCFlow(in *Input, out *Output) error {
	p := &vpcParser{}
	return scanLines(in, out, func(line []byte, lineNo int64) error {
		s := string(line)
		// A header starts with a field name; a record rarely does.
		if c := s[skipBlank(s, 0)]; c >= 'a' && c <= 'z' {
			if p.fields = splitBlank(s, p.fields[:0]); isVPCHeader(p.fields) {
				p.layout = newVPCLayout(p.fields)
				out.Skip("header")
				return nil
			}
		}
		d := out.Doc()
		err := p.record(d, s, p.layout)
		if err == nil && d.Timestamp.IsZero() {
			err = errors.New("the record has neither start nor end: no time to index it by")
		}
		if err != nil {
			return out.Fail(line, fmt.Errorf("line %d: %w", lineNo, err))
		}
		return out.Emit(d)
	})
}

// vpcFlowMessage maps one flow log record delivered through CloudWatch Logs
// (no header: the layout is chosen by field count, see the file comment)
// onto d, including d.AWS.
func vpcFlowMessage(msg []byte, d *ecs.Document) error {
	var p vpcParser
	return p.record(d, strings.TrimSpace(string(msg)), nil)
}

// record maps the fields of line (split at runs of spaces and tabs) onto d
// with layout, or the header-less layout for the field count when layout
// is nil. d.AWS points into p's buffer. It splits the line as it maps it,
// so a field error is only reported once the count has proved right.
func (p *vpcParser) record(d *ecs.Document, line string, layout vpcLayout) error {
	if layout == nil {
		n := countBlankFields(line)
		if layout = vpcDefaultLayouts[n]; layout == nil {
			return fmt.Errorf("no header line and %d fields match no default flow log format (14, 21, 25, 29, 36, 39 or 40 fields)", n)
		}
	}
	d.Event.Category = categoryNetwork
	d.Event.Type = typeConnection
	var start, end int64
	ips := p.related[:0]
	var err error
	// A local copy of the object: its appends need no write barriers. The
	// fields never hold a tab (tabs separate them); the buffer grows once
	// to what a record usually needs.
	o := p.obj
	o.resetLine(line, true)
	o.buf = slices.Grow(o.buf, len(line)+24*len(layout))
	pos := 0 // in line
	for c := range layout {
		col := &layout[c]
		if pos = skipBlank(line, pos); pos == len(line) {
			return vpcCountError(c, layout)
		}
		v := line[pos:nextBlank(line, pos+1)]
		pos += len(v)
		if v == "-" {
			continue
		}
		o.member(col.member, v)
		switch col.id {
		case vfOther: // aws.vpcflow only
		case vfAccountID:
			// The owner of the source interface, which in a shared VPC is
			// not the account the flow log belongs to: it stands in for
			// cloud.account.id only when the key names no account.
			if d.Cloud.AccountID == "" {
				d.Cloud.AccountID = v
			}
		case vfInstanceID:
			d.Cloud.InstanceID = v
		case vfRegion:
			d.Cloud.Region = v
		case vfSrcAddr:
			ips = appendRelated(ips, setEndpoint(&d.Source, v))
		case vfDstAddr:
			ips = appendRelated(ips, setEndpoint(&d.Destination, v))
		case vfPktSrcAddr, vfPktDstAddr:
			var e ecs.Endpoint
			ips = appendRelated(ips, setEndpoint(&e, v))
		case vfSrcPort:
			d.Source.Port, err = vpcInt(col.key, v)
		case vfDstPort:
			d.Destination.Port, err = vpcInt(col.key, v)
		case vfProtocol:
			var n int64
			if n, err = vpcInt(col.key, v); err == nil {
				d.Network.IANANumber = v
				d.Network.Transport = ianaProtocol(n)
			}
		case vfPackets:
			d.Network.Packets, err = vpcInt(col.key, v)
			d.Source.Packets = d.Network.Packets
		case vfBytes:
			d.Network.Bytes, err = vpcInt(col.key, v)
			d.Source.Bytes = d.Network.Bytes
		case vfStart:
			start, err = vpcTime(col.key, v)
		case vfEnd:
			end, err = vpcTime(col.key, v)
		case vfAction:
			switch v {
			case "ACCEPT":
				d.Event.Action, d.Event.Outcome, d.Event.Type = "allowed", "success", typeConnectionAllowed
			case "REJECT":
				d.Event.Action, d.Event.Outcome, d.Event.Type = "denied", "failure", typeConnectionDenied
			}
		case vfType:
			switch v {
			case "IPv4":
				d.Network.Type = "ipv4"
			case "IPv6":
				d.Network.Type = "ipv6"
			}
		case vfFlowDirection:
			d.Network.Direction = v
		}
		if err != nil {
			if n := c + 1 + countBlankFields(line[pos:]); n != len(layout) {
				return vpcCountError(n, layout)
			}
			return err
		}
	}
	if n := countBlankFields(line[pos:]); n > 0 {
		return vpcCountError(len(layout)+n, layout)
	}
	if len(ips) > 0 {
		d.Related.IP = ips
	}
	if d.Network.Type == "" && d.Source.IP != "" {
		if strings.IndexByte(d.Source.IP, ':') >= 0 {
			d.Network.Type = "ipv6"
		} else {
			d.Network.Type = "ipv4"
		}
	}
	if start > 0 {
		d.Event.Start = time.Unix(start, 0).UTC()
	}
	if end > 0 {
		d.Event.End = time.Unix(end, 0).UTC()
	}
	switch {
	case start > 0:
		d.Timestamp = d.Event.Start
	case end > 0:
		d.Timestamp = d.Event.End
	}
	d.AWS = o.bytes()
	p.obj = o
	return nil
}

// vpcCountError reports a record of n fields that layout does not fit.
func vpcCountError(n int, layout vpcLayout) error {
	return fmt.Errorf("%d fields, the header names %d", n, len(layout))
}

// appendRelated appends ip to ips unless it is empty or already there.
func appendRelated(ips []string, ip string) []string {
	if ip == "" {
		return ips
	}
	for _, x := range ips {
		if x == ip {
			return ips
		}
	}
	return append(ips, ip)
}

func vpcInt(key, v string) (int64, error) {
	n, ok := parseDecimal(v)
	if !ok || n < 0 {
		return 0, &fieldError{Field: key, Value: v, Want: "a non-negative integer"}
	}
	return n, nil
}

// maxUnixTime is 10000-01-01T00:00:00Z: later times have no RFC 3339 form.
const maxUnixTime = 253402300800

func vpcTime(key, v string) (int64, error) {
	n, ok := parseDecimal(v)
	if !ok || n < 0 || n >= maxUnixTime {
		return 0, &fieldError{Field: key, Value: v, Want: "a Unix time in seconds"}
	}
	return n, nil
}

var (
	typeConnectionAllowed = []string{"connection", "allowed"}
	typeConnectionDenied  = []string{"connection", "denied"}
)

// ianaProtocol names the common IANA protocol numbers
// (https://www.iana.org/assignments/protocol-numbers/protocol-numbers.xhtml)
// in the lower-case keyword form ECS network.transport uses; others are
// left empty (network.iana_number always has the number).
func ianaProtocol(n int64) string {
	switch n {
	case 0:
		return "hopopt"
	case 1:
		return "icmp"
	case 2:
		return "igmp"
	case 4:
		return "ipv4"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 41:
		return "ipv6"
	case 47:
		return "gre"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 58:
		return "ipv6-icmp"
	case 89:
		return "ospf"
	case 103:
		return "pim"
	case 112:
		return "vrrp"
	case 132:
		return "sctp"
	}
	return ""
}
