package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// PutObjectAPI is the part of the S3 client S3DeadLetter uses.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3DeadLetter writes refused documents to the archive bucket under
// archive.DeadLetterKey, one NDJSON object per log type and account per
// call. Each line is a DeadLetterRecord. The object name is derived from
// its content, so a retried call rewrites the same key instead of adding a
// copy.
type S3DeadLetter struct {
	Bucket string
	Client PutObjectAPI
	// Now is the clock (default time.Now); the key's hour comes from it.
	Now func() time.Time
}

// DeadLetterRecord is one line of a dead-letter object.
type DeadLetterRecord struct {
	Reason    string          `json:"reason"`
	ErrorType string          `json:"error_type,omitempty"`
	Status    int             `json:"status"`
	Index     string          `json:"index"`
	ID        string          `json:"id"`
	Document  json.RawMessage `json:"document"`
	Ref       any             `json:"ref,omitempty"`
}

// DeadLetter implements DeadLetterSink.
func (d *S3DeadLetter) DeadLetter(ctx context.Context, items []Rejected) error {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	t := now().UTC()
	type group struct{ typ, account string }
	groups := map[group][]Rejected{}
	for _, it := range items {
		g := group{typ: logTypeOfIndex(it.Index), account: gjson.GetBytes(it.Document, "cloud.account.id").String()}
		groups[g] = append(groups[g], it)
	}
	keys := make([]group, 0, len(groups))
	for g := range groups {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].typ < keys[j].typ || keys[i].typ == keys[j].typ && keys[i].account < keys[j].account
	})
	for _, g := range keys {
		body, err := encodeDeadLetters(groups[g])
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := t.Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:8]) + ".ndjson"
		key := archive.DeadLetterKey(g.typ, g.account, t, name)
		_, err = d.Client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:      aws.String(d.Bucket),
			Key:         aws.String(key),
			Body:        bytes.NewReader(body),
			ContentType: aws.String("application/x-ndjson"),
		})
		if err != nil {
			return fmt.Errorf("search: dead letter s3://%s/%s (%d documents): %w", d.Bucket, key, len(groups[g]), err)
		}
	}
	return nil
}

func encodeDeadLetters(items []Rejected) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		rec := DeadLetterRecord{Reason: it.Reason, ErrorType: it.ErrorType, Status: it.Status, Index: it.Index, ID: it.ID, Ref: it.Ref}
		if json.Valid(it.Document) {
			rec.Document = it.Document
		} else {
			rec.Document = ecs.AppendJSONString(nil, string(it.Document))
		}
		if err := enc.Encode(rec); err != nil {
			// A Ref that does not marshal is kept as text rather than lost.
			rec.Ref = fmt.Sprint(it.Ref)
			if err := enc.Encode(rec); err != nil {
				return nil, fmt.Errorf("search: dead letter record %s/%s: %w", it.Index, it.ID, err)
			}
		}
	}
	return buf.Bytes(), nil
}

// logTypeOfIndex returns <type> of log-aws-<type>-YYYY.MM, or the index name
// itself for other indices.
func logTypeOfIndex(index string) string {
	s, ok := strings.CutPrefix(index, IndexPrefix)
	if !ok {
		return index
	}
	if i := strings.LastIndexByte(s, '-'); i > 0 {
		return s[:i]
	}
	return s
}
