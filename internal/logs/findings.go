package logs

// Reading GuardDuty and Security Hub finding records in one validating pass.
//
// A record is a raw finding or an EventBridge event around one (GuardDuty)
// or several (Security Hub) findings; which one it is shows only in its
// keys. findingRecord.read validates the record with scanObject and, in the
// same pass, takes the envelope keys and checks the top-level members
// against the type's recordShape as if the record were a raw finding. An
// event's findings are then checked where they lie inside the validated
// record (recordShape.readIn), without a second validating pass, and the
// mapping reads the slots and the free-form parts (service, Resources ...)
// through the shapeValues accessors: no reflection, no second decoding.
//
// The declared-type guarantee of jsonshape.go holds for findings: a finding
// whose declared fields hold another JSON type is an error document. Keys
// match exactly (encoding/json, which this replaced, also matched them
// case-insensitively).

import (
	"errors"
	"fmt"
	"strconv"
)

// eventBridgeEnvelope is an EventBridge event around a finding: the
// envelope keys of the record, and where its detail lies.
// https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
type eventBridgeEnvelope struct {
	version, id, detailType, source, account, time, region string
	detail                                                 jsonSpan // zero when absent
}

// metadata is the aws.<type>.eventbridge object (the envelope without its
// detail).
func (e *eventBridgeEnvelope) metadata() []byte {
	var o textObject
	o.reset()
	o.str("id", e.id)
	o.str("detail-type", e.detailType)
	o.str("source", e.source)
	o.str("account", e.account)
	o.str("time", e.time)
	o.str("region", e.region)
	o.str("version", e.version)
	return o.bytes()
}

// field returns where the envelope keeps the string of key, or nil for
// keys that are not string members of the envelope.
func (e *eventBridgeEnvelope) field(key []byte) *string {
	switch string(key) {
	case "version":
		return &e.version
	case "id":
		return &e.id
	case "detail-type":
		return &e.detailType
	case "source":
		return &e.source
	case "account":
		return &e.account
	case "time":
		return &e.time
	case "region":
		return &e.region
	}
	return nil
}

// findingRecord is one record of a finding type as read by read; reused
// from record to record.
type findingRecord struct {
	shape *recordShape
	v     shapeValues
	env   eventBridgeEnvelope
	// rawErr is the first declared path of a raw finding holding another
	// JSON type; it does not apply when the record is an event.
	rawErr error
}

// isEvent reports whether the record read is an EventBridge event.
func (r *findingRecord) isEvent() bool { return r.env.detailType != "" }

// read validates raw as a JSON object and takes its envelope keys, which
// must hold strings (or null) whatever the record is. When r.shape is set,
// it checks the members as a raw finding's into r.rawErr.
func (r *findingRecord) read(raw []byte) error {
	v := &r.v
	v.raw, v.s = raw, string(raw)
	if r.shape != nil {
		r.shape.clearSlots(v)
	}
	r.env, r.rawErr = eventBridgeEnvelope{}, nil
	var envErr error
	isObject, err := scanObject(raw, func(m member) {
		key := v.key(m.keyStart-1, m.keyEnd+1)
		val := jsonSpan{m.valStart, m.valEnd}
		if dst := r.env.field(key); dst != nil {
			if !v.stringOrNull(val, dst) && envErr == nil {
				envErr = fmt.Errorf("EventBridge event key %q holds %s, not a string", key, v.jsonTypeName(val))
			}
		} else if string(key) == "detail" {
			r.env.detail = val
		}
		if r.shape != nil && r.rawErr == nil {
			r.rawErr = r.shape.member(v, key, val)
		}
	})
	switch {
	case err != nil:
		return err
	case !isObject:
		return errors.New("not a JSON object")
	}
	return envErr
}

// clearSlots sizes the slots of v for sh and empties them.
func (sh *recordShape) clearSlots(v *shapeValues) {
	if cap(v.vals) < sh.nslots {
		v.vals = make([]jsonSpan, sh.nslots)
	}
	v.vals = v.vals[:sh.nslots]
	clear(v.vals)
}

// member checks one member of a record (or of an object readIn reads) and
// keeps the slots it holds.
func (sh *recordShape) member(v *shapeValues, name []byte, val jsonSpan) error {
	if n := sh.root.kid(name); n != nil {
		return v.check(n, val.lo, val.hi)
	}
	return nil
}

// readIn reads the object at obj, inside the record v holds and already
// validated, as read reads a record: the declared paths are checked and
// the slots refilled.
func (sh *recordShape) readIn(v *shapeValues, obj jsonSpan) error {
	sh.clearSlots(v)
	var err error
	v.members(obj, func(name []byte, val jsonSpan) bool {
		err = sh.member(v, name, val)
		return err == nil
	})
	return err
}

// get returns the value of the last member called name of the object at
// obj (the last one wins, as in encoding/json), or the zero span when obj
// is not an object or has no such member.
func (v *shapeValues) get(obj jsonSpan, name string) jsonSpan {
	var val jsonSpan
	v.members(obj, func(n []byte, s jsonSpan) bool {
		if string(n) == name {
			val = s
		}
		return true
	})
	return val
}

// first returns the first element of the array at arr, or the zero span.
func (v *shapeValues) first(arr jsonSpan) (e jsonSpan, ok bool) {
	v.elements(arr, func(s jsonSpan) bool {
		e, ok = s, true
		return false
	})
	return e, ok
}

// float decodes a number as encoding/json decodes it into a float64: 0
// for anything else, and for numbers out of the float64 range.
func (v *shapeValues) float(s jsonSpan) float64 {
	if s.hi == s.lo || !(v.raw[s.lo] == '-' || v.raw[s.lo] >= '0' && v.raw[s.lo] <= '9') {
		return 0
	}
	f, err := strconv.ParseFloat(v.text(s), 64)
	if err != nil {
		return 0
	}
	return f
}

// isTrue reports whether the value at s is the literal true.
func (v *shapeValues) isTrue(s jsonSpan) bool { return s.hi-s.lo == 4 && v.raw[s.lo] == 't' }

// jsonTypeName names the JSON type of the value at s, for error messages.
func (v *shapeValues) jsonTypeName(s jsonSpan) string {
	switch c := v.raw[s.lo]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// notObjectError says that the value at s should have been an object.
func (v *shapeValues) notObjectError(what string, s jsonSpan) error {
	return fmt.Errorf("%s is %s, not a JSON object", what, v.jsonTypeName(s))
}
