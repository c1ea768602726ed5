package sources

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// A flow log file in our custom format, as the log delivery service writes
// it to S3 (a header line of the format's field names, then one
// space-separated record per line, "-" for a field without a value; VPC
// User Guide, "Flow log records" and "Process flow log records in Amazon
// S3"), at the key AWS gives it, loads as vpcflow documents with the v3-v5
// fields mapped. Synthetic values.
func TestOurFormatLoads(t *testing.T) {
	header := strings.Join(V5Fields, " ")
	record := "5 444444444444 eni-0a1b2c3d4e5f60718 10.0.1.5 198.51.100.7 49152 443 6 10 5000 1710493200 1710493260 ACCEPT OK " +
		"vpc-0a subnet-0b i-0c 2 IPv4 10.0.1.5 198.51.100.7 eu-west-1 euw1-az1 - - - - egress 8"
	if n := len(strings.Fields(record)); n != len(V5Fields) {
		t.Fatalf("record has %d fields, format %d", n, len(V5Fields))
	}
	key := "AWSLogs/444444444444/vpcflowlogs/eu-west-1/2026/03/15/444444444444_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f60718_20260315T0910Z_0a1b2c3d.log.gz"
	loc, err := archive.Parse(key)
	if err != nil || loc.LogType != archive.TypeVPCFlow {
		t.Fatalf("%+v %v", loc, err)
	}
	var docs []ecs.Document
	st, err := logs.Normalize(context.Background(), logs.Object{Key: key, Body: bytes.NewReader([]byte(header + "\n" + record + "\n"))},
		func(d *ecs.Document) error { docs = append(docs, d.Clone()); return nil })
	if err != nil || st.Documents != 1 || st.Errors != 0 {
		t.Fatalf("stats %+v, err %v", st, err)
	}
	b := docs[0].AppendJSON(nil)
	for _, want := range []string{`"flow-direction":"egress"`, `"traffic-path":"8"`, `"az-id":"euw1-az1"`} {
		if !strings.Contains(strings.ReplaceAll(string(b), "_", "-"), want) {
			t.Errorf("document lacks %s: %s", want, b)
		}
	}
}
