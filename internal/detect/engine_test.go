package detect

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// ruleFrom compiles a detection block (YAML) for a service, with optional
// parameters, failing the test on any error.
func ruleFrom(t *testing.T, service, detectionYAML string, params map[string][]string) *Rule {
	t.Helper()
	r, err := tryRule(service, detectionYAML, params)
	if err != nil {
		t.Fatalf("rule does not compile: %v", err)
	}
	return r
}

func tryRule(service, detectionYAML string, params map[string][]string) (*Rule, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(detectionYAML), &n); err != nil {
		return nil, err
	}
	el := &errList{file: "inline.yml", id: "inline"}
	det := parseDetection(n.Content[0], service, el, loadMode{house: true})
	if el.len() > 0 {
		return nil, el.errs[0]
	}
	if params == nil {
		params = map[string][]string{}
	}
	r := &Rule{ID: "inline", Title: "inline", Service: service, det: det, Parameters: params,
		Author: "a", License: "l", Source: "s", Level: "high", Severity: 2}
	if err := r.compile(); err != nil {
		return nil, err
	}
	return r, nil
}

// ctDoc normalizes a raw CloudTrail record with the real parser.
func ctDoc(t *testing.T, raw string) *ecs.Document {
	t.Helper()
	docs, err := logs.NormalizeRecord("cloudtrail", []byte(raw))
	if err != nil || len(docs) != 1 {
		t.Fatalf("normalize: %v (%d docs)", err, len(docs))
	}
	return &docs[0]
}

// both evaluates the rule on d with the matcher and with the compiled
// query, fails when they disagree, and returns the verdict.
func both(t *testing.T, r *Rule, d *ecs.Document) bool {
	t.Helper()
	var ev evalDoc
	ev.reset(d)
	inProcess := r.det.cond.eval(&ev, &scratch{})
	body, err := parseDSLDoc(d.AppendJSON(nil))
	if err != nil {
		t.Fatal(err)
	}
	q, notes, err := r.ExportQuery()
	if err != nil {
		return inProcess // not exported: nothing to compare (TestExportOnFlatObject)
	}
	inDSL, err := evalDSL(q, body)
	if err != nil {
		t.Fatalf("query evaluation: %v\nquery: %v", err, q)
	}
	if !exportAgrees(inProcess, inDSL, notes) {
		t.Fatalf("matcher says %v, query says %v (notes %v)\nquery: %v", inProcess, inDSL, notes, q)
	}
	return inProcess
}

const baseCT = `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/Bob","userName":"Bob","accountId":"111122223333","sessionContext":{"sessionIssuer":{"userName":"Bob"}}},"eventTime":"2024-01-02T03:04:05Z","eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.0 Linux Boto3","requestParameters":{"groupId":"sg-1","ipPermissions":{"items":[{"fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"0.0.0.0/0"}]}}]},"note":"a*b"},"responseElements":null,"additionalEventData":{"MFAUsed":"YES"},"eventID":"e1","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}`

