package logs

// AWS Network Firewall logs: one JSON object per line, the stateful engine's
// Suricata EVE record inside an envelope. Flow logs (event_type "netflow"),
// alert logs ("alert", also for TLS inspection and HTTP alerts), TLS logs
// ("tls") and HTTP logs ("http") share the envelope.
// https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-logging.html
// https://docs.aws.amazon.com/network-firewall/latest/developerguide/logging-s3.html
//
// ECS mapping: @timestamp from event.timestamp (microseconds), else
// event_timestamp (epoch seconds as a string; ISO 8601 accepted);
// event.kind alert for alert records; event.action = alert.action
// (allowed, blocked, ...); event.severity = alert.severity (Suricata: 1 is
// the highest); rule.id = alert.signature_id, rule.name = alert.signature,
// rule.category = alert.category; source/destination from src_/dest_ ip and
// port; network.transport from proto, network.protocol from app_proto;
// network.bytes/packets from netflow; tls.version and
// tls.client.server_name; http.*, url.* and user_agent.original from http;
// observer is the firewall; cloud.region from availability_zone.
//
// aws.networkfirewall keeps the record; the Suricata sub-objects whose
// fields vary by engine version and rule (event.alert.metadata, event.tls,
// event.http, event.tcp, event.revocation_check, event.tls_error,
// event.flow) are flat_object.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The values of a Network Firewall record the mapping reads (slots of
// nfwShape).
const (
	nfwFirewallName = iota
	nfwAvailabilityZone
	nfwEventTimestamp
	nfwTimestamp
	nfwSrcIP
	nfwSrcPort
	nfwDestIP
	nfwDestPort
	nfwProto
	nfwAppProto
	nfwSNI
	nfwAlert
	nfwAlertAction
	nfwAlertSignatureID
	nfwAlertSignature
	nfwAlertCategory
	nfwAlertSeverity
	nfwNetflow
	nfwNetflowBytes
	nfwNetflowPkts
	nfwTLS
	nfwHTTP
)

// nfwShape checks every declared aws.networkfirewall field (see
// jsonshape.go). event.tls and event.http are flat_object, read best
// effort.
var nfwShape = newRecordShape("networkfirewall", shapeSpec{
	slots: []string{
		nfwFirewallName:     "firewall_name",
		nfwAvailabilityZone: "availability_zone",
		nfwEventTimestamp:   "event_timestamp",
		nfwTimestamp:        "event.timestamp",
		nfwSrcIP:            "event.src_ip",
		nfwSrcPort:          "event.src_port",
		nfwDestIP:           "event.dest_ip",
		nfwDestPort:         "event.dest_port",
		nfwProto:            "event.proto",
		nfwAppProto:         "event.app_proto",
		nfwSNI:              "event.sni",
		nfwAlert:            "event.alert",
		nfwAlertAction:      "event.alert.action",
		nfwAlertSignatureID: "event.alert.signature_id",
		nfwAlertSignature:   "event.alert.signature",
		nfwAlertCategory:    "event.alert.category",
		nfwAlertSeverity:    "event.alert.severity",
		nfwNetflow:          "event.netflow",
		nfwNetflowBytes:     "event.netflow.bytes",
		nfwNetflowPkts:      "event.netflow.pkts",
		nfwTLS:              "event.tls",
		nfwHTTP:             "event.http",
	},
})

type nfwParser struct {
	aws   *awsObject
	rec   shapeValues
	relIP []string // related.ip of the current document
}

func parseNetworkFirewall(in *Input, out *Output) error {
	p := &nfwParser{aws: newAWSObject("networkfirewall")}
	return readJSONRecords(in, out, false, p.record, nil)
}

func (p *nfwParser) record(out *Output, raw []byte, line int64) error {
	if err := nfwShape.read(raw, &p.rec); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	d.Related.IP = p.relIP[:0] // the document is reused once emitted
	if err := mapNetworkFirewall(d, &p.rec); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	p.relIP = d.Related.IP
	p.aws.reset()
	d.AWS = p.aws.build(raw)
	return out.Emit(d)
}

// nfwTime is @timestamp: event.timestamp, else event_timestamp.
func nfwTime(r *shapeValues) (time.Time, error) {
	if s := r.str(r.val(nfwTimestamp)); s != "" {
		t, err := parseJSONTime(s)
		if err != nil {
			return t, fmt.Errorf("event.timestamp: %w", err)
		}
		return t, nil
	}
	s := r.str(r.val(nfwEventTimestamp))
	if s == "" {
		return time.Time{}, errors.New("record has no event.timestamp or event_timestamp")
	}
	var t time.Time
	var err error
	if strings.IndexByte(s, '-') > 0 {
		t, err = parseJSONTime(s)
	} else {
		t, err = parseEpoch(s, time.Second)
	}
	if err != nil {
		return t, fmt.Errorf("event_timestamp: %w", err)
	}
	return t, nil
}

