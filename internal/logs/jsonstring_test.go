package logs

import (
	"encoding/json"
	"testing"
)

func TestJSONStringsDecodeAsEncodingJSON(t *testing.T) {
	tests := []struct {
		name, tok string
		inPlace   bool // the content is the token's own bytes
	}{
		{"plain ASCII", `"abc def"`, true},
		{"valid UTF-8", `"é😀"`, true},
		{"the empty string", `""`, true},
		{"short escapes", `"a\"b\\c\/d\b\f\n\r\te"`, false},
		{"a \\u escape", `"\u00e9\u0000"`, false},
		{"a surrogate pair", `"\ud83d\ude00"`, false},
		{"a lone high surrogate", `"\ud800x"`, false},
		{"a lone low surrogate", `"\udc00"`, false},
		{"a high surrogate before another escape", `"\ud800\u0041"`, false},
		{"invalid UTF-8", "\"a\xff\xfeb\"", false},
		{"an encoded surrogate", "\"\xed\xa0\x80\"", false},
		{"a truncated rune", "\"\xe2\x82\"", false},
		{"an escape after plain text", `"` + "0123456789" + `\n"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content, inPlace := checkScanJSONString(t, tt.tok)
			if content == nil {
				t.Fatal("rejected")
			}
			if inPlace != tt.inPlace {
				t.Errorf("in place: %v, want %v", inPlace, tt.inPlace)
			}
		})
	}
	for _, bad := range []string{`"abc`, `"a` + "\x01" + `"`, `"\x"`, `"\u12"`, `"\u12g4"`, `"\`, `"\ud800\u12"`} {
		if content, _ := checkScanJSONString(t, bad); content != nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// checkScanJSONString asserts that scanJSONString accepts tok exactly when
// encoding/json does and decodes it the same, and so does unquoteJSON (on
// top of it) when it accepts; it returns the content (nil when rejected)
// and whether it is tok's own bytes.
func checkScanJSONString(t *testing.T, tok string) (content []byte, inPlace bool) {
	t.Helper()
	s := &recordScanner{b: []byte(tok)}
	content, dst, ok := scanJSONString(s, []byte("xy"))
	end := s.i
	if ok {
		s.space() // encoding/json takes whitespace after the value
		ok = s.i == len(tok)
	}
	var want string
	err := json.Unmarshal([]byte(tok), &want)
	if ok != (err == nil) {
		t.Fatalf("scanJSONString(%q) accepts: %v; encoding/json: %v", tok, ok, err)
	}
	if !ok {
		return nil, false
	}
	if string(content) != want {
		t.Errorf("scanJSONString(%q) = %q, encoding/json: %q", tok, content, want)
	}
	scratch := []byte("stale")
	if got := unquoteJSON([]byte(tok[:end]), &scratch); got != want {
		t.Errorf("unquoteJSON(%q) = %q, encoding/json: %q", tok[:end], got, want)
	}
	inPlace = len(content) > 0 && &content[0] == &s.b[1]
	if string(dst[:2]) != "xy" || !inPlace && len(dst) != 2+len(content) {
		t.Errorf("scanJSONString(%q) left dst %q, want \"xy\" then the content when decoded", tok, dst)
	}
	if content == nil {
		content = []byte{}
	}
	return content, inPlace || len(content) == 0
}

func FuzzScanJSONString(f *testing.F) {
	f.Add(`"a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x\udc00\ud800\u0041"`)
	f.Add("\"\xff\xed\xa0\x80é\"")
	f.Add("\"\xff\" ")
	f.Fuzz(func(t *testing.T, tok string) {
		if len(tok) > 0 && tok[0] == '"' {
			checkScanJSONString(t, tok)
		}
	})
}