func TestModifiersAndValues(t *testing.T) {
	doc := ctDoc(t, baseCT)
	cases := []struct {
		name string
		det  string
		want bool
	}{
		{"plain strings compare case-insensitively", "s: {eventName: authorizesecuritygroupingress}\ncondition: s", true},
		{"cased compares exactly", "s: {eventName|cased: authorizesecuritygroupingress}\ncondition: s", false},
		{"cased matches the exact case", "s: {eventName|cased: AuthorizeSecurityGroupIngress}\ncondition: s", true},
		{"a list of values is an OR", "s: {eventName: [CreateVpc, AuthorizeSecurityGroupIngress]}\ncondition: s", true},
		{"contains finds a substring in any case", "s: {userAgent|contains: BOTO3}\ncondition: s", true},
		{"contains misses an absent substring", "s: {userAgent|contains: terraform}\ncondition: s", false},
		{"startswith matches a prefix", "s: {eventName|startswith: authorize}\ncondition: s", true},
		{"startswith is not contains", "s: {eventName|startswith: Security}\ncondition: s", false},
		{"endswith matches a suffix", "s: {eventName|endswith: INGRESS}\ncondition: s", true},
		{"contains all needs every value", "s: {userAgent|contains|all: [aws-cli, linux]}\ncondition: s", true},
		{"contains all fails on one missing value", "s: {userAgent|contains|all: [aws-cli, windows]}\ncondition: s", false},
		{"star wildcard in a plain value", "s: {userIdentity.arn: 'arn:aws:iam::*:user/bob'}\ncondition: s", true},
		{"question mark matches one character", "s: {awsRegion: 'us-east-?'}\ncondition: s", true},
		{"question mark needs a character", "s: {awsRegion: 'us-east-1?'}\ncondition: s", false},
		{"escaped star is literal", "s: {requestParameters.note: 'a\\*b'}\ncondition: s", true},
		{"escaped star does not match other text", "s: {requestParameters.note: 'a\\*c'}\ncondition: s", false},
		{"re searches unanchored and case-sensitively", "s: {userIdentity.arn|re: ':user/B.b$'}\ncondition: s", true},
		{"re is case-sensitive by default", "s: {userIdentity.arn|re: ':user/bob$'}\ncondition: s", false},
		{"re|i folds case", "s: {userIdentity.arn|re|i: ':USER/bob$'}\ncondition: s", true},
		{"re anchored at the start", "s: {userAgent|re: '^aws-cli/[0-9]+\\.[0-9]'}\ncondition: s", true},
		{"re alternation and repetition", "s: {eventName|re: '(Revoke|Authorize)SecurityGroup(In|E)gress'}\ncondition: s", true},
		{"cidr matches an ip field", "s: {source.ip|cidr: 198.51.100.0/24}\ncondition: s", true},
		{"cidr outside the range", "s: {source.ip|cidr: 10.0.0.0/8}\ncondition: s", false},
		{"ip equality", "s: {source.ip: 198.51.100.7}\ncondition: s", true},
		{"exists true on a present field", "s: {userIdentity.userName|exists: true}\ncondition: s", true},
		{"exists false on an absent field", "s: {errorCode|exists: false}\ncondition: s", true},
		{"null means absent", "s: {errorCode: null}\ncondition: s", true},
		{"null fails on a present field", "s: {eventType: null}\ncondition: s", false},
		{"null in a list is an OR with absence", "s: {errorCode: [null, Success]}\ncondition: s", true},
		{"booleans match JSON booleans", "s: {readOnly: false}\ncondition: s", true},
		{"booleans do not match the other value", "s: {readOnly: true}\ncondition: s", false},
		{"flat_object numbers match as text", "s: {requestParameters.ipPermissions.items.fromPort: 22}\ncondition: s", true},
		{"nested arrays: any element matches", "s: {requestParameters.ipPermissions.items.ipRanges.items.cidrIp|endswith: /0}\ncondition: s", true},
		{"nested arrays: no element matches", "s: {requestParameters.ipPermissions.items.ipRanges.items.cidrIp: 192.168.0.0/16}\ncondition: s", false},
		{"flat_object strings fold case", "s: {additionalEventData.MFAUsed: yes}\ncondition: s", true},
		{"fieldref compares two fields", "s: {userIdentity.userName|fieldref: userIdentity.sessionContext.sessionIssuer.userName}\ncondition: s", true},
		{"fieldref fails on different values", "s: {userIdentity.userName|fieldref: userIdentity.accountId}\ncondition: s", false},
		{"ECS paths work in cloudtrail rules", "s: {user.name: bob, event.outcome: success}\ncondition: s", true},
		{"list of maps is an OR of ANDs", "s:\n  - {eventName: CreateVpc, awsRegion: us-east-1}\n  - {eventName: AuthorizeSecurityGroupIngress, awsRegion: us-east-1}\ncondition: s", true},
		{"list of maps needs one full branch", "s:\n  - {eventName: CreateVpc, awsRegion: us-east-1}\n  - {eventName: AuthorizeSecurityGroupIngress, awsRegion: eu-west-1}\ncondition: s", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleFrom(t, "cloudtrail", tc.det, nil)
			if got := both(t, r, doc); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	doc := ctDoc(t, baseCT)
	sels := "sel_a: {eventName: AuthorizeSecurityGroupIngress}\nsel_b: {awsRegion: eu-west-1}\nfilter_c: {userIdentity.type: IAMUser}\n"
	cases := []struct {
		cond string
		want bool
	}{
		{"sel_a and filter_c and not sel_b", true},
		{"sel_a and sel_b and filter_c", false},
		{"(sel_a or sel_b) and filter_c", true},
		{"sel_a and not (sel_b or filter_c)", false},
		{"not sel_a or not sel_b and filter_c", true}, // not binds tightest, and before or
		{"1 of sel_* and filter_c", true},
		{"all of sel_* and filter_c", false},
		{"1 of them", true},
		{"all of them", false},
		{"sel_a and not 1 of filter* or sel_b", false},
		{"not not sel_a and filter_c and 1 of sel_b or filter_c", true},
	}
	for _, tc := range cases {
		t.Run(tc.cond, func(t *testing.T) {
			r := ruleFrom(t, "cloudtrail", sels+"condition: "+tc.cond, nil)
			if got := both(t, r, doc); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConditionErrors(t *testing.T) {
	sels := "sel_a: {eventName: X}\nsel_b: {awsRegion: Y}\n"
	cases := []struct{ cond, want string }{
		{"sel_a and sel_c", `undefined selection "sel_c"`},
		{"sel_a and", "condition ends early"},
		{"(sel_a or sel_b", "missing )"},
		{"2 of sel_*", `only "1 of" and "all of"`},
		{"1 of x*", `"x*" matches no selection`},
		{"sel_a | count() > 5", "use threshold"},
		{"sel_a and sel_b )", `unexpected ")"`},
		{"sel_*", `needs "1 of" or "all of"`},
		{"sel_a", `selection "sel_b" is not used`},
	}
	for _, tc := range cases {
		t.Run(tc.cond, func(t *testing.T) {
			_, err := tryRule("cloudtrail", sels+"condition: "+tc.cond, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// flowDoc is a hand-built VPC flow document (ECS fields only).
func flowDoc(src string, dport int64, action string) *ecs.Document {
	return &ecs.Document{
		ID: "f1", Type: "vpcflow", Timestamp: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Event:       ecs.Event{Kind: "event", Dataset: "aws.vpcflow", Module: "aws", Action: action, Outcome: "success"},
		Cloud:       ecs.Cloud{Provider: "aws", AccountID: "111122223333", Region: "us-east-1"},
		Source:      ecs.Endpoint{IP: src, Port: 51515},
		Destination: ecs.Endpoint{IP: "10.0.0.5", Port: dport},
		Network:     ecs.Network{Transport: "tcp", IANANumber: "6"},
		Related:     ecs.Related{IP: []string{src, "10.0.0.5"}},
	}
}

func TestNumbersAndIPs(t *testing.T) {
	cases := []struct {
		name string
		det  string
		doc  *ecs.Document
		want bool
	}{
		{"long equality", "s: {destination.port: 22}\ncondition: s", flowDoc("203.0.113.9", 22, "accept"), true},
		{"long list", "s: {destination.port: [22, 3389]}\ncondition: s", flowDoc("203.0.113.9", 3389, "accept"), true},
		{"gt", "s: {destination.port|gt: 1023}\ncondition: s", flowDoc("203.0.113.9", 1024, "accept"), true},
		{"gt excludes the bound", "s: {destination.port|gt: 1024}\ncondition: s", flowDoc("203.0.113.9", 1024, "accept"), false},
		{"gte includes the bound", "s: {destination.port|gte: 1024}\ncondition: s", flowDoc("203.0.113.9", 1024, "accept"), true},
		{"lt", "s: {destination.port|lt: 1024}\ncondition: s", flowDoc("203.0.113.9", 22, "accept"), true},
		{"lte", "s: {destination.port|lte: 21}\ncondition: s", flowDoc("203.0.113.9", 22, "accept"), false},
		{"cidr on an array ip field", "s: {related.ip|cidr: 10.0.0.0/8}\ncondition: s", flowDoc("203.0.113.9", 22, "accept"), true},
		{"ipv6 cidr does not match ipv4", "s: {source.ip|cidr: '::/0'}\ncondition: s", flowDoc("203.0.113.9", 22, "accept"), false},
		{"not cidr keeps outside addresses", "s: {source.ip|cidr: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}\ncondition: not s", flowDoc("203.0.113.9", 22, "accept"), true},
		{"absent number is not zero", "s: {source.bytes: 0}\ncondition: s", flowDoc("203.0.113.9", 22, "accept"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleFrom(t, "vpcflow", tc.det, nil)
			if got := both(t, r, tc.doc); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFieldTypeErrors(t *testing.T) {
	cases := []struct{ service, det, want string }{
		{"cloudtrail", "s: {readOnly|gt: 10}", "gt needs a numeric field"},
		{"cloudtrail", "s: {readOnly|cidr: 10.0.0.0/8}", "cidr needs an ip field"},
		{"cloudtrail", "s: {source.ip|cidr: 10.0.0.0/33}", "cidr:"},
		{"cloudtrail", "s: {eventName|re: '(['}", "re:"},
		{"cloudtrail", "s: {eventName|re: '(?P<x'}", "re:"},
		{"cloudtrail", "s: {eventNmae: X}", `unknown field "eventNmae"`},
		{"cloudtrail", "s: {eventName|base63: X}", `unknown modifier "base63"`},
		{"cloudtrail", "s: {eventName|base64|contains: 'a*b'}", "no Base64 form"},
		{"cloudtrail", "s: {eventName|base64|re: 'a'}", "applies to string values only"},
		{"cloudtrail", "s: {readOnly|hour: 3}", "needs a date field"},
		{"cloudtrail", "s: {eventTime|hour: three}", "takes whole numbers"},
		{"cloudtrail", "s: {eventName|neq|re: x}", "neq applies to"},
		{"cloudtrail", "s: {eventName|all: x}", "all needs a list of values"},
		{"cloudtrail", "s: {eventName|contains|startswith: X}", "exclude each other"},
		{"cloudtrail", "s: {message|fieldref: eventName}", "fieldref needs a field with comparable values"},
		{"cloudtrail", "s: {userIdentity.arn|fieldref: readOnly}", "types differ"},
		{"cloudtrail", "s: {errorCode|contains: null}", "null (field absent) cannot be combined"},
		{"cloudtrail", "s: {eventTime: '2024'}", "only exists (or a time modifier) can test it"},
		{"cloudtrail", "s: {readOnly: maybe}", "boolean field"},
		{"cloudtrail", "s: {eventName|exists: yes}", "exists takes one value"},
		{"cloudtrail", "s: {eventName|expand: '%missing%'}", `parameter "missing" is not declared`},
		{"cloudtrail", "s: [a, b]", "keyword (full-text) selections are not used by the built-in catalog"},
		{"vpcflow", "s: {destination.port: http}", "takes numbers"},
		{"vpcflow", "s: {destination.port|contains: 2}", "takes plain values only"},
		{"vpcflow", "s: {source.ip: 10.0.0.*}", "ip field"},
		{"vpcflow", "s: {message|contains: x}", "only exists (or a time modifier) can test it"},
		{"vpcflow", "s: {aws.vpcflow.nosuchfield: x}", "not declared in the vpcflow document schema"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			_, err := tryRule(tc.service, tc.det+"\ncondition: s", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestExpandAndSetParameter(t *testing.T) {
	doc := ctDoc(t, strings.Replace(baseCT, `"groupId":"sg-1"`, `"bucketName":"org-logs-archive"`, 1))
	det := "s: {requestParameters.bucketName|expand: '%log_buckets%'}\ncondition: s"
	r := ruleFrom(t, "cloudtrail", det, map[string][]string{"log_buckets": {"other", "ORG-LOGS-*"}})
	if !both(t, r, doc) {
		t.Fatal("expanded wildcard value should match case-insensitively")
	}
	cat := newCatalog()
	if err := cat.add(r); err != nil {
		t.Fatal(err)
	}
	if err := cat.SetParameter("log_buckets", []string{"site-audit"}); err != nil {
		t.Fatal(err)
	}
	if both(t, r, doc) {
		t.Error("after SetParameter the old bucket must no longer match")
	}
	if err := cat.SetParameter("log_buckets", nil); err != nil {
		t.Fatal(err)
	}
	if both(t, r, doc) {
		t.Error("an empty parameter list must match nothing")
	}
	if err := cat.SetParameter("nope", []string{"x"}); err == nil {
		t.Error("SetParameter of an undeclared parameter must fail")
	}
	got := cat.ParameterNames()
	if len(got) != 1 || got[0] != "log_buckets" {
		t.Errorf("ParameterNames = %v", got)
	}
}

func TestCandidateIndex(t *testing.T) {
	cases := []struct {
		det              string
		action, provider []string
	}{
		{"s: {eventSource: ec2.amazonaws.com, eventName: [CreateVpc, DeleteVpc]}\ncondition: s", []string{"createvpc", "deletevpc"}, []string{"ec2.amazonaws.com"}},
		{"s: {eventSource: iam.amazonaws.com}\nf: {eventName: GetUser}\ncondition: s and not f", nil, []string{"iam.amazonaws.com"}},
		{"a: {eventName: A}\nb: {eventName: B}\ncondition: a or b", []string{"a", "b"}, nil},
		{"a: {eventName: A}\nb: {awsRegion: x}\ncondition: a or b", nil, nil},
		{"a: {eventName|startswith: Put}\ncondition: a", nil, nil},
		{"a: {eventName: 'Put*'}\ncondition: a", nil, nil},
		{"a:\n  - {eventName: A}\n  - {eventName: B, eventSource: s}\ncondition: a", []string{"a", "b"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.det, func(t *testing.T) {
			r := ruleFrom(t, "cloudtrail", tc.det, nil)
			if !equalStrings(r.req.action, tc.action) || !equalStrings(r.req.provider, tc.provider) {
				t.Errorf("requirement %+v, want action %v provider %v", r.req, tc.action, tc.provider)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMatcherUsesIndexAndCarriesAttribution(t *testing.T) {
	indexed := ruleFrom(t, "cloudtrail", "s: {eventName: ConsoleLogin}\ncondition: s", nil)
	indexed.ID = "indexed"
	fallback := ruleFrom(t, "cloudtrail", "s: {userIdentity.type: IAMUser}\ncondition: s", nil)
	fallback.ID, fallback.Author, fallback.License, fallback.Source = "fallback", "Sigma Author", "DRL-1.1", "SigmaHQ rules/x.yml"
	other := ruleFrom(t, "vpcflow", "s: {destination.port: 22}\ncondition: s", nil)
	other.ID = "other"
	cat := newCatalog()
	for _, r := range []*Rule{indexed, fallback, other} {
		if err := cat.add(r); err != nil {
			t.Fatal(err)
		}
	}
	m := cat.NewMatcher()
	var got []Alert
	m.Match(ctDoc(t, baseCT), func(a Alert) { got = append(got, a) })
	if len(got) != 1 || got[0].RuleID != "fallback" {
		t.Fatalf("alerts %+v, want only the fallback rule", got)
	}
	a := got[0]
	if a.Author != "Sigma Author" || a.License != "DRL-1.1" || a.RuleSource != "SigmaHQ rules/x.yml" {
		t.Errorf("attribution not carried: %+v", a)
	}
	if a.Account != "111122223333" || a.Principal != "Bob" || a.Source != "198.51.100.7" || a.DocID != "e1" || a.Count != 1 || a.Index != "log-aws-cloudtrail-2024.01" {
		t.Errorf("context: %+v", a)
	}
	if st := m.Stats(); st.Evaluations != 1 {
		t.Errorf("evaluated %d rules, want 1 (the indexed and vpcflow rules are not candidates)", st.Evaluations)
	}
}
