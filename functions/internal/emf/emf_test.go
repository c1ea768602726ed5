package emf

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	err := Write(&buf, now, []Dimension{{"Function", "transfer"}}, []Metric{
		{Name: "Events", Unit: Count, Value: 12},
		{Name: "Bytes", Unit: Bytes, Value: 3456},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(buf.String(), "}\n") || strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("want exactly one JSON line, got %q", buf.String())
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function string
		Events   float64
		Bytes    float64
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AWS.Timestamp != now.UnixMilli() || doc.Function != "transfer" || doc.Events != 12 || doc.Bytes != 3456 {
		t.Fatalf("unexpected document %+v", doc)
	}
	d := doc.AWS.CloudWatchMetrics
	if len(d) != 1 || d[0].Namespace != "OrgSIEM" || len(d[0].Dimensions) != 1 || d[0].Dimensions[0][0] != "Function" ||
		len(d[0].Metrics) != 2 || d[0].Metrics[1].Name != "Bytes" || d[0].Metrics[1].Unit != "Bytes" {
		t.Fatalf("unexpected directive %+v", d)
	}
}

func TestWriteRejectsBadNames(t *testing.T) {
	tests := []struct {
		name    string
		dims    []Dimension
		metrics []Metric
	}{
		{"a metric named like a dimension is refused", []Dimension{{"Function", "x"}}, []Metric{{Name: "Function"}}},
		{"a metric named _aws is refused", nil, []Metric{{Name: "_aws"}}},
		{"an empty metric name is refused", nil, []Metric{{Name: ""}}},
		{"more than 100 metrics are refused", nil, make([]Metric, MaxMetrics+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, time.Now(), tt.dims, tt.metrics); err == nil {
				t.Fatal("want an error")
			}
			if buf.Len() != 0 {
				t.Fatalf("wrote %q on error", buf.String())
			}
		})
	}
}
