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
// user_agent.original from the request line and headers; rule.* is the
// terminating rule (rule.ruleset is the rule group it sits in, when it
// does); observer is the web ACL; cloud.account.id and cloud.region come
// from the web ACL ARN when it carries them.
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
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// wafRecord holds the typed fields of a WAF log record. Free-form rule
// details are kept raw (flat_object in aws.waf). Fields the mapping does not
// read are decoded too: they are declared in the schema, and decoding them
// makes a record with a wrong JSON type an error document.
type wafRecord struct {
	Timestamp                     json.RawMessage `json:"timestamp"`
	FormatVersion                 *int64          `json:"formatVersion"`
	WebACLID                      string          `json:"webaclId"`
	TerminatingRuleID             string          `json:"terminatingRuleId"`
	TerminatingRuleType           string          `json:"terminatingRuleType"`
	Action                        string          `json:"action"`
	HTTPSourceName                string          `json:"httpSourceName"`
	HTTPSourceID                  string          `json:"httpSourceId"`
	ResponseCodeSent              *int64          `json:"responseCodeSent"`
	RequestBodySize               *int64          `json:"requestBodySize"`
	RequestBodySizeInspectedByWAF *int64          `json:"requestBodySizeInspectedByWAF"`
	JA3Fingerprint                string          `json:"ja3Fingerprint"`
	JA4Fingerprint                string          `json:"ja4Fingerprint"`
	OversizeFields                []string        `json:"oversizeFields"`
	Labels                        []struct {
		Name string `json:"name"`
	} `json:"labels"`
	RuleGroupList json.RawMessage `json:"ruleGroupList"`
	HTTPRequest   struct {
		ClientIP    string          `json:"clientIp"`
		Country     string          `json:"country"`
		URI         string          `json:"uri"`
		Args        string          `json:"args"`
		HTTPVersion string          `json:"httpVersion"`
		HTTPMethod  string          `json:"httpMethod"`
		RequestID   string          `json:"requestId"`
		Fragment    string          `json:"fragment"`
		Scheme      string          `json:"scheme"`
		Host        string          `json:"host"`
		Headers     json.RawMessage `json:"headers"`
	} `json:"httpRequest"`
}

// wafHeader is one entry of httpRequest.headers.
type wafHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// wafRuleGroup is the part of a ruleGroupList entry used to name the
// terminating rule.
type wafRuleGroup struct {
	RuleGroupID     string `json:"ruleGroupId"`
	TerminatingRule *struct {
		RuleID string `json:"ruleId"`
	} `json:"terminatingRule"`
}

var (
	typeAccessAllowed = []string{"access", "allowed"}
	typeAccessDenied  = []string{"access", "denied"}
)

// wafParser keeps the buffers reused across the records of one object.
type wafParser struct {
	aws     *awsObject
	headers []wafHeader
	groups  []wafRuleGroup
	ts      []byte
}

func parseWAF(in *Input, out *Output) error {
	p := &wafParser{aws: newAWSObject("waf")}
	return readJSONRecords(in, out, false, p.record, nil)
}

func (p *wafParser) record(out *Output, raw []byte, line int64) error {
	var r wafRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	if err := p.mapRecord(d, &r); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d.AWS = p.aws.build(raw)
	return out.Emit(d)
}

// wafTimestamp reads timestamp: epoch milliseconds as a JSON number, or an
// RFC 3339 string.
func wafTimestamp(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, errors.New("record has no timestamp")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		return parseJSONTime(s)
	}
	return parseEpoch(string(raw), time.Millisecond)
}

func (p *wafParser) mapRecord(d *ecs.Document, r *wafRecord) error {
	ts, err := wafTimestamp(r.Timestamp)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	d.Timestamp = ts
	p.aws.reset()
	if r.Timestamp[0] == '"' {
		p.ts = strconv.AppendInt(p.ts[:0], ts.UnixMilli(), 10)
		p.aws.override("timestamp", p.ts)
	}

	d.Event.Category = categoryWeb
	d.Event.Action = r.Action
	switch strings.ToUpper(r.Action) {
	case "ALLOW", "COUNT":
		d.Event.Outcome, d.Event.Type = "success", typeAccessAllowed
	case "BLOCK":
		d.Event.Outcome, d.Event.Type = "failure", typeAccessDenied
	default:
		d.Event.Outcome, d.Event.Type = "unknown", typeAccess
	}
	d.Event.ID = r.HTTPRequest.RequestID

	h := &r.HTTPRequest
	addRelatedIP(d, setEndpoint(&d.Source, h.ClientIP))
	if c := present(h.Country); c != "" {
		d.Source.Geo = &ecs.Geo{CountryISOCode: c}
	}
	d.Network.Type = ipNetworkType(d.Source.IP)
	d.HTTP.Method = h.HTTPMethod
	d.HTTP.Version = strings.TrimPrefix(h.HTTPVersion, "HTTP/")
	d.URL.Path = h.URI
	d.URL.Query = h.Args
	d.URL.Scheme = strings.ToLower(h.Scheme)
	d.URL.Domain = h.Host
	if h.URI != "" {
		if h.Args != "" {
			d.URL.Original = h.URI + "?" + h.Args
		} else {
			d.URL.Original = h.URI
		}
	}
	// Headers are free-form (flat_object): a malformed entry only costs the
	// ECS fields taken from it.
	p.headers = p.headers[:0]
	if len(h.Headers) > 0 && json.Unmarshal(h.Headers, &p.headers) == nil {
		for _, hd := range p.headers {
			switch {
			case strings.EqualFold(hd.Name, "user-agent"):
				d.UserAgent = hd.Value
			case strings.EqualFold(hd.Name, "host") && d.URL.Domain == "":
				d.URL.Domain = hd.Value
			case strings.EqualFold(hd.Name, "referer"):
				d.HTTP.Referrer = hd.Value
			}
		}
	}

	d.Rule.ID = r.TerminatingRuleID
	d.Rule.Name = r.TerminatingRuleID
	d.Rule.Category = r.TerminatingRuleType
	if t := r.TerminatingRuleType; (t == "GROUP" || t == "MANAGED_RULE_GROUP") && len(r.RuleGroupList) > 0 {
		p.groups = p.groups[:0]
		if json.Unmarshal(r.RuleGroupList, &p.groups) == nil {
			for _, g := range p.groups {
				if g.TerminatingRule != nil && g.TerminatingRule.RuleID != "" {
					d.Rule.Ruleset = g.RuleGroupID
					d.Rule.Name = g.TerminatingRule.RuleID
					break
				}
			}
		}
	}

	d.Observer = ecs.Observer{Vendor: "AWS", Product: "WAF", Type: "waf", ID: r.WebACLID, Name: wafACLName(r.WebACLID)}
	if region, account := arnParts(r.WebACLID); account != "" {
		d.Cloud.AccountID = account
		if region != "" {
			d.Cloud.Region = region
		}
	}
	return nil
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
