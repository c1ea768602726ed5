package logs

import (
	"strings"
	"testing"
)

// testShape is a record shape over the aws.waf schema with one path of each
// kind the parsers use.
var testShape = newRecordShape("waf", shapeSpec{
	lists: map[string]arity{"oversizeFields": listOf, "labels": listOf, "httpRequest.headers": oneOrList},
	own:   []string{"timestamp"},
	slots: []string{0: "action", 1: "httpRequest.clientIp", 2: "responseCodeSent", 3: "httpRequest", 4: "timestamp"},
})

func TestRecordShapeChecksDeclaredTypes(t *testing.T) {
	cases := []struct {
		name, record, err string
	}{
		{"declared fields of their types pass", `{"action":"ALLOW","responseCodeSent":403,"httpRequest":{"clientIp":"192.0.2.1"},"oversizeFields":["a",null],"labels":[{"name":"l"},null]}`, ""},
		{"null stands for any declared field", `{"action":null,"responseCodeSent":null,"httpRequest":null,"oversizeFields":null,"labels":null}`, ""},
		{"undeclared fields and flat_object fields hold anything", `{"x":{"y":[1]},"ruleGroupList":"s","captchaResponse":7}`, ""},
		{"the parser's own field is not checked", `{"timestamp":"2024-01-01T00:00:00Z"}`, ""},
		{"a keyword holding a number fails", `{"httpRequest":{"clientIp":12345}}`, "httpRequest.clientIp holds the number 12345, the schema declares keyword (a JSON string)"},
		{"a long holding a fraction fails", `{"responseCodeSent":1.5}`, "responseCodeSent holds the number 1.5, the schema declares long (a whole number within 64 bits)"},
		{"a long beyond 64 bits fails", `{"requestBodySize":99999999999999999999}`, "requestBodySize holds the number 99999999999999999999"},
		{"an object path holding a string fails", `{"httpRequest":"GET /"}`, "httpRequest holds a string, the schema declares an object"},
		{"a list holding a bare value fails", `{"oversizeFields":"a"}`, "oversizeFields holds a string, the schema declares a list of keyword (JSON strings)"},
		{"a list element of another type fails", `{"labels":[{"name":"a"},"b"]}`, "labels holds a list with a string, the schema declares a list of objects"},
		{"a declared field inside a list element is checked", `{"labels":[{"name":true}]}`, "labels.name holds a boolean, the schema declares keyword"},
		{"a bare value is not a list unless the parser says so", `{"action":["ALLOW"]}`, "action holds an array, the schema declares keyword"},
		{"an escaped key is the declared field it names", `{"a\u0063tion":5}`, "action holds the number 5"},
		{"a type error in a duplicate key counts", `{"action":5,"action":"ALLOW"}`, "action holds the number 5"},
		{"a syntax error wins over a type error before it", `{"action":5,"x":tru}`, "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v shapeValues
			err := testShape.read([]byte(c.record), &v)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}

func TestRecordShapeSlots(t *testing.T) {
	var v shapeValues
	read := func(record string) {
		t.Helper()
		if err := testShape.read([]byte(record), &v); err != nil {
			t.Fatal(err)
		}
	}
	read(`{"action":"A\u00e9\"","responseCodeSent":-7,"httpRequest":{"clientIp":"192.0.2.1"},"timestamp":{"a":1}}`)
	if got := v.str(v.val(0)); got != "Aé\"" {
		t.Errorf("escaped string: %q", got)
	}
	if n, ok := v.int(v.val(2)); !ok || n != -7 {
		t.Errorf("long: %d %v", n, ok)
	}
	if got := v.text(v.val(4)); got != `{"a":1}` {
		t.Errorf("own raw value: %q", got)
	}

	read(`{"httpRequest":{"clientIp":"a"},"httpRequest":{"country":"NL"},"action":"x","action":null}`)
	if got := v.str(v.val(1)); got != "" {
		t.Errorf("a repeated object replaces the earlier one (as aws.<type> keeps the last): clientIp %q", got)
	}
	if v.has(v.val(0)) || !v.has(v.val(3)) {
		t.Errorf("the last value wins, null included: action %q", v.text(v.val(0)))
	}

	read(`{"action":"first"}`)
	read(`{}`)
	if v.has(v.val(0)) || v.str(v.val(1)) != "" {
		t.Error("slots of the previous record survive")
	}

	read("{\"action\":\"bad \xff byte\"}")
	if got := v.str(v.val(0)); got != "bad \ufffd byte" {
		t.Errorf("invalid UTF-8 is replaced as encoding/json does: %q", got)
	}
}

func TestRecordShapeRejectsUndeclaredPaths(t *testing.T) {
	for name, spec := range map[string]shapeSpec{
		"an undeclared slot":      {slots: []string{"httpRequest.nope"}},
		"an undeclared list":      {lists: map[string]arity{"nope": listOf}},
		"a slot below a list":     {lists: map[string]arity{"labels": listOf}, slots: []string{"labels.name"}},
		"an undeclared own field": {own: []string{"nope"}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			newRecordShape("waf", spec)
		})
	}
}

func TestShapeNodeKidTable(t *testing.T) {
	root := schemaTree("waf")
	if root.table == nil {
		t.Fatal("the waf top level has no kid table")
	}
	for _, k := range root.kids {
		if root.kid([]byte(k.name)) != k {
			t.Errorf("kid %q not found", k.name)
		}
	}
	for _, name := range []string{"", "x", "actio", "actions", "httprequest"} {
		if k := root.kid([]byte(name)); k != nil {
			t.Errorf("%q found %q", name, k.name)
		}
	}
}
