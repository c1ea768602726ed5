// Package emf writes CloudWatch embedded metric format (EMF) documents: one
// JSON object per line on the function's stdout, which the Lambda runtime
// ships to CloudWatch Logs where the metrics are extracted. Format: the
// CloudWatch "Embedded metric format specification" (a root "_aws" object
// with a millisecond Timestamp and CloudWatchMetrics directives naming the
// Namespace, the dimension sets and each metric's Name and Unit; the values
// and dimension values are root members).
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

// Namespace is the CloudWatch namespace of every orgsiem function metric:
// the one the Pulumi program's alarms watch.
const Namespace = lambdaenv.MetricNamespace

// Unit is a CloudWatch metric unit.
type Unit string

// Units used by orgsiem.
const (
	Count        Unit = "Count"
	Bytes        Unit = "Bytes"
	Milliseconds Unit = "Milliseconds"
)

// Metric is one value.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// Dimension is one dimension name and value; every metric of a document is
// published under the one set of dimensions given.
type Dimension struct{ Name, Value string }

// MaxMetrics is the EMF limit of metrics per directive.
const MaxMetrics = 100

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

type meta struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Write writes one EMF document (a single line) to w. Metric and dimension
// names must be distinct and must not be "_aws"; at most MaxMetrics metrics.
func Write(w io.Writer, now time.Time, dims []Dimension, metrics []Metric) error {
	if len(metrics) > MaxMetrics {
		return fmt.Errorf("emf: %d metrics, at most %d per document", len(metrics), MaxMetrics)
	}
	root := make(map[string]any, len(dims)+len(metrics)+1)
	names := make([]string, 0, len(dims))
	for _, d := range dims {
		if err := claim(root, d.Name); err != nil {
			return err
		}
		root[d.Name] = d.Value
		names = append(names, d.Name)
	}
	defs := make([]metricDef, 0, len(metrics))
	for _, m := range metrics {
		if err := claim(root, m.Name); err != nil {
			return err
		}
		root[m.Name] = m.Value
		defs = append(defs, metricDef{Name: m.Name, Unit: m.Unit})
	}
	root["_aws"] = meta{
		Timestamp:         now.UnixMilli(),
		CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: [][]string{names}, Metrics: defs}},
	}
	line, err := json.Marshal(root)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("emf: write: %w", err)
	}
	return nil
}

func claim(root map[string]any, name string) error {
	if name == "" || name == "_aws" {
		return fmt.Errorf("emf: invalid member name %q", name)
	}
	if _, dup := root[name]; dup {
		return fmt.Errorf("emf: duplicate member name %q", name)
	}
	return nil
}
