package logs

import (
	"os"
	"testing"
)

func TestWAFFields(t *testing.T) {
	const acl = `"webaclId":"arn:aws:wafv2:us-east-1:123456789012:global/webacl/hello-world/5933d6d9-9dde-js82-v8aw-9ck28nv9"`
	checkFieldCases(t, "waf", []fieldCase{
		{"an allowed request maps client, request line, headers and the web ACL",
			`{"timestamp":1592357192516,"formatVersion":1,` + acl + `,"terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW","httpRequest":{"clientIp":"89.160.20.156","country":"US","headers":[{"name":"Host","value":"localhost:1989"},{"name":"user-agent","value":"curl/7.61.1"}],"uri":"/foo","args":"a=1","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"rid"}}`,
			map[string]any{"@timestamp": "2020-06-17T01:26:32.516Z", "event.action": "ALLOW", "event.outcome": "success", "event.type": "[access allowed]",
				"source.ip": "89.160.20.156", "source.geo.country_iso_code": "US", "http.request.method": "GET", "http.version": "1.1",
				"url.path": "/foo", "url.query": "a=1", "url.original": "/foo?a=1", "url.domain": "localhost", "url.port": "1989", "user_agent.original": "curl/7.61.1",
				"rule.id": "Default_Action", "rule.ruleset": nil, "observer.name": "hello-world", "cloud.account.id": "123456789012", "cloud.region": "us-east-1",
				"event.id": "rid", "aws.waf.httpRequest.headers.items": "[map[name:Host value:localhost:1989] map[name:user-agent value:curl/7.61.1]]"}},
		{"a block inside a rule group names the group and its rule",
			`{"timestamp":1592361810888,` + acl + `,"terminatingRuleId":"RG-Reference","terminatingRuleType":"GROUP","action":"BLOCK","terminatingRuleMatchDetails":[{"conditionType":"XSS","location":"HEADER","matchedData":["<","frameset"]}],"ruleGroupList":[{"ruleGroupId":"arn:aws:wafv2:us-east-1:123456789012:global/rulegroup/hello-world/c05lb698","terminatingRule":{"ruleId":"RuleA-XSS","action":"BLOCK","ruleMatchDetails":null},"nonTerminatingMatchingRules":[],"excludedRules":null}],"httpRequest":{"clientIp":"89.160.20.156","country":"-"}}`,
			map[string]any{"event.action": "BLOCK", "event.outcome": "failure", "event.type": "[access denied]", "rule.id": "RG-Reference", "rule.name": "RuleA-XSS",
				"rule.ruleset": "arn:aws:wafv2:us-east-1:123456789012:global/rulegroup/hello-world/c05lb698", "rule.category": "GROUP", "source.geo": nil,
				"aws.waf.terminatingRuleMatchDetails.items": "[map[conditionType:XSS location:HEADER matchedData:[< frameset]]]"}},
		{"a CAPTCHA has an unknown outcome and keeps captchaResponse as an object",
			`{"timestamp":1700000180250,"webaclId":"385cb038-3a6f-4f2f-ac64-09ab912af590","terminatingRuleId":"C","terminatingRuleType":"REGULAR","action":"CAPTCHA","captchaResponse":{"responseCode":405,"failureReason":"TOKEN_MISSING"},"httpRequest":{"clientIp":"192.0.2.44"}}`,
			map[string]any{"event.outcome": "unknown", "event.type": "[access]", "observer.id": "385cb038-3a6f-4f2f-ac64-09ab912af590", "observer.name": "385cb038-3a6f-4f2f-ac64-09ab912af590",
				"cloud.account.id": nil, "aws.waf.captchaResponse.responseCode": "405"}},
		{"a timestamp given as RFC 3339 is accepted and written back as epoch milliseconds",
			`{"timestamp": "2024-03-20T10:30:00.000Z", "webaclId": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/test/a1b2c3d4", "action": "BLOCK", "httpRequest": {"clientIp": "203.0.113.45"}}`,
			map[string]any{"@timestamp": "2024-03-20T10:30:00Z", "aws.waf.timestamp": "1710930600000", "observer.name": "test"}},
		{"a masked client address is kept as source.address without source.ip",
			`{"timestamp":1682374606245,"action":"ALLOW","httpRequest":{"clientIp":"X.X.X.X","country":"TR"}}`,
			map[string]any{"source.ip": nil, "source.address": "X.X.X.X", "related.ip": nil}},
	})
}

func FuzzWAF(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "waf") {
		f.Add(seed)
	}
	f.Add([]byte(`{"timestamp":1,"ruleGroupList":"x","httpRequest":{"headers":{"a":1}},"labels":null}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzJSONType(t, "waf", data) })
}

func BenchmarkWAF(b *testing.B) {
	data, err := os.ReadFile("testdata/waf/v2.log")
	if err != nil {
		b.Fatal(err)
	}
	benchNormalize(b, "waf", repeatToSize("", string(data), 4<<20))
}
