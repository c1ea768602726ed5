package logs

import (
	"bytes"
	"context"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// normalizeKey normalizes body as the object at the archive key key (the
// type and the default account and region come from the key) and returns
// the documents.
func normalizeKey(t *testing.T, key, body string) []ecs.Document {
	t.Helper()
	var docs []ecs.Document
	_, err := Normalize(context.Background(), Object{Key: key, Body: bytes.NewReader([]byte(body))}, func(d *ecs.Document) error {
		if d.Event.Kind == KindPipelineError {
			t.Errorf("error document: %s", d.Error.Message)
		}
		docs = append(docs, d.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestWAFAccountAndRegionFallBackToTheKey(t *testing.T) {
	// WAF's documented S3 layout: AWSLogs/<account>/WAFLogs/<region>/<web ACL>/YYYY/MM/DD/HH/mm/...
	// (https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html).
	const key = "AWSLogs/111122223333/WAFLogs/eu-west-1/shop-acl/2023/11/14/22/15/111122223333_waflogs_eu-west-1_shop-acl_20231114T2215Z_e0ca43b5.log.gz"
	tests := []struct {
		name, acl           string
		wantAcct, wantRegin string
	}{
		{"an ARN whose account part is not 12 digits keeps the key's account and its own region",
			"arn:aws:wafv2:eu-west-2:EXAMPLE:regional/webacl/shop-acl/a1b2", "111122223333", "eu-west-2"},
		{"an ARN without region keeps the key's region",
			"arn:aws:wafv2::111122223333:global/webacl/shop-acl/a1b2", "111122223333", "eu-west-1"},
		{"a WAF Classic id keeps both from the key", "385cb038-3a6f-4f2f-ac64-09ab912af590", "111122223333", "eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := normalizeKey(t, key, `{"timestamp":1700000303000,"webaclId":"`+tt.acl+`","action":"ALLOW","httpRequest":{"clientIp":"198.51.100.22"}}`)
			if len(docs) != 1 {
				t.Fatalf("%d documents", len(docs))
			}
			if c := docs[0].Cloud; c.AccountID != tt.wantAcct || c.Region != tt.wantRegin {
				t.Errorf("cloud = %s/%s, want %s/%s", c.AccountID, c.Region, tt.wantAcct, tt.wantRegin)
			}
		})
	}
}
