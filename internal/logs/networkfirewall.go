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
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// nfwRecord is one Network Firewall log record. Every declared non-flat
// aws.networkfirewall field is decoded, so a wrong JSON type is an error
// document.
type nfwRecord struct {
	FirewallName     string   `json:"firewall_name"`
	AvailabilityZone string   `json:"availability_zone"`
	EventTimestamp   string   `json:"event_timestamp"`
	Event            nfwEvent `json:"event"`
}

// nfwEvent is the Suricata EVE record.
type nfwEvent struct {
	Timestamp string `json:"timestamp"`
	FlowID    *int64 `json:"flow_id"`
	TxID      *int64 `json:"tx_id"`
	EventType string `json:"event_type"`
	SrcIP     string `json:"src_ip"`
	SrcPort   *int64 `json:"src_port"`
	DestIP    string `json:"dest_ip"`
	DestPort  *int64 `json:"dest_port"`
	Proto     string `json:"proto"`
	AppProto  string `json:"app_proto"`
	SNI       string `json:"sni"`
	Alert     *struct {
		Action      string `json:"action"`
		SignatureID *int64 `json:"signature_id"`
		Rev         *int64 `json:"rev"`
		GID         *int64 `json:"gid"`
		Signature   string `json:"signature"`
		Category    string `json:"category"`
		Severity    *int64 `json:"severity"`
	} `json:"alert"`
	Netflow *struct {
		Pkts   *int64 `json:"pkts"`
		Bytes  *int64 `json:"bytes"`
		Start  string `json:"start"`
		End    string `json:"end"`
		Age    *int64 `json:"age"`
		MinTTL *int64 `json:"min_ttl"`
		MaxTTL *int64 `json:"max_ttl"`
		TxCnt  *int64 `json:"tx_cnt"`
	} `json:"netflow"`
	TLS  json.RawMessage `json:"tls"`
	HTTP json.RawMessage `json:"http"`
}

// nfwTLS is the part of event.tls the mapping reads (best effort).
type nfwTLS struct {
	SNI     string `json:"sni"`
	Version string `json:"version"`
}

// nfwHTTP is the part of event.http the mapping reads (best effort).
type nfwHTTP struct {
	Hostname      string `json:"hostname"`
	URL           string `json:"url"`
	HTTPUserAgent string `json:"http_user_agent"`
	HTTPMethod    string `json:"http_method"`
	Protocol      string `json:"protocol"`
	Status        int64  `json:"status"`
	HTTPRefer     string `json:"http_refer"`
}

type nfwParser struct {
	aws *awsObject
}

func parseNetworkFirewall(in *Input, out *Output) error {
	p := &nfwParser{aws: newAWSObject("networkfirewall")}
	return readJSONRecords(in, out, false, p.record, nil)
}

func (p *nfwParser) record(out *Output, raw []byte, line int64) error {
	var r nfwRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	if err := mapNetworkFirewall(d, &r); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	p.aws.reset()
	d.AWS = p.aws.build(raw)
	return out.Emit(d)
}

// nfwTime is @timestamp: event.timestamp, else event_timestamp.
func nfwTime(r *nfwRecord) (time.Time, error) {
	if r.Event.Timestamp != "" {
		t, err := parseJSONTime(r.Event.Timestamp)
		if err != nil {
			return t, fmt.Errorf("event.timestamp: %w", err)
		}
		return t, nil
	}
	s := r.EventTimestamp
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

func mapNetworkFirewall(d *ecs.Document, r *nfwRecord) error {
	ts, err := nfwTime(r)
	if err != nil {
		return err
	}
	d.Timestamp = ts
	e := &r.Event
	d.Event.Category = categoryNetwork
	d.Event.Type = typeConnection
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "Network Firewall", Type: "firewall", Name: r.FirewallName}
	if region := regionOfZone(r.AvailabilityZone); region != "" {
		d.Cloud.Region = region
	}
	addRelatedIP(d, setEndpoint(&d.Source, e.SrcIP))
	addRelatedIP(d, setEndpoint(&d.Destination, e.DestIP))
	if e.SrcPort != nil {
		d.Source.Port = *e.SrcPort
	}
	if e.DestPort != nil {
		d.Destination.Port = *e.DestPort
	}
	d.Network.Type = ipNetworkType(firstNonEmpty(d.Source.IP, d.Destination.IP))
	d.Network.Transport = strings.ToLower(e.Proto)
	if ap := strings.ToLower(e.AppProto); ap != "" && ap != "failed" {
		d.Network.Protocol = ap
	}
	if a := e.Alert; a != nil {
		d.Event.Kind = "alert"
		d.Event.Action = a.Action
		switch a.Action {
		case "blocked":
			d.Event.Type = typeConnectionDenied
		case "allowed":
			d.Event.Type = typeConnectionAllowed
		}
		if a.Severity != nil {
			d.Event.Severity = *a.Severity
		}
		if a.SignatureID != nil {
			d.Rule.ID = strconv.FormatInt(*a.SignatureID, 10)
		}
		d.Rule.Name = a.Signature
		d.Rule.Category = a.Category
	}
	if n := e.Netflow; n != nil {
		if n.Bytes != nil {
			d.Network.Bytes = *n.Bytes
		}
		if n.Pkts != nil {
			d.Network.Packets = *n.Pkts
		}
	}
	d.TLS.ServerName = e.SNI
	if len(e.TLS) > 0 {
		var t nfwTLS
		_ = json.Unmarshal(e.TLS, &t) // free-form: best effort
		if t.SNI != "" {
			d.TLS.ServerName = t.SNI
		}
		d.TLS.Version = suricataTLSVersion(t.Version)
		if d.Network.Protocol == "" {
			d.Network.Protocol = "tls"
		}
	}
	if len(e.HTTP) > 0 {
		var h nfwHTTP
		_ = json.Unmarshal(e.HTTP, &h)
		d.HTTP.Method = h.HTTPMethod
		d.HTTP.Version = strings.TrimPrefix(h.Protocol, "HTTP/")
		d.HTTP.StatusCode = h.Status
		d.HTTP.Referrer = h.HTTPRefer
		d.UserAgent = h.HTTPUserAgent
		d.URL.Domain = h.Hostname
		if h.URL != "" {
			d.URL.Original = h.URL
			_, _, _, d.URL.Path, d.URL.Query = splitURL(h.URL)
		}
		if d.Network.Protocol == "" {
			d.Network.Protocol = "http"
		}
	}
	return nil
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
	parts := strings.Split(az, "-")
	for i, p := range parts {
		if i >= 2 && p != "" && p[0] >= '0' && p[0] <= '9' {
			j := 0
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			return strings.Join(parts[:i], "-") + "-" + p[:j]
		}
	}
	return ""
}
