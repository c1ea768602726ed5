// Package s3test starts an in-process S3 server for tests: gofakes3 with
// its in-memory backend, reached by the real aws-sdk-go-v2 S3 client over
// HTTP, so code under test speaks the real S3 wire protocol.
package s3test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Region is the region the test clients are configured with.
const Region = "eu-west-1"

// New starts a server holding the named buckets and returns a path-style
// client for it with static test credentials and no SDK retries (code under
// test that retries does so itself). wrap, when not nil, sits in front of the
// fake, so a test can count requests or inject S3 errors. The server stops
// when the test ends.
func New(t testing.TB, wrap func(http.Handler) http.Handler, buckets ...string) *s3.Client {
	t.Helper()
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatalf("s3test: bucket %s: %v", b, err)
		}
	}
	var h http.Handler = gofakes3.New(backend).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}