func mapNetworkFirewall(d *ecs.Document, r *shapeValues) error {
	ts, err := nfwTime(r)
	if err != nil {
		return err
	}
	str := func(slot int) string { return r.str(r.val(slot)) }
	d.Timestamp = ts
	d.Event.Category = categoryNetwork
	d.Event.Type = typeConnection
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "Network Firewall", Type: "firewall", Name: str(nfwFirewallName)}
	if region := regionOfZone(str(nfwAvailabilityZone)); region != "" {
		d.Cloud.Region = region
	}
	addRelatedIP(d, setEndpoint(&d.Source, str(nfwSrcIP)))
	addRelatedIP(d, setEndpoint(&d.Destination, str(nfwDestIP)))
	if port, ok := r.int(r.val(nfwSrcPort)); ok {
		d.Source.Port = port
	}
	if port, ok := r.int(r.val(nfwDestPort)); ok {
		d.Destination.Port = port
	}
	d.Network.Type = ipNetworkType(firstNonEmpty(d.Source.IP, d.Destination.IP))
	d.Network.Transport = lowerTransport(str(nfwProto))
	if ap := strings.ToLower(str(nfwAppProto)); ap != "" && ap != "failed" {
		d.Network.Protocol = ap
	}
	if r.has(r.val(nfwAlert)) {
		action := str(nfwAlertAction)
		d.Event.Kind = "alert"
		d.Event.Action = action
		switch action {
		case "blocked":
			d.Event.Type = typeConnectionDenied
		case "allowed":
			d.Event.Type = typeConnectionAllowed
		}
		if sev, ok := r.int(r.val(nfwAlertSeverity)); ok {
			d.Event.Severity = sev
		}
		if id, ok := r.int(r.val(nfwAlertSignatureID)); ok {
			d.Rule.ID = strconv.FormatInt(id, 10)
		}
		d.Rule.Name = str(nfwAlertSignature)
		d.Rule.Category = str(nfwAlertCategory)
	}
	if r.has(r.val(nfwNetflow)) {
		if n, ok := r.int(r.val(nfwNetflowBytes)); ok {
			d.Network.Bytes = n
		}
		if n, ok := r.int(r.val(nfwNetflowPkts)); ok {
			d.Network.Packets = n
		}
	}
	d.TLS.ServerName = str(nfwSNI)
	// event.tls and event.http are free-form (flat_object): each member is
	// taken when it has the expected type, and the key alone names the
	// protocol.
	if tls := r.val(nfwTLS); tls.hi > tls.lo {
		var sni, version string
		r.members(tls, func(name []byte, v jsonSpan) bool {
			switch string(name) {
			case "sni":
				setString(r, v, &sni)
			case "version":
				setString(r, v, &version)
			}
			return true
		})
		if sni != "" {
			d.TLS.ServerName = sni
		}
		d.TLS.Version = suricataTLSVersion(version)
		if d.Network.Protocol == "" {
			d.Network.Protocol = "tls"
		}
	}
	if http := r.val(nfwHTTP); http.hi > http.lo {
		var url, version string
		r.members(http, func(name []byte, v jsonSpan) bool {
			switch string(name) {
			case "hostname":
				setString(r, v, &d.URL.Domain)
			case "url":
				setString(r, v, &url)
			case "http_user_agent":
				setString(r, v, &d.UserAgent)
			case "http_method":
				setString(r, v, &d.HTTP.Method)
			case "protocol":
				setString(r, v, &version)
			case "status":
				if n, ok := r.int(v); ok {
					d.HTTP.StatusCode = n
				}
			case "http_refer":
				setString(r, v, &d.HTTP.Referrer)
			}
			return true
		})
		d.HTTP.Version = strings.TrimPrefix(version, "HTTP/")
		if url != "" {
			d.URL.Original = url
			_, _, _, d.URL.Path, d.URL.Query = splitURL(url)
		}
		if d.Network.Protocol == "" {
			d.Network.Protocol = "http"
		}
	}
	return nil
}

// setString sets *dst when v holds a string, as a partial decode of a
// free-form object does.
func setString(r *shapeValues, v jsonSpan, dst *string) {
	if r.isString(v) {
		*dst = r.str(v)
	}
}

// suricataTLSVersion turns Suricata's "TLS 1.2" (also "TLSv1.3") into the
// ECS tls.version "1.2"; SSL and UNDETERMINED give "".
func suricataTLSVersion(v string) string {
	if len(v) < 3 || !strings.EqualFold(v[:3], "tls") {
		return ""
	}
	return strings.TrimLeft(v[3:], " vV")
}

// regionOfZone is the region of an availability zone name: "us-east-2a" ->
// "us-east-2", "us-gov-west-1b" -> "us-gov-west-1", Local Zone
// "us-west-2-lax-1a" -> "us-west-2". Zone ids ("use1-az1") give "".
func regionOfZone(az string) string {
	for start, part := 0, 0; start <= len(az); part++ {
		end := strings.IndexByte(az[start:], '-')
		if end < 0 {
			end = len(az)
		} else {
			end += start
		}
		if part >= 2 && end > start && az[start] >= '0' && az[start] <= '9' {
			j := start
			for j < end && az[j] >= '0' && az[j] <= '9' {
				j++
			}
			return az[:j]
		}
		start = end + 1
	}
	return ""
}
