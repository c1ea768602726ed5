package detect

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The matcher's fast paths must decide exactly as the plain
// implementations they replace: regexp for |re, gjson for record fields,
// strings.Index on lower-cased text for case-insensitive contains.

func TestRePredFastPaths(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		form    string // "lits", "set" or "regexp"
		need    string // required literal tested before the regexp
		inputs  []string
		matches []bool
	}{
		{"a literal is a substring search", `\*`, "lits", "",
			[]string{`{"AWS":"*"}`, `arn:aws:iam::1:root`, ``}, []bool{true, false, false}},
		{"an anchored literal is an equality", `^abc$`, "set", "",
			[]string{"abc", "xabc", "abcx", "ABC"}, []bool{true, false, false, false}},
		{"alternatives are substring searches", `(foo|bar)`, "lits", "",
			[]string{"xbarx", "foo", "fo", ""}, []bool{true, true, false, false}},
		{"anchored alternatives are a set lookup", `^(GetObject|PutObject)$`, "set", "",
			[]string{"GetObject", "PutObject", "getobject", "GetObjects"}, []bool{true, true, false, false}},
		{"a start anchor makes a prefix test", `^arn:aws:sts::`, "lits", "",
			[]string{"arn:aws:sts::1:assumed-role/x", "xarn:aws:sts::"}, []bool{true, false}},
		{"an end anchor makes a suffix test", `\.amazonaws\.com$`, "lits", "",
			[]string{"s3.amazonaws.com", "s3.amazonaws.com.evil"}, []bool{true, false}},
		{"a leading .* is dropped from an unanchored search", `.*:assumed-role/[^/]+/i-[0-9a-f]{8,17}`, "regexp", "",
			[]string{"arn:aws:sts::1:assumed-role/web/i-0123456789abcdef0", "arn:aws:sts::1:assumed-role/web/alice", "arn:aws:iam::1:role/i-0123456789"},
			[]bool{true, false, false}},
		{"a required literal is tested first", `[0-9]+-admin-[a-z]+`, "regexp", "-admin-",
			[]string{"42-admin-bob", "42-user-bob", "-admin-"}, []bool{true, false, false}},
		{"case folding stays with regexp (k matches the Kelvin sign)", `(?i)kelvin`, "regexp", "",
			[]string{"KELVIN", "\u212aelvin", "celsius"}, []bool{true, true, false}},
		{"a start-anchored .* keeps its line semantics", `^.*x`, "regexp", "x",
			[]string{"abx", "a\nx", "x"}, []bool{true, false, true}},
		{"U+FFFD stays with regexp, which matches it for invalid bytes", `\x{FFFD}`, "regexp", "",
			[]string{"\xff", "ok"}, []bool{true, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			re := regexp.MustCompile(tc.src)
			p := newRePred(re)
			p.plan()
			form := "regexp"
			switch {
			case p.set != nil:
				form = "set"
			case p.lits != nil:
				form = "lits"
			}
			if form != tc.form || p.need != tc.need {
				t.Errorf("form %s need %q, want %s need %q", form, p.need, tc.form, tc.need)
			}
			for i, in := range tc.inputs {
				if got := p.matchString(in); got != tc.matches[i] || got != re.MatchString(in) {
					t.Errorf("%q: fast %v, want %v (regexp %v)", in, got, tc.matches[i], re.MatchString(in))
				}
			}
		})
	}
}

func FuzzRePred(f *testing.F) {
	for _, s := range [][2]string{
		{`\*`, `{"AWS":"*"}`}, {`^(a|bc)$`, "bc"}, {`.*:x/[^/]+`, "q:x/y"}, {`(?i)ab|cd`, "AB"},
		{`(?s).*a.*`, "\nb\na"}, {`^$`, ""}, {`a{2,3}`, "aaa"}, {`\x{FFFD}`, "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, src, in string) {
		re, err := compileRe(src, "")
		if err != nil {
			return
		}
		if got, want := newRePred(re).matchString(in), re.MatchString(in); got != want {
			t.Fatalf("%q on %q: fast path %v, regexp %v", src, in, got, want)
		}
	})
}

func TestRegexpResultsAreBounded(t *testing.T) {
	p := newRePred(regexp.MustCompile(`^[a-z]+-[0-9]+$`))
	var s scratch
	for i := 0; i < 3*reCacheSize; i++ {
		v := fmt.Sprintf("user-%d", i%(2*reCacheSize))
		if !s.reMatch(p, v) {
			t.Fatalf("%q does not match", v)
		}
	}
	if s.reMatch(p, "User-1") || s.reMatch(p, "User-1") {
		t.Error("a cached miss turned into a match")
	}
	if n := len(s.re[p]); n == 0 || n > reCacheSize {
		t.Errorf("%d results kept, want 1..%d", n, reCacheSize)
	}
}

func TestIndexFoldASCII(t *testing.T) {
	cases := []struct{ s, sub string }{
		{"Mozilla TruffleHog/3.0", "trufflehog"},
		{"truffle truffleHOG", "trufflehog"},
		{"aws-cli stratus-red-team_abc", "stratus-red-team_"},
		{"STRATUS-RED-TEAM_", "stratus-red-team_"},
		{"stratus-red-team", "stratus-red-team_"},
		{"tttttT", "tt"},
		{"", "a"},
		{"abc", ""},
		{"xy-", "y-"},
		{"-y", "x-y"},
	}
	for _, tc := range cases {
		if got, want := indexFoldASCII(tc.s, tc.sub), strings.Index(lowerASCII(tc.s), tc.sub); got != want {
			t.Errorf("indexFoldASCII(%q, %q) = %d, want %d", tc.s, tc.sub, got, want)
		}
	}
}

