package transfer

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Message types of a CloudWatch Logs subscription delivery.
const (
	// DataMessage carries log events.
	DataMessage = "DATA_MESSAGE"
	// ControlMessage is CloudWatch Logs checking that the destination is
	// reachable; it carries no log data.
	ControlMessage = "CONTROL_MESSAGE"
	// AccountLevelPolicy is the policyLevel of deliveries made by an
	// account-level subscription filter policy (PutAccountPolicy).
	AccountLevelPolicy = "ACCOUNT_LEVEL_POLICY"
)

// MaxDecodedBytes bounds the decompressed size of one delivery. Real
// deliveries are about 1 MiB of log events; the bound only stops a
// decompression bomb from exhausting the function's memory.
const MaxDecodedBytes = 32 << 20

// Delivery is one decoded CloudWatch Logs subscription payload, from a
// per-log-group subscription filter or an account-level policy.
type Delivery struct {
	MessageType         string     `json:"messageType"`
	Owner               string     `json:"owner"` // account id of the log group (DATA_MESSAGE)
	LogGroup            string     `json:"logGroup"`
	LogStream           string     `json:"logStream"`
	SubscriptionFilters []string   `json:"subscriptionFilters"`
	PolicyLevel         string     `json:"policyLevel,omitempty"` // AccountLevelPolicy for account-level deliveries
	LogEvents           []LogEvent `json:"logEvents"`
}

// LogEvent is one log event of a delivery.
type LogEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"` // milliseconds since the epoch
	Message   string `json:"message"`
}

// PayloadError reports a delivery that cannot be decoded. It is permanent:
// the same bytes fail again, so Lambda's retries end in the dead-letter
// destination, which keeps the original event.
type PayloadError struct {
	Stage string // envelope, base64, gzip, size, json, messageType, content
	Err   error
}

func (e *PayloadError) Error() string {
	return fmt.Sprintf("invalid subscription payload (%s): %v", e.Stage, e.Err)
}

func (e *PayloadError) Unwrap() error { return e.Err }

// Decode turns the awslogs.data string of a subscription event (base64 of a
// gzip of JSON) into a validated Delivery. A DATA_MESSAGE must name its owner
// account and log group and give every event an id.
func Decode(data string) (*Delivery, error) {
	if data == "" {
		return nil, &PayloadError{"envelope", errors.New("no awslogs.data: not a CloudWatch Logs subscription event")}
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, &PayloadError{"base64", err}
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, &PayloadError{"gzip", err}
	}
	body, err := io.ReadAll(io.LimitReader(zr, MaxDecodedBytes+1))
	if err != nil {
		return nil, &PayloadError{"gzip", err}
	}
	if len(body) > MaxDecodedBytes {
		return nil, &PayloadError{"size", fmt.Errorf("decompressed payload exceeds %d bytes", MaxDecodedBytes)}
	}
	return decodeJSON(body)
}

func decodeJSON(body []byte) (*Delivery, error) {
	var d Delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, &PayloadError{"json", err}
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *Delivery) validate() error {
	switch d.MessageType {
	case ControlMessage:
		return nil
	case DataMessage:
	default:
		return &PayloadError{"messageType", fmt.Errorf("unknown messageType %q", d.MessageType)}
	}
	if !isAccountID(d.Owner) {
		return &PayloadError{"content", fmt.Errorf("owner %q is not a 12-digit account id", d.Owner)}
	}
	if d.LogGroup == "" {
		return &PayloadError{"content", errors.New("logGroup is empty")}
	}
	for i := range d.LogEvents {
		if d.LogEvents[i].ID == "" {
			return &PayloadError{"content", fmt.Errorf("log event %d of %d has no id", i+1, len(d.LogEvents))}
		}
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
