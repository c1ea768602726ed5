package logs

// Reading GuardDuty and Security Hub finding records in one validating pass.
//
// A record is a raw finding or an EventBridge event around one (GuardDuty)
// or several (Security Hub) findings; which one it is shows only in its
// keys. findingRecord.read validates the record with scanObject and, in the
// same pass, takes the envelope keys and checks the top-level members
// against the type's recordShape as if the record were a raw finding
// (recordShape.scan). An event's findings are then checked where they lie
// inside the validated record (recordShape.readIn), without a second
// validating pass, and the mapping reads the slots and the free-form parts
// (service, Resources ...) through the shapeValues accessors: no
// reflection, no second decoding.
//
// The declared-type guarantee of jsonshape.go holds for findings: a finding
// whose declared fields hold another JSON type is an error document. Keys
// match exactly (encoding/json, which this replaced, also matched them
// case-insensitively).

import "fmt"

// eventBridgeEnvelope is an EventBridge event around a finding: the
// envelope keys of the record, and where its detail lies.
// https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
type eventBridgeEnvelope struct {
	version, id, detailType, source, account, time, region string
	detail                                                 jsonSpan // zero when absent
}

// envelopeField is a string member of the envelope.
type envelopeField struct {
	key string
	val *string
}

// fields returns the string members of e, in the order metadata writes
// them.
func (e *eventBridgeEnvelope) fields() [7]envelopeField {
	return [...]envelopeField{{"id", &e.id}, {"detail-type", &e.detailType}, {"source", &e.source},
		{"account", &e.account}, {"time", &e.time}, {"region", &e.region}, {"version", &e.version}}
}

// metadata is the aws.<type>.eventbridge object (the envelope without its
// detail).
func (e *eventBridgeEnvelope) metadata() []byte {
	var o textObject
	o.reset()
	for _, f := range e.fields() {
		o.str(f.key, *f.val)
	}
	return o.bytes()
}

// field returns where the envelope keeps the string of key, or nil for
// keys that are not string members of the envelope.
func (e *eventBridgeEnvelope) field(key []byte) *string {
	for _, f := range e.fields() {
		if f.key == string(key) {
			return f.val
		}
	}
	return nil
}

// findingRecord is one record of a finding type as read by read; reused
// from record to record.
type findingRecord struct {
	shape *recordShape // the finding type's; never nil
	v     shapeValues
	env   eventBridgeEnvelope
	// rawErr is the first declared path of a raw finding holding another
	// JSON type; it does not apply when the record is an event.
	rawErr error
}

// isEvent reports whether the record read is an EventBridge event.
func (r *findingRecord) isEvent() bool { return r.env.detailType != "" }

// read validates raw as a JSON object, takes its envelope keys, which must
// hold strings (or null) whatever the record is, and checks the members as
// a raw finding's into r.rawErr.
func (r *findingRecord) read(raw []byte) error {
	v := &r.v
	r.env = eventBridgeEnvelope{}
	var envErr error
	rawErr, err := r.shape.scan(raw, v, func(m member) {
		key := v.key(m.keyStart-1, m.keyEnd+1)
		val := jsonSpan{m.valStart, m.valEnd}
		if dst := r.env.field(key); dst != nil {
			if !v.stringOrNull(val, dst) && envErr == nil {
				envErr = fmt.Errorf("EventBridge event key %q holds %s, not a string", key, v.jsonTypeName(val))
			}
		} else if string(key) == "detail" {
			r.env.detail = val
		}
	})
	r.rawErr = rawErr
	if err != nil {
		return err
	}
	return envErr
}
