package logs

// Elastic Load Balancing access logs: Application Load Balancer (and its
// connection logs), Network Load Balancer (TLS listeners) and Classic Load
// Balancer.
//
// Formats:
//   - ALB: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
//   - ALB connection logs: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html
//   - NLB: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
//   - Classic: https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
//
// Fields are space-separated; some are enclosed in double quotes (a
// backslash escapes a quote inside them); "-" marks an absent value. The
// kind of load balancer is decided by each line's documented shape, never
// by trying parsers: an NLB line starts with the listener type "tls"
// followed by the log version; a Classic line and an ALB connection log
// line start with the ISO 8601 time, and the connection log's second field
// is the client IP address where Classic has the load balancer name (which
// can hold only letters, digits and hyphens); every other line is an ALB
// access log entry, whose first field is the request type (http, https, h2,
// grpcs, ws, wss; AWS says to accept other values too). AWS appends new
// fields at the end and tells parsers to ignore fields they do not know:
// fields after the last documented one are ignored, and a line shorter than
// the oldest documented layout is an error document.
//
// aws.elb keeps every field under its documented name ("client:port" is
// client, "target:port" target, "target:port_list" target_port_list), as
// logged without the enclosing quotes (the NLB ALPN preference list keeps
// its inner quotes). ECS: @timestamp from time, source (client) and
// destination (target, backend or NLB destination) ip and port, http.* and
// url.* from the request line, user_agent.original, tls.*, observer.name
// (the load balancer), event.outcome from the load balancer's status code.

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// elbColumn names one documented field.
type elbColumn struct {
	key string // aws.elb key
	raw bool   // keep the enclosing quotes (a list of quoted values)
}

func elbColumns(names ...string) []elbColumn {
	c := make([]elbColumn, len(names))
	for i, n := range names {
		c[i] = elbColumn{key: n}
	}
	return c
}

// Field orders as documented; the index constants below refer to them.
var (
	albColumns = elbColumns("type", "time", "elb", "client", "target",
		"request_processing_time", "target_processing_time", "response_processing_time",
		"elb_status_code", "target_status_code", "received_bytes", "sent_bytes",
		"request", "user_agent", "ssl_cipher", "ssl_protocol", "target_group_arn",
		"trace_id", "domain_name", "chosen_cert_arn", "matched_rule_priority",
		"request_creation_time", "actions_executed", "redirect_url", "error_reason",
		"target_port_list", "target_status_code_list", "classification",
		"classification_reason", "conn_trace_id", "transformed_host", "transformed_uri",
		"request_transform_status")
	nlbColumns = func() []elbColumn {
		c := elbColumns("type", "version", "time", "elb", "listener", "client", "destination",
			"connection_time", "tls_handshake_time", "received_bytes", "sent_bytes",
			"incoming_tls_alert", "chosen_cert_arn", "chosen_cert_serial", "tls_cipher",
			"tls_protocol_version", "tls_named_group", "domain_name", "alpn_fe_protocol",
			"alpn_be_protocol", "alpn_client_preference_list", "tls_connection_creation_time")
		c[20].raw = true
		return c
	}()
	classicColumns = elbColumns("time", "elb", "client", "backend",
		"request_processing_time", "backend_processing_time", "response_processing_time",
		"elb_status_code", "backend_status_code", "received_bytes", "sent_bytes",
		"request", "user_agent", "ssl_cipher", "ssl_protocol")
	albConnColumns = elbColumns("time", "client_ip", "client_port", "listener_port",
		"tls_protocol", "tls_cipher", "tls_handshake_latency", "leaf_client_cert_subject",
		"leaf_client_cert_validity", "leaf_client_cert_serial_number", "tls_verify_status",
		"conn_trace_id")
)

// Minimum field counts: the oldest documented layout of each kind (ALB up
// to trace_id, NLB up to alpn_client_preference_list, the full Classic
// layout, the ALB connection log up to tls_verify_status).
const (
	albMinFields     = 18
	nlbMinFields     = 21
	classicMinFields = 15
	albConnMinFields = 11
)

type elbKind uint8

const (
	elbALB elbKind = iota
	elbNLB
	elbClassic
	elbALBConnection
)

var elbProducts = [...]string{
	elbALB:           "Application Load Balancer",
	elbNLB:           "Network Load Balancer",
	elbClassic:       "Classic Load Balancer",
	elbALBConnection: "Application Load Balancer",
}

// elbKindOf decides the kind from the leading fields (see the file comment).
func elbKindOf(f []string) elbKind {
	switch {
	case f[0] == "tls":
		return elbNLB
	case f[0][0] >= '0' && f[0][0] <= '9':
		if len(f) > 1 {
			if _, err := netip.ParseAddr(f[1]); err == nil {
				return elbALBConnection
			}
		}
		return elbClassic
	}
	return elbALB
}

type elbParser struct {
	fields  []string
	obj     textObject
	related [2]string
}

func parseELB(in *Input, out *Output) error {
	p := &elbParser{fields: make([]string, 0, 48)}
	return scanLines(in, out, func(line []byte, lineNo int64) error {
		d := out.Doc()
		if err := p.record(d, string(line)); err != nil {
			return out.Fail(line, fmt.Errorf("line %d: %w", lineNo, err))
		}
		return out.Emit(d)
	})
}

