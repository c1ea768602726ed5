package logs

// AWS WAF web ACL traffic logs: one JSON object per line, for WAF (v2) and
// WAF Classic alike (Classic has no labels, captcha or rule-group details).
// Field reference: https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html
// Examples:        https://docs.aws.amazon.com/waf/latest/developerguide/logging-examples.html
//
// ECS mapping: @timestamp from timestamp (epoch milliseconds); event.action
// is the action as logged (ALLOW, BLOCK, COUNT, CAPTCHA, CHALLENGE);
// event.outcome is success for ALLOW and COUNT (the request went through),
// failure for BLOCK, unknown for CAPTCHA and CHALLENGE (whether the client
// solved it is in captchaResponse / challengeResponse); source.ip and
// source.geo.country_iso_code from httpRequest; http.*, url.* and
// user_agent.original from the request line and headers (url.domain and
// url.port split from the Host header); rule.* is the terminating rule
// (rule.ruleset is the rule group it sits in, when it does); observer is
// the web ACL; cloud.account.id and cloud.region come from the web ACL ARN,
// each when well formed (12 digits, a Region code), else from the archive
// key.
//
// aws.waf keeps the record. Rule details whose shape varies by rule type
// (terminatingRuleMatchDetails, ruleGroupList, rateBasedRuleList,
// nonTerminatingMatchingRules, requestHeadersInserted, httpRequest.headers,
// captchaResponse, challengeResponse) are flat_object fields, arrays wrapped
// as {"items": [...]} — matchedData is a list in one rule and an object in
// another, which is why a typed mapping of them breaks. timestamp is always
// written as epoch milliseconds (a record re-exported with an RFC 3339
// timestamp string, as analytics tools do, is accepted and rewritten).

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The values of a WAF record the mapping reads (slots of wafShape).
const (
	wafTimestamp = iota
	wafAction
	wafWebACLID
	wafTerminatingRuleID
	wafTerminatingRuleType
	wafRuleGroupList
	wafClientIP
	wafCountry
	wafURI
	wafArgs
	wafHTTPVersion
	wafHTTPMethod
	wafRequestID
	wafScheme
	wafHost
	wafHeaders
)

// wafShape checks every declared aws.waf field (see jsonshape.go);
// timestamp is read by wafTime, which also accepts an RFC 3339 string.
// Free-form rule details are flat_object and only read best effort.
var wafShape = newRecordShape("waf", shapeSpec{
	lists: map[string]arity{"oversizeFields": listOf, "labels": listOf},
	own:   []string{"timestamp"},
	slots: []string{
		wafTimestamp:           "timestamp",
		wafAction:              "action",
		wafWebACLID:            "webaclId",
		wafTerminatingRuleID:   "terminatingRuleId",
		wafTerminatingRuleType: "terminatingRuleType",
		wafRuleGroupList:       "ruleGroupList",
		wafClientIP:            "httpRequest.clientIp",
		wafCountry:             "httpRequest.country",
		wafURI:                 "httpRequest.uri",
		wafArgs:                "httpRequest.args",
		wafHTTPVersion:         "httpRequest.httpVersion",
		wafHTTPMethod:          "httpRequest.httpMethod",
		wafRequestID:           "httpRequest.requestId",
		wafScheme:              "httpRequest.scheme",
		wafHost:                "httpRequest.host",
		wafHeaders:             "httpRequest.headers",
	},
})

// wafHeader is one entry of httpRequest.headers.
type wafHeader struct{ name, value string }

var (
	typeAccessAllowed = []string{"access", "allowed"}
	typeAccessDenied  = []string{"access", "denied"}
)

// wafParser keeps the buffers reused across the records of one object.
type wafParser struct {
	aws     *awsObject
	rec     shapeValues
	headers []wafHeader
	ts      []byte
	relIP   []string // related.ip of the current document
}

