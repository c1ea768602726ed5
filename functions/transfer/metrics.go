package transfer

import (
	"github.com/orgsiem/orgsiem/functions/internal/emf"
)

// Metrics is what one invocation of the transfer function reports: one EMF
// document on stdout, namespace lambdaenv.MetricNamespace, dimension Function=transfer.
// Every field is emitted (zeros included) as the metric of the same name.
type Metrics struct {
	// Deliveries counts subscription deliveries received (one per invocation).
	Deliveries int64
	// Events counts log events archived.
	Events int64
	// Bytes counts NDJSON bytes archived, before compression.
	Bytes int64
	// ObjectBytes counts compressed bytes of the objects written.
	ObjectBytes int64
	// Objects counts objects written.
	Objects int64
	// ObjectsExisting counts deliveries whose object was already in the
	// archive (a retried delivery); nothing new was written.
	ObjectsExisting int64
	// DroppedControlMessages counts CONTROL_MESSAGE deliveries, acknowledged
	// without writing (drop reason "control message").
	DroppedControlMessages int64
	// DroppedEmptyDeliveries counts DATA_MESSAGE deliveries without log
	// events, acknowledged without writing (drop reason "no log events").
	DroppedEmptyDeliveries int64
	// InvalidPayloads counts deliveries rejected as undecodable; the
	// invocation failed and the event goes to Lambda's retries and DLQ.
	InvalidPayloads int64
	// WriteRetries counts S3 attempts retried after a transient error.
	WriteRetries int64
	// WriteFailures counts invocations failed because S3 kept failing; the
	// event goes to Lambda's retries and DLQ.
	WriteFailures int64
}

func (m *Metrics) list() []emf.Metric {
	return []emf.Metric{
		{Name: "Deliveries", Unit: emf.Count, Value: float64(m.Deliveries)},
		{Name: "Events", Unit: emf.Count, Value: float64(m.Events)},
		{Name: "Bytes", Unit: emf.Bytes, Value: float64(m.Bytes)},
		{Name: "ObjectBytes", Unit: emf.Bytes, Value: float64(m.ObjectBytes)},
		{Name: "Objects", Unit: emf.Count, Value: float64(m.Objects)},
		{Name: "ObjectsExisting", Unit: emf.Count, Value: float64(m.ObjectsExisting)},
		{Name: "DroppedControlMessages", Unit: emf.Count, Value: float64(m.DroppedControlMessages)},
		{Name: "DroppedEmptyDeliveries", Unit: emf.Count, Value: float64(m.DroppedEmptyDeliveries)},
		{Name: "InvalidPayloads", Unit: emf.Count, Value: float64(m.InvalidPayloads)},
		{Name: "WriteRetries", Unit: emf.Count, Value: float64(m.WriteRetries)},
		{Name: "WriteFailures", Unit: emf.Count, Value: float64(m.WriteFailures)},
	}
}

// emit writes m as one EMF line; a failure to write metrics is logged, it
// never fails the invocation.
func (h *Handler) emit(m *Metrics) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := emf.Write(h.metrics, h.now(), []emf.Dimension{{Name: "Function", Value: "transfer"}}, m.list()); err != nil {
		h.log.Error("metrics not written", "error", err.Error())
	}
}