func (p *elbParser) record(d *ecs.Document, s string) error {
	var err error
	p.fields, err = splitSpaced(s, p.fields[:0])
	if err != nil {
		return err
	}
	f := p.fields
	kind := elbKindOf(f)
	var cols []elbColumn
	var minFields int
	switch kind {
	case elbALB:
		cols, minFields = albColumns, albMinFields
	case elbNLB:
		cols, minFields = nlbColumns, nlbMinFields
	case elbClassic:
		cols, minFields = classicColumns, classicMinFields
	case elbALBConnection:
		cols, minFields = albConnColumns, albConnMinFields
	}
	if len(f) < minFields {
		return fmt.Errorf("%s entry with %d fields, want at least %d", elbProducts[kind], len(f), minFields)
	}
	if len(f) > len(cols) {
		f = f[:len(cols)] // later fields are newer than this parser: ignored as AWS documents
	}
	p.obj.reset()
	for i, v := range f {
		if !cols[i].raw {
			v = unquote(v)
		}
		p.obj.str(cols[i].key, v)
	}
	d.AWS = p.obj.bytes()
	d.Observer = ecs.Observer{Vendor: "AWS", Product: elbProducts[kind], Type: "load-balancer"}
	d.Network.Transport = "tcp"
	switch kind {
	case elbALB:
		return p.mapHTTPEntry(d, f[1], f[2], f[3], f[4], f[8], f[10], f[11], f[12], f[13], f[14], f[15], fieldAt(f, 18))
	case elbClassic:
		return p.mapHTTPEntry(d, f[0], f[1], f[2], f[3], f[7], f[9], f[10], f[11], f[12], f[13], f[14], "")
	case elbNLB:
		return p.mapNLB(d, f)
	default:
		return p.mapALBConnection(d, f)
	}
}

// fieldAt returns f[i], or "" when the line is shorter.
func fieldAt(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

func elbTime(d *ecs.Document, v string) error {
	t, ok := parseISOTime(v)
	if !ok {
		return &fieldError{Field: "time", Value: v, Want: "an ISO 8601 time"}
	}
	d.Timestamp = t
	return nil
}

// mapHTTPEntry maps the fields ALB and Classic access logs share.
func (p *elbParser) mapHTTPEntry(d *ecs.Document, tm, elb, client, target, status, rcvd, sent, request, ua, cipher, proto, sni string) error {
	if err := elbTime(d, tm); err != nil {
		return err
	}
	d.Observer.Name = elb
	var err error
	if d.HTTP.StatusCode, err = optInt("elb_status_code", status); err != nil {
		return err
	}
	if d.HTTP.RequestBytes, err = optInt("received_bytes", rcvd); err != nil {
		return err
	}
	if d.HTTP.ResponseBytes, err = optInt("sent_bytes", sent); err != nil {
		return err
	}
	src := setHostPort(&d.Source, client)
	dst := setHostPort(&d.Destination, target)
	p.setRelated(d, src, dst)
	setRequestLine(d, unquote(request))
	d.UserAgent = present(unquote(ua))
	d.TLS.Cipher = present(cipher)
	d.TLS.Version = tlsVersion(proto)
	d.TLS.ServerName = present(unquote(sni))
	if d.HTTP.StatusCode == 0 && d.HTTP.Method == "" {
		// A TCP/SSL listener entry (Classic) or a request that never
		// completed: a connection, not an HTTP exchange.
		d.Event.Category, d.Event.Type = categoryNetwork, typeConnection
		return nil
	}
	d.Network.Protocol = "http"
	d.Event.Category, d.Event.Type = categoryWeb, typeAccess
	d.Event.Outcome = httpOutcome(d.HTTP.StatusCode)
	return nil
}

func (p *elbParser) mapNLB(d *ecs.Document, f []string) error {
	if err := elbTime(d, f[2]); err != nil {
		return err
	}
	d.Observer.Name = f[3]
	var err error
	if d.Source.Bytes, err = optInt("received_bytes", f[9]); err != nil {
		return err
	}
	if d.Destination.Bytes, err = optInt("sent_bytes", f[10]); err != nil {
		return err
	}
	src := setHostPort(&d.Source, f[5])
	dst := setHostPort(&d.Destination, f[6])
	p.setRelated(d, src, dst)
	d.Network.Protocol = "tls"
	d.TLS.Cipher = present(f[14])
	d.TLS.Version = tlsVersion(f[15])
	d.TLS.ServerName = urlUnescape(present(f[17]))
	d.Event.Category, d.Event.Type = categoryNetwork, typeConnection
	return nil
}

func (p *elbParser) mapALBConnection(d *ecs.Document, f []string) error {
	if err := elbTime(d, f[0]); err != nil {
		return err
	}
	var err error
	ip := setEndpoint(&d.Source, f[1])
	p.setRelated(d, ip, "")
	if d.Source.Port, err = optInt("client_port", f[2]); err != nil {
		return err
	}
	if d.Destination.Port, err = optInt("listener_port", f[3]); err != nil {
		return err
	}
	d.TLS.Version = tlsVersion(f[4])
	d.TLS.Cipher = present(f[5])
	if d.TLS.Version != "" {
		d.Network.Protocol = "tls"
	}
	switch status := f[10]; {
	case status == "Success":
		d.Event.Outcome = "success"
	case strings.HasPrefix(status, "Failed"):
		d.Event.Outcome = "failure"
	}
	d.Event.Category, d.Event.Type = categoryNetwork, typeConnection
	return nil
}

// setRelated sets related.ip from up to two addresses, using p's scratch.
func (p *elbParser) setRelated(d *ecs.Document, a, b string) {
	ips := appendRelated(appendRelated(p.related[:0], a), b)
	if len(ips) > 0 {
		d.Related.IP = ips
	}
}
