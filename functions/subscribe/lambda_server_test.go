package subscribe

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// lambdaServer is the Lambda Invoke API (REST-JSON, POST
// /2015-03-31/functions/{FunctionName}/invocations) for one function, as far
// as a sweep's continuation uses it. From the Invoke API reference (the doc
// comment of aws-sdk-go-v2/service/lambda Invoke): InvocationType Event
// queues the event and answers 202 with no body; "For asynchronous
// invocations, the maximum payload size is 1 MB"; an unknown function is
// ResourceNotFoundException (404). Queued events are run by the test's
// invocation driver (see lambdaDriver), which also applies Lambda's retry
// rule for asynchronous invocations: "if you invoke a function
// asynchronously and it returns an error, Lambda executes the function up
// to two more times".
type lambdaServer struct {
	client   *lambda.Client
	function string

	mu     sync.Mutex
	queued []json.RawMessage
	count  int // events ever queued
	// refuse, when set, answers every Invoke with this error type.
	refuse string
}

func newLambdaServer(t testing.TB, function string) *lambdaServer {
	t.Helper()
	ls := &lambdaServer{function: function}
	srv := httptest.NewServer(http.HandlerFunc(ls.serve))
	t.Cleanup(srv.Close)
	ls.client = lambda.New(lambda.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
	return ls
}

func (ls *lambdaServer) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(name, "/invocations")
	if r.Method != http.MethodPost || !ok || !ok2 || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		lambdaErr(w, http.StatusBadRequest, "InvalidRequestContentException", "bad request "+r.Method+" "+r.URL.Path)
		return
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.refuse != "" {
		lambdaErr(w, http.StatusTooManyRequests, ls.refuse, "injected")
		return
	}
	if name != ls.function {
		lambdaErr(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	if r.Header.Get("X-Amz-Invocation-Type") != "Event" {
		lambdaErr(w, http.StatusBadRequest, "InvalidRequestContentException", "this fake serves asynchronous (Event) invocations only")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if len(body) > 1<<20 {
		lambdaErr(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "payload over 1 MB")
		return
	}
	if !json.Valid(body) {
		lambdaErr(w, http.StatusBadRequest, "InvalidRequestContentException", "payload is not JSON")
		return
	}
	ls.queued = append(ls.queued, body)
	ls.count++
	w.WriteHeader(http.StatusAccepted)
}

// received counts the events ever queued.
func (ls *lambdaServer) received() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.count
}

// drain returns and forgets the queued events.
func (ls *lambdaServer) drain() []json.RawMessage {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	q := ls.queued
	ls.queued = nil
	return q
}

func lambdaErr(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
