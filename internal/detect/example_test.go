package detect_test

import (
	"fmt"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// Load a catalog, override a parameter, match a document and print the
// alert with its attribution.
func Example() {
	cat, err := detect.LoadDir("testdata/rules")
	if err != nil {
		panic(err)
	}
	if err := cat.SetParameter("log_buckets", []string{"audit-archive-*"}); err != nil {
		panic(err)
	}
	docs, err := logs.NormalizeRecord("cloudtrail", []byte(`{"eventTime":"2024-03-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"e-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"eve"},"requestParameters":{"bucketName":"audit-archive-1"}}`))
	if err != nil {
		panic(err)
	}
	m := cat.NewMatcher()
	for i := range docs {
		m.Match(&docs[i], func(a detect.Alert) {
			fmt.Println(a.RuleID, a.Account, a.Principal, a.Time.Format(time.RFC3339), "by", a.Author, a.License)
		})
	}
	m.Flush(func(detect.Alert) {})
	// Output: test-log-bucket-access 111122223333 eve 2024-03-01T10:00:00Z by orgsiem Apache-2.0
}
