package searchtest

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

func TestProbe(t *testing.T) {
	start := time.Now()
	l := openapi3.NewLoader()
	doc, err := l.LoadFromFile("../../../../shared/specs/opensearch/opensearch-openapi-with-alerting.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("load", time.Since(start))
	f := false
	qc := doc.Components.Schemas["_common.query_dsl___QueryContainer"].Value
	qc.AdditionalProperties = openapi3.AdditionalProperties{Has: &f}
	bq := doc.Components.Schemas["_common.query_dsl___BoolQuery"].Value
	bq.UnevaluatedProperties = openapi3.BoolSchema{Has: &f}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"size":0,"query":{"bool":{"filter":[{"term":{"a":"b"}}]}}}`,
		`{"size":0,"query":{"bool":{"fliter":[{"term":{"a":"b"}}]}}}`,
		`{"size":0,"query":{"bool":{"filter":[{"trem":{"a":"b"}}]}}}`,
		`{"size":"ten","query":{"bool":{"filter":[{"term":{"a":"b"}}]}}}`,
	} {
		req, _ := http.NewRequest("POST", "http://localhost:9200/log-aws-*/_search", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		route, params, err := r.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()}}})
		msg := ""
		if err != nil {
			msg = err.Error()
			if len(msg) > 300 {
				msg = msg[:300]
			}
		}
		t.Log(route.Operation.OperationID, time.Since(start), msg)
	}
}
