package search_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

func fakeS3(t *testing.T, bucket string) *s3.Client { return s3test.New(t, nil, bucket) }

func TestS3DeadLetterWritesRefusedDocumentsWithTheirReason(t *testing.T) {
	const bucket = "org-archive"
	s3c := fakeS3(t, bucket)
	now := time.Date(2025, 6, 1, 13, 45, 0, 0, time.UTC)
	sink := &search.S3DeadLetter{Bucket: bucket, Client: s3c, Now: func() time.Time { return now }}

	srv := searchtest.New(t)
	c := newClient(t, srv)
	srv.SetItemFault(func(op searchtest.BulkOp) *searchtest.Fault {
		if strings.HasSuffix(op.ID, "7") {
			return &searchtest.Fault{Status: 400}
		}
		return nil
	})
	var results []search.Result
	ix, _ := c.NewIndexer(search.IndexerConfig{DeadLetter: sink, OnResult: func(r search.Result) { results = append(results, r) }})
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		it := doc(i)
		it.Body = []byte(strings.Replace(string(it.Body), `"cloud":{"account.id":"111122223333"}`, `"cloud":{"account":{"id":"111122223333"}}`, 1))
		_ = ix.Add(ctx, it)
	}
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var dead int
	for _, r := range results {
		if r.Outcome == search.DeadLettered {
			dead++
		}
	}
	if dead != 2 {
		t.Fatalf("%d dead-lettered, want 2 (id-007, id-017)", dead)
	}
	out, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(archive.DeadLetterPrefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 1 {
		t.Fatalf("%d dead-letter objects, want 1", len(out.Contents))
	}
	key := aws.ToString(out.Contents[0].Key)
	if !strings.HasPrefix(key, "DeadLetter/cloudtrail/111122223333/2025/06/01/13/") {
		t.Errorf("key %s", key)
	}
	loc, err := archive.Parse(key)
	if err != nil || loc.Skip != archive.SkipDeadLetter {
		t.Errorf("archive.Parse(%s) = %+v, %v; want a dead-letter skip", key, loc, err)
	}
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(obj.Body)
	sc := bufio.NewScanner(bytes.NewReader(b))
	var recs []search.DeadLetterRecord
	for sc.Scan() {
		var r search.DeadLetterRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0].ID != "id-007" || recs[0].Reason == "" || recs[0].Index != "log-aws-cloudtrail-2025.05" ||
		recs[0].Ref != "key.json.gz#7" || !strings.Contains(string(recs[0].Document), `"Test7"`) {
		t.Errorf("records %+v", recs)
	}
}
