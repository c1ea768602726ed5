package loader

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

// maxLagValues bounds the lag values one EMF document carries (EMF allows
// 100 values per metric).
const maxLagValues = 100

// Metrics is what the loader reports per log type and invocation (or per
// CLI backfill): one CloudWatch embedded metric format document per log
// type on stdout, namespace lambdaenv.MetricNamespace, dimension
// lambdaenv.DimensionLogType (what the heartbeat alarms watch). Every field is
// emitted, zeros included, so a quiet type still reports.
//
// For every object part loaded:
// Records == DocumentsIndexed + DeadLettered + NotIndexed + Skipped,
// where DocumentsIndexed includes the Errors documents.
type Metrics struct {
	// Objects counts object parts loaded: whole objects, and each
	// continuation of a large one.
	Objects int64
	// ObjectsFailed counts objects that could not be read (missing, a key
	// of no known layout, an S3 error); their messages are redelivered and
	// end in the ingest dead-letter queue if the failure persists.
	ObjectsFailed int64
	// Records counts input records read (lines, array elements, log events),
	// excluding records a continuation skipped over.
	Records int64
	// DocumentsIndexed counts documents OpenSearch holds after the call:
	// created, or already there from an earlier delivery (version conflict
	// on create). The heartbeat alarms watch it.
	DocumentsIndexed int64
	// Errors counts records that did not parse and were indexed as
	// pipeline_error documents (event.original and error.message kept).
	Errors int64
	// DeadLettered counts documents OpenSearch refused for a document
	// reason (400); each was written to the archive's DeadLetter/ prefix.
	DeadLettered int64
	// NotIndexed counts documents neither accepted nor dead-lettered (retries
	// exhausted by 429/5xx until the deadline); their messages are reported
	// as batch item failures and redelivered.
	NotIndexed int64
	// Skipped counts records deliberately not indexed (digests, headers,
	// control messages ...), all reasons together.
	Skipped int64
	// Bytes counts decompressed bytes read.
	Bytes int64
	// Continuations counts continuation messages enqueued because the
	// invocation neared its deadline.
	Continuations int64
	// EnrichmentErrors counts failed account or GeoIP lookups; enrichment is
	// best effort and never fails a document.
	EnrichmentErrors int64
	// AlertsIndexed and SignalsIndexed count alert documents of event rules
	// and signal documents of threshold rules the alerts index holds after
	// the call; AlertsNotIndexed counts those that failed (the message is
	// redelivered).
	AlertsIndexed, SignalsIndexed, AlertsNotIndexed int64
	// Lag is, per object part fully indexed, the time from the object's
	// creation (its event time) to the end of its indexing.
	Lag []time.Duration
}

// add adds o into m.
func (m *Metrics) add(o *Metrics) {
	m.Objects += o.Objects
	m.ObjectsFailed += o.ObjectsFailed
	m.Records += o.Records
	m.DocumentsIndexed += o.DocumentsIndexed
	m.Errors += o.Errors
	m.DeadLettered += o.DeadLettered
	m.NotIndexed += o.NotIndexed
	m.Skipped += o.Skipped
	m.Bytes += o.Bytes
	m.Continuations += o.Continuations
	m.EnrichmentErrors += o.EnrichmentErrors
	m.AlertsIndexed += o.AlertsIndexed
	m.SignalsIndexed += o.SignalsIndexed
	m.AlertsNotIndexed += o.AlertsNotIndexed
	m.Lag = append(m.Lag, o.Lag...)
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// writeEMF writes one embedded metric format line per log type (in name
// order) to w. Format: CloudWatch "Embedded metric format specification";
// the lag is a value array in milliseconds.
func writeEMF(w io.Writer, now time.Time, byType map[string]*Metrics) error {
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		m := byType[t]
		counts := []struct {
			name, unit string
			v          int64
		}{
			{"Objects", "Count", m.Objects}, {"ObjectsFailed", "Count", m.ObjectsFailed}, {"Records", "Count", m.Records},
			{lambdaenv.MetricDocumentsIndexed, "Count", m.DocumentsIndexed}, {"Errors", "Count", m.Errors},
			{"DeadLettered", "Count", m.DeadLettered}, {"NotIndexed", "Count", m.NotIndexed},
			{"Skipped", "Count", m.Skipped}, {"Bytes", "Bytes", m.Bytes},
			{"Continuations", "Count", m.Continuations}, {"EnrichmentErrors", "Count", m.EnrichmentErrors},
			{"AlertsIndexed", "Count", m.AlertsIndexed}, {"SignalsIndexed", "Count", m.SignalsIndexed},
			{"AlertsNotIndexed", "Count", m.AlertsNotIndexed},
		}
		root := map[string]any{lambdaenv.DimensionLogType: t}
		defs := make([]emfMetric, 0, len(counts)+1)
		for _, c := range counts {
			root[c.name] = c.v
			defs = append(defs, emfMetric{Name: c.name, Unit: c.unit})
		}
		if len(m.Lag) > 0 {
			lag := make([]int64, 0, min(len(m.Lag), maxLagValues))
			for _, d := range m.Lag[:min(len(m.Lag), maxLagValues)] {
				lag = append(lag, d.Milliseconds())
			}
			root["Lag"] = lag
			defs = append(defs, emfMetric{Name: "Lag", Unit: "Milliseconds"})
		}
		root["_aws"] = emfMeta{Timestamp: now.UnixMilli(), CloudWatchMetrics: []emfDirective{{
			Namespace: lambdaenv.MetricNamespace, Dimensions: [][]string{{lambdaenv.DimensionLogType}}, Metrics: defs,
		}}}
		line, err := json.Marshal(root)
		if err != nil {
			return fmt.Errorf("loader metrics: %w", err)
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return fmt.Errorf("loader metrics: write: %w", err)
		}
	}
	return nil
}

// writeRulesEMF writes the cold start's custom rule counts, one EMF line
// with the Ruleset=custom dimension.
func writeRulesEMF(w io.Writer, now time.Time, loaded, skipped int) error {
	root := map[string]any{
		lambdaenv.DimensionRuleset:         "custom",
		lambdaenv.MetricCustomRulesLoaded:  loaded,
		lambdaenv.MetricCustomRulesSkipped: skipped,
		"_aws": emfMeta{Timestamp: now.UnixMilli(), CloudWatchMetrics: []emfDirective{{
			Namespace: lambdaenv.MetricNamespace, Dimensions: [][]string{{lambdaenv.DimensionRuleset}},
			Metrics: []emfMetric{{Name: lambdaenv.MetricCustomRulesLoaded, Unit: "Count"}, {Name: lambdaenv.MetricCustomRulesSkipped, Unit: "Count"}},
		}}},
	}
	line, err := json.Marshal(root)
	if err != nil {
		return fmt.Errorf("loader metrics: %w", err)
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("loader metrics: write: %w", err)
	}
	return nil
}
