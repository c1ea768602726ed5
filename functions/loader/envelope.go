package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// ObjectRef names one archive object to load and where to start in it.
type ObjectRef struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"` // decoded: the key exactly as S3 stores it
	VersionID string `json:"versionId,omitempty"`
	Size      int64  `json:"size,omitempty"`
	// Time is when the object was created (the event time); it is the
	// start of the lag metric and the @timestamp of error documents.
	Time time.Time `json:"time"`
	// SkipRecords is the record offset a continuation resumes at (0: the
	// whole object).
	SkipRecords int64 `json:"skipRecords,omitempty"`
	// Part counts continuations (0: the original notification).
	Part int `json:"part,omitempty"`

	// Mode. AlertsOnly is a retro-hunt: the rules are evaluated and only
	// alert and signal documents are indexed, never the documents
	// themselves (they were indexed when the object arrived). Rules, when
	// set, restricts detection to those rule ids; RuleFiles carries rules
	// in the message (orgsiem hunt --rule FILE), evaluated with the
	// loader's parameters. NoNotify marks the alerts orgsiem.notify=false
	// so notification monitors skip them (backfills, hunts).
	AlertsOnly bool       `json:"alertsOnly,omitempty"`
	Rules      []string   `json:"rules,omitempty"`
	RuleFiles  []RuleFile `json:"ruleFiles,omitempty"`
	NoNotify   bool       `json:"noNotify,omitempty"`
}

// MaxParts caps the continuations of one object: a continuation past it
// is a poison message (an object that never finishes).
const MaxParts = 1000

func (o ObjectRef) String() string {
	s := "s3://" + o.Bucket + "/" + o.Key
	if o.SkipRecords > 0 {
		s += fmt.Sprintf(" from record %d", o.SkipRecords)
	}
	return s
}

// Ignored explains why a message held no object to load (a test event, a
// non-creation event); it is acknowledged without work.
type Ignored struct{ Reason string }

// Message is what one SQS message body asks for.
type Message struct {
	Objects []ObjectRef
	// Ignored lists notifications in the message that load nothing, with
	// their reason ("s3:TestEvent", "event ObjectRemoved:Delete" ...).
	Ignored []Ignored
}

// EnvelopeError reports a message body that is none of the accepted shapes
// (or a malformed one). Redelivering it cannot help: it is a poison pill,
// left to the queue's redrive policy and dead-letter queue.
type EnvelopeError struct {
	Reason string
	Err    error
}

func (e *EnvelopeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("loader: message body: %s: %v", e.Reason, e.Err)
	}
	return "loader: message body: " + e.Reason
}

func (e *EnvelopeError) Unwrap() error { return e.Err }

// continuationKind marks a continuation message body; objectKind a
// message naming an object to load (orgsiem hunt), with the same body.
const (
	continuationKind = "orgsiem.loader.continuation"
	objectKind       = "orgsiem.loader.object"
)

// continuation is the body of a continuation message: the object and the
// record offset to resume at.
type continuation struct {
	Kind   string    `json:"kind"`
	Object ObjectRef `json:"object"`
}

// envelope holds the members of every accepted body shape; which ones are
// set says which shape it is.
type envelope struct {
	// S3 event notification (direct, or as SNS Message).
	Records json.RawMessage `json:"Records"`
	// s3:TestEvent.
	Event string `json:"Event"`
	// SNS notification (raw message delivery off).
	Type     string `json:"Type"`
	TopicArn string `json:"TopicArn"`
	Message  string `json:"Message"`
	// EventBridge event.
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
	// Continuation.
	Kind   string     `json:"kind"`
	Object *ObjectRef `json:"object"`
}

// eventBridgeDetail is the detail of an EventBridge "Object Created" event
// (Amazon S3 User Guide, "EventBridge event message structure"). The key
// is taken literally: unlike S3 event notifications, EventBridge does not
// document the key as URL-encoded.
type eventBridgeDetail struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		VersionID string `json:"version-id"`
	} `json:"object"`
}

// ParseMessage reads one SQS message body. Accepted shapes:
//
//   - an S3 event notification {"Records":[{"eventSource":"aws:s3", ...}]}
//     (object keys URL-decoded as S3 encodes them); ObjectCreated events
//     are loaded, other event names ignored;
//   - the same inside an SNS notification ({"Type":"Notification",
//     "Message":"<S3 event JSON>"}), for buckets that notify a topic;
//   - an EventBridge event {"source":"aws.s3","detail-type":"Object
//     Created","detail":{...}};
//   - the S3 test event {"Event":"s3:TestEvent", ...}, ignored;
//   - a continuation this function enqueued itself.
//
// Anything else is an *EnvelopeError.
func ParseMessage(body string) (Message, error) {
	return parseMessage([]byte(body), 0)
}

