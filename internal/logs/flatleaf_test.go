package logs

import (
	"encoding/json"
	"strings"
	"testing"
)

// Lucene refuses a term over 32766 bytes of UTF-8
// (org.apache.lucene.index.IndexWriter.MAX_TERM_LENGTH, "immense term"),
// and a flat_object field indexes each string leaf as a term with no
// ignore_above (OpenSearch FlatObjectFieldMapper): a CloudTrail request
// parameter of 40 KB would get the whole event refused. The normalizer
// cuts such a leaf to MaxFlatLeafBytes and keeps the record in
// event.original.
func TestLongFlatObjectLeafIsBounded(t *testing.T) {
	const luceneMaxTermBytes = 32766
	long := strings.Repeat("A", 40<<10)
	rec := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"111122223333","userName":"ops"},` +
		`"eventTime":"2024-03-05T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"ModifyInstanceAttribute","awsRegion":"us-east-1",` +
		`"sourceIPAddress":"198.51.100.7","requestParameters":{"instanceId":"i-0abc","userData":{"value":"` + long + `"},"tags":[{"k":"é` + long + `"}]},` +
		`"responseElements":null,"eventID":"3d1c0c8e-0000-4000-8000-0000000000aa","eventType":"AwsApiCall","recipientAccountId":"111122223333","note":"` + long + `"}`
	docs, err := NormalizeRecord("cloudtrail", []byte(rec))
	if err != nil || len(docs) != 1 {
		t.Fatalf("%d documents, %v", len(docs), err)
	}
	d := docs[0]
	var aws map[string]any
	if err := json.Unmarshal(d.AWS, &aws); err != nil {
		t.Fatalf("aws.cloudtrail is not JSON: %v", err)
	}
	rp := aws["requestParameters"].(map[string]any)
	ud := rp["userData"].(map[string]any)["value"].(string)
	tag := rp["tags"].([]any)[0].(map[string]any)["k"].(string)
	for name, leaf := range map[string]string{"userData.value": ud, "tags.k": tag} {
		term := "requestParameters." + name + "=" + leaf
		if len(term) > luceneMaxTermBytes || len(leaf) > MaxFlatLeafBytes+100 {
			t.Errorf("%s: leaf of %d bytes (term %d) not bounded", name, len(leaf), len(term))
		}
		if !strings.Contains(leaf, "truncated, ") {
			t.Errorf("%s: no truncation marker", name)
		}
	}
	if rp["instanceId"] != "i-0abc" {
		t.Errorf("short leaves changed: %v", rp["instanceId"])
	}
	if aws["note"] != long {
		t.Error("a string outside the flat_object paths was cut (keyword fields have ignore_above)")
	}
	if d.Event.Original == "" || !strings.Contains(d.Event.Original, `"value":"`+long+`"`) {
		t.Errorf("event.original does not keep the whole record (%d bytes)", len(d.Event.Original))
	}
	// A record without long leaves is not touched.
	short, err := NormalizeRecord("cloudtrail", []byte(strings.ReplaceAll(rec, long, "x")))
	if err != nil || short[0].Event.Original != "" {
		t.Errorf("a short record got event.original (%v)", err)
	}
}

func TestRewriteLeavesKeepsTheJSON(t *testing.T) {
	flat := map[string]bool{"p": true}
	in := `{"a":[1,{"b":true,"c":null}],"p":{"x":["` + strings.Repeat("z", MaxFlatLeafBytes+1) + `",2.50],"y":{}},"q":"s"}`
	out, cut, err := rewriteLeaves([]byte(in), flat)
	if err != nil || !cut {
		t.Fatalf("cut %v, err %v", cut, err)
	}
	var got, want map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	_ = json.Unmarshal([]byte(in), &want)
	want["p"].(map[string]any)["x"].([]any)[0] = truncateLeaf(strings.Repeat("z", MaxFlatLeafBytes+1))
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("rewritten\n got %s\nwant %s", g, w)
	}
	if !strings.Contains(string(out), "2.50") {
		t.Errorf("numbers are not kept as written: %s", out)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzRewriteLeaves: whatever the JSON, the rewrite is valid JSON with the
// same value, except for cut leaves.
func FuzzRewriteLeaves(f *testing.F) {
	f.Add([]byte(`{"p":{"a":["x",1,{"b":null}]},"q":true}`))
	f.Add([]byte(`{"p":"` + strings.Repeat("\\u00e9", MaxFlatLeafBytes/3) + `"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		out, cut, err := rewriteLeaves(in, map[string]bool{"p": true})
		if err != nil {
			return // the decoder's limits (depth) refuse what json.Valid took
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON out of %q: %q", in, out)
		}
		if cut {
			return
		}
		var a, b any
		_ = json.Unmarshal(in, &a)
		_ = json.Unmarshal(out, &b)
		if mustJSON(t, a) != mustJSON(t, b) {
			t.Fatalf("value changed:\n in  %s\n out %s", in, out)
		}
	})
}