func FuzzIndexFoldASCII(f *testing.F) {
	f.Add("Mozilla TruffleHog/3.0", "truffle")
	f.Add("a-b-A-B", "-b")
	f.Fuzz(func(t *testing.T, s, sub string) {
		sub = lowerASCII(sub)
		if got, want := indexFoldASCII(s, sub), strings.Index(lowerASCII(s), sub); got != want {
			t.Fatalf("indexFoldASCII(%q, %q) = %d, want %d", s, sub, got, want)
		}
	})
}

// recordPaths are the record paths the record tests read, in an order
// that makes the scan go forward, backward and over missing keys.
var recordPaths = [][]string{
	{"readOnly"}, {"userIdentity", "type"}, {"errorCode"}, {"userIdentity", "arn"},
	{"requestParameters", "ipPermissions", "items", "ipRanges", "items", "cidrIp"},
	{"userIdentity", "sessionContext", "sessionIssuer", "arn"}, {"a.b"}, {"resources", "ARN"},
	{"userIdentity", "type"}, {"eventName"}, {"tags", "k"},
}

// gjsonValues is the reference: the first top-level member found with
// gjson, then gjson.Get below it, arrays fanned out.
func gjsonValues(raw string, keys []string) []string {
	var top gjson.Result
	found := false
	gjson.Parse(raw).ForEach(func(k, v gjson.Result) bool {
		if k.Str == keys[0] {
			top, found = v, true
			return false
		}
		return true
	})
	if !found {
		return nil
	}
	var out []string
	var walkRef func(r gjson.Result, keys []string)
	walkRef = func(r gjson.Result, keys []string) {
		if r.IsArray() {
			r.ForEach(func(_, el gjson.Result) bool { walkRef(el, keys); return true })
			return
		}
		if len(keys) == 0 {
			if r.Type != gjson.Null {
				out = append(out, fmt.Sprintf("%v:%s", r.Type, valueText(r)))
			}
			return
		}
		if !r.IsObject() {
			return
		}
		if r = r.Get(escapeGJSON(keys[0])); r.Exists() {
			walkRef(r, keys[1:])
		}
	}
	walkRef(top, keys[1:])
	return out
}

func checkRecord(t *testing.T, raw string) {
	t.Helper()
	d := &ecs.Document{Type: "cloudtrail", AWS: []byte(raw)}
	var e evalDoc
	e.reset(d)
	for round := 0; round < 2; round++ { // the second round reads the memo
		for _, keys := range recordPaths {
			var got []string
			for _, v := range recordAccessor("cloudtrail", keys)(&e, nil) {
				got = append(got, fmt.Sprintf("%v:%s", v.Type, valueText(v)))
			}
			if want := gjsonValues(raw, keys); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s in %s: %q, gjson %q", strings.Join(keys, "."), raw, got, want)
			}
		}
	}
}

func TestRecordAccessMatchesGJSON(t *testing.T) {
	records := map[string]string{
		"a CloudTrail record": `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/i-0abc",` +
			`"sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/r"}}},"eventName":"AuthorizeSecurityGroupIngress",` +
			`"requestParameters":{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"},{"cidrIp":"10.0.0.0/8"}]}}]}},` +
			`"resources":[{"ARN":"a1"},{"ARN":"a2"}],"readOnly":false}`,
		"whitespace everywhere":                 " {\n \"readOnly\" : true ,\t\"userIdentity\" : { \"type\" : \"Root\" } , \"errorCode\" : null }\n",
		"escapes in values":                     `{"userIdentity":{"type":"IAM\"User\\","arn":"a\u00e9"},"errorCode":"Access\\Denied","readOnly":true}`,
		"an escaped key":                        `{"error\u0043ode":"AccessDenied","readOnly":true}`,
		"a key with a dot":                      `{"a.b":"dotted","a":{"b":"nested"}}`,
		"a repeated key":                        `{"errorCode":"first","errorCode":"second","userIdentity":{"type":"a","type":"b"}}`,
		"numbers and literals":                  `{"readOnly":1.5e3,"errorCode":-0,"eventName":false,"tags":{"k":12}}`,
		"an empty object":                       `{}`,
		"not an object":                         `["readOnly",true]`,
		"truncated":                             `{"userIdentity":{"type":"Root"},"readOnly":tr`,
		"an unterminated string":                `{"userIdentity":{"type":"Root"},"errorCode":"Acc`,
		"a quoted key inside a value":           `{"requestParameters":{"readOnly":"nested"},"userIdentity":{"type":"x"}}`,
		"a key repeated on both sides":          `{"a":1,"readOnly":"first","requestParameters":{"k":[1,{"v":"}]"}]},"x":true,"readOnly":"second"}`,
		"a nested key before the top-level one": `{"x":{"readOnly":"nested"},"y":1,"readOnly":"top","eventName":"E"}`,
	}
	for name, raw := range records {
		t.Run(name, func(t *testing.T) { checkRecord(t, raw) })
	}
}

func FuzzRecordAccess(f *testing.F) {
	f.Add(`{"userIdentity":{"type":"Root","arn":"x"},"readOnly":true,"errorCode":"AccessDenied"}`)
	f.Add(`{"requestParameters":{"ipPermissions":{"items":[{"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}}`)
	f.Add(`{"a.b":1,"resources":[{"ARN":"q"},{"ARN":null}],"tags":{"k":"v"}}`)
	f.Add(`{"readOnly":1,"x":{"readOnly":2},"errorCode":[],"readOnly":3}`)
	f.Fuzz(func(t *testing.T, raw string) {
		if !gjson.Valid(raw) {
			return // d.AWS always holds valid JSON
		}
		checkRecord(t, raw)
	})
}