func parseMessage(body []byte, depth int) (Message, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return Message{}, &EnvelopeError{Reason: "not a JSON object", Err: err}
	}
	switch {
	case env.Kind == continuationKind || env.Kind == objectKind:
		if env.Object == nil || env.Object.Bucket == "" || env.Object.Key == "" || env.Object.SkipRecords < 0 {
			return Message{}, &EnvelopeError{Reason: "continuation without bucket, key or a valid offset"}
		}
		if env.Object.Part > MaxParts {
			return Message{}, &EnvelopeError{Reason: fmt.Sprintf("continuation part %d of %s is past the cap of %d parts", env.Object.Part, env.Object, MaxParts)}
		}
		if (len(env.Object.Rules) > 0 || len(env.Object.RuleFiles) > 0) && !env.Object.AlertsOnly {
			return Message{}, &EnvelopeError{Reason: "rules named in a message that is not alert-only"}
		}
		return Message{Objects: []ObjectRef{*env.Object}}, nil
	case env.Event == "s3:TestEvent":
		return Message{Ignored: []Ignored{{Reason: "s3:TestEvent"}}}, nil
	case env.Type == "Notification" && env.TopicArn != "":
		if depth > 0 {
			return Message{}, &EnvelopeError{Reason: "SNS notification nested in another envelope"}
		}
		m, err := parseMessage([]byte(env.Message), depth+1)
		if err != nil {
			return Message{}, fmt.Errorf("SNS message from %s: %w", env.TopicArn, err)
		}
		return m, nil
	case env.Records != nil:
		return parseS3Event(env.Records)
	case env.Source == "aws.s3" && env.Detail != nil:
		return parseEventBridge(env)
	}
	return Message{}, &EnvelopeError{Reason: "neither an S3 event notification, an SNS notification, an EventBridge S3 event nor a continuation"}
}

func parseS3Event(records json.RawMessage) (Message, error) {
	var recs []events.S3EventRecord
	if err := json.Unmarshal(records, &recs); err != nil {
		return Message{}, &EnvelopeError{Reason: "S3 event notification Records", Err: err}
	}
	if len(recs) == 0 {
		return Message{}, &EnvelopeError{Reason: "S3 event notification without records"}
	}
	var m Message
	for i, r := range recs {
		switch {
		case r.EventSource != "aws:s3":
			return Message{}, &EnvelopeError{Reason: fmt.Sprintf("record %d: event source %q is not aws:s3", i, r.EventSource)}
		case !strings.HasPrefix(r.EventName, "ObjectCreated:"):
			m.Ignored = append(m.Ignored, Ignored{Reason: "event " + r.EventName})
			continue
		case r.S3.Bucket.Name == "" || r.S3.Object.URLDecodedKey == "":
			return Message{}, &EnvelopeError{Reason: fmt.Sprintf("record %d: no bucket name or object key", i)}
		}
		m.Objects = append(m.Objects, ObjectRef{
			Bucket: r.S3.Bucket.Name, Key: r.S3.Object.URLDecodedKey, VersionID: r.S3.Object.VersionID,
			Size: r.S3.Object.Size, Time: r.EventTime.UTC(),
		})
	}
	return m, nil
}

func parseEventBridge(env envelope) (Message, error) {
	if env.DetailType != "Object Created" {
		return Message{Ignored: []Ignored{{Reason: "EventBridge " + env.DetailType}}}, nil
	}
	var d eventBridgeDetail
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return Message{}, &EnvelopeError{Reason: "EventBridge detail", Err: err}
	}
	if d.Bucket.Name == "" || d.Object.Key == "" {
		return Message{}, &EnvelopeError{Reason: "EventBridge Object Created without bucket name or object key"}
	}
	return Message{Objects: []ObjectRef{{
		Bucket: d.Bucket.Name, Key: d.Object.Key, VersionID: d.Object.VersionID, Size: d.Object.Size, Time: env.Time.UTC(),
	}}}, nil
}

// ObjectBody is the message body asking the loader to load o (orgsiem
// hunt sends these).
func ObjectBody(o ObjectRef) (string, error) {
	b, err := json.Marshal(continuation{Kind: objectKind, Object: o})
	if err != nil {
		return "", fmt.Errorf("loader: message for %s: %w", o, err)
	}
	return string(b), nil
}

// continuationBody is the message body resuming o.
func continuationBody(o ObjectRef) (string, error) {
	b, err := json.Marshal(continuation{Kind: continuationKind, Object: o})
	if err != nil {
		return "", fmt.Errorf("loader: continuation for %s: %w", o, err)
	}
	return string(b), nil
}

// isEnvelopeError reports whether err is a malformed message body.
func isEnvelopeError(err error) bool {
	var e *EnvelopeError
	return errors.As(err, &e)
}