func parseWAF(in *Input, out *Output) error {
	p := &wafParser{aws: newAWSObject("waf")}
	return readJSONRecords(in, out, false, p.record, nil)
}

func (p *wafParser) record(out *Output, raw []byte, line int64) error {
	if err := wafShape.read(raw, &p.rec); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	d.Related.IP = p.relIP[:0] // the document is reused once emitted
	if err := p.mapRecord(d, &p.rec); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	p.relIP = d.Related.IP
	d.AWS = p.aws.build(raw)
	return out.Emit(d)
}

// wafTime reads timestamp: epoch milliseconds as a JSON number, or an
// RFC 3339 string.
func wafTime(r *shapeValues) (time.Time, error) {
	ts := r.val(wafTimestamp)
	if !r.has(ts) {
		return time.Time{}, errors.New("record has no timestamp")
	}
	if r.isString(ts) {
		return parseJSONTime(r.str(ts))
	}
	return parseEpoch(r.text(ts), time.Millisecond)
}

func (p *wafParser) mapRecord(d *ecs.Document, r *shapeValues) error {
	ts, err := wafTime(r)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	d.Timestamp = ts
	p.aws.reset()
	if r.isString(r.val(wafTimestamp)) {
		p.ts = strconv.AppendInt(p.ts[:0], ts.UnixMilli(), 10)
		p.aws.override("timestamp", p.ts)
	}

	action := r.str(r.val(wafAction))
	d.Event.Category = categoryWeb
	d.Event.Action = action
	switch strings.ToUpper(action) {
	case "ALLOW", "COUNT":
		d.Event.Outcome, d.Event.Type = "success", typeAccessAllowed
	case "BLOCK":
		d.Event.Outcome, d.Event.Type = "failure", typeAccessDenied
	default:
		d.Event.Outcome, d.Event.Type = "unknown", typeAccess
	}
	d.Event.ID = r.str(r.val(wafRequestID))

	addRelatedIP(d, setEndpoint(&d.Source, r.str(r.val(wafClientIP))))
	if c := present(r.str(r.val(wafCountry))); c != "" {
		d.Source.Geo = &ecs.Geo{CountryISOCode: c}
	}
	d.Network.Type = ipNetworkType(d.Source.IP)
	uri, args := r.str(r.val(wafURI)), r.str(r.val(wafArgs))
	d.HTTP.Method = r.str(r.val(wafHTTPMethod))
	d.HTTP.Version = strings.TrimPrefix(r.str(r.val(wafHTTPVersion)), "HTTP/")
	d.URL.Path = uri
	d.URL.Query = args
	d.URL.Scheme = strings.ToLower(r.str(r.val(wafScheme)))
	d.URL.Domain = r.str(r.val(wafHost))
	if uri != "" {
		if args != "" {
			d.URL.Original = uri + "?" + args
		} else {
			d.URL.Original = uri
		}
	}
	// Headers are free-form (flat_object): a malformed list only costs the
	// ECS fields taken from it.
	if p.readHeaders(r) {
		for _, hd := range p.headers {
			switch {
			case strings.EqualFold(hd.name, "user-agent"):
				d.UserAgent = hd.value
			case strings.EqualFold(hd.name, "host") && d.URL.Domain == "":
				d.URL.Domain = hd.value
			case strings.EqualFold(hd.name, "referer"):
				d.HTTP.Referrer = hd.value
			}
		}
	}

	// The Host header carries the port when it is not the scheme's default
	// (RFC 9110 7.2); ECS keeps it in url.port.
	d.URL.Domain, d.URL.Port = splitHostHeader(d.URL.Domain)

	ruleID, ruleType := r.str(r.val(wafTerminatingRuleID)), r.str(r.val(wafTerminatingRuleType))
	d.Rule.ID = ruleID
	d.Rule.Name = ruleID
	d.Rule.Category = ruleType
	if ruleType == "GROUP" || ruleType == "MANAGED_RULE_GROUP" {
		if group, rule := wafTerminatingGroupRule(r); rule != "" {
			d.Rule.Ruleset = group
			d.Rule.Name = rule
		}
	}

	aclID := r.str(r.val(wafWebACLID))
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "WAF", Type: "waf", ID: aclID, Name: wafACLName(aclID)}
	// The ARN's account and region each win when well formed; otherwise the
	// archive key's (the document's defaults) stay.
	region, account := arnParts(aclID)
	if account != "" {
		d.Cloud.AccountID = account
	}
	if archive.ValidRegion(region) {
		d.Cloud.Region = region
	}
	return nil
}

// splitHostHeader splits a Host header value into host and port: "h:8080",
// "[2001:db8::1]:8080" (brackets dropped), or a host alone (port 0). A
// port that is not a number from 1 to 65535 leaves the value whole.
func splitHostHeader(hp string) (string, int64) {
	i := strings.LastIndexByte(hp, ':')
	if i < 0 || strings.IndexByte(hp[i+1:], ']') >= 0 {
		return strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]"), 0
	}
	host := hp[:i]
	if strings.IndexByte(host, ':') >= 0 && !strings.HasPrefix(host, "[") {
		return hp, 0 // a bare IPv6 address, no port
	}
	port, ok := parseDecimal(hp[i+1:])
	if !ok || port < 1 || port > 65535 {
		return hp, 0
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), port
}

// readHeaders reads httpRequest.headers into p.headers. It reports false
// unless the value is a list (or null) of objects (or nulls) whose name and
// value are strings (or null).
func (p *wafParser) readHeaders(r *shapeValues) bool {
	p.headers = p.headers[:0]
	h := r.val(wafHeaders)
	if !r.has(h) {
		return true
	}
	ok := r.raw[h.lo] == '['
	r.elements(h, func(e jsonSpan) bool {
		var hd wafHeader
		ok = r.objectOrNull(e, func(name []byte, v jsonSpan) bool {
			switch string(name) {
			case "name":
				return r.stringOrNull(v, &hd.name)
			case "value":
				return r.stringOrNull(v, &hd.value)
			}
			return true
		})
		p.headers = append(p.headers, hd)
		return ok
	})
	return ok
}

// wafTerminatingGroupRule returns the rule group and rule id of the first
// ruleGroupList entry with a terminating rule id, read best effort: nothing
// unless ruleGroupList is a list of objects (or nulls) whose ruleGroupId is
// a string and whose terminatingRule is an object with a string ruleId
// (each may be null).
func wafTerminatingGroupRule(r *shapeValues) (group, rule string) {
	list := r.val(wafRuleGroupList)
	if !r.has(list) || r.raw[list.lo] != '[' {
		return "", ""
	}
	ok := true
	r.elements(list, func(e jsonSpan) bool {
		var g, id string
		ok = r.objectOrNull(e, func(name []byte, v jsonSpan) bool {
			switch string(name) {
			case "ruleGroupId":
				return r.stringOrNull(v, &g)
			case "terminatingRule":
				id = ""
				return r.objectOrNull(v, func(name []byte, v jsonSpan) bool {
					return string(name) != "ruleId" || r.stringOrNull(v, &id)
				})
			}
			return true
		})
		if ok && rule == "" && id != "" {
			group, rule = g, id
		}
		return ok
	})
	if !ok {
		return "", ""
	}
	return group, rule
}

// wafACLName is the web ACL name from its ARN
// (arn:aws:wafv2:<region>:<account>:<scope>/webacl/<name>/<id>); a WAF
// Classic id (no ARN) is returned as is.
func wafACLName(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	i := strings.Index(id, "/webacl/")
	if i < 0 {
		return ""
	}
	name := id[i+len("/webacl/"):]
	if j := strings.IndexByte(name, '/'); j >= 0 {
		name = name[:j]
	}
	return name
}
